"""Fuzzy ranking for the palette: fzf's query syntax, scored with rapidfuzz.

A query is space-separated terms that must all match (fzf's syntax):

    word     fuzzy: the word itself, a typo of it, or its letters in order
    'word    exact substring
    ^word    the candidate starts with it
    word$    the candidate ends with it
    !word    the candidate must not contain it (also !^word, !word$, !'word)

Smart case: a term is case-insensitive unless it has an uppercase letter. A backslash keeps
a space inside a term ("new\\ york"). A term that is only an operator ("!", "^", "$")
is taken literally.

Ranking 100,000 candidates in a few tens of milliseconds needs care, because scoring every
candidate with a fine scorer costs 0.1-0.4 s in rapidfuzz. So each term first narrows the
candidates cheaply, in C where possible:
  1. an exact substring scan of the case-folded texts;
  2. for terms of five or more characters, words of the candidates' vocabulary within one or
     two typos of the term (rapidfuzz over the vocabulary, not over the candidates), whose
     posting lists give the candidates containing them;
  3. only when 1 and 2 find fewer candidates than a page, fzf-style scattered matches (the
     term's letters in order), found by rapidfuzz's LCS in C.
The survivors, at most `MAX_SCORED` of them (the strongest kinds of match and the shortest
candidates first), are then scored finely and the best `limit` returned.
"""

from __future__ import annotations

import heapq
import itertools
import re
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from rapidfuzz import fuzz, process
from rapidfuzz.distance import LCSseq

# Candidates scored finely per query; the rest are cut by match kind and length.
MAX_SCORED = 2000
# Terms this long or longer are looked up with typos through the vocabulary.
MIN_TYPO_TERM = 5
# Words shorter than this are not worth a posting list: no typo lookup can reach them.
MIN_INDEXED_WORD = MIN_TYPO_TERM - 1

# Score scale. Any exact match outscores any typo match, which outscores scattered letters;
# bonuses and the length penalty stay inside those bands.
EXACT_SCORE = 100.0
PREFIX_BONUS = 15.0
WORD_START_BONUS = 10.0
WORD_END_BONUS = 5.0
TYPO_WEIGHT = 0.7  # times rapidfuzz's 0-100 similarity: at most 70 (+ word start bonus)
SCATTERED_SCORE = 40.0
MAX_LENGTH_PENALTY = 10.0

# Kinds of match of a term, best first.
_EXACT, _TYPO, _SCATTERED = range(3)

_WORD = re.compile(rf"\w{{{MIN_INDEXED_WORD},}}")
_TERM_SEPARATOR = re.compile(r"(?<!\\)\s+")


class TermKind(StrEnum):
    FUZZY = "fuzzy"
    EXACT = "exact"  # 'word, and every negated plain term (fzf's !word is exact)
    PREFIX = "prefix"  # ^word
    SUFFIX = "suffix"  # word$
    EQUAL = "equal"  # ^word$


@dataclass(frozen=True, slots=True)
class Term:
    text: str  # as typed, without its operators
    kind: TermKind = TermKind.FUZZY
    negated: bool = False
    case_sensitive: bool = False
    # What to look for: `text`, case-folded unless smart case made the term case-sensitive.
    needle: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "needle", self.text if self.case_sensitive else fold(self.text))


@dataclass(frozen=True, slots=True)
class Query:
    terms: tuple[Term, ...] = ()

    @property
    def positive(self) -> tuple[Term, ...]:
        return tuple(t for t in self.terms if not t.negated)

    @property
    def negative(self) -> tuple[Term, ...]:
        return tuple(t for t in self.terms if t.negated)

    @property
    def is_empty(self) -> bool:
        return not self.terms


@dataclass(frozen=True, slots=True)
class Hit:
    index: int  # into the texts the index was built from
    score: float  # higher is better; only comparable within one query
    positions: tuple[int, ...]  # matched character indices in that text, ascending


