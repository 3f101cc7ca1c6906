"""Decoding, sanitising, loading and parsing articles into Documents."""

from __future__ import annotations

import codecs
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from aiwatch_tui.core.library import loading
from aiwatch_tui.core.library.loading import load_document
from aiwatch_tui.core.model import Block, BlockKind, Document, InlineKind
from aiwatch_tui.core.text.decode import LEGACY_NOTICE, decode
from aiwatch_tui.core.text.document import DocumentError, count_words, document_from_text
from aiwatch_tui.core.text.parse import parse
from aiwatch_tui.core.text.sanitize import HIDDEN_NOTICE, hidden_character_notices, sanitize
from aiwatch_tui.core.text.structure import block_records
from tests.growth import assert_linear, without_blocking

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
SEED_000 = SEEDS / "000_c10daa536b93aa76.txt"
SEED_002 = SEEDS / "002_c41b6d65e56e1798.txt"

SEED_000_HEADINGS = [
    "When Hollywood Meets Artificial Intelligence",
    "Why the Collaboration Fell Apart",
    "The Human Engine Behind the AI Revolution",
    "Data Center Workers Step Up",
    "The Real Cost of Compute",
    "When Tech Giants Drop the Ball on Privacy",
    "What This Means for Corporate Accountability",
    "Where Do We Go From Here?",
]


def content(text: str, block: Block) -> str:
    return text[block.content_start : block.content_end]


def kinds(blocks: Sequence[Block]) -> list[BlockKind]:
    return [b.kind for b in blocks]


def record_texts(doc: Document) -> list[str]:
    """Each block's text as the reader shows it (what `aiwatch cat --json` prints)."""
    return [str(r["text"]) for r in block_records(doc.text, doc.blocks, doc.inlines)]


def text_of(doc: Document, kind: BlockKind) -> list[str]:
    return [content(doc.text, b) for b in doc.blocks if b.kind is kind]


# ------------------------------------------------------------------------ the seeds


def test_seed_000_title_line_is_the_title_block() -> None:
    doc = load_document(SEED_000)
    assert doc.key == "seeds/000_c10daa536b93aa76.txt"
    assert doc.title == "The Growing Pains of the Artificial Intelligence Era"
    first = doc.blocks[0]
    assert (first.kind, first.level) == (BlockKind.HEADING, 1)
    assert (first.start, content(doc.text, first)) == (0, doc.title)


def test_seed_000_has_its_eight_headings_at_their_lines() -> None:
    doc = load_document(SEED_000)
    raw_lines = SEED_000.read_text(encoding="utf-8").split("\n")
    sections = doc.headings[1:]  # after the title
    assert [content(doc.text, h) for h in sections] == SEED_000_HEADINGS
    for heading in sections:
        line_number = raw_lines.index(content(doc.text, heading))
        line_start = sum(len(line) + 1 for line in raw_lines[:line_number])
        assert (heading.start, heading.content_start) == (line_start, line_start)
        assert heading.end == line_start + len(raw_lines[line_number])


def test_seed_000_every_other_line_is_a_paragraph() -> None:
    doc = load_document(SEED_000)
    assert kinds(doc.blocks).count(BlockKind.PARAGRAPH) == 10
    assert doc.blocks[-1].kind is BlockKind.PARAGRAPH
    assert content(doc.text, doc.blocks[-1]).endswith("short-term gains.")
    assert doc.encoding == "utf-8" and doc.notices == ()
    raw = SEED_000.read_text(encoding="utf-8")
    assert doc.word_count == len(raw.split())  # the seed has no stand-alone punctuation
    assert doc.reading_minutes == 4  # 892 words at 230 a minute


def test_seed_002_title_is_cut_from_the_opening_sentence() -> None:
    doc = load_document(SEED_002)
    assert doc.title == "The AI industry’s polished exterior has been exposed in recent weeks…"
    assert doc.headings == ()
    assert kinds(doc.blocks).count(BlockKind.PARAGRAPH) == 14


def test_seed_002_table_cells() -> None:
    doc = load_document(SEED_002)
    (table,) = [b for b in doc.blocks if b.kind is BlockKind.TABLE]
    rows = [[doc.text[c.start : c.end] for c in row] for row in table.rows]
    assert rows[0] == ["Aspect", "Description"]
    assert [row[0] for row in rows[1:]] == [
        "Focus",
        "Key Figures",
        "Key Issues",
        "Impact",
        "Emerging Trend",
        "Reference",
    ]
    assert rows[2][1].startswith("Jensen Huang (Nvidia CEO), Andy Jassy")
    assert rows[6][1].endswith("in-leaked-recording")
    assert table.header_rows == 1 and table.align == ("left", "left")
    assert doc.text[table.start : table.end].startswith("| Aspect |")
    assert doc.text[table.start : table.end].endswith("in-leaked-recording |")
    (url,) = [i for i in doc.inlines if i.kind is InlineKind.URL]
    assert doc.text[url.start : url.end] == rows[6][1]


