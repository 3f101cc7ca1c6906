"""Re-anchoring highlights after an article changes: found, moved, changed or orphaned."""

from __future__ import annotations

import hashlib
import random
import sys
from collections.abc import Callable
from types import FrameType

import pytest
from rapidfuzz import fuzz

from aiwatch_tui.core.anchoring import (
    ACCEPT_SCORE,
    CONTEXT_CHARS,
    Anchor,
    make_quote,
    reanchor,
    reanchor_highlight,
)
from aiwatch_tui.core.model import AnchorStatus, Highlight

ARTICLE = (
    "The Growing Pains of the Artificial Intelligence Era\n"
    "Artificial intelligence is no longer a distant concept confined to research labs. "
    "Amazon and MGM shelved a film project that was to be made with OpenAI, data centre "
    "staff began organising for better working conditions, and Meta faced scrutiny over a "
    "significant internal data leak.\n"
    "When Hollywood Meets Artificial Intelligence\n"
    "The entertainment industry has always been a testing ground for new technology. "
    "Studios want the savings, but unions want guarantees about who owns the model weights "
    "and the footage they were trained on.\n"
    "Who Keeps the Lights On\n"
    "Technicians in the data halls say the pace is relentless. Operators counter that the "
    "model weights are the product, and the buildings only keep them cool.\n"
)
LEAK = "Meta faced scrutiny over a significant internal data leak"


