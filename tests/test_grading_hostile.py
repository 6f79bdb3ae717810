"""Hostile submissions (tests/fixtures/submissions, written by build_submissions.py) get the
right status for every question, never stop the batch, and are never modified.

The batch is graded from a copy that everyone may read, so that the submission attacking other
files reaches them and is stopped by file ownership alone. As root (here and in CI) each sandbox
runs under an id of its own; as an ordinary user the grader cannot protect the user's files, and
the tests say so instead (see ``DROPPED``)."""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest

from mlpbook.cli import main
from mlpbook.grading.runner import UID_BASE, isolation, privileges_dropped

SUBMISSIONS = Path(__file__).resolve().parent / "fixtures" / "submissions"
SET = "01_perceptron_to_logistic_regression"
ORDER = ("perceptron_update", "sigmoid", "logistic_gradient", "logistic_regression_step",
         "xor_weights")
DROPPED = privileges_dropped()  # the grader runs as root: sandboxes under their own ids

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
    "touches_other_files": ("missing passed missing missing passed", 4),
    # the fork bomb in `sigmoid` runs into the process limit where there is one
    "fork_bomb": (f"passed {'error' if DROPPED else 'passed'} missing missing passed",
                  4 if DROPPED else 6),
}

# what touches_other_files attacks in the batch copy: two other submissions and an earlier report
# as root; files of its own kind (not part of the batch) otherwise, which it then does change
VICTIMS = ("crashes.ipynb", "empty_notebook.ipynb")


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def readable_copy() -> tuple[Path, Path, list[Path]]:
    """A copy of the fixtures in a folder everyone may enter and read (not write), an earlier
    report beside it, and the attacked paths filled into touches_other_files."""
    top = Path(tempfile.mkdtemp(prefix="mlpbook-hostile-"))
    top.chmod(0o755)
    batch, reports = top / "submissions", top / "reports"
    shutil.copytree(SUBMISSIONS, batch)
    reports.mkdir()
    earlier = reports / "earlier-report.json"
    earlier.write_text('{"earlier": "report"}\n')
    if DROPPED:
        targets = [batch / v for v in VICTIMS] + [earlier]
    else:
        (top / "decoys").mkdir()
        targets = [top / "decoys" / f"decoy{i}.txt" for i in range(3)]
        for t in targets:
            t.write_text("decoy\n")
    for path in [batch, reports, *batch.iterdir(), *targets]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    attacker = batch / "touches_other_files.ipynb"
    attacker.write_text(attacker.read_text().replace(
        "TARGETS = []", f"TARGETS = {[str(t) for t in targets]!r}"))
    return top, batch, targets


@pytest.fixture(scope="module")
def graded():
    top, batch, targets = readable_copy()
    out = top / "reports"
    try:
        before, earlier = digests(batch), (out / "earlier-report.json").read_bytes()
        start = time.monotonic()
        code = main(["grade", str(batch), "--set", SET, "--timeout", "2", "--memory", "512",
                     "--jobs", "2", "--json", str(out / "r.json"), "--csv", str(out / "r.csv")])
        elapsed = time.monotonic() - start
        report = json.loads((out / "r.json").read_text())
        results = {Path(r["submission"]).stem: r for r in report["submissions"]}
        yield {"code": code, "elapsed": elapsed, "before": before, "after": digests(batch),
               "results": results, "csv": (out / "r.csv").read_text(), "targets": targets,
               "earlier": (earlier, (out / "earlier-report.json").read_bytes()),
               "report": report}
    finally:
        shutil.rmtree(top)


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
    assert graded["after"] == graded["before"]  # nothing changed, removed, moved or planted
    for name, r in graded["results"].items():
        assert r["sha256"] == graded["before"][f"{name}.ipynb"]
    # two hanging answers and one hanging cell, 2 s each, graded two at a time
    assert graded["elapsed"] < 60
    assert not np.allclose(1.0, 2.0)  # the monkeypatching stayed in its sandbox
    assert graded["report"]["sandbox"]["own_user"] is DROPPED


def test_a_submission_cannot_change_files_it_does_not_own(graded):
    errors = cell_errors(graded, "touches_other_files")
    attacks = ["# overwrite", "# delete", "# move away", "# make writable for everyone",
               "# plant a new submission next to them"]
    if DROPPED:
        n = len(graded["targets"])
        assert errors == {**{a: f"PermissionError: {n} of {n} refused" for a in attacks},
                          "# the grader's job file next to the working directory":
                          "PermissionError: [Errno 13] Permission denied: '../job.json'"}
        earlier_before, earlier_after = graded["earlier"]
        assert earlier_after == earlier_before
        assert all(t.exists() for t in graded["targets"])
    else:  # a known limitation: without root the sandbox has the grader's rights
        assert "# overwrite" not in errors and "# delete" not in errors
        assert not any(t.exists() for t in graded["targets"])


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


def grade_in_subprocess(tmp_path, paths, timeout=120, **env) -> tuple[int, dict]:
    out = tmp_path / "report.json"
    proc = subprocess.run(
        [sys.executable, "-m", "mlpbook.cli", "grade", *map(str, paths), "--set", SET,
         "--timeout", "2", "--memory", "512", "--jobs", "2", "--json", str(out)],
        env={**os.environ, **env}, capture_output=True, timeout=timeout)
    report = json.loads(out.read_text()) if out.exists() else {}
    return proc.returncode, report


