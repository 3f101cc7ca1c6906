"""Property tests: whatever the edit, a highlight is never attached to text it does not match."""

from __future__ import annotations

import string
from dataclasses import dataclass

from hypothesis import assume, given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from aiwatch_tui.core.anchoring import (
    ACCEPT_SCORE,
    CHARS_PER_EDIT_AT_POSITION,
    CONTEXT_CHARS,
    Anchor,
    make_quote,
    reanchor,
)
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


# Selectors made elsewhere, as the Hypothesis client makes and tests them: a context on one
# side only, with a slip in it; or no context but a position.

# A quote written in letters no context uses, so that its repeats are exactly those planted.
QUOTE_ALPHABET = "αβγδεζηθ "
quotes = st.text(alphabet=QUOTE_ALPHABET, min_size=1, max_size=31).filter(lambda q: q.strip())
# Surroundings of the repeats that are not the highlighted one: nothing like its context,
# and long enough that no context compared at them reaches the highlighted one's text.
unrelated = st.text(alphabet=PASSAGE_ALPHABET, min_size=2 * CONTEXT_CHARS, max_size=80)
surroundings = st.text(alphabet=FILLER_ALPHABET, min_size=8, max_size=40) | documents.filter(
    lambda d: len(d) >= 8
)


def slip(draw: st.DrawFn, text: str) -> str:
    """`text` with one typo, hyphen or missing letter."""
    at = draw(st.integers(0, len(text) - 1))
    kind = draw(st.sampled_from(["typo", "hyphen", "missing letter"]))
    if kind == "typo":
        other = draw(st.sampled_from(string.ascii_lowercase).filter(lambda c: c != text[at]))
        return text[:at] + other + text[at + 1 :]
    if kind == "hyphen":
        return text[:at] + "-" + text[at:]
    return text[:at] + text[at + 1 :]


@dataclass(frozen=True)
class Repeats:
    """A quote planted several times; the highlight is on repeat `chosen`."""

    quote: str
    segments: tuple[tuple[str, str], ...]  # (before, after) each repeat
    chosen: int
    prefix: str  # the selector's context: one side only, with slips
    suffix: str
    hint: int

    def text(self, without_chosen: bool = False) -> str:
        return "".join(
            before + self.quote + after
            for number, (before, after) in enumerate(self.segments)
            if not (without_chosen and number == self.chosen)
        )

    @property
    def chosen_start(self) -> int:
        return sum(
            len(b) + len(self.quote) + len(a) for b, a in self.segments[: self.chosen]
        ) + len(self.segments[self.chosen][0])


