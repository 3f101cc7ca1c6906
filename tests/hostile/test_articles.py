"""Hostile and broken article files through the core: each opens (text shown literally) or is
refused with one line, without blocking or reading what it need not, and no file stops the
others."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from aiwatch_tui.core.library import loading
from aiwatch_tui.core.library.catalog import Catalog
from aiwatch_tui.core.library.loading import load_document
from aiwatch_tui.core.library.sources import discover
from aiwatch_tui.core.model import BlockKind, Document
from aiwatch_tui.core.text.decode import LEGACY_NOTICE
from aiwatch_tui.core.text.document import DocumentError, document_from_text
from aiwatch_tui.core.text.sanitize import HIDDEN_NOTICE, sanitize
from tests.growth import assert_linear, bytes_read_by, without_blocking
from tests.hostile.corpus import (
    BIDI_TXT,
    CONTROL_LINES,
    INVISIBLES,
    MARKUP_SHAPES,
    RLO,
    build_hostile_folder,
)

# Nothing that could drive a terminal: C0 but newline and tab, DEL, C1, and the bidi and
# invisible characters that make text read differently from how it is stored.
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u202a-\u202e\u2060\u2066-\u2069\ufeff]")


def _blocks_text(doc: Document, kind: BlockKind) -> list[str]:
    return [doc.text[b.content_start : b.content_end] for b in doc.blocks if b.kind is kind]


def test_every_openable_article_is_clean_and_every_other_refused_in_one_line(
    hostile_folder: Path,
) -> None:
    opened: dict[str, Document] = {}
    refused: dict[str, str] = {}

    def read_everything() -> list[str]:
        sources, problems = discover([hostile_folder])
        for source in sources:
            assert source.path is not None
            try:
                opened[source.path.name] = load_document(source.path)
            except DocumentError as error:
                refused[source.path.name] = str(error)
        return problems

    # No blocking on the FIFO or the loops, and the 64 MiB sparse file is not read.
    problems: list[str] = []
    read = bytes_read_by(lambda: problems.extend(without_blocking(read_everything)))
    assert read < 8 * 1024 * 1024, read
    for doc in opened.values():
        for piece in (doc.text, doc.title, *doc.notices):
            assert UNSAFE.search(piece) is None, (doc.key, piece[:80])
    for message in [*refused.values(), *problems]:
        assert "\n" not in message and UNSAFE.search(message) is None, message
    assert set(refused) == {"20_nul.txt", "21_binary.txt", "22_huge.txt"} | {
        name for name in refused if name.startswith("24_")
    }
    assert len(refused) == 4
    assert "binary" in refused["20_nul.txt"] and "binary" in refused["21_binary.txt"]
    assert "too large" in refused["22_huge.txt"]
    # the link loop folder is entered once; the self-link is named as a problem
    assert [name for name in opened if name == "inner.txt"] == ["inner.txt"]
    assert any("self.txt" in p and "symbolic links" in p for p in problems)
    # the FIFO is named, with its path, in a line of its own
    assert f"{hostile_folder / '23_fifo.txt'}: not a regular file (it is a named pipe)" in problems
    # a folder named like a file is searched like any folder
    assert "nested.md" in opened
    # ten small articles plus the two nested ones all open
    assert len(opened) == 13


def test_control_sequences_are_shown_as_symbols_one_for_one(hostile_folder: Path) -> None:
    doc = load_document(hostile_folder / "01_controls.txt")
    for line in CONTROL_LINES:
        # the visible words survive; only the control characters changed (same length)
        words = re.sub(r"[\x00-\x1f\x7f-\x9f]", "", line).split()
        assert all(word in doc.text for word in words[:2])
        assert len(sanitize(line)) == len(line)
    assert "␛]52;c;" in doc.text and "␛]0;" in doc.text and "␛P" in doc.text
    assert "\ufffd31m" in doc.text  # the 8-bit CSI as a replacement mark
    assert "␈␈␈" in doc.text and "␇␇" in doc.text and "␡" in doc.text
    assert "\x1b" not in doc.text and "\x9b" not in doc.text


def test_markup_is_kept_literally_in_title_headings_text_and_cells(hostile_folder: Path) -> None:
    txt = load_document(hostile_folder / "02_markup.txt")
    assert txt.title == "[bold red]Markup[/] Title [@click=app.quit]quit[/]"
    assert "[on red]Heading [$accent]x" in _blocks_text(txt, BlockKind.HEADING)
    for shape in MARKUP_SHAPES:
        assert shape in txt.text
    (table,) = [b for b in txt.blocks if b.kind is BlockKind.TABLE]
    cells = [txt.text[c.start : c.end] for row in table.rows for c in row]
    assert "[@click=app.quit]Cell[/]" in cells
    assert "[link=https://evil.example/cell]x[/link]" in cells
    md = load_document(hostile_folder / "03_markup.md")
    assert md.title.startswith("[@click=app.quit]Quit[/]")
    assert any("[$accent]x heading [on red]" in h for h in _blocks_text(md, BlockKind.HEADING))


def test_bidi_overrides_and_invisibles_are_visible_and_flag_the_document(
    hostile_folder: Path,
) -> None:
    doc = load_document(hostile_folder / "04_bidi.txt")
    assert doc.notices == (HIDDEN_NOTICE,)
    assert "bidirectional-override or invisible characters (shown as ␦)" in HIDDEN_NOTICE
    assert len(doc.text) == len(BIDI_TXT)  # one symbol for one character: offsets hold
    for hidden in (RLO, *INVISIBLES):
        assert hidden not in doc.text
    assert "user␦ ␦// Check if admin␦ ␦" in doc.text
    assert "Invisible␦space, word␦joiner and bom␦inside." in doc.text
    # ZWNJ/ZWJ hide too, but a ZWJ joining two pictographs is the emoji the terminal draws.
    assert "Joiners: non␦joiner, zero␦width joiner, an emoji \U0001f469\u200d\U0001f4bb" in doc.text
    # the same flag for text that did not come from a file (e.g. pasted)
    assert document_from_text(BIDI_TXT, "k").notices == (HIDDEN_NOTICE,)
    # and no flag where there is nothing hidden: ZWJ in emoji, a leading BOM
    assert load_document(hostile_folder / "05_wide.txt").notices == ()
    assert load_document(hostile_folder / "09_bom_crlf.txt").notices == ()


def test_encodings_line_endings_and_empty_files(hostile_folder: Path) -> None:
    le = load_document(hostile_folder / "06_utf16le.txt")
    be = load_document(hostile_folder / "07_utf16be.txt")
    assert (le.title, le.encoding) == ("Little Endian Title", "utf-16-le")
    assert (be.title, be.encoding) == ("Big Endian Title", "utf-16-be")
    assert "é" in le.text and "ü" in be.text
    legacy = load_document(hostile_folder / "08_invalid_utf8.txt")
    assert legacy.notices == (LEGACY_NOTICE,) and "Café naïve" in legacy.text
    assert "\x1b" not in legacy.text and "␛[31m" in legacy.text
    crlf = load_document(hostile_folder / "09_bom_crlf.txt")
    assert "\r" not in crlf.text and "\ufeff" not in crlf.text
    assert crlf.title == "Crlf Title"
    assert crlf.text.split("\n")[2:5] == ["Windows line.", "Old Mac line.", "End."]
    for name in ("10_empty.txt", "11_blank.md"):
        empty = load_document(hostile_folder / name)
        assert len(empty.blocks) == 0 and empty.word_count == 0
        assert empty.title == Path(name).stem  # the file name stands in for a title


def test_wide_combining_and_emoji_text_keeps_offsets(hostile_folder: Path) -> None:
    doc = load_document(hostile_folder / "05_wide.txt")
    raw = (hostile_folder / "05_wide.txt").read_text(encoding="utf-8")
    assert doc.text == raw  # nothing to sanitise: ZWJ sequences and combining marks stay
    for block in doc.blocks:
        assert 0 <= block.content_start <= block.content_end <= len(doc.text)
    (table,) = [b for b in doc.blocks if b.kind is BlockKind.TABLE]
    assert [doc.text[c.start : c.end] for c in table.rows[0]] == ["名前", "説明"]


def test_a_single_line_costs_in_proportion_to_its_length(tmp_path: Path) -> None:
    """From 1.25 to 5 MB on one line (no paragraph breaks to split the work): linear."""
    article = tmp_path / "line.txt"

    def load(size: int) -> Document:
        article.write_bytes(b"Start of it all. " + b"lorem ipsum " * (size // 12))
        return load_document(article)

    assert_linear(load, 5 * 1024 * 1024 // 4)
    doc = load(5 * 1024 * 1024)
    assert doc.title == "Start of it all" and len(doc.blocks) == 1


def test_a_sparse_file_over_the_cap_is_refused_without_reading_it(tmp_path: Path) -> None:
    huge = tmp_path / "huge.txt"
    with open(huge, "wb") as stream:
        stream.truncate(loading.MAX_FILE_BYTES + 1)
    with pytest.raises(DocumentError) as raised:
        assert bytes_read_by(lambda: load_document(huge)) < 1024 * 1024
    assert str(raised.value).startswith(f"{huge}: too large (64.0 MiB;")


@pytest.mark.parametrize("kind", ["fifo", "device", "folder", "loop"])
def test_special_files_named_directly_are_refused_in_one_line(tmp_path: Path, kind: str) -> None:
    target = {
        "fifo": tmp_path / "pipe.txt",
        "device": Path("/dev/null"),
        "folder": tmp_path / "folder.txt",
        "loop": tmp_path / "loop.txt",
    }[kind]
    if kind == "fifo":
        os.mkfifo(target)  # opening it for reading would block forever
    elif kind == "folder":
        target.mkdir()
    elif kind == "loop":
        target.symlink_to(target.name)
    with pytest.raises(DocumentError) as raised:
        without_blocking(lambda: load_document(target))
    message = str(raised.value)
    assert message.startswith(f"{target}: ") and "\n" not in message
    _, problems = discover([target])
    assert kind == "folder" or len(problems) == 1


@pytest.mark.skipif(
    os.geteuid() == 0, reason="root reads any file whatever its mode; see the simulated test below"
)
def test_an_unreadable_file_is_refused(tmp_path: Path) -> None:  # pragma: no cover - as root
    locked = tmp_path / "locked.txt"
    locked.write_text("secret")
    locked.chmod(0)
    with pytest.raises(DocumentError, match=rf"^{re.escape(str(locked))}: permission denied$"):
        load_document(locked)


def test_an_unreadable_file_is_refused_simulated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As root, permissions do not stop a read: make opening fail the way it would."""
    locked = tmp_path / "locked.txt"
    locked.write_text("secret")
    real_open = os.open

    def denying_open(path: str | os.PathLike[str], *args: Any, **kwargs: Any) -> int:
        if os.fspath(path) == os.fspath(locked):
            raise PermissionError(13, "Permission denied", os.fspath(locked))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", denying_open)
    with pytest.raises(DocumentError, match=rf"^{re.escape(str(locked))}: permission denied$"):
        load_document(locked)


