"""Hostile submissions (tests/fixtures/submissions, written by build_submissions.py) get the
right status for every question, never stop the batch, are never modified, and leave nothing
behind; each class of attack has its own test below.

The batch is graded from a copy that everyone may read, so that the submissions attacking other
files find them readable and are stopped by the sandbox alone. As root (here and in CI) each
sandbox runs under an id of its own in a file system of its own; as an ordinary user the grader
cannot protect everything, and the tests say what then differs (see ``DROPPED``).

Time limits in these tests are CPU time: a cell that loops uses its 2 s and the start-up reserve
whatever the load of the machine, and one that sleeps is stopped by the wall-clock backstop. The
memory bombs allocate at least 128 MB per step, so that they reach the limit in a few steps."""

import ctypes
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest

from mlpbook.cli import main
from mlpbook.grading.isolation import SLOTS, UID_BASE, cgroup_support, namespace_prefix, own_uid

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SUBMISSIONS = FIXTURES / "submissions"
SET = "01_perceptron_to_logistic_regression"
ORDER = ("perceptron_update", "sigmoid", "logistic_gradient", "logistic_regression_step",
         "xor_weights")
DROPPED = own_uid()  # the grader runs as root: sandboxes under their own ids
NAMESPACES = bool(namespace_prefix())
CGROUP = cgroup_support()[0] is not None
KEY = 0x6D6C7062  # System V key of what leaves_resources creates
MEMORY_MB = 512

# fixture: (statuses in ORDER, score out of 11)
EXPECTED = {
    "background_work": ("missing passed missing missing passed", 4),
    "crashes": ("error passed error passed error", 5),
    "deleted_check_cells": ("passed passed failed missing passed", 6),
    "duplicated_cells": ("passed failed missing missing passed", 4),
    "edited_check_cells": ("failed failed missing missing missing", 0),
    "empty_notebook": ("missing missing missing missing missing", 0),
    "fake_output": ("missing failed missing missing missing", 0),
    "forged_reports": ("missing failed missing missing passed", 2),
    "huge_integer": ("error passed passed passed passed", 9),
    "infinite_loop_answer": ("timeout timeout passed passed passed", 7),
    "infinite_loop_cell": ("passed passed passed passed passed", 11),
    "leaves_resources": ("missing passed missing missing passed", 4),
    "memory_bomb": ("passed error passed passed passed", 9),
    "monkeypatch": ("failed failed missing missing missing", 0),
    "not_a_notebook": ("error error error error error", 0),
    "plants_report_links": ("missing passed missing missing missing", 2),
    "raising_cells": ("passed missing passed missing passed", 6),
    "startup_files": ("missing passed missing missing passed", 4),
    "truncated": ("error error error error error", 0),
    "unsendable_results": ("error error missing missing failed", 0),
    "touches_other_files": ("missing passed missing missing passed", 4),
    # the fork bomb in `sigmoid` runs into the process limit where there is one
    "fork_bomb": (f"passed {'error' if DROPPED else 'passed'} missing missing passed",
                  4 if DROPPED else 6),
}

# what touches_other_files attacks in the batch copy: two other submissions and an earlier report
# as root; files of its own kind (not part of the batch) otherwise
VICTIMS = ("crashes.ipynb", "empty_notebook.ipynb")


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def fill(notebook: Path, **values) -> None:
    """Fill the placeholders (``NAME = []`` or ``NAME = ""``) of a fixture's copy."""
    text = notebook.read_text()
    for name, value in values.items():
        empty = f"{name} = []" if isinstance(value, list) else f'{name} = \\"\\"'
        assert empty in text, f"{notebook.name} has no placeholder {name}"
        text = text.replace(empty, f"{name} = " + json.dumps(repr(value))[1:-1])
    notebook.write_text(text)


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


