"""The `aiwatch` command line: the only module that reads argv.

`aiwatch [PATH ...]` opens the reader; other verbs are subcommands. Textual is
imported only when the reader is launched, so scripts and `--help` start fast.

Conventions of every subcommand: data on stdout, messages on stderr, one-line errors (never
a traceback), exit status 0 on success, 1 on failure (or "nothing found", like grep), 2 for
a usage error or a malformed input file.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from aiwatch_tui import __version__

if TYPE_CHECKING:
    from asyncio import AbstractEventLoop

    from aiwatch_tui.core.config import LoadedConfig
    from aiwatch_tui.core.library.loading import SourceReader
    from aiwatch_tui.core.library.sources import Source
    from aiwatch_tui.core.model import DocumentRow
    from aiwatch_tui.core.operations.feeds import FetchProgress
    from aiwatch_tui.core.operations.search_index import SearchResult
    from aiwatch_tui.core.store import Store
    from aiwatch_tui.core.store.web import FeedRow
    from aiwatch_tui.core.web.fetcher import RunOptions
    from aiwatch_tui.paths import Paths

PROG = "aiwatch"
SUBCOMMANDS = (
    "search",
    "export",
    "import",
    "add",
    "remove",
    "list",
    "cat",
    "feed",
    "fetch",
    "save",
    "backup",
    "doctor",
    "serve",
    "config",
)
DEFAULT_SEARCH_LIMIT = 20
TITLE_COLUMN_MAX = 48
PROGRESS_AFTER_S = 0.5  # indexing shorter than this shows no progress line

_COMMANDS_EPILOG = """\
commands (run `aiwatch COMMAND --help` for each):
  search QUERY [PATH ...]   full-text search, ranked results on stdout
  export                    highlights and notes as W3C JSON-LD, Markdown or Readwise CSV
  import FILE               merge W3C Web Annotations (e.g. an aiwatch export)
  add PATH ...              remember folders or files in the library
  remove PATH               forget a library folder or file (its annotations are kept)
  list                      the documents, with words, progress, highlights and notes
  cat [--json] DOC ...      documents' text as aiwatch keeps it (a web article as Markdown),
                            or their blocks as the reader shows them, as JSON lines
  feed add URL [--title T]  follow a feed (or the feed a page names); also feed list,
                            feed remove URL, feed import FILE.opml, feed export (OPML 2.0)
  fetch [--feed URL]        fetch new articles of every feed (full text, kept forever)
  save URL ...              fetch web pages and keep their article text
  backup [FILE]             a consistent copy of the database, even while aiwatch runs
  doctor                    where the files are and whether the database is sound
  serve [PATH ...]          the reader in a web page (http://127.0.0.1:8000/)
  config [--edit | --keys]  the settings file: where, what is in effect; its keys
`aiwatch URL` fetches, saves and opens a web page; `aiwatch PAGE.html` opens a saved page.
A file named like a command opens in the reader as ./NAME."""


def _reader_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=(
            "Read and annotate articles about the AI industry. With no PATH, opens the library: "
            "fetched web articles, the bundled articles and your folders; a single FILE (or "
            "saved .html page, or an http(s) URL, fetched and kept) opens straight in the "
            "reading pane; folders are read recursively (.txt, .md, .markdown)."
        ),
        epilog=_COMMANDS_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="article files or folders, or one web page URL; - reads an article from "
        "standard input",
    )
    parser.add_argument(
        "--db",
        metavar="FILE",
        help="annotations database (default: $AIWATCH_DB or the user data dir)",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def _fail(message: str, status: int = 2) -> int:
    # One line, no traceback: the message names the file and what is wrong.
    print(f"{PROG}: {message}", file=sys.stderr)
    return status


def run_reader(argv: Sequence[str]) -> int:
    args = _reader_parser().parse_args(argv)
    # Start-up allocates tens of thousands of long-lived objects (Textual's classes and
    # styles, the documents), and the cycle collector's passes over them cost about 20 ms
    # before the first frame. It is held off until that frame is on screen; then see
    # aiwatch_tui.ui.collector.
    gc.disable()
    try:
        return _run_reader(args)
    finally:
        gc.enable()


def _is_web_address(text: str) -> bool:
    from aiwatch_tui.core.uris import is_fetchable

    return is_fetchable(text.strip()) and not Path(text).exists()


def _run_reader(args: argparse.Namespace) -> int:
    from aiwatch_tui.core.library.catalog import Problem
    from aiwatch_tui.core.store import StoreError
    from aiwatch_tui.paths import Paths

    paths = Paths.resolve(db=args.db)
    open_key: str | None = None
    if len(args.paths) == 1 and _is_web_address(args.paths[0]):
        # `aiwatch URL`: fetched and kept first (as `aiwatch save`), then opened.
        try:
            with _open_store(paths, writes=True) as store:
                open_key, status = _save_urls(store, args.paths)
        except StoreError as error:
            return _fail(str(error))
        if open_key is None:
            return status
        args.paths = []
    targets = [Path(p) for p in args.paths if p != "-"]
    piped = None
    if "-" in args.paths:
        piped, problem = _read_piped_article()
        if piped is None:
            return _fail(problem, 1)
    try:
        from aiwatch_tui.ui.app import make_app

        app = make_app(targets, paths=paths, open_key=open_key, piped=piped)
    except StoreError as error:
        return _fail(str(error))
    if targets and not app.catalog.sources:
        for problem in app.startup_problems:
            print(f"{PROG}: {problem}", file=sys.stderr)
        app.store.close()
        return _fail("nothing to open", 1)
    if app.open_key is not None:
        loaded = app.catalog.load(app.open_key)
        if isinstance(loaded, Problem):
            app.store.close()
            return _fail(loaded.message, 1)
    from aiwatch_tui.ui.collector import hold_full_collections

    app.after_first_paint.append(hold_full_collections)
    import asyncio

    # Our own loop rather than asyncio.run(), which would wait for every worker thread as it
    # ends: see _finish.
    loop = asyncio.new_event_loop()
    try:
        app.run(loop=loop)
    finally:
        _finish(loop, leave_workers=app.left_worker_busy)
    return 0


def _finish(loop: AbstractEventLoop, *, leave_workers: bool) -> None:
    """Close the reader's loop. If the app closed with a worker thread still busy (indexing
    a huge article, say), end the process at once instead of waiting for it: ctrl+q must quit
    at once. The app has closed by then: the terminal is restored, and every change to the
    store is committed (the search index, derived data, recovers from a write cut short)."""
    if leave_workers:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
    try:
        loop.run_until_complete(loop.shutdown_default_executor())
    finally:
        loop.close()


def _read_piped_article() -> tuple[bytes | None, str]:
    """`aiwatch -`: the article on standard input (curl … | aiwatch -), read whole; then the
    keys come from the terminal, as less does. (None, why) when that cannot be."""
    from aiwatch_tui.core.files import human_size
    from aiwatch_tui.core.library.loading import MAX_FILE_BYTES

    if sys.stdin.isatty():
        return None, "-: standard input is the terminal: pipe an article in (curl … | aiwatch -)"
    data = sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        limit = human_size(MAX_FILE_BYTES)
        return None, f"-: standard input: too large (aiwatch reads up to {limit})"
    if not data.strip():
        return None, "-: standard input: nothing to read"
    terminal = _open_terminal()
    if terminal is None:
        return None, "-: no terminal to take keys from (/dev/tty cannot be opened)"
    os.dup2(terminal, sys.stdin.fileno())
    os.close(terminal)
    return data, ""


def _open_terminal() -> int | None:
    """The terminal, opened to read keys: the controlling one, else the one the output goes to
    (a session with no controlling terminal, as under setsid)."""
    names = ["/dev/tty"]
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream.isatty():
                names.append(os.ttyname(stream.fileno()))
        except (OSError, ValueError):
            continue
    for name in names:
        try:
            return os.open(name, os.O_RDWR | os.O_NOCTTY)
        except OSError:
            continue
    return None


# ---------------------------------------------------------------------------------------------
# Subcommands: parsers
# ---------------------------------------------------------------------------------------------


def _subparser(command: str, description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"{PROG} {command}", description=description)
    parser.add_argument(
        "--db",
        metavar="FILE",
        help="annotations database (default: $AIWATCH_DB or the user data dir)",
    )
    return parser


def _search_parser() -> argparse.ArgumentParser:
    parser = _subparser(
        "search",
        "Full-text search of the bundled articles and the library (or of the PATHs given), "
        'ranked by relevance. Phrases ("trading water for compute") and prefixes (comput*) '
        "work. The index in the cache folder is updated first, re-reading only changed files. "
        "Exit status 1 when nothing matches.",
    )
    parser.add_argument("query", metavar="QUERY", help="words to find")
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files or folders to search")
    parser.add_argument("--json", action="store_true", help="print a JSON array of results")
    parser.add_argument(
        "--limit",
        type=_positive_int,
        default=DEFAULT_SEARCH_LIMIT,
        metavar="N",
        help=f"at most N results (default {DEFAULT_SEARCH_LIMIT})",
    )
    return parser


def _export_parser() -> argparse.ArgumentParser:
    parser = _subparser(
        "export",
        "Write every highlight and note (or one document's) to stdout or a file: W3C Web "
        "Annotation JSON-LD (json), Markdown for notes apps (markdown) or Readwise's CSV (csv).",
    )
    parser.add_argument(
        "-f", "--format", choices=("json", "markdown", "csv"), default="json", help="default json"
    )
    parser.add_argument(
        "--document",
        metavar="DOC",
        help="only this document: a path, a file:// or urn:aiwatch: URI, or a bundled "
        "article's name (e.g. 000_c10daa536b93aa76.txt)",
    )
    parser.add_argument(
        "-o", "--output", metavar="FILE", help="write FILE (private, replaced whole) instead"
    )
    return parser


def _import_parser() -> argparse.ArgumentParser:
    parser = _subparser(
        "import",
        "Merge W3C Web Annotations (an aiwatch JSON export, or another tool's, Hypothesis's "
        "included) into the database, by annotation id. Highlights are placed in the current "
        "text of their documents; on conflict the newer `modified` wins. Only documents of "
        "the library (and the PATHs given) are read: annotations on any other file or page "
        "are kept as orphans, placed when the file is imported again after `aiwatch add`. "
        "A malformed file changes nothing. The summary goes to stderr.",
    )
    parser.add_argument("file", metavar="FILE", help="the JSON file (- reads stdin)")
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="documents (files or folders) to read for this import, without adding them",
    )
    return parser


def _add_parser() -> argparse.ArgumentParser:
    parser = _subparser(
        "add",
        "Remember folders (read recursively: .txt, .md, .markdown) or files in the library, "
        "which `aiwatch` with no PATH opens alongside the bundled articles.",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="existing folders or files")
    return parser


def _remove_parser() -> argparse.ArgumentParser:
    parser = _subparser(
        "remove",
        "Forget a folder or file added with `aiwatch add`. Its highlights and notes are kept. "
        "Exit status 1 if it was not in the library.",
    )
    parser.add_argument("path", metavar="PATH", help="as it was added (see `aiwatch list --paths`)")
    return parser


def _list_parser() -> argparse.ArgumentParser:
    parser = _subparser(
        "list",
        "The documents (bundled articles and the library) with title, words, reading "
        "progress, highlight and note counts.",
    )
    shape = parser.add_mutually_exclusive_group()
    shape.add_argument(
        "--json",
        action="store_true",
        help="a JSON array of {key, title, path, words, progress, highlights, notes}",
    )
    shape.add_argument("--paths", action="store_true", help="the library's folders and files")
    return parser


def _cat_parser() -> argparse.ArgumentParser:
    parser = _subparser(
        "cat",
        "Print documents' text as aiwatch keeps it, for scripts and pipes: a web article "
        "as Markdown with its title first, a file as it reads (decoded, with control "
        "characters made visible); with --json, each document's structure as the reader "
        "shows it.",
    )
    parser.add_argument(
        "documents",
        nargs="+",
        metavar="DOC",
        help="a path, a web article's URL (as in its feed, or canonical), or a bundled "
        "article's name",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="one JSON object per line per document: {path, title, author, date, blocks: "
        "[{kind, text, start, end, ...}]} (see the README)",
    )
    return parser


def _feed_parser() -> argparse.ArgumentParser:
    parser = _subparser(
        "feed",
        "Follow feeds (RSS 0.9x/1.0/2.0, Atom, JSON Feed): `aiwatch fetch` then fetches "
        "their new articles.",
    )
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    add = verbs.add_parser(
        "add", help="follow a feed, or the feed a web page names (<link rel=alternate>)"
    )
    add.add_argument("url", metavar="URL")
    add.add_argument("--title", default="", help="the name to show for it")
    listing = verbs.add_parser("list", help="the feeds followed")
    listing.add_argument(
        "--json",
        action="store_true",
        help="a JSON array of {url, title, site_url, status, last_error, last_fetched, added, "
        "articles}",
    )
    remove = verbs.add_parser("remove", help="stop following a feed (its articles are kept)")
    remove.add_argument("url", metavar="URL")
    imported = verbs.add_parser(
        "import", help="follow every feed of an OPML file (newsboat, NetNewsWire, Feedly...)"
    )
    imported.add_argument("file", metavar="FILE.opml")
    verbs.add_parser("export", help="the feeds followed, as OPML 2.0 on stdout")
    return parser


def _fetch_parser() -> argparse.ArgumentParser:
    parser = _subparser(
        "fetch",
        "Fetch every feed now (except those the publisher removed: HTTP 410), and the full "
        "text of each new article; each article is kept the moment it arrives. On a "
        "terminal a progress bar, else one summary line; one line per feed that failed. "
        "Exit status 1 when every feed failed.",
    )
    parser.add_argument("--feed", metavar="URL", help="only this feed")
    return parser


def _save_parser() -> argparse.ArgumentParser:
    parser = _subparser(
        "save", "Fetch web pages and keep their article text (as a feed's articles are kept)."
    )
    parser.add_argument("urls", nargs="+", metavar="URL")
    return parser


def _backup_parser() -> argparse.ArgumentParser:
    parser = _subparser(
        "backup",
        "Copy the database through SQLite's backup API: a consistent snapshot, safe while "
        "aiwatch is running. Prints the backup's path.",
    )
    parser.add_argument(
        "file",
        nargs="?",
        metavar="FILE",
        help="a new file (default: aiwatch-backup-YYYYmmdd-HHMMSS.db here)",
    )
    return parser


def _doctor_parser() -> argparse.ArgumentParser:
    return _subparser(
        "doctor",
        "Where each file lives, the schema version, SQLite's integrity check, counts, and "
        "library paths that vanished. Only reads; a damaged database is reported with what "
        "to do, never changed. Exit status 1 when the database is damaged.",
    )


def _serve_parser() -> argparse.ArgumentParser:
    parser = _subparser(
        "serve",
        "Serve the reader as a web page: every key and screen as in the terminal, on the same "
        "database and the same PATHs. Each page opened runs its own aiwatch. Listens on "
        "loopback unless --host says otherwise; on any other address every request needs the "
        "token in the printed link. Ctrl+C stops it.",
    )
    parser.add_argument(
        "paths", nargs="*", metavar="PATH", help="article files or folders, or one web page URL"
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address or name to listen on (default 127.0.0.1; 0.0.0.0 for every address)",
    )
    parser.add_argument(
        "--port",
        type=_port,
        default=8000,
        help="TCP port (default 8000; 0 lets the system choose one)",
    )
    parser.add_argument(
        "--token",
        action="store_true",
        help="require the token on loopback too (on a machine shared with other accounts)",
    )
    return parser


def _config_parser() -> argparse.ArgumentParser:
    parser = _subparser(
        "config",
        "The settings file (TOML, in the config folder; AIWATCH_CONFIG_DIR moves it): its path "
        "and the settings in effect, as TOML, with one line on stderr per problem in it "
        "(exit status 1 when there is any).",
    )
    what = parser.add_mutually_exclusive_group()
    what.add_argument(
        "--edit",
        action="store_true",
        help="open it in $VISUAL or $EDITOR (made first from a commented template if missing)",
    )
    what.add_argument(
        "--keys", action="store_true", help="every action's name with its keys and what it does"
    )
    return parser


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a port is from 0 to 65535, not {value}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


# ---------------------------------------------------------------------------------------------
# Subcommands: output helpers
# ---------------------------------------------------------------------------------------------


def _safe(text: str) -> str:
    from aiwatch_tui.core.text.sanitize import one_line

    return one_line(text)


def _note(message: str) -> None:
    print(f"{PROG}: {_safe(message)}", file=sys.stderr)


def _emit(text: str) -> None:
    """Data to stdout as UTF-8, whatever the locale, with no newline translation (CSV keeps
    its CRLF)."""
    stream = sys.stdout
    buffer = getattr(stream, "buffer", None)
    if buffer is None:
        stream.write(text)
        stream.flush()
        return
    stream.flush()
    buffer.write(text.encode("utf-8", errors="replace"))
    buffer.flush()


def _emit_json(value: object) -> None:
    import json  # only scripts ask for JSON: kept out of the reader's start-up

    _emit(json.dumps(value, indent=2, ensure_ascii=True) + "\n")


def _open_store(paths: Paths, *, writes: bool = False) -> Store:
    """The store, its notices said on stderr. A store aiwatch may not write (read-only file,
    newer aiwatch) is said too: a command that only reads goes on with a warning, one that
    would write stops here, before doing half of its work."""
    from aiwatch_tui.core.store import Store, StoreReadOnlyError

    store = Store(paths.db)
    for notice in store.notices:
        _note(notice)
    if store.read_only:
        if writes:
            store.close()
            raise StoreReadOnlyError(store.read_only_reason)
        _note(f"warning: {store.read_only_reason}")
    return store


# ---------------------------------------------------------------------------------------------
# Subcommands: what they do
# ---------------------------------------------------------------------------------------------


def _cmd_export(args: argparse.Namespace, paths: Paths) -> int:
    from aiwatch_tui.core.operations.exporting import export_annotations
    from aiwatch_tui.core.operations.library import resolve_document
    from aiwatch_tui.core.operations.search_index import cached_infos

    with _open_store(paths) as store:
        document = None
        if args.document is not None:
            known = {h.doc_key for h in store.highlights()}
            known |= {note.doc_key for note in store.document_notes()}
            document = resolve_document(args.document, known)
        text = export_annotations(store, None, args.format, document, cached=cached_infos(paths))
    if args.output is None:
        _emit(text)
    else:
        from aiwatch_tui.core.files import write_private_file

        written = write_private_file(Path(args.output), text)
        print(_safe(str(written)), file=sys.stderr)
    return 0


def _cmd_import(args: argparse.Namespace, paths: Paths) -> int:
    from aiwatch_tui.core.interchange.w3c_read import parse_annotations
    from aiwatch_tui.core.library.sources import discover
    from aiwatch_tui.core.operations.importing import import_parsed, read_annotation_file

    named, problems = discover([Path(p) for p in args.paths])
    if problems:
        for problem in problems:
            print(f"{PROG}: {problem}", file=sys.stderr)
        return _fail("nothing was imported", 1)

    # Read and check the whole file before the database is even opened.
    if args.file == "-":
        name = "<stdin>"
        parsed = parse_annotations(sys.stdin.buffer.read(), name)
    else:
        name = _safe(args.file)
        parsed = read_annotation_file(Path(args.file))
    with _open_store(paths, writes=True) as store:
        summary = import_parsed(store, parsed, name, named=named)
    for line in summary.lines():
        print(line, file=sys.stderr)
    return 0


def _cmd_add(args: argparse.Namespace, paths: Paths) -> int:
    from aiwatch_tui.core.operations.library import add_library_path, resolve_library_path

    resolved: list[Path] = []
    for text in args.paths:
        path, problem = resolve_library_path(text)
        if path is None:
            print(f"{PROG}: {problem}", file=sys.stderr)
        else:
            resolved.append(path)
    if len(resolved) < len(args.paths):
        return _fail("nothing was added", 1)
    with _open_store(paths, writes=True) as store:
        for path in resolved:
            added, found = add_library_path(store, path)
            if added:
                _note(f"added to the library: {path} ({found} documents)")
            else:
                _note(f"already in the library: {path} ({found} documents)")
    return 0


def _cmd_remove(args: argparse.Namespace, paths: Paths) -> int:
    from aiwatch_tui.core.operations.library import remove_library_path

    with _open_store(paths, writes=True) as store:
        removed = remove_library_path(store, args.path)
    if removed is not None:
        _note(f"removed from the library: {removed} (its annotations are kept)")
        return 0
    return _fail(f"{_safe(args.path)}: not in the library (see: aiwatch list --paths)", 1)


def _percent(progress: float) -> str:
    return f"{round(progress * 100)}%"


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "\u2026"


def _document_table(rows: Sequence[DocumentRow]) -> str:
    titles = [_clip(_safe(row.info.title), TITLE_COLUMN_MAX) for row in rows]
    width = max([len("TITLE"), *map(len, titles)])
    lines = [
        f"{'WORDS':>7}  {'READ':>4}  {'HIGHLIGHTS':>10}  {'NOTES':>5}  {'TITLE':<{width}}  DOCUMENT"
    ]
    for row, title in zip(rows, titles, strict=True):
        lines.append(
            f"{row.info.word_count:>7}  {_percent(row.progress):>4}  {row.highlights:>10}  "
            f"{row.notes:>5}  {title:<{width}}  {_safe(row.info.key)}"
        )
    return "\n".join(line.rstrip() for line in lines) + "\n"


def _cmd_list(args: argparse.Namespace, paths: Paths) -> int:
    from aiwatch_tui.core.operations.library import (
        document_infos,
        document_rows,
        library_reader,
        shown_sources,
    )
    from aiwatch_tui.core.operations.search_index import cached_infos

    with _open_store(paths) as store:
        if args.paths:
            _emit("".join(f"{_safe(p)}\n" for p in store.library_paths()))
            return 0
        sources, problems = shown_sources(store)
        infos, unreadable = document_infos(sources, cached_infos(paths), library_reader(store))
        rows = document_rows(store, infos)
        articles = {article.key: article for article in store.articles()} if args.json else {}
    for problem in [*problems, *unreadable]:
        _note(problem)
    if args.json:
        entries = []
        for row in rows:
            info = row.info
            article = articles.get(info.key)
            entries.append(
                {
                    "key": info.key,
                    "title": info.title,
                    "path": str(info.path) if info.path is not None else None,
                    "words": info.word_count,
                    "progress": row.progress,
                    "highlights": row.highlights,
                    "notes": row.notes,
                    # A web article's facts (null for a file).
                    "url": article.url if article else None,
                    "canonical_url": (article.canonical_url or None) if article else None,
                    "feed": (article.feed_url or None) if article else None,
                    "site": article.site if article else None,
                    "author": (article.author or None) if article else None,
                    "published": (article.published or None) if article else None,
                    "fetched": article.fetched if article else None,
                    "summary_only": article.summary_only if article else None,
                }
            )
        _emit_json(entries)
    else:
        _emit(_document_table(rows))
    return 0


def _cmd_backup(args: argparse.Namespace, paths: Paths) -> int:
    if not paths.db.exists():
        return _fail(f"{_safe(str(paths.db))}: no database yet, so nothing to back up", 1)
    if args.file is None:
        name = time.strftime("aiwatch-backup-%Y%m%d-%H%M%S.db")
        destination = Path.cwd() / name
    else:
        destination = Path(args.file).expanduser().absolute()
    with _open_store(paths) as store:
        store.backup(destination)
    _emit(f"{_safe(str(destination))}\n")
    return 0


def _cmd_doctor(args: argparse.Namespace, paths: Paths) -> int:
    from aiwatch_tui.core.operations.doctor import doctor

    report = doctor(paths)
    _emit("".join(f"{line}\n" for line in report.lines))
    return 0 if report.healthy else 1


def _progress_printer() -> Callable[[int, int], None] | None:
    """A throttled "indexing n/N" line on a terminal's stderr, once indexing takes a while."""
    if not sys.stderr.isatty():
        return None
    started = time.monotonic()
    shown = [0.0]

    def show(done: int, total: int) -> None:
        now = time.monotonic()
        if now - started < PROGRESS_AFTER_S or (now - shown[0] < 0.1 and done < total):
            return
        shown[0] = now
        end = "\n" if done >= total else ""
        print(
            f"\r{PROG}: indexing {done}/{total} documents for search",
            end=end,
            file=sys.stderr,
            flush=True,
        )

    return show


