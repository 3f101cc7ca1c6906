"""The palette's fuzzy search: fzf query syntax, ranking, typo tolerance and highlight positions."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiwatch_tui.core.find.fuzzy import (
    MAX_SCORED,
    FuzzyIndex,
    Query,
    Term,
    TermKind,
    fold,
    parse_query,
    positions,
)

FILLER_WORDS = (
    "market chip cloud model energy water policy union budget review launch deal lab grid "
    "price staff court board rival quarter growth risk tool code data report"
).split()


def filler(count: int, seed: int = 1) -> list[str]:
    """Plausible headline-like candidates that mention none of the names the tests look for."""
    rng = random.Random(seed)
    return [
        " ".join(rng.choice(FILLER_WORDS) for _ in range(rng.randint(3, 12))).capitalize()
        for _ in range(count)
    ]


def texts_of(index_texts: list[str], query: str, limit: int = 50) -> list[str]:
    return [index_texts[hit.index] for hit in FuzzyIndex(index_texts).search(query, limit)]


# -- query syntax ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("nvidia", Term("nvidia", TermKind.FUZZY)),
        ("'nvidia", Term("nvidia", TermKind.EXACT)),
        ("^inside", Term("inside", TermKind.PREFIX)),
        ("campus$", Term("campus", TermKind.SUFFIX)),
        ("^inside$", Term("inside", TermKind.EQUAL)),
        ("!draft", Term("draft", TermKind.EXACT, negated=True)),
        ("!'draft", Term("draft", TermKind.EXACT, negated=True)),
        ("!^draft", Term("draft", TermKind.PREFIX, negated=True)),
        ("!draft$", Term("draft", TermKind.SUFFIX, negated=True)),
        ("Nvidia", Term("Nvidia", TermKind.FUZZY, case_sensitive=True)),
        ("!^The", Term("The", TermKind.PREFIX, negated=True, case_sensitive=True)),
        ("$4", Term("$4", TermKind.FUZZY)),
        ("!", Term("!", TermKind.FUZZY)),
        ("^", Term("^", TermKind.FUZZY)),
        ("'", Term("'", TermKind.FUZZY)),
    ],
)
def test_each_operator_parses_to_its_term(raw: str, expected: Term) -> None:
    assert parse_query(raw) == Query((expected,))


def test_terms_are_separated_by_any_run_of_spaces_and_a_backslash_keeps_one() -> None:
    query = parse_query("  data   center\\ workers  !leak ")
    assert [t.text for t in query.terms] == ["data", "center workers", "leak"]
    assert [t.text for t in query.positive] == ["data", "center workers"]
    assert [t.text for t in query.negative] == ["leak"]
    assert parse_query("   ").is_empty


def test_smart_case_is_decided_per_term() -> None:
    lower, upper = parse_query("apple Apple").terms
    assert not lower.case_sensitive and lower.needle == "apple"
    assert upper.case_sensitive and upper.needle == "Apple"


def test_smart_case_matches() -> None:
    texts = ["apple pie recipe", "Apple earnings call"]
    assert sorted(texts_of(texts, "apple")) == sorted(texts)
    assert texts_of(texts, "'Apple") == ["Apple earnings call"]
    assert texts_of(texts, "Apple")[0] == "Apple earnings call"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_parsing_any_text_gives_nonempty_terms(raw: str) -> None:
    for term in parse_query(raw).terms:
        assert term.text
        assert term.case_sensitive == any(c.isupper() for c in term.text)


# -- matching -------------------------------------------------------------------------------


def test_empty_query_lists_the_first_candidates_in_order() -> None:
    texts = filler(80)
    hits = FuzzyIndex(texts).search("", limit=10)
    assert [h.index for h in hits] == list(range(10))
    assert all(h.positions == () for h in hits)


def test_all_terms_must_match() -> None:
    texts = ["Data center workers unionise", "Data privacy rules", "Center for AI safety"]
    assert texts_of(texts, "data center") == ["Data center workers unionise"]


def test_exclusions_exclude() -> None:
    texts = ["Data center workers", "Data privacy rules", "Data leak at Meta", "Cloud data deal"]
    assert sorted(texts_of(texts, "data !leak !privacy")) == [
        "Cloud data deal",
        "Data center workers",
    ]
    assert texts_of(texts, "data !^Data") == ["Cloud data deal"]
    assert sorted(texts_of(texts, "data !rules$")) == sorted(set(texts) - {"Data privacy rules"})
    # A query of exclusions alone keeps the remaining candidates, in their order.
    assert texts_of(texts, "!data") == []
    assert texts_of(texts, "!meta !cloud") == ["Data center workers", "Data privacy rules"]


def test_prefix_suffix_exact_and_equal() -> None:
    texts = ["Inside the Ohio campus", "Life inside OpenAI", "Campus life", "inside"]
    assert texts_of(texts, "^inside") == ["inside", "Inside the Ohio campus"]
    assert texts_of(texts, "campus$") == ["Inside the Ohio campus"]
    assert texts_of(texts, "^inside$") == ["inside"]
    assert texts_of(texts, "'side ope") == ["Life inside OpenAI"]
    # exact means exact: no typo is forgiven
    assert texts_of(["Anthropic"], "'antropic") == []


# -- ranking --------------------------------------------------------------------------------


def test_exact_beats_fuzzy() -> None:
    texts = [*filler(300), "Nvidai earnings call", "Nvidia earnings call"]
    ranked = texts_of(texts, "nvidia")
    assert ranked[:2] == ["Nvidia earnings call", "Nvidai earnings call"]


def test_word_start_beats_mid_word() -> None:
    texts = ["new platform", "new formulas"]
    assert texts_of(texts, "form") == ["new formulas", "new platform"]


def test_candidate_start_beats_word_start() -> None:
    texts = ["The OpenAI memo", "OpenAI memo, the"]
    assert texts_of(texts, "openai")[0] == "OpenAI memo, the"


def test_short_title_beats_long_quote_with_the_same_match() -> None:
    long_quote = (
        "Why OpenAI matters to the many investors who have poured billions into the sector, "
        "according to people who attended the meeting in March"
    )
    texts = [long_quote, "Why OpenAI matters"]
    assert texts_of(texts, "openai") == ["Why OpenAI matters", long_quote]


@pytest.mark.parametrize(
    ("query", "wanted"),
    [
        ("antropic", "Questions for Anthropic"),
        ("nvidai", "Nvidia's chip lead"),
        ("Nvidai", "Nvidia's chip lead"),
        ("employes", "Employees push back"),
        ("data cetner", "Data center expansion"),
        ("zurich", "Inside the Zürich campus"),
    ],
)
def test_typos_still_find(query: str, wanted: str) -> None:
    texts = [
        *filler(2000),
        "Questions for Anthropic",
        "Nvidia's chip lead",
        "Employees push back",
        "Data center expansion",
        "Inside the Zürich campus",
    ]
    assert texts_of(texts, query, limit=3)[0] == wanted


def test_short_terms_are_not_matched_with_typos() -> None:
    # Three letters with one changed would match almost anything.
    assert texts_of(["the gpu race"], "gpx") == []


def test_scattered_letters_match_when_nothing_better_does() -> None:
    texts = ["Quarterly review", "Data center workers", "Cloud prices fall"]
    assert texts_of(texts, "dcw") == ["Data center workers"]


def test_many_matches_are_cut_to_the_best_first() -> None:
    texts = [f"report number {n} on chip exports" for n in range(MAX_SCORED * 2)]
    texts.append("Chip")
    hits = FuzzyIndex(texts).search("chip", limit=5)
    assert len(hits) == 5
    assert texts[hits[0].index] == "Chip"
    assert hits == sorted(hits, key=lambda h: -h.score)


def test_cancelled_search_returns_nothing() -> None:
    index = FuzzyIndex(filler(3000))
    assert index.search("chip", cancelled=lambda: True) == []
    assert index.search("chip") != []


# -- positions ------------------------------------------------------------------------------


def test_positions_cover_an_exact_match() -> None:
    text = "Why Anthropic wins"
    hit = FuzzyIndex([text]).search("anthropic")[0]
    assert hit.positions == tuple(range(4, 13))
    assert "".join(text[p] for p in hit.positions) == "Anthropic"


def test_positions_of_a_typo_are_the_matched_letters() -> None:
    text = "Questions for Anthropic"
    hit = FuzzyIndex([text]).search("antropic")[0]
    shown = "".join(text[p] for p in hit.positions).lower()
    assert shown == "antropic"
    assert all(text.lower().find("anthropic") <= p < len(text) for p in hit.positions)


def test_positions_of_several_terms_and_scattered_letters() -> None:
    text = "Data center workers"
    assert positions("work data", text) == (0, 1, 2, 3, 12, 13, 14, 15)
    assert "".join(text[p] for p in positions("dcw", text)).lower() == "dcw"
    assert positions("!data", text) == ()


def test_positions_hold_after_case_folding_that_changes_length() -> None:
    # "İ" lowercases to two characters; positions must still index the original text.
    text = "İstanbul AI summit"
    assert fold(text)[9:11] == "ai"
    assert positions("summit", text) == tuple(range(12, 18))


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.text(alphabet="abcAB xyz'^$!", min_size=1, max_size=20), min_size=1, max_size=30),
    st.text(alphabet="abcAB xyz'^$!\\", max_size=12),
)
def test_any_query_gives_valid_hits(texts: list[str], query: str) -> None:
    hits = FuzzyIndex(texts).search(query, limit=10)
    assert len(hits) <= 10
    assert len({h.index for h in hits}) == len(hits)
    for hit in hits:
        assert 0 <= hit.index < len(texts)
        assert all(0 <= p < len(texts[hit.index]) for p in hit.positions)
        assert list(hit.positions) == sorted(set(hit.positions))


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.text(alphabet="abc xy", min_size=1, max_size=12), min_size=1, max_size=40),
    st.lists(
        st.tuples(
            st.sampled_from(["'", "^", "!", "!^", ""]),
            st.text("abcxy", min_size=1, max_size=3),
            st.sampled_from(["", "$"]),
        ),
        min_size=1,
        max_size=3,
    ),
)
def test_exact_operators_return_exactly_the_matching_candidates(
    texts: list[str], parts: list[tuple[str, str, str]]
) -> None:
    # Only exact operators (no plain fuzzy term), so an oracle can say what must match.
    raw_terms = [f"{op}{word}{end}" for op, word, end in parts if op or end]
    if not raw_terms:
        return
    query = parse_query(" ".join(raw_terms))

    def satisfies(text: str, term: Term) -> bool:
        checks = {
            TermKind.EXACT: term.text in text,
            TermKind.PREFIX: text.startswith(term.text),
            TermKind.SUFFIX: text.endswith(term.text),
            TermKind.EQUAL: text == term.text,
        }
        return checks[term.kind] != term.negated

    expected = {i for i, t in enumerate(texts) if all(satisfies(t, term) for term in query.terms)}
    found = {h.index for h in FuzzyIndex(texts).search(query, limit=len(texts))}
    assert found == expected


# -- ranked as a person expects (issue 17), with the bundled articles' own sentences ---------

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def seed_sentences() -> list[str]:
    sentences: list[str] = []
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        sentences += [
            s.strip() for s in re.split(r"(?<=[.!?])\s+|\n+", text) if len(s.strip()) > 20
        ]
    return sentences


STREWN = (
    "Behind every seamless AI interaction, there is a massive physical infrastructure "
    "keeping the lights on."
)


def test_letters_strewn_over_a_long_quote_are_no_match() -> None:
    sentences = seed_sentences()
    assert STREWN in sentences  # it holds n, v, i, d, i, a in order, far apart
    found = texts_of(sentences, "nvidia")
    assert found and all("nvidia" in text.lower() for text in found)
    assert texts_of([STREWN], "nvidia") == []


def test_a_title_holding_the_word_ranks_above_quotes() -> None:
    title = "Nvidia's Blackwell Ramp"
    texts = [*seed_sentences(), title]
    assert texts_of(texts, "nvidia")[0] == title


def test_an_abbreviation_prefers_word_starts() -> None:
    sentences = seed_sentences()
    found = texts_of(sentences, "dcw")
    workers = next(n for n, text in enumerate(found) if text.startswith("Data center workers"))
    studio = next(n for n, text in enumerate(found) if "decides to walk away" in text)
    assert workers < studio  # D(ata) C(enter) W(orkers) before d(e)c(ides) ... w(alk)
    assert texts_of(["nvidia"], "nvda") == ["nvidia"]  # close letters still match
