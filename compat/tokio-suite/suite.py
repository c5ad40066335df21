#!/usr/bin/env python3
"""tokio's own integration tests, run against the `tokio` compat package (or tokio itself).

The tests are the `tests/` directory of the published tokio 1.54.1 package, as cargo keeps it
in its registry cache once the main workspace has fetched it (the benches depend on tokio
1.54.1). They are used as published: this script links that directory into the harness
(`tokio-tests`, not committed) and never edits a file.

    python3 compat/tokio-suite/suite.py                 # build, run, print per file
    python3 compat/tokio-suite/suite.py --only sync_    # files whose name starts with sync_
    python3 compat/tokio-suite/suite.py --check         # and fail below the recorded floor
    python3 compat/tokio-suite/suite.py --baseline      # the same tests against tokio itself,
                                                        # written to baseline.tsv

Each test binary runs under a timeout; a binary that is killed keeps the passes it printed.
A test counts as passing here only if it passes on tokio too (baseline.tsv), so the figure
is "how many of tokio's passes pass on runtime".
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
TOKIO_VERSION = "1.54.1"
BASELINE = os.path.join(HERE, "baseline.tsv")
FLOOR = os.path.join(HERE, "floor")
TESTS_LINK = os.path.join(HERE, "tokio-tests")

# Files out of scope, with the reason; everything else in tokio's tests/ is built and run.
OUT_OF_SCOPE = {
    "fs_open_options_windows": "Windows",
    "fs_symlink_dir_windows": "Windows",
    "fs_symlink_file_windows": "Windows",
    "net_named_pipe": "Windows (named pipes)",
    "process_raw_handle": "Windows",
    "io_emscripten": "wasm/emscripten",
    "rt_emscripten_block_on": "wasm/emscripten",
    "rt_emscripten_jspi": "wasm/emscripten",
    "rt_multi_thread_emscripten": "wasm/emscripten",
    "sync_emscripten_blocking": "wasm/emscripten",
    "task_emscripten": "wasm/emscripten",
    "time_wasm": "wasm",
    "io_poll_aio": "FreeBSD AIO",
    "dump": "taskdump (tokio_unstable)",
    "task_trace_self": "taskdump (tokio_unstable)",
    "task_trace_wake": "taskdump (tokio_unstable)",
    "tracing_sync": "tracing (tokio_unstable)",
    "tracing_task": "tracing (tokio_unstable)",
    "tracing_time": "tracing (tokio_unstable)",
    "rt_poll_callbacks": "tokio_unstable: the operability issue",
    "rt_unstable_metrics": "tokio_unstable: the operability issue",
    "task_builder": "tokio_unstable: the operability issue",
    "task_hooks": "tokio_unstable: the operability issue",
    "task_yield_now": "tokio_unstable: the operability issue",
    "time_alt": "tokio_unstable: the operability issue",
}
# fs_uring* (io-uring, tokio_unstable) is out of scope too; see `in_scope`.

# Areas, for the summary: the longest matching prefix wins.
AREAS = [
    ("sync_", "sync"),
    ("rt_", "rt"),
    ("io_", "io"),
    ("buffered", "io"),
    ("duplex_stream", "io"),
    ("time_", "time"),
    ("test_clock", "time"),
    ("tcp_", "tcp"),
    ("net_", "tcp"),
    ("udp", "udp"),
    ("uds_", "uds"),
    ("unix_", "uds"),
    ("task_", "task"),
    ("join_handle", "task"),
    ("macros_", "macros"),
    ("signal_", "signal"),
    ("fs", "fs"),
    ("process_", "process"),
]


def area_of(name):
    best = ("", "other")
    for prefix, area in AREAS:
        if name.startswith(prefix) and len(prefix) > len(best[0]):
            best = (prefix, area)
    return best[1]


def in_scope(name):
    return name not in OUT_OF_SCOPE and not name.startswith("fs_uring")


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def tokio_tests_dir():
    """The tests/ of tokio 1.54.1 in cargo's registry cache (fetched if missing)."""
    out = subprocess.run(
        ["cargo", "metadata", "--format-version", "1",
         "--manifest-path", os.path.join(REPO, "Cargo.toml")],
        check=True, capture_output=True, text=True,
    ).stdout
    for pkg in json.loads(out)["packages"]:
        if pkg["name"] == "tokio" and pkg["version"] == TOKIO_VERSION and pkg["source"]:
            tests = os.path.join(os.path.dirname(pkg["manifest_path"]), "tests")
            if os.path.isdir(tests):
                return tests
    sys.exit(f"tokio {TOKIO_VERSION} is not in the main workspace's lock file; "
             "the benches pin it (`tokio = \"=1.54.1\"`)")


def link_tests(tests):
    if os.path.islink(TESTS_LINK) and os.readlink(TESTS_LINK) == tests:
        return
    if os.path.lexists(TESTS_LINK):
        os.remove(TESTS_LINK)
    os.symlink(tests, TESTS_LINK)


