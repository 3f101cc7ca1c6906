"""Every shape the W3C Web Annotation Data Model allows for targets and bodies, and the
Hypothesis API's own shape, read item by item.

The samples are written for these tests (not copied from anywhere), one per shape of the
model: a bare IRI target, a SpecificResource with a selector list, a refined selector, a
selector given by reference, Choice/Composite/List/Independents as targets and as bodies, a
string body, an HTML body, bodyValue, several bodies, tags. aiwatch imports what it can keep
and skips the rest one by one, with a reason; a valid item it cannot use never costs the
others.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pytest

from aiwatch_tui.core.interchange.w3c_read import (
    ImportedDocumentNote,
    ImportedHighlight,
    ParseResult,
    foreign_id,
    parse_annotations,
)
from aiwatch_tui.core.model import AnchorStatus
from aiwatch_tui.core.operations.exporting import export_annotations
from aiwatch_tui.core.operations.importing import import_annotations
from aiwatch_tui.core.store import Store
from tests.conftest import SEED_000

SEED = "urn:aiwatch:seeds/" + SEED_000.name
SEED_KEY = "seeds/" + SEED_000.name
PAGE = "https://example.com/ai/article"
QUOTE = {"type": "TextQuoteSelector", "exact": "The Real Cost", "suffix": " of Compute"}
POSITION = {"type": "TextPositionSelector", "start": 5, "end": 18}
CONTEXT = "http://www.w3.org/ns/anno.jsonld"


def annotation(number: int, **fields: object) -> dict[str, object]:
    item: dict[str, object] = {
        "@context": CONTEXT,
        "id": f"http://example.org/anno{number}",
        "type": "Annotation",
    }
    item.update(fields)
    return item


def parsed(*items: Mapping[str, object]) -> ParseResult:
    return parse_annotations(json.dumps(items), "shapes.json")


def only(*items: Mapping[str, object]) -> ImportedHighlight | ImportedDocumentNote:
    result = parsed(*items)
    assert result.skipped == []
    (one,) = result.annotations
    return one


def only_highlight(item: Mapping[str, object]) -> ImportedHighlight:
    one = only(item)
    assert isinstance(one, ImportedHighlight)
    return one


def only_note(item: Mapping[str, object]) -> ImportedDocumentNote:
    one = only(item)
    assert isinstance(one, ImportedDocumentNote)
    return one


def on_seed(*selectors: object) -> dict[str, object]:
    return {"type": "SpecificResource", "source": SEED, "selector": list(selectors)}


# --- targets ---------------------------------------------------------------------------------


def test_a_bare_iri_target_is_the_whole_document() -> None:
    note = only_note(annotation(1, bodyValue="About all of it", target=SEED))
    assert (note.doc_key, note.note) == (SEED_KEY, "About all of it")


def test_a_specific_resource_with_a_selector_list_is_a_highlight() -> None:
    h = only_highlight(annotation(2, target=on_seed(QUOTE, POSITION)))
    assert (h.doc_key, h.exact, h.suffix, h.start, h.end) == (
        SEED_KEY,
        "The Real Cost",
        " of Compute",
        5,
        18,
    )


def test_a_single_selector_object_and_oa_prefixed_types_are_read() -> None:
    target = {"source": SEED, "selector": {**QUOTE, "type": "oa:TextQuoteSelector"}}
    assert only_highlight(annotation(3, target=target)).exact == "The Real Cost"


def test_a_quote_refining_another_selector_is_found_by_its_text() -> None:
    fragment = {"type": "FragmentSelector", "value": "para5", "refinedBy": QUOTE}
    h = only_highlight(annotation(4, target=on_seed(fragment, POSITION)))
    # The position describes the whole fragment, not the quote inside it: not used.
    assert (h.exact, h.start, h.end) == ("The Real Cost", None, None)


def test_a_quote_refined_by_a_narrower_quote_is_the_narrower_one() -> None:
    narrower = {"type": "TextQuoteSelector", "exact": "Cost", "prefix": "Real "}
    h = only_highlight(annotation(5, target=on_seed({**QUOTE, "refinedBy": narrower})))
    assert (h.exact, h.prefix, h.start) == ("Cost", "Real ", None)


def test_a_quote_refined_by_a_position_keeps_its_own_positions() -> None:
    refined = {**QUOTE, "refinedBy": {"type": "TextPositionSelector", "start": 0, "end": 4}}
    h = only_highlight(annotation(6, target=on_seed(refined, POSITION)))
    assert (h.exact, h.start, h.end) == ("The Real Cost", 5, 18)


def test_a_selector_given_by_reference_is_not_fetched_and_the_item_is_skipped() -> None:
    result = parsed(
        annotation(7, target=on_seed("http://example.org/selector1")),
        annotation(8, target=on_seed(QUOTE)),
    )
    assert [a.id for a in result.annotations] == [
        only_highlight(annotation(8, target=on_seed(QUOTE))).id
    ]
    ((where, why),) = result.skipped
    assert where == "item 1" and "by reference" in why and "not fetched" in why


@pytest.mark.parametrize("kind", ["Choice", "Composite", "List", "Independents"])
def test_every_kind_of_set_of_targets_is_opened(kind: str) -> None:
    target = {"type": kind, "items": [PAGE, on_seed(QUOTE), {"id": "http://example.org/img1"}]}
    h = only_highlight(annotation(9, target=target))
    # Kept on the one target aiwatch can anchor in: the quote in a local document.
    assert (h.doc_key, h.exact) == (SEED_KEY, "The Real Cost")


def test_an_array_of_targets_prefers_a_quote_in_a_local_document() -> None:
    target = [{"source": PAGE, "selector": QUOTE}, on_seed(QUOTE)]
    assert only_highlight(annotation(10, target=target)).doc_key == SEED_KEY
    on_page_only = only_highlight(annotation(11, target=[{"source": PAGE, "selector": QUOTE}]))
    assert on_page_only.doc_key == PAGE  # kept under the page's URL, to be read later


def test_an_external_web_resource_target_is_a_note_on_the_page() -> None:
    target = {"id": PAGE, "type": "Text", "format": "text/html", "language": "en"}
    note = only_note(annotation(12, target=target, bodyValue="Read this"))
    assert (note.doc_key, note.source, note.note) == (PAGE, PAGE, "Read this")


def test_a_source_described_in_place_is_named_by_its_id() -> None:
    target = {"source": {"id": SEED, "type": "Text"}, "selector": QUOTE}
    assert only_highlight(annotation(13, target=target)).doc_key == SEED_KEY


def test_plain_json_ld_ids_name_targets_and_bodies() -> None:
    item = {
        "@id": "http://example.org/anno14",
        "@type": "oa:Annotation",
        "body": {"@id": "http://example.org/body1", "@type": "dctypes:Sound"},
        "target": {"@id": SEED, "@type": "dctypes:Text"},
    }
    note = only_note(item)
    assert note.doc_key == SEED_KEY
    assert note.note == "Linked body (not fetched): <http://example.org/body1>"


def test_targets_that_cannot_be_kept_are_skipped_one_by_one() -> None:
    image_region = {
        "source": "http://example.org/image1.jpg",
        "selector": {"type": "FragmentSelector", "value": "xywh=100,100,300,300"},
    }
    items = [
        annotation(20, target=image_region, bodyValue="a face"),
        annotation(21, target={"type": "TextualBody", "value": "embedded text"}, bodyValue="x"),
        annotation(22, target="data:text/plain,hello", bodyValue="x"),
        annotation(23, target=SEED),  # nothing to keep: no quote, no note
        annotation(24, target=on_seed(QUOTE)),
    ]
    result = parsed(*items)
    assert len(result.annotations) == 1
    reasons = dict(result.skipped)
    assert reasons["item 1"] == "target has no TextQuoteSelector"
    assert reasons["item 2"] == "target is embedded text, not a document"
    assert "names no document" in reasons["item 3"]
    assert "no TextQuoteSelector and no note" in reasons["item 4"]


# --- bodies ----------------------------------------------------------------------------------


def test_a_string_body_is_a_link_to_a_resource_not_the_note_text() -> None:
    note = only_note(annotation(30, target=SEED, body="http://example.org/comment1"))
    assert note.note == "Linked body (not fetched): <http://example.org/comment1>"


def test_an_html_body_becomes_its_text_with_nothing_executed() -> None:
    body = {
        "type": "TextualBody",
        "format": "text/html",
        "language": "en",
        "value": "<p>Costs <b>rise</b> &amp; <a href='https://x.org/r'>fall</a>"
        "<script>alert('x')</script></p><p>[@click=app.quit]q[/]<br>line two</p>",
    }
    note = only_note(annotation(31, target=SEED, body=body))
    assert note.note == "Costs rise & fall <https://x.org/r>\n\n[@click=app.quit]q[/]\nline two"


def test_body_value_several_bodies_and_tags() -> None:
    item = annotation(
        32,
        target=on_seed(QUOTE),
        body=[
            {"type": "TextualBody", "value": "First thought", "purpose": "commenting"},
            {"type": "TextualBody", "value": "Second thought", "format": "text/plain"},
            {"type": "TextualBody", "value": "compute", "purpose": "tagging"},
            {"type": "TextualBody", "value": "chips", "purpose": ["oa:tagging", "classifying"]},
            {
                "type": "SpecificResource",
                "purpose": "tagging",
                "source": "http://example.org/concepts/energy",
            },
            {"id": "http://example.org/video1", "type": "Video"},
        ],
    )
    h = only_highlight(item)
    assert h.note == (
        "First thought\n\nSecond thought\n\nLinked body (not fetched): <http://example.org/video1>"
    )
    assert h.tags == ("compute", "chips", "http://example.org/concepts/energy")
    assert only_note(annotation(33, target=SEED, bodyValue="plain words")).note == "plain words"


def test_a_choice_of_bodies_gives_its_first_option_and_groups_give_all() -> None:
    choice = {
        "type": "Choice",
        "items": [
            {"type": "TextualBody", "value": "Hello", "language": "en"},
            {"type": "TextualBody", "value": "Bonjour", "language": "fr"},
        ],
    }
    assert only_note(annotation(34, target=SEED, body=choice)).note == "Hello"
    for kind in ("Composite", "List", "Independents"):
        group = {"type": kind, "items": ["plain one", {"type": "TextualBody", "value": "two"}]}
        assert only_note(annotation(35, target=SEED, body=group)).note == "plain one\n\ntwo"


# --- Hypothesis's API shape ------------------------------------------------------------------

HYPOTHESIS = {
    "id": "Q1w2E3r4T5",
    "created": "2024-03-02T09:15:42.123456+00:00",
    "updated": "2024-03-03T10:00:00.000000+00:00",
    "user": "acct:someone@hypothes.is",
    "uri": SEED,
    "text": "Worth **re-reading**",
    "tags": ["compute", "labour"],
    "group": "__world__",
    "target": [{"selector": [{"type": "RangeSelector"}, QUOTE, POSITION]}],
    "document": {"title": ["The Growing Pains"]},
    "links": {"html": "https://hypothes.is/a/Q1w2E3r4T5"},
}


def test_a_hypothesis_api_annotation_keeps_its_note_and_tags() -> None:
    h = only_highlight(HYPOTHESIS)
    assert (h.doc_key, h.exact, h.start, h.end) == (SEED_KEY, "The Real Cost", 5, 18)
    assert (h.note, h.tags) == ("Worth **re-reading**", ("compute", "labour"))
    assert (h.created, h.modified) == ("2024-03-02T09:15:42.123Z", "2024-03-03T10:00:00.000Z")


@pytest.mark.parametrize(
    "wrap",
    [
        lambda items: {"total": len(items), "rows": items},  # an API search
        lambda items: {"export_date": "2024-04-01", "annotations": items},  # the client's export
        lambda items: items,
    ],
)
def test_hypothesis_containers_and_page_notes_and_replies(wrap: object) -> None:
    page_note = {"id": "PageNote01", "uri": PAGE, "text": "About the page", "tags": []}
    reply = {**HYPOTHESIS, "id": "Reply0001", "references": ["Q1w2E3r4T5"], "target": []}
    items = [HYPOTHESIS, page_note, reply]
    result = parse_annotations(json.dumps(wrap(items)), "hypothesis.json")  # type: ignore[operator]
    highlight, note = result.annotations
    assert isinstance(highlight, ImportedHighlight) and highlight.note == "Worth **re-reading**"
    assert isinstance(note, ImportedDocumentNote)
    assert (note.doc_key, note.note) == (PAGE, "About the page")
    assert result.skipped == [
        ("item 3", "a reply in a Hypothesis discussion (aiwatch keeps no threads)")
    ]


def test_a_hypothesis_annotation_with_wrong_types_is_refused_naming_its_field() -> None:
    from aiwatch_tui.core.interchange.errors import InterchangeError

    for field, value, expected in [
        ("tags", "compute", '"tags" should be an array of strings'),
        ("text", 3, '"text" should be a string'),
        ("updated", "yesterday", '"updated" is not an ISO 8601 date-time'),
    ]:
        with pytest.raises(InterchangeError, match=expected):
            parse_annotations(json.dumps([{**HYPOTHESIS, field: value}]), "h.json")


# --- importing: several notes on one document, position-less quotes --------------------------


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "data" / "aiwatch.db")


def test_several_notes_on_one_document_are_several_notes(store: Store, tmp_path: Path) -> None:
    file = tmp_path / "notes.json"
    notes = [
        annotation(40, target=SEED, bodyValue="First note on the whole article"),
        annotation(41, target={"id": SEED}, body={"type": "TextualBody", "value": "Second"}),
        annotation(
            42, target=SEED, body={"type": "TextualBody", "value": "x", "purpose": "tagging"}
        ),
    ]
    file.write_text(json.dumps(notes), encoding="utf-8")
    summary = import_annotations(store, file)
    assert summary.notes.added == 3 and summary.changed
    kept = {n.text: n for n in store.document_notes()}
    assert sorted(kept) == ["", "First note on the whole article", "Second"]
    assert store.tags()[kept[""].id] == ("x",)
    again = import_annotations(store, file)
    assert (again.notes.added, again.notes.unchanged) == (0, 3)
    assert [line for line in again.lines() if "nothing changed" in line]
    exported = json.loads(export_annotations(store, None, "json"))["first"]["items"]
    assert sorted(item["id"] for item in exported) == sorted(
        f"urn:uuid:{foreign_id(f'http://example.org/anno{n}')}" for n in (40, 41, 42)
    )


def test_a_quote_without_a_position_is_anchored_where_it_is(store: Store, tmp_path: Path) -> None:
    file = tmp_path / "quote.json"
    selector = {"type": "TextQuoteSelector", "exact": "Data Center Workers Step Up"}
    file.write_text(json.dumps(annotation(50, target=on_seed(selector))), encoding="utf-8")
    import_annotations(store, file)
    (h,) = store.highlights()
    assert h.status is AnchorStatus.ANCHORED
    assert h.created and h.created == h.modified  # undated in the file: dated by the import
    assert import_annotations(store, file).highlights.unchanged == 1
    text = SEED_000.read_text(encoding="utf-8")
    assert text[h.start : h.end] == "Data Center Workers Step Up"
