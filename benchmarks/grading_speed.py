"""Grading the 12 solution notebooks against merely executing them.

    python benchmarks/grading_speed.py [--rounds 3]

For each round, in this order: every notebook of ``solutions/`` executed one after the other
with ``jupyter nbconvert --to notebook --execute`` (the output is thrown away), then the same
notebooks graded one after the other (``mlpbook grade --jobs 1``, one process for all of them, as
an instructor runs it). Prints both wall times per round, their ratio (the target is below 1/3),
the median ratio, the machine's load, and the BLAS library, kernel and thread count.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import threadpoolctl

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))


def blas() -> str:
    np.ones((64, 64)) @ np.ones((64, 64))
    info = [i for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
    return ", ".join(f"{i['internal_api']} {i.get('version')} kernel {i.get('architecture')}, "
                     f"{i['num_threads']} threads" for i in info)


def execute_all() -> float:
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as out:
        for nb in SOLUTIONS:
            subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook",
                            "--execute", "--output-dir", out, str(nb)], check=True,
                           capture_output=True, cwd=ROOT)
    return time.perf_counter() - start


def grade_all() -> float:
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as out:
        report = Path(out) / "grades.json"
        proc = subprocess.run([sys.executable, "-m", "mlpbook.cli", "grade", *map(str, SOLUTIONS),
                               "--jobs", "1", "--json", str(report)],
                              capture_output=True, text=True, cwd=ROOT)
        elapsed = time.perf_counter() - start
        scores = [(s["score"], s["max_score"]) for s in
                  json.loads(report.read_text())["submissions"]] if report.exists() else []
    if proc.returncode != 0 or len(scores) != len(SOLUTIONS) or any(a != b for a, b in scores):
        sys.exit(f"grading the solutions did not give full marks:\n{proc.stdout}{proc.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"{len(SOLUTIONS)} solution notebooks; BLAS: {blas()}")
    ratios = []
    for r in range(args.rounds):
        load = os.getloadavg()[0]
        executed, graded = execute_all(), grade_all()
        ratios.append(graded / executed)
        print(f"round {r + 1}: nbconvert --execute {executed:6.1f} s, mlpbook grade "
              f"{graded:6.1f} s, ratio {graded / executed:.2f} (load {load:.1f})")
    print(f"median ratio {statistics.median(ratios):.2f} [{min(ratios):.2f}-{max(ratios):.2f}] "
          "(target < 0.33)")


if __name__ == "__main__":
    main()
