"""W3C Web Annotations read: aiwatch's own export or another tool's, and Hypothesis's API shape.

Pure: no store, no file system. What is read is checked whole before anything is kept (a
malformed file is one line naming the place); annotations that are valid but unusable here are
skipped one by one with the reason. Which documents may then be read to anchor them is
decided by core.operations.importing.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from aiwatch_tui.core.interchange.errors import InterchangeError
from aiwatch_tui.core.model import (
    DEFAULT_COLOR,
    HIGHLIGHT_COLORS,
    AnchorStatus,
    DocumentNote,
    Highlight,
)
from aiwatch_tui.core.text.html_text import html_to_markdown
from aiwatch_tui.core.uris import NamedSource, UriKind, name_source


def foreign_id(raw_id: str) -> str:
    """The id under which an annotation with a non-UUID id (e.g. a Hypothesis URL) is kept.

    uuid5 in the URL namespace: the same foreign annotation always maps to the same id, so
    importing it twice merges instead of duplicating.
    """
    return str(uuid.uuid5(uuid.NAMESPACE_URL, raw_id))


@dataclass(frozen=True, slots=True)
class ImportedHighlight:
    """A highlight read from an annotation file, before it is anchored in the current text.

    `doc_key` is the key the source names (see core.uris: a path as the file spells it, a
    bundled article, a web page's URL); which documents may be read is decided on import.
    `start`/`end` are None when the file gave no TextPositionSelector; `status`, `title` and
    `content_hash` are hints from an aiwatch export (None / "" from other tools).
    """

    id: str
    doc_key: str
    source: str
    exact: str
    prefix: str
    suffix: str
    start: int | None
    end: int | None
    color: str = DEFAULT_COLOR
    note: str = ""
    created: str = ""
    modified: str = ""
    status: AnchorStatus | None = None
    title: str = ""
    content_hash: str = ""
    tags: tuple[str, ...] = ()

    def to_highlight(self, doc_hash: str, start: int, end: int, status: AnchorStatus) -> Highlight:
        """The Highlight to store once anchoring has placed it in the text hashed `doc_hash`."""
        return Highlight(
            id=self.id,
            doc_key=self.doc_key,
            doc_hash=doc_hash,
            start=start,
            end=end,
            exact=self.exact,
            prefix=self.prefix,
            suffix=self.suffix,
            color=self.color,
            note=self.note,
            created=self.created,
            modified=self.modified,
            status=status,
        )


@dataclass(frozen=True, slots=True)
class ImportedDocumentNote:
    """A note about a whole document (an annotation whose target has no selector)."""

    id: str
    doc_key: str
    source: str
    note: str
    created: str = ""
    modified: str = ""
    title: str = ""
    content_hash: str = ""
    tags: tuple[str, ...] = ()

    def to_note(self, doc_key: str) -> DocumentNote:
        """The DocumentNote to store, on the document known as `doc_key`."""
        modified = self.modified or self.created
        return DocumentNote(doc_key, self.note, modified, self.id, self.created or modified)


ImportedAnnotation = ImportedHighlight | ImportedDocumentNote


@dataclass(frozen=True, slots=True)
class ParseResult:
    annotations: list[ImportedAnnotation]
    # (where, why): items that are well-formed but do not fit aiwatch, e.g. ("item 3", "...")
    skipped: list[tuple[str, str]] = field(default_factory=list)

    @property
    def highlights(self) -> list[ImportedHighlight]:
        return [a for a in self.annotations if isinstance(a, ImportedHighlight)]

    @property
    def document_notes(self) -> list[ImportedDocumentNote]:
        return [a for a in self.annotations if isinstance(a, ImportedDocumentNote)]


class _Malformed(Exception):
    """The file is broken here: the whole import is refused."""


class _Unfit(Exception):
    """A valid annotation aiwatch cannot use: it is skipped with this reason."""


_UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S*")
_TOP_LEVEL_SHAPES = (
    "an Annotation, a JSON array of Annotations, an AnnotationCollection/Page, "
    "or a Hypothesis export"
)
# W3C resource sets: alternatives (Choice) and groups (Composite, List, Independents).
_SETS = frozenset({"Choice", "Composite", "List", "Independents"})
# Sets inside sets, and selectors refined by selectors, are followed this deep at most.
_MAX_NESTING = 16
_HTML_FORMATS = ("text/html", "application/xhtml+xml")
_LOCAL_KINDS = frozenset({UriKind.SEED, UriKind.FILE})
NOT_FETCHED = "Linked body (not fetched)"


def _shown(value: object) -> str:
    """A value from the file, quoted for a one-line message (repr escapes control characters)."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _json_kind(value: object) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if value is None:
        return "null"
    return "a number"


def _types(obj: dict[str, object]) -> set[str]:
    declared = obj.get("type", obj.get("@type"))
    names = declared if isinstance(declared, list) else [declared]
    return {name.removeprefix("oa:") for name in names if isinstance(name, str)}


def _numbered(where: str, count: int, number: int) -> str:
    return where if count == 1 else f"{where} {number}"


def parse_annotations(data: str | bytes, source_name: str) -> ParseResult:
    """Read W3C Web Annotations (aiwatch's export or other tools') or Hypothesis's API shape
    from a JSON file's contents.

    Raises InterchangeError (one line naming `source_name` and the place) for a malformed file:
    not JSON, wrong shape, missing ids or targets, wrong value types, bad timestamps, repeated
    ids. Annotations that are valid but unusable here (a target aiwatch cannot select in, a
    source that names no document) are returned in `skipped` with the reason, one by one.
    """
    root = _load_json(data, source_name)
    try:
        items = _top_level_items(root)
    except _Malformed as problem:
        raise InterchangeError(f"{source_name}: {problem}") from None
    annotations: list[ImportedAnnotation] = []
    skipped: list[tuple[str, str]] = []
    first_seen: dict[str, int] = {}
    for number, item in enumerate(items, start=1):
        try:
            annotation = _read_annotation(item)
        except _Malformed as problem:
            raise InterchangeError(f"{source_name}: item {number}: {problem}") from None
        except _Unfit as reason:
            skipped.append((f"item {number}", str(reason)))
            continue
        if annotation.id in first_seen:
            raise InterchangeError(
                f"{source_name}: item {number}: the id of item {first_seen[annotation.id]} again"
            )
        first_seen[annotation.id] = number
        annotations.append(annotation)
    return ParseResult(annotations, skipped)


def _load_json(data: str | bytes, source_name: str) -> object:
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as problem:
            raise InterchangeError(
                f"{source_name}: not UTF-8 text (byte {problem.start} cannot be decoded)"
            ) from None
    try:
        return json.loads(data.removeprefix("\ufeff"))
    except json.JSONDecodeError as problem:
        raise InterchangeError(
            f"{source_name}: not valid JSON: line {problem.lineno}, column {problem.colno}: "
            f"{problem.msg}"
        ) from None
    except ValueError as problem:  # e.g. an integer longer than Python will convert
        raise InterchangeError(f"{source_name}: not valid JSON: {problem}") from None
    except RecursionError:
        raise InterchangeError(f"{source_name}: JSON nested too deeply to be annotations") from None


def _looks_like_hypothesis(obj: dict[str, object]) -> bool:
    """Hypothesis's API shape: no `type`, a `uri` or a list of targets."""
    return not _types(obj) and ("uri" in obj or isinstance(obj.get("target"), list))


def _top_level_items(root: object) -> list[object]:
    if isinstance(root, list):
        return root
    if not isinstance(root, dict):
        raise _Malformed(f"expected {_TOP_LEVEL_SHAPES}; found {_json_kind(root)}")
    types = _types(root)
    if "Annotation" in types:
        return [root]
    if "AnnotationCollection" in types:
        return _collection_items(root)
    if "AnnotationPage" in types:
        return list(_page_items(root, "the page"))
    if not types:
        # Hypothesis: the client's export ("annotations"), an API search ("rows"), or one.
        for name in ("annotations", "rows"):
            listed = root.get(name)
            if isinstance(listed, list):
                return listed
        if _looks_like_hypothesis(root):
            return [root]
    found = ", ".join(sorted(types)) or "no type"
    raise _Malformed(f"expected {_TOP_LEVEL_SHAPES}; found an object with {found}")


def _collection_items(collection: dict[str, object]) -> list[object]:
    if "items" in collection:  # not W3C, but some tools inline the items in the collection
        return list(_page_items(collection, "the collection"))
    first = collection.get("first")
    if first is None:
        return []  # an empty collection has no first page
    if not isinstance(first, dict):
        raise _Malformed(
            f"the collection's first page is not in the file (first is {_shown(first)}); "
            "export it with its pages included"
        )
    return list(_page_items(first, "page 1"))


def _page_items(page: dict[str, object], where: str) -> Iterator[object]:
    number = 1
    while True:
        items = page.get("items")
        if not isinstance(items, list):
            raise _Malformed(f'{where}: "items" should be an array, found {_json_kind(items)}')
        yield from items
        following = page.get("next")
        if following is None:
            return
        number += 1
        where = f"page {number}"
        if not isinstance(following, dict):
            raise _Malformed(
                f"{where} is not in the file (next is {_shown(following)}); "
                "only part of the collection was exported"
            )
        page = following


# --- one annotation --------------------------------------------------------------------------


def _read_annotation(item: object) -> ImportedAnnotation:
    if not isinstance(item, dict):
        raise _Malformed(f"expected an Annotation object, found {_json_kind(item)}")
    if "Annotation" not in _types(item):
        if not _looks_like_hypothesis(item):
            found = ", ".join(sorted(_types(item))) or "no type"
            raise _Unfit(f"not an Annotation ({found})")
        item = _from_hypothesis(item)
    annotation_id = _read_id(item)
    created = _read_time(item, "created")
    modified = _read_time(item, "modified") or created  # without it, creation is the last change
    note, tags = _read_bodies(item)
    target, named = _read_target(item.get("target"))
    hints = _read_hints(item.get("aiwatch"))
    if target.quote is None:
        if target.unusable:
            raise _Unfit(target.unusable)
        if not note and not tags:
            raise _Unfit("nothing aiwatch can keep: no TextQuoteSelector and no note")
        return ImportedDocumentNote(
            id=annotation_id,
            doc_key=named.key,
            source=target.source,
            note=note,
            created=created,
            modified=modified,
            title=_hint_text(hints, "title"),
            content_hash=_hint_text(hints, "content_hash"),
            tags=tags,
        )
    exact, prefix, suffix = target.quote
    return ImportedHighlight(
        id=annotation_id,
        doc_key=named.key,
        source=target.source,
        exact=exact,
        prefix=prefix,
        suffix=suffix,
        start=target.start,
        end=target.end,
        color=_read_color(hints),
        note=note,
        created=created,
        modified=modified,
        status=_read_status(hints),
        title=_hint_text(hints, "title"),
        content_hash=_hint_text(hints, "content_hash"),
        tags=tags,
    )


def _from_hypothesis(item: dict[str, object]) -> dict[str, object]:
    """A Hypothesis API annotation (`uri`, `target[].selector[]`, `text`, `tags`, `updated`)
    as the W3C annotation it stands for; its fields are checked under their own names."""
    references = item.get("references")
    if isinstance(references, list) and references:
        raise _Unfit("a reply in a Hypothesis discussion (aiwatch keeps no threads)")
    text = item.get("text", "")
    if not isinstance(text, str):
        raise _Malformed(f'"text" should be a string, found {_json_kind(text)}')
    tags = item.get("tags", [])
    if tags is None:
        tags = []
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise _Malformed(f'"tags" should be an array of strings, found {_shown(tags)}')
    uri = item.get("uri")
    if uri is not None and not isinstance(uri, str):
        raise _Malformed(f'"uri" should be a string, found {_json_kind(uri)}')
    target = item.get("target")
    if target is None and uri is not None:
        target = [{"source": uri}]  # a page note
    elif isinstance(target, list) and uri is not None:
        target = [
            {"source": uri, **one} if isinstance(one, dict) and "source" not in one else one
            for one in target
        ]
    converted: dict[str, object] = {"type": "Annotation", "id": item.get("id"), "target": target}
    for theirs, ours in (("created", "created"), ("updated", "modified")):
        if item.get(theirs) is not None:
            _read_time(item, theirs)  # a bad time is reported under Hypothesis's name for it
            converted[ours] = item[theirs]
    bodies: list[dict[str, object]] = []
    if text:
        bodies.append({"type": "TextualBody", "value": text, "format": "text/markdown"})
    bodies += [{"type": "TextualBody", "value": tag, "purpose": "tagging"} for tag in tags]
    if bodies:
        converted["body"] = bodies
    return converted


def _read_id(item: dict[str, object]) -> str:
    raw = item.get("id", item.get("@id"))
    if raw is None:
        raise _Malformed('has no "id"')
    if not isinstance(raw, str) or not raw.strip():
        raise _Malformed(f'"id" should be a non-empty string, found {_shown(raw)}')
    bare = raw[len("urn:uuid:") :] if raw[:9].lower() == "urn:uuid:" else raw
    if _UUID_TEXT.fullmatch(bare):
        return bare.lower()
    return foreign_id(raw)


def _read_time(item: dict[str, object], name: str) -> str:
    value = item.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _Malformed(f'"{name}" should be an ISO 8601 date-time string, found {_shown(value)}')
    try:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:  # a time without a zone is taken as UTC
            moment = moment.replace(tzinfo=UTC)
        moment = moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise _Malformed(f'"{name}" is not an ISO 8601 date-time: {_shown(value)}') from None
    # One form for every time so the store can compare `modified` as text.
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


# --- bodies ----------------------------------------------------------------------------------


def _read_bodies(item: dict[str, object]) -> tuple[str, tuple[str, ...]]:
    """(note, tags): every textual body's text, in order, and every tagging body's tag."""
    texts: list[str] = []
    tags: list[str] = []
    if "bodyValue" in item:
        value = item["bodyValue"]
        if isinstance(value, list) and len(value) == 1:
            value = value[0]
        if not isinstance(value, str):
            raise _Malformed(f'"bodyValue" should be a string, found {_json_kind(value)}')
        texts.append(value)  # a TextualBody in text/plain
    body = item.get("body")
    if body is not None:
        for where, one in _resources(body, "body", first_choice=True):
            _read_body(one, where, texts, tags)
    unique_tags = tuple(dict.fromkeys(tag for tag in tags if tag.strip()))
    return "\n\n".join(text for text in texts if text), unique_tags


def _resources(value: object, where: str, *, first_choice: bool) -> list[tuple[str, object]]:
    """The bodies or targets in `value`, each with where it is: arrays and W3C sets are
    opened. A Choice gives every option, or with `first_choice` only its first (for bodies:
    the one a client shows by default)."""
    found: list[tuple[str, object]] = []

    def walk(value: object, where: str, depth: int) -> None:
        if depth > _MAX_NESTING:
            raise _Malformed(f"{where}: sets nested more than {_MAX_NESTING} deep")
        if isinstance(value, list):
            if not value:
                raise _Malformed(f'"{where}" is an empty array')
            for number, one in enumerate(value, start=1):
                walk(one, _numbered(where, len(value), number), depth + 1)
            return
        kinds = _types(value) & _SETS if isinstance(value, dict) else set()
        if not isinstance(value, dict) or not kinds:
            found.append((where, value))
            return
        items = value.get("items")
        kind = min(kinds)
        if not isinstance(items, list) or not items:
            raise _Malformed(f'{where}: a {kind} needs "items", a non-empty array')
        if kind == "Choice" and first_choice:
            walk(items[0], f"{where} (Choice) item 1", depth + 1)
            return
        for number, one in enumerate(items, start=1):
            walk(one, f"{where} ({kind}) item {number}", depth + 1)

    walk(value, where, 0)
    return found


def _purposes(resource: dict[str, object]) -> set[str]:
    purpose = resource.get("purpose")
    listed = purpose if isinstance(purpose, list) else [purpose]
    return {p.removeprefix("oa:") for p in listed if isinstance(p, str)}


def _read_body(body: object, where: str, texts: list[str], tags: list[str]) -> None:
    if isinstance(body, str):
        # A body given as a string is the IRI of a resource (W3C 3.2.3); it is not fetched.
        # Some tools put plain text there instead, which is kept as the note.
        texts.append(f"{NOT_FETCHED}: <{body}>" if _IRI.fullmatch(body) else body)
        return
    if not isinstance(body, dict):
        raise _Malformed(f"{where} should be an object or a string, found {_json_kind(body)}")
    tagging = "tagging" in _purposes(body)
    if "value" in body:  # a TextualBody
        value = body["value"]
        if not isinstance(value, str):
            raise _Malformed(f'{where}: "value" should be a string, found {_json_kind(value)}')
        if _format(body).startswith(_HTML_FORMATS):
            value = html_to_markdown(value)
        (tags if tagging else texts).append(value)
        return
    # A SpecificResource (a part of another resource) or an External Web Resource.
    reference = body.get("source", _resource_id(body))
    if isinstance(reference, dict):
        reference = _resource_id(reference)
    if isinstance(reference, str) and reference.strip():
        # A semantic tag names its concept by IRI: the IRI is the tag.
        (tags if tagging else texts).append(
            reference if tagging else f"{NOT_FETCHED}: <{reference}>"
        )


def _resource_id(resource: dict[str, object]) -> object:
    """A resource's IRI: `id` in the W3C context, `@id` in plain JSON-LD."""
    return resource.get("id", resource.get("@id"))


def _format(resource: dict[str, object]) -> str:
    declared = resource.get("format")
    listed = declared if isinstance(declared, list) else [declared]
    return next((f.strip().lower() for f in listed if isinstance(f, str)), "")


# --- targets ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Target:
    """One target as aiwatch can use it."""

    source: str
    named: NamedSource | None  # None: the source names no document (data:, javascript:...)
    quote: tuple[str, str, str] | None = None  # (exact, prefix, suffix)
    start: int | None = None
    end: int | None = None
    unusable: str = ""  # why the selectors give aiwatch nothing to anchor ("" if they do)

    @property
    def rank(self) -> int:
        """Which target an annotation is kept on: lowest first (a quote on a local document,
        a quote elsewhere, a whole local document, a whole one elsewhere, then the rest)."""
        local = self.named is not None and self.named.kind in _LOCAL_KINDS
        if self.unusable:
            return 4
        return (0 if self.quote is not None else 2) + (0 if local else 1)


def _read_target(target: object) -> tuple[_Target, NamedSource]:
    """The target the annotation is kept on, of all it names (arrays and sets opened), and
    what its source names."""
    if target is None:
        raise _Malformed('has no "target"')
    candidates = [
        _read_one_target(one, where)
        for where, one in _resources(target, "target", first_choice=False)
    ]
    usable = [(c, c.named) for c in candidates if c.named is not None]
    if not usable:
        source = candidates[0].source
        raise _Unfit(f"source {_shown(source)} names no document (never followed)")
    return min(usable, key=lambda pair: pair[0].rank)  # min keeps the first of equal ranks


def _read_one_target(target: object, where: str) -> _Target:
    if isinstance(target, str):
        return _Target(target, name_source(target))  # the whole resource, named by its IRI
    if not isinstance(target, dict):
        raise _Malformed(f"{where} should be an object or a URI string, found {_json_kind(target)}")
    source = target.get("source", _resource_id(target))
    if isinstance(source, dict):  # the source described in place: its id names it
        source = _resource_id(source)
    if source is None:
        if "value" in target:
            raise _Unfit(f"{where} is embedded text, not a document")
        raise _Malformed(f'{where} has no "source"')
    if not isinstance(source, str):
        raise _Malformed(f'{where}: "source" should be a URI string, found {_shown(source)}')
    named = name_source(source)
    selectors, references = _read_selectors(target.get("selector"), where)
    for number, selector in enumerate(selectors, start=1):
        quote, outermost = _quote_in(selector)
        if quote is not None:
            exact, prefix, suffix = _read_quote(where, number, quote)
            # Positions describe the outermost selection; a quote refined inside another
            # selector is found by its text alone.
            start, end = _read_position(where, selectors) if outermost else (None, None)
            return _Target(source, named, (exact, prefix, suffix), start, end)
    if references:
        reason = f"its selector is given by reference ({_shown(references[0])}), not fetched"
        return _Target(source, named, unusable=f"target has no TextQuoteSelector: {reason}")
    if selectors:
        return _Target(source, named, unusable="target has no TextQuoteSelector")
    return _Target(source, named)


def _read_selectors(selector: object, where: str) -> tuple[list[dict[str, object]], list[str]]:
    """(selector objects, IRIs of selectors given by reference)."""
    if selector is None:
        return [], []
    listed = selector if isinstance(selector, list) else [selector]
    selectors: list[dict[str, object]] = []
    references: list[str] = []
    for number, one in enumerate(listed, start=1):
        if isinstance(one, dict):
            selectors.append(one)
        elif isinstance(one, str) and _IRI.fullmatch(one):
            references.append(one)
        else:
            raise _Malformed(
                f"{where}: selector {number} should be an object or an IRI, found {_json_kind(one)}"
            )
    return selectors, references


def _quote_in(selector: dict[str, object]) -> tuple[dict[str, object] | None, bool]:
    """(the innermost TextQuoteSelector of the selector and what refines it, and whether
    that is the selector itself)."""
    chain = [selector]
    for _ in range(_MAX_NESTING):
        refined = chain[-1].get("refinedBy")
        if isinstance(refined, list):
            refined = next((one for one in refined if isinstance(one, dict)), None)
        if not isinstance(refined, dict):
            break
        chain.append(refined)
    quotes = [depth for depth, s in enumerate(chain) if "TextQuoteSelector" in _types(s)]
    if not quotes:
        return None, False
    return chain[quotes[-1]], quotes[-1] == 0


def _read_quote(target: str, number: int, selector: dict[str, object]) -> tuple[str, str, str]:
    where = f"{target}: selector {number} (TextQuoteSelector)"
    exact = selector.get("exact")
    if not isinstance(exact, str) or not exact:
        raise _Malformed(f'{where}: "exact" should be a non-empty string, found {_shown(exact)}')
    context: list[str] = []
    for name in ("prefix", "suffix"):
        value = selector.get(name, "")
        if not isinstance(value, str):
            raise _Malformed(f'{where}: "{name}" should be a string, found {_shown(value)}')
        context.append(value)
    return exact, context[0], context[1]


def _first_selector(
    selectors: list[dict[str, object]], kind: str
) -> tuple[int, dict[str, object]] | None:
    """(its number counting from 1, the selector) of the first selector of this kind."""
    return next(
        ((number, s) for number, s in enumerate(selectors, start=1) if kind in _types(s)), None
    )


def _read_position(
    target: str, selectors: list[dict[str, object]]
) -> tuple[int | None, int | None]:
    found = _first_selector(selectors, "TextPositionSelector")
    if found is None:
        return None, None
    number, selector = found
    where = f"{target}: selector {number} (TextPositionSelector)"
    offsets: list[int] = []
    for name in ("start", "end"):
        value = selector.get(name)
        # bool is an int subclass in Python, but `true` is not a position.
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise _Malformed(
                f'{where}: "{name}" should be a non-negative integer, found {_shown(value)}'
            )
        offsets.append(value)
    start, end = offsets
    if end < start:
        raise _Malformed(f"{where}: end {end} is before start {start}")
    return start, end


# --- aiwatch's own hints ---------------------------------------------------------------------


def _read_hints(hints: object) -> dict[str, object]:
    if hints is None:
        return {}
    if not isinstance(hints, dict):
        raise _Malformed(f'"aiwatch" should be an object, found {_json_kind(hints)}')
    for name in ("color", "status", "title", "content_hash"):
        value = hints.get(name)
        if value is not None and not isinstance(value, str):
            raise _Malformed(f'"aiwatch": "{name}" should be a string, found {_shown(value)}')
    return hints


def _hint_text(hints: dict[str, object], name: str) -> str:
    value = hints.get(name)
    return value if isinstance(value, str) else ""


def _read_color(hints: dict[str, object]) -> str:
    color = _hint_text(hints, "color")
    return color if color in HIGHLIGHT_COLORS else DEFAULT_COLOR


def _read_status(hints: dict[str, object]) -> AnchorStatus | None:
    try:
        return AnchorStatus(_hint_text(hints, "status"))
    except ValueError:  # another version's status, or none: anchoring decides afresh
        return None