@st.composite
def repeats_with_a_sloppy_context(draw: st.DrawFn) -> Repeats:
    quote = draw(quotes)
    count = draw(st.integers(2, 4))
    chosen = draw(st.integers(0, count - 1))
    segments = tuple(
        (draw(surroundings), draw(surroundings))
        if number == chosen
        else (draw(unrelated), draw(unrelated))
        for number in range(count)
    )
    before, after = segments[chosen]
    # One slip up to one per four letters: past two or three, the context is no longer
    # trusted on its own, but it still singles out its repeat.
    length = draw(st.integers(8, CONTEXT_CHARS))
    on_prefix = draw(st.booleans())
    sloppy = before[-length:] if on_prefix else after[:length]
    for _ in range(draw(st.integers(1, len(sloppy) // 4))):
        sloppy = slip(draw, sloppy)
    prefix, suffix = (sloppy, "") if on_prefix else ("", sloppy)
    text_length = sum(len(b) + len(quote) + len(a) for b, a in segments)
    # Any position but 0, which with an empty prefix would say "the quote began the text".
    return Repeats(quote, segments, chosen, prefix, suffix, draw(st.integers(1, text_length)))


@SETTINGS
@given(repeats_with_a_sloppy_context())
def test_context_on_one_side_with_slips_chooses_its_repeat(case: Repeats) -> None:
    text = case.text()
    hint_end = case.hint + len(case.quote)
    anchor = reanchor(text, case.quote, case.prefix, case.suffix, case.hint, hint_end)
    assert anchor.start == case.chosen_start
    assert text[anchor.start : anchor.end] == case.quote
    if (anchor.start, anchor.end) == (case.hint, hint_end):
        assert anchor.status is AnchorStatus.ANCHORED
    else:
        assert anchor.status is AnchorStatus.MOVED


@SETTINGS
@given(repeats_with_a_sloppy_context())
def test_context_on_one_side_of_a_deleted_repeat_leaves_it_orphaned(case: Repeats) -> None:
    text = case.text(without_chosen=True)
    hint_end = case.hint + len(case.quote)
    anchor = reanchor(text, case.quote, case.prefix, case.suffix, case.hint, hint_end)
    assert anchor.status is AnchorStatus.ORPHANED
    assert (anchor.start, anchor.end) == (case.hint, hint_end)


def assert_found_despite_the_slip(case: Case, anchor: Anchor) -> None:
    """Found as CHANGED where the quote starts, over text one edit from the quote: the
    edited quote, or another reading of the same edit ("mode" from "model" lost its "l", or
    had it replaced by the text's next letter), so never two letters past its end."""
    assert anchor.status is AnchorStatus.CHANGED
    assert_sound(case, anchor)
    assert anchor.start == case.start
    assert Levenshtein.distance(case.exact, case.new[anchor.start : anchor.end]) == 1


@st.composite
def one_letter_edits_inside(draw: st.DrawFn) -> Case:
    """One letter changed, added or removed inside a quote of 8 characters or more (never
    before its first letter)."""
    text, start, end = draw(highlighted_documents().filter(lambda h: h[2] - h[1] >= 8))
    at = draw(st.integers(start + 1, end - 1))
    kind = draw(st.sampled_from(["typo", "extra letter", "missing letter"]))
    if kind == "typo":
        other = draw(st.sampled_from(FILLER_ALPHABET).filter(lambda c: c != text[at]))
        new = text[:at] + other + text[at + 1 :]
    elif kind == "extra letter":
        new = text[:at] + draw(st.sampled_from(FILLER_ALPHABET)) + text[at:]
    else:
        new = text[:at] + text[at + 1 :]
    return Case(text, start, end, new)


@SETTINGS
@given(one_letter_edits_inside())
def test_context_less_quote_with_a_one_letter_edit_is_found_where_its_position_points(
    case: Case,
) -> None:
    assume(case.exact not in case.new)  # the old wording is nowhere: the edited one is it
    anchor = reanchor(case.new, case.exact, "", "", case.start, case.end)
    assert_found_despite_the_slip(case, anchor)


@SETTINGS
@given(one_letter_edits_inside())
def test_quote_with_a_one_letter_edit_and_its_context_is_changed_in_place(case: Case) -> None:
    assume(case.exact not in case.new)
    assert_found_despite_the_slip(case, case.reanchor())


@st.composite
def lookalikes_in_place(draw: st.DrawFn) -> Case:
    """The highlighted passage replaced, in the very place and with its surroundings kept,
    by a lookalike that differs from it by more than the confidence floor allows."""
    before, after = draw(documents), draw(documents)
    quote = draw(st.text(alphabet=PASSAGE_ALPHABET, min_size=1, max_size=40))
    lookalike = list(quote)
    for _ in range(draw(st.integers(1, len(quote) + 2))):
        at = draw(st.integers(0, len(lookalike)))
        kind = draw(st.sampled_from(["replace", "insert", "delete"]))
        if kind == "insert" or not lookalike:
            lookalike.insert(at, draw(st.sampled_from(PASSAGE_ALPHABET)))
        elif kind == "replace" and at < len(lookalike):
            lookalike[at] = draw(st.sampled_from(PASSAGE_ALPHABET))
        elif at < len(lookalike):
            del lookalike[at]
    similar = "".join(lookalike)
    # No part of it is within the floor either (its surroundings share no letter with it).
    assume(
        all(
            fuzz.ratio(quote, similar[i:j]) < ACCEPT_SCORE * 100
            for i in range(len(similar))
            for j in range(i + 1, len(similar) + 1)
        )
    )
    start = len(before) + 1
    return Case(
        f"{before} {quote} {after}", start, start + len(quote), f"{before} {similar} {after}"
    )


@SETTINGS
@given(lookalikes_in_place(), st.booleans())
def test_lookalike_beyond_the_floor_in_the_very_place_is_orphaned(
    case: Case, with_context: bool
) -> None:
    if with_context:
        anchor = case.reanchor()
    else:
        anchor = reanchor(case.new, case.exact, "", "", case.start, case.end)
    assert anchor.status is AnchorStatus.ORPHANED
    assert_sound(case, anchor)


@st.composite
def context_less_passages_deleted(draw: st.DrawFn) -> tuple[Case, str]:
    """A context-less quote whose passage is deleted: a copy of it is left elsewhere, and
    where its position points, a lookalike more than a slip away (one edit per
    CHARS_PER_EDIT_AT_POSITION characters), perhaps within the floor."""
    before, after = draw(documents), draw(documents)
    quote = draw(st.text(alphabet=PASSAGE_ALPHABET, min_size=1, max_size=31))
    similar = draw(st.text(alphabet=PASSAGE_ALPHABET, max_size=40))
    start = len(before) + 1
    new = f"{before} {similar} {after} {quote}."
    allowed = len(quote) // CHARS_PER_EDIT_AT_POSITION
    assume(
        all(
            Levenshtein.distance(quote, new[start:end]) > allowed
            for end in range(start, len(new) + 1)
        )
    )
    return Case(f"{before} {quote} {after}", start, start + len(quote), new), similar


@SETTINGS
@given(context_less_passages_deleted())
def test_context_less_quote_of_a_deleted_passage_is_orphaned(
    deleted: tuple[Case, str],
) -> None:
    case, _ = deleted
    anchor = reanchor(case.new, case.exact, "", "", case.start, case.end)
    assert anchor.status is AnchorStatus.ORPHANED
    assert_sound(case, anchor)
