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

Ranking 100,000 candidates within a keystroke needs care: a fine scorer costs 0.1-0.4 s over
all of them in rapidfuzz, and even a Python loop over 100,000 strings costs ~10 ms. So the
work per keystroke is done in C (str methods driven by map/compress, str.find over one joined
string, rapidfuzz), and only a few hundred candidates reach the fine scorer in Python:
  1. Identical texts (a heading repeated across articles) are one entry, searched once;
     entries are numbered shortest first, so any ascending list of them is shortest first.
  2. Exact matches of every term: the most selective term first, looked up in one string
     joining all entries when it is rare, else scanned over every entry; each later term
     only over what is left.
  3. Which of them can rank: an exact match scores by its shape (at the candidate's start,
     a whole word, a word start or end; see `_exact_score`) less a penalty growing with
     length. So the best `limit` are among the first `limit` entries of each shape, found by
     scans that stop once they have enough, best shape first, until no shape left can beat
     the page (see `_rank_exact`). For these scans each entry is also kept "spaced": every
     non-alphanumeric character a space, with one at each end, so "has a word starting with
     e" is the C-level test `" e" in spaced`.
  4. Only when the exact matches cannot fill the page (any typo or scattered match scores
     below any exact one, see the score scale), weaker matches are looked up: for terms of
     five or more characters, words of the vocabulary within one or two typos (rapidfuzz
     over the vocabulary, not the candidates) and their posting lists; then, if still too
     few, fzf-style scattered matches (the term's letters in order) by rapidfuzz's LCS in C,
     the tightest few hundred of them. At most `MAX_SCORED` weak matches are scored.
"""

from __future__ import annotations

import heapq
import itertools
import math
import operator
import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from rapidfuzz import fuzz, process
from rapidfuzz.distance import LCSseq

# Weak (typo or scattered) matches scored finely per query at most.
MAX_SCORED = 2000
# Terms this long or longer are looked up with typos through the vocabulary.
MIN_TYPO_TERM = 5
# With several terms, up to this many entries matching them all are scored in full.
SCORED_IN_FULL = 1000
# Two terms that both match up to this many entries are ranked exactly (see _levels).
COMBINED_UP_TO = 5000
# Scattered matches (letters in order) of a term scored finely per query at most.
SCATTERED_SCORED = 400
# Where every match of the first term is needed (other terms or exclusions narrow them), it
# is listed only up to this many before all entries are scanned instead.
LISTED_BEFORE_OTHERS = 1000
# A term that matches more entries than this is not listed: its shapes of match are found by
# scanning one string joining all spaced entries instead (see _rank_exact).
JOINED_SCAN_FROM = 1000

# Score scale. Any exact match outscores any typo match, which outscores scattered letters;
# bonuses and the length penalty stay inside those bands.
EXACT_SCORE = 100.0
PREFIX_BONUS = 15.0
WORD_START_BONUS = 10.0
WORD_END_BONUS = 5.0
TYPO_WEIGHT = 0.7  # times rapidfuzz's 0-100 similarity: at most 70 (+ word start bonus)
SCATTERED_SCORE = 40.0
# Scattered letters match only this close together, or each at a word start (see _scattered).
SCATTERED_GAP = 2
MAX_LENGTH_PENALTY = 10.0
# The most one term can score, exactly or not: what lets whole phases be skipped.
BEST_EXACT_TERM = EXACT_SCORE + PREFIX_BONUS + WORD_END_BONUS
BEST_WEAK_TERM = TYPO_WEIGHT * 100.0 + WORD_START_BONUS
# Any typo match scores more (its similarity is at least ~74 of 100).
BEST_SCATTERED_TERM = SCATTERED_SCORE + WORD_END_BONUS
_WHOLE_WORD = WORD_START_BONUS + WORD_END_BONUS
_SLACK = 1e-9

# Kinds of match of a term, best first.
_EXACT, _TYPO, _SCATTERED = range(3)

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
    # Some term matched only by scattered letters: the weakest kind of match, which a caller
    # with better candidates of its own (a document's text, say) ranks below them.
    scattered: bool = False


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


class _NonAlnumToSpace(dict[int, int]):
    """A str.translate table turning every non-alphanumeric character into a space.

    Filled in as characters are met: a table for all of Unicode would be large. Entries are
    only ever added, with the same value whoever adds them, so threads may share it.
    """

    def __missing__(self, code: int) -> int:
        mapped = code if chr(code).isalnum() else _SPACE
        self[code] = mapped
        return mapped


_SPACE = ord(" ")
_TO_SPACES = _NonAlnumToSpace()


def spaced(folded: str) -> str:
    """`folded` with each non-alphanumeric character a space and a space at either end.

    Word starts and ends become spaces, so whether a word starts with "e" is `" e" in it`,
    a test that runs in C (the same notion of word as `_is_word_start`: str.isalnum).
    """
    return f" {folded.translate(_TO_SPACES)} "


# Bytes that stay themselves in spaced text: ASCII letters and digits, and the newline that
# joins texts; any byte of a multi-byte UTF-8 character is left for a second pass.
_SPACED_BYTES = bytes(
    code if code >= 128 or code == ord("\n") or chr(code).isalnum() else _SPACE
    for code in range(256)
)
_ASCII_BYTES = bytes(range(128))


def _all_spaced(joined: str) -> list[str]:
    """`spaced` of each of the newline-joined texts, for all of them at once in C: ~5x
    faster than one str.translate each, which leaves its ASCII fast path on any accent."""
    raw = joined.encode()
    result = raw.translate(_SPACED_BYTES).decode()
    for char in set(raw.translate(None, _ASCII_BYTES).decode()):
        if not char.isalnum():
            result = result.replace(char, " ")
    spaced_joined = " " + result.replace("\n", " \n ") + " "
    return spaced_joined.split("\n")


# A test run in C over many entries: (test, the texts it reads, the pattern, wanted result).
_Check = tuple[Callable[[str, str], object], Sequence[str], str, bool]


def _passing(entries: Iterable[int], checks: Sequence[_Check]) -> Iterator[int]:
    """The entries that pass every check, lazily and in order, without a Python-level loop."""
    passing: Iterator[int] = iter(entries)
    for test, texts, pattern, wanted in checks:
        kept, probed = itertools.tee(passing)
        results: Iterator[object] = map(
            test, map(texts.__getitem__, probed), itertools.repeat(pattern)
        )
        if not wanted:
            results = map(operator.not_, results)
        passing = itertools.compress(kept, results)
    return passing


def _exact_test(kind: TermKind) -> Callable[[str, str], object]:
    if kind is TermKind.PREFIX:
        return str.startswith
    if kind is TermKind.SUFFIX:
        return str.endswith
    if kind is TermKind.EQUAL:
        return operator.eq
    return operator.contains


class _Scans:
    """The exact matches of terms found during one search, kept for its second phase, which
    looks for the same terms over the same entries when the first found no typos."""

    def __init__(self) -> None:
        self._found: dict[Term, tuple[list[int] | None, list[int]]] = {}

    def get(self, term: Term, among: list[int] | None) -> list[int] | None:
        """The matches of `term` among `among` (the very same list; None: all), if known."""
        known = self._found.get(term)
        return known[1] if known is not None and known[0] is among else None

    def put(self, term: Term, among: list[int] | None, found: list[int]) -> None:
        self._found[term] = (among, found)


class _Joined:
    """Texts joined into one string, each after a newline (none may hold one), so that str.find
    looks through all of them at memory speed."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.text = "\n" + "\n".join(texts)
        self.newlines = [0, *itertools.accumulate(len(text) + 1 for text in texts)][:-1]

    def entries(self, pattern: str) -> Iterator[int]:
        """The texts holding `pattern` (after their newline, for a pattern starting with
        one), in order: one C scan for a rare pattern, a few steps for a common one."""
        text, newlines = self.text, self.newlines
        pos = text.find(pattern)
        while pos >= 0:
            entry = bisect_right(newlines, pos) - 1
            yield entry
            if entry + 1 >= len(newlines):
                return
            pos = text.find(pattern, newlines[entry + 1])


class FuzzyIndex:
    """Candidate texts prepared once (entries, folded and spaced copies, a word index) for
    repeated searching.

    Immutable after construction, so one index may serve searches from several threads.
    """

    def __init__(self, texts: Sequence[str]) -> None:
        self._texts = list(texts)
        # Entries are the distinct texts, numbered shortest first (ties: the first to appear),
        # so any ascending list of entries is also shortest-first: the tie-break we want.
        self._entries, self._grouped, self._group_starts = self._group(self._texts)
        self._folded = [fold(text) for text in self._entries]
        folded_joined = "\n".join(self._folded)
        # Newlines join the texts below, so none may hold one (or those joins are left out).
        has_newline = folded_joined.count("\n") != len(self._folded) - 1
        self._spaced = (
            [spaced(text) for text in self._folded] if has_newline else _all_spaced(folded_joined)
        )
        if not has_newline:
            # Copies made one after another lie together in memory: scanning them all (for a
            # case-sensitive term) then costs half as much as reading the caller's strings.
            self._entries = "\n".join(self._entries).split("\n")
        # All spaced entries in one string, for scans that must cover every entry: str.find
        # runs at memory speed.
        self._spaced_joined = _Joined(self._spaced)
        self._postings = self._index_words(self._spaced)
        self._vocabulary = sorted(self._postings, key=len, reverse=True)
        self._vocabulary_lengths = [len(w) for w in reversed(self._vocabulary)]

    def __len__(self) -> int:
        return len(self._texts)

    @staticmethod
    def _group(texts: list[str]) -> tuple[list[str], list[int], Sequence[int]]:
        """The entries (distinct texts, shortest first, ties in order of first appearance), and
        where each occurs among `texts`: all indices in one list, grouped by entry and
        ascending within a group, and where each group starts (and the last ends).

        Flat lists built in C: a list per entry would cost more than the rest of the index
        (100,000 small lists keep the garbage collector busy).
        """
        distinct = dict.fromkeys(texts)
        if len(distinct) == len(texts):
            lengths = list(map(len, texts))
            grouped = sorted(range(len(texts)), key=lengths.__getitem__)
            return list(map(texts.__getitem__, grouped)), grouped, range(len(texts) + 1)
        entries = sorted(distinct, key=len)
        entry_of = dict(zip(entries, range(len(entries)), strict=True))
        entry_by_index = list(map(entry_of.__getitem__, texts))
        grouped = sorted(range(len(texts)), key=entry_by_index.__getitem__)
        sizes = Counter(entry_by_index)
        starts = [0, *itertools.accumulate(map(sizes.__getitem__, range(len(entries))))]
        return entries, grouped, starts

    def _members(self, entry: int) -> list[int]:
        """The indices (into the texts given) of the candidates with this entry's text."""
        return self._grouped[self._group_starts[entry] : self._group_starts[entry + 1]]

    @staticmethod
    def _index_words(spaced_texts: Sequence[str]) -> dict[str, list[int]]:
        postings: dict[str, list[int]] = {}
        for entry, text in enumerate(spaced_texts):
            for word in set(text.split()):
                postings.setdefault(word, []).append(entry)
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
        if limit <= 0 or is_cancelled():
            return []
        if not parsed.positive:
            return self._unranked(parsed.negative, limit)
        # Exact matches found in the first phase, kept for the second: scans cost most.
        scans = _Scans()
        scores = self._rank_exact(parsed, limit, scans)
        if is_cancelled():
            return []
        scattered: set[int] = set()
        if self._weak_can_rank(parsed.positive, scores, limit):
            weak = self._rank_weak(parsed, limit, set(scores), scans, is_cancelled, scattered)
            if weak is None:
                return []
            scores.update(weak)
        if is_cancelled():
            return []
        return self._hits(parsed, scores, limit, scattered)

    # -- exact matches -------------------------------------------------------------------

    def _rank_exact(self, query: Query, limit: int, scans: _Scans) -> dict[int, float]:
        """Scores of the entries that match every term exactly and may rank in the top
        `limit`: a few hundred at most, however many match.

        An exact match scores by its shape (see `_shapes`) less a penalty growing with
        length, and entries are numbered shortest first. So for one term, every entry of
        the top `limit` is among the first `limit` entries of its own shape: the earlier
        ones score at least as much. Shapes are tried best first, each by a scan that stops
        once it has `limit`, until none can beat the page so far. Several terms multiply the
        shapes, so they are scored in full while few match, and by a few combinations of
        shapes when many do (see `_levels`).
        """
        positive = query.positive
        exclusions = [self._exclusion(term) for term in query.negative]
        first, *others = sorted(positive, key=_selectivity)
        # Listing a term's matches pays only when the scan of every entry is avoided.
        cap = LISTED_BEFORE_OTHERS if others or exclusions else JOINED_SCAN_FROM
        matches, complete = self._first_matches(first, scans, cap)
        if not complete and (others or exclusions or not first.needle.isalnum()):
            matches, complete = self._exact_matches(first, None, scans), True
        for term in others:
            matches = self._exact_matches(term, matches, scans)
            if not matches:
                return {}
        if exclusions:
            matches = list(_passing(matches, exclusions))
        if not matches:
            return {}
        kinds = (_EXACT,) * len(positive)
        scores: dict[int, float] = {}
        if complete and (len(matches) <= limit or (others and len(matches) <= SCORED_IN_FULL)):
            self._add_scores(scores, positive, matches, kinds)
            return scores
        # No match is shorter than the first, so none has a smaller penalty.
        least_penalty = _length_penalty(len(self._entries[matches[0]]))
        page_floor = -math.inf
        for floor, checks in self._levels(positive, len(matches)):
            # (With a little slack: sums in another order may differ in the last bit, and a
            # tie still matters, as the shorter entry wins it.)
            if floor - least_penalty < page_floor - _SLACK:
                break
            if complete:
                found = itertools.islice(_passing(matches, checks), limit)
            else:
                # Too many matches to list: found in the joined spaced entries instead, which
                # are folded, so a case-sensitive term's hits need checking.
                verify = [self._inclusion(first)] if first.case_sensitive else []
                shaped = self._shaped(first, checks)
                found = itertools.islice(_passing(shaped, verify), limit)
            self._add_scores(scores, positive, found, kinds)
            page_floor = self._page_floor(scores, limit)
        return scores

    def _shaped(self, term: Term, checks: list[_Check]) -> Iterable[int]:
        """The entries (in order) where a plain term matches in the shape `checks` gives
        (at most one check: the term is alone)."""
        if checks:
            ((test, _texts, pattern, _wanted),) = checks
            if len(pattern) > 2 and pattern[0] == " " and pattern[-1] == " ":
                # A whole word: the word index has it, and scanning for it (ending with a
                # space, the commonest character) is the slowest kind of scan.
                whole_words = self._postings.get(pattern[1:-1], [])
                return whole_words if test is operator.contains else _passing(whole_words, checks)
        return self._spaced_joined.entries(_joined_pattern(term, checks))

    def _levels(self, terms: Sequence[Term], matches: int) -> list[tuple[float, list[_Check]]]:
        """Classes of exact match to look through, as checks on the spaced entries, each with
        the least a match of the class scores (before its length penalty), best first.

        For one term, its shapes, and for two, the combinations of their shapes while not too
        many entries match: exactly what `_rank_exact` needs. Otherwise the combinations would
        take too many scans, so: every term in the same shape, then each term at the
        candidate's start, then any match (none skipped). A longer match that mixes shapes and
        outscores all of those is then missed, which takes many more than `limit` matches.
        """
        if len(terms) == 1 or (len(terms) == 2 and matches <= COMBINED_UP_TO):
            combinations: list[tuple[float, list[_Check]]] = [
                (
                    math.fsum(floor for _name, _test, _pattern, floor in shapes),
                    [
                        (test, self._spaced, pattern, True)
                        for _name, test, pattern, _floor in shapes
                        if test is not None
                    ],
                )
                for shapes in itertools.product(*(_shapes(term) for term in terms))
            ]
            return sorted(combinations, key=lambda level: -level[0])
        by_name = [{name: (test, pattern) for name, test, pattern, _ in _shapes(t)} for t in terms]

        def checks(names: Sequence[str | None]) -> list[_Check]:
            # One shape per term (None: any match), as checks; a shape a term lacks is left out.
            return [
                (test, self._spaced, pattern, True)
                for shapes, name in zip(by_name, names, strict=True)
                if name is not None
                for test, pattern in [shapes.get(name, (None, ""))]
                if test is not None
            ]

        combined = [
            checks([name] * len(terms)) for name in ("whole word", "word start", "word end")
        ]
        for n in range(len(terms)):
            if len(terms) == 2:  # (more terms would take too many scans)
                others: list[str | None] = ["word start"] * len(terms)
                for name in ("whole prefix", "prefix"):
                    combined.append(checks([*others[:n], name, *others[n + 1 :]]))
            combined.append(checks([None] * n + ["prefix"] + [None] * (len(terms) - n - 1)))
        # An infinite floor: none of these levels is skipped.
        return [(math.inf, checks) for checks in combined if checks] + [(math.inf, [])]

    def _add_scores(
        self,
        scores: dict[int, float],
        terms: Sequence[Term],
        entries: Iterable[int],
        kinds: Sequence[int],
    ) -> None:
        for entry in entries:
            if entry not in scores:
                score = self._score(terms, entry, kinds)
                if score is not None:
                    scores[entry] = score

    def _page_floor(self, scores: dict[int, float], limit: int) -> float:
        """The score of the last hit of a page of `limit`; -inf while the page is not full."""
        counted = 0
        for entry, score in sorted(scores.items(), key=lambda item: (-item[1], item[0])):
            counted += self._group_starts[entry + 1] - self._group_starts[entry]
            if counted >= limit:
                return score
        return -math.inf

    def _exact_matches(self, term: Term, among: list[int] | None, scans: _Scans) -> list[int]:
        texts = self._entries if term.case_sensitive else self._folded
        test = _exact_test(term.kind)
        known = scans.get(term, among)
        if known is not None:
            return known
        if among is None and term.case_sensitive and term.needle.isascii():
            # The folded copies first: they lie together in memory, and reading 100,000
            # texts scattered over it costs more than the test itself.
            folded = map(test, self._folded, itertools.repeat(term.needle.lower()))
            maybe = itertools.compress(range(len(texts)), folded)
            found = list(_passing(maybe, [(test, texts, term.needle, True)]))
        elif among is None:
            tested = map(test, texts, itertools.repeat(term.needle))
            found = list(itertools.compress(range(len(texts)), tested))
        else:
            found = list(_passing(among, [(test, texts, term.needle, True)]))
        scans.put(term, among, found)
        return found

    def _exclusion(self, term: Term) -> _Check:
        texts = self._entries if term.case_sensitive else self._folded
        return (_exact_test(term.kind), texts, term.needle, False)

    def _inclusion(self, term: Term) -> _Check:
        texts = self._entries if term.case_sensitive else self._folded
        return (_exact_test(term.kind), texts, term.needle, True)

    def _first_matches(self, term: Term, scans: _Scans, cap: int) -> tuple[list[int], bool]:
        """The entries `term` matches exactly, and whether that is all of them: a term whose
        matches can be found in the joined spaced entries is looked up there (one C scan
        when it is rare), and left at the first `cap` when it matches more."""
        listable = term.needle.isalnum() and term.kind in _JOINED_KINDS
        if not listable or scans.get(term, None) is not None:
            return self._exact_matches(term, None, scans), True
        pattern = _joined_pattern(term, [])
        found = list(itertools.islice(self._spaced_joined.entries(pattern), cap + 1))
        if len(found) > cap:
            return found, False
        if term.case_sensitive:  # the joined entries are folded
            found = list(_passing(found, [self._inclusion(term)]))
        scans.put(term, None, found)
        return found, True

    # -- typo and scattered matches ----------------------------------------------------------

    def _weak_can_rank(self, terms: Sequence[Term], scores: dict[int, float], limit: int) -> bool:
        """Whether a typo or scattered match could still make the top `limit`."""
        fuzzy = [term for term in terms if term.kind is TermKind.FUZZY]
        if not fuzzy:
            return False
        best_weak = BEST_EXACT_TERM * (len(terms) - 1) + BEST_WEAK_TERM
        return self._page_floor(scores, limit) <= best_weak

    def _rank_weak(
        self,
        query: Query,
        limit: int,
        done: set[int],
        scans: _Scans,
        cancelled: Callable[[], bool],
        scattered: set[int],
    ) -> dict[int, float] | None:
        """Scores of entries where some term matches only with typos or scattered letters."""
        positive = query.positive
        order = sorted(range(len(positive)), key=lambda n: _selectivity(positive[n]))
        weak_by_term: list[dict[int, int]] = [{} for _ in positive]
        pool: list[int] | None = None
        for n in order:
            exact, weak = self._match(positive[n], pool, limit, scans)
            if cancelled():
                return None
            weak_by_term[n] = weak
            pool = sorted(exact + list(weak)) if weak else exact
            if not pool:
                return {}
        candidates = set().union(*weak_by_term).intersection(pool or ()) - done
        exclusions = [self._exclusion(term) for term in query.negative]
        strength = {
            entry: sum(weak.get(entry, _EXACT) for weak in weak_by_term) for entry in candidates
        }
        ranked = _passing(sorted(candidates, key=lambda e: (strength[e], e)), exclusions)
        scores: dict[int, float] = {}
        for count, entry in enumerate(itertools.islice(ranked, MAX_SCORED)):
            if count % 256 == 255 and cancelled():
                return None
            kinds = tuple(weak.get(entry, _EXACT) for weak in weak_by_term)
            score = self._score(positive, entry, kinds, scattered)
            if score is not None:
                scores[entry] = score
        return scores

    def _match(
        self, term: Term, pool: list[int] | None, limit: int, scans: _Scans
    ) -> tuple[list[int], dict[int, int]]:
        """Entries (of `pool`, or all) that `term` matches.

        Returns the exact matches (in entry order) and entry -> kind for weaker matches.
        """
        exact = self._exact_matches(term, pool, scans)
        weak: dict[int, int] = {}
        if term.kind is TermKind.FUZZY:
            self._add_typo_matches(term.needle, term.case_sensitive, pool, weak)
            if len(exact) + len(weak) < limit and len(term.needle) > 1:
                texts = self._entries if term.case_sensitive else self._folded
                self._add_scattered_matches(term.needle, texts, pool, weak)
            for entry in exact:
                weak.pop(entry, None)
        return exact, weak

    def _add_typo_matches(
        self, needle: str, case_sensitive: bool, pool: list[int] | None, weak: dict[int, int]
    ) -> None:
        if typo_allowance(len(needle)) == 0 or not needle.isalnum():
            return
        folded_needle = fold(needle)
        allowed = None if pool is None else set(pool)
        for word in self._similar_words(folded_needle):
            # A word containing the term sends its entries through the exact scan already.
            if folded_needle in word and not case_sensitive:
                continue
            for entry in self._postings[word]:
                if allowed is None or entry in allowed:
                    weak[entry] = _TYPO

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
        self, needle: str, texts: Sequence[str], pool: list[int] | None, weak: dict[int, int]
    ) -> None:
        choices: Sequence[str] | dict[int, str]
        choices = texts if pool is None else {entry: texts[entry] for entry in pool}
        # LCS length == term length means every letter of the term occurs, in order.
        found = process.extract(
            needle,
            choices,
            scorer=LCSseq.similarity,
            processor=None,
            score_cutoff=len(needle),
            limit=MAX_SCORED,
        )
        entries = [int(entry) for _text, _score, entry in found]
        if len(entries) > SCATTERED_SCORED:
            # Scoring each costs a Python walk over its text: keep those whose letters are
            # closest together, which partial_ratio (in C) tells well enough.
            tightest = process.extract(
                needle,
                {entry: texts[entry] for entry in entries},
                scorer=fuzz.partial_ratio,
                processor=None,
                limit=SCATTERED_SCORED,
            )
            entries = [int(entry) for _text, _score, entry in tightest]
        for entry in entries:
            weak.setdefault(entry, _SCATTERED)

    # -- scoring -------------------------------------------------------------------------

    def _score(
        self,
        terms: Sequence[Term],
        entry: int,
        kinds: Sequence[int],
        scattered: set[int] | None = None,
    ) -> float | None:
        """The entry's score for `terms` (None: no match); added to `scattered` if some term
        matched only by scattered letters."""
        text = self._entries[entry]
        folded_text = self._folded[entry]
        total = -_length_penalty(len(text))
        for term, kind in zip(terms, kinds, strict=True):
            if kind == _EXACT and _is_plain(term):
                score = _plain_exact_score(term, self._spaced[entry])
            else:
                score = _term_score(term, text if term.case_sensitive else folded_text, kind)
                if score is not None and score <= BEST_SCATTERED_TERM and scattered is not None:
                    scattered.add(entry)
            if score is None:
                return None
            total += score
        return total

    def _hits(
        self, query: Query, scores: dict[int, float], limit: int, scattered: set[int]
    ) -> list[Hit]:
        best = heapq.nsmallest(limit, scores.items(), key=lambda item: (-item[1], item[0]))
        hits: list[Hit] = []
        for entry, score in best:
            text = self._entries[entry]
            matched = positions(query, text)
            for index in self._members(entry):
                hits.append(Hit(index, score, matched, entry in scattered))
                if len(hits) >= limit:
                    return hits
        return hits

    def _unranked(self, negative: Sequence[Term], limit: int) -> list[Hit]:
        """The first `limit` candidates (in the order given) that no term excludes."""
        exclusions = [self._exclusion(term) for term in negative]
        kept = _passing(range(len(self._entries)), exclusions)
        indices = heapq.nsmallest(limit, itertools.chain.from_iterable(map(self._members, kept)))
        return [Hit(index, 0.0, ()) for index in indices]


