"""`python -m bench [--quick] [--only GROUP]`: every benchmark, one table.

The groups share the libraries they launch aiwatch on (bench.libraries), made once per run
in a temporary folder: a database, cache and config folder of their own for each.
"""

from __future__ import annotations

import argparse
import importlib
import tempfile
from pathlib import Path

from bench.libraries import Libraries
from bench.table import print_table

GROUPS = ("startup", "search", "palette", "extraction", "feeds", "markdown")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument(
        "--quick", action="store_true", help="smaller libraries and articles, fewer runs"
    )
    parser.add_argument("--only", choices=GROUPS, help="run one group")
    args = parser.parse_args()
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="aiwatch-bench-") as root:
        libraries = Libraries(Path(root), args.quick)
        for name in GROUPS:
            if args.only and args.only != name:
                continue
            module = importlib.import_module(f"bench.bench_{name}")
            if name in ("extraction", "feeds", "markdown"):  # (their own corpora)
                rows += module.run(quick=args.quick)
            else:
                rows += module.run(quick=args.quick, libraries=libraries)
    print_table(rows)


if __name__ == "__main__":
    main()