def _marked(snippet: str, marks: Sequence[tuple[int, int]]) -> str:
    pieces: list[str] = []
    position = 0
    for start, end in sorted(marks):
        if start < position:
            continue
        pieces += [snippet[position:start], "**", snippet[start:end], "**"]
        position = end
    pieces.append(snippet[position:])
    return "".join(pieces)


def _result_block(number: int, result: SearchResult) -> str:
    heading = _safe(result.title) + (f" \u2014 {_safe(result.section)}" if result.section else "")
    return (
        f"{number}. {heading}\n"
        f"   {_safe(result.key)}, offset {result.offset}\n"
        f"   {_marked(_safe(result.snippet), result.marks)}\n"
    )


def _search_sources(
    args: argparse.Namespace, store: Store | None, library: LibraryVersion
) -> tuple[list[Source], list[Source], SourceReader, str | None]:
    """(the documents to search, the library kept indexed alongside them, how to read them,
    the stamp of the library's walk: see core.library.walk_stamp)."""
    from aiwatch_tui.core.library.loading import LIBRARY
    from aiwatch_tui.core.library.sources import Folders, bundled_sources, discover
    from aiwatch_tui.core.library.walk_stamp import make_stamp
    from aiwatch_tui.core.operations.library import library_reader, shown_sources

    sources = bundled_sources()
    reader: SourceReader = LIBRARY
    folders: Folders = []
    started = time.time_ns()
    if store is not None:
        sources, problems = shown_sources(store, folders=folders)
        reader = library_reader(store)
        if not args.paths:
            for problem in problems:
                _note(problem)
    stamp = make_stamp(library.paths, folders, started, library.articles)
    if not args.paths:
        return sources, sources, reader, stamp
    wanted, problems = discover([Path(p) for p in args.paths])
    for problem in problems:
        _note(problem)
    return wanted, sources, reader, stamp


