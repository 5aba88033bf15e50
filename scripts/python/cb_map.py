"""The article's ways to spread a list of tasks over workers, on the exported map jobs.

Each technique has a stable id (the Rust suite's style) and declares its kind (what it pays
for, one of the Rust suite's `workloads::Kind` names: sequential, thread, process, async),
says whether it sweeps the worker count, and is started outside the timed part; `run` is what is timed. Process pools use the
platform's default start method (fork on Linux) unless their id says `spawn`.
"""

import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor


class Sequential:
    id, kind, sweeps = "sequential", "sequential", False

    def __init__(self, kernel, workers):
        self.kernel = kernel

    def run(self, inputs):
        return [self.kernel(x) for x in inputs]

    def close(self):
        pass


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


class ThreadPool:
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
        self.kernel, self.executor = kernel, ProcessPoolExecutor(max_workers=workers)
        list(self.executor.map(abs, range(workers)))


class WarmPool:
    """`multiprocessing.Pool(N)` started once, `pool.map(f, tasks)` with the default
    chunksize timed."""

    id, kind, sweeps, chunksize = "process-pool-map", "process", True, None

    def __init__(self, kernel, workers):
        self.kernel, self.pool = kernel, multiprocessing.Pool(workers)
        self.pool.map(abs, range(workers), chunksize=1)

    def run(self, inputs):
        return self.pool.map(self.kernel, inputs, chunksize=self.chunksize)

    def close(self):
        self.pool.close()
        self.pool.join()


class WarmPoolChunk1(WarmPool):
    """The same pool with `chunksize=1`: one pipe round trip per task."""

    id, chunksize = "process-pool-map-c1", 1


class FreshPool:
    """The article's `with Pool(N) as pool: pool.map(f, tasks)`, start-up timed, with the
    platform's default start method."""

    id, kind, sweeps, method = "process-pool-fresh", "process", True, None

    def __init__(self, kernel, workers):
        self.kernel, self.workers = kernel, workers
        self.context = multiprocessing.get_context(self.method)

    def run(self, inputs):
        with self.context.Pool(self.workers) as pool:
            return pool.map(self.kernel, inputs)

    def close(self):
        pass


class FreshPoolSpawn(FreshPool):
    """The article's `with Pool() as pool:` as written (no argument: one worker per core)
    under the `spawn` start method, a fresh interpreter per worker. Measured at the core
    count only: a spawned worker costs a second or more on 2 busy cores, and the sweep of
    fresh pools is the fork row's."""

    id, method, cores_only = "process-pool-fresh-spawn", "spawn", True


TECHNIQUES = [Sequential, ThreadPerTask, ThreadPool, WarmPoolChunk1, WarmPool, FreshPool,
              FreshPoolSpawn, ProcessExecutor]

# On slow workloads (seconds per run in Python) only these run, so the default preset fits
# its time budget; the results file lists what was left out.
SLOW_TECHNIQUES = {"sequential", "thread-pool-executor", "process-pool-map",
                   "process-pool-executor"}


def is_slow(job):
    """Primes up to a million and more: trial division in Python takes seconds per run."""
    return job["kind"] == "primes" and job["elements"] >= 1_000_000
