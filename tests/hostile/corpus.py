"""Hostile article files, built in a temporary folder.

Every payload carries a unique marker ("HOSTILE-...") so that a test can tell a sequence
that came from a document apart from the ones Textual itself writes to the terminal.
"""

from __future__ import annotations

import base64
import codecs
import os
from pathlib import Path

ESC = "\x1b"
BEL = "\x07"
ST = ESC + "\\"  # string terminator
C1_CSI = "\x9b"  # the 8-bit form of ESC [

# -- payload markers -------------------------------------------------------------------------
CLIPBOARD_TEXT = "HOSTILE-CLIPBOARD rm -rf ~"
CLIPBOARD_B64 = base64.b64encode(CLIPBOARD_TEXT.encode()).decode()
TITLE_ZERO = "HOSTILE-TITLE-ZERO"
TITLE_TWO = "HOSTILE-TITLE-TWO"
LINK_URL = "https://evil.example/HOSTILE-OSC8"
DCS_BODY = "HOSTILE-DCS-BODY"
APC_BODY = "HOSTILE-APC-BODY"
PM_BODY = "HOSTILE-PM-BODY"
SOS_BODY = "HOSTILE-SOS-BODY"
PASTE_BODY = "HOSTILE-PASTE-BODY"
FILENAME_TITLE = "HOSTILE-FILENAME-TITLE"

# Every string that must never be inside a control sequence written to the terminal.
MARKERS = (
    CLIPBOARD_B64,
    TITLE_ZERO,
    TITLE_TWO,
    "evil.example",
    DCS_BODY,
    APC_BODY,
    PM_BODY,
    SOS_BODY,
    PASTE_BODY,
    FILENAME_TITLE,
    "HOSTILE",
)

# One line per family, each recognisable on screen by the words around it.
CONTROL_LINES = (
    f"SGR line {ESC}[1;31mred{ESC}[0m and {ESC}[38;2;255;0;0mtruecolour{ESC}[m end.",
    f"Cursor line {ESC}[10;10Hmoved{ESC}[2A{ESC}[5C{ESC}[s{ESC}[u{ESC}[?25l hidden cursor.",
    f"Clear line {ESC}[2J{ESC}[3J{ESC}[H{ESC}c{ESC}[?1049l{ESC}[?1000h{ESC}[6n{ESC}[21t end.",
    f"Title line {ESC}]0;{TITLE_ZERO}{BEL} and {ESC}]2;{TITLE_TWO}{ST} end.",
    f"Link line {ESC}]8;;{LINK_URL}{ST}click me{ESC}]8;;{ST} end.",
    f"Clipboard line {ESC}]52;c;{CLIPBOARD_B64}{BEL} end.",
    f"DCS line {ESC}P{DCS_BODY}{ST} and {ESC}P+q544e{ST} end.",
    f"APC line {ESC}_{APC_BODY}{ST} PM {ESC}^{PM_BODY}{ST} SOS {ESC}X{SOS_BODY}{ST} end.",
    f"C1 line {C1_CSI}31mc1red{C1_CSI}2J and \x9d0;{TITLE_ZERO}\x9c end.",
    "Carriage line visible text\rOVERWRITE and back\b\b\bspace and bell\x07\x07 end.",
    f"Paste line {ESC}[200~{PASTE_BODY}{ESC}[201~ end.",
    "Delete line \x7f and vertical \x0b and form \x0c feed end.",
)

CONTROLS_TEXT = "Control Sequences Of Every Family\n\n" + "\n\n".join(CONTROL_LINES) + "\n"

# Rich/Textual markup shapes: each must be shown literally.
MARKUP_SHAPES = (
    "[bold red]x[/]",
    "[@click=app.quit]click[/]",
    "[link=https://evil.example/markup]x[/link]",
    "[$accent]x",
    "\\[escaped]",
    "[on red]",
)
MARKUP_TXT = (
    "[bold red]Markup[/] Title [@click=app.quit]quit[/]\n"
    "\n"
    "A paragraph with " + " and ".join(MARKUP_SHAPES) + " in it.\n"
    "\n"
    "[on red]Heading [$accent]x\n"
    "\n"
    "Another paragraph after the heading, with [@click=app.bell]bell[/] and [b]bold[/b].\n"
    "\n"
    "| [bold]Aspect[/] | [@click=app.quit]Cell[/] |\n"
    "|---|---|\n"
    "| [link=https://evil.example/cell]x[/link] | \\[escaped] [on red] |\n"
)
MARKUP_MD = (
    "# [@click=app.quit]Quit[/] [bold red]x[/]\n"
    "\n"
    "Some **[bold]strong[/bold]** text and `[@click=app.quit]code[/]` and [link](https://x.test).\n"
    "\n"
    "## [$accent]x heading [on red]\n"
    "\n"
    "- item [link=https://evil.example/item]x[/link]\n"
    "- item \\[escaped]\n"
    "\n"
    "| head [i]one[/i] | head two |\n"
    "|:---|---:|\n"
    "| [@click=app.quit]q[/] | [blink]b[/] |\n"
)