def harness_targets():
    """The [[test]] names the harness manifest declares."""
    names = []
    with open(os.path.join(HERE, "Cargo.toml")) as f:
        for line in f:
            m = re.match(r'name = "([a-z0-9_]+)"', line.strip())
            if m and m.group(1) != "tokio-suite":
                names.append(m.group(1))
    return names


def build(manifest_dir, target_dir, only):
    """Builds every test binary it can; returns {target: executable} and the failures."""
    cmd = ["cargo", "build", "--keep-going", "--message-format=json",
           "--manifest-path", os.path.join(manifest_dir, "Cargo.toml")]
    # `--tests` builds every test target; with `--only`, just the files asked for.
    cmd += [arg for name in only for arg in ("--test", name)] if only else ["--tests"]
    env = dict(os.environ, CARGO_TARGET_DIR=target_dir)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, cwd=manifest_dir)
    exes, errors = {}, {}
    for line in proc.stdout:
        try:
            msg = json.loads(line)
        except json.JSONDecodeError:
            continue
        target = msg.get("target", {})
        if "test" not in target.get("kind", []):
            continue
        name = target["name"]
        if msg.get("reason") == "compiler-artifact" and msg.get("executable"):
            exes[name] = msg["executable"]
        elif msg.get("reason") == "compiler-message":
            m = msg["message"]
            if m.get("level") == "error" and m.get("rendered"):
                errors.setdefault(name, []).append(m["rendered"])
    stderr = proc.stderr.read()
    proc.wait()
    if proc.returncode != 0 and not exes:
        log(stderr[-4000:])
    return exes, errors


# `#[should_panic]` tests print "test name - should panic ... ok".
RESULT_RE = re.compile(r"^test (\S+)(?: - should panic)? \.\.\. (ok|FAILED|ignored)", re.M)


def run_one(name, exe, timeout, cwd):
    """Runs one test binary; returns ({test: outcome}, status, seconds)."""
    start = time.monotonic()
    try:
        proc = subprocess.Popen([exe], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                cwd=cwd, start_new_session=True)
        out, _ = proc.communicate(timeout=timeout)
        status = "ok" if proc.returncode == 0 else "failed"
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        out, _ = proc.communicate()
        status = "hang"
    text = out.decode("utf-8", "replace")
    outcomes = {}
    for m in RESULT_RE.finditer(text):
        outcomes[m.group(1)] = m.group(2)
    if status == "failed" and not outcomes:
        status = "crashed"
    return outcomes, status, time.monotonic() - start, text


