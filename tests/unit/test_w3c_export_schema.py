"""Every exported annotation is valid W3C Web Annotation JSON-LD.

The W3C's own test suite (w3c/web-annotation-tests, run by web-platform-tests) checks a
file with JSON Schemas: the MUST assertions of section 3.1 (@context, id, type, target,
body and bodyValue not both), the validity of each property when it is present (times,
agents, motivations, formats, languages, selectors) and of collections and pages (section 5).
The schema below encodes those same rules compactly; it is written for this test, not
copied. It is checked against the export of a database holding every kind of annotation
aiwatch makes, item by item and as a whole, and against broken annotations, so that a
schema that let anything through would fail here too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from aiwatch_tui.core.model import AnchorStatus, DocumentNote
from aiwatch_tui.core.operations.exporting import export_annotations
from aiwatch_tui.core.store import Store
from tests.conftest import SEED_000, SEED_002
from tests.highlights import T2, highlight_on

CONTEXT = "http://www.w3.org/ns/anno.jsonld"
FORMATS = FormatChecker(formats=())


@FORMATS.checks("uri", raises=ValueError)
def _is_iri(value: object) -> bool:
    # An absolute IRI: a scheme, then no white space (RFC 3987, as the W3C tests check it).
    return not isinstance(value, str) or bool(re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*:\S+", value))


@FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    # xsd:dateTime with a time zone, as the model requires ("SHOULD be in UTC with Z").
    if not isinstance(value, str):
        return True
    moment = datetime.fromisoformat(value)
    return "T" in value and moment.tzinfo is not None


def one_or_many(schema: Mapping[str, object]) -> dict[str, object]:
    return {"oneOf": [schema, {"type": "array", "minItems": 1, "items": schema}]}


def includes(value: str) -> dict[str, object]:
    """A string equal to `value`, or an array holding it (as @context and type may be)."""
    return {"oneOf": [{"const": value}, {"type": "array", "contains": {"const": value}}]}


IRI = {"type": "string", "format": "uri"}
TIME = {"type": "string", "format": "date-time"}
MOTIVATIONS = [
    "assessing",
    "bookmarking",
    "classifying",
    "commenting",
    "describing",
    "editing",
    "highlighting",
    "identifying",
    "linking",
    "moderating",
    "questioning",
    "replying",
    "tagging",
]
SCHEMA: dict[str, object] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$defs": {
        "agent": {
            "oneOf": [
                IRI,
                {
                    "type": "object",
                    "properties": {
                        "id": IRI,
                        "type": one_or_many({"enum": ["Person", "Organization", "Software"]}),
                        "name": one_or_many({"type": "string"}),
                        "nickname": {"type": "string"},
                        "email": one_or_many({"type": "string", "pattern": "^mailto:"}),
                        "homepage": one_or_many(IRI),
                    },
                },
            ]
        },
        "provenance": {
            "properties": {
                "created": TIME,
                "modified": TIME,
                "generated": TIME,
                "creator": one_or_many({"$ref": "#/$defs/agent"}),
                "generator": one_or_many({"$ref": "#/$defs/agent"}),
            }
        },
        "selector": {
            "oneOf": [
                IRI,
                {
                    "type": "object",
                    "required": ["type"],
                    "properties": {"refinedBy": {"$ref": "#/$defs/selector"}},
                    "allOf": [
                        {
                            "if": {"properties": {"type": {"const": "TextQuoteSelector"}}},
                            "then": {
                                "required": ["exact"],
                                "properties": {
                                    "exact": {"type": "string"},
                                    "prefix": {"type": "string"},
                                    "suffix": {"type": "string"},
                                },
                            },
                        },
                        {
                            "if": {"properties": {"type": {"const": "TextPositionSelector"}}},
                            "then": {
                                "required": ["start", "end"],
                                "properties": {
                                    "start": {"type": "integer", "minimum": 0},
                                    "end": {"type": "integer", "minimum": 0},
                                },
                            },
                        },
                    ],
                },
            ]
        },
        "resource_set": {
            "type": "object",
            "required": ["type", "items"],
            "properties": {
                "type": {"enum": ["Choice", "Composite", "List", "Independents"]},
                "items": {"type": "array", "minItems": 1},
            },
        },
        "specific_resource": {
            "type": "object",
            "required": ["source"],
            "properties": {
                "id": IRI,
                "source": {"oneOf": [IRI, {"type": "object", "required": ["id"]}]},
                "selector": one_or_many({"$ref": "#/$defs/selector"}),
                "purpose": one_or_many({"enum": MOTIVATIONS}),
            },
        },
        "external_resource": {
            "type": "object",
            "required": ["id"],
            "not": {"anyOf": [{"required": ["value"]}, {"required": ["source"]}]},
            "properties": {"id": IRI},
        },
        "textual_body": {
            "type": "object",
            "required": ["value"],
            "allOf": [{"$ref": "#/$defs/provenance"}],
            "properties": {
                "type": {"const": "TextualBody"},
                "value": {"type": "string"},
                "format": one_or_many({"type": "string", "pattern": "^[a-z]+/[^\\s]+$"}),
                "language": one_or_many({"type": "string", "pattern": "^[a-z]{2,3}(-|$)"}),
                "purpose": one_or_many({"enum": MOTIVATIONS}),
            },
        },
        "target": {
            "oneOf": [
                IRI,
                {"$ref": "#/$defs/specific_resource"},
                {"$ref": "#/$defs/external_resource"},
                {"$ref": "#/$defs/resource_set"},
            ]
        },
        "body": {
            "oneOf": [
                IRI,
                {"$ref": "#/$defs/textual_body"},
                {"$ref": "#/$defs/specific_resource"},
                {"$ref": "#/$defs/external_resource"},
                {"$ref": "#/$defs/resource_set"},
            ]
        },
        "annotation": {
            "type": "object",
            "required": ["@context", "id", "type", "target"],
            "not": {"required": ["body", "bodyValue"]},
            "allOf": [{"$ref": "#/$defs/provenance"}],
            "properties": {
                "@context": includes(CONTEXT),
                "id": IRI,
                "type": includes("Annotation"),
                "target": one_or_many({"$ref": "#/$defs/target"}),
                "body": one_or_many({"$ref": "#/$defs/body"}),
                "bodyValue": {"type": "string"},
                "motivation": one_or_many({"enum": MOTIVATIONS}),
            },
        },
        "page": {
            "type": "object",
            "required": ["type", "items"],
            "properties": {
                "id": IRI,
                "type": includes("AnnotationPage"),
                "partOf": {"oneOf": [IRI, {"type": "object", "required": ["id"]}]},
                "startIndex": {"type": "integer", "minimum": 0},
                "items": {"type": "array", "items": {"$ref": "#/$defs/annotation"}},
            },
        },
        "collection": {
            "type": "object",
            "required": ["@context", "id", "type"],
            "allOf": [{"$ref": "#/$defs/provenance"}],
            "properties": {
                "@context": includes(CONTEXT),
                "id": IRI,
                "type": includes("AnnotationCollection"),
                "label": one_or_many({"type": "string"}),
                "total": {"type": "integer", "minimum": 0},
                "first": {"oneOf": [IRI, {"$ref": "#/$defs/page"}]},
            },
            # A collection with annotations must say where its first page is.
            "if": {"properties": {"total": {"exclusiveMinimum": 0}}, "required": ["total"]},
            "then": {"required": ["first"]},
        },
    },
}


def validator(definition: str) -> Draft202012Validator:
    return Draft202012Validator({**SCHEMA, "$ref": f"#/$defs/{definition}"}, format_checker=FORMATS)


def problems(definition: str, instance: object) -> list[str]:
    return [error.message for error in validator(definition).iter_errors(instance)]


@pytest.fixture
def exported(tmp_path: Path) -> dict[str, object]:
    """The JSON export of a database with every kind of annotation aiwatch holds."""
    with Store(tmp_path / "data" / "aiwatch.db") as store:
        store.add_highlight(highlight_on(SEED_000, "The Real Cost of Compute", note="a **note**"))
        plain = highlight_on(SEED_002, "data centers", color="blue")
        store.add_highlight(plain)
        orphan = replace(
            highlight_on(SEED_000, "Artificial intelligence"),
            exact="gone words",
            status=AnchorStatus.ORPHANED,
        )
        store.add_highlight(orphan)
        store.set_document_note("seeds/" + SEED_000.name, "About the whole piece")
        imported_note = DocumentNote("seeds/" + SEED_000.name, "Imported", T2, "theirs", T2)
        web = replace(plain, id="9c5a4f58-1d5e-4b55-9b8e-3f0c6a1e7d21", doc_key="https://e.com/a")
        store.merge_annotations(
            [web],
            [imported_note],
            {plain.id: ("chips", "policy"), "theirs": ("summary",), web.id: ("web",)},
        )
        document: dict[str, object] = json.loads(export_annotations(store, None, "json"))
    return document


def test_the_whole_export_is_a_valid_collection(exported: dict[str, object]) -> None:
    assert problems("collection", exported) == []
    first = exported["first"]
    assert isinstance(first, dict)
    assert exported["total"] == len(first["items"]) == 6


def test_every_exported_annotation_is_valid_on_its_own(exported: dict[str, object]) -> None:
    first = exported["first"]
    assert isinstance(first, dict)
    for item in first["items"]:
        assert problems("annotation", item) == [], item["id"]
        # Each says who made it and with what.
        assert item["creator"] == {"type": "Person"}
        assert item["generator"]["type"] == "Software"
        assert item["generator"]["name"].startswith("aiwatch ")
        assert item["created"] and item["modified"]


def test_the_collection_and_its_page_have_ids_stable_for_the_same_contents(
    exported: dict[str, object], tmp_path: Path
) -> None:
    first = exported["first"]
    assert isinstance(first, dict)
    assert str(exported["id"]).startswith("urn:uuid:")
    assert str(first["id"]).startswith("urn:uuid:") and first["id"] != exported["id"]
    assert first["partOf"] == exported["id"]
    with Store(tmp_path / "other.db") as store:
        store.set_document_note("seeds/" + SEED_000.name, "Something else")
        other = json.loads(export_annotations(store, None, "json"))
    assert other["id"] != exported["id"]


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        (lambda a: a.pop("target"), "'target' is a required property"),
        (lambda a: a.pop("@context"), "'@context' is a required property"),
        (lambda a: a.update(type="Note"), "is not valid"),
        (lambda a: a.update(id="not an iri"), "is not a 'uri'"),
        (lambda a: a.update(bodyValue="also"), "should not be valid"),
        (lambda a: a.update(created="2024-05-01 10:00"), "is not a 'date-time'"),
        (lambda a: a.update(motivation="liking"), "is not valid"),
        (lambda a: a.update(creator={"type": "Robot"}), "is not valid"),
        (lambda a: a["target"]["selector"][1].update(start=-1), "is not valid"),
        (lambda a: a["target"]["selector"][0].pop("exact"), "is not valid"),
    ],
)
def test_the_schema_refuses_what_the_w3c_tests_refuse(
    exported: dict[str, object], damage: object, expected: str
) -> None:
    first = exported["first"]
    assert isinstance(first, dict)
    annotation = next(item for item in first["items"] if "body" in item and "selector" in str(item))
    damage(annotation)  # type: ignore[operator]
    found = problems("annotation", annotation)
    assert any(expected in message for message in found), found