RLO = "\u202e"
PDI = "\u2069"
LRI = "\u2066"
INVISIBLES = ("\u200b", "\u2060", "\ufeff")
ZWNJ = "\u200c"
ZWJ = "\u200d"
BIDI_TXT = (
    "Trojan Source Sample\n"
    "\n"
    f"access level = user{RLO} {LRI}// Check if admin{PDI} {LRI}\n"
    "\n"
    f"Invisible{INVISIBLES[0]}space, word{INVISIBLES[1]}joiner and bom{INVISIBLES[2]}inside.\n"
    "\n"
    f"Joiners: non{ZWNJ}joiner, zero{ZWJ}width joiner, an emoji \U0001f469{ZWJ}\U0001f4bb kept.\n"
)

CJK_SENTENCE = "日本語のテキストと中文字符，全角文字が並ぶ段落です。"
# The table holds wide, combining and plain emoji cells but no ZWJ sequence: terminals (and
# pyte, which stops drawing a chunk at a zero-width joiner) disagree on how wide those are.
WIDE_TXT = (
    "Wide And Combining\n"
    "\n" + CJK_SENTENCE * 4 + "\n"
    "\n"
    "Combining: e\u0301 a\u0308 n\u0303 and Zalgo h\u0336\u0337\u0338e\u0489llo.\n"
    "\n"
    "Emoji: \U0001f469\u200d\U0001f4bb \U0001f468\u200d\U0001f469\u200d\U0001f467\u200d"
    "\U0001f466 \U0001f1ef\U0001f1f5 \U0001f44d\U0001f3fd done.\n"
    "\n"
    "| 名前 | 説明 |\n"
    "|---|---|\n"
    "| 日本 | 全角 e\u0301 \U0001f389 x |\n"
)


def write_text_files(folder: Path) -> dict[str, Path]:
    """The openable hostile articles (all small), by role."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "controls": ("01_controls.txt", CONTROLS_TEXT.encode()),
        "markup_txt": ("02_markup.txt", MARKUP_TXT.encode()),
        "markup_md": ("03_markup.md", MARKUP_MD.encode()),
        "bidi": ("04_bidi.txt", BIDI_TXT.encode()),
        "wide": ("05_wide.txt", WIDE_TXT.encode()),
        "utf16le": (
            "06_utf16le.txt",
            codecs.BOM_UTF16_LE + "Little Endian Title\n\nUTF-16 LE body é.\n".encode("utf-16-le"),
        ),
        "utf16be": (
            "07_utf16be.txt",
            codecs.BOM_UTF16_BE + "Big Endian Title\n\nUTF-16 BE body ü.\n".encode("utf-16-be"),
        ),
        "invalid_utf8": (
            "08_invalid_utf8.txt",
            b"Broken Bytes Title\n\nCaf\xe9 na\xefve \xff\xfe half \xc3 done "
            + ESC.encode()
            + b"[31m esc in legacy \x9b31m.\n",
        ),
        "bom_crlf": (
            "09_bom_crlf.txt",
            codecs.BOM_UTF8 + b"Crlf Title\r\n\r\nWindows line.\r\nOld Mac line.\rEnd.\r\n",
        ),
        "empty": ("10_empty.txt", b""),
        "blank": ("11_blank.md", b"   \n\t\n  \r\n \n"),
    }
    written: dict[str, Path] = {}
    for role, (name, data) in files.items():
        path = folder / name
        path.write_bytes(data)
        written[role] = path
    return written


def write_unopenable_files(folder: Path) -> dict[str, Path]:
    """Files that must be refused with one line each (never hang, never crash)."""
    folder.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    nul = folder / "20_nul.txt"
    nul.write_bytes(b"Text with a NUL\x00 byte in it.\n")
    written["nul"] = nul
    binary = folder / "21_binary.txt"
    binary.write_bytes(bytes(range(256)) * 16)
    written["binary"] = binary
    huge = folder / "22_huge.txt"
    with open(huge, "wb") as stream:  # sparse: instant, takes no disk
        stream.truncate(65 * 1024 * 1024)
    written["huge"] = huge
    fifo = folder / "23_fifo.txt"
    os.mkfifo(fifo)
    written["fifo"] = fifo
    # A file name that is itself hostile: it shows up in the "cannot open" message.
    named = folder / f"24_{ESC}]0;{FILENAME_TITLE}{BEL}[@click=app.quit]q[b].txt"
    named.write_bytes(b"\x00\x01\x02 binary")
    written["hostile_name"] = named
    return written


def write_symlink_loops(folder: Path) -> None:
    """A folder that links back to its parent, and a file link that points at itself."""
    sub = folder / "30_loops"
    sub.mkdir(parents=True, exist_ok=True)
    (sub / "back").symlink_to("..")
    (sub / "self.txt").symlink_to("self.txt")
    (sub / "inner.txt").write_text("Inside The Loop Folder\n\nReached once.\n")


def build_hostile_folder(folder: Path) -> dict[str, Path]:
    """Everything above in one folder (plus a directory whose name looks like a file)."""
    files = write_text_files(folder)
    files.update(write_unopenable_files(folder))
    write_symlink_loops(folder)
    named_like_a_file = folder / "25_folder.txt"
    named_like_a_file.mkdir()
    (named_like_a_file / "nested.md").write_text("# Nested In A Dotted Folder\n\nFound.\n")
    return files
