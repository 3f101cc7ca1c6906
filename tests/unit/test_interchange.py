"""Interchange: JSON-LD, Markdown and CSV writers, and the annotation importer."""

from __future__ import annotations

import csv
import io
import json
import random
import re
import uuid
from datetime import UTC
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiwatch_tui import __version__
from aiwatch_tui.core.interchange.errors import InterchangeError
from aiwatch_tui.core.interchange.grouping import ExportDocument
from aiwatch_tui.core.interchange.markdown import to_markdown
from aiwatch_tui.core.interchange.readwise_csv import READWISE_COLUMNS, to_csv
from aiwatch_tui.core.interchange.w3c import to_json
from aiwatch_tui.core.interchange.w3c_read import (
    ImportedDocumentNote,
    ImportedHighlight,
    ParseResult,
    parse_annotations,
)
from aiwatch_tui.core.model import (
    HIGHLIGHT_COLORS,
    AnchorStatus,
    DocumentInfo,
    DocumentNote,
    Highlight,
)
from aiwatch_tui.core.uris import document_note_id, key_from_source, source_uri

GOLDEN = Path(__file__).parent / "golden"

SEED_KEY = "seeds/000_compute.txt"
FILE_KEY = "/home/reader/AI news #3 (50% draft).md"

DOCUMENTS = {
    SEED_KEY: ExportDocument(SEED_KEY, "The compute race", "a" * 64, author="Ada Writer"),
    FILE_KEY: ExportDocument(FILE_KEY, 'Chips, "tariffs" | pipes', "b" * 64, path=FILE_KEY),
}

DOCUMENT_NOTE_TEXT = "Overall: **good**\n# not a heading\n---\nlast line"
DOCUMENT_NOTES = [
    DocumentNote(
        SEED_KEY, DOCUMENT_NOTE_TEXT, "2024-05-02T09:00:00.000Z", "", "2024-04-30T09:00:00.000Z"
    )
]


def make_highlight(
    number: int, doc_key: str, start: int, exact: str, **fields: object
) -> Highlight:
    values: dict[str, object] = {
        "id": str(uuid.UUID(int=number, version=4)),
        "doc_key": doc_key,
        "doc_hash": DOCUMENTS[doc_key].content_hash,
        "start": start,
        "end": start + len(exact),
        "exact": exact,
        "prefix": "before ",
        "suffix": " after",
        "created": f"2024-05-0{number}T10:00:00.000Z",
        "modified": f"2024-05-0{number}T11:30:00.250Z",
    }
    values.update(fields)
    return Highlight(**values)  # type: ignore[arg-type]


HIGHLIGHTS = [
    make_highlight(
        1,
        SEED_KEY,
        120,
        "Nvidia's data-centre revenue\nrose again, | a pipe",
        note="[bold]x[/bold] and *real* emphasis",
    ),
    make_highlight(
        2, SEED_KEY, 300, "# not a heading\n\nbut a line", color="green", status=AnchorStatus.MOVED
    ),
    make_highlight(
        3,
        SEED_KEY,
        40,
        'He said "a, b | c"',
        color="pink",
        note="# not a heading\n```\nunclosed fence",
        status=AnchorStatus.ORPHANED,
    ),
    make_highlight(
        4,
        FILE_KEY,
        10,
        "=SUM(A1:A9)",
        color="blue",
        note='-1 is the answer, "quoted"\nsecond line',
        status=AnchorStatus.CHANGED,
    ),
    make_highlight(5, FILE_KEY, 2, "@channel plain", note="+ more"),
]


# --- source URIs -----------------------------------------------------------------------------


def test_bundled_article_source_is_an_aiwatch_urn() -> None:
    assert (
        source_uri("seeds/000_c10daa536b93aa76.txt") == "urn:aiwatch:seeds/000_c10daa536b93aa76.txt"
    )
    assert key_from_source("urn:aiwatch:seeds/000_c10daa536b93aa76.txt") == (
        "seeds/000_c10daa536b93aa76.txt"
    )


def test_file_source_is_the_percent_encoded_file_uri() -> None:
    assert source_uri(FILE_KEY) == "file:///home/reader/AI%20news%20%233%20%2850%25%20draft%29.md"
    assert key_from_source("file:///home/reader/AI%20news%20%233%20%2850%25%20draft%29.md") == (
        FILE_KEY
    )


