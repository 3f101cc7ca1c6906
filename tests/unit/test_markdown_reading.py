"""Markdown read as a reader expects (issue 15): one test per failure the issue lists.

Each of these failed with the hand-written parser the issue replaced. The README-like
document (tests/documents/README-like.md) is written for these tests.
"""

from __future__ import annotations

from pathlib import Path

from aiwatch_tui.core.text.markdown import parse_markdown
from aiwatch_tui.core.text.structure import block_records, document_title

README = (Path(__file__).parents[1] / "documents" / "README-like.md").read_text(encoding="utf-8")


def records(text: str) -> list[dict[str, object]]:
    parsed = parse_markdown(text)
    return list(block_records(text, parsed.blocks, parsed.inlines))


def shapes(text: str) -> list[tuple[object, ...]]:
    """(kind, text) of each block, with a heading's level."""
    return [
        (r["kind"], r["level"], r["text"]) if r["kind"] == "heading" else (r["kind"], r["text"])
        for r in records(text)
    ]


def title(text: str) -> str:
    parsed = parse_markdown(text)
    front = parsed.front_matter.title if parsed.front_matter else ""
    return document_title(text, parsed.blocks, parsed.inlines, front)


def test_a_fence_with_blank_lines_in_a_list_item_ends_where_it_closes() -> None:
    # Spec example 320's shape: the rest of the document became one code block.
    text = "- a\n- ```\n  b\n\n\n  ```\n- c\n\n## After\n\nText.\n"
    assert shapes(text) == [
        ("list_item", "a"),
        ("list_item", ""),
        ("code", "b\n\n"),
        ("list_item", "c"),
        ("heading", 2, "After"),
        ("paragraph", "Text."),
    ]


def test_a_fence_or_quote_right_under_a_list_item_is_its_own_block() -> None:
    text = "1. Install:\n   ```sh\n   pip install x\n   ```\n2. Run it.\n   > It is quick.\n"
    assert shapes(text) == [
        ("list_item", "Install:"),
        ("code", "pip install x"),
        ("list_item", "Run it."),
        ("quote", "It is quick."),
    ]


def test_link_reference_definitions_are_hidden_and_their_links_show_text() -> None:
    text = "See [the guide][g] and [faq].\n\n[g]: https://g.example\n[faq]: /faq 'FAQ'\n"
    assert shapes(text) == [("paragraph", "See the guide and faq.")]


def test_entities_are_decoded() -> None:
    assert shapes("&copy; 2031 &mdash; caf&eacute; &#35;1 &#x1F600;\n") == [
        ("paragraph", "© 2031 — café #1 😀")
    ]


def test_multi_backtick_code_spans_and_autolinks_show_their_text() -> None:
    text = "Run ``a `tick` b`` at <https://x.example/p> or <me@x.example>.\n"
    assert shapes(text) == [("paragraph", "Run a `tick` b at https://x.example/p or me@x.example.")]


def test_nested_quotes_keep_their_depth() -> None:
    parsed = parse_markdown("> outer\n>\n> > inner\n")
    assert [(b.kind, b.quote) for b in parsed.blocks] == [("quote", 1), ("quote", 2)]


def test_a_backslash_line_break_shows_no_backslash() -> None:
    assert shapes("first line\\\nsecond line\n") == [("paragraph", "first line\nsecond line")]


def test_emphasis_shows_the_right_text() -> None:
    text = "*(*foo*)* and __bar__baz and snake_case_word and **a *b* c**\n"
    assert shapes(text) == [("paragraph", "(foo) and __bar__baz and snake_case_word and a b c")]


def test_strikethrough_footnotes_and_task_lists_are_not_raw() -> None:
    text = "~~old~~ new[^1]\n\n- [x] done\n- [ ] to do\n\n[^1]: A note.\n"
    assert shapes(text) == [
        ("paragraph", "old new[1]"),
        ("list_item", "[x] done"),
        ("list_item", "[ ] to do"),
        ("paragraph", "[1] A note."),
    ]


def test_front_matter_is_hidden_and_gives_the_title() -> None:
    found = records(README)
    assert not any("title:" in str(r["text"]) or "2031-03-14" in str(r["text"]) for r in found)
    assert title(README) == "Quillmark: notes that stay put"
    front = parse_markdown(README).front_matter
    assert front is not None and (front.author, front.date) == (
        "Ada Park, Ben Okafor",
        "2031-03-14",
    )
    toml = '+++\ntitle = "From TOML"\ndate = 2031-01-02\n+++\n\nBody.\n'
    assert shapes(toml) == [("paragraph", "Body.")] and title(toml) == "From TOML"


def test_a_rule_and_a_heading_are_not_front_matter() -> None:
    assert shapes("---\nFoo\n---\n") == [("rule", ""), ("heading", 2, "Foo")]


def test_titles_skip_comments_badges_and_markup() -> None:
    readme = (
        "<!-- Begin section: Overview -->\n[![ci](https://b/ci.svg)](https://ci)\n\n"
        "## Usage\n\n# Real Title\n"
    )
    assert title(readme) == "Real Title"  # the first level-1 heading
    assert title("## Only a second level\n\nText.\n") == "Only a second level"
    assert title("Some *emphasised* opening sentence. Then more.\n") == (
        "Some emphasised opening sentence"
    )


def test_gfm_tables_take_pipeless_rows_and_drop_excess_cells() -> None:
    text = "| a | b |\n|---|---|\n| 1 | 2 | 3 |\nlazy row\n"
    tables = [r for r in records(text) if r["kind"] == "table"]
    assert tables[0]["rows"] == [["a", "b"], ["1", "2"], ["lazy row", ""]]


def test_html_in_markdown_is_shown_as_text_not_tag_soup() -> None:
    found = shapes(README)
    assert ("heading", 1, "Quillmark") in found
    assert ("paragraph", "[Quillmark logo]") in found
    text = "\n".join(str(r["text"]) for r in records(README))
    assert "<" not in text.replace("<https", "") and "align=" not in text


def test_a_run_of_badges_at_the_top_is_one_line_of_labels() -> None:
    found = shapes(README)
    assert (
        "paragraph",
        "[build passing] [release 2.4] [licence MIT] [coverage 94%] [chat]",
    ) in found


def test_simple_html_tables_are_tables() -> None:
    text = (
        "<table>\n<tr><th>Name</th><th>Role</th></tr>\n"
        '<tr><td><img src="a.png" alt="Ada"><br><b>Ada</b></td><td>code &amp; docs</td></tr>\n'
        "</table>\n"
    )
    parsed = parse_markdown(text)
    assert [b.kind for b in parsed.blocks] == ["table"] and parsed.blocks[0].header_rows == 1
    assert records(text)[0]["rows"] == [["Name", "Role"], ["[image: Ada]\nAda", "code & docs"]]


def test_a_code_block_inside_a_list_and_a_table_in_a_readme() -> None:
    found = shapes(README)
    assert ("code", "pip install quillmark\n\nquillmark --version") in found
    tables = [r["rows"] for r in records(README) if r["kind"] == "table"]
    assert isinstance(tables[0], list) and tables[0][0] == [
        "Command",
        "What it does",
        "Since",
    ]
