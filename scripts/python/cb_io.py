"""Downloads from the suite's own file server and the article's aiohttp hello server driven
by the suite's own load generator: the `tools` crate's standalone `file-server` and
`loadgen` commands (found in CB_TOOLS_DIR, default target/release).

Servers are real processes on 127.0.0.1, started once per pyperf worker process (outside the
timed part) and stopped when it exits; every wait on them is bounded.
"""

import asyncio
import atexit
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request

from cb_workloads import check, verify_downloads

HERE = os.path.dirname(os.path.abspath(__file__))
_servers = {}


def tool(name):
    path = os.path.join(os.environ.get("CB_TOOLS_DIR", "target/release"), name)
    if not os.access(path, os.X_OK):
        raise FileNotFoundError(
            f"{path}: not built (cargo build --release -p tools --bins, or set CB_TOOLS_DIR)")
    return path


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_listening(port, proc, what, bound=30.0):
    deadline = time.monotonic() + bound
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.02)
    proc.kill()
    raise RuntimeError(f"{what} did not listen on 127.0.0.1:{port} within {bound:.0f} s")


def _stop(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def server(key, command, what):
    """Starts `command` (with its port) once per process and returns the port."""
    if key not in _servers:
        port = free_port()
        proc = subprocess.Popen(command(port), stdout=subprocess.DEVNULL)
        atexit.register(_stop, proc)
        _wait_listening(port, proc, what)
        _servers[key] = port
    return _servers[key]


def file_server(job):
    """The suite's file server serving `job`'s files with its latency."""
    def command(port):
        return [tool("file-server"), "--latency-ms", str(job["latency_ms"]),
                "--files", str(job["files"]), "--size", str(job["size"]),
                "--port", str(port)]

    return server(("files", job["group"]), command, "file-server")


def _fetch_blocking(url):
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read()


class SequentialDownloads:
    """One file after the other, blocking (`urllib.request`)."""

    id, kind = "sequential", "sequential"

    def concurrency(self, job):
        return 1

    def run(self, job, base):
        return [_fetch_blocking(base + f["path"]) for f in job["expected"]]


class ThreadPerDownload(SequentialDownloads):
    """The article's `threading.Thread` per download, then `join` each."""

    id, kind = "thread-per-download", "thread"

    def concurrency(self, job):
        return job["files"]

    def run(self, job, base):
        bodies = [None] * job["files"]

        def fetch(i, path):
            bodies[i] = _fetch_blocking(base + path)

        threads = [threading.Thread(target=fetch, args=(i, f["path"]))
                   for i, f in enumerate(job["expected"])]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        return bodies


class AsyncioAiohttp:
    """The article's `asyncio.gather` of `aiohttp` fetches through one `ClientSession`, at
    most `in_flight` at once (an `asyncio.Semaphore`). Loop and session live across runs."""

    id, kind = "asyncio-aiohttp", "async"

    def __init__(self):
        self.loop, self.session = asyncio.new_event_loop(), None

    def concurrency(self, job):
        return job["in_flight"]

    async def _fetch(self, url, limit):
        async with limit:
            async with self.session.get(url) as response:
                response.raise_for_status()
                return await response.read()

    async def _all(self, job, base):
        import aiohttp

        if self.session is None:
            self.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))
        limit = asyncio.Semaphore(job["in_flight"])
        started = time.perf_counter()
        bodies = await asyncio.gather(*(self._fetch(base + f["path"], limit)
                                        for f in job["expected"]))
        return bodies, time.perf_counter() - started

    def timed_run(self, job, base):
        return self.loop.run_until_complete(self._all(job, base))

    def close(self):
        if self.session is not None:
            self.loop.run_until_complete(self.session.close())
        self.loop.close()


def download(technique, job):
    """One timed run of `technique` on `job`, verified after the timing (the byte-wise
    FNV-1a of a 64 KiB body takes ~8 ms in Python: inside the run it was the verifier that
    was measured); returns seconds."""
    base = f"http://127.0.0.1:{file_server(job)}"
    if hasattr(technique, "timed_run"):
        bodies, elapsed = technique.timed_run(job, base)
    else:
        started = time.perf_counter()
        bodies = technique.run(job, base)
        elapsed = time.perf_counter() - started
    verify_downloads(job, bodies)
    return elapsed


def hello_server():
    """The article's aiohttp hello server (hello_server.py), in its own process."""
    def command(port):
        return [sys.executable, os.path.join(HERE, "hello_server.py"), "--port", str(port)]

    return server("hello", command, "aiohttp hello server")


def load(group, target, connections, seconds, requests, sidecar):
    """Drives the hello server with the suite's load generator for `seconds` at
    `connections`, every body checked against `target`; no error allowed. Returns the time `requests` requests took at the
    measured rate (the Rust rows' unit) and appends the latency to `sidecar`."""
    port = hello_server()
    url = f"http://127.0.0.1:{port}{target['path']}"
    command = [tool("loadgen"), "--connections", str(connections), "--duration", f"{seconds}s",
               "--expect", target["body"], "--json", url]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    name = f"{group}/asyncio-aiohttp/{connections}"
    if done.returncode != 0:
        raise RuntimeError(f"{name}: loadgen exited with {done.returncode}: {done.stderr.strip()}")
    report = json.loads(done.stdout.strip().splitlines()[-1])
    check(name, "failed requests", 0, report["errors"])
    if report["requests"] <= 0 or report["req_per_s"] <= 0:
        check(name, "requests answered", "at least one", report["requests"])
    if sidecar:
        with open(sidecar, "a", encoding="utf-8") as f:
            f.write(json.dumps({"id": name, **report}) + "\n")
    return requests / report["req_per_s"]
