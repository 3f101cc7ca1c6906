"""Fetched articles are the user's data: stored once, edits kept as versions, highlights
placed anew, searchable and exportable like files."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from aiwatch_tui import cli
from aiwatch_tui.core.anchoring import make_quote
from aiwatch_tui.core.library.sources import Source, SourceKind
from aiwatch_tui.core.model import AnchorStatus, Highlight
from aiwatch_tui.core.operations.feeds import earlier_passage
from aiwatch_tui.core.operations.library import ArticleReader
from aiwatch_tui.core.store import Store
from tests.web.loopback import LoopbackServer, Reply
from tests.web.samples import page

ATOM = "application/atom+xml"
KEPT = "This sentence survives every edit."
CUT = "This sentence is cut by the editor."


def atom(entries: list[tuple[str, str, str]]) -> bytes:
    """An Atom feed of (id, link, updated) entries."""
    body = "".join(
        f"<entry><id>{ident}</id><title>Entry {ident}</title><link href='{link}'/>"
        f"<updated>{updated}</updated><summary>teaser</summary></entry>"
        for ident, link, updated in entries
    )
    return (
        "<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'>"
        f"<title>Edits</title><id>urn:edits</id>{body}</feed>"
    ).encode()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def highlight(db: Path, key: str, phrase: str) -> Highlight:
    with Store(db) as store:
        document = ArticleReader(db).load(Source(key, None, SourceKind.ARTICLE))
        start = document.text.index(phrase)
        exact, prefix, suffix = make_quote(document.text, start, start + len(phrase))
        made = Highlight(
            id=str(uuid.uuid4()),
            doc_key=key,
            doc_hash=document.content_hash,
            start=start,
            end=start + len(phrase),
            exact=exact,
            prefix=prefix,
            suffix=suffix,
            created="2025-01-01T00:00:00.000Z",
            modified="2025-01-01T00:00:00.000Z",
        )
        store.add_highlight(made)
    return made


@pytest.fixture
def edited(server: LoopbackServer) -> LoopbackServer:
    server.route("/story", Reply(body=page("Story", f"{KEPT} {CUT}")))
    feed = atom([("e1", server.url("/story"), "2025-01-01T00:00:00Z")])
    server.route("/atom", Reply(body=feed, content_type=ATOM))
    return server


def test_a_publishers_edit_keeps_the_old_text_and_places_every_highlight(edited, capsys, db_path):
    run(capsys, "feed", "add", edited.url("/atom"))
    run(capsys, "fetch")
    key = edited.url("/story")
    kept = highlight(db_path, key, KEPT)
    cut = highlight(db_path, key, CUT)
    # The publisher edits the article and says so in the feed.
    edited.route("/story", Reply(body=page("Story", f"A new opening line. {KEPT}")))
    feed = atom([("e1", edited.url("/story"), "2025-02-01T00:00:00Z")])
    edited.route("/atom", Reply(body=feed, content_type=ATOM))
    code, _, err = run(capsys, "fetch")
    assert code == 0 and err == "fetched 1 feed: no new articles, 1 updated\n"
    assert "A new opening line." in run(capsys, "cat", key)[1]
    with Store(db_path) as store:
        (version,) = store.article_versions(key)
        assert CUT in version.text  # nothing anyone quoted disappears
        placed = {h.id: h for h in store.highlights(key)}
    assert placed[kept.id].status is AnchorStatus.MOVED
    assert placed[cut.id].status is AnchorStatus.ORPHANED
    assert placed[cut.id].exact == CUT
    # Where the UI shows the orphan, the passage it was made on, from the earlier text.
    with Store(db_path) as store:
        earlier = earlier_passage(store, placed[cut.id])
    assert earlier is not None and CUT in earlier[1] and KEPT[-20:] in earlier[1]


def test_the_same_article_is_stored_once(server, capsys, db_path):
    server.route("/a", Reply(body=page("A", "Same article.")))
    server.route("/syndicated", Reply(body=page("A", "Same article.")))
    one = atom([("x1", server.url("/a?utm_source=one"), "2025-01-01T00:00:00Z")])
    two = atom(
        [
            ("x2", server.url("/a#comments"), "2025-01-01T00:00:00Z"),  # same URL, normalised
            ("x3", server.url("/syndicated"), "2025-01-01T00:00:00Z"),  # same text
        ]
    )
    server.route("/one", Reply(body=one, content_type=ATOM))
    server.route("/two", Reply(body=two, content_type=ATOM))
    run(capsys, "feed", "add", server.url("/one"))
    run(capsys, "feed", "add", server.url("/two"))
    run(capsys, "fetch")
    with Store(db_path) as store:
        assert len(store.articles()) == 1
    # Found under each of its URLs.
    texts = {run(capsys, "cat", server.url(p))[1] for p in ("/a", "/syndicated", "/a?utm_source=x")}
    assert len(texts) == 1 and "Same article." in texts.pop()


def test_a_canonical_url_on_another_site_is_not_believed(server, capsys, db_path):
    evil = page("Evil", "I claim to be another site's article.").replace(
        b"<head>", b'<head><link rel="canonical" href="https://victim.example/story">'
    )
    server.route("/evil", Reply(body=evil))
    run(capsys, "save", server.url("/evil"))
    with Store(db_path) as store:
        (article,) = store.articles()
    assert article.key == server.url("/evil") and article.canonical_url == ""


def test_web_articles_are_searched_and_exported_like_files(server, capsys, db_path):
    server.route("/p", Reply(body=page("Pelican", "A pelican rides a bicycle.")))
    run(capsys, "save", server.url("/p?utm_medium=x"))
    key = server.url("/p")
    code, out, _ = run(capsys, "search", "pelican", "--json")
    assert code == 0 and json.loads(out)[0]["key"] == key
    highlight(db_path, key, "pelican rides")
    code, out, _ = run(capsys, "export", "--format", "json")
    (annotation,) = json.loads(out)["first"]["items"]
    assert annotation["target"]["source"] == key  # the article's URL, as Hypothesis does


def test_backup_holds_the_articles(server, capsys, db_path, tmp_path):
    server.route("/p", Reply(body=page("Kept", "Kept in the backup.")))
    run(capsys, "save", server.url("/p"))
    copy = tmp_path / "backup.db"
    assert run(capsys, "backup", str(copy))[0] == 0
    with Store(copy) as store:
        assert [a.key for a in store.articles()] == [server.url("/p")]
        assert "Kept in the backup." in (store.article_text(server.url("/p")) or "")


def test_a_page_that_later_disappears_is_still_readable(server, capsys):
    server.route("/p", Reply(body=page("Ephemeral", "Here today.")))
    run(capsys, "save", server.url("/p"))
    server.route("/p", Reply(410))
    assert "Here today." in run(capsys, "cat", server.url("/p"))[1]


def test_an_interrupted_fetch_commits_the_articles_waiting_for_their_batch(
    server, policy, db_path, monkeypatch
):
    import concurrent.futures

    from aiwatch_tui.core.operations import feeds as feed_operations
    from aiwatch_tui.core.web.fetcher import RunOptions

    # Nothing would be committed for a minute: only the interrupt commits the batch.
    monkeypatch.setattr(feed_operations, "BATCH_SECONDS", 60.0)
    items = "".join(
        f"<item><title>Item {i}</title><link>{server.url(f'/p{i}')}</link></item>" for i in range(3)
    )
    for i in range(3):
        server.route(f"/p{i}", Reply(body=page(f"Item {i}", f"Text {i}.")))
    feed = server.route(
        "/feed.xml",
        Reply(
            body=f"<rss version='2.0'><channel><title>F</title>{items}</channel></rss>".encode(),
            content_type="application/rss+xml",
        ),
    )
    with Store(db_path) as store:
        store.add_feed(feed, "F")
        delivered = []

        def interrupt_at_the_third(progress: feed_operations.FetchProgress) -> None:
            delivered.append(progress.new)
            if len(delivered) == 3:
                raise KeyboardInterrupt  # ^C while three articles wait for their commit

        with concurrent.futures.ThreadPoolExecutor(1) as lane:
            with pytest.raises(KeyboardInterrupt):
                feed_operations.fetch(
                    store, None, interrupt_at_the_third, RunOptions(policy, executor=lane)
                )
        # None was committed before the interrupt; then all three were, and said so.
        assert delivered == [0, 0, 0, 3]
    with Store(db_path) as store:
        assert sorted(a.title for a in store.articles()) == ["Item 0", "Item 1", "Item 2"]
