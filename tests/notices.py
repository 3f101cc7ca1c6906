"""What the app told the user: its notifications (toasts), for tests to check."""

from __future__ import annotations

from typing import Any

from textual.app import App


def notices(app: App[Any]) -> list[str]:
    """Every notification's text, oldest first."""
    return [str(notification.message) for notification in app._notifications]


def last_notice(app: App[Any]) -> str:
    shown = notices(app)
    return shown[-1] if shown else ""