class LibraryVersion(NamedTuple):
    """What says whether the library changed: its paths and its stored articles' version."""

    paths: list[str]
    articles: str


def _cmd_search(args: argparse.Namespace, paths: Paths) -> int:
    import contextlib

    from aiwatch_tui.core.find.fulltext.index import SearchIndexUnavailable
    from aiwatch_tui.core.find.fulltext.query import fts_query
    from aiwatch_tui.core.operations.search_index import search_library, search_unchanged_library

    if fts_query(args.query) is None:
        return _fail(f"nothing to search for in {_safe(repr(args.query))}")
    with contextlib.ExitStack() as stack:
        # Searching must not create a database.
        store = stack.enter_context(_open_store(paths)) if paths.db.exists() else None
        library = (
            LibraryVersion(list(store.library_paths()), store.articles_version())
            if store is not None
            else LibraryVersion([], "")
        )
        # The index (which makes its cache folder, private) holds the articles' text.
        try:
            results = None
            if not args.paths:
                results = search_unchanged_library(
                    paths, args.query, library.paths, args.limit, library.articles
                )
            if results is None:
                wanted, shown, reader, stamp = _search_sources(args, store, library)
                if not wanted:
                    return _fail("no documents to search")
                results, problems = search_library(
                    paths,
                    args.query,
                    wanted,
                    shown,
                    limit=args.limit,
                    progress=_progress_printer(),
                    reader=reader,
                    # Only an index holding the library alone may answer for it next time.
                    stamp=None if args.paths else stamp,
                )
                for problem in problems:
                    _note(problem)
        except SearchIndexUnavailable as error:
            return _fail(_safe(str(error)), 1)
    if args.json:
        entries = [
            {
                "key": r.key,
                "title": r.title,
                "path": r.path,
                "section": r.section,
                "offset": r.offset,
                "snippet": r.snippet,
                "marks": [list(mark) for mark in r.marks],
            }
            for r in results
        ]
        _emit_json(entries)
    else:
        _emit("\n".join(_result_block(n, r) for n, r in enumerate(results, start=1)))
    return 0 if results else 1