# -------------------------------------------------------------------------- decoding

SAMPLE = "Café “AI” — naïve 東京\nsecond line"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (SAMPLE.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + SAMPLE.encode("utf-8"), "utf-8-sig"),
        (codecs.BOM_UTF16_LE + SAMPLE.encode("utf-16-le"), "utf-16-le"),
        (codecs.BOM_UTF16_BE + SAMPLE.encode("utf-16-be"), "utf-16-be"),
        (codecs.BOM_UTF32_LE + SAMPLE.encode("utf-32-le"), "utf-32-le"),
        (codecs.BOM_UTF32_BE + SAMPLE.encode("utf-32-be"), "utf-32-be"),
    ],
)
def test_decode_unicode_with_and_without_bom(data: bytes, encoding: str) -> None:
    assert decode(data) == (SAMPLE, encoding, ())


def test_decode_falls_back_to_windows_1252_and_says_so() -> None:
    data = "Café “quoted” – 5€".encode("cp1252")
    assert decode(data) == ("Café “quoted” – 5€", "cp1252", (LEGACY_NOTICE,))
    assert "Windows-1252" in LEGACY_NOTICE and "UTF-8" in LEGACY_NOTICE


def test_decode_reads_bytes_undefined_in_1252_as_latin_1() -> None:
    text, encoding, _ = decode(b"a\x81b\x8d\x8f\x90\x9dz\xff")
    assert (text, encoding) == ("a\x81b\x8d\x8f\x90\x9dzÿ", "cp1252")


def test_decode_replaces_damaged_utf16_and_says_so() -> None:
    text, encoding, notices = decode(codecs.BOM_UTF16_LE + "ok".encode("utf-16-le") + b"\x00")
    assert text.startswith("ok") and text.endswith("\ufffd")
    assert encoding == "utf-16-le" and len(notices) == 1 and "UTF-16" in notices[0]


@pytest.mark.parametrize(
    "data",
    [b"one\r\ntwo\rthree\n", codecs.BOM_UTF16_LE + "one\r\ntwo\rthree\n".encode("utf-16-le")],
)
def test_decode_normalises_line_endings(data: bytes) -> None:
    assert decode(data)[0] == "one\ntwo\nthree\n"


def test_decode_drops_only_the_leading_bom() -> None:
    assert decode(codecs.BOM_UTF8 + "a\ufeffb".encode())[0] == "a\ufeffb"
    assert document_from_text("\ufeffTitle", "k").text == "Title"


# ------------------------------------------------------------------------ sanitising


def test_sanitize_shows_controls_as_symbols_one_for_one() -> None:
    raw = "a\x00b\x1b[31mc\x07\x7f\x85\x9b\td\n\re"
    clean = sanitize(raw)
    assert clean == "a␀b␛[31mc␇␡\ufffd\ufffd\td\n␍e"
    assert len(clean) == len(raw)


def test_sanitize_makes_bidi_and_invisible_format_characters_visible() -> None:
    raw = "x\u202egnp.exe\u2066y\u2069\u200b\u2060\ufeff\U000e0041z"
    clean = sanitize(raw)
    assert len(clean) == len(raw)
    assert clean == "x␦gnp.exe␦y␦␦␦␦␦z"


def test_sanitize_keeps_ordinary_text_and_emoji_sequences() -> None:
    text = "naïve 東京 👩\u200d💻 🏳\ufe0f\u200d🌈 e\u0301 tab\there\nnext"
    assert sanitize(text) == text


def test_sanitize_shows_zero_width_joiners_outside_emoji_as_the_format_symbol() -> None:
    # Issue 12: they reached the terminal. A ZWJ joining two pictographs is an emoji (kept).
    raw = "\u0645\u200c\u06cc a\u200db \u200d👩 👩\u200d 👩\u200d💻"
    assert sanitize(raw) == "\u0645␦\u06cc a␦b ␦👩 👩␦ 👩\u200d💻"
    assert hidden_character_notices(raw) == (HIDDEN_NOTICE,)
    assert hidden_character_notices("👩\u200d💻") == ()


