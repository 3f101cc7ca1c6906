"""Re-anchoring measured on 181 real news articles (the article-extraction conformance set):
how often a deleted passage's highlight is re-attached somewhere (should be rare), and how
often an edited passage's highlight is found where it now is (should be nearly always).

The rates are what the thresholds in aiwatch_tui/core/anchoring.py were chosen on. For each,
the comment gives what the rules before them (Indel ratios, context at least 0.78 similar on
one side; no evidence from a position) measured on the same trials.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from aiwatch_tui.core.anchoring import make_quote, reanchor
from aiwatch_tui.core.model import AnchorStatus

REPOSITORY = Path(__file__).resolve().parents[2]
# The shared material sits beside the repository (a worktree may be one folder deeper).
GROUND_TRUTH = next(
    (
        found
        for folder in (REPOSITORY.parent, REPOSITORY.parent.parent)
        if (found := folder / "shared/conformance/article-extraction/ground-truth.json").is_file()
    ),
    REPOSITORY.parent / "shared/conformance/article-extraction/ground-truth.json",
)
TRIALS = 400

pytestmark = pytest.mark.skipif(
    not GROUND_TRUTH.is_file(),
    reason=f"the article-extraction conformance set is not at {GROUND_TRUTH}",
)


@dataclass(frozen=True)
class Trial:
    text: str
    start: int
    end: int

    @property
    def quote(self) -> tuple[str, str, str]:
        return make_quote(self.text, self.start, self.end)


@cache
def trials() -> tuple[Trial, ...]:
    """Highlights of one to three words; every other one a phrase that occurs again in its
    article, so that a repeat is there to be mistaken for it."""
    articles = [
        entry["articleBody"]
        for entry in json.loads(GROUND_TRUTH.read_text(encoding="utf-8")).values()
        if len(entry["articleBody"]) > 2000
    ]
    chooser = random.Random(2024)
    found: list[Trial] = []
    while len(found) < TRIALS:
        text = chooser.choice(articles)
        phrase = re.compile(r"\w+(?: \w+){0,%d}" % chooser.randrange(3))
        match = chooser.choice(list(phrase.finditer(text)))
        if len(found) % 2 == 0 and text.count(match.group()) < 2:
            continue
        found.append(Trial(text, match.start(), match.end()))
    return tuple(found)


def slip(text: str, at: int, kind: int) -> str:
    """A typo (0), a hyphen (1) or a missing letter (2) at `at`."""
    if kind == 0:
        return text[:at] + ("x" if text[at] != "x" else "y") + text[at + 1 :]
    if kind == 1:
        return text[:at] + "-" + text[at:]
    return text[:at] + text[at + 1 :]


def share(check: Callable[[Trial, random.Random], bool | None]) -> float:
    """The share of trials (where `check` applies: not None) for which it is true."""
    chooser = random.Random(7)
    results = [check(trial, chooser) for trial in trials()]
    applied = [result for result in results if result is not None]
    assert len(applied) > TRIALS // 3
    return sum(applied) / len(applied)


def deleted(trial: Trial, chooser: random.Random) -> str:
    """The article without the highlighted passage and 40-300 characters either side."""
    cut_start = max(0, trial.start - chooser.randrange(40, 300))
    cut_end = min(len(trial.text), trial.end + chooser.randrange(40, 300))
    return trial.text[:cut_start] + trial.text[cut_end:]


def test_highlights_of_deleted_passages_are_rarely_reattached() -> None:
    def reattached(trial: Trial, chooser: random.Random) -> bool:
        exact, prefix, suffix = trial.quote
        anchor = reanchor(deleted(trial, chooser), exact, prefix, suffix, trial.start, trial.end)
        return anchor.status is not AnchorStatus.ORPHANED

    # Before: 0.062; now 0.065. What is re-attached is the same phrase where the article
    # says it again with much the same words beside it (lists, a summary repeating the lead).
    assert share(reattached) <= 0.065


def test_context_on_one_side_only_rarely_reattaches_a_deleted_passage() -> None:
    def reattached(trial: Trial, chooser: random.Random) -> bool | None:
        exact, prefix, _ = trial.quote
        short = prefix[-chooser.randrange(7, 17) :]
        if len(short) < 7:
            return None
        anchor = reanchor(deleted(trial, chooser), exact, short, "", trial.start, trial.end)
        return anchor.status is not AnchorStatus.ORPHANED

    # Before: 0.125; now 0.120. Seven to sixteen characters of context say little.
    assert share(reattached) <= 0.121


def test_context_less_highlights_of_deleted_passages_are_not_reattached() -> None:
    def reattached(trial: Trial, chooser: random.Random) -> bool:
        exact, _, _ = trial.quote
        anchor = reanchor(deleted(trial, chooser), exact, "", "", trial.start, trial.end)
        return anchor.status is not AnchorStatus.ORPHANED

    # Before: 0.005; now 0.003 (a short word that is, after the cut, at the very offset).
    assert share(reattached) <= 0.003


def test_highlights_are_found_after_a_slip_on_each_side_of_their_context() -> None:
    def found(trial: Trial, chooser: random.Random) -> bool | None:
        if trial.start == 0 or trial.end == len(trial.text):
            return None
        exact, prefix, suffix = trial.quote
        after = chooser.randrange(trial.end, min(len(trial.text), trial.end + len(suffix)))
        before, kind = (
            chooser.randrange(trial.start - len(prefix), trial.start),
            chooser.randrange(3),
        )
        text = slip(slip(trial.text, after, chooser.randrange(3)), before, kind)
        moved_by = {0: 0, 1: 1, 2: -1}[kind]
        anchor = reanchor(text, exact, prefix, suffix, trial.start, trial.end)
        return anchor.status is not AnchorStatus.ORPHANED and anchor.start == trial.start + moved_by

    # Before: 0.982; now 0.982. Missed: passages that occur again, verbatim, with their
    # context, in the same article (a recipe's list repeated), so that the other copy is
    # the better match.
    assert share(found) >= 0.98


def test_highlights_are_found_after_edits_a_little_way_off_on_both_sides() -> None:
    def found(trial: Trial, chooser: random.Random) -> bool | None:
        # A paragraph added a few letters before the quote, the text from a few letters
        # after it cut: neither side of its context is whole.
        before, after = chooser.randrange(0, 33), chooser.randrange(0, 33)
        if trial.start - before <= 0 or trial.end + after >= len(trial.text):
            return None
        exact, prefix, suffix = trial.quote
        added = "A paragraph the editors added.\n\n"
        text = trial.text
        cut_from = trial.end + after
        text = text[:cut_from] + text[cut_from + chooser.randrange(20, 200) :]
        text = text[: trial.start - before] + added + text[trial.start - before :]
        anchor = reanchor(text, exact, prefix, suffix, trial.start, trial.end)
        return anchor.status is AnchorStatus.MOVED and anchor.start == trial.start + len(added)

    # Before: 0.484; now 0.691. Found when 24 letters of context or more are unchanged
    # next to the quote (both sides together), or one side is nearly whole.
    assert share(found) >= 0.69


def found_after_a_slip_inside(
    *, with_context: bool
) -> Callable[[Trial, random.Random], bool | None]:
    """A check: after one letter inside the quote is changed, added or removed, is the
    highlight found (CHANGED) where it was, with its context or with its position only?"""
    shortest = 5 if with_context else 8  # one edit per 8 letters, with a position only

    def found(trial: Trial, chooser: random.Random) -> bool | None:
        if trial.end - trial.start < shortest:
            return None
        exact, prefix, suffix = trial.quote
        if not with_context:
            prefix = suffix = ""
        at = chooser.randrange(trial.start + 1, trial.end - 1)
        text = slip(trial.text, at, chooser.randrange(3))
        anchor = reanchor(text, exact, prefix, suffix, trial.start, trial.end)
        return anchor.status is AnchorStatus.CHANGED and anchor.start == trial.start

    return found


def test_highlights_are_found_after_a_slip_inside_the_quote() -> None:
    # Before: 0.903; now 0.964. Missed now: mostly a short word whose repeat elsewhere,
    # unedited, has the same context on one side.
    assert share(found_after_a_slip_inside(with_context=True)) >= 0.96


def test_context_less_highlights_are_found_after_a_slip_inside_the_quote() -> None:
    # Before: 0.0 (nothing but the position says where); now 1.0.
    assert share(found_after_a_slip_inside(with_context=False)) >= 0.99


def test_highlights_are_found_by_a_short_prefix_with_a_typo() -> None:
    def found(trial: Trial, chooser: random.Random) -> bool | None:
        exact, prefix, _ = trial.quote
        short = prefix[-chooser.randrange(7, 17) :]
        if len(short) < 7:
            return None
        sloppy = slip(short, chooser.randrange(len(short)), 0)
        anchor = reanchor(trial.text, exact, sloppy, "", 0, 0)
        return anchor.status is not AnchorStatus.ORPHANED and anchor.start == trial.start

    # Before: 0.932; now 0.935.
    assert share(found) >= 0.934