def test_a_hostile_file_name_is_made_visible_in_the_message(tmp_path: Path) -> None:
    name = "evil\x1b]0;HOSTILE\x07[@click=app.quit]q[b]\u202e.txt"
    (tmp_path / name).write_bytes(b"\x00binary")
    with pytest.raises(DocumentError) as raised:
        load_document(tmp_path / name)
    assert UNSAFE.search(str(raised.value)) is None
    assert "[@click=app.quit]q[b]" in str(raised.value)


def test_one_folder_of_everything_gives_the_same_answers_twice(tmp_path: Path) -> None:
    """Discovery is deterministic over loops and odd entries (name order, each once)."""
    build_hostile_folder(tmp_path / "a")
    first = [s.key for s in discover([tmp_path / "a"])[0]]
    second = [s.key for s in discover([tmp_path / "a", tmp_path / "a"])[0]]
    assert first == second and len(first) == len(set(first))


def test_a_fifo_a_device_link_and_a_huge_file_in_a_folder_get_a_line_each_with_the_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`aiwatch articles`: each file that is refused is named with the path the user gave (not
    only its base name, which does not say which folder holds it), and nothing else stops."""
    monkeypatch.chdir(tmp_path)
    folder = Path("articles")
    (folder / "deeper").mkdir(parents=True)
    (folder / "ok.md").write_text("# Fine\n\nA readable article.\n")
    os.mkfifo(folder / "deeper" / "pipe.txt")
    (folder / "zero.txt").symlink_to("/dev/zero")
    with open(folder / "deeper" / "huge.md", "wb") as stream:
        stream.truncate(loading.MAX_FILE_BYTES + 1)
    sources, problems = without_blocking(lambda: discover([folder]))
    assert problems == [
        "articles/deeper/pipe.txt: not a regular file (it is a named pipe)",
        "articles/zero.txt: not a regular file (it is a character device)",
    ]
    catalog = Catalog(sources)
    assert bytes_read_by(lambda: without_blocking(catalog.scan)) < 8 * 1024 * 1024
    assert [info.title for info in catalog.infos()] == ["Fine"]
    assert [p.message for p in catalog.problems()] == [
        "articles/deeper/huge.md: too large (64.0 MiB; aiwatch opens files up to 64 MiB)"
    ]
