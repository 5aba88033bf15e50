"""The article's Python on the suite's workloads, timed with pyperf.

    python bench.py --workloads W.json --tier fast -o fast.json [pyperf options]
    python bench.py --workloads W.json --check      # every benchmark once, answers checked

W.json is `cargo run -q -p tools --bin export-workloads -- --preset P`: the tasks,
expected answers and worker sweep of the Rust suite. Benchmark names are the suite's ids,
`<group>/<technique>/<parameter>`; each benchmark's pyperf metadata `cb_kind` is the kind its
technique declares (`sequential`, `thread`, `process`, `async`: the Rust suite's
`workloads::Kind`), which `import-pyperf` files it under. Every timed run's answer is checked (outside the timed
part); a wrong one stops the run with the workload, the expected and the actual value.
Tiers, so the default preset fits its time budget: `slow` holds the rows that take seconds
per run in Python (primes up to a million, the load tests); of the others, those whose
checking run (`--check --plan-out P`) took under 50 ms are `fast`, the rest `medium`.
scripts/python-bench.sh gives each tier its pyperf options (fewer values for slower rows);
each benchmark's metadata says its tier, and the importer records the values taken.
"""

import argparse
import atexit
import importlib.util
import json
import multiprocessing
import os
import sys
import sysconfig
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cb_map  # noqa: E402
import cb_sync  # noqa: E402
import cb_workloads  # noqa: E402

_cache = {}

# The kinds a technique may declare: the serde names of the Rust suite's `workloads::Kind`.
KINDS = ("sequential", "thread", "process", "async")


def cached(key, make):
    """One instance per process (pools, inputs, servers), closed when the process exits."""
    if key not in _cache:
        _cache[key] = make()
        if hasattr(_cache[key], "close"):
            atexit.register(_cache[key].close)
    return _cache[key]


def repeat(one_run):
    """A pyperf time function: `loops` runs, each timed and checked by `one_run`."""
    def time_func(loops):
        return sum(one_run() for _ in range(loops))

    return time_func


def cores():
    """The CPUs this process may use: `Pool()`'s own count, as the suite's sweep sees it."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def worker_counts(job, technique):
    if not technique.sweeps:
        return [1]
    return [cores()] if technique.cores_only else job["workers"]


def map_plan(doc):
    """(job, technique, why): every map workload and technique, `why` None for those that
    run here, else the reason the row is absent on this interpreter."""
    pandas = importlib.util.find_spec("pandas") is not None
    slow_ones = ", ".join(sorted(cb_map.SLOW_TECHNIQUES))
    for job in doc["map"]:
        for technique in cb_map.TECHNIQUES:
            why = technique.unavailable(job)
            if job["kind"] == "chunk-mean" and not pandas:
                why = ("pandas is not installed for this interpreter (the pinned pandas has no "
                       "wheel for it)")
            elif why is None and cb_map.is_slow(job) and technique.id not in cb_map.SLOW_TECHNIQUES:
                why = (f"trial division up to a million takes seconds per run in Python, so only "
                       f"{slow_ones} are timed on it")
            yield job, technique, why


def absent(doc):
    """The rows left out on this interpreter and why, in as few entries as say it: a whole
    workload, a technique wherever it could otherwise run, else one workload's technique."""
    why_of = {(job["group"], t.id): why for job, t, why in map_plan(doc)}
    groups = sorted({g for g, _ in why_of})
    ids = [t.id for t in cb_map.TECHNIQUES]
    whole = {g: why_of[(g, ids[0])] for g in groups
             if why_of[(g, ids[0])] and all(why_of[(g, t)] == why_of[(g, ids[0])] for t in ids)}
    out = [{"rows": g, "why": why} for g, why in whole.items()]
    for t in ids:
        whys = {why_of[(g, t)] for g in groups if g not in whole}
        if len(whys) == 1 and None not in whys:
            out.append({"rows": t, "why": whys.pop()})
            continue
        out.extend({"rows": f"{g}/{t}", "why": why_of[(g, t)]}
                   for g in groups if g not in whole and why_of[(g, t)])
    return out


def map_benchmarks(doc):
    for job, technique, why in map_plan(doc):
        if why is not None:
            continue
        kernel = cb_workloads.KERNELS[job["kind"]]
        tier = "slow" if cb_map.is_slow(job) else "measured"
        for workers in worker_counts(job, technique):
            def one_run(job=job, technique=technique, workers=workers, kernel=kernel):
                inputs = cached(("inputs", job["group"]), lambda: cb_workloads.map_inputs(job))
                runner = cached((job["group"], technique.id, workers),
                                lambda: technique(kernel, workers))
                started = time.perf_counter()
                outputs = runner.run(inputs)
                elapsed = time.perf_counter() - started
                cb_workloads.verify_outputs(job, outputs)
                return elapsed

            yield f"{job['group']}/{technique.id}/{workers}", technique.kind, tier, one_run