def _cmd_serve(args: argparse.Namespace, paths: Paths) -> int:
    from aiwatch_tui.core.library.sources import discover

    targets = [Path(p) for p in args.paths]
    if targets:
        # Said once here, not in every page that would open to nothing.
        found, problems = discover(targets)
        for problem in problems:
            _note(problem)
        if not found:
            return _fail("nothing to open", 1)
    with _open_store(paths):  # a database the app could not open stops the server here
        pass
    from aiwatch_tui.serve.server import ServeError, ServeOptions, serve

    try:
        options = ServeOptions(args.host, args.port, paths, targets, always_token=args.token)
        serve(options)
    except ServeError as error:
        return _fail(_safe(str(error)), 1)
    return 0


# -- feeds, web pages, cat ---------------------------------------------------------------------


def _fetch_options() -> RunOptions:
    from aiwatch_tui.core.web.fetcher import RunOptions

    return RunOptions()


def _save_urls(store: Store, urls: Sequence[str]) -> tuple[str | None, int]:
    """Fetch and keep pages, saying each one on stderr: (the last key saved, exit status)."""
    from aiwatch_tui.core.operations.feeds import save

    progress = save(store, urls, options=_fetch_options())
    for url, _key, title in progress.stored:
        print(f"saved: {_safe(title)} ({_safe(url)})", file=sys.stderr)
    for failure in progress.failures:
        _note(failure)
    last = progress.stored[-1][1] if progress.stored else None
    return last, 1 if progress.failures else 0


