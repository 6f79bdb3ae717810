"""What the hostile-submission tests share: the fixtures, what each is expected to score, and
ways to grade them and to find what they leave behind."""

import ctypes
import hashlib
import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from mlpbook.grading.isolation import cgroup_support, namespace_prefix, own_uid

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SUBMISSIONS = FIXTURES / "submissions"
SET = "01_perceptron_to_logistic_regression"
ORDER = ("perceptron_update", "sigmoid", "logistic_gradient", "logistic_regression_step",
         "xor_weights", "logistic_hessian")
DROPPED = own_uid()  # the grader runs as root: sandboxes under their own ids
NAMESPACES = bool(namespace_prefix())
CGROUP = cgroup_support()[0] is not None
KEY = 0x6D6C7062  # System V key of what leaves_resources creates
MEMORY_MB = 512

# fixture: (statuses in ORDER, score out of 13)
EXPECTED = {
    "background_work": ("missing passed missing missing passed missing", 4),
    "crashes": ("error passed error passed error missing", 5),
    "deleted_check_cells": ("passed passed failed missing passed missing", 6),
    "duplicated_cells": ("passed failed missing missing passed missing", 4),
    "edited_check_cells": ("failed failed missing missing missing missing", 0),
    "empty_notebook": ("missing missing missing missing missing missing", 0),
    "fake_output": ("missing failed missing missing missing missing", 0),
    "forged_reports": ("missing failed missing missing passed missing", 2),
    "huge_integer": ("error passed passed passed passed missing", 9),
    "infinite_loop_answer": ("timeout timeout passed passed passed missing", 7),
    "infinite_loop_cell": ("passed passed passed passed passed missing", 11),
    "leaves_resources": ("missing passed missing missing passed missing", 4),
    "memory_bomb": ("passed error passed passed passed missing", 9),
    "monkeypatch": ("failed failed missing missing missing missing", 0),
    "not_a_notebook": ("error error error error error error", 0),
    "plants_report_links": ("missing passed missing missing missing missing", 2),
    "raising_cells": ("passed error passed error passed missing", 6),
    "startup_files": ("missing passed missing missing passed missing", 4),
    "truncated": ("error error error error error error", 0),
    "unsendable_results": ("error error missing missing failed missing", 0),
    "touches_other_files": ("missing passed missing missing passed missing", 4),
    # the fork bomb in `sigmoid` runs into the process limit where there is one
    "fork_bomb": (f"passed {'error' if DROPPED else 'passed'} missing missing passed missing",
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


def grade_in_subprocess(tmp_path, paths, timeout=120, set_name=SET, limit="2",
                        **env) -> tuple[int, dict]:
    with tempfile.TemporaryDirectory(prefix="mlpbook-report-") as reports:
        out = Path(reports) / "report.json"  # not among the submissions (that is refused)
        proc = subprocess.run(
            [sys.executable, "-m", "mlpbook.cli", "grade", *map(str, paths), "--set", set_name,
             "--timeout", limit, "--reserve", "2", "--memory", str(MEMORY_MB), "--jobs", "2",
             "--json", str(out)],
            env={**os.environ, **env}, capture_output=True, timeout=timeout)
        report = json.loads(out.read_text()) if out.exists() else {}
    return proc.returncode, report


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
