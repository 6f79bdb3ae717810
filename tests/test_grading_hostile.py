"""Hostile submissions (tests/fixtures/submissions, written by build_submissions.py) get the
right status for every question, never stop the batch, are never modified, and leave nothing
behind; each class of attack has its own test below, or in test_grading_hostile_alone.py where
it is graded alone (the fixtures and expectations are in tests/hostile.py).

The batch is graded from a copy that everyone may read, so that the submissions attacking other
files find them readable and are stopped by the sandbox alone. As root (here and in CI) each
sandbox runs under an id of its own in a file system of its own; as an ordinary user the grader
cannot protect everything, and the tests say what then differs (see ``hostile.DROPPED``).

Time limits in these tests are CPU time: a cell that loops uses its 2 s and the start-up reserve
(2 s here) whatever the load of the machine, and one that sleeps is stopped by the wall-clock
backstop. The memory bombs allocate at least 128 MB per step, so that they reach the limit in a
few steps."""

import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
from hostile import (
    CGROUP,
    DROPPED,
    EXPECTED,
    MEMORY_MB,
    NAMESPACES,
    ORDER,
    SET,
    SUBMISSIONS,
    VICTIMS,
    digests,
    fill,
    leftovers,
    remove_leftovers,
)

from mlpbook.cli import main
from mlpbook.grading.isolation import SLOTS, UID_BASE


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
    shared = top / "shared"  # where the code planted by startup_files could leave its mark
    shared.mkdir()
    for path in [batch, reports, *batch.iterdir(), *targets]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    shared.chmod(0o777)
    fill(batch / "touches_other_files.ipynb", TARGETS=[str(t) for t in targets])
    fill(batch / "startup_files.ipynb", MARKER=str(shared / "marker"))
    return top, batch, targets


def own_processes() -> list[int]:
    """Live processes under the ids of this process's sandboxes (not zombies: those are dead,
    and wait for the machine's init, their new parent, to collect them)."""
    first = UID_BASE + SLOTS * os.getpid()
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and first <= entry.stat().st_uid < first + SLOTS and \
                    "\nState:\tZ" not in (entry / "status").read_text():
                found.append(int(entry.name))
        except OSError:
            pass
    return found


@pytest.fixture(scope="module")
def graded():
    top, batch, targets = readable_copy()
    out = top / "reports"
    try:
        before, earlier = digests(batch), (out / "earlier-report.json").read_bytes()
        start = time.monotonic()
        code = main(["grade", str(batch), "--set", SET, "--timeout", "2", "--reserve", "2",
                     "--memory", str(MEMORY_MB), "--jobs", "2", "--json", str(out / "r.json"),
                     "--csv", str(out / "r.csv")])
        elapsed = time.monotonic() - start
        report = json.loads((out / "r.json").read_text())
        results = {Path(r["submission"]).stem: r for r in report["submissions"]}
        yield {"code": code, "elapsed": elapsed, "before": before, "after": digests(batch),
               "results": results, "csv": (out / "r.csv").read_text(), "targets": targets,
               "earlier": (earlier, (out / "earlier-report.json").read_bytes()),
               "report": report, "left": leftovers(), "processes": own_processes(),
               "marker": top / "shared" / "marker"}
    finally:
        remove_leftovers(leftovers())
        shutil.rmtree(top)


def cell_errors(graded, name):
    return {e["first_line"]: e["error"] for e in graded["results"][name]["cell_errors"]}


def messages(graded, name):
    return {q["name"]: q["message"] for q in graded["results"][name]["questions"]}