@pytest.mark.parametrize(
    "uri",
    [
        "https://example.com/article",
        "file://otherhost/home/a.txt",
        "file:relative/a.txt",
        "file:///home/a.txt?version=2",
        "file:///home/me/../../etc/passwd",
        "urn:aiwatch:seeds/..",
        "urn:aiwatch:seeds/",
        "urn:aiwatch:seeds/a%2Fb",
        "urn:isbn:0451450523",
        "",
    ],
)
def test_sources_aiwatch_cannot_open_have_no_key(uri: str) -> None:
    assert key_from_source(uri) is None


def test_file_uri_variants_name_the_same_file() -> None:
    assert key_from_source("file://localhost/home/a%20b.txt") == "/home/a b.txt"
    assert key_from_source("file:/home/a%20b.txt") == "/home/a b.txt"
    assert key_from_source("FILE:///home/a.txt#section-2") == "/home/a.txt"


FILE_NAMES = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="/\x00"),
    min_size=1,
    max_size=30,
).filter(lambda name: name not in (".", ".."))


@settings(max_examples=200, deadline=None)
@given(folder=FILE_NAMES, name=FILE_NAMES)
def test_file_key_survives_a_trip_through_its_uri(folder: str, name: str) -> None:
    key = f"/{folder}/{name}"
    uri = source_uri(key)
    assert uri.isascii() and " " not in uri
    assert key_from_source(uri) == key


@settings(max_examples=200, deadline=None)
@given(name=FILE_NAMES.filter(lambda n: "\\" not in n))
def test_seed_key_survives_a_trip_through_its_uri(name: str) -> None:
    uri = source_uri("seeds/" + name)
    assert uri.isascii() and " " not in uri and "#" not in uri
    assert key_from_source(uri) == "seeds/" + name


# --- JSON ------------------------------------------------------------------------------------


def exported_items(text: str) -> list[dict[str, object]]:
    collection = json.loads(text)
    assert collection["@context"] == "http://www.w3.org/ns/anno.jsonld"
    assert collection["type"] == "AnnotationCollection"
    assert collection["total"] == len(collection["first"]["items"])
    items: list[dict[str, object]] = collection["first"]["items"]
    return items


def test_json_has_one_annotation_per_highlight_and_document_note() -> None:
    items = exported_items(to_json(HIGHLIGHTS, DOCUMENTS, DOCUMENT_NOTES))
    assert len(items) == len(HIGHLIGHTS) + 1
    assert all(item["@context"] == "http://www.w3.org/ns/anno.jsonld" for item in items)
    assert all(item["type"] == "Annotation" for item in items)
    # Ordered by document key, the document note first, then by position.
    order = [item["id"] for item in items]
    assert order == [
        f"urn:uuid:{HIGHLIGHTS[4].id}",
        f"urn:uuid:{HIGHLIGHTS[3].id}",
        f"urn:uuid:{document_note_id(SEED_KEY)}",
        f"urn:uuid:{HIGHLIGHTS[2].id}",
        f"urn:uuid:{HIGHLIGHTS[0].id}",
        f"urn:uuid:{HIGHLIGHTS[1].id}",
    ]


def test_json_highlight_carries_selectors_body_and_aiwatch_fields() -> None:
    items = exported_items(to_json(HIGHLIGHTS, DOCUMENTS))
    noted = next(item for item in items if item["id"] == f"urn:uuid:{HIGHLIGHTS[0].id}")
    assert noted["motivation"] == "commenting"
    assert noted["body"] == {
        "type": "TextualBody",
        "value": "[bold]x[/bold] and *real* emphasis",
        "format": "text/markdown",
    }
    assert noted["target"] == {
        "source": "urn:aiwatch:seeds/000_compute.txt",
        "selector": [
            {
                "type": "TextQuoteSelector",
                "exact": HIGHLIGHTS[0].exact,
                "prefix": "before ",
                "suffix": " after",
            },
            {"type": "TextPositionSelector", "start": 120, "end": 120 + len(HIGHLIGHTS[0].exact)},
        ],
    }
    assert noted["created"] == "2024-05-01T10:00:00.000Z"
    assert noted["modified"] == "2024-05-01T11:30:00.250Z"
    assert noted["aiwatch"] == {
        "color": "yellow",
        "status": "anchored",
        "title": "The compute race",
        "content_hash": "a" * 64,
    }
    plain = next(item for item in items if item["id"] == f"urn:uuid:{HIGHLIGHTS[1].id}")
    assert plain["motivation"] == "highlighting"
    assert "body" not in plain