def quote_at(text: str, passage: str, occurrence: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(passage, start + 1)
    return start, start + len(passage)


def anchor_in(new_text: str, old_text: str, start: int, end: int) -> Anchor:
    exact, prefix, suffix = make_quote(old_text, start, end)
    return reanchor(new_text, exact, prefix, suffix, start, end)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def highlight_on(text: str, start: int, end: int) -> Highlight:
    exact, prefix, suffix = make_quote(text, start, end)
    return Highlight(
        id="0b6f0e8e-3c1e-4f55-9a57-5d0d3c1f9a10",
        doc_key="seeds/article.txt",
        doc_hash=sha256(text),
        start=start,
        end=end,
        exact=exact,
        prefix=prefix,
        suffix=suffix,
        color="green",
        note="Check the **leak** timeline",
        created="2025-01-02T03:04:05.000Z",
        modified="2025-01-02T03:04:05.000Z",
    )


# make_quote


def test_make_quote_takes_the_selection_and_32_characters_either_side() -> None:
    start, end = quote_at(ARTICLE, LEAK)
    exact, prefix, suffix = make_quote(ARTICLE, start, end)
    assert exact == LEAK
    assert prefix == ARTICLE[start - CONTEXT_CHARS : start]
    assert suffix == ARTICLE[end : end + CONTEXT_CHARS]
    assert len(prefix) == len(suffix) == 32


def test_make_quote_context_stops_at_the_edges_of_the_text() -> None:
    exact, prefix, suffix = make_quote("Short text here", 0, 5)
    assert (exact, prefix, suffix) == ("Short", "", " text here")
    exact, prefix, suffix = make_quote("Short text here", 11, 15)
    assert (exact, prefix, suffix) == ("here", "Short text ", "")


# the four outcomes


def test_unchanged_text_keeps_the_highlight_anchored_in_place() -> None:
    start, end = quote_at(ARTICLE, LEAK)
    assert anchor_in(ARTICLE, ARTICLE, start, end) == Anchor(start, end, AnchorStatus.ANCHORED, 1.0)


def test_edit_after_the_quote_keeps_it_anchored() -> None:
    start, end = quote_at(ARTICLE, LEAK)
    edited = ARTICLE + "Update: Meta has since commented.\n"
    anchor = anchor_in(edited, ARTICLE, start, end)
    assert (anchor.start, anchor.end, anchor.status) == (start, end, AnchorStatus.ANCHORED)


def test_insertion_before_moves_the_highlight_with_its_text() -> None:
    start, end = quote_at(ARTICLE, LEAK)
    inserted = "Editor's note: this article was updated on 3 March.\n"
    edited = inserted + ARTICLE
    anchor = anchor_in(edited, ARTICLE, start, end)
    assert anchor.status is AnchorStatus.MOVED
    assert (anchor.start, anchor.end) == (start + len(inserted), end + len(inserted))
    assert edited[anchor.start : anchor.end] == LEAK


def test_deletion_just_before_moves_the_highlight_back() -> None:
    start, end = quote_at(ARTICLE, LEAK)
    removed = "data centre staff began organising for better working conditions, and "
    edited = ARTICLE.replace(removed, "")
    anchor = anchor_in(edited, ARTICLE, start, end)
    assert anchor.status is AnchorStatus.MOVED
    assert edited[anchor.start : anchor.end] == LEAK
    assert anchor.start == start - len(removed)


def test_word_changed_inside_the_quote_gives_changed_over_the_new_wording() -> None:
    start, end = quote_at(ARTICLE, LEAK)
    edited = ARTICLE.replace("significant internal", "major internal")
    anchor = anchor_in(edited, ARTICLE, start, end)
    assert anchor.status is AnchorStatus.CHANGED
    assert (
        edited[anchor.start : anchor.end] == "Meta faced scrutiny over a major internal data leak"
    )
    assert ACCEPT_SCORE <= anchor.score < 1.0


def test_paragraph_moved_to_the_end_and_edited_is_found_by_its_context() -> None:
    start, end = quote_at(ARTICLE, LEAK)
    paragraph_start = ARTICLE.index("Artificial intelligence is no longer")
    paragraph_end = ARTICLE.index("When Hollywood")
    paragraph = ARTICLE[paragraph_start:paragraph_end]
    moved = (
        ARTICLE[:paragraph_start] + ARTICLE[paragraph_end:] + paragraph.replace("a s", "a very s")
    )
    anchor = anchor_in(moved, ARTICLE, start, end)
    assert anchor.status is AnchorStatus.CHANGED
    assert moved[anchor.start : anchor.end] == LEAK.replace("a s", "a very s")


def test_sentence_moved_into_other_surroundings_and_edited_is_orphaned() -> None:
    # Neither its wording nor its surroundings are the ones highlighted: too little evidence.
    passage = "and Meta faced scrutiny over a significant internal data leak."
    start, end = quote_at(ARTICLE, LEAK)
    moved = ARTICLE.replace(passage, "and more.").replace(
        "the pace is relentless.", "the pace is relentless, " + passage.replace("a s", "a very s")
    )
    assert anchor_in(moved, ARTICLE, start, end).status is AnchorStatus.ORPHANED


def test_text_added_and_cut_a_little_way_off_on_both_sides_keeps_the_highlight() -> None:
    # Neither side of the context is nearly whole any more (14 and 12 letters of 32 are
    # left); together, unchanged next to the quote, they still say where it is (orphaned
    # before).
    text = "Markets\n\nOn Friday the board approved the chip deal with a vote of nine to two.\n"
    start, end = quote_at(text, "chip deal")
    edited = (
        text[: start - 14] + "after a long night of talks, " + text[start - 14 : end + 12] + ".\n"
    )
    assert edited.endswith("approved the chip deal with a vote.\n")
    anchor = anchor_in(edited, text, start, end)
    assert anchor.status is AnchorStatus.MOVED
    assert edited[anchor.start : anchor.end] == "chip deal"


def test_repeated_quote_goes_to_the_occurrence_with_the_same_context() -> None:
    # "model weights" occurs twice; the highlight is on the second. After a paragraph
    # is inserted above the second, the first occurrence is the one nearer the old offsets,
    # but only the second still has the highlight's surroundings.
    start, end = quote_at(ARTICLE, "model weights", occurrence=1)
    edited = ARTICLE.replace(
        "Who Keeps the Lights On\n",
        "Who Keeps the Lights On\nA long interlude about cooling towers, grid contracts, "
        "diesel generators, water rights and the towns that host the halls, which is "
        "longer than the distance between the two mentions of the phrase.\n",
    )
    first = edited.index("model weights")
    second = edited.index("model weights", first + 1)
    assert abs(first - start) < abs(second - start)
    anchor = anchor_in(edited, ARTICLE, start, end)
    assert (anchor.start, anchor.status) == (second, AnchorStatus.MOVED)


def test_repeated_quote_with_context_kept_on_one_side_still_picks_the_right_one() -> None:
    start, end = quote_at(ARTICLE, "model weights", occurrence=0)
    # Rewrite just before the first occurrence: its suffix still identifies it.
    edited = ARTICLE.replace("guarantees about who owns the ", "a say over the ")
    anchor = anchor_in(edited, ARTICLE, start, end)
    assert anchor.status is AnchorStatus.MOVED
    assert anchor.start == edited.index("model weights")


def test_long_repeated_quote_goes_to_the_repeat_with_the_same_context() -> None:
    # A long quote needs no context to be trusted, so both repeats qualify: the context
    # decides, even against a repeat nearer the old offsets.
    phrase = "who owns the model weights and the footage"
    text = (
        f"Studios want savings, but unions ask {phrase}.\n"
        f"Technicians in the data halls wonder {phrase} too.\n"
    )
    start, end = quote_at(text, phrase, occurrence=1)
    interlude = (
        "A long interlude about cooling towers, grid contracts, diesel generators, water\n"
        "rights and the towns that host the halls, longer than the first line.\n"
    )
    edited = text.replace("Technicians", interlude + "Technicians")
    first, second = quote_at(edited, phrase)[0], quote_at(edited, phrase, occurrence=1)[0]
    assert abs(first - start) < abs(second - start)
    anchor = anchor_in(edited, text, start, end)
    assert (anchor.start, anchor.status) == (second, AnchorStatus.MOVED)


def test_repeats_with_identical_context_are_told_apart_by_nearness() -> None:
    text = "Chips. " * 20
    start, end = quote_at(text, "Chips", occurrence=10)
    edited = "> " + text
    anchor = anchor_in(edited, text, start, end)
    assert (anchor.start, anchor.status) == (start + 2, AnchorStatus.MOVED)


def test_deleted_passage_is_orphaned_with_its_old_offsets() -> None:
    start, end = quote_at(ARTICLE, LEAK)
    edited = ARTICLE.replace(", and Meta faced scrutiny over a significant internal data leak", "")
    anchor = anchor_in(edited, ARTICLE, start, end)
    assert anchor.status is AnchorStatus.ORPHANED
    assert (anchor.start, anchor.end) == (start, end)
    assert anchor.score < ACCEPT_SCORE


def test_lookalike_sentence_with_another_meaning_is_not_attached() -> None:
    start, end = quote_at(ARTICLE, LEAK)
    lookalike = "Google faced scrutiny over a significant external data leak"
    edited = ARTICLE.replace(
        ", and Meta faced scrutiny over a significant internal data leak", ""
    ).replace(
        "the buildings only keep them cool.", f"the buildings only keep them cool. {lookalike}."
    )
    # Similar enough on its own to pass as an edit of the quote ...
    assert fuzz.ratio(LEAK, lookalike) >= ACCEPT_SCORE * 100
    # ... but its surroundings have nothing to do with where the quote was.
    anchor = anchor_in(edited, ARTICLE, start, end)
    assert anchor.status is AnchorStatus.ORPHANED


def test_single_common_word_is_not_attached_to_the_same_word_elsewhere() -> None:
    start, end = quote_at(ARTICLE, "data", occurrence=0)  # "data centre staff ..."
    edited = ARTICLE.replace("data centre staff began organising for better working conditions", "")
    assert "data" in edited
    anchor = anchor_in(edited, ARTICLE, start, end)
    assert anchor.status is AnchorStatus.ORPHANED


def test_single_common_word_is_followed_when_its_surroundings_survive() -> None:
    start, end = quote_at(ARTICLE, "data", occurrence=0)
    edited = "Corrected.\n" + ARTICLE
    anchor = anchor_in(edited, ARTICLE, start, end)
    assert (anchor.status, anchor.start) == (AnchorStatus.MOVED, start + len("Corrected.\n"))


def test_short_word_with_a_typo_fixed_and_same_context_is_changed() -> None:
    start, end = quote_at(ARTICLE, "organising")
    edited = ARTICLE.replace("organising", "organizing")
    anchor = anchor_in(edited, ARTICLE, start, end)
    assert anchor.status is AnchorStatus.CHANGED
    assert edited[anchor.start : anchor.end] == "organizing"


def test_short_word_edited_and_its_surroundings_rewritten_is_orphaned() -> None:
    start, end = quote_at(ARTICLE, "organising")
    edited = ARTICLE.replace(
        "data centre staff began organising for better working conditions",
        "warehouse pickers were organizing a walkout over heat in summer",
    )
    assert anchor_in(edited, ARTICLE, start, end).status is AnchorStatus.ORPHANED


def test_quote_at_the_start_survives_a_title_inserted_above_it() -> None:
    start, end = quote_at(ARTICLE, "The Growing Pains")
    edited = "# AI watch\n\n" + ARTICLE
    anchor = anchor_in(edited, ARTICLE, start, end)
    assert (anchor.status, anchor.start) == (AnchorStatus.MOVED, len("# AI watch\n\n"))


def test_word_at_the_start_is_not_attached_to_the_same_word_mid_text() -> None:
    text = "Data centres run hot. Operators say the data halls need more water every year."
    start, end = quote_at(text, "Data")
    edited = "Operators say the Data halls need more water every year."
    assert anchor_in(edited, text, start, end).status is AnchorStatus.ORPHANED


def test_old_offsets_past_the_end_of_a_shorter_text_still_find_the_quote() -> None:
    start, end = quote_at(ARTICLE, "the buildings only keep them cool")
    edited = ARTICLE[ARTICLE.index("Who Keeps") :]
    assert end > len(edited)
    anchor = anchor_in(edited, ARTICLE, start, end)
    assert anchor.status is AnchorStatus.MOVED
    assert edited[anchor.start : anchor.end] == "the buildings only keep them cool"


def test_empty_quote_is_orphaned() -> None:
    assert reanchor(ARTICLE, "", "abc", "def", 5, 5).status is AnchorStatus.ORPHANED


# reanchor_highlight


def test_highlight_on_the_same_text_is_returned_untouched() -> None:
    h = highlight_on(ARTICLE, *quote_at(ARTICLE, LEAK))
    assert reanchor_highlight(ARTICLE, sha256(ARTICLE), h) is h


def test_moved_highlight_gets_new_offsets_and_hash_but_keeps_quote_and_note() -> None:
    h = highlight_on(ARTICLE, *quote_at(ARTICLE, LEAK))
    edited = "Updated.\n" + ARTICLE
    moved = reanchor_highlight(edited, sha256(edited), h)
    assert (moved.start, moved.end) == (h.start + 9, h.end + 9)
    assert moved.status is AnchorStatus.MOVED
    assert moved.doc_hash == sha256(edited)
    assert (moved.exact, moved.prefix, moved.suffix) == (h.exact, h.prefix, h.suffix)
    assert (moved.id, moved.note, moved.color, moved.modified) == (
        h.id,
        h.note,
        h.color,
        h.modified,
    )
    # Opening the same text again costs nothing and changes nothing.
    assert reanchor_highlight(edited, sha256(edited), moved) is moved


def test_changed_highlight_keeps_the_original_quote() -> None:
    h = highlight_on(ARTICLE, *quote_at(ARTICLE, LEAK))
    edited = ARTICLE.replace("significant internal", "major internal")
    changed = reanchor_highlight(edited, sha256(edited), h)
    assert changed.status is AnchorStatus.CHANGED
    assert changed.exact == LEAK
    assert "major internal" in edited[changed.start : changed.end]
    assert reanchor_highlight(edited, sha256(edited), changed) is changed


def test_orphan_keeps_its_offsets_and_hash_and_is_found_when_the_text_returns() -> None:
    h = highlight_on(ARTICLE, *quote_at(ARTICLE, LEAK))
    edited = ARTICLE.replace(LEAK, "Nothing else happened")
    orphan = reanchor_highlight(edited, sha256(edited), h)
    assert orphan.status is AnchorStatus.ORPHANED
    assert (orphan.start, orphan.end, orphan.doc_hash) == (h.start, h.end, h.doc_hash)
    assert reanchor_highlight(edited, sha256(edited), orphan) is orphan
    restored = reanchor_highlight(ARTICLE, sha256(ARTICLE), orphan)
    assert restored.status is AnchorStatus.ANCHORED
    assert ARTICLE[restored.start : restored.end] == LEAK


def test_orphan_is_not_revived_by_a_lookalike() -> None:
    h = highlight_on(ARTICLE, *quote_at(ARTICLE, LEAK))
    orphan = reanchor_highlight("Unrelated text.", sha256("Unrelated text."), h)
    elsewhere = "A different story. Google faced scrutiny over a significant external data leak."
    assert reanchor_highlight(elsewhere, sha256(elsewhere), orphan).status is (
        AnchorStatus.ORPHANED
    )


# Selectors made elsewhere: the situations of the Hypothesis client's quote-matching tests.
# Such a selector may record a context on one side only, short and with slips in it, or
# no context at all but a position.

TWO_LABS = (
    "One lab trained its model on licensed archives before the launch, another lab trained "
    "its model on scraped forums before the launch, and both labs shipped within a month."
)
LAUNCH = "before the launch"
FIRST_LAUNCH, SECOND_LAUNCH = quote_at(TWO_LABS, LAUNCH)[0], quote_at(TWO_LABS, LAUNCH, 1)[0]
TRAINED = "lab trained its model"
FIRST_TRAINED, SECOND_TRAINED = quote_at(TWO_LABS, TRAINED)[0], quote_at(TWO_LABS, TRAINED, 1)[0]
# The second passage alone: the first repeat of each quote is gone.
SECOND_ONLY = TWO_LABS[TWO_LABS.index("another lab") :]


# (quote, prefix, suffix, the repeat it goes to)
CONTEXTS = {
    "prefix exact, first": (LAUNCH, "on licensed archives ", "", FIRST_LAUNCH),
    "prefix exact, second": (LAUNCH, "on scraped forums ", "", SECOND_LAUNCH),
    "prefix with a typo": (LAUNCH, "on licenced archives ", "", FIRST_LAUNCH),
    "prefix with a hyphen": (LAUNCH, "on scra-ped forums ", "", SECOND_LAUNCH),
    "prefix missing a letter": (LAUNCH, "on licensed archves ", "", FIRST_LAUNCH),
    "prefix without the space": (LAUNCH, "on scraped forums", "", SECOND_LAUNCH),
    "prefix with two slips": (LAUNCH, "on scrapd frums", "", SECOND_LAUNCH),
    # Too far from either text to be trusted alone, but far nearer one repeat than the
    # other (orphaned before).
    "prefix with three slips": (LAUNCH, "lisenced arkives", "", FIRST_LAUNCH),
    "prefix cut short, misspelt": (LAUNCH, "scrapt forms", "", SECOND_LAUNCH),
    "suffix exact, first": (TRAINED, "", " on licensed archives", FIRST_TRAINED),
    "suffix exact, second": (TRAINED, "", " on scraped forums", SECOND_TRAINED),
    "suffix with a typo": (TRAINED, "", " on licenced archives", FIRST_TRAINED),
    "suffix with a hyphen": (TRAINED, "", " on scraped-forums", SECOND_TRAINED),
    "suffix missing a letter": (TRAINED, "", " on licensed archves", FIRST_TRAINED),
    "suffix without the space": (TRAINED, "", "on scraped", SECOND_TRAINED),
    "suffix cut short, misspelt": (TRAINED, "", " on scrapt", SECOND_TRAINED),
    "suffix misspelt, no space": (TRAINED, "", "on lisenced", FIRST_TRAINED),  # orphaned before
}


@pytest.mark.parametrize(
    ("quote", "prefix", "suffix", "expected"), CONTEXTS.values(), ids=CONTEXTS.keys()
)
def test_repeated_quote_goes_to_the_repeat_whose_context_matches_best(
    quote: str, prefix: str, suffix: str, expected: int
) -> None:
    anchor = reanchor(TWO_LABS, quote, prefix, suffix, 0, 0)
    assert (anchor.start, anchor.status) == (expected, AnchorStatus.MOVED)
    assert TWO_LABS[anchor.start : anchor.end] == quote


@pytest.mark.parametrize(
    "prefix", [c[1] for c in CONTEXTS.values() if c[1] and c[3] == FIRST_LAUNCH]
)
def test_context_of_a_deleted_repeat_does_not_move_it_to_the_other(prefix: str) -> None:
    # Each of these prefixes finds the first repeat in the whole text (above); with the
    # first passage gone, the second repeat is not taken for it.
    assert reanchor(SECOND_ONLY, LAUNCH, prefix, "", 0, 0).status is AnchorStatus.ORPHANED


def test_context_like_neither_repeat_chooses_neither() -> None:
    anchor = reanchor(TWO_LABS, LAUNCH, "on stored papers ", "", 0, 0)
    assert anchor.status is AnchorStatus.ORPHANED


def test_context_less_quote_one_letter_off_is_found_where_its_position_points() -> None:
    quote = "befor the launch"  # one letter missing; it occurs twice, equally similar
    for start in (FIRST_LAUNCH, SECOND_LAUNCH):
        anchor = reanchor(TWO_LABS, quote, "", "", start, start + len(quote))
        assert (anchor.start, anchor.status) == (start, AnchorStatus.CHANGED)
        assert TWO_LABS[anchor.start : anchor.end] == LAUNCH
        assert ACCEPT_SCORE <= anchor.score < 1.0


def test_context_less_exact_quote_at_its_position_is_anchored() -> None:
    end = FIRST_LAUNCH + len(LAUNCH)
    anchor = reanchor(TWO_LABS, LAUNCH, "", "", FIRST_LAUNCH, end)
    assert (anchor.start, anchor.end, anchor.status) == (FIRST_LAUNCH, end, AnchorStatus.ANCHORED)


def test_context_less_quote_is_not_taken_away_from_its_position() -> None:
    quote = "befor the launch"
    off = FIRST_LAUNCH + 3
    assert reanchor(TWO_LABS, quote, "", "", off, off + len(quote)).status is (
        AnchorStatus.ORPHANED
    )
    # Nor is a short exact quote: two repeats, and nothing says which.
    assert reanchor(TWO_LABS, LAUNCH, "", "", off, off + len(LAUNCH)).status is (
        AnchorStatus.ORPHANED
    )


def test_context_less_quote_more_than_a_slip_away_is_not_taken_at_its_position() -> None:
    quote = "befor the lanch"  # two letters missing from 17: more than one edit per 8
    anchor = reanchor(TWO_LABS, quote, "", "", FIRST_LAUNCH, FIRST_LAUNCH + len(quote))
    assert anchor.status is AnchorStatus.ORPHANED


# Work grows with the text no faster than linearly (re-anchoring runs at launch, on texts
# of up to 5 MB); absolute times are in the bench.

GROWTH_WORDS = (
    "model data the ai open chip deal lab a of weights compute training inference cluster "
    "rack power grid cooling water licence archive forum launch startup fund round"
).split()


def vocabulary_text(size: int, seed: int) -> str:
    """`size` characters of words from a small vocabulary: repeats of every short quote
    everywhere, which is the hard case for telling places apart."""
    chooser = random.Random(seed)
    words: list[str] = []
    length = 0
    while length < size:
        word = chooser.choice(GROWTH_WORDS) + chooser.choice(["", "", "", "s", "ed"])
        words.append(word)
        length += len(word) + 1
    return " ".join(words)[:size]


def function_calls(action: Callable[[], object]) -> int:
    """How many Python and C functions `action` calls: its work, counted the same however
    loaded the machine is. Every call the re-anchoring code makes handles a piece of text of
    bounded size (a context, the quote, a window around a place), except `str.find`, whose
    calls add up to one pass over the text per piece searched for."""
    count = 0

    def profile(frame: FrameType, event: str, arg: object) -> None:
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    sys.setprofile(profile)
    try:
        action()
    finally:
        sys.setprofile(None)
    return count


def growth_case(size: int, situation: str) -> Callable[[], Anchor]:
    """The same highlight in the middle of `size` characters, in the same situation."""
    passage = "\nRegulators asked who trained the model on the licensed archive first.\n"
    text = vocabulary_text(size // 2, seed=1) + passage + vocabulary_text(size // 2, seed=2)
    quote = "the model"
    start = text.index(passage) + passage.index(quote)
    end = start + len(quote)
    exact, prefix, suffix = make_quote(text, start, end)
    edited = text[: start - 20] + "rewritten " + text[start - 20 : start] + "the mdel" + text[end:]
    if situation == "edited inside":
        return lambda: reanchor(edited, exact, prefix, suffix, start, end)
    if situation == "deleted":
        deleted = text.replace(passage, "\n")
        return lambda: reanchor(deleted, exact, prefix, suffix, start, end)
    if situation == "context-less":
        moved = start + len("rewritten ")
        return lambda: reanchor(edited, exact, "", "", moved, moved + len(exact))
    sloppy = "asked who trianed "  # the prefix, short and misspelt
    return lambda: reanchor(text, exact, sloppy, "", 0, 0)


@pytest.mark.parametrize("situation", ["edited inside", "deleted", "context-less", "sloppy"])
def test_reanchoring_work_grows_linearly_with_the_text(situation: str) -> None:
    small = function_calls(growth_case(100_000, situation))
    large = function_calls(growth_case(400_000, situation))
    assert small > 100  # it did look
    # Four times the text (and four times the repeats of the quote): about four times the
    # work; a scan per repeat would be sixteen.
    assert large <= 5 * small, (small, large)
