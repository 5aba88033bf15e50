"""Tests of the Python side: the kernels give the exported answers, and a wrong answer
fails the run naming the workload, the expected and the actual value.

    scripts/python-bench.sh [--python PATH] --test
(CB_WORKLOADS=target/python-bench/workloads.json python -m unittest discover scripts/python:
the file is the quick preset's export, which scripts/python-bench.sh --check writes.)
"""

import concurrent.futures
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import bench as bench_py  # noqa: E402
import cb_workloads  # noqa: E402

WORKLOADS = os.environ.get("CB_WORKLOADS", "target/python-bench/workloads.json")


def bench(*args, env=None):
    return subprocess.run([sys.executable, os.path.join(HERE, "bench.py"),
                           "--workloads", WORKLOADS, *args],
                          capture_output=True, text=True, timeout=300, env=env)


class Kernels(unittest.TestCase):
    def setUp(self):
        self.doc = cb_workloads.load(WORKLOADS)

    def test_sequential_kernels_give_every_exported_answer(self):
        for job in self.doc["map"]:
            if job["kind"] in ("primes", "squares"):
                kernel = cb_workloads.KERNELS[job["kind"]]
                cb_workloads.verify_outputs(job, [kernel(t) for t in job["tasks"]])

    def test_queue_work_and_file_checksums_match_the_rust_kernels(self):
        job = self.doc["task_queue"][0]
        total = sum(cb_workloads.mix(t) for t in range(job["tasks"])) & cb_workloads.MASK
        self.assertEqual(total, job["checksum"])
        self.assertEqual(cb_workloads.fnv1a(b"a"), 0xAF63DC4C8601EC8C)

    def test_a_wrong_output_names_the_task_and_both_values(self):
        job = next(j for j in self.doc["map"] if j["kind"] == "squares")
        outputs = [x * x for x in job["tasks"]]
        outputs[3] += 1
        with self.assertRaises(cb_workloads.Mismatch) as caught:
            cb_workloads.verify_outputs(job, outputs)
        message = str(caught.exception)
        self.assertIn(job["group"], message)
        self.assertIn("task 3", message)
        self.assertIn("expected 9, got 10", message)


class Runs(unittest.TestCase):
    def test_an_injected_wrong_answer_fails_the_run_with_workload_expected_actual(self):
        doc = cb_workloads.load(WORKLOADS)
        cases = [(next(j for j in doc["map"] if j["kind"] == "squares")["group"], "sequential"),
                 (doc["counter"]["group"], "lock/1")]
        for group, row in cases:
            env = dict(os.environ, CB_PY_INJECT_WRONG=group)
            done = bench("--check", "--only", f"{group}/{row}", env=env)
            self.assertEqual(done.returncode, 3, done.stderr)
            self.assertRegex(done.stderr, rf"error: {group}\S*: wrong answer \(.*\): "
                                          r"expected \d+, got \d+")

    def test_a_wrong_answer_in_a_pyperf_worker_fails_the_timed_run_too(self):
        group = cb_workloads.load(WORKLOADS)["counter"]["group"]
        done = bench("--only", f"{group}/lock/2", "--inject-wrong", group, "--processes", "1",
                     "--values", "1", "--warmups", "0", "--loops", "1", "--quiet",
                     "-o", os.path.join(tempfile.mkdtemp(), "pyperf.json"))
        self.assertEqual(done.returncode, 3, done.stderr)
        self.assertRegex(done.stderr, rf"error: {group}/2: wrong answer \(final count\): "
                                      r"expected \d+, got \d+")

    def test_every_benchmark_declares_a_kind_the_report_knows(self):
        doc = cb_workloads.load(WORKLOADS)
        kinds = {name: kind for name, kind, _, _ in bench_py.benchmarks(doc, "")}
        self.assertTrue(kinds)
        for name, kind in kinds.items():
            self.assertIn(kind, bench_py.KINDS, name)
        group = next(j for j in doc["map"] if j["kind"] == "squares")["group"]
        self.assertEqual(kinds[f"{group}/sequential/1"], "sequential")
        self.assertEqual(kinds[f"{group}/process-pool-map/2"], "process")

    def test_the_kind_the_interpreter_and_the_gil_after_the_runs_reach_pyperfs_file(self):
        doc = cb_workloads.load(WORKLOADS)
        group = doc["counter"]["group"]
        out = os.path.join(tempfile.mkdtemp(), "pyperf.json")
        done = bench("--only", f"{group}/lock/", "--processes", "1", "--values", "1",
                     "--warmups", "0", "--loops", "1", "--quiet", "-o", out)
        self.assertEqual(done.returncode, 0, done.stderr)
        with open(out, encoding="utf-8") as f:
            pyperf_file = json.load(f)
        # pyperf hoists metadata every benchmark (or run) shares into the level above.
        one = pyperf_file["benchmarks"][0]
        found = {}
        for layer in (pyperf_file.get("metadata", {}), one.get("metadata", {}),
                      *(run.get("metadata", {}) for run in one["runs"])):
            found.update(layer)
        self.assertEqual(found.get("cb_kind"), "thread")
        self.assertIn(found.get("cb_gil"), ("enabled", "disabled"))
        self.assertEqual(found.get("cb_interpreter"), bench_py.interpreter())
        self.assertEqual(found.get("cb_build"), bench_py.build())
        self.assertEqual(json.loads(found["cb_absent"]), bench_py.absent(doc))

    def test_absent_rows_say_why_and_are_not_run(self):
        doc = cb_workloads.load(WORKLOADS)
        names = {name for name, _, _, _ in bench_py.benchmarks(doc, "")}
        rows = bench_py.absent(doc)
        for row in rows:
            self.assertTrue(row["why"], row)
            self.assertFalse(any(f"{row['rows']}/" in n for n in names), row)
        has_pool = hasattr(concurrent.futures, "InterpreterPoolExecutor")
        pool_rows = [n for n in names if "/interpreter-pool-executor/" in n]
        self.assertEqual(bool(pool_rows), has_pool)
        if not has_pool:
            self.assertIn({"rows": "interpreter-pool-executor",
                           "why": "needs concurrent.futures.InterpreterPoolExecutor "
                                  "(Python 3.14 or newer)"}, rows)
        self.assertRegex(bench_py.interpreter(), r"^3\.\d+t?$")

    def test_a_bad_workloads_file_is_one_line_naming_it(self):
        done = subprocess.run([sys.executable, os.path.join(HERE, "bench.py"),
                               "--workloads", __file__, "--check"],
                              capture_output=True, text=True, timeout=60)
        self.assertEqual(done.returncode, 3)
        self.assertIn(f"{__file__}: not valid JSON", done.stderr)


if __name__ == "__main__":
    unittest.main()
