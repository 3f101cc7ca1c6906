"""The one table every benchmark prints: a row per figure, with its unit and its target."""

from __future__ import annotations

from collections.abc import Sequence


def row(metric: str, value: float | int | str, unit: str, target: str = "") -> dict[str, object]:
    return {"metric": metric, "value": value, "unit": unit, "target": target}


def p95(samples: Sequence[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def print_table(rows: Sequence[dict[str, object]]) -> None:
    width = max(len(str(r["metric"])) for r in rows) if rows else 10
    print(f"{'metric':<{width}}  {'value':>10}  unit  target")
    for r in rows:
        value = r["value"]
        shown = f"{value:10.3f}" if isinstance(value, float) else f"{value!s:>10}"
        print(f"{r['metric']!s:<{width}}  {shown}  {r['unit']!s:<4}  {r['target']}")
