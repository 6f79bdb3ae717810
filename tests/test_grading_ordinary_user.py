"""Grading as an ordinary user (class 7): a submission that plants ``.pth`` files, site hooks and
modules in the user's virtual environment, home directory and every ``sys.path`` entry changes
nothing for later runs, and ``mlpbook grade`` says which protections it could not set up.

The grader runs from a fresh virtual environment that the user owns (so its site-packages is
writable by the user, as in a real one). Run as root (as in CI), the test makes that user: an id
without an account, in a private mount namespace where the directories above the interpreter
that others may not enter (/root, say) are covered by an empty, enterable directory holding only
the way to the interpreter. Run as an ordinary user, it is that user."""

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "submissions" / "startup_files.ipynb"
SOLUTION = ROOT / "solutions" / "01_perceptron_to_logistic_regression.ipynb"
HOOKS = ("json.py", "numpy.py", "sitecustomize.py", "usercustomize.py", "mlpbook-hostile.pth")
SET = "01_perceptron_to_logistic_regression"

# Run as root in a new mount namespace: make the interpreter reachable for the user, become the
# user, run the command.
AS_USER = r'''
import os, sys, tempfile
uid, argv = int(sys.argv[1]), sys.argv[2:]
libc = __import__("ctypes").CDLL(None, use_errno=True)

def mount(source, target, fstype, flags, data=None):
    enc = [None if s is None else os.fsencode(s) for s in (source, target, fstype, data)]
    if libc.mount(*enc[:3], flags, enc[3]) != 0:
        raise OSError(__import__("ctypes").get_errno(), f"mount {target}")

mount(None, "/", None, 16384 | (1 << 18))  # MS_REC | MS_PRIVATE
path = os.path.realpath(sys.base_prefix)
parts = path.strip("/").split("/")
for i in range(len(parts) - 1):
    d, child = "/" + "/".join(parts[:i]), parts[i]
    d = os.path.join(d, child)
    if os.stat(d).st_mode & 0o001:
        continue
    stage = tempfile.mkdtemp()
    mount(os.path.join(d, parts[i + 1]), stage, None, 4096 | 16384)  # MS_BIND | MS_REC
    mount("tmpfs", d, "tmpfs", 0, "mode=0755")
    os.mkdir(os.path.join(d, parts[i + 1]))
    mount(stage, os.path.join(d, parts[i + 1]), None, 8192)  # MS_MOVE
os.setgroups([])
os.setresgid(uid, uid, uid)
os.setresuid(uid, uid, uid)
os.execve(argv[0], argv, {k: v for k, v in os.environ.items()})
'''


@pytest.fixture(scope="module")
def user_env():
    """A user, its home, its own virtual environment, a folder for reports, a shared marker."""
    top = Path(tempfile.mkdtemp(prefix="mlpbook-user-"))
    top.chmod(0o755)
    uid = os.getuid()
    if uid == 0:
        uid = 0x60000000 + os.getpid()
    venv, home, reports, batch = (top / n for n in ("venv", "home", "reports", "batch"))
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", "--system-site-packages",
                    str(venv)], check=True, timeout=120)
    for d in (home, reports, batch):
        d.mkdir()
    shutil.copy(FIXTURE, batch)
    site = next(venv.glob("lib/python*/site-packages"))
    notebook = batch / FIXTURE.name
    notebook.write_text(notebook.read_text().replace(
        'MARKER = \\"\\"', "MARKER = " + json.dumps(repr(str(top / "marker")))[1:-1]).replace(
        "EXTRA = []", "EXTRA = " + json.dumps(repr([str(site), str(home)]))[1:-1]))
    if os.getuid() == 0:
        for p in [top, *top.rglob("*")]:
            os.chown(p, uid, uid, follow_symlinks=False)
    try:
        yield {"uid": uid, "venv": venv, "home": home, "reports": reports, "batch": batch,
               "site": site, "marker": top / "marker"}
    finally:
        shutil.rmtree(top)


def grade_as_user(env, paths, **extra) -> tuple[int, str, dict]:
    out = env["reports"] / "r.json"
    if out.exists():
        out.unlink()
    command = [str(env["venv"] / "bin" / "python"), "-m", "mlpbook.cli", "grade", *map(str, paths),
               "--set", SET, "--timeout", "5", "--json", str(out)]
    variables = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(env["home"]),
                 "PYTHONPATH": str(ROOT), **extra}
    if os.getuid() == 0:
        command = ["unshare", "--mount", sys.executable, "-c", AS_USER, str(env["uid"]),
                   *command]
    proc = subprocess.run(command, env=variables, capture_output=True, text=True, timeout=300)
    report = json.loads(out.read_text()) if out.exists() else {}
    return proc.returncode, proc.stderr, report


def planted(env) -> list[str]:
    found = []
    for d in (env["site"], env["home"], env["venv"], env["reports"], env["batch"]):
        found += [str(p) for p in Path(d).rglob("*") if p.name in HOOKS]
    return sorted(set(found))


def test_the_user_is_ordinary_and_owns_its_environment(user_env):
    assert user_env["uid"] != 0
    assert user_env["site"].stat().st_uid == user_env["uid"]
    assert user_env["site"].stat().st_mode & stat.S_IWUSR


def test_nothing_a_submission_writes_changes_a_later_run(user_env):
    code, err, report = grade_as_user(user_env, [user_env["batch"]])
    assert code == 0, err
    [r] = report["submissions"]
    assert [q["status"] for q in r["questions"]] == "missing passed missing missing passed".split()
    assert planted(user_env) == [] and not user_env["marker"].exists()
    found = report["sandbox"]["protections"]
    assert found["own_user"] is False and found["new_root"] is True
    assert found["writable_path"] == []
    # what the grader says it could not do as an ordinary user
    line = next(s for s in err.splitlines() if s.startswith("sandbox protections: "))
    active, missing = line.split(" | not active: ")
    assert "private PID, network, IPC and mount namespaces" in active
    assert "a read-only root file system of its own (system, Python, mlpbook)" in active
    assert missing == ("a user id of its own (not root: submissions run under your id); one "
                       "memory budget for all its processes (no cgroup: not root; 1024 MB per "
                       "process, no process limit)")
    # a later run: the solution scores full marks
    code, err, report = grade_as_user(user_env, [SOLUTION])
    assert code == 0, err
    assert report["submissions"][0]["score"] == 11


def test_without_namespaces_the_grader_says_what_is_not_protected(user_env):
    """Without namespaces an ordinary user's sandbox can write where the user can: the grader
    names the writable sys.path entry in its summary (the planted files are removed here)."""
    try:
        code, err, report = grade_as_user(user_env, [user_env["batch"]],
                                          MLPBOOK_GRADER_NAMESPACES="0")
        assert code == 0, err
        line = next(s for s in err.splitlines() if s.startswith("sandbox protections: "))
        missing = line.split(" | not active: ")[1]
        assert "a file system of its own (a submission may read and write what its user may" \
            in missing
        assert f"a read-only sys.path ({user_env['site']}" in missing
        assert str(user_env["site"]) in report["sandbox"]["protections"]["writable_path"]
        written = user_env["marker"].read_text().split() if user_env["marker"].exists() else []
        assert "0" not in written
    finally:
        for p in planted(user_env):
            Path(p).unlink(missing_ok=True)
        if user_env["marker"].exists():
            user_env["marker"].unlink()
