"""Which addresses aiwatch fetches, and the one form an article is stored under."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from hypothesis.provisional import urls

from aiwatch_tui.core.web.urls import is_fetchable, join, normalize_url


@pytest.mark.parametrize(
    ("url", "normal"),
    [
        ("HTTP://Example.COM", "http://example.com/"),
        ("https://x.example:443/a?utm_source=rss&b=2&fbclid=3#frag", "https://x.example/a?b=2"),
        ("http://x.example:80/a?UTM_Medium=x", "http://x.example/a"),
        ("http://x.example:8080/a?z=1&a=2", "http://x.example:8080/a?z=1&a=2"),  # order kept
        (
            "https://x.example/a?gclid=1&mc_cid=2&mc_eid=3&igshid=4&_hsenc=5&_hsmi=6&ref_src=7",
            "https://x.example/a",
        ),
        ("https://x.example/a?id=7&utm_campaign=x#top", "https://x.example/a?id=7"),
        ("https://user@Host.example/p", "https://user@host.example/p"),  # userinfo kept as is
        ("http://[::1]:80/feed", "http://[::1]/feed"),
        ("https://x.example/A/Path?Q=Case", "https://x.example/A/Path?Q=Case"),  # case matters
    ],
)
def test_normal_form(url, normal):
    assert normalize_url(url) == normal
    assert is_fetchable(url)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "data:text/html,<script>alert(1)</script>",
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "ftp://x.example/f",
        "feed://x.example/rss",
        "example.com/feed",
        "//x.example/feed",
        "http://",
        "http:///path",
        "http://exa mple.com/",
        "http://x.example:99999/",
        "http://x.example\\@evil.example/",
        " http://x.example/",
        "http://x.example/\n",
        "http://-bad-.example/",
        "",
    ],
)
def test_what_is_never_fetched_stays_as_it_was(url):
    assert not is_fetchable(url)
    assert normalize_url(url) == url


def test_join_resolves_like_a_browser():
    assert join("https://x.example/a/b", " ../c\n") == "https://x.example/c"
    assert join("https://x.example/a/", "//cdn.example/f") == "https://cdn.example/f"
    assert join("https://x.example/a", "") == "https://x.example/a"
    assert not is_fetchable(join("https://x.example/", "javascript:alert(1)"))


@given(st.text(max_size=80))
@example("http://İ.example/")
@example("HTTP://x.example:/?&&utm_x=1&#")
def test_normalizing_any_text_is_idempotent_and_keeps_fetchability(text):
    normal = normalize_url(text)
    assert normalize_url(normal) == normal
    # Never turns odd input into a fetchable URL (nor the reverse).
    assert is_fetchable(normal) == is_fetchable(text)


_TRACKING = st.sampled_from(
    [
        "utm_source",
        "utm_medium",
        "UTM_Campaign",
        "fbclid",
        "gclid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "_hsenc",
        "_hsmi",
        "ref_src",
    ]
)
# Parameters that are not tracking ones (a random name may be one, such as "spm").
_PARAM = st.from_regex(r"[a-z]{1,6}=[a-z0-9]{0,4}", fullmatch=True).filter(
    lambda p: normalize_url(f"http://x.example/?{p}") != "http://x.example/"
)


@given(urls(), st.lists(_PARAM, max_size=4), st.lists(_TRACKING, max_size=4), st.randoms())
def test_tracking_parameters_go_and_the_others_stay_in_order(url, params, tracking, rng):
    base = url.split("?")[0].split("#")[0]
    mixed = params + [f"{name}=x" for name in tracking]
    rng.shuffle(mixed)
    normal = normalize_url(base + ("?" + "&".join(mixed) if mixed else ""))
    query = normal.partition("?")[2]
    assert [p for p in query.split("&") if p] == [p for p in mixed if p in params]
    assert normalize_url(normal) == normal and is_fetchable(normal)
