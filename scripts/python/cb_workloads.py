"""The exported workloads (schema cb-workloads-v1), the article's kernels, and the checks.

The Rust workspace is the one source of truth: `export-workloads` prints every workload of
a preset (tasks, expected answers, worker sweep) and this module only reads it. A wrong
answer raises `Mismatch`, whose message names the workload, what was checked, the expected
and the actual value; `CB_PY_INJECT_WRONG=<group>` corrupts one answer of that group on
purpose, so the failure path itself can be tested.
"""

import json
import os
import time

SCHEMA = "cb-workloads-v1"
MASK = (1 << 64) - 1


class Mismatch(Exception):
    """A technique's answer differs from the workload's expected answer."""

    def __init__(self, workload, what, expected, actual):
        self.workload, self.what, self.expected, self.actual = workload, what, expected, actual
        super().__init__(
            f"{workload}: wrong answer ({what}): expected {expected!r}, got {actual!r}"
        )


class BadExport(Exception):
    """The workloads file cannot be used; the message names the file and the problem."""


def load(path):
    """Reads and checks an export-workloads file."""
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except OSError as e:
        raise BadExport(f"{path}: cannot read ({e.strerror})") from e
    except ValueError as e:
        raise BadExport(f"{path}: not valid JSON ({e})") from e
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
        found = doc.get("schema") if isinstance(doc, dict) else type(doc).__name__
        raise BadExport(f"{path}: schema {found!r} is not {SCHEMA!r}")
    for field in ("preset", "workers", "map", "counter", "shared_counter", "limited_resource",
                  "task_queue", "priority_queue", "downloads", "web_server"):
        if field not in doc:
            raise BadExport(f"{path}: field {field!r} is missing")
    return doc


def injected(group, answer):
    """The answer as measured, or deliberately wrong when CB_PY_INJECT_WRONG names `group`."""
    if os.environ.get("CB_PY_INJECT_WRONG") != group:
        return answer
    if isinstance(answer, list) and answer:
        return [_off_by_one(answer[0])] + answer[1:]
    return _off_by_one(answer)


def _off_by_one(value):
    if isinstance(value, (list, tuple)):
        return [value[0] + 1] + list(value[1:])
    if isinstance(value, int):
        return value + 1
    return value


def check(workload, what, expected, actual):
    if expected != actual:
        raise Mismatch(workload, what, expected, actual)


def verify_outputs(job, outputs):
    """Every task's output, in input order, as the export states it."""
    group, expected = job["group"], job["expected"]
    outputs = injected(group, [list(o) if isinstance(o, tuple) else o for o in outputs])
    check(group, "number of outputs", len(expected), len(outputs))
    for i, (want, got) in enumerate(zip(expected, outputs)):
        check(group, f"output of task {i}", want, got)
    answer = sum(o[0] if isinstance(o, list) else o for o in outputs)
    check(group, "aggregate answer", int(job["answer"]), answer)


# The article's kernels, the same algorithms as crates/workloads.

def is_prime(n):
    """Trial division on odd divisors, as `workloads::is_prime`."""
    if n < 2:
        return False
    if n % 2 == 0:
        return n == 2
    divisor = 3
    while divisor * divisor <= n:
        if n % divisor == 0:
            return False
        divisor += 2
    return True


def count_primes(bounds):
    """The article's `find_primes` over `start..=end`, counted."""
    start, end = bounds
    return sum(1 for n in range(start, end + 1) if is_prime(n))


def square(x):
    """The article's `square`."""
    return x * x


def chunk_mean(chunk):
    """The article's `chunk.mean()`, kept exact as (sum, rows) of the chunk's column."""
    return [int(chunk["A"].sum()), len(chunk)]


def sleep_ms(ms):
    """A worker that waits, as the article's `time.sleep`."""
    time.sleep(ms / 1000)
    return ms


KERNELS = {"primes": count_primes, "squares": square, "chunk-mean": chunk_mean, "sleep": sleep_ms}


def map_inputs(job):
    """The inputs a map job's kernel takes: pandas chunks for chunk-mean, else the tasks."""
    if job["kind"] != "chunk-mean":
        return job["tasks"]
    import pandas as pd

    return [pd.DataFrame({"A": range(first, first + rows)}) for first, rows in job["tasks"]]


def mix(x):
    """SplitMix64's finalizer, as `workloads::sync::mix`: the work of one queued task."""
    z = x & MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def fnv1a(body):
    """64-bit FNV-1a, as `workloads::FileDigest::of`."""
    h = 0xCBF29CE484222325
    for byte in body:
        h = ((h ^ byte) * 0x100000001B3) & MASK
    return h


def verify_downloads(job, bodies):
    """The bodies a technique returned, one per file in index order: each file's byte count
    and FNV-1a checksum (a file never fetched, `None`, counts as empty)."""
    group = job["group"]
    digests = injected(group, [[len(b or b""), fnv1a(b or b"")] for b in bodies])
    check(group, "number of files", len(job["expected"]), len(digests))
    for want, (size, checksum) in zip(job["expected"], digests):
        check(group, f"byte count of {want['path']}", want["bytes"], size)
        check(group, f"checksum of {want['path']}", hex(want["checksum"]), hex(checksum))
