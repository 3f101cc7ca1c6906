"""The settings file: `config.toml` in the config folder, read and checked.

`load_config` never raises. Whatever the file holds, it returns the settings it could use and
one line per problem ("PATH:LINE: what is wrong"), and the defaults stand for the rest: a
syntax error leaves every default, a bad value only its own setting, an unknown action or a
key bound twice only that binding.

What the values may be (the app's actions and their keys, its themes, the list's views and
sorts) is not known here: the caller describes it in an `Offer`, so the file is checked
against what this build of the app really has.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

from aiwatch_tui.core.files import describe_os_error
from aiwatch_tui.core.text.sanitize import one_line

if TYPE_CHECKING:
    import tomllib

CONFIG_FILE_NAME = "config.toml"
# A settings file is a few hundred bytes; anything this large is not one.
MAX_CONFIG_BYTES = 256 * 1024

Notifications = Literal["all", "warnings", "errors"]
Clipboard = Literal["osc52", "off"]
NOTIFICATION_LEVELS: tuple[Notifications, ...] = ("all", "warnings", "errors")
CLIPBOARD_MODES: tuple[Clipboard, ...] = ("osc52", "off")
DEFAULT_READING_WIDTH = 80
READING_WIDTH_RANGE = (30, 200)

# A key spec is a key name ("j", "ctrl+e", "pagedown") or two keys pressed one after the
# other, written with a space ("z z"); "zz" is read as "z z" too.
KeySpec = str


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """One action the app offers: its stable name, where it acts, its default keys."""

    name: str  # "reader.center_caret"
    scope: str  # "reader"
    keys: tuple[KeySpec, ...]
    description: str


@dataclass(frozen=True)
class Offer:
    """What the app has, to check a file against."""

    # The actions, asked for only when the file has a [keys] table (knowing them all means
    # importing every screen, which `aiwatch` alone would do later).
    action_source: Callable[[], Mapping[str, ActionSpec]]
    # Where each scope's keys are also live (the reader's keys work beside the main screen's
    # and the app's): keys in related scopes must not be the same.
    scope_parents: Mapping[str, tuple[str, ...]]
    themes: frozenset[str]
    views: tuple[str, ...]
    sorts: tuple[str, ...]
    # The canonical name of a key ("?" -> "question_mark"), None for what is not a key.
    key_name: Callable[[str], str | None]

    @cached_property
    def actions(self) -> Mapping[str, ActionSpec]:
        return self.action_source()

    def ancestors(self, scope: str) -> set[str]:
        seen: set[str] = set()
        todo = list(self.scope_parents.get(scope, ()))
        while todo:
            parent = todo.pop()
            if parent not in seen:
                seen.add(parent)
                todo.extend(self.scope_parents.get(parent, ()))
        return seen

    def related(self, first: str, second: str) -> bool:
        """Whether keys of the two scopes can be live at the same time."""
        return first == second or first in self.ancestors(second) or second in self.ancestors(first)


@dataclass(frozen=True)
class Settings:
    """Every setting, with its default."""

    theme: str | None = None  # None: the theme last chosen in the app
    reading_width: int = DEFAULT_READING_WIDTH
    default_view: str = "all"
    default_sort: str = "library"
    resume: bool = False
    notifications: Notifications = "all"
    clipboard: Clipboard = "osc52"
    # The actions the file rebinds, each with all its keys (an empty tuple: unbound).
    keys: Mapping[str, tuple[KeySpec, ...]] = field(default_factory=lambda: MappingProxyType({}))

    def keys_of(self, action: ActionSpec) -> tuple[KeySpec, ...]:
        return self.keys.get(action.name, action.keys)


@dataclass(frozen=True)
class LoadedConfig:
    path: Path
    settings: Settings
    problems: tuple[str, ...] = ()
    exists: bool = False


SETTING_NAMES = (
    "theme",
    "reading_width",
    "default_view",
    "default_sort",
    "resume",
    "notifications",
    "clipboard",
)
KEYS_TABLE = "keys"


def config_path(config_dir: Path) -> Path:
    return config_dir / CONFIG_FILE_NAME


def load_config(path: Path, offer: Offer) -> LoadedConfig:
    """Read and check the file at `path` (absent: every default)."""
    try:
        with path.open("rb") as stream:
            raw = stream.read(MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        return LoadedConfig(path, Settings())
    except IsADirectoryError:
        return LoadedConfig(path, Settings(), (f"{_name(path)}: is a folder, not a file",), True)
    except OSError as error:
        return LoadedConfig(path, Settings(), (f"{_name(path)}: {describe_os_error(error)}",), True)
    return parse_config(raw, path, offer)


def parse_config(raw: bytes, path: Path, offer: Offer) -> LoadedConfig:
    """Check the bytes of a settings file named `path`."""
    where = _name(path)
    if len(raw) > MAX_CONFIG_BYTES:
        limit = MAX_CONFIG_BYTES // 1024
        return LoadedConfig(path, Settings(), (f"{where}: larger than {limit} KiB",), True)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        return LoadedConfig(path, Settings(), (f"{where}:{line}: not UTF-8 text",), True)
    # Imported here: most people have no settings file, and the reader's start-up need not
    # load a TOML parser to learn that.
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        at, message = _syntax_error(error)
        return LoadedConfig(path, Settings(), (f"{where}:{at}: {message}",), True)
    checker = _Checker(where, _Lines(text), offer)
    settings = checker.settings(data)
    return LoadedConfig(path, settings, tuple(checker.problems), True)


def _name(path: Path) -> str:
    return one_line(str(path))


_POSITION = re.compile(r"\s*\(at line (\d+), column \d+\)\s*$|\s*\(at end of document\)\s*$")


def _syntax_error(error: tomllib.TOMLDecodeError) -> tuple[int | str, str]:
    """(line, message) of a TOML syntax error; "end" when it is at the end of the file."""
    message = str(error)
    found = _POSITION.search(message)
    line: int | str = "end"
    if found is not None:
        if found.group(1) is not None:
            line = int(found.group(1))
        message = message[: found.start()]
    lineno = getattr(error, "lineno", None)  # Python 3.14 has it as an attribute
    if isinstance(lineno, int):
        line = lineno
    return line, f"TOML syntax: {one_line(message[:1].lower() + message[1:])}"


class _Lines:
    """Finds the line a setting or a key binding is written on (tomllib gives none)."""

    _PART = r"(?:[A-Za-z0-9_\-]+|\"[^\"]*\"|'[^']*')"
    _HEADER = re.compile(r"^\s*\[\s*([^\[\]]*?)\s*\]\s*(?:#.*)?$")
    _ASSIGNMENT = re.compile(rf"^\s*({_PART}(?:\s*\.\s*{_PART})*)\s*=")
    _PARTS = re.compile(r"\"([^\"]*)\"|'([^']*)'|([A-Za-z0-9_\-]+)")

    def __init__(self, text: str) -> None:
        self._found: dict[tuple[str, ...], list[int]] = {}
        table: tuple[str, ...] = ()
        for number, line in enumerate(text.splitlines(), start=1):
            header = self._HEADER.match(line)
            if header is not None:
                table = self._parts(header.group(1))
                self._found.setdefault(table, []).append(number)
                continue
            assignment = self._ASSIGNMENT.match(line)
            if assignment is not None:
                path = table + self._parts(assignment.group(1))
                self._found.setdefault(path, []).append(number)

    def _parts(self, dotted: str) -> tuple[str, ...]:
        return tuple(a or b or c for a, b, c in self._PARTS.findall(dotted))

    def of(self, name: str, table: str | None = None, nth: int = 0) -> int:
        """The line `name` is set on (in `table`; its `nth` setting, when it is set more than
        once), else that of the table holding it; else 1."""
        prefix = (table,) if table is not None else ()
        forms = {prefix + (name,), prefix + tuple(name.split("."))}
        exact = sorted(line for form in forms for line in self._found.get(form, []))
        if exact:
            return exact[min(nth, len(exact) - 1)]
        for parts in forms:
            for length in range(len(parts) - 1, len(prefix), -1):
                if parts[:length] in self._found:
                    return self._found[parts[:length]][0]
        return self._found.get(prefix, [1])[0] if prefix else 1


class _Checker:
    def __init__(self, where: str, lines: _Lines, offer: Offer) -> None:
        self.where = where
        self.lines = lines
        self.offer = offer
        self.problems: list[str] = []

    def problem(self, line: int, message: str) -> None:
        self.problems.append(f"{self.where}:{line}: {one_line(message)}")

    def settings(self, data: Mapping[str, object]) -> Settings:
        chosen: dict[str, Any] = {}
        for name, value in data.items():
            line = self.lines.of(name)
            if name == KEYS_TABLE:
                if isinstance(value, dict):
                    chosen["keys"] = self.keys(value)
                else:
                    self.problem(line, 'keys must be a table: [keys] then action = "key" lines')
                continue
            if name not in SETTING_NAMES:
                known = ", ".join((*SETTING_NAMES, "[keys]"))
                self.problem(line, f"unknown setting {_quoted(name)} (known: {known})")
                continue
            checked = self.setting(name, value, line)
            if checked is not None:
                chosen[name] = checked
        return Settings(**chosen)

    def setting(self, name: str, value: object, line: int) -> object | None:
        """The value to use, or None (a problem said) to keep the default."""
        offer = self.offer
        if name == "reading_width":
            low, high = READING_WIDTH_RANGE
            if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
                return value
            self.problem(
                line,
                f"reading_width must be a whole number from {low} to {high}, not {_shown(value)}",
            )
            return None
        if name == "resume":
            if isinstance(value, bool):
                return value
            self.problem(line, f"resume must be true or false, not {_shown(value)}")
            return None
        choices: Sequence[str] = {
            "theme": sorted(offer.themes),
            "default_view": offer.views,
            "default_sort": offer.sorts,
            "notifications": NOTIFICATION_LEVELS,
            "clipboard": CLIPBOARD_MODES,
        }[name]
        if isinstance(value, str) and value in choices:
            return value
        self.problem(line, f"{name} must be one of {_choices(choices)}, not {_shown(value)}")
        return None

    def keys(self, table: Mapping[str, object]) -> Mapping[str, tuple[KeySpec, ...]]:
        """The [keys] table: each action's keys, checked in the order written."""
        offer = self.offer
        effective = {name: action.keys for name, action in offer.actions.items()}
        chosen: dict[str, tuple[KeySpec, ...]] = {}
        seen: dict[str, int] = {}
        for name, value in _flattened(table):
            seen[name] = seen.get(name, -1) + 1
            line = self.lines.of(name, KEYS_TABLE, seen[name])
            if seen[name]:
                self.problem(line, f"[keys] {name} is set twice")
                continue
            action = offer.actions.get(name)
            if action is None and name in SETTING_NAMES:
                self.problem(line, f"{_quoted(name)} is a setting: move it above [keys]")
                continue
            if action is None:
                self.problem(
                    line,
                    f"[keys]: unknown action {_quoted(name)} (aiwatch config --keys lists them)",
                )
                continue
            specs = self.key_specs(name, value, line)
            if specs is None:
                continue
            clash = self.clash(action, specs, effective)
            if clash is not None:
                self.problem(line, clash)
                continue
            effective[name] = specs
            chosen[name] = specs
        return MappingProxyType(chosen)

    def key_specs(self, name: str, value: object, line: int) -> tuple[KeySpec, ...] | None:
        if isinstance(value, str):
            # "j,down" as Textual writes several keys; "," alone is the comma key.
            written = [part for part in value.split(",") if part.strip()]
            if not written and value.strip():
                written = [value]
        elif isinstance(value, list) and all(isinstance(item, str) for item in value):
            written = [str(item) for item in value]
        else:
            self.problem(
                line,
                f'[keys] {name}: a key ("ctrl+e"), a list of keys (["j", "down"]) '
                f"or [] to unbind it, not {_shown(value)}",
            )
            return None
        specs: list[KeySpec] = []
        for item in written:
            spec = key_spec(item, self.offer.key_name)
            if spec is None:
                self.problem(
                    line,
                    f"[keys] {name}: {_quoted(item)} is not a key (keys look like "
                    '"j", "G", "ctrl+e", "pagedown", or "z z" for two in a row)',
                )
                return None
            if spec not in specs:
                specs.append(spec)
        return tuple(specs)

    def clash(
        self,
        action: ActionSpec,
        specs: tuple[KeySpec, ...],
        effective: Mapping[str, tuple[KeySpec, ...]],
    ) -> str | None:
        """Why `specs` cannot be `action`'s keys (a key another action has where both are
        live), or None. Keys two actions share by default (n: the annotations, and the next
        find match while matches are shown) stay shared."""
        offer = self.offer
        for other_name, other_specs in effective.items():
            if other_name == action.name:
                continue
            other = offer.actions[other_name]
            if not offer.related(action.scope, other.scope):
                continue
            for spec in specs:
                if spec in other_specs and not (spec in action.keys and spec in other.keys):
                    return (
                        f"[keys] {action.name}: {_quoted(spec)} is already the key of "
                        f"{other_name} ({other.description.lower()}): give that one another "
                        "key first"
                    )
        return None


