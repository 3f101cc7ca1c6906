"""What the reader and the annotations screen say after a change to the annotations, and after
`u` / `ctrl+r`: every change can be undone where it was made, and says so."""

from __future__ import annotations

from aiwatch_tui.core.annotations import Change, describe_change


def done_message(change: Change) -> str:
    """ "Highlight deleted. u undoes." """
    return f"{describe_change(change)}. u undoes."


def history_message(change: Change | None, *, undo: bool) -> str:
    """What an undo (or redo) did, or that there was nothing to do."""
    if change is None:
        return "Nothing to undo." if undo else "Nothing to redo."
    what = describe_change(change)
    what = what[0].lower() + what[1:]
    if undo:
        return f"Undone: {what}. ctrl+r redoes."
    return f"Redone: {what}. u undoes."
