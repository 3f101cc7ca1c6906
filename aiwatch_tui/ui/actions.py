"""Every action of the app by its stable name, with its keys: what the settings file may
rebind, the help screen lists and `aiwatch config --keys` prints.

Read from the bindings themselves (aiwatch_tui.ui.keys gives them their names), so the list
cannot drift from what the keys do. Importing this module imports every screen: the app
does so only when the settings file has a [keys] table, or the help screen opens.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.dom import DOMNode

from aiwatch_tui.core.config import ActionSpec, Settings
from aiwatch_tui.ui.keys import UNBOUND, is_sequence, key_label, sequence_pair
from aiwatch_tui.ui.screens.annotations import AnnotationsScreen
from aiwatch_tui.ui.screens.help import HelpRow, HelpScreen
from aiwatch_tui.ui.screens.main import MainScreen
from aiwatch_tui.ui.screens.note_editor import ConfirmDiscard, NoteEditor
from aiwatch_tui.ui.screens.search import SearchScreen, _QueryInput
from aiwatch_tui.ui.screens.url_prompt import UrlPrompt
from aiwatch_tui.ui.widgets.document_list import DocumentList, DocumentRows, _FilterInput
from aiwatch_tui.ui.widgets.find_bar import _FindInput
from aiwatch_tui.ui.widgets.outline import Outline
from aiwatch_tui.ui.widgets.reader import Reader
from aiwatch_tui.ui.widgets.row_list import RowFilter, RowList

if TYPE_CHECKING:
    from textual.app import App

# In the order the help screen and `aiwatch config --keys` list them.
SCOPE_TITLES: dict[str, str] = {
    "reader": "Reader",
    "main": "Reader and list: panes and annotating",
    "outline": "Outline (o)",
    "find": "Find in the document (/)",
    "documents": "Document list",
    "list": "Lists (documents, annotations)",
    "filter": "A list's filter box",
    "annotations": "Annotations screen (n)",
    "search": "Full-text search (ctrl+f)",
    "note_editor": "Note editor",
    "confirm": "Discard a note? (asked on leaving the editor)",
    "help": "Help (?)",
    "url_prompt": "A web address asked for (Add feed…, Save page…)",
    "app": "Everywhere",
}

_BOUND_CLASSES: tuple[type[DOMNode], ...] = (
    MainScreen,
    Reader,
    Outline,
    _FindInput,
    DocumentList,
    DocumentRows,
    _FilterInput,
    RowList,
    RowFilter,
    AnnotationsScreen,
    SearchScreen,
    _QueryInput,
    NoteEditor,
    ConfirmDiscard,
    HelpScreen,
    UrlPrompt,
)


def action_catalogue(app_class: type[App[None]]) -> dict[str, ActionSpec]:
    """Every named action of the app (whose bindings are those of `app_class`), by name."""
    found: dict[str, ActionSpec] = {}
    for cls in (app_class, *_BOUND_CLASSES):
        sequences: Mapping[str, str] = getattr(cls, "SEQUENCES", {})
        for binding in _own_bindings(cls):
            name = binding.id
            if name is None:
                continue
            keys = [key.strip() for key in binding.key.split(",") if key.strip() != UNBOUND]
            if name in sequences:
                keys.append(sequences[name])
            known = found.get(name)
            if known is not None:  # the same action bound in two places (search's enter)
                keys = [*known.keys, *(key for key in keys if key not in known.keys)]
            scope = name.split(".", 1)[0]
            # The tooltip, where there is one, says more than the Footer's short label.
            does = binding.tooltip or binding.description
            found[name] = ActionSpec(name, scope, tuple(keys), does)
    return found


def _own_bindings(cls: type[DOMNode]) -> Iterable[Binding]:
    return [b for b in cls.__dict__.get("BINDINGS", ()) if isinstance(b, Binding)]


def keymap_for(
    settings: Settings, catalogue: Mapping[str, ActionSpec]
) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    """(Textual's keymap: binding id -> its single keys, the two-key sequences: (first,
    second) -> binding id) for `settings`. Only the actions the file rebinds are in the
    keymap; an action left without single keys is bound to a key no terminal sends."""
    keymap: dict[str, str] = {}
    sequences: dict[tuple[str, str], str] = {}
    for name, action in catalogue.items():
        specs = settings.keys_of(action)
        if name in settings.keys:
            singles = [spec for spec in specs if not is_sequence(spec)]
            keymap[name] = ",".join(singles) or UNBOUND
        for spec in specs:
            if is_sequence(spec):
                sequences[sequence_pair(spec)] = name
    return keymap, sequences


def effective_keys(
    settings: Settings, catalogue: Mapping[str, ActionSpec]
) -> list[tuple[ActionSpec, tuple[str, ...]]]:
    """Each action with the keys it has under `settings`, in the order of SCOPE_TITLES."""
    order = {scope: index for index, scope in enumerate(SCOPE_TITLES)}
    actions = sorted(catalogue.values(), key=lambda a: order.get(a.scope, len(order)))
    return [(action, settings.keys_of(action)) for action in actions]


def help_sections(
    settings: Settings,
    app_class: type[App[None]],
    extra: Mapping[str, Sequence[tuple[str, str]]],
) -> list[tuple[str, list[HelpRow]]]:
    """Every action with the keys it has now (the settings file may have changed them) and
    its name, by where it acts; `extra`: rows of keys that are not bindings, by scope."""
    rows: dict[str, list[HelpRow]] = {scope: [] for scope in SCOPE_TITLES}
    for action, keys in effective_keys(settings, action_catalogue(app_class)):
        label = "  ".join(key_label(key) for key in keys) or "(no key)"
        rows[action.scope].append((label, action.description, action.name))
    for scope, more in extra.items():
        rows[scope].extend((keys, does, "") for keys, does in more)
    return [(SCOPE_TITLES[scope], found) for scope, found in rows.items() if found]
