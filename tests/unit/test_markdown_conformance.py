"""Conformance: the CommonMark and GFM spec examples, read as aiwatch shows them.

Each example's Markdown goes through the parser and `block_records` (what `aiwatch cat
--json` prints); its expected HTML through the scorer (tests/markdown_scorer.py, whose
docstring defines the metric). An example passes when the block kinds and the visible text
are the same. The pass counts are printed (`pytest -s`); the test fails below the target.
"""

from __future__ import annotations

import pytest

from aiwatch_tui.core.model import I_FOOTNOTE_REF, I_REPLACE
from aiwatch_tui.core.text.markdown import parse_markdown
from aiwatch_tui.core.text.structure import block_records
from tests.markdown_scorer import (
    COMMONMARK_SPEC,
    CONFORMANCE,
    Entry,
    Expected,
    load_examples,
    score,
    suites,
    visible,
)

pytestmark = pytest.mark.skipif(
    not COMMONMARK_SPEC.is_file(),
    reason=f"the spec examples are not here: {CONFORMANCE} (shared/conformance beside the repo)",
)

TARGETS = {"CommonMark 0.31.2": 0.97, "GFM tables": 1.0, "GFM extensions": 1.0}


def _prose(value: str) -> str:
    """Visible text as the scorer compares it (a hard break is its "\\x00")."""
    return visible(value.replace("\n", "\x00"))


def aiwatch_entries(markdown: str) -> Expected:
    """The scorer's entries from aiwatch's blocks and their shown text.

    Two things are normalised the way the scorer defines them, because HTML renderers
    renumber footnotes: a footnote reference shows "[^]" rather than "[label]", and a
    definition's "[label]" marker is left out; definitions are compared as groups."""
    parsed = parse_markdown(markdown)
    blocks, inlines = parsed.blocks, parsed.inlines
    referenced = set()
    for index in range(len(inlines)):
        if inlines.kinds[index] == I_FOOTNOTE_REF:
            referenced.add(inlines.texts[index])
            replace = index - 1
            if (
                inlines.kinds[replace] == I_REPLACE
                and inlines.starts[replace] == inlines.starts[index]
            ):
                inlines.texts[replace] = "[^]"
    main: list[Entry] = []
    groups: dict[str, list[Entry]] = {}
    for index, record in enumerate(block_records(markdown, blocks, inlines)):
        label = blocks.footnotes.get(index, "")
        out = main
        text = record["text"]
        assert isinstance(text, str)
        if label:
            if label not in referenced:
                continue  # renderers drop unused definitions; a reader shows them
            out = groups.setdefault(label, [])
            marker = f"[{label}]"
            if not out and text.startswith(marker):
                text = text[len(marker) :].lstrip()
                if not text and record["kind"] == "paragraph":
                    continue  # the marker alone, before a definition's first block
        block = blocks[index]
        kind = record["kind"]
        if kind == "code":
            out.append(Entry("code", 0, text))
        elif kind == "rule":
            out.append(Entry("rule", 0, ""))
        elif kind == "table":
            rows = record["rows"]
            assert isinstance(rows, list)
            out.append(Entry("table", 0, tuple(tuple(_prose(c) for c in row) for row in rows)))
        elif kind == "heading":
            out.append(Entry("heading", block.level, _prose(text)))
        elif kind == "list_item":
            out.append(Entry("list_item", (block.ordered, block.depth), _prose(text)))
        elif kind == "quote":
            out.append(Entry("quote", block.quote, _prose(text)))
        elif _prose(text) or label:
            out.append(Entry("paragraph", 0, _prose(text)))
    return Expected(main, sorted(tuple(group) for group in groups.values()))


@pytest.mark.parametrize("name", list(TARGETS))
def test_spec_examples_read_as_the_spec_renders_them(name: str) -> None:
    examples = suites()[name]
    result = score(aiwatch_entries, examples)
    print(f"{name}: {result.line()}; failing: {result.failures}")
    assert result.text_ok >= TARGETS[name] * result.total, (
        f"{name}: {result.line()}; failing examples {result.failures}"
    )


def test_the_scorer_accepts_the_spec_html_itself() -> None:
    """The metric is sound: each example's expected HTML scores as itself."""
    for examples in suites().values():
        html = {example.markdown: example.html for example in examples}
        assert score(html.__getitem__, examples).styled_ok == len(examples)


def test_the_scorer_finds_a_wrong_reading() -> None:
    """And it can fail: a parser that shows every example as one paragraph of its source."""
    examples = load_examples(COMMONMARK_SPEC)
    result = score(lambda md: Expected([Entry("paragraph", 0, visible(md))]), examples)
    assert result.text_ok < 0.3 * result.total
