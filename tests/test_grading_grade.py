"""`mlpbook grade` on the solutions (full marks), on fresh exercises (zero, fast), on mixed
submissions; reports, determinism, set detection, command-line errors and clean-up."""

import json
import os
import shutil
import time
from pathlib import Path

import nbformat
import pytest

from mlpbook.cli import main
from mlpbook.grading import Limits, exercise_sets, grade_one
from mlpbook.grading.exercises import generate_exercises
from mlpbook.grading.isolation import cgroup_support, namespace_prefix

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"


def grade_json(tmp_path, *args) -> dict:
    out = tmp_path / "report.json"
    assert main(["grade", *map(str, args), "--json", str(out)]) == 0
    return json.loads(out.read_text())


def test_every_solution_scores_full_marks(tmp_path):
    report = grade_json(tmp_path, SOLUTIONS, "--jobs", "2")
    graded = {Path(r["submission"]).stem: r for r in report["submissions"]}
    assert set(graded) == set(exercise_sets())
    for stem, r in graded.items():
        assert r["set"] == stem and r["error"] is None and r["cell_errors"] == []
        assert [q["status"] for q in r["questions"]] == ["passed"] * len(r["questions"])
        assert r["score"] == r["max_score"] == exercise_sets()[stem].max_points


def test_fresh_exercises_score_zero_quickly(tmp_path):
    fresh = tmp_path / "exercises"
    generate_exercises(SOLUTIONS, fresh)
    start = time.monotonic()
    report = grade_json(tmp_path, fresh, "--jobs", "1")
    elapsed = time.monotonic() - start
    assert len(report["submissions"]) == len(exercise_sets())
    for r in report["submissions"]:
        assert r["score"] == 0 and r["error"] is None
        for q in r["questions"]:
            assert q["status"] == "missing"
            assert q["message"] == f"not attempted: {q['name']} raises NotImplementedError"
    assert elapsed < 30, f"grading the fresh exercises took {elapsed:.1f} s"


def test_a_rerun_gives_byte_identical_reports(tmp_path):
    """The solutions of the sets with randomness (11: dropout masks), autodiff (07) and training
    (12), graded twice (what the exercises score is checked word for word above)."""
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    csv_a, csv_b = tmp_path / "a.csv", tmp_path / "b.csv"
    stems = ["07_automatic_differentiation", "11_regularization_and_dropout", "12_case_studies"]
    paths = [str(SOLUTIONS / f"{stem}.ipynb") for stem in stems]
    for out, csv in ((first, csv_a), (second, csv_b)):
        assert main(["grade", *paths, "--json", str(out), "--csv", str(csv)]) == 0
    assert first.read_bytes() == second.read_bytes()
    assert csv_a.read_bytes() == csv_b.read_bytes()


def partly_solved(tmp_path) -> Path:
    """The exercise of chapter 06 with the solution of its first question pasted back."""
    solution = nbformat.read(SOLUTIONS / "06_backpropagation.ipynb", as_version=4)
    exercise = nbformat.read(ROOT / "exercises" / "06_backpropagation.ipynb", as_version=4)
    for s_cell, e_cell in zip(solution.cells, exercise.cells, strict=True):
        if "def dense_backward(" in s_cell.source:
            e_cell.source = s_cell.source
    path = tmp_path / "alice.ipynb"  # no set name in the file name: the metadata says it
    nbformat.write(exercise, path)
    return path


def test_a_partly_solved_notebook_gets_the_points_of_what_it_solved(tmp_path):
    path = partly_solved(tmp_path)
    before = path.read_bytes()
    r = grade_one(path, limits=Limits(timeout=5))
    assert r["set"] == "06_backpropagation"
    assert [q["status"] for q in r["questions"]] == ["passed", "missing", "missing", "missing"]
    assert r["score"] == 3 and r["max_score"] == 11
    assert path.read_bytes() == before


def test_the_set_comes_from_set_metadata_file_name_or_option(tmp_path, capsys):
    anonymous = tmp_path / "anonymous.ipynb"
    nb = nbformat.read(SOLUTIONS / "04_activation_functions.ipynb", as_version=4)
    nbformat.write(nb, anonymous)  # solutions carry no metadata: only the name tells
    r = grade_one(anonymous)
    assert r["set"] is None and r["questions"] == []
    assert "cannot tell which exercise set" in r["error"]
    renamed = tmp_path / "bob_04_activation_functions.ipynb"
    shutil.copy(anonymous, renamed)
    assert grade_one(renamed)["score"] == 11
    assert grade_one(anonymous, "04_activation_functions")["score"] == 11
    # a notebook graded against another set simply answers nothing of it
    other = grade_one(anonymous, "01_perceptron_to_logistic_regression")
    assert {q["status"] for q in other["questions"]} == {"missing"}


