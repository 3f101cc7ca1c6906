"""Property tests: whatever the edit, a highlight is never attached to text it does not match."""

from __future__ import annotations

import string
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from aiwatch_tui.core.anchoring import ACCEPT_SCORE, Anchor, make_quote, reanchor
from aiwatch_tui.core.model import AnchorStatus

# A small vocabulary makes repeated words and repeated quotes common.
VOCABULARY = ["model", "data", "the", "ai", "open", "chip", "deal", "lab", "a", "of", "weights"]
FILLER_ALPHABET = string.ascii_lowercase + " .,;'-\n"
# The deleted passage is written in characters the rest of the document never uses,
# so once it is gone no text similar to the quote is left anywhere.
PASSAGE_ALPHABET = string.ascii_uppercase + string.digits

SETTINGS = settings(max_examples=200, deadline=None)

words = st.one_of(
    st.sampled_from(VOCABULARY), st.text(alphabet=FILLER_ALPHABET, min_size=1, max_size=10)
)
documents = st.lists(words, min_size=1, max_size=60).map(" ".join)
fillers = st.text(alphabet=FILLER_ALPHABET, min_size=1, max_size=40)


@dataclass(frozen=True)
class Case:
    old: str
    start: int
    end: int
    new: str

    @property
    def exact(self) -> str:
        return self.old[self.start : self.end]

    def reanchor(self) -> Anchor:
        exact, prefix, suffix = make_quote(self.old, self.start, self.end)
        return reanchor(self.new, exact, prefix, suffix, self.start, self.end)


@st.composite
def highlighted_documents(draw: st.DrawFn) -> tuple[str, int, int]:
    text = draw(documents)
    start = draw(st.integers(0, len(text) - 1))
    end = draw(st.integers(start + 1, min(len(text), start + 80)))
    return text, start, end


@st.composite
def edits_outside(draw: st.DrawFn) -> Case:
    """Text inserted or deleted before or after the quote, or the quote copied elsewhere."""
    text, start, end = draw(highlighted_documents())
    kinds = ["insert before", "insert after", "copy before", "copy after"]
    kinds += ["delete before"] * (start > 0) + ["delete after"] * (end < len(text))
    kind = draw(st.sampled_from(kinds))
    before = kind.endswith("before")
    if kind.startswith("delete"):
        low, high = (0, start) if before else (end, len(text))
        cut_start = draw(st.integers(low, high - 1))
        cut_end = draw(st.integers(cut_start + 1, high))
        return Case(text, start, end, text[:cut_start] + text[cut_end:])
    at = draw(st.integers(0, start) if before else st.integers(end, len(text)))
    inserted = text[start:end] if kind.startswith("copy") else draw(fillers)
    return Case(text, start, end, text[:at] + inserted + text[at:])


@st.composite
def edits_inside(draw: st.DrawFn) -> Case:
    """Up to three characters inserted into, or deleted from, the quote."""
    text, start, end = draw(highlighted_documents().filter(lambda h: h[2] - h[1] >= 2))
    if draw(st.booleans()):
        at = draw(st.integers(start + 1, end - 1))
        inserted = draw(st.text(alphabet=FILLER_ALPHABET, min_size=1, max_size=3))
        return Case(text, start, end, text[:at] + inserted + text[at:])
    longest_cut = min(3, end - start - 1)  # never the whole quote
    cut_start = draw(st.integers(start, end - 1))
    cut_end = draw(st.integers(cut_start + 1, min(end, cut_start + longest_cut)))
    return Case(text, start, end, text[:cut_start] + text[cut_end:])


@st.composite
def passages_deleted(draw: st.DrawFn) -> Case:
    """The highlighted passage (and perhaps some text around it) deleted."""
    before, after = draw(documents), draw(documents)
    passage = draw(st.text(alphabet=PASSAGE_ALPHABET, min_size=1, max_size=60))
    text = f"{before} {passage} {after}"
    passage_start = len(before) + 1
    start = draw(st.integers(passage_start, passage_start + len(passage) - 1))
    end = draw(st.integers(start + 1, passage_start + len(passage)))
    cut_start = draw(st.integers(max(0, passage_start - 10), passage_start))
    cut_end = draw(st.integers(passage_start + len(passage), len(text)))
    return Case(text, start, end, text[:cut_start] + text[cut_end:])


def assert_sound(case: Case, anchor: Anchor) -> None:
    """What every result must satisfy: found text matches the quote, offsets fit the text."""
    if anchor.status is AnchorStatus.ORPHANED:
        assert (anchor.start, anchor.end) == (case.start, case.end)
        assert anchor.score < ACCEPT_SCORE
        return
    assert 0 <= anchor.start <= anchor.end <= len(case.new)
    found = case.new[anchor.start : anchor.end]
    if anchor.status in (AnchorStatus.ANCHORED, AnchorStatus.MOVED):
        assert found == case.exact
    else:
        assert found != case.exact
        assert fuzz.ratio(case.exact, found) >= ACCEPT_SCORE * 100
    assert anchor.score >= ACCEPT_SCORE


def occurrences(text: str, needle: str) -> list[int]:
    found, at = [], text.find(needle)
    while at != -1:
        found.append(at)
        at = text.find(needle, at + 1)
    return found


@SETTINGS
@given(edits_outside())
def test_edit_outside_the_quote_keeps_it_found(case: Case) -> None:
    anchor = case.reanchor()
    assert_sound(case, anchor)
    assert anchor.status in (AnchorStatus.ANCHORED, AnchorStatus.MOVED)
    exact, prefix, suffix = make_quote(case.old, case.start, case.end)
    # Where the quote with its whole context is still unambiguous, that is where it goes.
    with_context = occurrences(case.new, prefix + exact + suffix)
    if prefix and suffix and len(with_context) == 1:
        assert anchor.start == with_context[0] + len(prefix)
    if anchor.status is AnchorStatus.ANCHORED:
        assert (anchor.start, anchor.end) == (case.start, case.end)
    else:
        assert (anchor.start, anchor.end) != (case.start, case.end)


@SETTINGS
@given(edits_inside())
def test_edit_inside_the_quote_is_changed_or_sound(case: Case) -> None:
    anchor = case.reanchor()
    assert_sound(case, anchor)
    # A small edit inside a long quote with untouched surroundings must not lose it.
    if len(case.exact) >= 40:
        assert anchor.status is not AnchorStatus.ORPHANED
        if anchor.status is AnchorStatus.CHANGED:
            edited_end = case.end + len(case.new) - len(case.old)
            assert anchor.start < edited_end and case.start < anchor.end


@SETTINGS
@given(passages_deleted())
def test_deleted_passage_is_orphaned(case: Case) -> None:
    anchor = case.reanchor()
    assert anchor.status is AnchorStatus.ORPHANED
    assert_sound(case, anchor)


@SETTINGS
@given(highlighted_documents(), documents)
def test_any_rewrite_gives_a_sound_result(highlight: tuple[str, int, int], new: str) -> None:
    text, start, end = highlight
    case = Case(text, start, end, new)
    assert_sound(case, case.reanchor())