def fold(text: str) -> str:
    """Lowercase `text` keeping its length, so positions found in it hold in the original."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    # A few characters lowercase to two ("İ" -> "i̇"); those keep their case.
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def parse_query(query: str) -> Query:
    terms = [_parse_term(raw) for raw in _TERM_SEPARATOR.split(query.strip()) if raw]
    return Query(tuple(terms))


def _parse_term(raw: str) -> Term:
    text = raw.replace("\\ ", " ")
    negated = len(text) > 1 and text.startswith("!")
    if negated:
        text = text[1:]
    exact = prefix = suffix = False
    if len(text) > 1 and text.startswith("'"):
        exact, text = True, text[1:]
    elif len(text) > 1 and text.startswith("^"):
        prefix, text = True, text[1:]
    if len(text) > 1 and text.endswith("$") and not text.endswith("\\$"):
        suffix, text = True, text[:-1]
    elif text.endswith("\\$"):
        text = text[:-2] + "$"
    if prefix and suffix:
        kind = TermKind.EQUAL
    elif prefix:
        kind = TermKind.PREFIX
    elif suffix:
        kind = TermKind.SUFFIX
    elif exact or negated:
        kind = TermKind.EXACT
    else:
        kind = TermKind.FUZZY
    case_sensitive = any(c.isupper() for c in text)
    return Term(text, kind, negated, case_sensitive)


def typo_allowance(length: int) -> int:
    """How many typos a fuzzy term of this many characters may carry and still match."""
    if length < MIN_TYPO_TERM:
        return 0
    return 1 if length < 8 else 2


def _typo_cutoff(length: int) -> float:
    # rapidfuzz's ratio is 100 * (1 - indel_distance / (2 * length)); a substitution or a
    # transposition is two indel operations, so each typo costs 100 / length.
    # Half a point of slack: process.extract rounds a cutoff of exactly 83.33 upwards.
    return 100.0 * (1.0 - typo_allowance(length) / length) - 0.5


def _is_word_start(text: str, pos: int) -> bool:
    return pos == 0 or not text[pos - 1].isalnum()


def _is_word_end(text: str, end: int) -> bool:
    return end >= len(text) or not text[end].isalnum()


def _length_penalty(length: int) -> float:
    # Smooth and bounded: a 40-character title loses ~3, a 200-character quote ~7.
    return MAX_LENGTH_PENALTY * length / (length + 100)


class FuzzyIndex:
    """Candidate texts prepared once (folded copies, a word index) for repeated searching.

    Immutable after construction, so one index may serve searches from several threads.
    """

    def __init__(self, texts: Sequence[str]) -> None:
        self._texts = list(texts)
        # Internally candidates are numbered by length ("rank"), shortest first, so any list
        # of ranks in ascending order is also shortest-first: that is the tie-break we want.
        self._order = sorted(range(len(self._texts)), key=lambda i: len(self._texts[i]))
        self._by_rank = [self._texts[i] for i in self._order]
        self._folded_by_rank = [fold(t) for t in self._by_rank]
        self._rank_of = [0] * len(self._order)
        for rank, index in enumerate(self._order):
            self._rank_of[index] = rank
        self._postings = self._index_words(self._folded_by_rank)
        self._vocabulary = sorted(self._postings, key=len, reverse=True)
        self._vocabulary_lengths = [len(w) for w in reversed(self._vocabulary)]

    def __len__(self) -> int:
        return len(self._texts)

    @staticmethod
    def _index_words(folded: Sequence[str]) -> dict[str, list[int]]:
        postings: dict[str, list[int]] = {}
        for rank, text in enumerate(folded):
            for word in set(_WORD.findall(text)):
                postings.setdefault(word, []).append(rank)
        return postings

    def search(
        self,
        query: str | Query,
        limit: int = 50,
        cancelled: Callable[[], bool] | None = None,
    ) -> list[Hit]:
        """The best `limit` candidates for `query`, best first; [] once `cancelled()` is true."""
        parsed = parse_query(query) if isinstance(query, str) else query
        is_cancelled = cancelled or (lambda: False)
        if not parsed.positive:
            return self._unranked(parsed.negative, limit)
        matches = self._survivors(parsed, limit, is_cancelled)
        if matches is None or is_cancelled():
            return []
        scored = self._score(parsed.positive, matches, limit, is_cancelled)
        if scored is None:
            return []
        return [
            Hit(self._order[rank], score, positions(parsed, self._by_rank[rank]))
            for score, rank in scored
        ]

    def _unranked(self, negative: Sequence[Term], limit: int) -> list[Hit]:
        hits: list[Hit] = []
        for index in range(len(self._texts)):
            if len(hits) >= limit:
                break
            rank = self._rank_of[index]
            if not any(self._excludes(term, rank) for term in negative):
                hits.append(Hit(index, 0.0, ()))
        return hits

    def _excludes(self, term: Term, rank: int) -> bool:
        texts = self._by_rank if term.case_sensitive else self._folded_by_rank
        return _matches_exactly(term.kind, term.needle, texts[rank])

    def _survivors(
        self, query: Query, limit: int, cancelled: Callable[[], bool]
    ) -> list[tuple[int, tuple[int, ...]]] | None:
        """(rank, match kind per positive term) for at most MAX_SCORED candidates."""
        positive = query.positive
        # Cheap, selective terms first, so later terms scan only what is left.
        order = sorted(
            range(len(positive)),
            key=lambda n: (positive[n].kind is TermKind.FUZZY, -len(positive[n].text)),
        )
        weak_by_term: list[dict[int, int]] = [{} for _ in positive]
        pool: list[int] | None = None
        for n in order:
            exact, weak = self._match(positive[n], pool, limit)
            if cancelled():
                return None
            weak_by_term[n] = weak
            pool = sorted(exact + list(weak)) if weak else exact
            if not pool:
                return []
        assert pool is not None
        chosen = self._strongest(query, pool, weak_by_term)
        if cancelled():
            return None
        return [(rank, tuple(weak.get(rank, _EXACT) for weak in weak_by_term)) for rank in chosen]

    def _strongest(
        self, query: Query, pool: list[int], weak_by_term: list[dict[int, int]]
    ) -> list[int]:
        """Up to MAX_SCORED of `pool` that no negative term excludes, the most promising first.

        Exact matches of every term come first, those at word starts before the rest, then
        typo and scattered matches; the shortest first within each group (`pool` is sorted by
        rank, that is by length).
        """
        weak_ranks = set().union(*weak_by_term)
        if weak_ranks:
            in_pool = set(pool)
            weak_ranks &= in_pool
        strong = [rank for rank in pool if rank not in weak_ranks] if weak_ranks else pool
        if len(strong) > MAX_SCORED:
            strong = self._word_starts_first(query.positive, strong)
        weak = sorted(
            weak_ranks, key=lambda rank: (sum(w.get(rank, 0) for w in weak_by_term), rank)
        )
        chosen: list[int] = []
        for rank in itertools.chain(strong, weak):
            if not any(self._excludes(term, rank) for term in query.negative):
                chosen.append(rank)
                if len(chosen) >= MAX_SCORED:
                    break
        return chosen

    def _word_starts_first(self, terms: Sequence[Term], ranks: list[int]) -> list[int]:
        checks = [
            (
                term.needle,
                " " + term.needle,
                self._by_rank if term.case_sensitive else self._folded_by_rank,
            )
            for term in terms
            if term.kind in (TermKind.FUZZY, TermKind.EXACT)
        ]
        if not checks:
            return ranks
        at_word_start: list[int] = []
        others: list[int] = []
        for seen, rank in enumerate(ranks):
            if all(
                texts[rank].startswith(needle) or spaced in texts[rank]
                for needle, spaced, texts in checks
            ):
                at_word_start.append(rank)
                if len(at_word_start) >= MAX_SCORED:
                    # Enough to fill the page; the rest keep their order behind, in case
                    # negative terms exclude many of these.
                    return at_word_start + others + ranks[seen + 1 :]
            else:
                others.append(rank)
        return at_word_start + others

    def _match(
        self, term: Term, pool: list[int] | None, limit: int
    ) -> tuple[list[int], dict[int, int]]:
        """Candidates (of `pool`, or all) that `term` matches.

        Returns the exact matches (in rank order) and rank -> kind for weaker matches.
        """
        texts = self._by_rank if term.case_sensitive else self._folded_by_rank
        needle = term.needle
        items: Iterable[tuple[int, str]] = (
            enumerate(texts) if pool is None else ((rank, texts[rank]) for rank in pool)
        )
        if term.kind is TermKind.PREFIX:
            return [rank for rank, text in items if text.startswith(needle)], {}
        if term.kind is TermKind.SUFFIX:
            return [rank for rank, text in items if text.endswith(needle)], {}
        if term.kind is TermKind.EQUAL:
            return [rank for rank, text in items if text == needle], {}
        exact = [rank for rank, text in items if needle in text]
        weak: dict[int, int] = {}
        if term.kind is TermKind.FUZZY:
            self._add_typo_matches(needle, term.case_sensitive, pool, weak)
            if len(exact) + len(weak) < limit and len(needle) > 1:
                self._add_scattered_matches(needle, texts, pool, set(exact), weak)
        return exact, weak

    def _add_typo_matches(
        self, needle: str, case_sensitive: bool, pool: list[int] | None, weak: dict[int, int]
    ) -> None:
        if typo_allowance(len(needle)) == 0 or not needle.isalnum():
            return
        folded_needle = fold(needle)
        allowed = None if pool is None else set(pool)
        for word in self._similar_words(folded_needle):
            # A word containing the term sends its candidates through the exact scan already.
            if folded_needle in word and not case_sensitive:
                continue
            for rank in self._postings[word]:
                if allowed is None or rank in allowed:
                    weak[rank] = _TYPO
        if case_sensitive:
            # Postings are case-folded: drop candidates where the term occurs exactly after all.
            texts = self._by_rank
            for rank in [rank for rank in weak if needle in texts[rank]]:
                del weak[rank]

    def _similar_words(self, needle: str) -> list[str]:
        length = len(needle)
        shortest = length - typo_allowance(length)
        # The vocabulary is sorted longest first: take the words at least `shortest` long.
        count = len(self._vocabulary_lengths) - bisect_left(self._vocabulary_lengths, shortest)
        found = process.extract(
            needle,
            self._vocabulary[:count],
            scorer=fuzz.partial_ratio,
            processor=None,
            score_cutoff=_typo_cutoff(length),
            limit=None,
        )
        return [word for word, _score, _index in found]

    def _add_scattered_matches(
        self,
        needle: str,
        texts: Sequence[str],
        pool: list[int] | None,
        exact: set[int],
        weak: dict[int, int],
    ) -> None:
        choices: Sequence[str] | dict[int, str]
        choices = texts if pool is None else {rank: texts[rank] for rank in pool}
        # LCS length == term length means every letter of the term occurs, in order.
        found = process.extract(
            needle,
            choices,
            scorer=LCSseq.similarity,
            processor=None,
            score_cutoff=len(needle),
            limit=MAX_SCORED,
        )
        for _text, _score, rank in found:
            if rank not in exact:
                weak.setdefault(int(rank), _SCATTERED)

    def _score(
        self,
        terms: Sequence[Term],
        survivors: list[tuple[int, tuple[int, ...]]],
        limit: int,
        cancelled: Callable[[], bool],
    ) -> list[tuple[float, int]] | None:
        best: list[tuple[float, int]] = []  # a min-heap of (score, -rank): worst on top
        for count, (rank, kinds) in enumerate(survivors):
            if count % 256 == 255 and cancelled():
                return None
            text = self._by_rank[rank]
            folded_text = self._folded_by_rank[rank]
            total = -_length_penalty(len(text))
            for term, kind in zip(terms, kinds, strict=True):
                score = _term_score(term, text if term.case_sensitive else folded_text, kind)
                if score is None:
                    break
                total += score
            else:
                entry = (total, -rank)
                if len(best) < limit:
                    heapq.heappush(best, entry)
                elif entry > best[0]:
                    heapq.heapreplace(best, entry)
        best.sort(reverse=True)
        return [(score, -negated_rank) for score, negated_rank in best]


def _matches_exactly(kind: TermKind, needle: str, text: str) -> bool:
    if kind is TermKind.PREFIX:
        return text.startswith(needle)
    if kind is TermKind.SUFFIX:
        return text.endswith(needle)
    if kind is TermKind.EQUAL:
        return text == needle
    return needle in text


def _best_occurrence(text: str, needle: str) -> tuple[int, float]:
    """Where to show `needle` in `text` (its best occurrence) and that occurrence's bonus."""
    first = text.find(needle)
    if first <= 0:
        return first, (PREFIX_BONUS if first == 0 else 0.0)
    pos = first
    for _ in range(8):  # a word-start occurrence further on beats a mid-word one here
        if _is_word_start(text, pos):
            return pos, WORD_START_BONUS
        pos = text.find(needle, pos + 1)
        if pos < 0:
            break
    return first, 0.0


