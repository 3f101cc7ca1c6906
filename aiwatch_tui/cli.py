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
from typing import TYPE_CHECKING

from aiwatch_tui import __version__

if TYPE_CHECKING:
    from aiwatch_tui.core.library.sources import Source
    from aiwatch_tui.core.model import DocumentRow
    from aiwatch_tui.core.operations.search_index import SearchResult
    from aiwatch_tui.core.store import Store
    from aiwatch_tui.paths import Paths

PROG = "aiwatch"
SUBCOMMANDS = ("search", "export", "import", "add", "remove", "list", "backup", "doctor", "serve")
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
  backup [FILE]             a consistent copy of the database, even while aiwatch runs
  doctor                    where the files are and whether the database is sound
  serve [PATH ...]          the reader in a web page (http://127.0.0.1:8000/)
A file named like a command opens in the reader as ./NAME."""


def _reader_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=(
            "Read and annotate articles about the AI industry. With no PATH, opens the bundled "
            "articles; a single FILE opens straight in the reading pane; folders are read "
            "recursively (.txt, .md, .markdown)."
        ),
        epilog=_COMMANDS_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="article files or folders")
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


def _run_reader(args: argparse.Namespace) -> int:
    from aiwatch_tui.core.library.catalog import Problem
    from aiwatch_tui.core.store import StoreError
    from aiwatch_tui.paths import Paths

    paths = Paths.resolve(db=args.db)
    targets = [Path(p) for p in args.paths]
    try:
        from aiwatch_tui.ui.app import make_app

        app = make_app(targets, paths=paths)
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
    app.run()
    return 0


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
    parser.add_argument("paths", nargs="*", metavar="PATH", help="article files or folders")
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
    titles = [_clip(_safe(info.title), TITLE_COLUMN_MAX) for info, *_ in rows]
    width = max([len("TITLE"), *map(len, titles)])
    lines = [
        f"{'WORDS':>7}  {'READ':>4}  {'HIGHLIGHTS':>10}  {'NOTES':>5}  {'TITLE':<{width}}  DOCUMENT"
    ]
    for (info, progress, highlights, notes), title in zip(rows, titles, strict=True):
        lines.append(
            f"{info.word_count:>7}  {_percent(progress):>4}  {highlights:>10}  {notes:>5}  "
            f"{title:<{width}}  {_safe(info.key)}"
        )
    return "\n".join(line.rstrip() for line in lines) + "\n"


def _cmd_list(args: argparse.Namespace, paths: Paths) -> int:
    from aiwatch_tui.core.library.sources import library_sources
    from aiwatch_tui.core.operations.library import (
        document_infos,
        document_rows,
        library_reader,
    )
    from aiwatch_tui.core.operations.search_index import cached_infos

    with _open_store(paths) as store:
        if args.paths:
            _emit("".join(f"{_safe(p)}\n" for p in store.library_paths()))
            return 0
        sources, problems = library_sources(store.library_paths())
        infos, unreadable = document_infos(sources, cached_infos(paths), library_reader(store))
        rows = document_rows(store, infos)
    for problem in [*problems, *unreadable]:
        _note(problem)
    if args.json:
        entries = [
            {
                "key": info.key,
                "title": info.title,
                "path": str(info.path) if info.path is not None else None,
                "words": info.word_count,
                "progress": read,
                "highlights": highlights,
                "notes": notes,
            }
            for info, read, highlights, notes in rows
        ]
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
        print(f"\r{PROG}: indexing {done}/{total} files", end=end, file=sys.stderr, flush=True)

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


def _search_sources(args: argparse.Namespace, paths: Paths) -> tuple[list[Source], list[Source]]:
    """(the documents to search, the library kept indexed alongside them)."""
    from aiwatch_tui.core.library.sources import bundled_sources, discover, library_sources

    library = bundled_sources()
    if paths.db.exists():  # searching must not create a database
        with _open_store(paths) as store:
            library, problems = library_sources(store.library_paths())
        if not args.paths:
            for problem in problems:
                _note(problem)
    if not args.paths:
        return library, library
    wanted, problems = discover([Path(p) for p in args.paths])
    for problem in problems:
        _note(problem)
    return wanted, library


def _cmd_search(args: argparse.Namespace, paths: Paths) -> int:
    from aiwatch_tui.core.find.fulltext.index import SearchIndexUnavailable
    from aiwatch_tui.core.find.fulltext.query import fts_query
    from aiwatch_tui.core.operations.search_index import search_library

    if fts_query(args.query) is None:
        return _fail(f"nothing to search for in {_safe(repr(args.query))}")
    wanted, library = _search_sources(args, paths)
    if not wanted:
        return _fail("no documents to search")
    # The index (which makes its cache folder, private) holds the articles' text.
    try:
        results, problems = search_library(
            paths,
            args.query,
            wanted,
            library,
            limit=args.limit,
            progress=_progress_printer(),
        )
    except SearchIndexUnavailable as error:
        return _fail(_safe(str(error)), 1)
    for problem in problems:
        _note(problem)
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


_Handler = Callable[[argparse.Namespace, "Paths"], int]

_SUBCOMMANDS: dict[str, tuple[Callable[[], argparse.ArgumentParser], _Handler]] = {
    "search": (_search_parser, _cmd_search),
    "export": (_export_parser, _cmd_export),
    "import": (_import_parser, _cmd_import),
    "add": (_add_parser, _cmd_add),
    "remove": (_remove_parser, _cmd_remove),
    "list": (_list_parser, _cmd_list),
    "backup": (_backup_parser, _cmd_backup),
    "doctor": (_doctor_parser, _cmd_doctor),
    "serve": (_serve_parser, _cmd_serve),
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

    from aiwatch_tui.core.interchange.w3c_read import InterchangeError
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