def _selectivity(term: Term) -> tuple[bool, int]:
    # Cheap, selective terms first, so later terms scan only what is left.
    return term.kind is TermKind.FUZZY, -len(term.text)


# Kinds of term whose matches the joined string can list: it holds spaced text, so it tells
# where a plain term occurs or starts a candidate, but not where the candidate ends.
_JOINED_KINDS = (TermKind.FUZZY, TermKind.EXACT, TermKind.PREFIX)


def _joined_pattern(term: Term, checks: Sequence[_Check]) -> str:
    """What to look for in the joined string: a plain term, or one shape of it (`checks`
    holds at most the one check of a single term), anchored after the entry's newline where
    the match must start the candidate."""
    if checks:
        ((test, _texts, pattern, _wanted),) = checks
        at_start = test is str.startswith
    else:
        pattern, at_start = fold(term.needle), term.kind is TermKind.PREFIX
    if not at_start:
        return pattern
    return "\n" + (pattern if pattern.startswith(" ") else f" {pattern}")


def _is_plain(term: Term) -> bool:
    """Whether `term` may be scored from the spaced text: letters and digits only, and
    case-folded (the spaced text is folded)."""
    return not term.case_sensitive and term.needle.isalnum()


# One shape of exact match of a term: its name, a test and pattern on spaced texts (None: any
# exact match), and what the term scores in that shape.
_Shape = tuple[str, Callable[[str, str], object] | None, str, float]