def test_json_document_note_targets_the_whole_document_with_a_stable_id() -> None:
    items = exported_items(to_json([], DOCUMENTS, DOCUMENT_NOTES))
    assert items == [
        {
            "@context": "http://www.w3.org/ns/anno.jsonld",
            "id": f"urn:uuid:{document_note_id(SEED_KEY)}",
            "type": "Annotation",
            "motivation": "commenting",
            "created": "2024-04-30T09:00:00.000Z",
            "modified": "2024-05-02T09:00:00.000Z",
            "creator": {"type": "Person"},
            "generator": {"type": "Software", "name": f"aiwatch {__version__}"},
            "body": {
                "type": "TextualBody",
                "value": DOCUMENT_NOTE_TEXT,
                "format": "text/markdown",
            },
            "target": "urn:aiwatch:seeds/000_compute.txt",
            "aiwatch": {"title": "The compute race", "content_hash": "a" * 64},
        }
    ]
    assert document_note_id(SEED_KEY) == document_note_id(SEED_KEY)
    assert document_note_id(SEED_KEY) != document_note_id(FILE_KEY)


def test_json_does_not_depend_on_input_order() -> None:
    shuffled = HIGHLIGHTS[:]
    random.Random(5).shuffle(shuffled)
    assert to_json(shuffled, DOCUMENTS, DOCUMENT_NOTES) == to_json(
        HIGHLIGHTS, DOCUMENTS, DOCUMENT_NOTES
    )


def test_json_escapes_terminal_controls_and_reads_them_back() -> None:
    note = "red \x1b[31m and csi \x9b2J and del \x7f"
    text = to_json([make_highlight(1, SEED_KEY, 0, "x", note=note)], DOCUMENTS)
    assert not any(ch in text for ch in "\x1b\x9b\x7f")
    assert parse_annotations(text, "out.json").highlights[0].note == note


def test_generated_time_is_written_only_when_given() -> None:
    assert "generated" not in json.loads(to_json(HIGHLIGHTS, DOCUMENTS))
    stamped = json.loads(to_json(HIGHLIGHTS, DOCUMENTS, generated="2024-06-01T00:00:00.000Z"))
    assert stamped["generated"] == "2024-06-01T00:00:00.000Z"


def rebuilt_from(
    result: ParseResult,
) -> tuple[
    list[Highlight], dict[str, ExportDocument], list[DocumentNote], dict[str, tuple[str, ...]]
]:
    """What the store would hold after importing `result` into an empty database."""
    documents: dict[str, ExportDocument] = {}
    highlights: list[Highlight] = []
    for h in result.highlights:
        assert h.start is not None and h.end is not None and h.status is not None
        highlights.append(h.to_highlight(h.content_hash, h.start, h.end, h.status))
        documents.setdefault(h.doc_key, ExportDocument(h.doc_key, h.title, h.content_hash))
    notes = [n.to_note(n.doc_key) for n in result.document_notes]
    for n in result.document_notes:
        documents[n.doc_key] = ExportDocument(n.doc_key, n.title, n.content_hash)
    tags = {a.id: a.tags for a in result.annotations if a.tags}
    return highlights, documents, notes, tags


def test_json_export_import_export_is_identical() -> None:
    first = to_json(HIGHLIGHTS, DOCUMENTS, DOCUMENT_NOTES)
    result = parse_annotations(first.encode("utf-8"), "export.json")
    assert result.skipped == []
    assert sorted(h.id for h in result.highlights) == sorted(h.id for h in HIGHLIGHTS)
    assert to_json(*rebuilt_from(result)) == first


HIGHLIGHT_TEXT = st.text(min_size=1, max_size=40)


@st.composite
def highlights(draw: st.DrawFn) -> Highlight:
    start = draw(st.integers(min_value=0, max_value=10_000))
    exact = draw(HIGHLIGHT_TEXT)
    stamp = draw(st.datetimes(timezones=st.just(UTC)))
    iso = stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return Highlight(
        id=str(draw(st.uuids(version=4))),
        doc_key=draw(st.sampled_from([SEED_KEY, FILE_KEY])),
        doc_hash=draw(st.sampled_from(["a" * 64, "c" * 64])),
        start=start,
        end=start + len(exact),
        exact=exact,
        prefix=draw(st.text(max_size=32)),
        suffix=draw(st.text(max_size=32)),
        color=draw(st.sampled_from(HIGHLIGHT_COLORS)),
        note=draw(st.text(max_size=60)),
        created=iso,
        modified=iso,
        status=draw(st.sampled_from(list(AnchorStatus))),
    )