def test_every_fixture_is_expected():
    assert {p.stem for p in SUBMISSIONS.glob("*.ipynb")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_statuses_and_score(graded, name):
    statuses, score = EXPECTED[name]
    r = graded["results"][name]
    assert [q["status"] for q in r["questions"]] == statuses.split()
    assert [q["name"] for q in r["questions"]] == list(ORDER)
    assert r["score"] == score and r["max_score"] == 13
    assert all(q["points"] == (q["max_points"] if q["status"] == "passed" else 0)
               for q in r["questions"])


def test_the_batch_finishes_and_the_files_are_untouched(graded):
    assert graded["code"] == 0
    assert graded["after"] == graded["before"]  # nothing changed, removed, moved or planted
    for name, r in graded["results"].items():
        assert r["sha256"] == graded["before"][f"{name}.ipynb"]
    assert graded["elapsed"] < 150
    assert not np.allclose(1.0, 2.0)  # the monkeypatching stayed in its sandbox
    found = graded["report"]["sandbox"]["protections"]
    assert found["own_user"] is DROPPED
    assert (found["cgroup"] is not None) is CGROUP


def test_a_submission_cannot_read_or_change_files_outside_its_sandbox(graded):
    errors = cell_errors(graded, "touches_other_files")
    attacks = ["# read them (they are readable by everyone)", "# overwrite", "# delete",
               "# move away", "# make writable for everyone",
               "# plant a new submission next to them"]
    n = len(graded["targets"])
    if NAMESPACES or DROPPED:
        refused = {a: f"PermissionError: {n} of {n} refused" for a in attacks}
        if not NAMESPACES:  # files everyone may read stay readable under an id of its own
            del refused["# read them (they are readable by everyone)"]
        assert errors == refused
        earlier_before, earlier_after = graded["earlier"]
        assert earlier_after == earlier_before
        assert all(t.exists() for t in graded["targets"])
    else:  # a known limitation: without namespaces and root the sandbox has the grader's rights
        assert "# overwrite" not in errors and "# delete" not in errors
        assert not any(t.exists() for t in graded["targets"])


def test_code_planted_for_the_next_start_never_runs_with_privileges(graded):
    """Class 1: modules and site hooks planted where the sandbox's start-up could find them
    (its working directory above all) are never imported by the restarted sandbox before it
    drops its privileges: the planted code never records user id 0, and with a file system of
    its own it cannot even reach the marker."""
    errors = cell_errors(graded, "startup_files")
    assert errors["os._exit(0)  # the grader starts a new sandbox"].startswith("crashed")
    planted = errors["# plant everywhere possible"]
    assert planted.startswith("PermissionError: ") and " refused; planted in " in planted
    written = graded["marker"].read_text().split() if graded["marker"].exists() else []
    assert "0" not in written
    if NAMESPACES:
        assert written == []
        # only in its private working directory, which the next start does not see
        assert planted.endswith("planted in ['/tmp/work', '/tmp/work/.local/lib/python"
                                f"{sys.version_info[0]}.{sys.version_info[1]}/site-packages']")


def test_forged_reports_earn_nothing(graded):
    """Class 3: the right answers written to every file descriptor, in every format, with guessed
    tokens, before the grader asks; a question whose function is not defined at the top level is
    missing whatever the sandbox writes, and the rest score what the functions earn."""
    found = messages(graded, "forged_reports")
    assert found["perceptron_update"] == ("not attempted: no function named perceptron_update "
                                          "is defined at the top level of the notebook")
    assert found["sigmoid"].startswith("public case 1 of 6")  # the wrong sigmoid, judged
    errors = cell_errors(graded, "forged_reports")
    assert errors == {"forge()": "timeout: still running after 4 s of CPU time; skipped"}


def test_judging_a_huge_integer_costs_only_its_question(graded):
    """Class 2: 10**400 where a number is expected is refused when it is decoded."""
    found = messages(graded, "huge_integer")
    assert found["perceptron_update"].endswith(
        "returned an integer of more than 64 bits, which cannot be graded")
    assert graded["results"]["huge_integer"]["error"] is None


def test_nothing_of_a_sandbox_remains(graded):
    """Class 5: no System V object, no file in /tmp, /var/tmp or /dev/shm, no process."""
    assert graded["left"] == {"ipc": [], "files": [], "processes": []}
    assert graded["processes"] == []


def test_one_memory_budget_for_all_processes(graded):
    """Class 5: four children of 200 MB each never hold more than the 512 MB budget together (a
    cgroup, or a process limit times the per-process limit), or the budget ended the cell."""
    error = cell_errors(graded, "leaves_resources")["def hold(n=4, mb=200):"]
    if error.startswith("crashed"):  # the kernel chose the sandbox itself to stop
        return
    holders = int(error.removeprefix("RuntimeError: ").split()[0])
    assert error == f"RuntimeError: {holders} of 4 children held 200 MB at the same time"
    found = graded["report"]["sandbox"]["protections"]
    if found["cgroup"] is None and found["processes"] is None:
        # as an ordinary user memory is limited per process only (and the grader says so)
        assert holders == 4
    else:
        assert holders * 200 <= MEMORY_MB


def test_hanging_cells_and_answers_are_cut_off(graded):
    assert cell_errors(graded, "infinite_loop_cell") == {
        "while True:": "timeout: still running after 4 s of CPU time; skipped"}
    found = messages(graded, "infinite_loop_answer")
    assert found["perceptron_update"] == "waited for 10 s without computing (sleeping or " \
                                         "blocked?)"
    assert found["sigmoid"] == "did not return within 2 s (an infinite loop?)"


def test_crashes_cost_only_their_cell_or_question(graded):
    errors = cell_errors(graded, "crashes")
    assert set(errors) == {"os._exit(0)", "ctypes.string_at(0)"}
    assert all(e.startswith("crashed: its process died") for e in errors.values())
    found = messages(graded, "crashes")
    assert found["logistic_gradient"].startswith("the answer ended its process (exited with "
                                                 "code 3)")
    assert found["perceptron_update"] == "the answer's process was killed by signal SIGSEGV"
    # the line of the answer that raised follows the exception
    assert found["xor_weights"].splitlines()[-2:] == ["raised SystemExit: 0",
                                                      "  at line 2 of xor_weights: sys.exit(0)"]


def test_memory_bombs_hit_the_limit(graded):
    errors = cell_errors(graded, "memory_bomb")
    assert errors["hog = np.ones((1 << 17, 1 << 17))"].startswith("MemoryError")
    assert errors["blocks = []"].startswith("MemoryError")
    assert "raised MemoryError" in messages(graded, "memory_bomb")["sigmoid"]


def test_raising_cells_cost_only_what_they_define(graded):
    assert sorted(cell_errors(graded, "raising_cells").values()) == [
        "RuntimeError: stop", "SyntaxError: invalid syntax (<cell 6>, line 8)", "SystemExit: None",
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
    # (a question with partial credit records its points as a float: 6.0)
    scores = {Path(r.split(",")[0]).stem: float(r.split(",")[2]) for r in rows[1:]}
    assert scores == {name: score for name, (_, score) in EXPECTED.items()}


