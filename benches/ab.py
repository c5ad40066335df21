#!/usr/bin/env python3
"""Alternating A/B of `runtime`'s own benchmark variants between two builds.

Both checkouts must have built their benches first (`cargo bench -p runtime-benches --no-run`
in each). Every round runs each bench binary of A, then of B (the order flips every round, so
drift in the machine's speed falls on both sides), with only the `runtime` variants selected
(criterion ids ending in `/runtime`). The report is the median over rounds of each side's
criterion estimate, and B / A.

    python3 benches/ab.py /work/wt-base /work/main --rounds 3 --out target/ab.tsv
"""

import argparse
import glob
import os
import re
import statistics
import subprocess
import sys

BENCHES = [
    "current_thread",
    "multi_thread",
    "sync_locks",
    "sync_mpsc",
    "sync_broadcast_watch",
    "time",
    "net",
]

# criterion: "timer_churn/runtime      time:   [1.2345 ms 1.2400 ms 1.2466 ms]"
RESULT = re.compile(r"^(\S+/runtime)\s+time:\s+\[\S+ \S+ (\S+) (\S+) \S+ \S+\]", re.M)
UNITS = {"ps": 1e-3, "ns": 1.0, "µs": 1e3, "us": 1e3, "ms": 1e6, "s": 1e9}


def binary(checkout, bench):
    pattern = os.path.join(checkout, "target", "release", "deps", f"{bench}-*")
    found = [p for p in glob.glob(pattern) if os.access(p, os.X_OK) and "." not in os.path.basename(p)]
    if not found:
        sys.exit(f"no bench binary for {bench} in {checkout}: run `cargo bench --no-run` there")
    return max(found, key=os.path.getmtime)


def run(checkout, bench, measure):
    out = subprocess.run(
        [
            binary(checkout, bench),
            "--bench",
            "/runtime$",
            "--warm-up-time",
            "1",
            "--measurement-time",
            str(measure),
            "--noplot",
        ],
        cwd=checkout,
        capture_output=True,
        text=True,
    ).stdout
    # criterion prints the id on its own line when it is long; join it with the next one.
    out = re.sub(r"^(\S+/runtime)\n\s+time:", r"\1 time:", out, flags=re.M)
    return {m.group(1): float(m.group(2)) * UNITS[m.group(3)] for m in RESULT.finditer(out)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--measure", type=int, default=3, help="criterion measurement seconds")
    ap.add_argument("--only", action="append", help="bench names to run (default: all)")
    ap.add_argument("--out", default="target/ab.tsv")
    args = ap.parse_args()

    benches = args.only or BENCHES
    samples = {}  # (id, side) -> [ns]
    for r in range(args.rounds):
        sides = [("A", args.a), ("B", args.b)]
        if r % 2:
            sides.reverse()
        for bench in benches:
            for side, checkout in sides:
                for bid, ns in run(checkout, bench, args.measure).items():
                    samples.setdefault((bid, side), []).append(ns)
                    print(f"round {r + 1} {side} {bid} {ns / 1e3:.1f} µs", flush=True)

    ids = sorted({bid for bid, _ in samples})
    lines = ["id\tA_median_us\tB_median_us\tB/A\trounds"]
    for bid in ids:
        a, b = samples.get((bid, "A")), samples.get((bid, "B"))
        if not a or not b:
            continue
        ma, mb = statistics.median(a), statistics.median(b)
        lines.append(f"{bid}\t{ma / 1e3:.2f}\t{mb / 1e3:.2f}\t{mb / ma:.3f}\t{len(a)}/{len(b)}")
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    with open(args.out, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