def _shapes(term: Term) -> list[_Shape]:
    """The shapes an exact match of `term` can take, best first; an entry's own shape is the
    first it has, and the term scores exactly that shape's floor there.

    Told from the spaced text, which marks word starts and ends only beside letters and
    digits: for a term that starts or ends with punctuation, or is case-sensitive, the
    shapes are a guide rather than exact.
    """
    core = spaced(fold(term.needle))[1:-1]
    starts_word = core[:1].isalnum()
    ends_word = core[-1:].isalnum()
    whole, start, end = f" {core} ", f" {core}", f"{core} "
    kind = term.kind
    shapes: list[_Shape] = []
    if kind is TermKind.EQUAL:
        shapes.append(("any", None, "", BEST_EXACT_TERM))
    elif kind is TermKind.PREFIX:
        if ends_word:
            shapes.append(("whole prefix", str.startswith, whole, BEST_EXACT_TERM))
        shapes.append(("any", None, "", EXACT_SCORE + PREFIX_BONUS))
    elif kind is TermKind.SUFFIX:
        if starts_word and ends_word:  # the whole candidate also starts where the term does
            shapes.append(("whole prefix", operator.eq, whole, BEST_EXACT_TERM))
        if starts_word:
            shapes.append(("whole word", str.endswith, whole, EXACT_SCORE + _WHOLE_WORD))
        shapes.append(("any", None, "", EXACT_SCORE + WORD_END_BONUS))
    else:
        if starts_word and ends_word:
            shapes.append(("whole prefix", str.startswith, whole, BEST_EXACT_TERM))
        if starts_word:
            shapes.append(("prefix", str.startswith, start, EXACT_SCORE + PREFIX_BONUS))
        if starts_word and ends_word:
            shapes.append(("whole word", operator.contains, whole, EXACT_SCORE + _WHOLE_WORD))
        if starts_word:
            shapes.append(("word start", operator.contains, start, EXACT_SCORE + WORD_START_BONUS))
        if ends_word:
            shapes.append(("word end", operator.contains, end, EXACT_SCORE + WORD_END_BONUS))
        shapes.append(("any", None, "", EXACT_SCORE))
    return shapes


