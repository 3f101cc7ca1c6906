"""`aiwatch serve`: the reader in a real browser (headless Chromium), and who may open it."""

from __future__ import annotations

import base64
import http.client
import socket
import sqlite3
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import SEED_000
from tests.e2e.browser import AIWATCH, BrowserPage, ServedApp, chromium_or_skip, poll

pytestmark = pytest.mark.e2e

SEED_000_KEY = "seeds/000_c10daa536b93aa76.txt"
FIRST_SENTENCE = (
    "Artificial intelligence is no longer a distant concept confined to research labs or "
    "speculative fiction."
)


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        "AIWATCH_DB": str(tmp_path / "data" / "aiwatch.db"),
        "AIWATCH_CACHE_DIR": str(tmp_path / "cache"),
        "AIWATCH_CONFIG_DIR": str(tmp_path / "config"),
    }


def _rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    if not db.exists():
        return []
    with sqlite3.connect(db) as connection:
        return connection.execute(sql).fetchall()


def _status(
    host: str, port: int, path: str = "/", headers: dict[str, str] | None = None
) -> tuple[int, str]:
    connection = http.client.HTTPConnection(host, port, timeout=10)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def _websocket_headers(**more: str) -> dict[str, str]:
    return {
        "Connection": "Upgrade",
        "Upgrade": "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": base64.b64encode(b"sixteen byte key").decode(),
        **more,
    }


def test_a_highlight_made_in_the_browser_is_in_the_database(tmp_path: Path) -> None:
    chromium = chromium_or_skip()
    notes = tmp_path / "elsewhere" / "notes.db"  # --db wins over AIWATCH_DB, as in the terminal
    args = ["--port", "0", "--db", str(notes), str(SEED_000)]
    with ServedApp(args, env=_env(tmp_path), logs=tmp_path / "logs") as served:
        host, port = urlsplit(served.url).hostname, urlsplit(served.url).port
        assert (host, served.url) == ("127.0.0.1", f"http://127.0.0.1:{port}/")  # no token
        assert "warning" not in served.stderr()
        with BrowserPage(chromium, tmp_path / "profile") as browser:
            browser.page.goto(served.url)
            # The file given opens in the reading pane, and the keys line is there without a
            # click: keys typed now reach the app.
            browser.wait_for(r"no longer a distant concept", r"q Quit")
            browser.press("}", "s", "1")  # next paragraph, its first sentence, yellow
            highlights = poll(
                lambda: _rows(notes, "select doc_key, exact, color from highlights"),
            )
            assert highlights == [(SEED_000_KEY, FIRST_SENTENCE, "yellow")]
            browser.wait_for(r"1 hl", r"yellow . no note")  # the list and the status line
            shot = browser.screenshot("serve-highlight")
            assert shot.read_bytes().startswith(b"\x89PNG")
            # To the end, a document note begun, and the tab closed: as with a terminal that
            # hangs up, the place and the note being typed are kept.
            browser.press("G")
            browser.wait_for(r"short-term gains")
            browser.press("A")
            browser.wait_for(r"ctrl\+s save")
            browser.page.keyboard.type("Ask legal about it")
            browser.wait_for(r"Ask legal about it")
            browser.page.close()
            positions = poll(lambda: _rows(notes, "select doc_key, text_offset from positions"))
            assert positions and positions[0][0] == SEED_000_KEY and int(positions[0][1]) > 5000
            drafts = poll(lambda: _rows(notes, "select target, text from drafts"))
            assert drafts == [(f"document:{SEED_000_KEY}", "Ask legal about it")]
            assert browser.errors == []
        assert served.stop() == 0
    assert not (tmp_path / "data" / "aiwatch.db").exists()


