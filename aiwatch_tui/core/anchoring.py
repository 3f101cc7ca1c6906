"""Quote/position anchors for highlights, and finding them again after a document changes.

A highlight stores the W3C Web Annotation TextQuoteSelector (`exact` with up to
CONTEXT_CHARS of `prefix` and `suffix`) and TextPositionSelector (`start`, `end`).
When the document's text changes, `reanchor` looks for the quote again, cheapest first:

1. the exact quote, with its context, at its old offsets: ANCHORED (three slice compares);
2. the exact quote elsewhere (a `str.find` loop), choosing among repeats by how well the
   surrounding text matches `prefix`/`suffix`, then by nearness to the old offsets: MOVED;
3. an approximate match (rapidfuzz alignment), first in a window around the old offsets,
   then around places where pieces of the quote or its context still occur: CHANGED;
4. otherwise ORPHANED, with the old offsets untouched.

Confidence. A found place gets `score = min(quote similarity, context evidence)`, and is
accepted only when `score >= ACCEPT_SCORE` (0.8). The quote similarity is rapidfuzz's Indel
ratio (`fuzz.ratio / 100`), so a CHANGED match shares at least 80% of its characters with
the original quote: about one word in a short sentence, a few words in a paragraph. Below
that, the passage was rewritten rather than edited, and a user is better served by an
orphan that shows its original quote than by a highlight on a different sentence.

The context evidence is why a short or approximate quote is never attached to a lookalike:
the better-preserved side of the context (`prefix` before, or `suffix` after) must be at
least `_required_context(...)` similar. A single edit outside the quote always leaves one
side intact (similarity 1.0), so it never costs a highlight; a passage that was deleted
leaves a lookalike elsewhere with unrelated surroundings (typically 0.3-0.5 similar), which
is refused. An exact quote of SELF_EVIDENT_CHARS or more identifies its passage by itself.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

from aiwatch_tui.core.model import AnchorStatus, Highlight

CONTEXT_CHARS = 32

# A found place is accepted when min(quote similarity, context evidence) reaches this.
ACCEPT_SCORE = 0.8
# An exact quote at least this long needs no context to be trusted.
SELF_EVIDENT_CHARS = 32
# Context (best side) an approximate quote needs: a short one almost all of ACCEPT_SCORE,
# one of LONG_QUOTE_CHARS or more only FUZZY_LONG_CONTEXT, since the quote itself then
# carries much of the evidence.
FUZZY_LONG_CONTEXT = 0.6
LONG_QUOTE_CHARS = 64
# How far past the quote (each side, at least) the first approximate search looks.
LOCAL_WINDOW_CHARS = 512
# Texts up to this size are also aligned as a whole (a few milliseconds at most).
WHOLE_TEXT_SCAN_CHARS = 100_000
# Scoring context for every repeat of a very common quote costs microseconds each; past this
# many repeats only the nearest ones and those keeping one side of their context are scored.
MAX_EXACT_CANDIDATES = 2_000
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
    # Every place scored, accepted or not: the best rejected score is reported for orphans.
    scored = [
        _score(text, exact, prefix, suffix, position, position + len(exact), start)
        for position in _exact_candidates(text, exact, prefix, suffix, start)
    ]
    best = _best_accepted(scored)
    if best is None:
        best = _find_approximate(text, exact, prefix, suffix, start, end, scored)
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


def _exact_candidates(text: str, exact: str, prefix: str, suffix: str, start: int) -> list[int]:
    positions = _occurrences(text, exact)
    if len(positions) <= MAX_EXACT_CANDIDATES:
        return positions
    nearest = sorted(positions, key=lambda position: abs(position - start))
    # A single edit leaves one side of the context intact; those repeats must be scored.
    keeping_prefix = _occurrences(text, prefix + exact, MAX_EXACT_CANDIDATES)
    keeping_suffix = _occurrences(text, exact + suffix, MAX_EXACT_CANDIDATES)
    return sorted(
        set(nearest[:MAX_EXACT_CANDIDATES])
        | {position + len(prefix) for position in keeping_prefix}
        | set(keeping_suffix)
    )


def _context_similarity(text: str, context: str, start: int, end: int, at_edge: bool) -> float:
    """How much `text[start:end]` resembles `context`.

    An empty context means the quote was at the start (or end) of the text, which a new
    place matches only if it is there too (`at_edge`).
    """
    if not context:
        return 1.0 if at_edge else 0.0
    return Indel.normalized_similarity(context, text[max(0, start) : end])


def _required_context(quote_length: int, exact: bool) -> float:
    """The best-side context similarity a place needs before the quote is trusted there."""
    if exact and quote_length >= SELF_EVIDENT_CHARS:
        return 0.0
    longness = min(1.0, quote_length / LONG_QUOTE_CHARS)
    return ACCEPT_SCORE - (ACCEPT_SCORE - FUZZY_LONG_CONTEXT) * longness


def _score(
    text: str, exact: str, prefix: str, suffix: str, start: int, end: int, old_start: int
) -> _Match:
    found = text[start:end]
    quote_similarity = Indel.normalized_similarity(exact, found)
    before = _context_similarity(text, prefix, start - len(prefix), start, start == 0)
    after = _context_similarity(text, suffix, end, end + len(suffix), end == len(text))
    required = _required_context(len(exact), found == exact)
    # Shifted so that it reaches ACCEPT_SCORE exactly when the context meets `required`.
    context_evidence = min(1.0, max(before, after) + ACCEPT_SCORE - required)
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


def _best_accepted(matches: list[_Match]) -> _Match | None:
    accepted = [match for match in matches if match.score >= ACCEPT_SCORE]
    return max(accepted, key=lambda match: match.rank, default=None)


def _best_score(matches: list[_Match]) -> float:
    return max((match.score for match in matches), default=0.0)


def _status(text: str, exact: str, match: _Match, old_start: int, old_end: int) -> AnchorStatus:
    if text[match.start : match.end] != exact:
        return AnchorStatus.CHANGED
    if (match.start, match.end) == (old_start, old_end):
        return AnchorStatus.ANCHORED
    return AnchorStatus.MOVED


def _find_approximate(
    text: str,
    exact: str,
    prefix: str,
    suffix: str,
    start: int,
    end: int,
    scored: list[_Match],
) -> _Match | None:
    """The best accepted approximate match; every place it scores is added to `scored`."""
    seen: set[tuple[int, int]] = set()
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
    current = start if moving_start else end
    low, high = (max(0, start - reach), end - 1) if moving_start else (start + 1, len(text))
    low, high = max(low, current - reach), min(high, current + reach)
    best_position = current
    best_similarity = Indel.normalized_similarity(exact, text[start:end])
    # Nearest first, replaced only by a strictly better one: ties keep the smaller move.
    for shift in range(1, reach + 1):
        for position in (current - shift, current + shift):
            if not low <= position <= high:
                continue
            span = text[position:end] if moving_start else text[start:position]
            # The cutoff lets rapidfuzz give up early on a worse span (it then returns 0).
            similarity = Indel.normalized_similarity(exact, span, score_cutoff=best_similarity)
            if similarity > best_similarity:
                best_position, best_similarity = position, similarity
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