def _occurrence_bonus(text: str, start: int, end: int) -> float:
    if start == 0:
        bonus = PREFIX_BONUS
    else:
        bonus = WORD_START_BONUS if _is_word_start(text, start) else 0.0
    return bonus + (WORD_END_BONUS if _is_word_end(text, end) else 0.0)


def _best_occurrence(text: str, needle: str) -> tuple[int, float]:
    """The best occurrence of `needle` in `text` (the candidate's start, then a whole word,
    then a word start, then a word end; the earliest of equals) and its bonus; (-1, 0) if
    there is none."""
    best, best_bonus = -1, 0.0
    # Past the start, no occurrence earns more than a whole word's bonus.
    enough = WORD_START_BONUS + WORD_END_BONUS
    pos = text.find(needle)
    while pos >= 0:
        bonus = _occurrence_bonus(text, pos, pos + len(needle))
        if best < 0 or bonus > best_bonus:
            best, best_bonus = pos, bonus
            if bonus >= enough:
                break
        pos = text.find(needle, pos + 1)
    return best, best_bonus


def _exact_score(kind: TermKind, text: str, needle: str) -> tuple[int, float] | None:
    """(start, score) of an exact match of `needle` in `text`, or None."""
    if kind is TermKind.PREFIX or kind is TermKind.EQUAL:
        if not (text == needle if kind is TermKind.EQUAL else text.startswith(needle)):
            return None
        start = 0
    elif kind is TermKind.SUFFIX:
        if not text.endswith(needle):
            return None
        start = len(text) - len(needle)
    else:
        start, bonus = _best_occurrence(text, needle)
        return None if start < 0 else (start, EXACT_SCORE + bonus)
    return start, EXACT_SCORE + _occurrence_bonus(text, start, start + len(needle))