def _exact_score(kind: TermKind, text: str, needle: str) -> tuple[int, float] | None:
    """(start, score) of an exact match of `needle` in `text`, or None."""
    if kind is TermKind.PREFIX or kind is TermKind.EQUAL:
        if not text.startswith(needle):
            return None
        start, bonus = 0, PREFIX_BONUS
    elif kind is TermKind.SUFFIX:
        if not text.endswith(needle):
            return None
        start = len(text) - len(needle)
        bonus = WORD_START_BONUS if _is_word_start(text, start) else 0.0
    else:
        start, bonus = _best_occurrence(text, needle)
        if start < 0:
            return None
    if _is_word_end(text, start + len(needle)):
        bonus += WORD_END_BONUS
    return start, EXACT_SCORE + bonus


def _typo_alignment(needle: str, text: str) -> tuple[float, int, int] | None:
    """(similarity, start, end) of the best typo match of `needle` in `text`, or None."""
    length = len(needle)
    if typo_allowance(length) == 0 or len(text) < length - typo_allowance(length):
        return None
    cutoff = _typo_cutoff(length)
    if len(text) < length:
        # partial_ratio would look for the shorter *text* inside the term instead.
        similarity = fuzz.ratio(needle, text, score_cutoff=cutoff)
        return (similarity, 0, len(text)) if similarity else None
    found = fuzz.partial_ratio_alignment(needle, text, score_cutoff=cutoff)
    if found is None:
        return None
    return found.score, found.dest_start, found.dest_end