TAGS = st.lists(st.text(min_size=1, max_size=12).filter(str.strip), max_size=3, unique=True)


@settings(max_examples=60, deadline=None)
@given(
    marks=st.lists(highlights(), max_size=6, unique_by=lambda h: h.id),
    notes=st.lists(st.text(max_size=40), max_size=3),
    tag_lists=st.lists(TAGS, min_size=9, max_size=9),
)
def test_any_export_survives_import_and_export_unchanged(
    marks: list[Highlight], notes: list[str], tag_lists: list[list[str]]
) -> None:
    document_notes = [
        DocumentNote(FILE_KEY, text, "", "" if n == 0 else str(uuid.UUID(int=n + 100, version=4)))
        for n, text in enumerate(notes)
    ]
    ids = [h.id for h in marks] + [n.id or document_note_id(FILE_KEY) for n in document_notes]
    tags = {id_: tuple(tag_list) for id_, tag_list in zip(ids, tag_lists, strict=False) if tag_list}
    first = to_json(marks, DOCUMENTS, document_notes, tags)
    assert to_json(*rebuilt_from(parse_annotations(first, "export.json"))) == first


# --- importing other shapes and other tools' annotations ------------------------------------


def one_annotation(**fields: object) -> dict[str, object]:
    annotation: dict[str, object] = {
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "id": "urn:uuid:6a1f3b1e-0000-4000-8000-000000000001",
        "type": "Annotation",
        "target": {
            "source": "urn:aiwatch:seeds/000_compute.txt",
            "selector": {"type": "TextQuoteSelector", "exact": "compute"},
        },
    }
    annotation.update(fields)
    return annotation


def test_a_single_annotation_without_positions_is_a_highlight_to_anchor() -> None:
    result = parse_annotations(json.dumps(one_annotation()), "one.json")
    assert result.annotations == [
        ImportedHighlight(
            id="6a1f3b1e-0000-4000-8000-000000000001",
            doc_key=SEED_KEY,
            source="urn:aiwatch:seeds/000_compute.txt",
            exact="compute",
            prefix="",
            suffix="",
            start=None,
            end=None,
        )
    ]


def test_array_page_and_collection_shapes_all_read() -> None:
    first = one_annotation()
    second = one_annotation(id="urn:uuid:6a1f3b1e-0000-4000-8000-000000000002")
    shapes = [
        [first, second],
        {"type": "AnnotationPage", "items": [first, second]},
        {
            "type": "AnnotationCollection",
            "first": {"type": "AnnotationPage", "items": [first, second]},
        },
        {
            "type": "AnnotationCollection",
            "first": {
                "type": "AnnotationPage",
                "items": [first],
                "next": {"type": "AnnotationPage", "items": [second]},
            },
        },
    ]
    for shape in shapes:
        ids = [a.id for a in parse_annotations(json.dumps(shape), "shape.json").annotations]
        assert ids == [
            "6a1f3b1e-0000-4000-8000-000000000001",
            "6a1f3b1e-0000-4000-8000-000000000002",
        ]


def test_an_empty_collection_imports_nothing() -> None:
    result = parse_annotations('{"type": "AnnotationCollection", "total": 0}', "empty.json")
    assert result == ParseResult([], [])


HYPOTHESIS_STYLE = {
    "@context": "http://www.w3.org/ns/anno.jsonld",
    "type": "Annotation",
    "id": "https://hypothes.is/a/AbC123xyz",
    "created": "2024-03-02T09:15:42.123456+00:00",
    "modified": "2024-03-02T11:15:42.999999+02:00",
    "creator": "acct:someone@hypothes.is",
    "body": [
        {"type": "TextualBody", "value": "Worth **re-reading**"},
        {"type": "TextualBody", "value": "compute", "purpose": "tagging"},
        {"type": "TextualBody", "value": "policy", "purpose": "tagging"},
    ],
    "target": [
        {"source": "https://example.com/the-compute-race"},
        {
            "source": "file:///home/reader/compute%20race.txt",
            "selector": [
                {
                    "type": "RangeSelector",
                    "startSelector": {"type": "XPathSelector", "value": "/p[1]"},
                    "endSelector": {"type": "XPathSelector", "value": "/p[1]"},
                },
                {"type": "TextPositionSelector", "start": 5, "end": 12},
                {
                    "type": "TextQuoteSelector",
                    "exact": "compute",
                    "prefix": "The ",
                    "suffix": " race",
                    "refinedBy": {"type": "TextPositionSelector", "start": 0, "end": 1},
                },
            ],
        },
    ],
}