def _plain_exact_score(term: Term, spaced_text: str) -> float | None:
    """What `_exact_score` gives a plain term (see `_is_plain`), from the entry's spaced text
    by a few C-level tests instead of a walk over the occurrences."""
    needle = term.needle
    kind = term.kind
    if kind is TermKind.EQUAL:
        return BEST_EXACT_TERM if spaced_text == f" {needle} " else None
    if kind is TermKind.PREFIX:
        if not spaced_text.startswith(f" {needle}"):
            return None
        whole = spaced_text.startswith(f" {needle} ")
        return EXACT_SCORE + PREFIX_BONUS + (WORD_END_BONUS if whole else 0.0)
    if kind is TermKind.SUFFIX:
        if not spaced_text.endswith(f"{needle} "):
            return None
        if spaced_text == f" {needle} ":
            return BEST_EXACT_TERM
        whole = spaced_text.endswith(f" {needle} ")
        return EXACT_SCORE + WORD_END_BONUS + (WORD_START_BONUS if whole else 0.0)
    if spaced_text.startswith(f" {needle} "):
        return BEST_EXACT_TERM
    if spaced_text.startswith(f" {needle}") or f" {needle} " in spaced_text:
        return EXACT_SCORE + max(PREFIX_BONUS, WORD_START_BONUS + WORD_END_BONUS)
    if f" {needle}" in spaced_text:
        return EXACT_SCORE + WORD_START_BONUS
    if f"{needle} " in spaced_text:
        return EXACT_SCORE + WORD_END_BONUS
    return EXACT_SCORE if needle in spaced_text else None


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
    """Positions of `needle`'s characters in order in `text`, if they lie the way a person
    abbreviates: close together (at most `SCATTERED_GAP` characters skipped between two),
    or each jump landing on a word start ("dcw" in "Data Center Workers"). Letters strewn
    across a long quote ("nvidia" over "…I interaction, there is a massive…") are no match.
    """
    found = _closest(needle, text)
    if found is None or _is_abbreviation(text, found):
        return found
    found = _at_word_starts(needle, text)
    return found if found is not None and _is_abbreviation(text, found) else None


