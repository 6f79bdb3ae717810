"""Hostile submissions (tests/fixtures/submissions, written by build_submissions.py) get the
right status for every question, never stop the batch, and are never modified."""

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest

from mlpbook.cli import main
from mlpbook.grading.runner import isolation

SUBMISSIONS = Path(__file__).resolve().parent / "fixtures" / "submissions"
SET = "01_perceptron_to_logistic_regression"
ORDER = ("perceptron_update", "sigmoid", "logistic_gradient", "logistic_regression_step",
         "xor_weights")

# fixture: (statuses in ORDER, score out of 11)
EXPECTED = {
    "background_work": ("missing passed missing missing passed", 4),
    "crashes": ("error passed error passed error", 5),
    "deleted_check_cells": ("passed passed failed missing passed", 6),
    "duplicated_cells": ("passed failed missing missing passed", 4),
    "edited_check_cells": ("failed failed missing missing missing", 0),
    "empty_notebook": ("missing missing missing missing missing", 0),
    "fake_output": ("missing failed missing missing missing", 0),
    "infinite_loop_answer": ("timeout timeout passed passed passed", 7),
    "infinite_loop_cell": ("passed passed passed passed passed", 11),
    "memory_bomb": ("passed error passed passed passed", 9),
    "monkeypatch": ("failed failed missing missing missing", 0),
    "not_a_notebook": ("error error error error error", 0),
    "raising_cells": ("passed missing passed missing passed", 6),
    "truncated": ("error error error error error", 0),
    "unsendable_results": ("error error missing missing failed", 0),
}


def digests() -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(SUBMISSIONS.iterdir())}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    out = tmp_path_factory.mktemp("hostile")
    before = digests()
    start = time.monotonic()
    code = main(["grade", str(SUBMISSIONS), "--set", SET, "--timeout", "2", "--memory", "512",
                 "--jobs", "2", "--json", str(out / "r.json"), "--csv", str(out / "r.csv")])
    elapsed = time.monotonic() - start
    report = json.loads((out / "r.json").read_text())
    results = {Path(r["submission"]).stem: r for r in report["submissions"]}
    return {"code": code, "elapsed": elapsed, "before": before, "after": digests(),
            "results": results, "csv": (out / "r.csv").read_text()}