# ------------------------------------------------------------------------- loading


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_load_reports_legacy_encoding_and_sanitises(tmp_path: Path) -> None:
    path = write(tmp_path, "old.txt", "Caf\xe9 news\n\nIt said \x1b[2J hello.".encode("cp1252"))
    doc = load_document(path)
    assert doc.encoding == "cp1252" and doc.notices == (LEGACY_NOTICE,)
    assert "\x1b" not in doc.text and "␛[2J" in doc.text
    assert doc.title == "Café news"
    assert doc.key == str(path.resolve()) and doc.path == path


def test_load_refuses_binary_with_nul_bytes(tmp_path: Path) -> None:
    path = write(tmp_path, "image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(DocumentError) as refused:
        load_document(path)
    assert str(refused.value) == f"{path}: looks like a binary file, not text"


def test_load_refuses_text_full_of_control_bytes(tmp_path: Path) -> None:
    path = write(tmp_path, "blob.txt", bytes(b % 32 or 1 for b in range(1, 2000)))
    with pytest.raises(DocumentError, match=rf"^{re.escape(str(path))}: looks like a binary file"):
        load_document(path)


def test_load_accepts_a_few_stray_controls(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "stray.txt",
        b"Heading\n\n" + b"Some ordinary text with one bell \x07 in a longer sentence. " * 20,
    )
    assert "␇" in load_document(path).text


def test_load_refuses_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "notes.md"
    folder.mkdir()
    with pytest.raises(DocumentError) as refused:
        load_document(folder)
    assert str(refused.value) == f"{folder}: not a regular file (it is a folder)"


def test_load_refuses_a_fifo_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    with pytest.raises(DocumentError) as refused:
        without_blocking(lambda: load_document(fifo))
    assert str(refused.value) == f"{fifo}: not a regular file (it is a named pipe)"


def test_load_refuses_a_missing_file(tmp_path: Path) -> None:
    gone = tmp_path / "gone.txt"
    with pytest.raises(DocumentError, match=rf"^{re.escape(str(gone))}: no such file or folder$"):
        load_document(gone)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_load_refuses_an_unreadable_file(tmp_path: Path) -> None:
    path = write(tmp_path, "secret.txt", b"text")
    path.chmod(0)
    with pytest.raises(DocumentError, match=rf"^{re.escape(str(path))}: permission denied$"):
        load_document(path)


def test_load_refuses_files_over_the_size_cap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loading, "MAX_FILE_BYTES", 2048)
    write(tmp_path, "fits.txt", b"x" * 2048)
    load_document(tmp_path / "fits.txt")
    path = write(tmp_path, "big.txt", b"x" * 3000)
    with pytest.raises(DocumentError) as refused:
        load_document(path)
    assert str(refused.value) == f"{path}: too large (2.9 KiB; aiwatch opens files up to 2 KiB)"


def test_default_size_cap_is_sane() -> None:
    assert 8 * 1024 * 1024 <= loading.MAX_FILE_BYTES <= 256 * 1024 * 1024


def test_error_for_a_strange_file_name_is_one_safe_line(tmp_path: Path) -> None:
    with pytest.raises(DocumentError) as refused:
        load_document(tmp_path / "evil\n\x1b[2Jname.txt")
    message = str(refused.value)
    assert "\n" not in message and "\x1b" not in message
    assert message.startswith(f"{tmp_path}/evil␤␛[2Jname.txt: ")


@pytest.mark.parametrize("data", [b"", b"  \n\t\n\r\n"])
def test_empty_file_is_an_empty_document_named_after_the_file(tmp_path: Path, data: bytes) -> None:
    doc = load_document(write(tmp_path, "Quiet Week.txt", data), key="k")
    assert (doc.title, len(doc.blocks), doc.word_count, doc.reading_minutes) == (
        "Quiet Week",
        0,
        0,
        0,
    )
    assert doc.key == "k"


@pytest.mark.parametrize(
    ("name", "markdown"), [("a.md", True), ("b.MARKDOWN", True), ("c.txt", False)]
)
def test_markdown_is_chosen_by_suffix(tmp_path: Path, name: str, markdown: bool) -> None:
    doc = load_document(write(tmp_path, name, b"# Heading\n\nBody with **bold** words."))
    assert doc.is_markdown is markdown
    assert (InlineKind.STRONG in {i.kind for i in doc.inlines}) is markdown


