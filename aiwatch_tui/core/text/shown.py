"""What a reader sees of a stretch of source, and where each shown character came from.

The rules are spans.py's: HIDDEN spans are left out, a REPLACE span is shown as its text,
a BREAK as a line break; the rest of the source is shown as it is. `Shown` keeps, with
the shown string, the runs it was made of, so that a shown position (a caret column, a
find hit) maps back to a source offset and a source offset (a highlight) to a shown
position. A substituted run maps as a whole: all of "©" stands for all of "&copy;".
"""

from __future__ import annotations

from bisect import bisect_right
from typing import NamedTuple

from aiwatch_tui.core.model import I_BREAK, I_HIDDEN, I_REPLACE, Inlines

BREAK = "\n"


class Run(NamedTuple):
    shown: int  # where the run starts in the shown string
    start: int  # the source it shows
    end: int
    substituted: bool  # shown text is not the source (a REPLACE or a BREAK)


class Shown(NamedTuple):
    text: str
    runs: tuple[Run, ...]  # in order; hidden source is in no run

    def source_offset(self, index: int) -> int:
        """The source offset of shown character `index` (len(text): the end)."""
        runs = self.runs
        if not runs:
            return 0
        k = max(0, bisect_right(runs, index, key=lambda run: run.shown) - 1)
        run = runs[k]
        if run.substituted:
            return run.start if index < run.shown + max(1, self._length(k)) else run.end
        return min(run.start + index - run.shown, run.end)

    def shown_index(self, offset: int) -> int:
        """Where source `offset` is shown (hidden source: where the next shown text is)."""
        runs = self.runs
        k = bisect_right(runs, offset, key=lambda run: run.start) - 1
        if k < 0:
            return 0
        run = runs[k]
        if offset >= run.end:
            return run.shown + self._length(k)
        if run.substituted:
            return run.shown
        return run.shown + offset - run.start

    def _length(self, k: int) -> int:
        following = self.runs[k + 1].shown if k + 1 < len(self.runs) else len(self.text)
        return following - self.runs[k].shown


def substitutions(inlines: Inlines, start: int, end: int) -> list[tuple[int, int, str | None]]:
    """(start, end, shown instead or None for a break) of the spans in start..end that
    change what is shown, outermost only, in order."""
    kinds, starts, ends, texts = inlines.kinds, inlines.starts, inlines.ends, inlines.texts
    out: list[tuple[int, int, str | None]] = []
    covered = start
    for index in inlines.indices(start, end):
        kind = kinds[index]
        if kind == I_HIDDEN or kind == I_REPLACE or kind == I_BREAK:
            span_start = starts[index]
            if span_start < covered:
                continue  # inside the previous one (code hidden in a <script>...)
            span_end = min(ends[index], end)
            out.append(
                (
                    span_start,
                    span_end,
                    "" if kind == I_HIDDEN else texts[index] if kind == I_REPLACE else None,
                )
            )
            covered = span_end
    return out


def shown_text(text: str, start: int, end: int, inlines: Inlines, line_break: str = BREAK) -> str:
    """text[start:end] as shown (a hard line break as `line_break`)."""
    parts: list[str] = []
    position = start
    for span_start, span_end, instead in substitutions(inlines, start, end):
        if span_start > position:
            parts.append(text[position:span_start])
        parts.append(line_break if instead is None else instead)
        position = max(position, span_end)
    if position < end:
        parts.append(text[position:end])
    return "".join(parts)


def shown(text: str, start: int, end: int, inlines: Inlines, line_break: str = BREAK) -> Shown:
    """text[start:end] as shown, with the runs that map it back to the source."""
    parts: list[str] = []
    runs: list[Run] = []
    length = 0
    position = start
    for span_start, span_end, instead in substitutions(inlines, start, end):
        if span_start > position:
            parts.append(text[position:span_start])
            runs.append(Run(length, position, span_start, False))
            length += span_start - position
        value = line_break if instead is None else instead
        if value:
            parts.append(value)
            runs.append(Run(length, span_start, span_end, True))
            length += len(value)
        position = max(position, span_end)
    if position < end:
        parts.append(text[position:end])
        runs.append(Run(length, position, end, False))
    return Shown("".join(parts), tuple(runs))


def masked(text: str, start: int, end: int, inlines: Inlines) -> str:
    """text[start:end] as shown, at the same length (so that an index into it is an offset
    from `start`): hidden source blanked, a substituted span as its text when that fits in
    it (an entity), blanked otherwise (an image's "!["), line breaks kept. For indexing."""
    subs = substitutions(inlines, start, end)
    if not subs:
        return text[start:end]
    parts: list[str] = []
    position = start
    for span_start, span_end, instead in subs:
        if span_start > position:
            parts.append(text[position:span_start])
        length = span_end - span_start
        value = "\n" if instead is None else instead
        if not value or len(value) > length or "\n" in value and value != "\n":
            value = "".join("\n" if char == "\n" else " " for char in text[span_start:span_end])
        parts.append(value + " " * (length - len(value)))
        position = max(position, span_end)
    if position < end:
        parts.append(text[position:end])
    return "".join(parts)