def leftovers() -> dict:
    """What leaves_resources leaves behind when it can: System V objects with its keys, files
    named mlpbook-leftover-*, and its `sleep 321.125`."""
    found = {"ipc": [], "files": [], "processes": []}
    for kind in ("shm", "msg", "sem"):
        with open(f"/proc/sysvipc/{kind}") as f:
            next(f)
            found["ipc"] += [kind for line in f if KEY <= int(line.split()[0]) <= KEY + 2]
    for d in ("/tmp", "/var/tmp", "/dev/shm"):
        found["files"] += [str(p) for p in Path(d).glob("mlpbook-leftover-*")]
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and b"321.125" in (entry / "cmdline").read_bytes():
                found["processes"].append(int(entry.name))
        except OSError:
            pass
    return found


def remove_leftovers(found: dict) -> None:
    """Clean up after a failing run (so that the next test starts clean)."""
    libc = ctypes.CDLL(None)
    for ident, remove in ((libc.shmget(KEY, 0, 0), lambda i: libc.shmctl(i, 0, None)),
                          (libc.msgget(KEY + 1, 0), lambda i: libc.msgctl(i, 0, None)),
                          (libc.semget(KEY + 2, 0, 0), lambda i: libc.semctl(i, 0, 0))):
        if ident >= 0:
            remove(ident)
    for f in found["files"]:
        Path(f).unlink(missing_ok=True)
    for pid in found["processes"]:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


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
        code = main(["grade", str(batch), "--set", SET, "--timeout", "2", "--memory",
                     str(MEMORY_MB), "--jobs", "2", "--json", str(out / "r.json"), "--csv",
                     str(out / "r.csv")])
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
    assert r["score"] == score and r["max_score"] == 11
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
    assert found["sigmoid"].startswith("case 1 of 5")  # the wrong sigmoid, judged
    errors = cell_errors(graded, "forged_reports")
    assert errors == {"forge()": "timeout: still running after 7 s of CPU time; skipped"}


def test_judging_a_huge_integer_costs_only_its_question(graded):
    """Class 2: 10**400 where a number is expected is refused when it is decoded."""
    found = messages(graded, "huge_integer")
    assert found["perceptron_update"].endswith(
        "returned an integer of more than 64 bits, which cannot be graded")
    assert graded["results"]["huge_integer"]["error"] is None


def test_judging_a_huge_answer_is_bounded(tmp_path):
    """Class 2: two million names, one of them twice, for set 07's topological order: judged in
    linear time (a count per name would take the grader about a day)."""
    start = time.monotonic()
    code, report = grade_in_subprocess(tmp_path, [FIXTURES / "other_sets" /
                                                  "huge_topological_order.ipynb"],
                                       timeout=240, set_name="07_automatic_differentiation",
                                       limit="20")
    assert code == 0 and time.monotonic() - start < 240
    [r] = report["submissions"]
    statuses = {q["name"]: (q["status"], q["message"]) for q in r["questions"]}
    status, message = statuses["topological_order"]
    assert status == "failed" and message.endswith("the order lists 'n0' more than once")
    assert r["score"] == 0 and r["error"] is None


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


@pytest.mark.skipif(not DROPPED, reason="the fallbacks of a grader running as root")
def test_without_namespaces_and_cgroup_nothing_remains_either(tmp_path):
    """Class 5, as root without namespaces (so without a private /tmp and IPC namespace) and
    without a cgroup: the grader removes what the sandbox's own id left, and the process limit
    keeps all processes within the memory budget."""
    try:
        code, report = grade_in_subprocess(tmp_path, [SUBMISSIONS / "leaves_resources.ipynb"],
                                           MLPBOOK_GRADER_NAMESPACES="0",
                                           MLPBOOK_GRADER_CGROUP="0")
        left = leftovers()
    finally:
        remove_leftovers(leftovers())
    assert code == 0 and left == {"ipc": [], "files": [], "processes": []}
    [r] = report["submissions"]
    found = report["sandbox"]["protections"]
    assert found["cgroup"] is None and found["processes"] * found["memory_mb"] <= MEMORY_MB
    errors = {e["first_line"]: e["error"] for e in r["cell_errors"]}
    holders = int(errors["def hold(n=4, mb=200):"].removeprefix("RuntimeError: ").split()[0])
    assert holders * 200 <= MEMORY_MB


