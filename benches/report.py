#!/usr/bin/env python3
"""Summarise criterion results as runtime/tokio ratios.

Usage:
    cargo bench -p runtime-benches --bench <name> -- --save-baseline run1
    cargo bench -p runtime-benches --bench <name> -- --save-baseline run2
    python3 benches/report.py run1 run2 [...]

For every group that has both a `runtime` and a `tokio` member, prints the median time of
each member in each run, the per-run ratio, and the median of those ratios, as a Markdown
table. Criterion keeps results under target/criterion/<group>/<member>/<baseline>/.
"""

import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "target" / "criterion"


def median_ns(group: Path, member: str, baseline: str):
    path = group / member / baseline / "estimates.json"
    if not path.exists():
        return None
    return json.loads(path.read_text())["median"]["point_estimate"]


def fmt(ns: float) -> str:
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def main(baselines):
    if not baselines:
        baselines = ["new"]
    print("| Group | " + " | ".join(f"runtime / tokio ({b})" for b in baselines) + " | ratios | median ratio |")
    print("| --- | " + " | ".join("---" for _ in baselines) + " | --- | --- |")
    for group in sorted(p for p in ROOT.iterdir() if p.is_dir() and p.name != "report"):
        cells, ratios = [], []
        for b in baselines:
            ours, theirs = median_ns(group, "runtime", b), median_ns(group, "tokio", b)
            if ours is None or theirs is None:
                cells.append("—")
                continue
            ratios.append(ours / theirs)
            cells.append(f"{fmt(ours)} / {fmt(theirs)}")
        if not ratios:
            continue
        print(
            f"| `{group.name}` | " + " | ".join(cells)
            + " | " + ", ".join(f"{r:.2f}" for r in ratios)
            + f" | **{statistics.median(ratios):.2f}** |"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