def test_content_hash_changes_with_the_text() -> None:
    first = document_from_text("One.", "k")
    assert first.content_hash == document_from_text("One.", "other").content_hash
    assert first.content_hash != document_from_text("One!", "k").content_hash
    assert len(first.content_hash) == 64


# ------------------------------------------------------------------ plain text parse


def plain(text: str) -> Document:
    return document_from_text(text, "k.txt")


HARD_WRAPPED = """\
A Quiet Revolution in Chips

The industry has spent a decade chasing ever larger models, and the
chips that train them have become the most contested commodity in the
world.

Supply and Demand

Foundries cannot keep up. Lead times for advanced packaging stretched
to a year, and buyers began to hoard whatever capacity they could find.
"""


def test_hard_wrapped_lines_join_into_paragraphs() -> None:
    doc = plain(HARD_WRAPPED)
    assert kinds(doc.blocks) == [
        BlockKind.HEADING,
        BlockKind.PARAGRAPH,
        BlockKind.HEADING,
        BlockKind.PARAGRAPH,
    ]
    assert doc.title == "A Quiet Revolution in Chips"
    first = content(doc.text, doc.blocks[1])
    assert first.startswith("The industry") and first.endswith("in the\nworld.")
    assert text_of(doc, BlockKind.HEADING) == ["A Quiet Revolution in Chips", "Supply and Demand"]


def test_hard_wrapped_without_blank_lines_keeps_a_break_where_a_word_would_have_fitted() -> None:
    text = (
        "Data Center Workers\n"
        "Employees working in the data centres have begun organising against the\n"
        "schedules they are asked to keep.\n"
        "They say the work is dangerous and the pay is too low for what is asked,\n"
        "and managers do not listen.\n"
    )
    doc = plain(text)
    # The title line, then one paragraph (no blank line, no indentation splits it) whose
    # line break after "keep." is kept: "They" would have fitted on that line.
    assert kinds(doc.blocks) == [BlockKind.HEADING, BlockKind.PARAGRAPH]
    paragraph = record_texts(doc)[1]
    assert paragraph.endswith(
        "asked to keep.\nThey say the work is dangerous and the pay is "
        "too low for what is asked, and managers do not listen."
    )


def test_one_paragraph_per_line_with_blank_lines_between() -> None:
    long_line = "This sentence is long enough to be a paragraph on its own line. " * 3
    doc = plain(f"Opening\n\n{long_line}\n\nMiddle Part\n\n{long_line}\n")
    assert kinds(doc.blocks) == [
        BlockKind.HEADING,
        BlockKind.PARAGRAPH,
        BlockKind.HEADING,
        BlockKind.PARAGRAPH,
    ]


@pytest.mark.parametrize(
    "line",
    [
        "Are you insane?",  # a question in sentence case is a sentence
        "He left early.",
        "The numbers, briefly:",
        "“Still have work to do,”",
        "and a lower-case start",
        "This line has far too many words in it to be any sort of heading at all really",
    ],
)
def test_sentences_are_not_headings(line: str) -> None:
    body = "A paragraph that is long enough to be a proper paragraph of body text here. " * 2
    doc = plain(f"{body}\n{line}\n{body}\n")
    assert doc.headings == ()


def test_a_heading_must_introduce_something() -> None:
    body = "A paragraph that is long enough to be a proper paragraph of body text here. " * 2
    doc = plain(f"{body}\nFirst Short Line\nSecond Short Line\n{body}\nThe End\n")
    assert text_of(doc, BlockKind.HEADING) == ["Second Short Line"]


def test_plain_lists_with_nesting_and_wrapped_items() -> None:
    text = (
        "Intro paragraph that sets up the list below.\n\n"
        "- first\n  - nested item\n    continues\n- second\n1. one\n2) two\n• dot\n"
    )
    doc = plain(text)
    items = [b for b in doc.blocks if b.kind is BlockKind.LIST_ITEM]
    # Plain text keeps each marker as written, in the item's text.
    assert [(b.ordered, b.depth, content(doc.text, b)) for b in items] == [
        (False, 0, "- first"),
        (False, 1, "- nested item\n    continues"),
        (False, 0, "- second"),
        (True, 0, "1. one"),
        (True, 0, "2) two"),
        (False, 0, "• dot"),
    ]


def test_plain_urls_exclude_trailing_punctuation() -> None:
    text = (
        "See https://example.com/a_(b). Or (www.example.org/x?q=1), "
        "and “https://x.io/path”. Not http:// alone."
    )
    doc = plain(text)
    urls = [doc.text[i.start : i.end] for i in doc.inlines if i.kind is InlineKind.URL]
    assert urls == ["https://example.com/a_(b)", "www.example.org/x?q=1", "https://x.io/path"]


