"""The grader wherever the package is (noxfile.py runs this file against the installed wheel on
each Python): the committed exercise notebooks score zero through ``mlpbook grade`` (the
solutions' full marks and fresh exercises are tests/test_grading_grade.py's); a checkout in a
private folder grades the same with and without namespaces; a package the
sandboxes cannot read is refused at once, with the fix; an installation shows the sandbox the
packages beside it, a checkout only the package."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

import mlpbook
from mlpbook.grading import isolation as iso

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = Path(mlpbook.__file__).resolve().parent  # the checkout's, or the installed wheel's
SOLUTIONS, EXERCISES = ROOT / "solutions", ROOT / "exercises"
#: Seconds in which all exercise notebooks must be graded (each stub raises at once).
EXERCISES_SECONDS = 60


def grade(paths, *options, timeout=900, **env) -> tuple[subprocess.CompletedProcess, dict]:
    """``mlpbook grade`` in a child process, from a directory of its own; (process, report)."""
    with tempfile.TemporaryDirectory(prefix="mlpbook-deploy-") as reports:
        out = Path(reports) / "report.json"
        proc = subprocess.run([sys.executable, "-m", "mlpbook.cli", "grade", *map(str, paths),
                               "--json", str(out), *options], cwd=reports,
                              env={**os.environ, **env}, capture_output=True, text=True,
                              timeout=timeout)
        report = json.loads(out.read_text()) if out.exists() else {}
    return proc, report


def scores(report) -> dict[str, tuple[int, int]]:
    return {Path(r["submission"]).name: (r["score"], r["max_score"])
            for r in report.get("submissions", [])}


def test_every_exercise_notebook_scores_zero_quickly():
    notebooks = sorted(EXERCISES.glob("*.ipynb"))
    assert notebooks, f"no exercise notebooks in {EXERCISES}"
    start = time.monotonic()
    proc, report = grade([EXERCISES], "--jobs", "2")
    took = time.monotonic() - start
    assert proc.returncode == 0, proc.stderr[-3000:]
    found = scores(report)
    assert sorted(found) == [p.name for p in notebooks]
    scored = {name: f"{s}/{m}" for name, (s, m) in found.items() if s != 0 or m == 0}
    assert scored == {}, f"fresh exercises with points (expected 0 each): {scored}"
    for r in report["submissions"]:  # not attempted, or the stub's NotImplementedError
        assert {q["status"] for q in r["questions"]} <= {"failed", "error", "missing"}, r
    assert took < EXERCISES_SECONDS, f"grading the exercises took {took:.0f} s (at most " \
                                     f"{EXERCISES_SECONDS} s expected)"


def private_copy(top: Path) -> Path:
    """A checkout of the package (the package and one solution) in a folder of mode 0700."""
    private = top / "private"
    private.mkdir(mode=0o700)
    private.chmod(0o700)
    clone = private / "clone"
    shutil.copytree(PACKAGE, clone / "mlpbook", ignore=shutil.ignore_patterns("__pycache__"))
    (clone / "pyproject.toml").write_text("[project]\nname = \"mlpbook\"\n")
    (clone / "solutions").mkdir()
    for d in [clone, *clone.rglob("*")]:
        d.chmod(0o755 if d.is_dir() else 0o644)
    return clone


@pytest.mark.parametrize("namespaces", ["1", "0"])
def test_a_checkout_in_a_private_folder_grades_the_same(tmp_path, namespaces):
    """Set 09 needs NumPy modules that nothing imported before the sandbox dropped its
    privileges (numpy.random): as root, a sandbox without a root of its own must still reach
    the package, and the interpreter, through the private folders above them."""
    clone = private_copy(tmp_path)
    solution = shutil.copy(SOLUTIONS / "09_initialization_and_vanishing_gradients.ipynb",
                           clone / "solutions")
    proc, report = grade([solution], "--timeout", "10", PYTHONPATH=str(clone),
                         MLPBOOK_GRADER_NAMESPACES=namespaces)
    assert proc.returncode == 0, proc.stderr[-3000:]
    [r] = report["submissions"]
    assert r["score"] == r["max_score"] > 0, (r["error"], r["cell_errors"], r["questions"])


@pytest.mark.skipif(not iso.own_uid(), reason="only a grader running as root gives its "
                                              "sandboxes ids of their own")
@pytest.mark.parametrize("namespaces", ["1", "0"])
def test_a_package_the_sandboxes_cannot_read_is_refused_at_once(tmp_path, namespaces):
    clone = private_copy(tmp_path)
    solution = shutil.copy(SOLUTIONS / "01_perceptron_to_logistic_regression.ipynb",
                           clone / "solutions")
    (clone / "mlpbook" / "layers.py").chmod(0o600)
    start = time.monotonic()
    proc, report = grade([solution], PYTHONPATH=str(clone), MLPBOOK_GRADER_NAMESPACES=namespaces)
    assert time.monotonic() - start < 60
    assert proc.returncode != 0 and report == {}
    assert f"the grading sandboxes cannot read {clone / 'mlpbook' / 'layers.py'}" in proc.stderr
    assert f"chmod -R o+rX {clone / 'mlpbook'}" in proc.stderr


def test_an_installation_shows_the_sandbox_its_neighbours_and_a_checkout_only_itself(
        tmp_path, monkeypatch):
    """Installed (site-packages, no project files beside the package), NumPy and the other
    packages beside it are on the sandbox's path and in its new root; in a checkout, only the
    package is."""
    for layout in ("installed", "checkout"):
        top = tmp_path / layout
        for d in ("mlpbook", "numpy", "tests"):
            (top / d).mkdir(parents=True)
        if layout == "checkout":
            (top / "pyproject.toml").write_text("")
        monkeypatch.setattr(iso, "_package_root", lambda top=top: str(top))
        monkeypatch.setattr(sys, "path", [str(top), str(top / "tests"), *sys.path])
        path, shown = iso.sandbox_path(), iso.shown_paths()
        assert path[0] == str(top) and (str(top / "tests") in path) == (layout == "installed")
        assert (str(top) in shown) == (layout == "installed"), shown
        assert str(top / "mlpbook") in shown or str(top) in shown


def test_a_sandbox_that_fails_to_start_says_why():
    """What fails while the sandbox sets itself up (after its stderr went to /dev/null) is
    reported with the exception and where it was raised, never as a silent start."""
    from mlpbook.grading import runner

    with iso.lease_slot() as slot, tempfile.TemporaryDirectory() as home:
        with iso.sandbox_process(slot, 0, home, 512, 16, 64, 60) as started:
            channel = runner._Channel(started)
            channel.send({**started.setup, "forbidden": ["mlpbook.no_such_function"]})
            with pytest.raises(iso.SandboxError) as raised:
                channel.ready()
    assert str(raised.value).startswith(
        "the grading sandbox did not start: ValueError: off-limits name "
        "'mlpbook.no_such_function': mlpbook has no attribute 'no_such_function' (at ")
