"""A second aiwatch process for the store's process tests (run with sys.executable).

    store_child.py crash DB          open, print "ready", then add highlights forever
    store_child.py write DB N AT TAG wait until the wall-clock time AT, open, add N highlights
    store_child.py touch DB          add one highlight

Each highlight id is printed (and flushed) only after add_highlight() returned, i.e. after its
transaction committed: whatever the parent reads is a promise the database must keep.
"""

from __future__ import annotations

import sys
import time
import uuid
from pathlib import Path

from aiwatch_tui.core.model import Highlight, utc_now
from aiwatch_tui.core.store import Store


def make_highlight(tag: str, n: int) -> Highlight:
    now = utc_now()
    return Highlight(
        id=str(uuid.uuid4()),
        doc_key=f"seeds/{tag}.txt",
        doc_hash="0" * 64,
        start=n,
        end=n + 10,
        exact=f"quote {n} of {tag}",
        prefix="before ",
        suffix=" after",
        note=f"note {n}" if n % 3 == 0 else "",
        created=now,
        modified=now,
    )


def report(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def crash(db: Path) -> None:
    store = Store(db)
    report("ready")
    n = 0
    while True:
        h = make_highlight("crash", n)
        store.add_highlight(h)
        report(h.id)
        n += 1


def write(db: Path, count: int, start_at: float, tag: str) -> None:
    time.sleep(max(0.0, start_at - time.time()))
    store = Store(db)
    for n in range(count):
        h = make_highlight(tag, n)
        store.add_highlight(h)
        report(h.id)
    store.close()


def touch(db: Path) -> None:
    with Store(db) as store:
        h = make_highlight("touch", 0)
        store.add_highlight(h)
        report(h.id)


def main(argv: list[str]) -> None:
    command, db = argv[0], Path(argv[1])
    if command == "crash":
        crash(db)
    elif command == "write":
        write(db, int(argv[2]), float(argv[3]), argv[4])
    elif command == "touch":
        touch(db)
    else:
        raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