def test_derived_titles() -> None:
    assert plain("Short opening sentence. Then more text follows here.").title == (
        "Short opening sentence"
    )
    assert plain("Is this the end? Maybe it is.").title == "Is this the end?"
    long_title = plain("word " * 40).title
    assert long_title.endswith("…") and len(long_title) <= 71
    assert plain("").title == "k"


# --------------------------------------------------------------------------- tables


@pytest.mark.parametrize("markdown", [False, True])
def test_table_shapes_alignment_and_escaped_pipes(markdown: bool) -> None:
    text = (
        "Before the table.\n\n"
        "Left | Centre | Right\n"
        ":--- | :----: | ----:\n"
        "a | b \\| c | d\n"
        "| only one |\n"
        "x | y | z | extra\n"
        "\n"
        "After."
    )
    doc = document_from_text(text, "k", markdown=markdown)
    (table,) = [b for b in doc.blocks if b.kind is BlockKind.TABLE]
    rows = [[doc.text[c.start : c.end] for c in row] for row in table.rows]
    # GFM drops cells past the header's; plain text keeps them in the last column.
    assert rows == [
        ["Left", "Centre", "Right"],
        ["a", "b \\| c", "d"],
        ["only one", "", ""],
        ["x", "y", "z" if markdown else "z | extra"],
    ]
    assert table.align == ("left", "center", "right")
    escape = doc.text.index("\\|")
    assert any(i.kind is InlineKind.HIDDEN and i.start == escape for i in doc.inlines)
    assert (
        kinds(doc.blocks)[0] is BlockKind.PARAGRAPH and kinds(doc.blocks)[-1] is not BlockKind.TABLE
    )


@pytest.mark.parametrize(
    "text",
    [
        "a | b\nno delimiter | here\n",
        "a | b\n|---|---|---|\n",  # header and delimiter disagree on the column count
        "a | b\n---\n",
    ],
)
def test_not_a_table(text: str) -> None:
    assert BlockKind.TABLE not in kinds(plain(text).blocks)


# -------------------------------------------------------------------------- Markdown


def md(text: str) -> Document:
    return document_from_text(text, "k.md", markdown=True)


def test_markdown_atx_and_setext_headings() -> None:
    doc = md(
        "# The Title #\n\nIntro.\n\n## Part *one*\n\n"
        "Setext H1\n=========\n\nTwo\nlines\n---\n\n###### deep\n#nope\n"
    )
    assert doc.title == "The Title"
    assert [(h.level, content(doc.text, h)) for h in doc.headings] == [
        (1, "The Title"),
        (2, "Part *one*"),
        (1, "Setext H1"),
        (2, "Two\nlines"),
        (6, "deep"),
    ]
    assert "#nope" in text_of(doc, BlockKind.PARAGRAPH)


def test_markdown_title_without_h1_is_derived() -> None:
    doc = md("## Section\n\nBody.")
    assert doc.title == "Section" and doc.blocks[0].kind is BlockKind.HEADING


def test_markdown_lists_and_nesting() -> None:
    doc = md(
        "- one\n  lazy line\n- two\n  - nested\n    1. deeper\n+ plus\n\n3) three\n*not a bullet*\n"
    )
    items = [(b.kind, b.ordered, b.number, b.depth, content(doc.text, b)) for b in doc.blocks]
    assert items[:5] == [
        (BlockKind.LIST_ITEM, False, 0, 0, "one\n  lazy line"),
        (BlockKind.LIST_ITEM, False, 0, 0, "two"),
        (BlockKind.LIST_ITEM, False, 0, 1, "nested"),
        (BlockKind.LIST_ITEM, True, 1, 2, "deeper"),
        (BlockKind.LIST_ITEM, False, 0, 0, "plus"),
    ]
    assert items[5][:4] == (BlockKind.LIST_ITEM, True, 3, 0)
    assert content(doc.text, doc.blocks[5]).startswith("three")


