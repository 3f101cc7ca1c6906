"""Stable names for key bindings, and key names as the settings file writes them.

Every binding of aiwatch has an id, "<scope>.<action>" (`reader.page_down`, `app.quit`): the
name the settings file's [keys] table rebinds it by (through Textual's keymap), and that
the help screen and `aiwatch config --keys` list. `keyed` gives a class's bindings their ids
from their action names, so a name only changes if an action is renamed (a test holds the
list of names).

A key can also be two keys in a row ("z z", "g x"): see aiwatch_tui.ui.key_sequences.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from textual.binding import Binding, BindingType
from textual.keys import Keys, _character_to_key, format_key, key_to_character

# The key an action is given when the settings file takes all its keys away ([]): Textual
# has no binding without a key, and no terminal sends this one.
UNBOUND = "aiwatch-unbound"

MODIFIERS = ("ctrl", "alt", "meta", "shift", "super", "hyper")
_NAMED_KEYS = frozenset(
    name
    for key in Keys
    for name in [key.value.rsplit("+", 1)[-1]]
    if len(name) > 1 and not name.startswith("<") and "-" not in name
) | {"space", "enter", "tab", "escape", "backspace", "return"}


# Keys written by their names even where a character would do.
_SPOKEN_KEYS = frozenset(
    {"space", "enter", "tab", "escape", "backspace", "delete", "return", "up", "down"}
    | {"left", "right", "home", "end", "pageup", "pagedown", "insert"}
)


def keyed(scope: str, bindings: Iterable[BindingType]) -> list[BindingType]:
    """`bindings` with ids "<scope>.<action>" (a binding whose action takes arguments needs
    an id of its own: `id="color_yellow"` becomes "main.color_yellow")."""
    named: list[BindingType] = []
    for binding in bindings:
        if not isinstance(binding, Binding):
            named.append(binding)
            continue
        name = binding.id
        if name is None:
            action = binding.action.rsplit(".", 1)[-1]
            if "(" in action:
                raise ValueError(f"{binding.action}: a binding with arguments needs an id")
            name = action
        named.append(dataclasses.replace(binding, id=f"{scope}.{name}"))
    return named


def key_name(written: str) -> str | None:
    """The name Textual gives the key written as `written` ("?" -> "question_mark",
    "Ctrl+E" -> "ctrl+e", "PageDown" -> "pagedown"), or None when it is not one."""
    if len(written) == 1:
        if not written.isprintable():
            return None
        return "space" if written == " " else _character_to_key(written)
    if not written or written != written.strip() or " " in written:
        return None
    if written.endswith("++"):  # "ctrl++": the plus key, with ctrl
        modifiers, base = written[:-2].split("+"), "+"
    elif written.endswith("+"):
        return None
    else:
        *modifiers, base = written.split("+")
    modifiers = [modifier.lower() for modifier in modifiers]
    if any(m not in MODIFIERS for m in modifiers) or len(set(modifiers)) != len(modifiers):
        return None
    if len(base) == 1:
        if not base.isprintable() or base == " ":
            return None
        base = _character_to_key(base.lower() if modifiers else base)
    else:
        lowered = base.lower()
        if lowered not in _NAMED_KEYS and key_to_character(lowered) is None:
            return None
        base = lowered
    return "+".join([*modifiers, base])


def key_label(spec: str) -> str:
    """How a key spec is shown to a person: "?" for question_mark, "z z" for a sequence."""
    if spec == UNBOUND:
        return ""
    return " ".join(_single_label(key) for key in spec.split(" "))


def written_label(spec: str) -> str:
    """A key spec as the settings file may write it: "?" for question_mark, "down" as is."""
    if spec == UNBOUND:
        return ""
    return " ".join(_written(key) for key in spec.split(" "))


def _written(key: str) -> str:
    *modifiers, base = key.split("+") if key != "+" else ["+"]
    if len(base) > 1 and base not in _SPOKEN_KEYS:
        character = format_key(base)  # "slash" -> "/", "right_square_bracket" -> "]"
        if len(character) == 1 and character.isprintable() and not character.isspace():
            base = character
    return "+".join([*modifiers, base])


def _single_label(key: str) -> str:
    *modifiers, base = key.split("+") if key != "+" else ["+"]
    shown = {"space": "space", "escape": "esc", "enter": "enter", "tab": "tab"}.get(base)
    if shown is None:
        shown = format_key(base) if len(base) > 1 else base
    return "+".join([*modifiers, shown])


def is_sequence(spec: str) -> bool:
    return " " in spec


def sequence_pair(spec: str) -> tuple[str, str]:
    """The two keys of a sequence spec ("z z")."""
    first, second = spec.split(" ")
    return first, second