def test_hypothesis_style_annotation_fits() -> None:
    (imported,) = parse_annotations(json.dumps([HYPOTHESIS_STYLE]), "hypothesis.json").annotations
    assert imported == ImportedHighlight(
        id=str(uuid.uuid5(uuid.NAMESPACE_URL, "https://hypothes.is/a/AbC123xyz")),
        doc_key="/home/reader/compute race.txt",
        source="file:///home/reader/compute%20race.txt",
        exact="compute",
        prefix="The ",
        suffix=" race",
        start=5,
        end=12,
        color="yellow",
        note="Worth **re-reading**",
        created="2024-03-02T09:15:42.123Z",
        modified="2024-03-02T09:15:42.999Z",
        tags=("compute", "policy"),
    )


def test_a_foreign_id_maps_to_the_same_id_on_every_import() -> None:
    text = json.dumps(HYPOTHESIS_STYLE)
    assert (
        parse_annotations(text, "a.json").annotations
        == parse_annotations(text, "b.json").annotations
    )


def test_loose_bodies_and_unknown_hints_fall_back_to_defaults() -> None:
    loose = one_annotation(
        body="a plain string body",
        created="2024-01-01T12:00:00",
        aiwatch={"color": "chartreuse", "status": "lost-in-space"},
    )
    (imported,) = parse_annotations(json.dumps(loose), "loose.json").highlights
    assert imported.note == "a plain string body"
    assert imported.color == "yellow" and imported.status is None
    # No zone means UTC; without `modified` the creation is the last change.
    assert imported.created == imported.modified == "2024-01-01T12:00:00.000Z"
    listed = one_annotation(bodyValue="from bodyValue")
    assert parse_annotations(json.dumps(listed), "b.json").highlights[0].note == "from bodyValue"


def test_a_target_without_selector_and_with_a_note_is_a_document_note() -> None:
    note = one_annotation(
        target={"source": "file:///home/reader/a.txt"}, body={"value": "About the whole piece"}
    )
    assert parse_annotations(json.dumps(note), "n.json").annotations == [
        ImportedDocumentNote(
            id="6a1f3b1e-0000-4000-8000-000000000001",
            doc_key="/home/reader/a.txt",
            source="file:///home/reader/a.txt",
            note="About the whole piece",
        )
    ]


def test_annotations_that_do_not_fit_are_skipped_with_a_reason() -> None:
    items = [
        one_annotation(
            id="urn:uuid:00000000-0000-4000-8000-000000000001",
            target={"source": "data:text/plain,x", "selector": []},
        ),
        one_annotation(
            id="urn:uuid:00000000-0000-4000-8000-000000000002",
            target={
                "source": "file:///a.txt",
                "selector": {"type": "FragmentSelector", "value": "page=2"},
            },
        ),
        one_annotation(id="urn:uuid:00000000-0000-4000-8000-000000000003", target="file:///a.txt"),
        {"type": "Person", "id": "x"},
        one_annotation(id="urn:uuid:00000000-0000-4000-8000-000000000005"),
    ]
    result = parse_annotations(json.dumps(items), "mixed.json")
    assert [a.id for a in result.annotations] == ["00000000-0000-4000-8000-000000000005"]
    assert [where for where, _ in result.skipped] == ["item 1", "item 2", "item 3", "item 4"]
    reasons = [why for _, why in result.skipped]
    assert reasons[0] == "source 'data:text/plain,x' names no document (never followed)"
    assert reasons[1] == "target has no TextQuoteSelector"
    assert "no TextQuoteSelector and no note" in reasons[2]
    assert reasons[3] == "not an Annotation (Person)"


# --- damaged files ---------------------------------------------------------------------------


def damaged(**fields: object) -> str:
    return json.dumps([one_annotation(), one_annotation(**fields)])


def with_selector(selector: object) -> str:
    return damaged(target={"source": "urn:aiwatch:seeds/x.txt", "selector": selector})


QUOTE = {"type": "TextQuoteSelector", "exact": "compute"}

