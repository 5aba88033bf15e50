"""The article's shared-state techniques on the exported sync workloads.

Each function runs one job and returns the seconds from the workers' common start (a
`threading.Barrier`, so starting threads stays out, as in the Rust suite) until the last
one finished, after checking the answer (`cb_workloads.Mismatch` on a wrong one).
"""

import multiprocessing
import queue
import threading
import time

from cb_workloads import check, injected, mix

MASK = (1 << 64) - 1


def _timed_threads(count, work):
    """Runs `work(i)` on `count` threads released together; (results, makespan seconds)."""
    barrier = threading.Barrier(count)
    spans, results = [None] * count, [None] * count

    def body(i):
        barrier.wait()
        started = time.perf_counter()
        results[i] = work(i)
        spans[i] = (started, time.perf_counter())

    threads = [threading.Thread(target=body, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, max(end for _, end in spans) - min(start for start, _ in spans)


def lock_counter(group, workers, increments, expected):
    """The article's `Lock` counter: `with lock: counter += 1` in every thread."""
    lock, state = threading.Lock(), {"count": 0}

    def work(_):
        for _ in range(increments):
            with lock:
                state["count"] += 1

    _, elapsed = _timed_threads(workers, work)
    check(f"{group}/{workers}", "final count", expected, injected(group, state["count"]))
    return elapsed


def _increment(value, times):
    for _ in range(times):
        with value.get_lock():
            value.value += 1


class SharedValue:
    """The article's `Value('i', 0)` incremented under `get_lock()` by 4 processes."""

    def __init__(self, processes):
        self.processes = processes
        self.value = multiprocessing.Value("i", 0)

    def run(self, group, increments, expected):
        self.value.value = 0
        procs = [multiprocessing.Process(target=_increment, args=(self.value, increments))
                 for _ in range(self.processes)]
        started = time.perf_counter()
        for p in procs:
            p.start()
        for p in procs:
            p.join(timeout=60)
        elapsed = time.perf_counter() - started
        for p in procs:
            if p.exitcode != 0:
                p.kill()
                raise RuntimeError(f"{group}: worker {p.pid} exited with {p.exitcode}")
        check(f"{group}/{increments}", "final value", expected,
              injected(group, self.value.value))
        return elapsed


def limited_resource(group, job, permits, floor_us):
    """The article's `Semaphore(2)`: workers hold it `uses` times each; a gauge checks that
    never more than `permits` were inside."""
    semaphore, gauge = threading.Semaphore(permits), threading.Lock()
    state = {"inside": 0, "most": 0, "uses": 0}
    hold = job["hold_us"] / 1e6

    def work(_):
        for _ in range(job["uses"]):
            with semaphore:
                with gauge:
                    state["inside"] += 1
                    state["most"] = max(state["most"], state["inside"])
                time.sleep(hold)
                with gauge:
                    state["inside"] -= 1
                    state["uses"] += 1

    _, elapsed = _timed_threads(job["workers"], work)
    name = f"{group}/{permits}"
    check(name, "uses completed", job["workers"] * job["uses"], injected(group, state["uses"]))
    if not 0 < state["most"] <= permits:
        check(name, "most workers inside at once", permits, state["most"])
    if elapsed * 1e6 < floor_us:
        check(name, "makespan at least the floor (us)", floor_us, round(elapsed * 1e6))
    return elapsed


def task_queue(job, consumers):
    """The article's `queue.Queue` workers: one producer puts every task then one `None`
    sentinel per worker; workers `get`, process, `task_done` until their sentinel."""
    q, tasks = queue.Queue(), job["tasks"]

    def work(i):
        if i == consumers:  # the producer
            for task in range(tasks):
                q.put(task)
            for _ in range(consumers):
                q.put(None)
            return None
        seen, total = [], 0
        while True:
            task = q.get()
            if task is None:
                q.task_done()
                return seen, total
            total = (total + mix(task)) & MASK
            seen.append(task)
            q.task_done()

    results, elapsed = _timed_threads(consumers + 1, work)
    q.join()
    logs = results[:consumers]
    name = f"{job['group']}/{consumers}"
    seen = sorted(t for log, _ in logs for t in log)
    check(name, "tasks processed", tasks, len(seen))
    if seen != list(range(tasks)):
        missing = next(i for i, t in enumerate(seen) if t != i)
        check(name, f"task {missing} processed once", missing, seen[missing])
    checksum = sum(total for _, total in logs) & MASK
    check(name, "checksum", job["checksum"], injected(job["group"], checksum))
    return elapsed


def priority_queue(job, consumers):
    """`queue.PriorityQueue`: the backlog is put in task order as (-priority, task), then
    `consumers` workers drain it; each worker's takes must follow the expected order and
    every task leave once."""
    group, tasks, priorities = job["group"], job["tasks"], job["priorities"]
    q = queue.PriorityQueue()
    filled = threading.Event()

    def work(i):
        if i == consumers:  # the producer: the whole backlog first
            for task in range(tasks):
                q.put((-priorities[task], task))
            for _ in range(consumers):
                q.put((1, -1))  # sentinels sort after every task (priorities are >= 0)
            filled.set()
            return None
        filled.wait(timeout=60)
        taken = []
        while True:
            _, task = q.get()
            if task < 0:
                return taken
            taken.append(task)

    results, elapsed = _timed_threads(consumers + 1, work)
    name = f"{group}/{consumers}"
    rank = {task: i for i, task in enumerate(job["expected_order"])}
    logs = results[:consumers]
    check(name, "tasks taken", tasks, injected(group, sum(len(log) for log in logs)))
    for log in logs:
        for a, b in zip(log, log[1:]):
            if rank[a] > rank[b]:
                check(name, f"task taken after {a} (priority {priorities[a]})",
                      f"a task ranked after {a}", f"{b} (priority {priorities[b]})")
    if sorted(t for log in logs for t in log) != list(range(tasks)):
        check(name, "every task taken once", list(range(tasks))[:5], "a duplicate or a gap")
    return elapsed
