"""What the App tells its screens, as values: each is an App reactive that a screen binds to a
reactive of its own (Textual's data binding), so state flows down without the App holding a
screen or calling its methods. The screens answer with messages, never calls."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from aiwatch_tui.core.model import DocumentRow


@dataclass(frozen=True)
class LibraryState:
    """What the App says of its library: a new `generation` each time what is known of it
    changed, why, and which documents' texts may differ from what was shown."""

    generation: int = 0  # 0: not read yet
    # "opened": the first look at start-up; "read": the documents a worker read after the
    # first paint; "refreshed": the user asked (f5).
    reason: Literal["opened", "read", "refreshed"] = "opened"
    stale: frozenset[str] = frozenset()


@dataclass(frozen=True)
class AnnotationsChanged:
    """Highlights or notes changed outside this screen: on the annotations screen (of one
    document) or by another aiwatch on the same database (`doc_key` None: any of them)."""

    serial: int = 0  # 0: nothing yet
    doc_key: str | None = None


@dataclass(frozen=True)
class ReadingTarget:
    """Where the user asked, elsewhere (the palette, a search, the annotations screen), to
    read: a document, at an offset or on a highlight."""

    serial: int  # each request is new, even to the same place
    key: str
    offset: int | None = None
    highlight_id: str | None = None


@dataclass(frozen=True)
class ListScope:
    """Which documents the list shows: all, the fetched web articles, the local files, or
    one feed's articles (`F` cycles the first three; the palette has each feed)."""

    kind: Literal["all", "web", "local", "feed"] = "all"
    feed_url: str = ""
    label: str = ""  # what the title bar says ("" for all)

    def admits(self, row: DocumentRow) -> bool:
        if self.kind == "web":
            return row.is_article
        if self.kind == "local":
            return not row.is_article
        if self.kind == "feed":
            return row.feed_url == self.feed_url
        return True


ALL = ListScope()
WEB = ListScope("web", label="web articles")
LOCAL = ListScope("local", label="local files")