def read_baseline():
    base = {}
    if not os.path.exists(BASELINE):
        return base
    with open(BASELINE) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            file, test, outcome = line.rstrip("\n").split("\t")
            base.setdefault(file, {})[test] = outcome
    return base


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--baseline", action="store_true",
                    help="run against tokio itself and write baseline.tsv")
    ap.add_argument("--only", action="append", default=[],
                    help="only files whose name starts with this (repeatable)")
    ap.add_argument("--check", action="store_true",
                    help="fail if the passes (fs and process included) fall below the floor in ./floor")
    ap.add_argument("--timeout", type=float, default=90.0, help="seconds per test binary")
    ap.add_argument("--jobs", type=int, default=2, help="test binaries run at once")
    ap.add_argument("--report", help="write the per-file table (markdown) here")
    ap.add_argument("--logs", help="write each binary's output into this directory")
    args = ap.parse_args()

    tests = tokio_tests_dir()
    link_tests(tests)
    names = [n for n in harness_targets() if in_scope(n)]
    on_disk = {f[:-3] for f in os.listdir(tests) if f.endswith(".rs")}
    missing = [n for n in on_disk if in_scope(n) and n not in names and n != "_require_full"]
    if missing:
        sys.exit(f"in-scope files missing from Cargo.toml: {sorted(missing)}")
    if args.only:
        names = [n for n in names if any(n.startswith(p) for p in args.only)]
    only = names if args.only else []

    if args.baseline:
        # The same harness without the patch: a copy, so the committed lock stays ours.
        work = tempfile.mkdtemp(prefix="tokio-suite-baseline-")
        with open(os.path.join(HERE, "Cargo.toml")) as f:
            manifest = f.read().split("[patch.crates-io]")[0]
        manifest = manifest.replace('version = "1", features', f'version = "={TOKIO_VERSION}", features')
        with open(os.path.join(work, "Cargo.toml"), "w") as f:
            f.write(manifest)
        shutil.copy(os.path.join(HERE, "lib.rs"), work)
        os.symlink(tests, os.path.join(work, "tokio-tests"))
        manifest_dir = work
        target_dir = os.path.join(REPO, "target", "tokio-suite-baseline")
    else:
        manifest_dir = HERE
        target_dir = os.environ.get("CARGO_TARGET_DIR") or os.path.join(REPO, "target", "tokio-suite")

    log(f"building {len(names)} test files against "
        f"{'tokio ' + TOKIO_VERSION if args.baseline else 'compat/tokio (runtime)'}")
    t0 = time.monotonic()
    exes, errors = build(manifest_dir, target_dir, only)
    log(f"built {len(exes)} of {len(names)} in {time.monotonic() - t0:.0f} s")

    results = {}
    if args.logs:
        os.makedirs(args.logs, exist_ok=True)
        for name, errs in errors.items():
            with open(os.path.join(args.logs, name + ".build.log"), "w") as f:
                f.write("\n".join(errs))

    def job(name):
        outcomes, status, secs, text = run_one(name, exes[name], args.timeout, manifest_dir)
        if args.logs:
            with open(os.path.join(args.logs, name + ".log"), "w") as f:
                f.write(text)
        return name, outcomes, status, secs

    t0 = time.monotonic()
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for name, outcomes, status, secs in pool.map(job, [n for n in names if n in exes]):
            results[name] = (outcomes, status, secs)
            passed = sum(1 for o in outcomes.values() if o == "ok")
            log(f"  {name:40} {status:8} {passed:4} passed  {secs:5.1f} s")
    log(f"ran in {time.monotonic() - t0:.0f} s")

    if args.baseline:
        if not exes:
            sys.exit("nothing built against tokio itself; baseline.tsv left as it was")
        with open(BASELINE, "w") as f:
            f.write(f"# tokio {TOKIO_VERSION}'s own tests against tokio itself: file, test, outcome\n")
            for name in sorted(results):
                for test, outcome in sorted(results[name][0].items()):
                    f.write(f"{name}\t{test}\t{outcome}\n")
        for name in names:
            if name not in exes:
                log(f"  {name}: did not build against tokio itself")
        total = sum(1 for r in results.values() for o in r[0].values() if o == "ok")
        log(f"baseline: {total} passes on tokio, written to {BASELINE}")
        return 0

    base = read_baseline()
    rows = []
    totals = {}
    for name in names:
        theirs = {t for t, o in base.get(name, {}).items() if o == "ok"}
        if name not in exes:
            status, ours = "no build", set()
        else:
            outcomes, status, _ = results[name]
            ours = {t for t, o in outcomes.items() if o == "ok"}
        both = len(theirs & ours)
        failing = sorted(theirs - ours)
        rows.append((name, area_of(name), both, len(theirs), status, failing))
        scope = "fs/process" if area_of(name) in ("fs", "process") else "main"
        a = totals.setdefault(scope, [0, 0])
        a[0] += both
        a[1] += len(theirs)

    print(f"{'file':40} {'area':8} {'pass':>5} / {'tokio':>5}  status")
    for name, area, both, theirs, status, failing in rows:
        mark = "" if both == theirs else "  <--"
        print(f"{name:40} {area:8} {both:5} / {theirs:5}  {status}{mark}")
    by_area = {}
    for name, area, both, theirs, status, _ in rows:
        a = by_area.setdefault(area, [0, 0, 0, 0])
        a[0] += both
        a[1] += theirs
        a[2] += 1
        a[3] += status in ("no build", "hang")
    print()
    print(f"{'area':10} {'pass':>5} / {'tokio':>5}  files  (no build or hang)")
    for area, (b, t, n, bad) in sorted(by_area.items()):
        print(f"{area:10} {b:5} / {t:5}  {n:5}  {bad}")
    main_pass, main_total = totals.get("main", [0, 0])
    fp_pass, fp_total = totals.get("fs/process", [0, 0])
    print()
    print(f"outside fs/process: {main_pass} of tokio's {main_total} passes "
          f"({100.0 * main_pass / max(main_total, 1):.1f} %)")
    print(f"fs and process:     {fp_pass} of tokio's {fp_total} passes")
    print(f"all:                {main_pass + fp_pass} of tokio's {main_total + fp_total} passes")
    no_build = [r[0] for r in rows if r[4] == "no build"]
    hangs = [r[0] for r in rows if r[4] == "hang"]
    if no_build:
        print(f"do not build: {' '.join(no_build)}")
    if hangs:
        print(f"hang: {' '.join(hangs)}")

    if args.report:
        with open(args.report, "w") as f:
            f.write("| file | area | passes / tokio's | status | failing |\n|---|---|---|---|---|\n")
            for name, area, both, theirs, status, failing in rows:
                f.write(f"| `{name}` | {area} | {both} / {theirs} | {status} | "
                        f"{', '.join('`' + t + '`' for t in failing)} |\n")

    if args.check and not args.only:
        with open(FLOOR) as f:
            floor = int(f.read().split()[0])
        if main_pass + fp_pass < floor:
            print(f"FAIL: {main_pass + fp_pass} passes, below the floor of {floor}")
            return 1
        print(f"floor {floor}: ok")
    if errors and args.only:
        for name, errs in errors.items():
            print(f"\n=== {name}: {len(errs)} errors; first:\n{errs[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