def key_spec(written: str, key_name: Callable[[str], str | None]) -> KeySpec | None:
    """The canonical spec of a key as written ("ctrl+E" stays as Textual spells keys), or
    None. Two keys in a row are written with a space ("z z"), or as two characters ("zz")."""
    text = written.strip()
    if not text:
        return None
    parts = text.split()
    if len(parts) == 1:
        single = key_name(text)
        if single is not None:
            return single
        if len(text) == 2:
            parts = list(text)
        else:
            return None
    if len(parts) != 2:
        return None
    names = [key_name(part) for part in parts]
    if any(name is None for name in names):
        return None
    return " ".join(name for name in names if name is not None)


def _flattened(table: Mapping[str, object], prefix: str = "") -> Iterable[tuple[str, object]]:
    """`reader.top = "g"` (a dotted key) and `[keys.reader]` tables give nested tables: the
    action names are their dotted paths."""
    for name, value in table.items():
        full = f"{prefix}{name}"
        if isinstance(value, dict):
            yield from _flattened(value, full + ".")
        else:
            yield full, value


def _quoted(text: str) -> str:
    return f"“{text[:60]}”" + ("…" if len(text) > 60 else "")


def _shown(value: object) -> str:
    if isinstance(value, str):
        return _quoted(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


def _choices(choices: Sequence[str]) -> str:
    shown = [f"“{choice}”" for choice in choices[:12]]
    if len(choices) > 12:
        shown.append("…")
    return ", ".join(shown)


# -- writing ------------------------------------------------------------------------------------


def toml_string(text: str) -> str:
    """`text` as a TOML basic string."""
    escaped = []
    for char in text:
        if char in '"\\':
            escaped.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            escaped.append(f"\\u{ord(char):04x}")
        else:
            escaped.append(char)
    return '"' + "".join(escaped) + '"'


def toml_keys(specs: Sequence[KeySpec]) -> str:
    if len(specs) == 1:
        return toml_string(specs[0])
    return "[" + ", ".join(toml_string(spec) for spec in specs) + "]"


def template(offer: Offer) -> str:
    """The file `aiwatch config --edit` starts from: every setting, commented out, at its
    default."""
    defaults = Settings()
    low, high = READING_WIDTH_RANGE
    return f"""\
# aiwatch settings (TOML). Remove the # in front of a line to change it.
# `aiwatch config` shows what is in effect and says what is wrong with this file, line by line.

# A theme of the palette's "Change theme" list, e.g. "nord" or "textual-light". Unset, the
# theme last chosen in the app is used; set here, it is the one aiwatch starts with.
# theme = "textual-dark"

# The widest the text column gets, in cells ({low}-{high}).
# reading_width = {defaults.reading_width}

# The document list at launch: which documents ({_choices(offer.views)}) and in what order
# ({_choices(offer.sorts)}).
# default_view = {toml_string(defaults.default_view)}
# default_sort = {toml_string(defaults.default_sort)}

# true: aiwatch opens the last document you read, where you left it.
# resume = false

# Which notifications to show: "all", "warnings" (and errors) or "errors" only. What you
# asked for (an export's path, a link), problems in this file and a read-only database are
# always shown.
# notifications = "all"

# y copies to the clipboard through the terminal (OSC 52); "off" never touches the clipboard.
# clipboard = "osc52"

# Keys: any action (`aiwatch config --keys` lists them all with their keys) = a key, a list of
# keys, two keys in a row ("z z"), or [] for none.
[keys]
# "reader.line_down" = ["j", "down", "ctrl+n"]
# "reader.center_caret" = "z z"
# "app.quit" = "ctrl+q"
"""
