"""A line filter that removes every colour from what is drawn, for NO_COLOR (no-color.org)."""

from __future__ import annotations

from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter


class WithoutColour(LineFilter):
    """Segments keep their text and their attributes (bold, underline, reverse...) and lose
    their foreground and background colours, so the terminal is sent no colour code at all."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        return [
            Segment(text, None if style is None else style.without_color, control)
            for text, style, control in segments
        ]


WITHOUT_COLOUR = WithoutColour()
