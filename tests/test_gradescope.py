"""Gradescope as it really is: results.json with the documented fields only (two tests per
question: the public cases, visible at once, and the points, with the instructor's visibility),
the autograder zip of one declared exercise set with its grading key, setup.sh installing into a
venv of its own, and run_autograder picking the notebook to grade. (The same zip installed and
run under Python 3.10 in a simulated /autograder: tests/test_gradescope_deploy.py.)"""

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from mlpbook.cli import main
from mlpbook.grading.exports import gradescope_results, pick_notebook

ROOT = Path(__file__).resolve().parents[1]
SET = "06_backpropagation"
SOLUTION = ROOT / "solutions" / f"{SET}.ipynb"
EXERCISE = ROOT / "exercises" / f"{SET}.ipynb"
OTHER = ROOT / "solutions" / "04_activation_functions.ipynb"

#: What Gradescope's specification documents for results.json, of which these are used.
TOP_FIELDS = {"score", "output", "visibility", "stdout_visibility", "tests"}
TEST_FIELDS = {"score", "max_score", "status", "name", "output", "visibility"}
VISIBILITIES = {"visible", "hidden", "after_due_date", "after_published"}


def check_results_json(results: dict) -> None:
    """A schema check of Gradescope's results.json: documented fields only, with their types."""
    def number(x):
        return isinstance(x, (int, float)) and not isinstance(x, bool)

    assert isinstance(results, dict) and set(results) <= TOP_FIELDS, set(results) - TOP_FIELDS
    assert number(results["score"]) and results["score"] >= 0
    assert isinstance(results.get("output", ""), str)
    assert results.get("visibility", "visible") in VISIBILITIES
    assert results.get("stdout_visibility", "visible") in VISIBILITIES
    assert isinstance(results["tests"], list)
    for t in results["tests"]:
        assert isinstance(t, dict) and set(t) <= TEST_FIELDS, set(t) - TEST_FIELDS
        assert isinstance(t["name"], str) and t["name"]
        assert number(t["score"]) and number(t["max_score"]) and 0 <= t["score"] <= t["max_score"]
        assert t["status"] in ("passed", "failed")
        assert isinstance(t["output"], str)
        assert t["visibility"] in VISIBILITIES
    if results["tests"]:
        assert sum(t["score"] for t in results["tests"]) == pytest.approx(results["score"])


# results.json -------------------------------------------------------------------------------
def _row(qid, status, points, max_points, public=None, hidden=None, message="m"):
    row = {"id": qid, "name": qid.split(".")[1], "status": status, "points": points,
           "max_points": max_points, "message": message}
    if public is not None:
        row["public"] = public
    if hidden is not None:
        row["hidden"] = hidden
    return row


def test_each_question_gives_a_visible_public_test_and_a_scored_test():
    result = {"submission": "s.ipynb", "set": SET, "score": 4.5, "max_score": 9, "error": None,
              "cell_errors": [{"cell": 3, "first_line": "x = 1/0", "error": "ZeroDivisionError"}],
              "questions": [
                  _row("06.a", "failed", 1.5, 3, {"status": "passed", "message": "3 of 3"},
                       {"status": "failed", "message": "case 2 of 4: wrong"}),
                  _row("06.b", "passed", 3, 3, {"status": "passed", "message": "all"},
                       {"status": "passed", "message": "all"}),
                  _row("06.c", "missing", 0, 2, message="not attempted"),  # no cases ran
                  _row("06.d", "passed", 0, 1, None, {"status": "passed", "message": "ok"})]}
    for visibility in ("after_due_date", "hidden", "visible", "after_published"):
        out = gradescope_results(result, visibility)
        check_results_json(out)
        assert out["score"] == 4.5 and out["visibility"] == "visible"
        tests = {t["name"]: t for t in out["tests"]}
        assert list(tests) == ["06.a a: public cases", "06.a a", "06.b b: public cases",
                               "06.b b", "06.c c: public cases", "06.c c", "06.d d"]
        for name, t in tests.items():
            if name.endswith(": public cases"):
                assert t["max_score"] == 0 and t["score"] == 0 and t["visibility"] == "visible"
            else:
                assert t["visibility"] == visibility
    assert tests["06.a a: public cases"]["status"] == "passed"  # public passed, hidden failed
    assert tests["06.a a: public cases"]["output"] == "passed: 3 of 3"
    assert tests["06.a a"] | {"visibility": None} == {
        "name": "06.a a", "score": 1.5, "max_score": 3, "status": "failed",
        "output": "failed: m", "visibility": None}  # fractional points pass through
    assert tests["06.c c: public cases"]["status"] == "failed"
    assert tests["06.c c: public cases"]["output"] == "missing: not attempted"
    assert "Cell 3 (x = 1/0): ZeroDivisionError" in out["output"]
    with pytest.raises(ValueError, match="after_due_date"):
        gradescope_results(result, "later")


