"""Grading as an ordinary user (class 7): a submission that plants ``.pth`` files, site hooks and
modules in the user's virtual environment, home directory and every ``sys.path`` entry changes
nothing for later runs, and ``mlpbook grade`` says which protections it could not set up.

The grader runs from a fresh virtual environment that the user owns (so its site-packages is
writable by the user, as in a real one), with a copy of the package in the user's own tree (the
checkout may lie in a folder the user may not enter, as under /root). Run as root (as in CI), the
test makes that user: an id without an account, in a private mount namespace where the
directories above the interpreter (and the environment running the tests) that others may not
enter (/root, say) are covered by an empty, enterable directory holding only the way to them.
Run as an ordinary user, it is that user."""

import json
import os
import shutil
import stat
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import pytest

import mlpbook

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = Path(mlpbook.__file__).resolve().parent  # the checkout's, or the installed wheel's
FIXTURE = ROOT / "tests" / "fixtures" / "submissions" / "startup_files.ipynb"
SOLUTION = ROOT / "solutions" / "01_perceptron_to_logistic_regression.ipynb"
HOOKS = ("json.py", "numpy.py", "sitecustomize.py", "usercustomize.py", "mlpbook-hostile.pth")
SET = "01_perceptron_to_logistic_regression"

# Run as root in a new mount namespace: make the given folders (the interpreter, the
# environment running the tests) reachable for the user, become the user, run the command.
AS_USER = r'''
import json, os, sys, tempfile
uid, reach, argv = int(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3:]
libc = __import__("ctypes").CDLL(None, use_errno=True)

def mount(source, target, fstype, flags, data=None):
    enc = [None if s is None else os.fsencode(s) for s in (source, target, fstype, data)]
    if libc.mount(*enc[:3], flags, enc[3]) != 0:
        raise OSError(__import__("ctypes").get_errno(), f"mount {target}")

mount(None, "/", None, 16384 | (1 << 18))  # MS_REC | MS_PRIVATE
needed = {}  # folder others may not enter: {the names in it on the way to a folder to reach}
for path in reach:
    parts = os.path.realpath(path).strip("/").split("/")
    for i in range(len(parts) - 1):
        d = "/" + "/".join(parts[:i + 1])
        if not os.stat(d).st_mode & 0o001:
            needed.setdefault(d, set()).add(parts[i + 1])
for d in sorted(needed, key=len):  # outer ones first: an inner one is reached through them
    stages = {}
    for child in needed[d]:
        stages[child] = tempfile.mkdtemp()
        mount(os.path.join(d, child), stages[child], None, 4096 | 16384)  # MS_BIND | MS_REC
    mount("tmpfs", d, "tmpfs", 0, "mode=0755")
    for child, stage in stages.items():
        os.mkdir(os.path.join(d, child))
        mount(stage, os.path.join(d, child), None, 8192)  # MS_MOVE
os.setgroups([])
os.setresgid(uid, uid, uid)
os.setresuid(uid, uid, uid)
os.execve(argv[0], argv, {k: v for k, v in os.environ.items()})
'''
#: What the user's Python reads of the environment running the tests (the package's
#: dependencies; a venv's own site-packages when the tests run in one, as under nox).
PARENT_SITE = sorted({sysconfig.get_paths()[k] for k in ("purelib", "platlib")})