def test_a_fork_bomb_is_stopped_by_the_process_limit(tmp_path):
    """Graded alone, in a child process with a short time limit of its own: where a process
    limit applies, the cell's fork bomb stops with an error, the one in `sigmoid` costs only that
    question, and what the bomb left running is gone before the next question."""
    start = time.monotonic()
    code, report = grade_in_subprocess(tmp_path, [SUBMISSIONS / "fork_bomb.ipynb"], timeout=60)
    assert code == 0 and time.monotonic() - start < 30
    [r] = report["submissions"]
    statuses, score = EXPECTED["fork_bomb"]
    assert [q["status"] for q in r["questions"]] == statuses.split() and r["score"] == score
    errors = {e["first_line"]: e["error"] for e in r["cell_errors"]}
    if DROPPED:
        assert errors == {"spawn()": "BlockingIOError: [Errno 11] Resource temporarily "
                                     "unavailable"}
        assert r["questions"][1]["message"].endswith(
            "raised BlockingIOError: [Errno 11] Resource temporarily unavailable")
    else:
        assert errors == {}


def test_plain_child_processes_grade_the_same_as_namespaces(tmp_path):
    names = ["crashes", "infinite_loop_answer", "monkeypatch", "memory_bomb", "fake_output",
             "fork_bomb"]
    code, report = grade_in_subprocess(tmp_path, [SUBMISSIONS / f"{n}.ipynb" for n in names],
                                       MLPBOOK_GRADER_NAMESPACES="0")
    assert code == 0 and report["sandbox"]["isolation"] == "process"
    for r in report["submissions"]:
        statuses, score = EXPECTED[Path(r["submission"]).stem]
        assert [q["status"] for q in r["questions"]] == statuses.split()
        assert r["score"] == score


@pytest.mark.parametrize("namespaces", ["1", "0"])
def test_a_submission_cannot_signal_the_grader(tmp_path, namespaces):
    """Where namespaces are available the sandbox sees no other process, and under an id of its
    own it may not signal the grader's; with neither, this documents that a submission can kill
    the grader's process (a known limitation)."""
    path = tmp_path / "signals.ipynb"
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import os\nimport signal\n\n"
                                  "os.kill(os.getppid(), signal.SIGKILL)"),
        nbformat.v4.new_code_cell("def xor_weights():\n    import numpy as np\n"
                                  "    return (np.ones((2, 2)), np.array([-0.5, -1.5]), "
                                  "np.array([[1.0, -1.0]]), np.array([-0.5]))")])
    nbformat.write(nb, path)
    code, report = grade_in_subprocess(tmp_path, [path], MLPBOOK_GRADER_NAMESPACES=namespaces)
    if (namespaces == "1" and isolation() == "namespaces") or DROPPED:
        assert code == 0
        [r] = report["submissions"]
        assert r["score"] == 2 and r["questions"][-1]["status"] == "passed"
    else:
        assert code == -9 and report == {}


def test_sandboxes_run_under_ids_of_their_own(tmp_path):
    """Two submissions graded side by side report the ids they run under (in an error message,
    the one channel an answer has to the report)."""
    code = ("import os\nimport resource\n\n\ndef sigmoid(z):\n"
            "    nproc = resource.getrlimit(resource.RLIMIT_NPROC)[0]\n"
            "    ids = [*os.getresuid(), *os.getresgid(), len(os.getgroups()), nproc]\n"
            "    raise ValueError(' '.join(map(str, ids)))")
    paths = []
    for name in ("ann", "bob"):
        paths.append(tmp_path / f"{name}.ipynb")
        nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)]),
                       paths[-1])
    exit_code, report = grade_in_subprocess(tmp_path, paths)
    assert exit_code == 0
    seen = []
    for r in report["submissions"]:
        message = r["questions"][1]["message"]
        *ids, groups, nproc = map(int, message.split("raised ValueError: ")[1].split())
        seen.append(ids[0])
        if DROPPED:
            assert len(set(ids)) == 1 and ids[0] >= UID_BASE  # uid = gid, real = saved
            assert groups == 0 and nproc == 64
        else:
            assert nproc != 64 or resource_limit() == 64  # no limit of the grader's own
    if DROPPED:
        assert seen[0] != seen[1]  # one id for each sandbox running at the same time


def resource_limit() -> int:
    import resource

    return resource.getrlimit(resource.RLIMIT_NPROC)[0]


@pytest.mark.parametrize("namespaces", ["1", "0"])
def test_a_cell_that_leaves_its_process_group_does_not_survive(tmp_path, namespaces):
    """A hanging cell that calls setsid, and whose child does, escapes the process group the
    runner kills; the PID namespace (everything dies with its first process, which dies with
    unshare) or the sandbox's own id (all its processes are killed) still ends it. With neither,
    this documents that it survives (for the 30 s it gives itself)."""
    beats = Path(tempfile.mkdtemp(prefix="mlpbook-beats-"))
    beats.chmod(0o777)
    try:
        heartbeat = beats / "heartbeat"
        code = ("import os\nimport time\n\ntry:\n    os.setsid()  # fails for a group leader\n"
                "except OSError:\n    pass\nif os.fork() == 0:\n    os.setsid()\n"
                "    end = time.time() + 30\n    while time.time() < end:\n"
                f"        with open({str(heartbeat)!r}, 'a') as f:\n            f.write('.')\n"
                "        time.sleep(0.02)\n    os._exit(0)\nwhile True:\n    time.sleep(1)")
        path = tmp_path / "escape.ipynb"
        nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)]), path)
        exit_code, report = grade_in_subprocess(tmp_path, [path],
                                                MLPBOOK_GRADER_NAMESPACES=namespaces)
        assert exit_code == 0
        [r] = report["submissions"]
        assert r["cell_errors"][0]["error"] == "timeout: still running after 2 s; skipped"
        size = heartbeat.stat().st_size
        time.sleep(0.5)
        stopped = heartbeat.stat().st_size == size
        assert size > 0 and stopped is ((namespaces == "1" and isolation() == "namespaces")
                                        or DROPPED)
    finally:
        shutil.rmtree(beats)