DAMAGE = [
    ('[{"id": 1,}]', "notes.json: not valid JSON: line 1, column 11: "),
    ('{\n  "type": "Annotation"\n  "id": "x"\n}', "notes.json: not valid JSON: line 3, column 3: "),
    ('"just a string"', "notes.json: expected an Annotation, a JSON array"),
    ('{"type": "Person"}', "found an object with Person"),
    ('{"type": "AnnotationPage", "items": 3}', 'the page: "items" should be an array'),
    (
        '{"type": "AnnotationCollection", "first": "https://x/page1"}',
        "first page is not in the file",
    ),
    (
        '{"type": "AnnotationPage", "items": [], "next": "https://x/page2"}',
        "page 2 is not in the file",
    ),
    ("[1]", "notes.json: item 1: expected an Annotation object, found a number"),
    (damaged(id=None), 'notes.json: item 2: has no "id"'),
    (damaged(id=7), 'notes.json: item 2: "id" should be a non-empty string, found 7'),
    (damaged(id="urn:uuid:6a1f3b1e-0000-4000-8000-000000000001"), "item 2: the id of item 1 again"),
    (damaged(target=None), 'notes.json: item 2: has no "target"'),
    (damaged(target=[]), 'item 2: "target" is an empty array'),
    (damaged(target={"selector": [QUOTE]}), 'item 2: target has no "source"'),
    (damaged(target={"source": 5}), 'item 2: target: "source" should be a URI string, found 5'),
    (damaged(target=[{"source": "https://x"}, 3]), "item 2: target 2 should be an object"),
    (with_selector([QUOTE, "TextQuoteSelector"]), "item 2: target: selector 2 should be an object"),
    (
        with_selector({"type": "TextQuoteSelector"}),
        'selector 1 (TextQuoteSelector): "exact" should',
    ),
    (with_selector({"type": "TextQuoteSelector", "exact": ""}), '"exact" should be a non-empty'),
    (
        with_selector([{"type": "Other"}, {**QUOTE, "prefix": 4}]),
        'item 2: target: selector 2 (TextQuoteSelector): "prefix" should be a string, found 4',
    ),
    (
        with_selector([QUOTE, {"type": "TextPositionSelector", "start": "12", "end": 20}]),
        'item 2: target: selector 2 (TextPositionSelector): "start" should be a non-negative '
        "integer, found '12'",
    ),
    (
        with_selector([QUOTE, {"type": "TextPositionSelector", "start": 1, "end": True}]),
        '"end" should be a non-negative integer, found True',
    ),
    (
        with_selector([QUOTE, {"type": "TextPositionSelector", "start": 1.5, "end": 3}]),
        '"start" should be a non-negative integer, found 1.5',
    ),
    (
        with_selector([QUOTE, {"type": "TextPositionSelector", "start": -1, "end": 3}]),
        "found -1",
    ),
    (
        with_selector([QUOTE, {"type": "TextPositionSelector", "start": 9, "end": 3}]),
        "(TextPositionSelector): end 3 is before start 9",
    ),
    (damaged(created="yesterday"), "item 2: \"created\" is not an ISO 8601 date-time: 'yesterday'"),
    (damaged(modified=1714557600), '"modified" should be an ISO 8601 date-time string'),
    (damaged(body={"value": ["a"]}), 'item 2: body: "value" should be a string, found an array'),
    (damaged(body=["ok", 3]), "item 2: body 2 should be an object or a string, found a number"),
    (damaged(bodyValue=None), '"bodyValue" should be a string, found null'),
    (damaged(aiwatch="yellow"), 'item 2: "aiwatch" should be an object, found a string'),
    (damaged(aiwatch={"color": 3}), 'item 2: "aiwatch": "color" should be a string'),
]


@pytest.mark.parametrize(("text", "expected"), DAMAGE)
def test_each_kind_of_damage_is_refused_with_where_and_what(text: str, expected: str) -> None:
    with pytest.raises(InterchangeError) as caught:
        parse_annotations(text, "notes.json")
    message = str(caught.value)
    assert message.startswith("notes.json: ")
    assert expected in message
    assert "\n" not in message


def test_bytes_that_are_not_utf8_are_refused() -> None:
    with pytest.raises(InterchangeError, match=r"^notes\.json: not UTF-8 text \(byte 1 "):
        parse_annotations(b"[\xff]", "notes.json")


def test_a_byte_order_mark_is_accepted() -> None:
    data = "\ufeff".encode() + json.dumps(one_annotation()).encode()
    assert len(parse_annotations(data, "bom.json").annotations) == 1


