"""The settings file as the app reads it: checked against this app's actions, themes and
list views (aiwatch_tui.core.config does the checking)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from aiwatch_tui.core.config import ActionSpec, LoadedConfig, Offer, config_path, load_config
from aiwatch_tui.core.library.listing import SORTS, VIEWS
from aiwatch_tui.ui.keys import key_name, sequence_pair
from aiwatch_tui.ui.widgets.reader import Reader

if TYPE_CHECKING:
    from textual.app import App

# Where each scope's keys are live besides its own: the reader is inside the main screen,
# whose keys work everywhere on it, and the App's everywhere but in a modal screen (help,
# the discard question). A key must not mean two things where both are live.
SCOPE_PARENTS: dict[str, tuple[str, ...]] = {
    "app": (),
    "main": ("app",),
    "reader": ("main",),
    "outline": ("main",),
    "find": ("main",),
    "documents": ("main",),
    "list": ("documents", "annotations"),
    "filter": ("documents", "annotations"),
    "annotations": ("app",),
    "search": ("app",),
    "note_editor": ("app",),
    "confirm": (),
    "help": (),
    "url_prompt": (),
}


def theme_names() -> list[str]:
    """The themes an app has before it registers any of its own (Textual's)."""
    from textual.theme import BUILTIN_THEMES

    return list(BUILTIN_THEMES)


def _catalogue(app_class: type[App[None]]) -> Mapping[str, ActionSpec]:
    # Imported when a [keys] table is checked: it imports every screen.
    from aiwatch_tui.ui.actions import action_catalogue

    return action_catalogue(app_class)


def make_offer(app_class: type[App[None]], themes: Iterable[str]) -> Offer:
    return Offer(
        action_source=lambda: _catalogue(app_class),
        scope_parents=SCOPE_PARENTS,
        themes=frozenset(themes),
        views=tuple(VIEWS),
        sorts=tuple(SORTS),
        key_name=key_name,
    )


def read_settings(
    config_dir: Path, app_class: type[App[None]], themes: Iterable[str] | None = None
) -> LoadedConfig:
    """The settings file of `config_dir`, checked (never raises)."""
    offer = make_offer(app_class, theme_names() if themes is None else themes)
    return load_config(config_path(config_dir), offer)


def default_sequences() -> dict[tuple[str, str], str]:
    """The two-key sequences in effect when the settings file changes none (only the reader
    has any, so no other screen needs importing)."""
    return {sequence_pair(spec): name for name, spec in Reader.SEQUENCES.items()}
