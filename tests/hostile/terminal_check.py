"""What may reach the terminal: a checker for the raw bytes a program wrote to its pty.

Textual writes plenty of control sequences of its own (CSI for colours, cursor moves and
modes, OSC 22 for the pointer shape), so the checks are about sequences a document could
have smuggled in: any sequence carrying a document's payload, the families Textual never
uses (DCS, APC, PM, SOS, 8-bit C1), window titles, hyperlinks, clipboard writes, screen
clears and terminal queries, and stray BEL or backspace bytes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# One escape sequence: CSI, OSC (ended by BEL or ST), a string sequence ended by ST, or a
# two-byte escape.
_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[P_^X].*?(?:\x1b\\|$)"
    r"|\x1b[^\[\]P_^X]?",
    re.DOTALL,
)
_OSC_NUMBER = re.compile(r"\x1b\](\d+)")
_C1 = re.compile("[\x80-\x9f]")
# Sequences Textual never writes, which a document might try: clear screen and scrollback,
# full reset, cursor position and window title reports, bracketed-paste markers.
FORBIDDEN_CSI = ("\x1b[2J", "\x1b[3J", "\x1bc", "\x1b[6n", "\x1b[21t", "\x1b[200~", "\x1b[201~")
FORBIDDEN_OSC = {"0", "1", "2", "8", "52"}


# Characters that make text read otherwise than it is stored, drawn by no terminal: bidi
# controls, zero-width and invisible format characters. A ZWJ is allowed only between two
# pictographs (an emoji sequence such as 👩‍💻, which the terminal draws).
_HIDDEN = re.compile(
    "[\u061c\u200b\u200c\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)


def _pictograph(char: str) -> bool:
    return ord(char) >= 0x1F000 or 0x2600 <= ord(char) <= 0x27BF


def _stray_joiners(text: str) -> list[int]:
    """Positions of ZWJs that do not join two pictographs."""
    stray = []
    for index, char in enumerate(text):
        if char != "\u200d":
            continue
        before = text[index - 1] if index else ""
        if before == "\ufe0f" and index > 1:
            before = text[index - 2]
        after = text[index + 1] if index + 1 < len(text) else ""
        if not (before and after and _pictograph(before) and _pictograph(after)):
            stray.append(index)
    return stray


def sequences(output: str) -> list[str]:
    return _SEQUENCE.findall(output)


def problems(raw: bytes, markers: Iterable[str]) -> list[str]:
    """Everything in `raw` that looks like a document drove the terminal ([] when clean)."""
    output = raw.decode("utf-8", errors="replace")
    found: list[str] = []
    found_sequences = sequences(output)
    for sequence in found_sequences:
        carried = [marker for marker in markers if marker in sequence]
        if carried:
            found.append(f"a control sequence carries document text {carried}: {sequence!r}")
        if sequence[:2] in ("\x1bP", "\x1b_", "\x1b^", "\x1bX"):
            found.append(f"a DCS/APC/PM/SOS string sequence was written: {sequence[:40]!r}")
        number = _OSC_NUMBER.match(sequence)
        if number is not None and number.group(1) in FORBIDDEN_OSC:
            found.append(f"OSC {number.group(1)} was written: {sequence[:60]!r}")
    for forbidden in FORBIDDEN_CSI:
        if forbidden in found_sequences:
            found.append(f"{forbidden!r} was written")
    if _C1.search(output):
        found.append("an 8-bit C1 control character was written")
    plain = _SEQUENCE.sub("", output)
    for control in sorted({c for c in plain if c < " " and c not in "\r\n"}):
        found.append(f"a bare control character {control!r} was written")
    for hidden in sorted(set(_HIDDEN.findall(plain))):
        found.append(f"a hidden character U+{ord(hidden):04X} was written")
    if _stray_joiners(plain):
        found.append("a zero-width joiner outside an emoji sequence was written")
    return found


def restored(raw: bytes) -> bool:
    """The alternate screen was entered and left, and only mode resets follow leaving it."""
    output = raw.decode("utf-8", errors="replace")
    enter, leave = output.find("\x1b[?1049h"), output.rfind("\x1b[?1049l")
    if enter < 0 or leave < enter:
        return False
    tail = output[leave:]
    return re.fullmatch(r"(?:\x1b\[[?<>=]?[\d;]*[hlu])*", tail) is not None
