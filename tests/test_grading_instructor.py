"""The instructor's workflow: the student release, the Canvas gradebook CSV, the class report and
the similarity of answers, each checked against its documented format. (Gradescope:
test_gradescope.py; Canvas's assignment columns and file names: test_canvas.py; similarity from
an install: test_similarity.py.)"""

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from mlpbook.cli import main
from mlpbook.grading import exercise_sets
from mlpbook.grading.exports import canvas_csv, read_roster, student_of
from mlpbook.grading.report import class_report, failing_case

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "ownwork"
SOLUTION = ROOT / "solutions" / "06_backpropagation.ipynb"


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Three submissions of set 06 (a solution, a lazy one, a fresh exercise) as a class."""
    folder = tmp_path_factory.mktemp("class")
    shutil.copy(SOLUTION, folder / "alice_06_backpropagation.ipynb")
    shutil.copy(FIXTURES / "lazy" / "06_backpropagation.ipynb",
                folder / "bob_06_backpropagation.ipynb")
    shutil.copy(ROOT / "exercises" / "06_backpropagation.ipynb",
                folder / "carol-06_backpropagation.ipynb")
    grades = tmp_path_factory.mktemp("reports") / "grades.json"  # not among the submissions
    assert main(["grade", str(folder), "--json", str(grades), "--jobs", "2"]) == 0
    return folder, grades, json.loads(grades.read_text())["submissions"]


def test_release_has_the_exercises_and_a_readme_but_no_solutions(tmp_path):
    out = tmp_path / "bundle"
    assert main(["exercises", "release", str(out)]) == 0
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()
                   and p.suffix != ".whl")  # the student wheel: see the release's own tests
    assert files == sorted(["README.md", *(f"{s}.ipynb" for s in exercise_sets())])
    for name in files[:-1]:
        assert (out / name).read_bytes() == (ROOT / "exercises" / name).read_bytes()
    text = "\n".join((out / name).read_text() for name in files)
    assert "### BEGIN SOLUTION" not in text and "grading/sets" not in text
    assert "dZ.T @ A_prev, dZ.sum(axis=0), dZ @ W" in SOLUTION.read_text()  # a solution line
    assert "dZ.T @ A_prev, dZ.sum(axis=0), dZ @ W" not in text
    readme = (out / "README.md").read_text()
    for words in ("pip install", "check(", "Off limits", "Submit"):
        assert words.lower() in readme.lower()
    assert main(["exercises", "release", str(out)]) == 1  # never over an earlier release


def test_canvas_csv_from_file_names_and_from_a_roster(graded, tmp_path):
    folder, _, results = graded
    out = tmp_path / "canvas.csv"
    assert main(["grade", str(folder), "--canvas", str(out), "--jobs", "2"]) == 0
    rows = list(csv.reader(io.StringIO(out.read_text())))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                       "06_backpropagation"]
    assert rows[1] == ["Points Possible", "", "", "", "", "11"]
    assert {r[0]: r[5] for r in rows[2:]} == {"alice": "11", "bob": "0", "carol": "0"}
    roster = tmp_path / "roster.csv"
    roster.write_text("Student,ID,SIS User ID,SIS Login ID,Section,Other\n"
                      "    Points Possible,,,,,\n"
                      "\"Smith, Alice\",101,S1,alice,Sec A,x\n"
                      "\"Jones, Bob\",102,S2,bob,Sec B,y\n"
                      "\"Lee, Dan\",104,S4,dan,Sec A,z\n", encoding="utf-8")
    text, notes = canvas_csv(results, read_roster(roster))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["Student"] == "Points Possible"
    by_student = {r["Student"]: r for r in rows[1:]}
    assert by_student["Smith, Alice"]["06_backpropagation"] == "11"
    assert by_student["Smith, Alice"]["SIS Login ID"] == "alice"
    assert by_student["Smith, Alice"]["Section"] == "Sec A"
    assert by_student["Jones, Bob"]["06_backpropagation"] == "0"
    assert by_student["Lee, Dan"]["06_backpropagation"] == ""  # no submission: left blank
    assert notes == [
        "06_backpropagation: the roster has no assignment columns ('Name (ID)'); written as a "
        "new column '06_backpropagation' (Canvas creates a new assignment; to fill an existing "
        "one, give the gradebook export as --roster or --canvas-column "
        "06_backpropagation=\"Name (ID)\")",
        f"{folder / 'carol-06_backpropagation.ipynb'}: no student 'carol' in the roster; left out"]
    assert student_of("subs/dan/06_backpropagation.ipynb", "06_backpropagation") == "dan"
    bad = tmp_path / "bad.csv"
    bad.write_text("name,score\nx,1\n")
    assert main(["grade", str(folder / "alice_06_backpropagation.ipynb"), "--canvas",
                 str(out), "--roster", str(bad)]) == 2


def test_class_report(graded, tmp_path, capsys):
    _, grades, results = graded
    report = class_report(results)["sets"]["06_backpropagation"]
    assert report["scores"] == [0, 0, 11]
    dense = report["questions"][0]
    assert dense["id"] == "06.dense_backward" and dense["pass_rate"] == pytest.approx(100 / 3)
    assert dense["statuses"] == {"passed": 1, "failed": 1, "missing": 1}
    assert dense["common_failure"] == "one sample, 3 → 2"
    for prefix in ("", "public ", "hidden "):
        assert failing_case(f"{prefix}case 2 of 5, two knots: a single segment: f(1, 2)\nwrong",
                            "f") == "two knots: a single segment"
    png = tmp_path / "report.png"
    assert main(["report", str(grades), "--png", str(png)]) == 0
    out = capsys.readouterr().out
    assert "06.dense_backward" in out and "33%" in out and "one sample, 3 → 2 (1×)" in out
    assert "scores: 0/11: 2, 11/11: 1" in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    (tmp_path / "bad.json").write_text("[1, 2]")
    assert main(["report", str(tmp_path / "bad.json")]) == 2


def test_similarity_finds_a_renamed_copy_but_not_independent_answers(capsys):
    assert main(["similarity", str(FIXTURES / "similarity")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2, lines
    assert "alice_06" in lines[0] and "bob_06" in lines[0] and lines[0].startswith("1.00")
    assert lines[1].strip() == "dense_backward: 1.00"


def test_similarity_leaves_the_starter_code_out(tmp_path, capsys):
    for name in ("x", "y"):  # two untouched exercises share only the starter code
        shutil.copy(ROOT / "exercises" / "06_backpropagation.ipynb",
                    tmp_path / f"{name}_06_backpropagation.ipynb")
    assert main(["similarity", str(tmp_path)]) == 0
    assert capsys.readouterr().out.strip() == "no near-identical answers found"
