"""CommonMark / GFM conformance as a reader sees it: block kinds and visible text.

aiwatch does not render HTML; it shows the source text with the Markdown syntax hidden.
So a parser is not judged on the HTML it would produce but on what a reader sees: the
sequence of *entries* (one per block the reader draws, in document order) and each
entry's *visible text*. The expected entries of a spec example come from the spec's
expected HTML, converted by `entries_from_html`; a candidate supplies its own entries
(from its own HTML through the same function, or directly from source offsets).

Spec files: fenced blocks whose info string starts with "example"; Markdown, a line
holding ".", the expected HTML; "→" stands for a tab (`load_examples`).

Entry = (kind, detail, text):

  kind        detail                     made from (expected HTML)
  ---------   -------------------------  ------------------------------------------------
  heading     level 1-6                  <h1>..<h6>
  paragraph   0                          <p>, HTML shown as text (see below), and every
                                         paragraph after the first one of a list item
  list_item   (ordered, depth)           <li>: its first paragraph (or its bare inline
                                         content in a tight list); depth 0 for a
                                         top-level list, +1 per enclosing list
  quote       depth (1 = "> ")           a paragraph whose nearest container is a
                                         <blockquote>; an empty blockquote gives one
                                         quote entry with text ""
  code        0                          <pre><code>
  rule        0                          <hr>
  table       0                          <table> with <thead>/<tbody>; text is a tuple of
                                         rows, each a tuple of cell texts

Flattening. Containers (block quote, list item) are not entries of their own: their
children are entries in document order. A list item gives exactly one list_item entry:
its first child's text when that child is a paragraph, else an empty list_item entry
followed by the child blocks (a code block, a nested list...). Later paragraphs of the
item are paragraph entries. Inside a quote, paragraphs are quote entries with the quote
depth; other blocks keep their kind (a heading in a quote is a heading). An empty list
item gives one list_item entry with text "".

HTML shown as text. Raw HTML is never rendered: its tags are hidden and its text kept.
At block level (document, block quote, list item), a run of text and elements that are
not the renderer's own block elements is one paragraph-like entry (same rules as <p>).
A raw element that holds renderer blocks is unwrapped: its tags vanish, its text joins
the run around it and its blocks are entries. The renderer's <pre> is a bare
<pre><code>, its <table> has <thead>/<tbody>: a raw <pre> or <table> is raw HTML like any
other. The contents of <script> and <style> are not shown. A raw end tag never closes an
element outside the renderer block it appears in. Comments end as HTML ends them
("<!-->" and "<!--->" are complete comments) and "<?...?>" at "?>". A paragraph or run
with no visible text (only tags, an empty link) gives no entry.

Visible text (everything but code): the text content with tags dropped; character
references decoded (html.parser); <br> is a line break "\\n"; <img> is "[image: alt]"
("[image]" without an alt text), as aiwatch shows an image; a
task-list checkbox is "[ ]" or "[x]" (as written in the source); then every run of
spaces, tabs and newlines becomes one space, spaces around a line break are dropped, and
the ends are stripped (only ASCII space, tab, newline: U+00A0 is text). Code: the text
content exactly, decoded, without its one final newline.

Styled text (a third, stricter level): inline <em>, <strong>, <code>, <a>, <del> wrap
their text in private-use marks (STYLE_MARKS), so that an example passes "+styles" only
when the same text is emphasised, strong, code, linked and struck. Not a target: raw
HTML <a>/<em> count as styles here, and GFM autolinks differ from CommonMark's.

GFM footnotes: the <section class="footnotes"> is moved to the end by renderers, and its
reference labels are renumbered; a reader that follows the source keeps each definition
where it was written. The section's items are therefore compared as a sorted multiset
of entry groups (`footnotes` in `Expected`), references show as "[^]" (label dropped),
and back-references ("↩") are dropped.

An example *passes on kinds* when the (kind, detail) sequences are equal, *passes*
(kinds + visible text, the target metric) when the entry sequences are equal without
style marks, and passes "+styles" when they are equal with them. An example whose HTML
is "<IGNORE>" (a crash test) passes when the candidate does not raise.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, NamedTuple

REPO = Path(__file__).resolve().parents[1]


def _conformance_folder() -> Path:
    """Where AIWATCH_CONFORMANCE_DIR points, else shared/conformance beside the repository
    (CI), or beside a folder above it (a work tree kept inside a folder next to shared/)."""
    root = os.environ.get("AIWATCH_CONFORMANCE_DIR")
    if root:
        return Path(root)
    for parent in REPO.parents:
        candidate = parent / "shared" / "conformance"
        if candidate.is_dir():
            return candidate
    return REPO.parent / "shared" / "conformance"


CONFORMANCE = _conformance_folder()
COMMONMARK_SPEC = CONFORMANCE / "commonmark" / "spec.txt"
GFM_SPEC = CONFORMANCE / "gfm" / "spec.txt"
GFM_EXTENSIONS = CONFORMANCE / "gfm" / "extensions.txt"

FENCE = "`" * 32


class Example(NamedTuple):
    number: int  # 1-based, in file order
    section: str
    markdown: str
    html: str
    tag: str  # what follows "example" on the fence line ("table", "autolink", ...)


def load_examples(path: Path) -> list[Example]:
    examples: list[Example] = []
    section = ""
    lines = path.read_text(encoding="utf-8").split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith(FENCE + " example"):
            tag = line[len(FENCE + " example") :].strip()
            body: list[str] = []
            index += 1
            while lines[index] != FENCE:
                body.append(lines[index])
                index += 1
            split = body.index(".")
            markdown = "".join(b + "\n" for b in body[:split]).replace("→", "\t")
            html = "".join(b + "\n" for b in body[split + 1 :]).replace("→", "\t")
            examples.append(Example(len(examples) + 1, section, markdown, html, tag))
        elif line.startswith("#"):
            section = line.lstrip("#").strip()
        index += 1
    return examples


# ----------------------------------------------------------------------------- entries


class Entry(NamedTuple):
    kind: str
    detail: Any  # see the module docstring
    text: Any  # str, or for a table a tuple of rows of cell strings


@dataclass
class Expected:
    entries: list[Entry]
    footnotes: list[tuple[Entry, ...]] = field(default_factory=list)  # sorted groups


# Styled text: inline styles as private-use marks around their text, so that a third
# level of comparison also checks which text is emphasised, strong, code, a link or
# struck. `plain_text` removes the marks.
STYLE_MARKS = {
    "em": ("\ue000", "\ue001"),
    "strong": ("\ue002", "\ue003"),
    "code": ("\ue004", "\ue005"),
    "a": ("\ue006", "\ue007"),
    "del": ("\ue008", "\ue009"),
}
_UNMARK = {ord(c): None for pair in STYLE_MARKS.values() for c in pair}

_WS = re.compile(r"[ \t\n]+")
_BREAK = "\x00"
_AROUND_BREAK = re.compile(r" ?\x00 ?")


def visible(raw: str) -> str:
    """Collapse whitespace (ASCII only), hard breaks (\\x00) become newlines."""
    return _AROUND_BREAK.sub("\n", _WS.sub(" ", raw)).strip(" ")


def code_text(raw: str) -> str:
    return raw[:-1] if raw.endswith("\n") else raw


# A tiny DOM: elements with tag, attrs, children (str | _El).
@dataclass
class _El:
    tag: str
    attrs: dict[str, str]
    children: list[_El | str] = field(default_factory=list)


# A reader shows no script or style code.
_HIDDEN_CONTENT = frozenset({"script", "style"})
_VOID = frozenset({"br", "hr", "img", "input", "meta", "link", "wbr", "area", "col", "source"})


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _El("#root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = _El(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(element)
        if tag not in _VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(_El(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return
            if self.stack[depth].tag in _BLOCK_TAGS:
                break  # raw HTML cannot close what encloses the block it is in
        # a stray end tag (raw HTML) is ignored

    def handle_data(self, data: str) -> None:
        if self.stack[-1].tag not in _HIDDEN_CONTENT:
            self.stack[-1].children.append(data)

    # Comments and processing instructions as HTML (and CommonMark) end them: "<!-->" and
    # "<!--->" are complete comments, and a PHP-style "<?...?>" ends at "?>".
    def parse_comment(self, i: int, report: bool = True) -> int:
        for empty in ("<!-->", "<!--->"):
            if self.rawdata.startswith(empty, i):
                return i + len(empty)
        return super().parse_comment(i, report)

    def parse_pi(self, i: int) -> int:
        end = self.rawdata.find("?>", i + 2)
        if end < 0:
            return super().parse_pi(i)
        return end + 2


def parse_html(html: str) -> _El:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_BLOCK_TAGS = frozenset({"p", "blockquote", "ul", "ol", "li", "pre", "hr", "table", "section"})
_BLOCK_TAGS |= frozenset(_HEADINGS)


def _is_renderer_block(node: _El | str) -> bool:
    """A block the reader shows as one: the renderer's own blocks, and raw <pre> and
    <table> elements that hold no such block (aiwatch shows a raw <pre> as code and a
    simple raw table as a table)."""
    if isinstance(node, str) or node.tag not in _BLOCK_TAGS:
        return False
    if node.tag in ("pre", "table"):
        return not _holds_block(node)
    if node.tag == "section":
        return "footnotes" in node.attrs.get("class", "")
    return True


def _is_renderer_code(node: _El) -> bool:
    first = node.children[0] if node.children else None
    return not node.attrs and isinstance(first, _El) and first.tag == "code"


def _holds_block(node: _El | str) -> bool:
    if isinstance(node, str):
        return False
    return any(_is_renderer_block(c) or _holds_block(c) for c in node.children)


def _unwrap(nodes: Sequence[_El | str]) -> list[_El | str]:
    """Raw HTML elements that hold renderer blocks replaced by their children: their tags
    are hidden and their text joins the text around them."""
    out: list[_El | str] = []
    for node in nodes:
        if isinstance(node, _El) and not _is_renderer_block(node) and _holds_block(node):
            out.extend(_unwrap(node.children))
        else:
            out.append(node)
    return out


def _text(nodes: Iterable[_El | str]) -> str:
    """Raw inline text (before whitespace collapsing); hard breaks are \\x00."""
    parts: list[str] = []
    for node in nodes:
        if isinstance(node, str):
            parts.append(node)
        elif node.tag == "br":
            parts.append(_BREAK)
        elif node.tag == "img":
            alt = node.attrs.get("alt", "")
            parts.append(f"[image: {alt}]" if alt.strip() else "[image]")
        elif node.tag == "input" and node.attrs.get("type") == "checkbox":
            parts.append("[x]" if "checked" in node.attrs else "[ ]")
        elif node.tag == "sup" and "footnote-ref" in node.attrs.get("class", ""):
            parts.append("[^]")
        elif node.tag == "a" and "footnote-backref" in node.attrs.get("class", ""):
            continue
        elif node.tag in STYLE_MARKS:
            opening, closing = STYLE_MARKS[node.tag]
            parts.append(opening + _text(node.children) + closing)
        else:
            parts.append(_text(node.children))
    return "".join(parts)


@dataclass
class _Context:
    container: str  # "root" | "quote" | "li" | "footnote"
    quote_depth: int = 0
    list_depth: int = -1
    ordered: bool = False


class _Flattener:
    def __init__(self) -> None:
        self.footnotes: list[tuple[Entry, ...]] = []

    def blocks(self, nodes: Sequence[_El | str], ctx: _Context, out: list[Entry]) -> None:
        """Entries of the block-level `nodes` inside container `ctx`."""
        run: list[_El | str] = []

        def flush() -> None:
            if run:
                self.paragraph(_text(run), ctx, out)
                run.clear()

        for node in _unwrap(nodes):
            if _is_renderer_block(node):
                flush()
                assert isinstance(node, _El)
                self.block(node, ctx, out)
            else:
                run.append(node)
        flush()

    def paragraph(self, raw: str, ctx: _Context, out: list[Entry]) -> None:
        text = visible(raw)
        if not _plain(text):  # only tags, or an empty link: nothing to read
            return
        out.append(self.text_entry(text, ctx, out))

    def text_entry(self, text: str, ctx: _Context, out: list[Entry]) -> Entry:
        if ctx.container == "li" and self.item_open:
            self.item_open = False
            return Entry("list_item", (ctx.ordered, ctx.list_depth), text)
        if ctx.container == "quote":
            return Entry("quote", ctx.quote_depth, text)
        return Entry("paragraph", 0, text)

    item_open = False

    def block(self, node: _El, ctx: _Context, out: list[Entry]) -> None:
        tag = node.tag
        if tag in _HEADINGS:
            self.close_item(ctx, out)
            out.append(Entry("heading", _HEADINGS[tag], visible(_text(node.children))))
        elif tag == "p":
            text = visible(_text(node.children))
            if _plain(text) or (ctx.container == "li" and self.item_open):
                out.append(self.text_entry(text, ctx, out))
        elif tag == "pre":
            self.close_item(ctx, out)
            code = _raw_text(node)
            if not _is_renderer_code(node):  # raw: blank lines around the code dropped
                code = code.strip("\n") + "\n"
            out.append(Entry("code", 0, code_text(code)))
        elif tag == "hr":
            self.close_item(ctx, out)
            out.append(Entry("rule", 0, ""))
        elif tag == "table":
            self.close_item(ctx, out)
            out.append(Entry("table", 0, _rows(node)))
        elif tag == "blockquote":
            self.close_item(ctx, out)
            inner = _Context("quote", ctx.quote_depth + 1, ctx.list_depth, ctx.ordered)
            before = len(out)
            self.blocks(node.children, inner, out)
            if len(out) == before:
                out.append(Entry("quote", inner.quote_depth, ""))
        elif tag in ("ul", "ol"):
            self.close_item(ctx, out)
            inner = _Context("li", ctx.quote_depth, ctx.list_depth + 1, tag == "ol")
            for child in node.children:
                if isinstance(child, _El) and child.tag == "li":
                    self.item(child, inner, out)
                elif isinstance(child, _El):
                    self.blocks([child], ctx, out)
        elif tag == "li":  # outside a list: raw HTML
            self.blocks(node.children, ctx, out)
        elif tag == "section":  # GFM footnotes
            self.close_item(ctx, out)
            for group in _footnote_items(node):
                entries: list[Entry] = []
                self.blocks(group.children, _Context("root"), entries)
                self.footnotes.append(tuple(entries))

    def item(self, node: _El, ctx: _Context, out: list[Entry]) -> None:
        saved = self.item_open
        self.item_open = True
        self.blocks(node.children, ctx, out)
        self.close_item(ctx, out)
        self.item_open = saved

    def close_item(self, ctx: _Context, out: list[Entry]) -> None:
        """A block other than a paragraph opens the item: it gets an empty entry first."""
        if ctx.container == "li" and self.item_open:
            self.item_open = False
            out.append(Entry("list_item", (ctx.ordered, ctx.list_depth), ""))


def _raw_text(node: _El) -> str:
    return "".join(c if isinstance(c, str) else _raw_text(c) for c in node.children)


def _footnote_items(section: _El) -> list[_El]:
    items: list[_El] = []
    for child in section.children:
        if isinstance(child, _El) and child.tag == "ol":
            items.extend(c for c in child.children if isinstance(c, _El) and c.tag == "li")
    return items


def _rows(table: _El) -> tuple[tuple[str, ...], ...]:
    """Rows of cell texts: the renderer's (in <thead>/<tbody>), or a raw table's anywhere
    below it (not inside a nested table, which would make it not simple)."""
    rows: list[tuple[str, ...]] = []

    def walk(node: _El) -> None:
        for child in node.children:
            if not isinstance(child, _El):
                continue
            if child.tag == "tr":
                cells = [c for c in child.children if isinstance(c, _El) and c.tag in ("th", "td")]
                if cells:
                    rows.append(tuple(visible(_text(c.children)) for c in cells))
            elif child.tag != "table":
                walk(child)

    walk(table)
    columns = max((len(row) for row in rows), default=0)
    return tuple(row + ("",) * (columns - len(row)) for row in rows)


def entries_from_html(html: str) -> Expected:
    flattener = _Flattener()
    entries: list[Entry] = []
    flattener.blocks(parse_html(html).children, _Context("root"), entries)
    return Expected(entries, sorted(flattener.footnotes))


# ----------------------------------------------------------------------------- scoring

# A candidate maps Markdown to either HTML (str) or Expected (entries it computed itself).
Candidate = Callable[[str], "str | Expected"]


def as_expected(result: str | Expected) -> Expected:
    return entries_from_html(result) if isinstance(result, str) else result


def _plain(value: Any) -> Any:
    if isinstance(value, str):
        return visible(value.translate(_UNMARK).replace("\n", _BREAK)) if value else value
    return tuple(_plain(v) for v in value)


def plain_text(expected: Expected) -> Expected:
    """The same entries without style marks (code text is left exactly as it is)."""

    def entry(e: Entry) -> Entry:
        return e if e.kind == "code" else e._replace(text=_plain(e.text))

    return Expected(
        [entry(e) for e in expected.entries],
        sorted(tuple(entry(e) for e in group) for group in expected.footnotes),
    )


def kinds(expected: Expected) -> list[tuple[str, Any]]:
    return [(e.kind, e.detail) for e in expected.entries] + [
        (e.kind, e.detail) for group in expected.footnotes for e in group
    ]


@dataclass
class Score:
    total: int = 0
    kinds_ok: int = 0
    text_ok: int = 0  # kinds and visible text
    styled_ok: int = 0  # kinds, visible text and inline styles
    errors: int = 0
    failures: list[int] = field(default_factory=list)  # example numbers failing on text
    style_failures: list[int] = field(default_factory=list)

    def line(self) -> str:
        def part(n: int, what: str) -> str:
            return f"{n}/{self.total} ({100.0 * n / max(1, self.total):.1f}%) {what}"

        return ", ".join(
            [
                part(self.kinds_ok, "kinds"),
                part(self.text_ok, "+text"),
                part(self.styled_ok, "+styles"),
            ]
            + ([f"{self.errors} errors"] if self.errors else [])
        )


def compare(example: Example, result: Expected) -> tuple[bool, bool, bool]:
    """(same kinds, same kinds and visible text, same kinds, text and inline styles)."""
    wanted = entries_from_html(example.html)
    same_kinds = kinds(wanted) == kinds(result)
    same_styled = wanted.entries == result.entries and wanted.footnotes == result.footnotes
    plain_wanted, plain_got = plain_text(wanted), plain_text(result)
    same = (
        plain_wanted.entries == plain_got.entries and plain_wanted.footnotes == plain_got.footnotes
    )
    return same_kinds, same, same_styled


def score(candidate: Candidate, examples: Sequence[Example]) -> Score:
    result = Score()
    for example in examples:
        result.total += 1
        try:
            got = as_expected(candidate(example.markdown))
        except BaseException as error:  # a crash, even a Rust panic, fails the example
            if isinstance(error, KeyboardInterrupt):
                raise
            result.errors += 1
            result.failures.append(example.number)
            result.style_failures.append(example.number)
            continue
        if example.html.strip() == "<IGNORE>":  # a crash test: any output passes
            same_kinds = same = same_styled = True
        else:
            same_kinds, same, same_styled = compare(example, got)
        result.kinds_ok += same_kinds
        result.text_ok += same
        result.styled_ok += same_styled
        if not same:
            result.failures.append(example.number)
        if not same_styled:
            result.style_failures.append(example.number)
    return result


def show(example: Example, candidate: Candidate, styled: bool = False) -> str:
    """A failure report for one example."""
    wanted = entries_from_html(example.html)
    got = as_expected(candidate(example.markdown))
    if not styled:
        wanted, got = plain_text(wanted), plain_text(got)
    lines = [f"#{example.number} [{example.section}] {example.markdown!r}"]
    lines += ["  want " + repr(tuple(e)) for e in wanted.entries + [*map(tuple, wanted.footnotes)]]
    lines += ["  got  " + repr(tuple(e)) for e in got.entries + [*map(tuple, got.footnotes)]]
    return "\n".join(lines)


# ------------------------------------------------------------------------------ suites


def suites() -> dict[str, list[Example]]:
    """The example sets scored: CommonMark, GFM tables, the other GFM extensions.

    The GFM tag filter examples are left out: the filter escapes <script>-like tags in HTML
    output, and aiwatch never renders HTML (tags are hidden, their text shown)."""
    commonmark = load_examples(COMMONMARK_SPEC)
    gfm = load_examples(GFM_SPEC)
    extensions = load_examples(GFM_EXTENSIONS)
    table_sections = {
        "Tables",
        "Table cell count mismatches",
        "Embedded pipes",
        "Oddly-formatted markers",
        "Escaping",
        "Embedded HTML",
        "Reference-style links",
        "Sequential cells",
        "Interaction with emphasis",
    }
    extension_tables = [
        e for e in extensions if e.section in table_sections or e.section.startswith("a table can")
    ]
    return {
        "CommonMark 0.31.2": commonmark,
        "GFM tables": [e for e in gfm if e.tag == "table"] + extension_tables,
        "GFM extensions": [e for e in gfm if e.tag in ("strikethrough", "autolink")]
        + [e for e in extensions if e not in extension_tables and e.section != "HTML tag filter"],
    }
