"""Scores do not depend on the load of the machine (class 8): the chapter-12 solution, whose
first cell imports scikit-learn (about 1.7 s of CPU time), scores full marks at ``--timeout 2``
with a CPU-burning process beside the grader, both on one CPU (so that the sandbox gets half of
it at most, however many cores the machine has). Limits count CPU time, cells have a start-up
reserve, and time spent waiting for a CPU is not counted as waiting."""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

SOLUTION = Path(__file__).resolve().parents[1] / "solutions" / "12_case_studies.ipynb"
BURN = "while True:\n    pass"
CPU = min(os.sched_getaffinity(0))


def on_one_cpu():
    os.sched_setaffinity(0, {CPU})  # inherited by the grader's sandboxes


def test_the_chapter_12_solution_scores_full_marks_on_a_busy_machine():
    burners = [subprocess.Popen([sys.executable, "-c", BURN], preexec_fn=on_one_cpu)]
    try:
        with tempfile.TemporaryDirectory() as out:
            report = Path(out) / "r.json"
            proc = subprocess.run([sys.executable, "-m", "mlpbook.cli", "grade", str(SOLUTION),
                                   "--timeout", "2", "--json", str(report)],
                                  capture_output=True, text=True, timeout=600,
                                  preexec_fn=on_one_cpu)
            assert proc.returncode == 0, proc.stderr
            [r] = json.loads(report.read_text())["submissions"]
    finally:
        for b in burners:
            b.kill()
            b.wait()
    assert r["cell_errors"] == []
    assert [q["status"] for q in r["questions"]] == ["passed"] * 4
    assert r["score"] == r["max_score"] == 9
