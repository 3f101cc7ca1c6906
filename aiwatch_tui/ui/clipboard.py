"""What `y` puts on the clipboard: through the terminal (OSC 52, Textual's
`App.copy_to_clipboard`), sanitised, unless the settings file or the terminal says no."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from aiwatch_tui.core.config import Clipboard
from aiwatch_tui.core.text.sanitize import sanitize

# Terminals with no clipboard to write to: the Linux console, and no terminal at all.
NO_CLIPBOARD_TERMINALS = frozenset({"linux", "dumb"})
# Terminal programs (TERM_PROGRAM) that ignore OSC 52: macOS's Terminal.
NO_OSC52_PROGRAMS = {"Apple_Terminal": "macOS Terminal"}
# The most `y` copies: terminals drop longer OSC 52 writes (xterm's default limit is about
# 100,000 bytes of base64, which is 75,000 bytes of text).
CLIPBOARD_LIMIT = 50_000


@dataclass(frozen=True)
class Copy:
    text: str | None  # what to send (None: nothing may be)
    message: str  # what to tell the user


def to_copy(text: str, mode: Clipboard, environ: Mapping[str, str], settings_file: str) -> Copy:
    if mode == "off":
        return Copy(None, f"Not copied: the clipboard is off in {settings_file}.")
    term = environ.get("TERM", "")
    if term in NO_CLIPBOARD_TERMINALS:
        return Copy(None, f"Not copied: this terminal (TERM={term}) has no clipboard.")
    program = NO_OSC52_PROGRAMS.get(environ.get("TERM_PROGRAM", ""))
    if program is not None:
        return Copy(None, f"Not copied: {program} does not let programs set the clipboard.")
    # Control, bidi and invisible characters go as the symbols the reader shows them as: what
    # is pasted elsewhere (into a shell, say) cannot carry an escape sequence.
    safe = sanitize(text[:CLIPBOARD_LIMIT])
    count = "1 character" if len(safe) == 1 else f"{len(safe):,} characters"
    cut = (
        f" (the first {CLIPBOARD_LIMIT:,}: terminals take no more)" if len(text) > len(safe) else ""
    )
    return Copy(safe, f"Copied {count} to the clipboard{cut}.")