def test_off_loopback_every_request_needs_the_token(tmp_path: Path) -> None:
    chromium = chromium_or_skip()
    env = _env(tmp_path)
    args = ["--host", "0.0.0.0", "--port", "0"]  # reached through 127.0.0.1 only
    with ServedApp(args, env=env, logs=tmp_path / "logs") as served:
        link = urlsplit(served.url)
        token = parse_qs(link.query)["token"][0]
        assert len(token) >= 32
        warning = served.stderr()
        assert "warning: 0.0.0.0 is reachable from other machines" in warning
        assert "anyone who can reach port" in warning and "annotations" in warning
        port = link.port
        assert port is not None

        for path in ("/", "/?token=wrong", "/static/js/textual.js", "/aiwatch/page.js"):
            status, body = _status("127.0.0.1", port, path)
            assert status == 403, path
            assert "token" in body
        status, _ = _status("127.0.0.1", port, "/ws", _websocket_headers())
        assert status == 403
        # Nor may another site's page use the token it somehow learnt.
        status, _ = _status(
            "127.0.0.1",
            port,
            f"/ws?token={token}",
            _websocket_headers(Origin="http://evil.example"),
        )
        assert status == 403

        with BrowserPage(chromium, tmp_path / "profile") as browser:
            browser.page.goto(f"http://127.0.0.1:{port}/?token={token}")
            browser.wait_for(r"The Growing Pains of the Artif", r"no longer a distant concept")
            browser.press("Tab", "s", "1")  # the script, the stylesheet and the WebSocket
            # came with the page's cookie: it works as on loopback.
            highlights = poll(
                lambda: _rows(Path(env["AIWATCH_DB"]), "select exact from highlights")
            )
            assert highlights == [("The Growing Pains of the Artificial Intelligence Era",)]
            browser.wait_for(r"1 hl")
            # A key the browser has a use for (F5 reloads a page) goes to aiwatch, and the
            # browser is told to leave it (in a headless one it would do nothing anyway).
            browser.page.evaluate(
                "() => { window.keys = []; window.addEventListener('keydown', event =>"
                " setTimeout(() => window.keys.push([event.key, event.defaultPrevented])), true); }"
            )
            browser.press("F5")
            browser.wait_for(r"Library refreshed")
            assert browser.page.evaluate("() => window.keys") == [["F5", True]]
            browser.screenshot("serve-token")
            assert browser.errors == []


def test_on_loopback_pages_of_other_sites_are_refused(tmp_path: Path) -> None:
    with ServedApp(["--port", "0"], env=_env(tmp_path), logs=tmp_path / "logs") as served:
        port = urlsplit(served.url).port
        assert port is not None
        assert _status("127.0.0.1", port)[0] == 200
        assert _status("127.0.0.1", port, headers={"Host": f"localhost:{port}"})[0] == 200
        # A page whose own name was pointed at 127.0.0.1 (DNS rebinding).
        status, body = _status("127.0.0.1", port, headers={"Host": f"evil.example:{port}"})
        assert status == 403 and "localhost" in body
        # A page of another site opening the WebSocket (which no same-origin rule stops).
        origin = _websocket_headers(Origin="http://evil.example")
        assert _status("127.0.0.1", port, "/ws", origin)[0] == 403


def test_with_token_loopback_needs_it_too(tmp_path: Path) -> None:
    # On a machine shared with other accounts, which can all reach 127.0.0.1.
    args = ["--port", "0", "--token"]
    with ServedApp(args, env=_env(tmp_path), logs=tmp_path / "logs") as served:
        link = urlsplit(served.url)
        token = parse_qs(link.query)["token"][0]
        assert (link.hostname, link.path) == ("127.0.0.1", "/")
        assert "warning" not in served.stderr()  # nothing beyond this machine can reach it
        assert link.port is not None
        assert _status("127.0.0.1", link.port)[0] == 403
        assert _status("127.0.0.1", link.port, f"/?token={token}")[0] == 200


def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [AIWATCH, "serve", *args], capture_output=True, text=True, env=env, timeout=60
    )


def test_a_port_in_use_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = _run("--port", str(port), env=_env(tmp_path))
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr == (
        f"aiwatch: cannot listen on 127.0.0.1:{port}: address already in use "
        "(another program listens there: choose another with --port)\n"
    )


def test_a_bad_host_is_one_line(tmp_path: Path) -> None:
    done = _run("--host", "127.0.0..1", env=_env(tmp_path))  # a typo; asks no name server
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == "aiwatch: cannot listen on 127.0.0..1: not a valid host name\n"


def test_a_path_that_is_not_there_stops_it_before_it_listens(tmp_path: Path) -> None:
    done = _run("--port", "0", str(tmp_path / "missing.txt"), env=_env(tmp_path))
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr.splitlines() == [
        f"aiwatch: {tmp_path / 'missing.txt'}: no such file or folder",
        "aiwatch: nothing to open",
    ]
