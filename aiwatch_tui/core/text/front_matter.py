"""Front matter: the YAML (`---`) or TOML (`+++`) metadata at the top of a Markdown file.

It is hidden from the text; its `title`, `author` and `date` are used. Only those three
top-level keys are read, with a reader small enough to need no YAML or TOML library:
scalars (quoted or not), and for authors a flow list (`[a, b]`) or a block list of `- a`
lines.
"""

from __future__ import annotations

import re
from typing import NamedTuple


class FrontMatter(NamedTuple):
    start: int
    end: int  # without the final newline
    title: str = ""
    author: str = ""
    date: str = ""


# The block only counts as metadata when it holds at least one key line: "---\nFoo\n---"
# is a thematic break and a setext heading in CommonMark.
YAML_BLOCK = re.compile(
    r"---[ \t]*\n(?:[^\n]*\n)*?[A-Za-z_][\w -]*:(?:[ \t][^\n]*)?\n"
    r"(?:[^\n]*\n)*?(?:---|\.\.\.)[ \t]*(?:\n|\Z)"
)
TOML_BLOCK = re.compile(
    r"\+\+\+[ \t]*\n(?:[^\n]*\n)*?[A-Za-z_][\w.-]*[ \t]*=[^\n]*\n"
    r"(?:[^\n]*\n)*?\+\+\+[ \t]*(?:\n|\Z)"
)
_YAML_KEY = re.compile(r"([A-Za-z_][\w-]*)[ \t]*:(?:[ \t]+(.*))?$")
_TOML_KEY = re.compile(r"([A-Za-z_][\w-]*)[ \t]*=[ \t]*(.*)$")
_LIST_ITEM = re.compile(r"[ \t]+-[ \t]+(.*)$")
_KEYS = {"title": "title", "author": "author", "authors": "author", "date": "date"}


def find(text: str) -> tuple[str, re.Match[str]] | None:
    """("yaml" | "toml", the match) for front matter at the very top of `text`."""
    if text.startswith("---"):
        match = YAML_BLOCK.match(text)
        return ("yaml", match) if match else None
    if text.startswith("+++"):
        match = TOML_BLOCK.match(text)
        return ("toml", match) if match else None
    return None


def _scalar(raw: str) -> str:
    value = raw.strip()
    if value.startswith("#"):
        return ""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        inner = value[1:-1]
        return inner.replace('\\"', '"') if value[0] == '"' else inner.replace("''", "'")
    for comment in (" #", "\t#"):
        cut = value.find(comment)
        if cut >= 0:
            value = value[:cut].rstrip()
    return value


def _values(raw: str) -> list[str]:
    value = raw.strip()
    if value.startswith("[") and value.endswith("]"):
        return [v for v in (_scalar(part) for part in value[1:-1].split(",")) if v]
    single = _scalar(value)
    return [single] if single else []


def read(text: str) -> FrontMatter | None:
    """The front matter at the top of `text`, if any, with its title, author and date."""
    found = find(text)
    if found is None:
        return None
    style, match = found
    end = match.end()
    block_end = end - 1 if text[end - 1 : end] == "\n" else end
    lines = text[:block_end].split("\n")[1:-1]  # between the fences
    fields: dict[str, list[str]] = {}
    pattern = _YAML_KEY if style == "yaml" else _TOML_KEY
    current = ""
    for line in lines:
        key_match = pattern.match(line)
        if key_match is not None:
            current = _KEYS.get(key_match.group(1).lower(), "")
            if current and current not in fields:
                fields[current] = _values(key_match.group(2) or "")
            continue
        item = _LIST_ITEM.match(line) if style == "yaml" else None
        if item is not None and current and current in fields:
            fields[current].extend(_values(item.group(1)))
        elif line and not line[0].isspace():
            current = ""
    # A single line of text with no control characters: these become titles and bylines.
    clean = {key: " ".join(", ".join(values).split()) for key, values in fields.items()}
    return FrontMatter(
        0, block_end, clean.get("title", ""), clean.get("author", ""), clean.get("date", "")
    )