def test_results_json_from_the_grader(tmp_path, capsys):
    out = tmp_path / "results.json"
    assert main(["grade", str(SOLUTION), "--gradescope", str(out), "--hidden-visibility",
                 "after_published"]) == 0
    results = json.loads(out.read_text())
    check_results_json(results)
    assert results["score"] == 11
    scored = [t for t in results["tests"] if not t["name"].endswith("public cases")]
    assert [t["name"] for t in scored] == ["06.dense_backward dense_backward",
                                           "06.mlp_gradients mlp_gradients",
                                           "06.example2_epoch example2_epoch",
                                           "06.numerical_gradients numerical_gradients"]
    assert [t["max_score"] for t in scored] == [3, 3, 3, 2]
    assert all(t["score"] == t["max_score"] and t["visibility"] == "after_published"
               and t["output"].startswith("passed") for t in scored)
    public = [t for t in results["tests"] if t["name"].endswith(": public cases")]
    assert len(public) == 4 and all(t["status"] == "passed" and t["visibility"] == "visible"
                                    for t in public)
    assert main(["grade", str(EXERCISE), "--gradescope", str(out)]) == 0
    results = json.loads(out.read_text())
    check_results_json(results)
    assert results["score"] == 0
    assert {t["visibility"] for t in results["tests"]} == {"visible", "after_due_date"}
    lazy = ROOT / "tests" / "fixtures" / "ownwork" / "lazy" / f"{SET}.ipynb"  # calls the library
    assert main(["grade", str(lazy), "--gradescope", str(out)]) == 0
    scored = [t for t in json.loads(out.read_text())["tests"] if t["visibility"] != "visible"]
    assert all(t["score"] == 0 and "must be your own code" in t["output"] for t in scored)
    capsys.readouterr()
    assert main(["grade", str(SOLUTION), "--hidden-visibility", "hidden"]) == 2
    assert "--hidden-visibility is read only with --gradescope" in capsys.readouterr().err


