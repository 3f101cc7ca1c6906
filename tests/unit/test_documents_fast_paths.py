"""The shortcuts that make loading fast give the same answers as the plain definitions."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiwatch_tui.core.library import loading
from aiwatch_tui.core.library.loading import MAX_FILE_BYTES, load_document
from aiwatch_tui.core.text import sanitize as sanitising
from aiwatch_tui.core.text.decode import looks_binary
from aiwatch_tui.core.text.document import DocumentError, count_words
from aiwatch_tui.core.text.sanitize import hidden_character_notices, sanitize

NOT_WORDS = "| - -- --- — – • * + # ## ### #### ##### ###### > = & / : · … ...".split()
# Words, stand-alone punctuation, every kind of whitespace, and anything else.
pieces = st.one_of(
    st.sampled_from(
        [
            *NOT_WORDS,
            " ",
            "\n",
            "\t",
            "  ",
            "word",
            "é",
            "“quoted”",
            "中文",
            "🤖",
            "-x",
            "x-",
            "...",
        ]
        + ["....", "|a", "#a", "\u00a0", "\u2003", "\u3000", "\x0b", "\x1c", "\x85", "\u2028"]
    ),
    st.characters(exclude_categories=["Cs"]),
)
texts = st.lists(pieces, max_size=80).map("".join)


def words_by_definition(text: str) -> int:
    tokens = text.split()
    return len(tokens) - sum(token in NOT_WORDS for token in tokens)


@settings(max_examples=400, deadline=None)
@given(texts)
def test_word_count_is_wc_less_punctuation(text: str) -> None:
    assert count_words(text) == words_by_definition(text)


@settings(max_examples=400, deadline=None)
@given(texts)
def test_a_plainly_safe_text_needs_no_sanitising(text: str) -> None:
    if sanitising.plainly_safe(text):
        assert sanitize(text) == text
        assert hidden_character_notices(text) == ()
        assert not looks_binary(text)


def test_the_unsafe_characters_are_all_unprintable() -> None:
    assert sanitising._UNSAFE_ARE_UNPRINTABLE


def test_a_file_longer_than_announced_is_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    article = tmp_path / "growing.txt"
    article.write_text("Growing Article\n" + "More words arrive. " * 500, encoding="utf-8")
    real_fstat = os.fstat

    def shrunk_fstat(fd: int) -> os.stat_result:  # as if it grew after the stat
        status = real_fstat(fd)
        fields = list(status)
        fields[6] = 10  # st_size
        return os.stat_result(fields)

    monkeypatch.setattr(loading.os, "fstat", shrunk_fstat)
    document = load_document(article, "growing")
    assert document.text == article.read_text(encoding="utf-8")
    assert document.word_count == 2 + 3 * 500


def test_a_file_that_grows_past_the_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    article = tmp_path / "huge.txt"
    with article.open("wb") as stream:
        stream.truncate(MAX_FILE_BYTES + 10)
    real_fstat, real_stat = os.fstat, os.stat

    def small(status: os.stat_result) -> os.stat_result:
        fields = list(status)
        fields[6] = 100
        return os.stat_result(fields)

    monkeypatch.setattr(loading.os, "fstat", lambda fd: small(real_fstat(fd)))
    monkeypatch.setattr(loading.os, "stat", lambda path: small(real_stat(path)))
    with pytest.raises(DocumentError, match="grew past"):
        load_document(article, "huge")