def _cmd_save(args: argparse.Namespace, paths: Paths) -> int:
    with _open_store(paths, writes=True) as store:
        _key, status = _save_urls(store, args.urls)
    return status


def _feed_line(feed: FeedRow) -> str:
    count = "1 article" if feed.articles == 1 else f"{feed.articles} articles"
    when = (
        f"fetched {feed.last_fetched[:16].replace('T', ' ')}"
        if feed.last_fetched
        else ("never fetched")
    )
    status = {"gone": "  gone (HTTP 410)", "failing": f"  failing: {feed.last_error}"}.get(
        feed.status, ""
    )
    return _safe(f"{feed.title or '(untitled)'}  {feed.url}  {count}  {when}{status}")


def _cmd_feed(args: argparse.Namespace, paths: Paths) -> int:
    from aiwatch_tui.core.interchange.opml import OpmlError
    from aiwatch_tui.core.operations.feeds import (
        export_subscriptions,
        find_subscription,
        import_subscriptions,
        subscribe,
    )
    from aiwatch_tui.core.web.feeds import FeedError

    writes = args.verb in ("add", "remove", "import")
    with _open_store(paths, writes=writes) as store:
        if args.verb == "add":
            try:
                done = subscribe(store, args.url, args.title, _fetch_options())
            except FeedError as error:
                return _fail(_safe(str(error)), 1)
            feed = done.feed
            where = f", found on {done.found_on}" if done.found_on else ""
            said = "subscribed" if done.new else "already subscribed"
            print(_safe(f"{said}: {feed.title} ({feed.url}{where})"), file=sys.stderr)
        elif args.verb == "list":
            feeds = store.feeds()
            if args.json:
                _emit_json(
                    [
                        {
                            "url": f.url,
                            "title": f.title,
                            "site_url": f.site_url or None,
                            "status": f.status,
                            "last_error": f.last_error or None,
                            "last_fetched": f.last_fetched or None,
                            "added": f.added,
                            "articles": f.articles,
                        }
                        for f in feeds
                    ]
                )
            else:
                _emit("".join(_feed_line(feed) + "\n" for feed in feeds))
        elif args.verb == "remove":
            found = find_subscription(store, args.url)
            removed = store.remove_feed(found.url) if found is not None else None
            if removed is None:
                return _fail(f"not subscribed: {_safe(args.url)}", 1)
            count = "1 article is" if removed.articles == 1 else f"{removed.articles} articles are"
            print(
                _safe(f"unsubscribed: {removed.title} ({removed.url}); its {count} kept"),
                file=sys.stderr,
            )
        elif args.verb == "import":
            try:
                data = Path(args.file).read_bytes()
                result = import_subscriptions(store, data, args.file)
            except OpmlError as error:
                return _fail(_safe(str(error)), 2)
            for skipped in result.skipped:
                _note(f"skipped {skipped}")
            new = "1 new feed" if result.added == 1 else f"{result.added} new feeds"
            print(
                _safe(f"imported from {args.file}: {new}, {result.existing} already subscribed"),
                file=sys.stderr,
            )
        else:
            _emit(export_subscriptions(store))
    return 0