def test_markdown_quotes_code_and_rules() -> None:
    text = (
        "> quoted\n> > still\nlazy\n\n"
        "```python\n# not a heading\n| a | b |\n```\n\n"
        "~~~\nraw\n~~~\n\n"
        "    indented code\n\n"
        "***\n\n- - -\n\nend"
    )
    doc = md(text)
    assert kinds(doc.blocks) == [
        BlockKind.QUOTE,
        BlockKind.QUOTE,
        BlockKind.CODE,
        BlockKind.CODE,
        BlockKind.CODE,
        BlockKind.RULE,
        BlockKind.RULE,
        BlockKind.PARAGRAPH,
    ]
    quote, inner, fenced, tilde, indented = doc.blocks[:5]
    assert (quote.quote, content(doc.text, quote)) == (1, "quoted")
    assert (inner.quote, content(doc.text, inner)) == (2, "still\nlazy")  # a lazy line
    assert content(doc.text, fenced) == "# not a heading\n| a | b |"
    assert content(doc.text, tilde) == "raw"
    assert content(doc.text, indented) == "indented code"
    assert doc.headings == ()


def test_unclosed_fence_runs_to_the_end() -> None:
    doc = md("```\ncode\n# still code")
    (block,) = doc.blocks
    assert block.kind is BlockKind.CODE and content(doc.text, block) == "code\n# still code"


def spans(doc: Document) -> list[tuple[str, str]]:
    return [(i.kind.value, doc.text[i.start : i.end]) for i in doc.inlines]


def test_markdown_inline_spans_and_markup() -> None:
    doc = md('Some **bold**, *em*, _em2_, `co*de*` and [a link](https://ex.com/x "T").')
    assert spans(doc) == [
        ("hidden", "**"),
        ("strong", "bold"),
        ("hidden", "**"),
        ("hidden", "*"),
        ("emphasis", "em"),
        ("hidden", "*"),
        ("hidden", "_"),
        ("emphasis", "em2"),
        ("hidden", "_"),
        ("hidden", "`"),
        ("code", "co*de*"),
        ("hidden", "`"),
        ("hidden", "["),
        ("link", "a link"),
        ("hidden", '](https://ex.com/x "T")'),
    ]
    link = next(i for i in doc.inlines if i.kind is InlineKind.LINK)
    assert link.text == "https://ex.com/x"  # the destination, hidden from the text
    assert [i.start for i in doc.inlines] == sorted(i.start for i in doc.inlines)


def test_markdown_inline_non_matches() -> None:
    doc = md("snake_case_name, 2 * 3 * 4, \\*not em\\*, and ** loose **.")
    assert {i.kind for i in doc.inlines} == {InlineKind.HIDDEN}  # only the two escapes
    assert [doc.text[i.start : i.end] for i in doc.inlines] == ["\\", "\\"]


def test_markdown_title_is_shown_without_markup() -> None:
    assert md("# The **Bold** `Move`\n").title == "The Bold Move"
    assert md("A [linked](http://x.y) start. More.").title == "A linked start"


def test_count_words() -> None:
    assert count_words("Don't stop — AI-driven GPT-3.5 | ok | http://a.b\n- ## x") == 7
    assert count_words("") == 0


# ------------------------------------------------------------------------ scaling


@pytest.mark.parametrize("markdown", [False, True])
def test_an_article_costs_in_proportion_to_its_length(markdown: bool) -> None:
    """1.25 MB and then 5 MB of real article text: linear (the speed itself is in bench/)."""
    article = SEED_000.read_text(encoding="utf-8") + "\n"  # 6.5 KB

    def load(copies: int) -> Document:
        return document_from_text(decode((article * copies).encode())[0], "k", markdown=markdown)

    assert_linear(load, 200)


# Inputs that a careless parser or pattern would take quadratic (or worse) time over: each
# made of n repetitions of its unit, and parsed at n and at 4n.
PATHOLOGICAL: dict[str, Callable[[int], str]] = {
    "unclosed emphasis": lambda n: "*a " * n,
    "unclosed strong": lambda n: "**a " * n,
    "unclosed underscores": lambda n: "_a " * n,
    "unclosed code": lambda n: "`a " * n,
    "unclosed links": lambda n: "[a](" * n,
    "url with closing brackets": lambda n: "http://x" + "))" * n,
    "heading with a long gap": lambda n: "# " + "  " * n + "x #",
    "wide table": lambda n: "| a " * n + "\n" + "|-" * n,
    "deep quote": lambda n: "> " * n,
    "deep list": lambda n: "- " * n,
}


@pytest.mark.parametrize("make", PATHOLOGICAL.values(), ids=PATHOLOGICAL.keys())
@pytest.mark.parametrize("markdown", [False, True])
def test_pathological_lines_parse_in_linear_time(
    make: Callable[[int], str], markdown: bool
) -> None:
    assert_linear(lambda n: parse(make(n), markdown=markdown), 5_000)
