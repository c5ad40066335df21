#!/usr/bin/env python3
"""Summarise criterion results as ratios against tokio.

Usage:
    cargo bench -p runtime-benches --bench <name> -- --save-baseline run1
    cargo bench -p runtime-benches --bench <name> -- --save-baseline run2
    python3 benches/report.py run1 run2 [...]

For every group that has a `tokio` member and at least one other member (`runtime`, and in some
groups variants such as `runtime_no_lifo_steal`), prints one row per non-tokio member: the
median time of that member and of tokio in each run, the per-run ratio member / tokio, and the
median of those ratios, as a Markdown table. `runtime` comes first, then the other members in
name order. Criterion keeps results under <target>/criterion/<group>/<member>/<baseline>/,
where <target> is $CARGO_TARGET_DIR if set, else the workspace's target/ directory.
"""

import json
import os
import statistics
import sys
from pathlib import Path

WORKSPACE = Path(__file__).resolve().parent.parent
TARGET = Path(os.environ.get("CARGO_TARGET_DIR") or WORKSPACE / "target")
if not TARGET.is_absolute():
    TARGET = WORKSPACE / TARGET
ROOT = TARGET / "criterion"

BASELINE = "tokio"


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


def members(group: Path):
    """The group's members other than tokio: `runtime` first, then the rest by name."""
    names = [
        p.name
        for p in group.iterdir()
        if p.is_dir() and p.name not in ("report", BASELINE)
    ]
    return sorted(names, key=lambda n: (n != "runtime", n))


def main(baselines):
    if not baselines:
        baselines = ["new"]
    if not ROOT.is_dir():
        sys.exit(f"no criterion results under {ROOT} (set CARGO_TARGET_DIR if you used one)")
    print(
        "| Group | Member | "
        + " | ".join(f"member / tokio ({b})" for b in baselines)
        + " | ratios | median ratio |"
    )
    print("| --- | --- | " + " | ".join("---" for _ in baselines) + " | --- | --- |")
    for group in sorted(p for p in ROOT.iterdir() if p.is_dir() and p.name != "report"):
        if not (group / BASELINE).is_dir():
            continue
        for member in members(group):
            cells, ratios = [], []
            for b in baselines:
                ours, theirs = median_ns(group, member, b), median_ns(group, BASELINE, b)
                if ours is None or theirs is None:
                    cells.append("—")
                    continue
                ratios.append(ours / theirs)
                cells.append(f"{fmt(ours)} / {fmt(theirs)}")
            if not ratios:
                continue
            print(
                f"| `{group.name}` | `{member}` | " + " | ".join(cells)
                + " | " + ", ".join(f"{r:.2f}" for r in ratios)
                + f" | **{statistics.median(ratios):.2f}** |"
            )


if __name__ == "__main__":
    main(sys.argv[1:])
