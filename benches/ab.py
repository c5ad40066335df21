#!/usr/bin/env python3
"""Alternating A/B of `runtime`'s own benchmark variants between two builds.

Both checkouts must have built their benches first (`cargo bench -p runtime-benches --no-run`
in each). Every round runs each bench binary of A, then of B (the order flips every round, so
drift in the machine's speed falls on both sides), with only the `runtime` variants selected
(criterion ids ending in `/runtime`). Each run's figure is the median time per
iteration over criterion's samples (its headline mean is at the mercy of one descheduled
sample); the report is the median over rounds of those, and B / A.

    python3 benches/ab.py /work/wt-base /work/main --rounds 3 --out target/ab.tsv
"""

import argparse
import glob
import json
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
    return {m.group(1): sample_median(checkout, m.group(1)) for m in RESULT.finditer(out)}


def sample_median(checkout, bid):
    """The median time per iteration over criterion's samples of `bid`, in ns.

    Criterion's headline figure is a mean, which one descheduled sample on a loaded 2-core
    machine can move by tens of percent; the median over its samples is what a typical
    iteration costs.
    """
    path = os.path.join(checkout, "target", "criterion", *bid.split("/"), "new", "sample.json")
    with open(path) as f:
        data = json.load(f)
    return statistics.median(t / n for t, n in zip(data["times"], data["iters"]))


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
                    print(f"round {r + 1} {side} {bid} {ns / 1e3:.3f} µs", flush=True)

    ids = sorted({bid for bid, _ in samples})
    lines = ["id\tA_median_us\tB_median_us\tB/A\trounds"]
    for bid in ids:
        a, b = samples.get((bid, "A")), samples.get((bid, "B"))
        if not a or not b:
            continue
        ma, mb = statistics.median(a), statistics.median(b)
        lines.append(f"{bid}\t{ma / 1e3:.4f}\t{mb / 1e3:.4f}\t{mb / ma:.3f}\t{len(a)}/{len(b)}")
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    with open(args.out, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