@pytest.fixture(scope="module")
def user_env():
    """A user, its home, its own virtual environment, a folder for reports, a shared marker."""
    top = Path(tempfile.mkdtemp(prefix="mlpbook-user-"))
    top.chmod(0o755)
    uid = os.getuid()
    if uid == 0:
        uid = 0x60000000 + os.getpid()
    venv, home, reports, batch, src, solutions = (
        top / n for n in ("venv", "home", "reports", "batch", "src", "solutions"))
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", "--system-site-packages",
                    str(venv)], check=True, timeout=120)
    for d in (home, reports, batch, solutions):
        d.mkdir()
    shutil.copy(FIXTURE, batch)
    shutil.copy(SOLUTION, solutions)
    # the package as an installation holds it (no tests, no solutions beside it)
    shutil.copytree(PACKAGE, src / "mlpbook",
                    ignore=shutil.ignore_patterns("__pycache__"))
    site = next(venv.glob("lib/python*/site-packages"))
    if sys.prefix != sys.base_prefix:  # (--system-site-packages gives the base's, not these)
        (site / "parent-environment.pth").write_text("".join(f"{p}\n" for p in PARENT_SITE))
    notebook = batch / FIXTURE.name
    notebook.write_text(notebook.read_text().replace(
        'MARKER = \\"\\"', "MARKER = " + json.dumps(repr(str(top / "marker")))[1:-1]).replace(
        "EXTRA = []", "EXTRA = " + json.dumps(repr([str(site), str(home)]))[1:-1]))
    for p in [top, *top.rglob("*")]:
        if not p.is_symlink():  # (the venv's links lead to the interpreter: left alone)
            p.chmod(0o755 if p.is_dir() or p.stat().st_mode & stat.S_IXUSR else 0o644)
        if os.getuid() == 0:
            os.chown(p, uid, uid, follow_symlinks=False)
    try:
        yield {"uid": uid, "venv": venv, "home": home, "reports": reports, "batch": batch,
               "site": site, "marker": top / "marker", "src": src,
               "solution": solutions / SOLUTION.name}
    finally:
        shutil.rmtree(top)


def as_user(env, arguments, **extra) -> subprocess.CompletedProcess:
    """Run the user's Python with ``arguments``, as the user, with the copy of the package."""
    command = [str(env["venv"] / "bin" / "python"), *arguments]
    variables = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(env["home"]),
                 "PYTHONPATH": str(env["src"]), **extra}
    if os.getuid() == 0:
        reach = [sys.base_prefix, sys.prefix, *PARENT_SITE]
        command = ["unshare", "--mount", sys.executable, "-c", AS_USER, str(env["uid"]),
                   json.dumps(reach), *command]
    return subprocess.run(command, env=variables, capture_output=True, text=True, timeout=300,
                          cwd=env["home"])  # (python -m and -c put the working directory first)


def grade_as_user(env, paths, **extra) -> tuple[int, str, dict]:
    out = env["reports"] / "r.json"
    if out.exists():
        out.unlink()
    proc = as_user(env, ["-m", "mlpbook.cli", "grade", *map(str, paths), "--set", SET,
                         "--timeout", "5", "--json", str(out)], **extra)
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
    proc = as_user(user_env, ["-c", "import os, mlpbook; print(os.getuid(), mlpbook.__file__)"])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == [str(user_env["uid"]),
                                   str(user_env["src"] / "mlpbook" / "__init__.py")]


def test_nothing_a_submission_writes_changes_a_later_run(user_env):
    code, err, report = grade_as_user(user_env, [user_env["batch"]])
    assert code == 0, err
    [r] = report["submissions"]
    statuses = [q["status"] for q in r["questions"]]
    assert statuses == "missing passed missing missing passed missing".split()
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
    code, err, report = grade_as_user(user_env, [user_env["solution"]])
    assert code == 0, err
    assert report["submissions"][0]["score"] == 13


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
        assert "a read-only sys.path (" in missing, missing
        listed = missing.split("a read-only sys.path (")[1].split(" is writable)")[0]
        assert str(user_env["site"]) in listed.split(", "), listed
        assert str(user_env["site"]) in report["sandbox"]["protections"]["writable_path"]
        written = user_env["marker"].read_text().split() if user_env["marker"].exists() else []
        assert "0" not in written
    finally:
        for p in planted(user_env):
            Path(p).unlink(missing_ok=True)
        if user_env["marker"].exists():
            user_env["marker"].unlink()
