"""Find in a document: literal, smart case, across line breaks, capped around the caret."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from aiwatch_tui.core.find.in_document import find_all, find_near, nearest_at_or_after
from aiwatch_tui.core.model import Span


def test_white_space_in_the_query_matches_a_line_break() -> None:
    text = "The board met on\nTuesday, then met  on Friday."
    assert [text[s.start : s.end] for s in find_all(text, "met on")] == [
        "met on",
        "met  on",
    ]
    assert [text[s.start : s.end] for s in find_all(text, "on tuesday")] == ["on\nTuesday"]


def test_smart_case() -> None:
    text = "Apple apple APPLE"
    assert len(find_all(text, "apple")) == 3
    assert [s.start for s in find_all(text, "Apple")] == [0]


def test_the_query_is_literal() -> None:
    assert find_all("a.b axb (c) [d]", "a.b") == [Span(0, 3)]
    assert find_all("a.b axb (c) [d]", "(c)") == [Span(8, 11)]


def test_find_near_keeps_the_matches_after_the_caret_first_and_says_when_it_capped() -> None:
    text = "x " * 100
    spans, capped = find_near(text, "x", origin=150, limit=10)
    assert capped and len(spans) == 10
    assert spans[0].start == 150  # the matches the user steps through next
    spans, capped = find_near(text, "x", origin=150, limit=1000)
    assert not capped and len(spans) == 100


def test_find_near_skips_what_overlaps_a_match_running_past_the_origin() -> None:
    # "AA" at 1-3 runs past the caret at 2: the next match is not 2-4 (inside it), and the
    # matches are find_all's (found by hypothesis).
    assert find_near("BAAA", "AA", origin=2) == (find_all("BAAA", "AA"), False)
    assert find_near("AAAAAA", "aa", origin=1) == (find_all("AAAAAA", "aa"), False)


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet="abAB \n", max_size=200),
    st.text(alphabet="abAB ", min_size=1, max_size=4),
    st.integers(min_value=0, max_value=200),
)
def test_find_near_is_find_all_when_nothing_is_capped(text: str, query: str, origin: int) -> None:
    origin = min(origin, len(text))
    near, capped = find_near(text, query, origin)
    assert not capped
    assert sorted((s.start, s.end) for s in near) == sorted(
        (s.start, s.end) for s in find_all(text, query)
    )
    index = nearest_at_or_after(sorted(near, key=lambda s: s.start), origin)
    if near:
        assert index is not None