def _fetch_summary(progress: FetchProgress, feeds: int) -> str:
    counted = "1 feed" if feeds == 1 else f"{feeds} feeds"
    if progress.new:
        articles = "1 new article" if progress.new == 1 else f"{progress.new} new articles"
        if progress.summary_only:
            articles += f" ({progress.summary_only} summary only)"
    else:
        articles = "no new articles"
    parts = [articles]
    if progress.updated:
        parts.append(f"{progress.updated} updated")
    if progress.failed:
        parts.append(f"{progress.failed} failed")
    return f"fetched {counted}: {', '.join(parts)}"


class _FetchBar:
    """A one-line progress bar on a terminal's stderr: feeds done, new articles."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.shown = 0.0
        self.failures_said = 0

    def __call__(self, progress: FetchProgress) -> None:
        for failure in progress.failures[self.failures_said :]:
            print(f"\r\x1b[K{PROG}: {_safe(failure)}", file=sys.stderr)
        self.failures_said = len(progress.failures)
        now = time.monotonic()
        if now - self.shown < 0.1 and progress.feeds_done < self.total:
            return
        self.shown = now
        width = 24
        filled = width * progress.feeds_done // max(1, self.total)
        bar = "#" * filled + "-" * (width - filled)
        print(
            f"\r\x1b[K[{bar}] {progress.feeds_done}/{self.total} feeds, "
            f"{progress.new} new articles",
            end="",
            file=sys.stderr,
            flush=True,
        )

    def close(self) -> None:
        print("\r\x1b[K", end="", file=sys.stderr, flush=True)


def _cmd_fetch(args: argparse.Namespace, paths: Paths) -> int:
    from aiwatch_tui.core.operations.feeds import feeds_to_fetch, fetch

    with _open_store(paths, writes=True) as store:
        feeds = feeds_to_fetch(store, args.feed)
        if args.feed is not None and not feeds:
            return _fail(f"not subscribed: {_safe(args.feed)}", 1)
        if not feeds:
            _note("no feeds to fetch: follow one with `aiwatch feed add URL`")
            return 0
        bar = _FetchBar(len(feeds)) if sys.stderr.isatty() else None
        try:
            progress, _summary = fetch(store, args.feed, bar, _fetch_options())
        finally:
            if bar is not None:
                bar.close()
        if bar is None:
            for failure in progress.failures:
                _note(failure)
        for problem in progress.problems:
            _note(problem)
        if progress.keys:
            _index_articles(store, paths)
    print(_fetch_summary(progress, len(feeds)), file=sys.stderr)
    return 1 if progress.failed >= len(feeds) else 0


def _index_articles(store: Store, paths: Paths) -> None:
    """Bring the search index up to date with the new articles (the app finds it ready)."""
    from aiwatch_tui.core.operations.library import library_reader, shown_sources
    from aiwatch_tui.core.operations.search_index import open_search_index, update_search_index

    sources, _problems = shown_sources(store)
    try:
        index = open_search_index(paths, library_reader(store))
    except Exception as error:  # noqa: BLE001 - derived data: fetching succeeded anyway
        _note(f"search index: {error}")
        return
    try:
        problem = update_search_index(index, sources, progress=_progress_printer())
    finally:
        index.close()
    if problem:
        _note(problem)


def _cat_source(store: Store, spec: str) -> Source:
    """The source `spec` names: a stored web article (by any of its URLs), a file (a saved
    page read through the extraction), a bundled article's name or a URI."""
    from aiwatch_tui.core.library.sources import Source, SourceKind
    from aiwatch_tui.core.operations.feeds import article_key
    from aiwatch_tui.core.operations.library import resolve_document, source_of
    from aiwatch_tui.core.text.document import DocumentError

    key = article_key(store, spec.strip())
    if key is not None:
        return Source(key, None, SourceKind.ARTICLE)
    key = resolve_document(spec)
    path = Path(spec).expanduser()
    if path.is_file():
        html = path.suffix.lower() in (".html", ".htm")
        return Source(key, path, SourceKind.HTML if html else SourceKind.FILE)
    found = source_of(key, {})
    if found is None:
        raise DocumentError(f"{_safe(spec)}: no such document")
    return found


