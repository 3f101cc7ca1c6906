"""`gx`: a link of the text opened in the user's browser ($BROWSER), or shown to be copied.

The browser is started without a shell, the address as one argument of its own, and only
for http and https addresses: a link in an article cannot run a command or open a local
file. Nothing is started when $BROWSER is not set: a guess (xdg-open, or a text browser that
would take over the terminal) is worse, over SSH above all, than the address on screen.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import threading
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from aiwatch_tui.core.files import describe_os_error
from aiwatch_tui.core.text.sanitize import one_line

WEB_SCHEMES = frozenset({"http", "https"})
# Browsers that draw in the terminal: they run in it, aiwatch suspended until they quit (as
# newsboat does), rather than in the background with no terminal to draw in.
TEXT_BROWSERS = frozenset({"w3m", "lynx", "links", "links2", "elinks", "browsh", "carbonyl"})


def browser_command(browser: str, url: str) -> list[str] | None:
    """The command $BROWSER (`browser`) names for `url`: its first entry (it may list
    several, colon-separated), with `url` in place of a "%s" or else after the rest."""
    for entry in browser.split(os.pathsep):
        try:
            words = shlex.split(entry)
        except ValueError:  # an unclosed quote
            continue
        if not words:
            continue
        if any("%s" in word for word in words):
            return [word.replace("%s", url) for word in words]
        return [*words, url]
    return None


def text_browser_command(url: str, environ: Mapping[str, str] | None = None) -> list[str] | None:
    """The command to run `url` in, in the terminal, when $BROWSER is a text browser."""
    env = os.environ if environ is None else environ
    if urlsplit(url).scheme.lower() not in WEB_SCHEMES:
        return None
    command = browser_command(env.get("BROWSER", ""), url)
    if command is None or Path(command[0]).name not in TEXT_BROWSERS:
        return None
    return command


def open_link(url: str, environ: Mapping[str, str] | None = None) -> str:
    """Open `url` in $BROWSER; what to tell the user (the address, whatever happened)."""
    env = os.environ if environ is None else environ
    shown = one_line(url)
    if urlsplit(url).scheme.lower() not in WEB_SCHEMES:
        return f"Not opened (only http and https links are): {shown}"
    command = browser_command(env.get("BROWSER", ""), url)
    if command is None:
        return f"Link: {shown}   ($BROWSER is not set: nothing was opened)"
    try:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # not in the terminal's process group: ^C stays ours
            close_fds=True,
            env=dict(env),
        )
    except OSError as error:
        name = one_line(command[0])
        return f"$BROWSER ({name}) did not start: {describe_os_error(error)}. Link: {shown}"
    # Reaped when it ends, so no zombie waits for aiwatch to exit.
    threading.Thread(target=process.wait, daemon=True).start()
    return f"Opened in {one_line(Path(command[0]).name)}: {shown}"