def test_absurdly_nested_json_is_refused_not_crashed() -> None:
    with pytest.raises(InterchangeError, match="^deep.json: "):
        parse_annotations("[" * 100_000 + "]" * 100_000, "deep.json")


def test_control_characters_in_the_file_do_not_reach_the_message() -> None:
    with pytest.raises(InterchangeError) as caught:
        parse_annotations(damaged(created="\x1b[2J\x9bnow"), "notes.json")
    assert not any(ch in str(caught.value) for ch in "\x1b\x9b")


# --- Markdown --------------------------------------------------------------------------------


def golden_text(name: str) -> str:
    # Bytes, not read_text: the CSV golden keeps its \r\n line ends exactly.
    return (GOLDEN / name).read_bytes().decode("utf-8")


def test_markdown_matches_the_golden_file() -> None:
    assert to_markdown(HIGHLIGHTS, DOCUMENTS, DOCUMENT_NOTES) == golden_text("highlights.md")


def test_markdown_headings_are_only_the_ones_aiwatch_writes() -> None:
    text = to_markdown(HIGHLIGHTS, DOCUMENTS, DOCUMENT_NOTES)
    headings = [line for line in text.splitlines() if line.lstrip(" ").startswith("#")]
    assert headings == [
        "# aiwatch highlights",
        '## Chips, "tariffs" | pipes',
        "## The compute race",
        "### Orphaned highlights",
    ]
    assert not any(line.lstrip(" ").startswith(("```", "~~~", "---")) for line in text.splitlines())


def test_markdown_quotes_every_line_of_a_highlight() -> None:
    text = to_markdown([HIGHLIGHTS[1]], DOCUMENTS)
    assert "> \\# not a heading\n>\n> but a line\n" in text


def test_markdown_puts_orphans_after_the_placed_highlights_of_their_document() -> None:
    text = to_markdown(HIGHLIGHTS, DOCUMENTS, DOCUMENT_NOTES)
    compute_section = text[text.index("## The compute race") :]
    orphans = compute_section.index("### Orphaned highlights")
    assert compute_section.index("He said") > orphans
    assert compute_section.index("Nvidia's") < orphans
    assert compute_section.index("Overall: **good**") < compute_section.index("Nvidia's")


def test_markdown_shows_control_characters_as_symbols() -> None:
    text = to_markdown([make_highlight(1, SEED_KEY, 0, "bell\x07", note="esc \x1b[2J")], DOCUMENTS)
    assert "\x07" not in text and "\x1b" not in text
    assert "> bell\u2407" in text and "esc \u241b[2J" in text


# Bidi controls, zero-width (non-)joiners and other invisible characters, in a title, a quote,
# a note and a document note; and an emoji whose ZWJ joins two pictographs.
HIDDEN = "x\u202egnp.exe \u2066y\u2069 non\u200cjoiner zero\u200dwidth \u200b\U000e0041"
HIDDEN_SHOWN = "x␦gnp.exe ␦y␦ non␦joiner zero␦width ␦␦"
EMOJI = "\U0001f469\u200d\U0001f4bb"
RAW_HIDDEN = re.compile(
    "[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\U000e0000-\U000e007f]"
)


def hidden_everywhere() -> tuple[list[Highlight], dict[str, ExportDocument], list[DocumentNote]]:
    documents = {SEED_KEY: ExportDocument(SEED_KEY, f"Title {HIDDEN}", "a" * 64)}
    marks = [make_highlight(1, SEED_KEY, 0, f"quote {HIDDEN}", note=f"note {HIDDEN} {EMOJI}")]
    return marks, documents, [DocumentNote(SEED_KEY, f"document {HIDDEN}")]


def test_markdown_and_csv_show_hidden_characters_as_the_reader_does() -> None:
    marks, documents, notes = hidden_everywhere()
    markdown = to_markdown(marks, documents, notes)
    table = to_csv(marks, documents)
    for text in (markdown, table):
        assert RAW_HIDDEN.sub("", text.replace(EMOJI, "")) == text.replace(EMOJI, "")
        assert f"quote {HIDDEN_SHOWN}" in text and f"note {HIDDEN_SHOWN} {EMOJI}" in text
    assert f"## Title {HIDDEN_SHOWN}" in markdown and f"document {HIDDEN_SHOWN}" in markdown
    # The document is flagged, as the reader flags it.
    assert "Note: contains bidirectional-override or invisible characters (shown as ␦)." in markdown
    assert "bidirectional" not in to_markdown(HIGHLIGHTS, DOCUMENTS, DOCUMENT_NOTES)