def _scattered(needle: str, text: str) -> list[int] | None:
    """Positions of `needle`'s characters in order in `text`, as close together as found."""
    positions: list[int] = []
    pos = 0
    for char in needle:
        pos = text.find(char, pos)
        if pos < 0:
            return None
        positions.append(pos)
        pos += 1
    # Walk back from the end, so "abc" in "a..a.bc" takes the later, tighter "a".
    end = positions[-1]
    for n in range(len(needle) - 2, -1, -1):
        positions[n] = text.rfind(needle[n], 0, positions[n + 1])
    assert positions[-1] == end
    return positions


def _term_score(term: Term, text: str, kind: int) -> float | None:
    """How well one positive term matches `text` (already folded as the term needs)."""
    needle = term.needle
    if kind == _EXACT or term.kind is not TermKind.FUZZY:
        exact = _exact_score(term.kind, text, needle)
        if exact is not None or term.kind is not TermKind.FUZZY:
            return None if exact is None else exact[1]
    if kind <= _TYPO:
        typo = _typo_alignment(needle, text)
        if typo is not None:
            similarity, start, _end = typo
            bonus = WORD_START_BONUS if _is_word_start(text, start) else 0.0
            return TYPO_WEIGHT * similarity + bonus
    scattered = _scattered(needle, text)
    if scattered is None:
        return None
    span = scattered[-1] - scattered[0] + 1
    bonus = WORD_END_BONUS if _is_word_start(text, scattered[0]) else 0.0
    return SCATTERED_SCORE * len(needle) / span + bonus


def _term_positions(term: Term, text: str) -> list[int]:
    needle = term.needle
    exact = _exact_score(term.kind, text, needle)
    if exact is not None:
        return list(range(exact[0], exact[0] + len(needle)))
    if term.kind is not TermKind.FUZZY:
        return []
    typo = _typo_alignment(needle, text)
    if typo is not None:
        _similarity, start, end = typo
        # rapidfuzz aligns a window as long as the term; a typo that drops or adds a letter
        # leaves the word's first or last letter outside it, so look a little wider.
        reach = typo_allowance(len(needle))
        start, end = max(0, start - reach), min(len(text), end + reach)
        blocks = LCSseq.editops(needle, text[start:end]).as_matching_blocks()
        return [start + block.b + n for block in blocks for n in range(block.size)]
    return _scattered(needle, text) or []


def positions(query: str | Query, text: str) -> tuple[int, ...]:
    """The characters of `text` that the query's positive terms match, for highlighting."""
    parsed = parse_query(query) if isinstance(query, str) else query
    folded_text = fold(text)
    found: set[int] = set()
    for term in parsed.positive:
        found.update(_term_positions(term, text if term.case_sensitive else folded_text))
    return tuple(sorted(found))
