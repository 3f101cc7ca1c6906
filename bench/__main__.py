"""`python -m bench [--quick]`: every benchmark, one table."""

from __future__ import annotations

import argparse
import importlib


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="smaller corpora, fewer runs")
    parser.add_argument(
        "--only", choices=["startup", "search", "palette", "extraction"], help="run one group"
    )
    args = parser.parse_args()
    rows: list[dict[str, object]] = []
    for name in ("startup", "search", "palette", "extraction"):
        if args.only and args.only != name:
            continue
        module = importlib.import_module(f"bench.bench_{name}")
        rows += module.run(quick=args.quick)
    width = max(len(str(r["metric"])) for r in rows) if rows else 10
    print(f"{'metric':<{width}}  {'value':>10}  unit  target")
    for row in rows:
        value = row["value"]
        shown = f"{value:10.3f}" if isinstance(value, float) else f"{value!s:>10}"
        print(f"{row['metric']!s:<{width}}  {shown}  {row['unit']!s:<4}  {row['target']}")


if __name__ == "__main__":
    main()