def _cmd_cat(args: argparse.Namespace, paths: Paths) -> int:
    """Each document in turn, as aiwatch keeps it or (--json) as the reader shows it; one
    that cannot be read is one line on stderr, the others are still printed (exit 1)."""
    import json

    from aiwatch_tui.core.interchange.errors import InterchangeError
    from aiwatch_tui.core.operations.library import library_reader
    from aiwatch_tui.core.text.document import DocumentError
    from aiwatch_tui.core.text.structure import block_records

    failed = False
    with _open_store(paths) as store:
        reader = library_reader(store)
        for spec in args.documents:
            try:
                document = reader.load(_cat_source(store, spec))
            except (DocumentError, InterchangeError) as error:
                _note(str(error))
                failed = True
                continue
            text = document.text
            if not args.json:
                _emit(text if text.endswith("\n") or not text else text + "\n")
                continue
            record = {
                "path": spec,
                "title": document.title,
                "author": document.author,
                "date": document.date,
                "blocks": list(block_records(text, document.blocks, document.inlines)),
            }
            _emit(json.dumps(record, ensure_ascii=True) + "\n")
    return 1 if failed else 0


# -- the settings file ----------------------------------------------------------------------


def _cmd_config(args: argparse.Namespace, paths: Paths) -> int:
    from aiwatch_tui.ui.app import AiwatchApp  # the app's actions and themes: what is valid
    from aiwatch_tui.ui.settings import read_settings

    if args.edit:
        return _edit_config(paths)
    loaded = read_settings(paths.config_dir, AiwatchApp)
    if args.keys:
        from aiwatch_tui.ui.actions import action_catalogue, effective_keys
        from aiwatch_tui.ui.keys import written_label

        rows = [
            (action, ", ".join(written_label(key) for key in keys) or "(none)")
            for action, keys in effective_keys(loaded.settings, action_catalogue(AiwatchApp))
        ]
        width = max(len(action.name) for action, _ in rows)
        keys_width = max(len(shown) for _, shown in rows)
        lines = [f"{'ACTION':<{width}}  {'KEYS':<{keys_width}}  DOES"]
        for action, shown in rows:
            lines.append(f"{action.name:<{width}}  {shown:<{keys_width}}  {action.description}")
        _emit("".join(f"{line.rstrip()}\n" for line in lines))
    else:
        _emit(_settings_toml(loaded, _stored_theme(paths)))
    for problem in loaded.problems:
        print(f"{PROG}: {problem}", file=sys.stderr)
    return 1 if loaded.problems else 0