def sync_benchmarks(doc):
    counter = doc["counter"]
    for workers, expected in zip(counter["workers"], counter["expected"]):
        yield (f"{counter['group']}/lock/{workers}", "thread", "measured",
               lambda w=workers, e=expected: cb_sync.lock_counter(
                   counter["group"], w, counter["increments"], e))
    shared = doc["shared_counter"]
    for run in shared["runs"]:
        def one_run(run=run):
            value = cached("value", lambda: cb_sync.SharedValue(shared["processes"]))
            return value.run(shared["group"], run["increments"], run["expected"])

        yield (f"{shared['group']}/process-value-get-lock/{run['increments']}", "process",
               "measured", one_run)
    resource = doc["limited_resource"]
    for run in resource["runs"]:
        yield (f"{resource['group']}/threading-semaphore/{run['permits']}", "thread", "measured",
               lambda run=run: cb_sync.limited_resource(
                   resource["group"], resource, run["permits"], run["floor_us"]))
    for job in doc["task_queue"]:
        for consumers in job["consumers"]:
            yield (f"{job['group']}/queue-sentinels/{consumers}", "thread", "measured",
                   lambda job=job, c=consumers: cb_sync.task_queue(job, c))
    job = doc["priority_queue"]
    for consumers in job["consumers"]:
        yield (f"{job['group']}/priority-queue/{consumers}", "thread", "measured",
               lambda c=consumers: cb_sync.priority_queue(job, c))


def io_benchmarks(doc, sidecar):
    # Imported here, not at the top: asyncio and urllib cost a spawned pool worker, which
    # imports this module, 60 ms each.
    import cb_io

    for job in doc["downloads"]:
        for make in (cb_io.SequentialDownloads, cb_io.ThreadPerDownload, cb_io.AsyncioAiohttp):
            technique = make()
            def one_run(job=job, make=make):
                return cb_io.download(cached(("download", make.id), make), job)

            yield (f"{job['group']}/{technique.id}/{technique.concurrency(job)}", technique.kind,
                   "measured", one_run)
    web = doc["web_server"]
    seconds = 0.5 if doc["preset"] == "quick" else 2
    for run in web["runs"]:
        yield (f"{web['group']}/asyncio-aiohttp/{run['connections']}", "async", "slow",
               lambda run=run: cb_io.load(web["group"], web["targets"][1], run["connections"],
                                          seconds, run["requests"], sidecar))


def benchmarks(doc, sidecar):
    yield from map_benchmarks(doc)
    yield from sync_benchmarks(doc)
    yield from io_benchmarks(doc, sidecar)


def add_arguments(parser):
    parser.add_argument("--workloads", required=True, help="export-workloads JSON")
    parser.add_argument("--tier", choices=["fast", "medium", "slow", "measured", "all"],
                        default="all", help="measured: fast and medium")
    parser.add_argument("--plan", default="", help="the --plan-out of a checking run")
    parser.add_argument("--plan-out", default="", help="with --check: write each run's time")
    parser.add_argument("--only", default="", help="run the benchmarks whose name has this")
    parser.add_argument("--sidecar", default="", help="append load-test latencies here")
    parser.add_argument("--tools-dir", default=os.environ.get("CB_TOOLS_DIR", "target/release"),
                        help="where the tools crate's file-server and loadgen are")
    parser.add_argument("--inject-wrong", default=os.environ.get("CB_PY_INJECT_WRONG", ""),
                        help="corrupt one answer of this group, to see the run fail")
    parser.add_argument("--check", action="store_true",
                        help="run every benchmark once and check its answer (no pyperf)")


FAST_RUN_S = 0.05


def read_plan(path):
    if not path:
        return {}
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        failed(f"{path}: cannot read the plan ({e})")


def selected(args, doc):
    """(name, kind, tier, run) of the benchmarks `--tier` and `--only` choose."""
    plan, chosen = read_plan(args.plan), []
    for name, kind, tier, run in benchmarks(doc, args.sidecar):
        if kind not in KINDS:
            failed(f"{name}: kind {kind!r} is not one of {', '.join(KINDS)}")
        if tier == "measured":
            tier = "fast" if plan.get(name, FAST_RUN_S) < FAST_RUN_S else "medium"
        wanted = {"all": (tier,), "measured": ("fast", "medium")}.get(args.tier, (args.tier,))
        if tier in wanted and args.only in name:
            chosen.append((name, kind, tier, run))
    return chosen


def failed(message):
    print(f"error: {message}", file=sys.stderr, flush=True)
    sys.exit(3)


def guarded(run):
    """A wrong answer or a broken technique ends the process with one line, not a trace."""
    def wrapper(*args):
        try:
            return run(*args)
        except (cb_workloads.Mismatch, RuntimeError, OSError) as e:
            failed(str(e))

    return wrapper


