"""`gx`: which link the caret is on, and how $BROWSER is started for it; what `y` copies."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from aiwatch_tui.core.text.document import document_from_text
from aiwatch_tui.core.text.urls import link_at
from aiwatch_tui.ui.clipboard import CLIPBOARD_LIMIT, to_copy
from aiwatch_tui.ui.links import browser_command, open_link, text_browser_command

MARKDOWN = (
    "See [the report](https://example.com/r?a=1) and www.x.org/p.\n\n"
    "Also https://a.b/c, then [a page](/local) and [broken](.\n"
)


def links(text: str, markdown: bool = True) -> dict[int, str | None]:
    document = document_from_text(text, "k", markdown=markdown)
    return {i: link_at(document.text, document.inlines, i) for i in range(len(document.text))}


def test_the_link_under_the_caret() -> None:
    found = links(MARKDOWN)
    at = MARKDOWN.index
    for where in ("[the", "the report", "report]", "](https", "https://example", "a=1)"):
        assert found[at(where)] == "https://example.com/r?a=1", where
    assert found[at("www.x.org")] == "https://www.x.org/p"  # www. gets its scheme
    assert found[at("x.org/p")] == "https://www.x.org/p"
    assert found[at("https://a.b")] == "https://a.b/c"
    assert found[at("a page")] == "/local"  # a link, if not one a browser is given
    for where in ("See", "and www", "Also", "broken"):
        assert found[at(where)] is None, where


def test_a_url_in_plain_text() -> None:
    text = "Read https://example.org/x (it is long).\n"
    found = links(text, markdown=False)
    assert found[text.index("example")] == "https://example.org/x"
    assert found[text.index("Read")] is None and found[text.index("long")] is None


def test_browser_commands_as_browser_spells_them() -> None:
    url = "https://example.com/a b;rm -rf ~"
    assert browser_command("firefox", url) == ["firefox", url]
    assert browser_command("firefox --new-tab %s", url) == ["firefox", "--new-tab", url]
    assert browser_command("'/opt/My Browser/run' --url=%s", url) == [
        "/opt/My Browser/run",
        f"--url={url}",
    ]
    assert browser_command(":w3m:lynx", url) == ["w3m", url]  # the first of a list
    assert browser_command("", url) is None
    assert browser_command("'unclosed", url) is None


def test_open_link_runs_the_browser_with_the_address_as_one_argument(tmp_path: Path) -> None:
    record = tmp_path / "argv.txt"
    script = tmp_path / "browser.py"
    script.write_text(f"import sys\nopen({str(record)!r}, 'w').write(repr(sys.argv[1:]))\n")
    url = "https://example.com/?q=a b&$(touch pwned)"
    said = open_link(url, {"BROWSER": f"{sys.executable} {script}", "PATH": ""})
    assert said == f"Opened in {Path(sys.executable).name}: {url}"
    for _ in range(400):
        if record.exists() and record.read_text():
            break
        time.sleep(0.025)
    assert record.read_text() == repr([url])
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "javascript:alert(1)", "ftp://example.com/x", "mailto:a@b", "/local"],
)
def test_only_web_links_are_opened(url: str, tmp_path: Path) -> None:
    record = tmp_path / "argv.txt"
    said = open_link(url, {"BROWSER": f"touch {record}"})
    assert said.startswith("Not opened (only http and https links are)")
    assert not record.exists()


def test_a_browser_that_does_not_start_is_said(tmp_path: Path) -> None:
    said = open_link("https://example.com/", {"BROWSER": str(tmp_path / "no-such-browser")})
    assert said.startswith("$BROWSER (") and "did not start: no such file or folder" in said
    assert said.endswith("Link: https://example.com/")


def test_what_y_copies_is_sanitised_and_may_be_refused() -> None:
    copy = to_copy("a\x1b]52;c;ZXZpbA==\x07b\u202ec\nd", "osc52", {"TERM": "xterm"}, "f")
    assert copy.text == "a␛]52;c;ZXZpbA==␇b␦c\nd"  # no escape, no bidi override: symbols
    assert copy.message == "Copied 22 characters to the clipboard."
    assert to_copy("x", "off", {"TERM": "xterm"}, "config.toml").text is None
    refused = to_copy("x", "osc52", {"TERM": "linux"}, "f")
    assert refused.text is None and "TERM=linux" in refused.message
    mac = to_copy("x", "osc52", {"TERM": "xterm-256color", "TERM_PROGRAM": "Apple_Terminal"}, "f")
    assert mac.text is None and mac.message.startswith("Not copied: macOS Terminal")
    long = to_copy("x" * (CLIPBOARD_LIMIT + 5), "osc52", {}, "f")
    assert long.text is not None and len(long.text) == CLIPBOARD_LIMIT
    assert "the first 50,000" in long.message


def test_a_text_browser_is_run_in_the_terminal_others_in_the_background() -> None:
    url = "https://example.org/a"
    assert text_browser_command(url, {"BROWSER": "/usr/bin/w3m"}) == ["/usr/bin/w3m", url]
    assert text_browser_command(url, {"BROWSER": "lynx -accept_all_cookies %s"}) == [
        "lynx",
        "-accept_all_cookies",
        url,
    ]
    assert text_browser_command(url, {"BROWSER": "firefox"}) is None
    assert text_browser_command(url, {}) is None
    assert text_browser_command("file:///etc/passwd", {"BROWSER": "w3m"}) is None
