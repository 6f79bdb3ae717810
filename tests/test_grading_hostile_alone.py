"""Hostile submissions graded alone, each in a child process of its own (so that these tests
can run beside the batch of test_grading_hostile.py): a huge answer, a fork bomb, the grader
without namespaces or a cgroup, reports planted as links, signals, the sandboxes' ids, a child
that leaves its process group, and check() in a student's notebook kernel."""

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
import pytest
from hostile import (
    CGROUP,
    DROPPED,
    EXPECTED,
    FIXTURES,
    MEMORY_MB,
    NAMESPACES,
    SUBMISSIONS,
    fill,
    grade_in_subprocess,
    leftovers,
    remove_leftovers,
    running,
)

from mlpbook.grading.isolation import UID_BASE


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
        assert "raised BlockingIOError: [Errno 11] Resource temporarily unavailable" in \
            r["questions"][1]["message"].splitlines()
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
        by_name = {q["name"]: q for q in r["questions"]}
        assert r["score"] == 2 and by_name["xor_weights"]["status"] == "passed"
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
        reported = message.split("raised ValueError: ")[1].splitlines()[0]
        *ids, groups, nproc = map(int, reported.split())
        seen.append(ids[0])
        if DROPPED:
            assert len(set(ids)) == 1 and ids[0] >= UID_BASE  # uid = gid, real = saved
            assert groups == 0 and nproc == (64 if CGROUP else 2)
    if DROPPED:
        assert seen[0] != seen[1]  # one id for each sandbox running at the same time


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
    assert r["cell_errors"][0]["error"] == "timeout: still running after 4 s of CPU time; " \
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