def _stored_theme(paths: Paths) -> str | None:
    """The theme last chosen in the app, if a database says so (none is made to ask)."""
    if not paths.db.exists():
        return None
    from aiwatch_tui.core.store import Store, StoreError
    from aiwatch_tui.ui.app import THEME_SETTING

    try:
        with Store(paths.db) as store:
            return store.setting(THEME_SETTING)
    except StoreError:
        return None


def _settings_toml(loaded: LoadedConfig, stored_theme: str | None) -> str:
    from aiwatch_tui.core.config import toml_keys, toml_string

    settings = loaded.settings
    state = "" if loaded.exists else " (not there yet: these are the defaults)"
    lines = [f"# {_safe(str(loaded.path))}{state}"]
    if settings.theme is not None:
        lines.append(f"theme = {toml_string(settings.theme)}")
    else:
        theme = stored_theme or "textual-dark"
        lines.append(f"theme = {toml_string(theme)}  # not set here: the last chosen in the app")
    lines += [
        f"reading_width = {settings.reading_width}",
        f"default_view = {toml_string(settings.default_view)}",
        f"default_sort = {toml_string(settings.default_sort)}",
        f"resume = {'true' if settings.resume else 'false'}",
        f"notifications = {toml_string(settings.notifications)}",
        f"clipboard = {toml_string(settings.clipboard)}",
        "",
        "[keys]  # what the file changes (aiwatch config --keys lists every action)",
    ]
    lines += [f"{toml_string(name)} = {toml_keys(keys)}" for name, keys in settings.keys.items()]
    return "".join(f"{line}\n" for line in lines)


def _edit_config(paths: Paths) -> int:
    """Open the settings file in the user's editor (made from the template if missing), then
    say what is wrong with it, if anything."""
    import shlex
    import shutil
    import subprocess

    from aiwatch_tui.core.config import config_path, template
    from aiwatch_tui.core.files import make_private_dirs, write_private_file
    from aiwatch_tui.ui.app import AiwatchApp
    from aiwatch_tui.ui.settings import make_offer, read_settings, theme_names

    path = config_path(paths.config_dir)
    if not path.exists():
        make_private_dirs(paths.config_dir)
        write_private_file(path, template(make_offer(AiwatchApp, theme_names())))
        _note(f"made {path} from the template")
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not editor:
        editor = next(filter(shutil.which, ("sensible-editor", "editor", "nano", "vi")), None)
    if not editor:
        return _fail(f"no editor: set $EDITOR, or edit {_safe(str(path))} yourself", 1)
    try:
        command = [*shlex.split(editor), str(path)]
    except ValueError:
        return _fail(f"$EDITOR cannot be read as a command: {_safe(editor)}", 1)
    try:
        subprocess.run(command, check=False)  # no shell: the path is one argument
    except OSError as error:
        return _fail(f"{_safe(command[0])}: {error.strerror or error}", 1)
    loaded = read_settings(paths.config_dir, AiwatchApp)
    for problem in loaded.problems:
        print(f"{PROG}: {problem}", file=sys.stderr)
    return 1 if loaded.problems else 0


_Handler = Callable[[argparse.Namespace, "Paths"], int]

_SUBCOMMANDS: dict[str, tuple[Callable[[], argparse.ArgumentParser], _Handler]] = {
    "search": (_search_parser, _cmd_search),
    "export": (_export_parser, _cmd_export),
    "import": (_import_parser, _cmd_import),
    "add": (_add_parser, _cmd_add),
    "remove": (_remove_parser, _cmd_remove),
    "list": (_list_parser, _cmd_list),
    "cat": (_cat_parser, _cmd_cat),
    "feed": (_feed_parser, _cmd_feed),
    "fetch": (_fetch_parser, _cmd_fetch),
    "save": (_save_parser, _cmd_save),
    "backup": (_backup_parser, _cmd_backup),
    "doctor": (_doctor_parser, _cmd_doctor),
    "serve": (_serve_parser, _cmd_serve),
    "config": (_config_parser, _cmd_config),
}


def _split_command(arguments: list[str]) -> tuple[str | None, str | None, list[str]]:
    """(subcommand, a --db given before it, the subcommand's arguments); no subcommand means
    the reader, which gets the arguments untouched."""
    db: str | None = None
    rest = arguments
    if len(rest) >= 2 and rest[0] == "--db":
        db, rest = rest[1], rest[2:]
    elif rest and rest[0].startswith("--db="):
        db, rest = rest[0][len("--db=") :], rest[1:]
    if rest and rest[0] in _SUBCOMMANDS:
        return rest[0], db, rest[1:]
    return None, None, arguments


def run_subcommand(command: str, argv: Sequence[str], db: str | None = None) -> int:
    make_parser, handler = _SUBCOMMANDS[command]
    args = make_parser().parse_args(argv)
    import sqlite3

    from aiwatch_tui.core.interchange.errors import InterchangeError
    from aiwatch_tui.core.store import StoreError
    from aiwatch_tui.core.text.document import DocumentError
    from aiwatch_tui.paths import Paths

    paths = Paths.resolve(db=args.db if args.db is not None else db)
    try:
        return handler(args, paths)
    except InterchangeError as error:
        return _fail(_safe(str(error)), 2)
    except (StoreError, DocumentError, ValueError) as error:
        return _fail(_safe(str(error)), 1)
    except OSError as error:
        if isinstance(error, BrokenPipeError):
            raise
        where = f"{error.filename}: " if error.filename else ""
        return _fail(_safe(f"{where}{error.strerror or error}"), 1)
    except sqlite3.Error as error:  # from the search index (the store wraps its own)
        return _fail(_safe(f"search index: {error}"), 1)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    try:
        command, db, rest = _split_command(arguments)
        if command is not None:
            return run_subcommand(command, rest, db)
        return run_reader(arguments)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # Output piped into `head` and closed early: not an error worth a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