@pytest.mark.parametrize("namespaces", ["1", "0"])
def test_reports_are_never_written_through_links(tmp_path, namespaces):
    """Class 4: the reports are written to a new file that replaces what is at their path."""
    code, victim, json_out, csv_out, links = report_links_checked(tmp_path, namespaces)
    assert victim == "root only\n"
    assert code == 0 and links == [False, False]
    assert json.loads(json_out)["submissions"][0]["score"] == 2
    assert csv_out.startswith("submission,set,score")


def report_links_checked(tmp_path, namespaces):
    """Grade plants_report_links with its reports in a folder everyone may write to: while it is
    graded it replaces them by links to a victim (a root-only file)."""
    shared = Path(tempfile.mkdtemp(prefix="mlpbook-reports-"))
    shared.chmod(0o777)
    try:
        victim = tmp_path / "victim.txt"
        victim.write_text("root only\n")
        victim.chmod(0o600)
        json_out, csv_out = shared / "r.json", shared / "r.csv"
        batch = tmp_path / "batch"
        batch.mkdir()
        shutil.copy(SUBMISSIONS / "plants_report_links.ipynb", batch)
        fill(batch / "plants_report_links.ipynb", REPORTS=[str(json_out), str(csv_out)],
             VICTIM=str(victim))
        proc = subprocess.run(
            [sys.executable, "-m", "mlpbook.cli", "grade", str(batch), "--timeout", "2",
             "--json", str(json_out), "--csv", str(csv_out)],
            env={**os.environ, "MLPBOOK_GRADER_NAMESPACES": namespaces}, capture_output=True,
            timeout=120)
        links = [p.is_symlink() for p in (json_out, csv_out)]
        texts = [p.read_text() if p.exists() and not p.is_symlink() else "{}"
                 for p in (json_out, csv_out)]
        return proc.returncode, victim.read_text(), texts[0], texts[1], links
    finally:
        shutil.rmtree(shared)


def test_hanging_cells_and_answers_are_cut_off(graded):
    assert cell_errors(graded, "infinite_loop_cell") == {
        "while True:": "timeout: still running after 7 s of CPU time; skipped"}
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


def grade_in_subprocess(tmp_path, paths, timeout=120, set_name=SET, limit="2",
                        **env) -> tuple[int, dict]:
    with tempfile.TemporaryDirectory(prefix="mlpbook-report-") as reports:
        out = Path(reports) / "report.json"  # not among the submissions (that is refused)
        proc = subprocess.run(
            [sys.executable, "-m", "mlpbook.cli", "grade", *map(str, paths), "--set", set_name,
             "--timeout", limit, "--memory", str(MEMORY_MB), "--jobs", "2", "--json", str(out)],
            env={**os.environ, **env}, capture_output=True, timeout=timeout)
        report = json.loads(out.read_text()) if out.exists() else {}
    return proc.returncode, report


def test_a_fork_bomb_is_stopped_by_the_process_limit(tmp_path):
    """Graded alone, in a child process with a short time limit of its own: where a process
    limit applies, the cell's fork bomb stops with an error, the one in `sigmoid` costs only that
    question, and what the bomb left running is gone before the next question."""
    start = time.monotonic()
    code, report = grade_in_subprocess(tmp_path, [SUBMISSIONS / "fork_bomb.ipynb"], timeout=60)
    assert code == 0 and time.monotonic() - start < 60
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
             "fork_bomb", "forged_reports"]
    code, report = grade_in_subprocess(tmp_path, [SUBMISSIONS / f"{n}.ipynb" for n in names],
                                       MLPBOOK_GRADER_NAMESPACES="0")
    assert code == 0 and report["sandbox"]["protections"]["namespaces"] == []
    for r in report["submissions"]:
        statuses, score = EXPECTED[Path(r["submission"]).stem]
        assert [q["status"] for q in r["questions"]] == statuses.split(), r
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
    if (namespaces == "1" and NAMESPACES) or DROPPED:
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
            assert groups == 0 and nproc == (64 if CGROUP else 2)
    if DROPPED:
        assert seen[0] != seen[1]  # one id for each sandbox running at the same time


