"""The article's ways to spread a list of tasks over workers, on the exported map jobs.

Each technique has a stable id (the Rust suite's style) and declares its kind (what it pays
for, one of the Rust suite's `workloads::Kind` names: sequential, thread, process, async),
says whether it sweeps the worker count, and is started outside the timed part; `run` is
what is timed. `unavailable(job)` says why a technique cannot run a workload on this
interpreter (None when it can). Process pools use the interpreter's default start method
(fork on Linux up to 3.13, forkserver from 3.14) unless their id says `spawn`.
"""

import concurrent.futures
import multiprocessing
import os
import threading

from cb_workloads import KERNELS
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from itertools import repeat

HERE = os.path.dirname(os.path.abspath(__file__))


class Technique:
    """What every technique has: it may sweep the worker count (or run at the core count
    only), may be unavailable for a workload on this interpreter, and closes what it
    started."""

    sweeps, cores_only = False, False

    @staticmethod
    def unavailable(job):
        return None

    def close(self):
        pass


class Sequential(Technique):
    id, kind = "sequential", "sequential"

    def __init__(self, kernel, workers):
        self.kernel = kernel

    def run(self, inputs):
        return [self.kernel(x) for x in inputs]


class ThreadPerTask(Sequential):
    """The article's `threading.Thread(target=...)` per task, then `join` each."""

    id, kind = "thread-per-task", "thread"

    def run(self, inputs):
        outputs = [None] * len(inputs)

        def work(i, x):
            outputs[i] = self.kernel(x)

        threads = [threading.Thread(target=work, args=(i, x)) for i, x in enumerate(inputs)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return outputs


class ThreadPool(Technique):
    """`ThreadPoolExecutor(max_workers=N)` started once, `executor.map` timed."""

    id, kind, sweeps = "thread-pool-executor", "thread", True

    def __init__(self, kernel, workers):
        self.kernel, self.executor = kernel, ThreadPoolExecutor(max_workers=workers)
        list(self.executor.map(int, range(workers)))  # threads start lazily: start them now

    def run(self, inputs):
        return list(self.executor.map(self.kernel, inputs))

    def close(self):
        self.executor.shutdown(wait=True)


class ProcessExecutor(ThreadPool):
    """`ProcessPoolExecutor(max_workers=N)` started once, `executor.map` timed."""

    id, kind = "process-pool-executor", "process"

    def __init__(self, kernel, workers):
        self.kernel, self.executor = kernel, ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context(self.method))
        list(self.executor.map(abs, range(workers)))

    method = None


class ProcessExecutorSpawn(ProcessExecutor):
    """The same executor under the `spawn` start method (a fresh interpreter per worker),
    at the core count only: the start method changes what a worker inherits, not the
    timed map's round trips much, and the sweep is the default method's row."""

    id, method, cores_only = "process-pool-executor-spawn", "spawn", True


def in_interpreter(kind, task):
    """What a worker interpreter runs: the kernel by name. A function reaches a
    subinterpreter as its code alone, without its module's globals, so it imports what it
    uses (the interpreter's initializer put this folder on its path and imported it)."""
    import cb_workloads

    return cb_workloads.KERNELS[kind](task)


class InterpreterPool(ThreadPool):
    """3.14's `InterpreterPoolExecutor(max_workers=N)`: one interpreter, with its own GIL,
    per worker thread, in one process. Started once (each interpreter imports the kernels
    in its initializer), `executor.map` timed; tasks and answers cross between interpreters
    by value."""

    id, kind = "interpreter-pool-executor", "thread"

    def __init__(self, kernel, workers):
        start = f"import sys; sys.path.insert(0, {HERE!r}); import cb_workloads"
        self.executor = concurrent.futures.InterpreterPoolExecutor(
            max_workers=workers, initializer=exec, initargs=(start,))
        self.kind_of_task = next(k for k, f in KERNELS.items() if f is kernel)
        list(self.executor.map(abs, range(workers)))

    def run(self, inputs):
        return list(self.executor.map(in_interpreter, repeat(self.kind_of_task), inputs))

    @staticmethod
    def unavailable(job):
        if not hasattr(concurrent.futures, "InterpreterPoolExecutor"):
            return "needs concurrent.futures.InterpreterPoolExecutor (Python 3.14 or newer)"
        if job["kind"] == "chunk-mean":
            return ("its inputs are pandas frames, and numpy and pandas cannot be imported in a "
                    "subinterpreter")
        return None


class WarmPool(Technique):
    """`multiprocessing.Pool(N)` started once, `pool.map(f, tasks)` with the default
    chunksize timed."""

    id, kind, sweeps, chunksize, method = "process-pool-map", "process", True, None, None

    def __init__(self, kernel, workers):
        self.kernel = kernel
        self.pool = multiprocessing.get_context(self.method).Pool(workers)
        self.pool.map(abs, range(workers), chunksize=1)

    def run(self, inputs):
        return self.pool.map(self.kernel, inputs, chunksize=self.chunksize)

    def close(self):
        self.pool.close()
        self.pool.join()


class WarmPoolChunk1(WarmPool):
    """The same pool with `chunksize=1`: one pipe round trip per task."""

    id, chunksize = "process-pool-map-c1", 1


class WarmPoolSpawn(WarmPool):
    """The same pool under the `spawn` start method, at the core count only (as
    `ProcessExecutorSpawn`)."""

    id, method, cores_only = "process-pool-map-spawn", "spawn", True


class FreshPool(Technique):
    """The article's `with Pool(N) as pool: pool.map(f, tasks)`, start-up timed, with the
    platform's default start method."""

    id, kind, sweeps, method = "process-pool-fresh", "process", True, None

    def __init__(self, kernel, workers):
        self.kernel, self.workers = kernel, workers
        self.context = multiprocessing.get_context(self.method)

    def run(self, inputs):
        with self.context.Pool(self.workers) as pool:
            return pool.map(self.kernel, inputs)


class FreshPoolSpawn(FreshPool):
    """The article's `with Pool() as pool:` as written (no argument: one worker per core)
    under the `spawn` start method, a fresh interpreter per worker. Measured at the core
    count only: a spawned worker costs a second or more on 2 busy cores, and the sweep of
    fresh pools is the fork row's."""

    id, method, cores_only = "process-pool-fresh-spawn", "spawn", True


TECHNIQUES = [Sequential, ThreadPerTask, ThreadPool, InterpreterPool, WarmPoolChunk1, WarmPool,
              WarmPoolSpawn, FreshPool, FreshPoolSpawn, ProcessExecutor, ProcessExecutorSpawn]

# On slow workloads (seconds per run in Python) only these run, so the default preset fits
# its time budget; the results file lists what was left out (`cb_absent`).
SLOW_TECHNIQUES = {"sequential", "thread-pool-executor", "interpreter-pool-executor",
                   "process-pool-map", "process-pool-executor"}


def is_slow(job):
    """Primes up to a million and more: trial division in Python takes seconds per run."""
    return job["kind"] == "primes" and job["elements"] >= 1_000_000