def test_json_escapes_hidden_characters_and_keeps_them_exactly() -> None:
    marks, documents, notes = hidden_everywhere()
    text = to_json(marks, documents, notes)
    assert RAW_HIDDEN.search(text) is None
    assert "\\u202e" in text and "\\udb40\\udc41" in text  # a tag character: a surrogate pair
    result = parse_annotations(text, "hidden.json")
    assert result.highlights[0].note == f"note {HIDDEN} {EMOJI}"
    assert result.highlights[0].exact == f"quote {HIDDEN}"
    assert result.document_notes[0].note == f"document {HIDDEN}"


def test_markdown_title_ending_in_hashes_keeps_them() -> None:
    ranked = {SEED_KEY: ExportDocument(SEED_KEY, "Ranked\nnumber #", "a" * 64)}
    text = to_markdown([make_highlight(1, SEED_KEY, 0, "x")], ranked)
    assert "\n## Ranked number \\#\n" in text


def test_markdown_of_nothing_says_so() -> None:
    assert to_markdown([], DOCUMENTS) == "# aiwatch highlights\n\nNo highlights or notes.\n"


# --- CSV -------------------------------------------------------------------------------------


def test_csv_matches_the_golden_file() -> None:
    assert to_csv(HIGHLIGHTS, DOCUMENTS) == golden_text("highlights.csv")


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_csv_has_readwise_columns_and_reads_back_cell_for_cell() -> None:
    text = to_csv(HIGHLIGHTS, DOCUMENTS)
    assert text.split("\r\n", 1)[0] == "Highlight,Title,Author,URL,Note,Location,Date"
    assert READWISE_COLUMNS == ("Highlight", "Title", "Author", "URL", "Note", "Location", "Date")
    rows = csv_rows(text)
    assert len(rows) == len(HIGHLIGHTS)
    first_seed = next(row for row in rows if row["Highlight"] == HIGHLIGHTS[0].exact)
    assert first_seed == {
        "Highlight": "Nvidia's data-centre revenue\nrose again, | a pipe",
        "Title": "The compute race",
        "Author": "Ada Writer",
        "URL": "urn:aiwatch:seeds/000_compute.txt",
        "Note": "[bold]x[/bold] and *real* emphasis",
        "Location": "120",
        "Date": "2024-05-01 10:00:00",
    }


def test_csv_cells_that_a_spreadsheet_would_run_start_with_a_quote() -> None:
    rows = csv_rows(to_csv(HIGHLIGHTS, DOCUMENTS))
    by_location = {row["Location"]: row for row in rows}
    assert by_location["10"]["Highlight"] == "'=SUM(A1:A9)"
    assert by_location["10"]["Note"].startswith("'-1 is the answer")
    assert by_location["2"]["Highlight"] == "'@channel plain"
    assert by_location["2"]["Note"] == "'+ more"
    tabbed = make_highlight(1, SEED_KEY, 0, "\tcmd", note="\t=1+1")
    row = csv_rows(to_csv([tabbed], DOCUMENTS))[0]
    assert row["Highlight"] == "'\tcmd"
    assert row["Note"] == "'\t=1+1"


def test_csv_date_is_empty_when_the_creation_time_is_unknown() -> None:
    undated = make_highlight(1, FILE_KEY, 0, "text", created="")
    rows = csv_rows(to_csv([undated], DOCUMENTS))
    assert [row["Date"] for row in rows] == [""]


# --- documents the writers are not told about -----------------------------------------------


def test_a_highlight_whose_document_is_gone_is_still_exported_under_its_file_name() -> None:
    gone = make_highlight(1, FILE_KEY, 0, "kept anyway")
    assert "\n## AI news #3 (50% draft).md\n" in to_markdown([gone], {})
    assert csv_rows(to_csv([gone], {}))[0]["Title"] == "AI news #3 (50% draft).md"
    (item,) = exported_items(to_json([gone], {}))
    assert item["aiwatch"] == {
        "color": "yellow",
        "status": "anchored",
        "title": "AI news #3 (50% draft).md",
        "content_hash": "b" * 64,
    }


def test_export_document_from_document_info() -> None:
    info = DocumentInfo(FILE_KEY, Path(FILE_KEY), "Chips", 10, 99, 1, "b" * 64)
    assert ExportDocument.from_info(info) == ExportDocument(
        FILE_KEY, "Chips", "b" * 64, path=FILE_KEY
    )