def running(marker: str) -> list[int]:
    """The processes whose command line names ``marker`` or that hold a file named by it open
    (a forked process keeps the command line of the sandbox)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            held = [os.readlink(fd) for fd in (entry / "fd").iterdir()]
        except OSError:
            held = []
        try:
            if marker.encode() in (entry / "cmdline").read_bytes() or \
                    any(marker in h for h in held):
                found.append(int(entry.name))
        except OSError:
            pass
    return found


@pytest.mark.parametrize("namespaces", ["1", "0"])
def test_a_cell_that_leaves_its_process_group_does_not_survive(tmp_path, namespaces):
    """A hanging cell whose child leaves the process group (setsid) and runs on (running
    another program is refused in the sandbox, so the child is a fork that holds a file named
    by the marker open): the PID namespace (everything dies with its first process, which dies
    with unshare) or the sandbox's own id (all its processes are killed) ends it. With neither,
    this documents that it survives (for the 30 s it gives itself)."""
    marker = f"mlpbook-escape-{os.getpid()}"
    code = ("import os\nimport time\n\nif os.fork() == 0:\n    os.setsid()\n"
            f"    held = open('/tmp/{marker}', 'w')\n    end = time.time() + 30\n"
            "    while time.time() < end:\n        time.sleep(0.1)\n    os._exit(0)\n"
            "time.sleep(0.5)\nwhile True:\n    pass")
    path = tmp_path / "escape.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)]), path)
    try:
        exit_code, report = grade_in_subprocess(tmp_path, [path],
                                                MLPBOOK_GRADER_NAMESPACES=namespaces)
        left = running(marker)
    finally:
        for pid in running(marker):
            os.kill(pid, signal.SIGKILL)
    assert exit_code == 0
    [r] = report["submissions"]
    assert r["cell_errors"][0]["error"] == "timeout: still running after 7 s of CPU time; " \
                                           "skipped"
    contained = (namespaces == "1" and NAMESPACES) or DROPPED
    assert (left == []) is contained


def test_check_in_the_notebook_stops_an_endless_answer(tmp_path):
    """Class 6: the fixture with answers that never return, run in a notebook kernel as a
    student would, check cells included: each check reports a timeout the way the grader does
    (here with a limit of 1 s instead of 10)."""
    from nbclient import NotebookClient

    nb = nbformat.read(SUBMISSIONS / "infinite_loop_answer.ipynb", as_version=4)
    nb.cells.insert(1, nbformat.v4.new_code_cell(
        "import mlpbook.grading.feedback as feedback\nfeedback.TIMEOUT = 1"))
    start = time.monotonic()
    NotebookClient(nb, timeout=60, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    assert time.monotonic() - start < 60
    printed = {c.source: "".join(o.get("text", "") for o in c.outputs)
               for c in nb.cells if c.cell_type == "code" and c.source.startswith("check(")}
    assert printed['check("01.perceptron_update")'] == (
        "✗ 01.perceptron_update: timeout (0/2 points)\n  waited for 6 s without computing "
        "(sleeping or blocked?)\n")
    assert printed['check("01.sigmoid")'] == (
        "✗ 01.sigmoid: timeout (0/2 points)\n  did not return within 1 s (an infinite loop?)\n")
    assert printed['check("01.xor_weights")'].startswith("✓ 01.xor_weights: passed")
