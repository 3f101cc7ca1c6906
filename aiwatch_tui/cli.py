"""The `aiwatch` command line: the only module that reads argv.

`aiwatch [PATH ...]` opens the reader; other verbs are subcommands. Textual is
imported only when the reader is launched, so scripts and `--help` start fast.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from aiwatch_tui import __version__

PROG = "aiwatch"


def _reader_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=(
            "Read and annotate articles about the AI industry. With no PATH, opens the bundled "
            "articles; a single FILE opens straight in the reading pane; folders are read "
            "recursively (.txt, .md, .markdown)."
        ),
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="article files or folders")
    parser.add_argument(
        "--db", metavar="FILE", help="annotations database (default: $AIWATCH_DB or the user data dir)"
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def _fail(message: str, status: int = 2) -> int:
    # One line, no traceback: the message names the file and what is wrong.
    print(f"{PROG}: {message}", file=sys.stderr)
    return status


def run_reader(argv: Sequence[str]) -> int:
    args = _reader_parser().parse_args(argv)
    from aiwatch_tui.core.catalog import Problem
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
    app.run()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    try:
        return run_reader(arguments)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # Output piped into `head` and closed early: not an error worth a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