# which notebook -------------------------------------------------------------------------------
def _put(folder: Path, name: str, source: Path, age: int = 0) -> Path:
    """Upload ``source`` as ``name``, modified ``age`` seconds before the others; a solution
    goes up as a student's finished exercise notebook would: with its set in its metadata."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    notebook = json.loads(source.read_text(encoding="utf-8"))
    notebook["metadata"]["mlpbook"] = {"exercise_set": source.stem}
    path.write_text(json.dumps(notebook), encoding="utf-8")
    os.utime(path, (1_700_000_000 - age, 1_700_000_000 - age))
    return path


def test_pick_notebook(tmp_path):
    sub = tmp_path / "submission"
    sub.mkdir()
    assert pick_notebook(sub, SET) == (None, "no notebook (.ipynb file) was found in the "
                                       "submission; nothing was uploaded. Upload your exercise "
                                       f"notebook ({SET}.ipynb).")
    (sub / "answers.py").write_text("x = 1\n")
    assert "the files uploaded are: answers.py" in pick_notebook(sub, SET)[1]
    only = _put(sub, "mine.ipynb", OTHER)  # the only notebook: taken, whatever its set
    assert pick_notebook(sub, SET) == (only, "")
    # several: the one of the assignment's set, although older
    mine = _put(sub, "work/06_backpropagation.ipynb", SOLUTION, age=100)
    _put(sub, ".ipynb_checkpoints/06_backpropagation-checkpoint.ipynb", SOLUTION)
    _put(sub, "__MACOSX/._x.ipynb", SOLUTION)
    os.symlink(SOLUTION, sub / "link.ipynb")  # never followed
    chosen, note = pick_notebook(sub, SET)
    assert chosen == mine
    assert note == ("2 notebooks were uploaded (mine.ipynb, work/06_backpropagation.ipynb); "
                    "graded work/06_backpropagation.ipynb: the only one of exercise set "
                    "06_backpropagation.")
    # two of the set: the most recently modified of them
    newer = _put(sub, "copy.ipynb", EXERCISE, age=10)
    chosen, note = pick_notebook(sub, SET)
    assert chosen == newer and "the most recently modified of the 2 of exercise set" in note
    # none of the set: the most recently modified, and it says so
    chosen, note = pick_notebook(sub, "01_perceptron_to_logistic_regression")
    assert chosen == only and "none is of exercise set 01_perceptron" in note


# the zip ------------------------------------------------------------------------------------
def _zip_text(archive: Path, name: str) -> str:
    with zipfile.ZipFile(archive) as z:
        return z.read(name).decode()


def test_the_zip_grades_one_declared_set(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("MLPBOOK_GRADING_KEY", "k")
    archive = tmp_path / "autograder.zip"
    assert main(["exercises", "gradescope", str(archive)]) == 2
    err = capsys.readouterr().err
    assert "--set NAME is required" in err and "06_backpropagation" in err
    assert "none was given" in err and not archive.exists()
    assert main(["exercises", "gradescope", str(archive), "--set", "06_backprop"]) == 2
    assert "got '06_backprop'" in capsys.readouterr().err
    assert main(["exercises", "gradescope", str(archive), "--set", SET,
                 "--hidden-visibility", "hidden"]) == 0
    assert f"for exercise set {SET}" in capsys.readouterr().out
    run = _zip_text(archive, "run_autograder")
    assert f"--set {SET} \\\n    --hidden-visibility hidden" in run
    assert '"$ROOT/venv/bin/python" -m mlpbook.grading.exports' in run


def test_the_zip_carries_the_grading_key_and_never_prints_it(tmp_path, capsys, monkeypatch):
    archive = tmp_path / "a.zip"
    monkeypatch.setenv("MLPBOOK_GRADING_KEY", "the instructor's secret 123")
    assert main(["exercises", "gradescope", str(archive), "--set", SET]) == 0
    out = capsys.readouterr()
    assert _zip_text(archive, "grading_key") == "the instructor's secret 123\n"
    assert "from MLPBOOK_GRADING_KEY" in out.out and "secret 123" not in out.out + out.err
    assert not Path(f"{archive}.key").exists()
    with zipfile.ZipFile(archive) as z:
        assert (z.getinfo("grading_key").external_attr >> 16) & 0o077 == 0
    # no key given: a new one, kept beside the zip for the instructor only
    monkeypatch.delenv("MLPBOOK_GRADING_KEY")
    archive = tmp_path / "b.zip"
    assert main(["exercises", "gradescope", str(archive), "--set", SET]) == 0
    out = capsys.readouterr()
    kept = Path(f"{archive}.key")
    key = kept.read_text().strip()
    assert len(key) >= 40 and _zip_text(archive, "grading_key") == key + "\n"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert f"a new random key, kept in {kept}" in out.out and key not in out.out + out.err
    # built again: the earlier key is never replaced; --key-file takes it
    assert main(["exercises", "gradescope", str(archive), "--set", SET]) == 2
    assert f"{kept} exists" in capsys.readouterr().err and kept.read_text().strip() == key
    assert main(["exercises", "gradescope", str(archive), "--set", SET, "--key-file",
                 str(kept)]) == 0
    out = capsys.readouterr()
    assert _zip_text(archive, "grading_key") == key + "\n" and key not in out.out + out.err
    empty = tmp_path / "empty.key"
    empty.write_text("\n")
    assert main(["exercises", "gradescope", str(archive), "--set", SET, "--key-file",
                 str(empty)]) == 2
    assert "is empty; expected the grading key" in capsys.readouterr().err


def _shim(path: Path, text: str) -> None:
    path.write_text("#!/bin/sh\n" + text)
    path.chmod(0o755)


@pytest.mark.parametrize("has_venv", [False, True])
def test_setup_sh_installs_into_a_venv_of_its_own(tmp_path, monkeypatch, has_venv):
    """setup.sh with stand-ins for python3 and apt-get that log what they are asked: apt-get
    only where python3 cannot make a venv; pip only from the venv, never the system's."""
    monkeypatch.setenv("MLPBOOK_GRADING_KEY", "k")
    archive = tmp_path / "autograder.zip"
    assert main(["exercises", "gradescope", str(archive), "--set", SET]) == 0
    source = tmp_path / "autograder" / "source"
    with zipfile.ZipFile(archive) as z:
        z.extractall(source)
        wheel = next(n for n in z.namelist() if n.endswith(".whl"))
    log, bin_dir = tmp_path / "log", tmp_path / "bin"
    bin_dir.mkdir()
    _shim(bin_dir / "apt-get", f'echo "apt-get $*" >> {log}\n')
    venv_python = f'#!/bin/sh\\necho "venv-python $*" >> {log}\\n'
    _shim(bin_dir / "python3", f"""echo "python3 $*" >> {log}
case "$*" in
  *"import ensurepip, venv"*) exit {0 if has_venv else 1};;
  "-m venv "*) mkdir -p "$3/bin"; printf '{venv_python}' > "$3/bin/python"; \
chmod 755 "$3/bin/python";;
esac
""")
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "AUTOGRADER_ROOT": str(tmp_path / "autograder")}
    proc = subprocess.run(["bash", str(source / "setup.sh")], env=env, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    venv = tmp_path / "autograder" / "venv"
    expected = ([] if has_venv else ["apt-get update",
                                     "apt-get install -y python3-venv python3-pip"])
    assert log.read_text().splitlines()[1:] == [
        *expected, f"python3 -m venv {venv}", "venv-python -m pip install --upgrade pip",
        f"venv-python -m pip install ./{wheel}", "venv-python -c import mlpbook.grading.sets"]
    assert stat.S_IMODE((source / "grading_key").stat().st_mode) == 0o600


def test_run_autograder_picks_the_notebook_and_gives_the_key(tmp_path, monkeypatch):
    """run_autograder as Gradescope runs it (from /autograder, here AUTOGRADER_ROOT), with the
    venv that setup.sh makes standing in as this Python and the zip's wheel installed beside."""
    monkeypatch.setenv("MLPBOOK_GRADING_KEY", "key of this course")
    root = tmp_path / "autograder"
    archive = tmp_path / "autograder.zip"
    assert main(["exercises", "gradescope", str(archive), "--set", SET, "--timeout", "20"]) == 0
    with zipfile.ZipFile(archive) as z:
        z.extractall(root / "source")
        wheel = next(n for n in z.namelist() if n.endswith(".whl"))
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--quiet",
                    "--target", str(site), str(root / "source" / wheel)],
                   check=True, capture_output=True, timeout=300)
    seen = tmp_path / "seen_key"
    (root / "venv" / "bin").mkdir(parents=True)
    _shim(root / "venv" / "bin" / "python", f'printf %s "$MLPBOOK_GRADING_KEY" > {seen}\n'
          f'PYTHONPATH={site} exec {sys.executable} "$@"\n')
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    (root / "run_autograder").chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k != "MLPBOOK_GRADING_KEY"}
    env["AUTOGRADER_ROOT"] = str(root)

    def run(*files: tuple[str, Path]) -> dict:
        shutil.rmtree(root / "submission", ignore_errors=True)
        (root / "submission").mkdir()
        for age, (name, source) in enumerate(files):
            _put(root / "submission", name, source, age)
        proc = subprocess.run([str(root / "run_autograder")], env=env, cwd=root,
                              capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stderr
        results = json.loads((root / "results" / "results.json").read_text())
        check_results_json(results)
        return results

    results = run(("hw6.ipynb", SOLUTION), ("scratch.ipynb", EXERCISE),
                  ("04_activation_functions.ipynb", OTHER))
    assert results["score"] == 11, results
    assert results["output"] == ("3 notebooks were uploaded (04_activation_functions.ipynb, "
                                 "hw6.ipynb, scratch.ipynb); graded hw6.ipynb: the most "
                                 "recently modified of the 2 of exercise set "
                                 "06_backpropagation.")
    assert seen.read_text() == "key of this course"  # from the zip, not from this process
    results = run()
    assert results["score"] == 0 and results["tests"] == []
    assert "no notebook (.ipynb file) was found in the submission" in results["output"]
    # the grader itself fails: results.json still says so
    (root / "venv" / "bin" / "python").write_text("#!/bin/sh\nexit 3\n")
    results = run(("hw6.ipynb", SOLUTION))
    assert results["score"] == 0 and "(exit 3)" in results["output"]


def test_a_notebook_of_another_set_scores_0_with_the_reason(tmp_path):
    from mlpbook.grading.exports import autograde

    _put(tmp_path / "submission", "06_backpropagation.ipynb", OTHER)  # a set-04 notebook
    results = autograde(tmp_path, SET)
    check_results_json(results)
    assert results["score"] == 0
    assert "04_activation_functions" in results["output"] and SET in results["output"]
    assert json.loads((tmp_path / "results" / "results.json").read_text()) == results
