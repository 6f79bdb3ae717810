"""The package as users get it: built once as an sdist and a wheel (``python -m build``, checked
by ``twine check``), the wheel installed into a fresh virtual environment on each supported
Python, and tested there from a folder outside the checkout, so that ``import mlpbook`` is the
installed wheel (each session asserts it).

    nox                    # everything (run by .ci/run)
    nox -s "wheel-3.10"    # one Python (builds first)

Each ``wheel`` session runs the unit tests of the library and of the grading package, the grading
tests, and ``mlpbook grade`` on every solution (full marks) and every fresh exercise (zero):
tests/test_deploy_where_installed.py. The notebooks themselves (nbval) and what needs a browser,
the website or the checkout's own files (README, notebook sources) stay in the main suite. The
3.10 session (Ubuntu 22.04's and Gradescope's Python) also grades as an ordinary user
(tests/test_grading_ordinary_user.py). Interpreters: ``python3.X`` on PATH, else pyenv's
(``$PYENV_ROOT/versions/3.X.*``); pip's cache is shared by all sessions.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
PYTHONS = ("3.10", "3.11", "3.12", "3.13")
#: Python versions whose session also grades as an ordinary user.
ORDINARY_USER = ("3.10",)
#: Test files of the library (no notebook, browser, website or checkout file needed).
CORE_TESTS = (
    "activations", "autodiff", "batch_size", "batchnorm", "checks", "constructions", "datasets",
    "diagnostics", "dropout", "example2", "experiments", "fused", "gradcheck", "init",
    "io", "layers", "linear_regions", "losses", "metrics", "optim", "plotting", "profiling",
    "regularization", "sequential", "surfaces", "sweeps", "training", "widgets", "cli",
)
#: What the tests need beside the wheel and its `book` extra.
TEST_TOOLS = ("pytest>=7.4", "pytest-xdist>=3.3", "nbformat", "nbclient", "ipykernel")

nox.options.sessions = ["dist", *(f"wheel-{v}" for v in PYTHONS)]
nox.options.error_on_missing_interpreters = True
nox.options.download_python = "never"
nox.options.reuse_venv = "no"


def _interpreter(version: str) -> str:
    """``python3.X`` if it runs, else pyenv's newest 3.X (a pyenv shim on PATH names a version
    that may not be active, so it does not count)."""
    found = shutil.which(f"python{version}")
    if found and subprocess.run([found, "-c", "pass"], capture_output=True).returncode == 0:
        return found
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates = sorted(root.glob(f"{version}.*/bin/python{version}"),
                        key=lambda p: [int(x) for x in p.parts[-3].split(".") if x.isdigit()])
    if not candidates:
        return version  # nox then says that it is missing
    return str(candidates[-1])


def _dist(session: nox.Session) -> Path:
    return Path(session.cache_dir) / "dist"


@nox.session
def dist(session: nox.Session) -> None:
    """Build the sdist and the wheel (once, for every session) and check their metadata."""
    out = _dist(session)
    shutil.rmtree(out, ignore_errors=True)
    session.install("build>=1", "twine>=6")
    session.run("python", "-m", "build", "--outdir", str(out), str(ROOT))
    built = sorted(out.iterdir())
    kinds = sorted(p.suffix for p in built)
    if kinds != [".gz", ".whl"]:
        session.error(f"expected one sdist and one wheel in {out}; found {built}")
    session.run("python", "-m", "twine", "check", "--strict", *map(str, built))


def _wheel_session(version: str):
    @nox.session(name=f"wheel-{version}", python=_interpreter(version), requires=["dist"])
    def wheel(session: nox.Session) -> None:
        [built] = _dist(session).glob("mlpbook-*.whl")
        session.install(f"{built}[book]", *TEST_TOOLS)
        # a folder outside the checkout, holding the tests and the notebooks they grade but no
        # package: `import mlpbook` can only be the installed wheel
        here = Path(tempfile.mkdtemp(prefix=f"mlpbook-wheel-{version}-"))
        here.chmod(0o755)  # (an ordinary user reads the notebooks)
        try:
            for name in ("tests", "solutions", "exercises"):
                shutil.copytree(ROOT / name, here / name,
                                ignore=shutil.ignore_patterns("__pycache__"))
            shutil.copy(ROOT / "pyproject.toml", here)  # markers and warning filters
            session.chdir(here)
            session.run("python", "-c", _WHERE, str(Path(session.virtualenv.location)),
                        silent=False)
            files = [f"tests/test_{name}.py" for name in CORE_TESTS]
            gone = [f for f in files if not (here / f).exists()]
            if gone:  # a module and its tests removed: say so, test the rest
                session.warn(f"CORE_TESTS names test files that do not exist: {gone}")
                files = [f for f in files if f not in gone]
            files += sorted(str(p.relative_to(here)) for p in here.glob("tests/test_grading_*.py")
                            if version in ORDINARY_USER or "ordinary_user" not in p.name)
            files.append("tests/test_deploy_where_installed.py")
            session.run("python", "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:nbval",
                        "-o", "addopts=", "-n", "2", "--dist", "loadscope",
                        "-m", "not browser and not deploy", "-q", *files, *session.posargs,
                        env={"OPENBLAS_NUM_THREADS": "1"})
        finally:
            session.chdir(ROOT)
            shutil.rmtree(here, ignore_errors=True)

    return wheel


# Asserts that the package imported from the test folder is the wheel installed in the venv.
_WHERE = """import sys, sysconfig, os, mlpbook
venv = os.path.realpath(sys.argv[1])
found = os.path.realpath(mlpbook.__file__)
site = os.path.realpath(sysconfig.get_paths()["purelib"])
assert os.path.realpath(sys.prefix) == venv, (sys.prefix, venv)
assert found == os.path.join(site, "mlpbook", "__init__.py"), \\
    f"mlpbook is imported from {found}, not from the wheel installed in {site}"
print(f"mlpbook {found} on Python {sys.version.split()[0]}")"""

for _version in PYTHONS:
    globals()[f"wheel_{_version.replace('.', '_')}"] = _wheel_session(_version)