def _closest(needle: str, text: str) -> list[int] | None:
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


def _at_word_starts(needle: str, text: str) -> list[int] | None:
    """Positions of `needle`'s characters in order in `text`, each taken close after the one
    before or else at the next word start: an abbreviation's reading of the text."""
    positions: list[int] = []
    pos = 0
    for char in needle:
        near = text.find(char, pos, pos + SCATTERED_GAP + 1) if positions else -1
        if near < 0:
            near = text.find(char, pos)
            while near >= 0 and not _is_word_start(text, near):
                near = text.find(char, near + 1)
            if near < 0:
                return None
        positions.append(near)
        pos = near + 1
    return positions


def _is_abbreviation(text: str, positions: Sequence[int]) -> bool:
    return all(
        after - before <= SCATTERED_GAP + 1 or _is_word_start(text, after)
        for before, after in itertools.pairwise(positions)
    )


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
    # Half for letters a person would have picked (each at a word start or right after the
    # one before: "dcw" in "Data Center Workers"), half for how tight they lie.
    length = len(needle)
    picked = sum(
        n == 0 or pos == scattered[n - 1] + 1 or _is_word_start(text, pos)
        for n, pos in enumerate(scattered)
    )
    span = scattered[-1] - scattered[0] + 1
    bonus = WORD_END_BONUS if _is_word_start(text, scattered[0]) else 0.0
    return SCATTERED_SCORE * (picked / length + length / span) / 2 + bonus


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