def test_every_fixture_is_expected():
    assert {p.stem for p in SUBMISSIONS.glob("*.ipynb")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_statuses_and_score(graded, name):
    statuses, score = EXPECTED[name]
    r = graded["results"][name]
    assert [q["status"] for q in r["questions"]] == statuses.split()
    assert [q["name"] for q in r["questions"]] == list(ORDER)
    assert r["score"] == score and r["max_score"] == 11
    assert all(q["points"] == (q["max_points"] if q["status"] == "passed" else 0)
               for q in r["questions"])


def test_the_batch_finishes_and_the_files_are_untouched(graded):
    assert graded["code"] == 0
    assert graded["after"] == graded["before"]
    for name, r in graded["results"].items():
        assert r["sha256"] == graded["before"][f"{name}.ipynb"]
    # two hanging answers and one hanging cell, 2 s each, graded two at a time
    assert graded["elapsed"] < 60
    assert not np.allclose(1.0, 2.0)  # the monkeypatching stayed in its sandbox


def cell_errors(graded, name):
    return {e["first_line"]: e["error"] for e in graded["results"][name]["cell_errors"]}


def messages(graded, name):
    return {q["name"]: q["message"] for q in graded["results"][name]["questions"]}


def test_hanging_cells_and_answers_are_cut_off(graded):
    assert cell_errors(graded, "infinite_loop_cell") == {
        "while True:": "timeout: still running after 2 s; skipped"}
    found = messages(graded, "infinite_loop_answer")
    assert found["perceptron_update"] == found["sigmoid"] == \
        "did not return within 2 s (an infinite loop?)"


def test_crashes_cost_only_their_cell_or_question(graded):
    errors = cell_errors(graded, "crashes")
    assert set(errors) == {"os._exit(0)", "ctypes.string_at(0)"}
    assert all(e.startswith("crashed: its process died") for e in errors.values())
    found = messages(graded, "crashes")
    assert found["logistic_gradient"].startswith("the answer ended its process (exited with "
                                                 "code 3)")
    assert found["perceptron_update"] == "the answer's process was killed by signal SIGSEGV"
    assert found["xor_weights"].endswith("raised SystemExit: 0")


def test_memory_bombs_hit_the_limit(graded):
    errors = cell_errors(graded, "memory_bomb")
    assert errors["hog = np.ones((1 << 17, 1 << 17))"].startswith("MemoryError")
    assert errors["blocks = []"].startswith("MemoryError")
    assert "raised MemoryError" in messages(graded, "memory_bomb")["sigmoid"]


def test_raising_cells_cost_only_what_they_define(graded):
    assert sorted(cell_errors(graded, "raising_cells").values()) == [
        "RuntimeError: stop", "SyntaxError: invalid syntax (<cell>, line 8)", "SystemExit: None",
        "ZeroDivisionError: division by zero"]


def test_a_big_file_and_a_spinning_thread_cost_nothing_else(graded):
    assert cell_errors(graded, "background_work") == {
        "with open('big.bin', 'wb') as f:": "OSError: [Errno 27] File too large"}


def test_unreadable_files_are_reported(graded):
    for name, words in (("not_a_notebook", "not a notebook: invalid JSON"),
                        ("truncated", "truncated or malformed notebook: invalid JSON")):
        r = graded["results"][name]
        assert r["error"].startswith(words)
        assert all(q["message"] == r["error"] for q in r["questions"])


def test_unsendable_results_are_errors_with_a_reason(graded):
    found = messages(graded, "unsendable_results")
    assert found["sigmoid"].endswith("returned a value of type generator, which cannot be graded")
    assert "array of dtype object" in found["perceptron_update"]
    assert found["xor_weights"].endswith("expected 4 arrays (W1, b1, W2, b2)")


def test_csv_has_one_row_per_submission(graded):
    rows = graded["csv"].splitlines()
    assert rows[0].startswith("submission,set,score,max_score,error,01.perceptron_update,"
                              "01.perceptron_update status,01.sigmoid,")
    assert len(rows) == 1 + len(EXPECTED)
    scores = {Path(r.split(",")[0]).stem: int(r.split(",")[2]) for r in rows[1:]}
    assert scores == {name: score for name, (_, score) in EXPECTED.items()}


def grade_in_subprocess(tmp_path, paths, **env) -> tuple[int, dict]:
    out = tmp_path / "report.json"
    proc = subprocess.run(
        [sys.executable, "-m", "mlpbook.cli", "grade", *map(str, paths), "--set", SET,
         "--timeout", "2", "--memory", "512", "--jobs", "2", "--json", str(out)],
        env={**os.environ, **env}, capture_output=True, timeout=120)
    report = json.loads(out.read_text()) if out.exists() else {}
    return proc.returncode, report


def test_plain_child_processes_grade_the_same_as_namespaces(tmp_path):
    names = ["crashes", "infinite_loop_answer", "monkeypatch", "memory_bomb", "fake_output"]
    code, report = grade_in_subprocess(tmp_path, [SUBMISSIONS / f"{n}.ipynb" for n in names],
                                       MLPBOOK_GRADER_NAMESPACES="0")
    assert code == 0 and report["sandbox"]["isolation"] == "process"
    for r in report["submissions"]:
        statuses, score = EXPECTED[Path(r["submission"]).stem]
        assert [q["status"] for q in r["questions"]] == statuses.split()
        assert r["score"] == score


def test_a_submission_cannot_signal_the_grader(tmp_path):
    """Where namespaces are available the sandbox sees no other process; where they are not,
    this documents that a submission can kill the grader's process (a known limitation)."""
    path = tmp_path / "signals.ipynb"
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import os\nimport signal\n\n"
                                  "os.kill(os.getppid(), signal.SIGKILL)"),
        nbformat.v4.new_code_cell("def xor_weights():\n    import numpy as np\n"
                                  "    return (np.ones((2, 2)), np.array([-0.5, -1.5]), "
                                  "np.array([[1.0, -1.0]]), np.array([-0.5]))")])
    nbformat.write(nb, path)
    code, report = grade_in_subprocess(tmp_path, [path])
    if isolation() == "namespaces":
        assert code == 0
        [r] = report["submissions"]
        assert r["score"] == 2 and r["questions"][-1]["status"] == "passed"
    else:
        assert code == -9 and report == {}
