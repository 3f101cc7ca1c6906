"""`python -m bench [--quick]`: every benchmark, one table."""

from __future__ import annotations

import argparse
import importlib

from bench.table import print_table


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="smaller corpora, fewer runs")
    parser.add_argument(
        "--only",
        choices=["startup", "search", "palette", "extraction", "feeds"],
        help="run one group",
    )
    args = parser.parse_args()
    rows: list[dict[str, object]] = []
    for name in ("startup", "search", "palette", "extraction", "feeds"):
        if args.only and args.only != name:
            continue
        module = importlib.import_module(f"bench.bench_{name}")
        rows += module.run(quick=args.quick)
    print_table(rows)


if __name__ == "__main__":
    main()