def check_all(args, doc):
    chosen, plan, turned_on = selected(args, doc), {}, None
    for name, _, _, run in chosen:
        plan[name] = guarded(run)()
        print(f"ok {name} ({plan[name] * 1e3:.1f} ms)", flush=True)
        if turned_on is None and gil_state() == "enabled" and build() == "free-threaded":
            turned_on = name
    print(f"{len(chosen)} benchmarks, every answer checked ({doc['preset']} preset)")
    print(f"{interpreter()}: {build()} build, GIL {gil_state()} after the runs"
          + (f" (turned on during {turned_on})" if turned_on else ""))
    for row in absent(doc):
        print(f"absent here: {row['rows']}: {row['why']}")
    for note in notes():
        print(f"note: {note}")
    if args.plan_out:
        temp = f"{args.plan_out}.tmp"
        with open(temp, "w", encoding="utf-8") as f:
            json.dump(plan, f, indent=0)
        os.replace(temp, args.plan_out)


def build():
    """`free-threaded` for a build without the GIL (Py_GIL_DISABLED), else `gil`."""
    return "free-threaded" if sysconfig.get_config_var("Py_GIL_DISABLED") else "gil"


def gil_state():
    """`enabled` or `disabled` now: a free-threaded build turns the GIL back on when an
    extension that does not declare free-threading support is imported (unless PYTHON_GIL=0)."""
    gil = sys._is_gil_enabled() if hasattr(sys, "_is_gil_enabled") else True
    return "enabled" if gil else "disabled"


def interpreter():
    """The interpreter's short name, the results file's key: `3.13`, `3.13t`, `3.14`."""
    v = sys.version_info
    return f"{v.major}.{v.minor}{'t' if build() == 'free-threaded' else ''}"


def notes():
    """What a reader of this interpreter's rows should know."""
    out = []
    if os.environ.get("PYTHON_GIL"):
        out.append(f"PYTHON_GIL={os.environ['PYTHON_GIL']} was set for the run")
    if importlib.util.find_spec("aiohttp") is not None:
        from aiohttp import http_parser
        if not hasattr(http_parser, "HttpRequestParserC"):
            out.append("aiohttp runs without its C extensions on this interpreter (no compiled "
                       "wheel for it): the io/* rows measure its pure-Python HTTP parser")
    return out


def metadata(doc):
    """The file's metadata; `cb_gil` is not here but read after each run (`gil_after_runs`)."""
    return {"cb_build": build(), "cb_interpreter": interpreter(),
            "cb_start_method": multiprocessing.get_start_method(), "cb_preset": doc["preset"],
            "cb_absent": json.dumps(absent(doc)), "cb_notes": json.dumps(notes())}


def gil_after_runs():
    """pyperf collects a run's metadata in the worker after the timed values: `cb_gil` is
    read there, so it says whether an import during the runs turned the GIL back on.
    (pyperf's `collect_metadata`, pinned pyperf; `test_bench` checks that `cb_gil` arrives.)"""
    import pyperf._collect_metadata as collect

    original = collect.collect_metadata

    def collect_metadata(*args, **kwargs):
        collected = original(*args, **kwargs)
        collected["cb_gil"] = gil_state()
        return collected

    collect.collect_metadata = collect_metadata


def main():
    pre = argparse.ArgumentParser(add_help=False)
    add_arguments(pre)
    ours, _ = pre.parse_known_args()
    # pyperf's workers see only a few environment variables: these travel as arguments.
    os.environ["CB_TOOLS_DIR"] = os.path.abspath(ours.tools_dir)
    os.environ["CB_PY_INJECT_WRONG"] = ours.inject_wrong
    try:
        doc = cb_workloads.load(ours.workloads)
    except cb_workloads.BadExport as e:
        failed(str(e))
    if ours.check:
        return check_all(ours, doc)
    import pyperf

    def pass_on(cmd, args):
        cmd.extend(["--workloads", args.workloads, "--tier", args.tier, "--only", args.only,
                    "--sidecar", args.sidecar, "--plan", args.plan,
                    "--tools-dir", args.tools_dir, "--inject-wrong", args.inject_wrong])

    gil_after_runs()
    runner = pyperf.Runner(add_cmdline_args=pass_on)
    add_arguments(runner.argparser)
    runner.metadata.update(metadata(doc))
    for name, kind, tier, run in selected(ours, doc):
        try:
            runner.bench_time_func(name, guarded(repeat(run)),
                                   metadata={"cb_tier": tier, "cb_kind": kind})
        except RuntimeError as e:  # a worker failed; its own error line is printed above
            failed(f"{name}: pyperf stopped ({e})")


if __name__ == "__main__":
    main()