def test_command_line_errors(tmp_path, capsys):
    assert main(["grade", str(tmp_path / "nowhere")]) == 2
    assert "no such file or directory" in capsys.readouterr().err
    assert main(["grade", str(tmp_path)]) == 2  # an empty folder
    assert "no notebooks found" in capsys.readouterr().err
    assert main(["grade", str(SOLUTIONS), "--set", "99_nothing"]) == 2
    assert "unknown exercise set" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["grade", str(SOLUTIONS), "--timeout", "0"])
    for bad in ("-1", "nan", "inf"):
        with pytest.raises(SystemExit):
            main(["grade", str(SOLUTIONS), "--reserve", bad])
        assert f"expected a finite number, 0 or more; got {bad}" in capsys.readouterr().err


def test_console_summary_lists_every_submission(capsys):
    assert main(["grade", str(SOLUTIONS / "01_perceptron_to_logistic_regression.ipynb"),
                 "-v"]) == 0
    printed = capsys.readouterr()
    out, err = printed.out.splitlines(), printed.err.splitlines()
    assert err[0].startswith("sandbox protections: active: ")  # one line, before the results
    if os.geteuid() == 0 and namespace_prefix() and cgroup_support()[0]:
        assert err[0].endswith(" | not active: none")
    assert out[0].split() == ["13/13", str(SOLUTIONS / "01_perceptron_to_logistic_regression"
                                            ".ipynb"), "6", "passed"]
    assert out[1].split() == ["01.perceptron_update", "passed", "2/2"]


def test_a_runaway_answer_does_not_survive_grading(tmp_path):
    """An answer that leaves a process behind (a fork in a session of its own, holding a file
    named by the marker open) and then never returns: once the answer has timed out, neither
    it nor its process runs on."""
    marker = f"mlpbook-runaway-{os.getpid()}"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import os\nimport time\n\ndef sigmoid(z):\n    if os.fork() == 0:\n"
        f"        os.setsid()\n        held = open('/tmp/{marker}', 'w')\n"
        "        end = time.time() + 40\n        while time.time() < end:\n"
        "            time.sleep(0.1)\n        os._exit(0)\n    while True:\n        pass")])
    path = tmp_path / "runaway_01_perceptron_to_logistic_regression.ipynb"
    nbformat.write(nb, path)
    r = grade_one(path, limits=Limits(timeout=1))
    assert {q["name"]: q["status"] for q in r["questions"]}["sigmoid"] == "timeout"
    left = [p for p in Path("/proc").iterdir() if p.name.isdigit() and _holds(p, marker)]
    for p in left:
        os.kill(int(p.name), 9)
    assert left == [], "the timed-out answer's process still runs"


def _holds(proc: Path, marker: str) -> bool:
    """Whether process ``proc`` holds a file whose path contains ``marker`` open."""
    try:
        return any(marker in os.readlink(fd) for fd in (proc / "fd").iterdir())
    except OSError:
        return False


def test_reports_are_never_written_over_a_submission(tmp_path, capsys):
    batch = tmp_path / "batch"
    batch.mkdir()
    victim = batch / "alice_01_perceptron_to_logistic_regression.ipynb"
    shutil.copy(SOLUTIONS / "01_perceptron_to_logistic_regression.ipynb", victim)
    link = tmp_path / "link.json"
    link.symlink_to(victim)
    before = victim.read_bytes()
    for args in (["--json", str(victim)], ["--csv", str(batch / ".." / "batch" / victim.name)],
                 ["--json", str(link)]):
        assert main(["grade", str(batch), *args]) == 2
        assert "is one of the submissions being graded" in capsys.readouterr().err
    assert main(["grade", str(victim), "--json", str(tmp_path / "r"), "--csv",
                 str(tmp_path / "r")]) == 2
    assert "--json and --csv name the same file" in capsys.readouterr().err
    for report in (batch / "report.json", batch / "sub" / "report.json"):  # where a submission
        assert main(["grade", str(batch), "--json", str(report)]) == 2     # could prepare it
        assert "a folder of submissions being graded; write the report elsewhere" in \
            capsys.readouterr().err
    assert victim.read_bytes() == before and not (tmp_path / "r").exists()
    assert sorted(p.name for p in batch.iterdir()) == [victim.name]
