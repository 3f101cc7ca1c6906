"""Highlights made the way the app makes them, for tests that need some in a database."""

from __future__ import annotations

import uuid
from pathlib import Path

from aiwatch_tui.core.anchoring import make_quote
from aiwatch_tui.core.library.loading import load_document
from aiwatch_tui.core.model import Highlight

T1 = "2025-01-01T00:00:00.000Z"
T2 = "2025-06-01T12:00:00.000Z"


def highlight_on(path: Path, phrase: str, **fields: object) -> Highlight:
    """A highlight of the first `phrase` in the article at `path`, made at T1; `fields`
    override any attribute."""
    document = load_document(path)
    start = document.text.index(phrase)
    exact, prefix, suffix = make_quote(document.text, start, start + len(phrase))
    values: dict[str, object] = {
        "id": str(uuid.uuid4()),
        "doc_key": document.key,
        "doc_hash": document.content_hash,
        "start": start,
        "end": start + len(phrase),
        "exact": exact,
        "prefix": prefix,
        "suffix": suffix,
        "created": T1,
        "modified": T1,
    }
    values.update(fields)
    return Highlight(**values)  # type: ignore[arg-type]
