"""Quote/position anchors for highlights, and finding them again after a document changes.

A highlight stores the W3C Web Annotation TextQuoteSelector (`exact` with up to
CONTEXT_CHARS of `prefix` and `suffix`) and TextPositionSelector (`start`, `end`).
When the document's text changes, `reanchor` looks for the quote again, cheapest first:

1. the exact quote, with its context, at its old offsets: ANCHORED (three slice compares);
2. the exact quote elsewhere (a `str.find` loop), choosing among repeats by how well the
   surrounding text matches `prefix`/`suffix`, then by nearness to the old offsets: MOVED
   (unless only one side of the context matches there, and the quote edited in place
   still has both: CHANGED);
3. an approximate match: first where the old offsets point and where the ends of the
   context still are nearby, then by rapidfuzz alignment in a window around the old
   offsets, then around places where pieces of the quote or its context still occur:
   CHANGED;
4. a repeat of the exact quote that its context singles out (see below): MOVED;
5. otherwise ORPHANED, with the old offsets untouched.

Confidence. A found place gets `score = min(quote similarity, context evidence)`, and is
accepted only when `score >= ACCEPT_SCORE` (0.8). The quote similarity is rapidfuzz's Indel
ratio (`fuzz.ratio / 100`), so a CHANGED match shares at least 80% of its characters with
the original quote: about one word in a short sentence, a few words in a paragraph. Below
that, the passage was rewritten rather than edited, and a user is better served by an
orphan that shows its original quote than by a highlight on a different sentence.

The context evidence is why a short or approximate quote is never attached to a lookalike:
the better-preserved side of the context (`prefix` before, or `suffix` after) must be at
least `_required_context(...)` similar, by edits counted from the quote outwards (see
`_context_similarity`), or KEPT_CONTEXT_CHARS of it must be unchanged next to the quote,
both sides together (`_kept_context`: edits a little way off on both sides). A typo, a
hyphen or a missing letter costs one edit, so a small edit on either side never costs a
highlight; a passage that was deleted leaves repeats or lookalikes elsewhere whose
surroundings are unrelated (typically 0.2 similar), which are refused. An exact quote of
SELF_EVIDENT_CHARS or more identifies its passage by itself.

Selectors from elsewhere (imports, other annotators) may carry less. A context recorded on
one side only, or short and sloppy, may match no repeat of the quote well enough on its own
and still single one out: the repeat whose context is far more similar than every other
repeat's is taken (`_repeat_singled_out`), which is how the Hypothesis client chooses. An
empty prefix means "the start of the text" only for a quote that was at offset 0; at a
later offset it means "not recorded". With no context at all, the recorded position is the
evidence, and only where it points straight at the place (`_score`).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, replace
from os.path import commonprefix

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Indel, LCSseq, Levenshtein

from aiwatch_tui.core.model import AnchorStatus, Highlight

CONTEXT_CHARS = 32

# A found place is accepted when min(quote similarity, context evidence) reaches this.
ACCEPT_SCORE = 0.8
# Context similarities below are 1 - edits / length (see _context_similarity), of the side
# of the context that matches better. Thresholds were chosen on 181 news articles so that,
# against the Indel-ratio rules before them, fewer deleted passages are re-attached to a
# repeat and at least as many edited ones are found (tests/unit/test_anchoring_corpus.py).
# An exact quote at least this long needs no context to be trusted ...
SELF_EVIDENT_CHARS = 32
# ... a shorter one needs this much.
EXACT_QUOTE_CONTEXT = 0.85
# A repeat of the exact quote whose context is at least STANDOUT_CONTEXT similar and
# STANDOUT_LEAD more similar than any other repeat's is the one (see _repeat_singled_out).
STANDOUT_CONTEXT = 0.5
STANDOUT_LEAD = 0.35
# Context an approximate quote needs: a short one FUZZY_SHORT_CONTEXT, one of
# LONG_QUOTE_CHARS or more only FUZZY_LONG_CONTEXT, since the quote itself then carries
# much of the evidence.
FUZZY_SHORT_CONTEXT = 0.8
FUZZY_LONG_CONTEXT = 0.6
LONG_QUOTE_CHARS = 64
# No threshold is lower: a context less similar than this is evidence of nothing.
IRRELEVANT_CONTEXT = min(STANDOUT_CONTEXT, FUZZY_LONG_CONTEXT, EXACT_QUOTE_CONTEXT)
# Letters of context unchanged next to the quote (both sides together) that identify the
# place as well as a context that meets the requirement (see _kept_context).
KEPT_CONTEXT_CHARS = 24
# White space (at most this much) between the quote and a context recorded without it.
MAX_SPACE_GAP = 2
# With no context recorded, a place where the position points may differ from the quote by
# one edit per this many characters (a one-letter slip in a short quote, none in a word).
CHARS_PER_EDIT_AT_POSITION = 8
# How far past the quote (each side, at least) the first approximate search looks.
LOCAL_WINDOW_CHARS = 512
# Texts up to this size are also aligned as a whole (a few milliseconds at most).
WHOLE_TEXT_SCAN_CHARS = 100_000
# Scoring context for every repeat of a very common quote costs microseconds each; past this
# many repeats only the nearest ones and those keeping one side of their context are scored.
MAX_EXACT_CANDIDATES = 2_000
# The last (first) characters of the prefix (suffix) that place an edited quote near its old
# offsets (see _spans_within_context), if that many of them are not white space; and how
# many such places, nearest first, are tried.
CONTEXT_END_CHARS = 8
MIN_CONTEXT_END_CHARS = 4
CONTEXT_END_PLACES = 4
# Seeds: pieces of the quote and of its context searched for in the whole text.
SEED_MIN_CHARS = 6
SEEDS_PER_STRING = 6
SEED_MAX_HITS = 32  # a piece found more often than this says nothing about where the quote is
MAX_SEED_WINDOWS = 12
# A same-length window below this similarity cannot become an accepted match by moving its
# ends (an 0.8 match always has an equal-length window of at least about 0.67).
ROUGH_SIMILARITY_FLOOR = 0.6
MAX_BOUNDARY_SHIFT = 256
# rapidfuzz's optimal (and fast) alignment handles needles up to this long.
ALIGN_CHARS = 64
# Nearness to the old offsets only breaks ties between equally good contexts.
NEARNESS_WEIGHT = 0.01


@dataclass(frozen=True, slots=True)
class Anchor:
    """Where a quote was found in a text; `score` is the confidence (0..1).

    For ORPHANED, `start`/`end` are the old offsets (they may not fit the new text) and
    `score` is the best confidence seen, below ACCEPT_SCORE.
    """

    start: int
    end: int
    status: AnchorStatus
    score: float


@dataclass(frozen=True, slots=True)
class _Match:
    start: int
    end: int
    quote_similarity: float
    context_before: float
    context_after: float
    score: float
    rank: float


def make_quote(text: str, start: int, end: int) -> tuple[str, str, str]:
    """The TextQuoteSelector (exact, prefix, suffix) of `text[start:end]`."""
    start = max(0, min(start, len(text)))
    end = max(start, min(end, len(text)))
    prefix = text[max(0, start - CONTEXT_CHARS) : start]
    suffix = text[end : end + CONTEXT_CHARS]
    return text[start:end], prefix, suffix


def reanchor(text: str, exact: str, prefix: str, suffix: str, start: int, end: int) -> Anchor:
    """Find the quote `exact` (made at `start`..`end` of an older text) again in `text`."""
    if not exact:
        return Anchor(start, end, AnchorStatus.ORPHANED, 0.0)
    if _quote_in_place(text, exact, prefix, suffix, start, end):
        return Anchor(start, end, AnchorStatus.ANCHORED, 1.0)
    positions, every_repeat = _exact_candidates(text, exact, prefix, suffix, start)
    repeats = [
        _score(text, exact, prefix, suffix, position, position + len(exact), start)
        for position in positions
    ]
    # Every place scored, accepted or not: the best rejected score is reported for orphans.
    scored = list(repeats)
    seen: set[tuple[int, int]] = set()
    best = _best_accepted(scored)
    in_doubt = (
        best is not None
        and min(len(prefix), len(suffix)) >= CONTEXT_END_CHARS
        and not _context_on_both_sides(best)
    )
    if best is None or in_doubt:
        near: list[_Match] = []
        _score_near_old_place(text, exact, prefix, suffix, start, end, near, seen)
        scored += near
        if best is None:
            best = _best_accepted(near)
        else:
            # A repeat whose context matches on one side only loses to the quote edited in
            # place with its context on both sides, if that is there (and is not this very
            # repeat with a few letters inserted beside it, which is where it moved). A few
            # letters of context, near an edge of the text, are too little to say so.
            repeat = best
            in_place = [
                m
                for m in near
                if _context_on_both_sides(m) and (m.end <= repeat.start or repeat.end <= m.start)
            ]
            best = _best_accepted(in_place) or repeat
    if best is None:
        best = _find_approximate(text, exact, prefix, suffix, start, end, scored, seen)
    # Last, as the weakest evidence: an edited passage whose context holds beats a repeat
    # that is only the likeliest of several.
    if best is None and every_repeat:
        best = _repeat_singled_out(text, repeats, prefix, suffix)
    if best is None:
        return Anchor(start, end, AnchorStatus.ORPHANED, _best_score(scored))
    return Anchor(best.start, best.end, _status(text, exact, best, start, end), best.score)


def reanchor_highlight(text: str, text_hash: str, h: Highlight) -> Highlight:
    """`h` anchored in `text` (whose sha256 is `text_hash`); the quote and context are kept.

    A found highlight gets the new offsets, status and `doc_hash` (its offsets now point
    into this text). An orphan keeps its old offsets and `doc_hash`, so that it can be found
    again exactly if the text comes back. `modified` is not touched: re-anchoring is not an
    edit by the user. Returns `h` itself when nothing changed.
    """
    if h.doc_hash == text_hash and _already_resolved(text, h):
        return h
    anchor = reanchor(text, h.exact, h.prefix, h.suffix, h.start, h.end)
    if anchor.status is AnchorStatus.ORPHANED:
        return h if h.status is AnchorStatus.ORPHANED else replace(h, status=anchor.status)
    found = replace(h, start=anchor.start, end=anchor.end, status=anchor.status, doc_hash=text_hash)
    return h if found == h else found


def _already_resolved(text: str, h: Highlight) -> bool:
    """True when `h` was anchored against this very text and its offsets still hold."""
    if not 0 <= h.start <= h.end <= len(text):
        return False
    if h.status is AnchorStatus.CHANGED:
        return True
    if h.status is AnchorStatus.ORPHANED:
        return False
    return text[h.start : h.end] == h.exact


def _quote_in_place(text: str, exact: str, prefix: str, suffix: str, start: int, end: int) -> bool:
    # The context is checked too: after an insertion before the quote, another repeat of
    # a short quote may sit at the old offsets.
    if not 0 <= start <= end <= len(text) or text[start:end] != exact:
        return False
    return (
        start >= len(prefix)
        and text[start - len(prefix) : start] == prefix
        and text[end : end + len(suffix)] == suffix
    )


def _occurrences(text: str, needle: str, limit: int | None = None) -> list[int]:
    """Start of every (possibly overlapping) occurrence, at most `limit` of them."""
    found: list[int] = []
    position = text.find(needle)
    while position != -1 and (limit is None or len(found) < limit):
        found.append(position)
        position = text.find(needle, position + 1)
    return found


def _exact_candidates(
    text: str, exact: str, prefix: str, suffix: str, start: int
) -> tuple[list[int], bool]:
    """Repeats of the exact quote worth scoring, and whether that is every repeat."""
    positions = _occurrences(text, exact)
    if len(positions) <= MAX_EXACT_CANDIDATES:
        return positions, True
    nearest = sorted(positions, key=lambda position: abs(position - start))
    # A single edit leaves one side of the context intact; those repeats must be scored.
    keeping_prefix = _occurrences(text, prefix + exact, MAX_EXACT_CANDIDATES)
    keeping_suffix = _occurrences(text, exact + suffix, MAX_EXACT_CANDIDATES)
    chosen = (
        set(nearest[:MAX_EXACT_CANDIDATES])
        | {position + len(prefix) for position in keeping_prefix}
        | set(keeping_suffix)
    )
    return sorted(chosen), False


def _context_similarity(
    text: str, context: str, edge: int, *, before: bool, floor: float = IRRELEVANT_CONTEXT
) -> float:
    """How much of `context` is the text just before (or after) `edge`: 1 - edits / length.

    The alignment is pinned at the quote and free at the far end, so a letter inserted or
    deleted in the context costs one edit instead of misaligning everything beyond it, and a
    typo (one substitution) costs one edit too. Unrelated text scores far lower than by the
    Indel ratio: about 0.2 for 32 characters, rarely 0.5 (measured on 181 news articles).
    White space between the quote and a context recorded without it is not counted.

    Below `floor` the result is only an upper bound, which is cheap: most repeats of a
    common quote have unrelated surroundings, and the share of the context's characters
    found in order nearby (one call) already shows they cannot reach it.
    """
    length = len(context)
    most = int(length * (1.0 - floor))  # more edits than this: below `floor`
    reach = length + most + MAX_SPACE_GAP
    nearby = text[max(0, edge - reach) : edge] if before else text[edge : edge + reach]
    bound = LCSseq.similarity(context, nearby) / length
    if bound < floor:
        return bound
    edits = _pinned_edits(text, context, edge, before=before, most=most)
    near = context[-1] if before else context[0]
    if edits and not near.isspace():
        gap = edge
        step = -1 if before else 1
        while gap != edge + step * MAX_SPACE_GAP and 0 < gap < len(text):
            if not text[gap - 1 if before else gap].isspace():
                break
            gap += step
        if gap != edge:
            edits = min(edits, _pinned_edits(text, context, gap, before=before, most=most))
    return min(bound, 1.0 - edits / length)


def _pinned_edits(text: str, context: str, edge: int, *, before: bool, most: int) -> int:
    """Fewest edits that turn `context` into the text ending (or starting) at `edge`, or
    `most + 1` when that is more than `most`."""
    length = len(context)
    available = edge if before else len(text) - edge
    widest = min(available, length + most)
    near = text[edge - widest : edge] if before else text[edge : edge + widest]
    same = near[-length:] if before else near[:length]
    edits = Levenshtein.distance(context, same, score_cutoff=most + 1)
    # A window `shift` characters longer or shorter costs at least `shift` edits.
    widths = {
        max(0, min(widest, length + shift))
        for size in range(1, min(edits, most + 1))
        for shift in (-size, size)
    }
    widths.discard(len(same))
    if not widths:
        return min(edits, most + 1)
    windows = [near[-width:] if before and width else near[:width] for width in widths]
    # One call aligns them all (in C, giving up on each past the best so far).
    best = process.extractOne(context, windows, scorer=Levenshtein.distance, score_cutoff=edits - 1)
    return min(edits, most + 1) if best is None else int(best[1])


def _kept_context(text: str, prefix: str, suffix: str, start: int, end: int) -> int:
    """How many letters of the context are unchanged next to `text[start:end]`, counted
    outwards from it on each side until the first difference."""
    before = text[max(0, start - len(prefix)) : start]
    kept = len(commonprefix([prefix[::-1], before[::-1]]))
    return kept + len(commonprefix([suffix, text[end : end + len(suffix)]]))


def _required_context(quote_length: int, exact: bool) -> float:
    """The best-side context similarity a place needs before the quote is trusted there."""
    if exact:
        return 0.0 if quote_length >= SELF_EVIDENT_CHARS else EXACT_QUOTE_CONTEXT
    longness = min(1.0, quote_length / LONG_QUOTE_CHARS)
    return FUZZY_SHORT_CONTEXT - (FUZZY_SHORT_CONTEXT - FUZZY_LONG_CONTEXT) * longness


def _score(
    text: str, exact: str, prefix: str, suffix: str, start: int, end: int, old_start: int
) -> _Match:
    found = text[start:end]
    quote_similarity = Indel.normalized_similarity(exact, found)
    # An empty prefix is evidence only for a quote that began the text (old offset 0); at a
    # later offset it says the context was not recorded (a selector from elsewhere), and
    # then an empty suffix does not say "the end of the text" either.
    recorded = bool(prefix) or old_start == 0
    required = _required_context(len(exact), found == exact)
    # Context below what this place needs is told apart no further than that (an upper
    # bound, which is cheap); _repeat_singled_out looks closer where it must.
    floor = max(required, IRRELEVANT_CONTEXT)
    if prefix:
        before = _context_similarity(text, prefix, start, before=True, floor=floor)
    else:
        before = 1.0 if start == 0 == old_start else 0.0
    if suffix:
        after = _context_similarity(text, suffix, end, before=False, floor=floor)
    else:
        after = 1.0 if end == len(text) and recorded else 0.0
    # With no context at all, the recorded position is the only other evidence: it counts
    # where it points straight at the place and the quote there has at most one edit per
    # CHARS_PER_EDIT_AT_POSITION characters (a short common word one letter off the old
    # offset, after an unrelated edit, is a coincidence).
    position = 0.0
    if not prefix and not suffix and start == old_start:
        allowed = len(exact) // CHARS_PER_EDIT_AT_POSITION
        if Levenshtein.distance(exact, found, score_cutoff=allowed) <= allowed:
            position = 1.0
    # An edit a little way from the quote on each side (a paragraph added above, the next
    # sentence deleted) leaves neither side similar enough, but the letters that remain
    # unchanged next to the quote, on both sides together, are as telling.
    kept = 1.0 if _kept_context(text, prefix, suffix, start, end) >= KEPT_CONTEXT_CHARS else 0.0
    # Scaled so that it is ACCEPT_SCORE exactly when the context meets `required`, and 1.0
    # when the context is whole.
    evidence = max(before, after, position, kept)
    if evidence >= required:
        context_evidence = ACCEPT_SCORE + (1.0 - ACCEPT_SCORE) * (evidence - required) / (
            1.0 - required
        )
    else:
        context_evidence = ACCEPT_SCORE * evidence / required
    nearness = 1.0 - min(1.0, abs(start - old_start) / max(1, len(text)))
    return _Match(
        start=start,
        end=end,
        quote_similarity=quote_similarity,
        context_before=before,
        context_after=after,
        score=min(quote_similarity, context_evidence),
        rank=quote_similarity + (before + after) / 2 + NEARNESS_WEIGHT * nearness,
    )


def _context_on_both_sides(match: _Match) -> bool:
    return min(match.context_before, match.context_after) >= EXACT_QUOTE_CONTEXT


def _best_accepted(matches: list[_Match]) -> _Match | None:
    accepted = [match for match in matches if match.score >= ACCEPT_SCORE]
    return max(accepted, key=lambda match: match.rank, default=None)


def _repeat_singled_out(
    text: str, repeats: list[_Match], prefix: str, suffix: str
) -> _Match | None:
    """The repeat of the exact quote whose context is far better than every other's.

    A context too far from the text beside any repeat to be trusted on its own (a short
    context with a typo or two) still tells the repeats apart when one of them matches it
    clearly better than all the others: that one is taken. The context counts as a whole
    (the mean over the sides recorded), so that one side resembling some other sentence by
    chance singles nothing out. With a single repeat there is nothing to tell apart.
    """
    recorded = [
        (context, before) for context, before in ((prefix, True), (suffix, False)) if context
    ]
    if len(repeats) < 2 or not recorded:
        return None

    def similarity(match: _Match, floor: float | None) -> float:
        """The mean over the recorded sides: as scored (None), or again with `floor`."""
        values = []
        for context, before in recorded:
            if floor is None:
                values.append(match.context_before if before else match.context_after)
            else:
                edge = match.start if before else match.end
                values.append(_context_similarity(text, context, edge, before=before, floor=floor))
        return sum(values) / len(values)

    # Best first by upper bound; a repeat is looked at closer, as far as it matters, only
    # when it comes first: for first place, down to STANDOUT_CONTEXT, then exactly; for
    # second, down to the first's similarity less STANDOUT_LEAD. Rarely more than a few.
    as_scored = 2.0  # the floor of a similarity as scored: higher than any other
    queue = [(-similarity(match, None), number, as_scored) for number, match in enumerate(repeats)]
    heapq.heapify(queue)
    first: tuple[float, _Match] | None = None
    second = 0.0
    while queue:
        negative, number, floor = heapq.heappop(queue)
        value, match = -negative, repeats[number]
        if first is None:
            if value < STANDOUT_CONTEXT:
                return None  # the highest bound of all is too low
            if floor > 0.0:
                closer = STANDOUT_CONTEXT if floor == as_scored else 0.0
                heapq.heappush(queue, (-similarity(match, closer), number, closer))
            else:
                first = (value, match)
            continue
        threshold = first[0] - STANDOUT_LEAD
        if value <= threshold:
            second = value  # an upper bound of every other repeat's similarity
            break
        if floor > threshold:
            closer = max(0.0, threshold)
            heapq.heappush(queue, (-similarity(match, closer), number, closer))
            continue
        return None  # another repeat is (or may be) nearly as similar
    if first is None:
        return None
    lead = first[0] - second
    return replace(first[1], score=min(1.0, ACCEPT_SCORE + lead - STANDOUT_LEAD))


def _best_score(matches: list[_Match]) -> float:
    return max((match.score for match in matches), default=0.0)


def _status(text: str, exact: str, match: _Match, old_start: int, old_end: int) -> AnchorStatus:
    if text[match.start : match.end] != exact:
        return AnchorStatus.CHANGED
    if (match.start, match.end) == (old_start, old_end):
        return AnchorStatus.ANCHORED
    return AnchorStatus.MOVED


def _score_near_old_place(
    text: str,
    exact: str,
    prefix: str,
    suffix: str,
    start: int,
    end: int,
    scored: list[_Match],
    seen: set[tuple[int, int]],
) -> None:
    """Score the places an edit inside the quote leaves it at: where the position points,
    and where the ends of its context still are nearby. Cheap, and found before any
    alignment, which can be drawn to a lookalike that resembles the quote more than its
    edited self does."""
    if 0 <= start < len(text):
        rough = (start, min(len(text), start + len(exact)))
        if prefix or suffix:
            _score_rough(text, exact, prefix, suffix, start, rough, seen, scored)
        else:
            # A context-less selector trusts no other place (see _score): its start stays.
            reach = min(len(exact) // 2 + 4, MAX_BOUNDARY_SHIFT)
            found_end = _best_end_position(text, exact, *rough, reach, moving_start=False)
            seen.add((start, found_end))
            scored.append(_score(text, exact, prefix, suffix, start, found_end, start))
    reach = max(len(exact), LOCAL_WINDOW_CHARS)
    for rough in _spans_within_context(
        text, exact, prefix, suffix, start, start - reach, end + reach
    ):
        _score_rough(text, exact, prefix, suffix, start, rough, seen, scored)


def _find_approximate(
    text: str,
    exact: str,
    prefix: str,
    suffix: str,
    start: int,
    end: int,
    scored: list[_Match],
    seen: set[tuple[int, int]],
) -> _Match | None:
    """The best accepted approximate match found by alignment (the places near the old
    ones are scored already); every place it scores is added to `scored`."""
    reach = max(len(exact), LOCAL_WINDOW_CHARS)
    for rough in _rough_spans(text, exact, start - reach, end + reach):
        _score_rough(text, exact, prefix, suffix, start, rough, seen, scored)
    best = _best_accepted(scored)
    if best is not None:
        return best
    windows = _seed_windows(text, exact, prefix, suffix, start)
    if len(text) <= WHOLE_TEXT_SCAN_CHARS:
        windows.append((0, len(text)))
    for low, high in windows:
        for rough in _rough_spans(text, exact, low, high):
            _score_rough(text, exact, prefix, suffix, start, rough, seen, scored)
    return _best_accepted(scored)


def _spans_within_context(
    text: str, exact: str, prefix: str, suffix: str, old_start: int, low: int, high: int
) -> list[tuple[int, int]]:
    """Rough places for the quote in `text[low:high]`: just after the end of its prefix, or
    just before the start of its suffix, wherever those still occur there (nearest the old
    offsets first). An edit inside the quote leaves them where they were."""
    low, high = max(0, low), min(len(text), high)
    window = text[low:high]
    spans: list[tuple[int, int]] = []
    tail, head = prefix[-CONTEXT_END_CHARS:], suffix[:CONTEXT_END_CHARS]
    if len(tail.strip()) >= MIN_CONTEXT_END_CHARS:
        found = [low + at + len(tail) for at in _occurrences(window, tail, SEED_MAX_HITS)]
        found.sort(key=lambda at: abs(at - old_start))
        spans += [(at, min(len(text), at + len(exact))) for at in found[:CONTEXT_END_PLACES]]
    if len(head.strip()) >= MIN_CONTEXT_END_CHARS:
        found = [low + at for at in _occurrences(window, head, SEED_MAX_HITS)]
        found.sort(key=lambda at: abs(at - len(exact) - old_start))
        spans += [(max(0, at - len(exact)), at) for at in found[:CONTEXT_END_PLACES]]
    return spans


def _score_rough(
    text: str,
    exact: str,
    prefix: str,
    suffix: str,
    old_start: int,
    rough: tuple[int, int],
    seen: set[tuple[int, int]],
    matches: list[_Match],
) -> None:
    if rough in seen:
        return
    seen.add(rough)
    similarity = Indel.normalized_similarity(exact, text[rough[0] : rough[1]])
    if similarity < ROUGH_SIMILARITY_FLOOR:
        return
    start, end = _refine_bounds(text, exact, rough[0], rough[1])
    matches.append(_score(text, exact, prefix, suffix, start, end, old_start))


def _rough_spans(text: str, exact: str, low: int, high: int) -> list[tuple[int, int]]:
    """Places in `text[low:high]` that may hold the quote, with rough ends.

    rapidfuzz aligns a needle of up to 64 characters optimally and fast; a longer needle
    costs tens of milliseconds per call whatever the window, so a long quote is placed by
    its first and last ALIGN_CHARS instead (an edit in the middle leaves both intact).
    """
    if len(exact) <= ALIGN_CHARS:
        head = _align(text, exact, low, high)
        return [] if head is None else [head]
    length = len(exact)
    spans: list[tuple[int, int]] = []
    head = _align(text, exact[:ALIGN_CHARS], low, high)
    tail = _align(text, exact[-ALIGN_CHARS:], low, high)
    if head is not None:
        spans.append((head[0], min(len(text), head[0] + length)))
    if tail is not None:
        spans.append((max(0, tail[1] - length), tail[1]))
    if head is not None and tail is not None and head[0] < tail[1]:
        spans.append((head[0], tail[1]))
    return spans


def _align(text: str, needle: str, low: int, high: int) -> tuple[int, int] | None:
    """The place in `text[low:high]` most like `needle` (as long as it), if any is close."""
    low, high = max(0, low), min(len(text), high)
    if low >= high:
        return None
    alignment = fuzz.partial_ratio_alignment(
        needle, text[low:high], score_cutoff=ROUGH_SIMILARITY_FLOOR * 100
    )
    if alignment is None:
        return None
    # With a window shorter than the needle, the roles swap and the whole window is the match.
    return low + alignment.dest_start, low + alignment.dest_end


def _refine_bounds(text: str, exact: str, start: int, end: int) -> tuple[int, int]:
    """Move the ends of a same-length alignment to where the quote really starts and ends.

    Insertions or deletions inside the quote make the match longer or shorter than the
    quote; one pass over each end at a time (twice) finds them without a 2-D search.
    """
    reach = min(len(exact) // 2 + 4, MAX_BOUNDARY_SHIFT)
    for _ in range(2):
        before = (start, end)
        start = _best_end_position(text, exact, start, end, reach, moving_start=True)
        end = _best_end_position(text, exact, start, end, reach, moving_start=False)
        if (start, end) == before:
            break
    return start, end


def _best_end_position(
    text: str, exact: str, start: int, end: int, reach: int, *, moving_start: bool
) -> int:
    """Where one end of `text[start:end]` goes (within `reach`) for the fewest edits from
    `exact`. Edits rather than the Indel ratio: a letter replaced at the quote's last place
    then stays in the highlight instead of being cut off."""
    current = start if moving_start else end
    low, high = (max(0, start - reach), end - 1) if moving_start else (start + 1, len(text))
    low, high = max(low, current - reach), min(high, current + reach)
    best_position = current
    best_edits = Levenshtein.distance(exact, text[start:end])
    # Nearest first, replaced only by a strictly better one: ties keep the smaller move.
    for shift in range(1, reach + 1):
        for position in (current - shift, current + shift):
            if not low <= position <= high:
                continue
            span_length = end - position if moving_start else position - start
            if abs(span_length - len(exact)) >= best_edits:
                continue  # a length difference alone costs that many edits
            span = text[position:end] if moving_start else text[start:position]
            # The cutoff lets rapidfuzz give up early on a worse span.
            edits = Levenshtein.distance(exact, span, score_cutoff=best_edits - 1)
            if edits < best_edits:
                best_position, best_edits = position, edits
    return best_position


def _seed_windows(
    text: str, exact: str, prefix: str, suffix: str, old_start: int
) -> list[tuple[int, int]]:
    """Windows around places where pieces of the quote or its context still occur."""
    estimates: list[tuple[int, int]] = []  # (estimated quote start, seed number)
    for seed_number, (piece, offset) in enumerate(_seeds(exact, prefix, suffix)):
        hits = _occurrences(text, piece, SEED_MAX_HITS + 1)
        if len(hits) <= SEED_MAX_HITS:
            estimates.extend((hit + offset, seed_number) for hit in hits)
    clusters = _cluster(sorted(estimates), gap=len(exact) // 2 + 16)
    # Most distinct seeds agreeing first, then nearest to where the quote was.
    clusters.sort(key=lambda c: (-len({seed for _, seed in c}), abs(c[0][0] - old_start)))
    slack = len(exact) // 2 + CONTEXT_CHARS
    return [
        (cluster[0][0] - slack, cluster[-1][0] + len(exact) + slack)
        for cluster in clusters[:MAX_SEED_WINDOWS]
    ]


def _seeds(exact: str, prefix: str, suffix: str) -> list[tuple[str, int]]:
    """(piece, offset from where the piece is found to where the quote would start)."""
    seeds = [(piece, -at) for at, piece in _pieces(exact)]
    seeds += [(piece, len(prefix) - at) for at, piece in _pieces(prefix)]
    seeds += [(piece, -len(exact) - at) for at, piece in _pieces(suffix)]
    return seeds


def _pieces(source: str) -> list[tuple[int, str]]:
    count = min(SEEDS_PER_STRING, len(source) // SEED_MIN_CHARS)
    if count == 0:
        return []
    size = len(source) // count
    return [(at, source[at : at + size]) for at in range(0, size * count, size)]


def _cluster(estimates: list[tuple[int, int]], gap: int) -> list[list[tuple[int, int]]]:
    clusters: list[list[tuple[int, int]]] = []
    for estimate in estimates:
        if clusters and estimate[0] - clusters[-1][-1][0] <= gap:
            clusters[-1].append(estimate)
        else:
            clusters.append([estimate])
    return clusters
