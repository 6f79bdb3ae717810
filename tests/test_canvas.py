"""Canvas as it really is: grades written into the instructor's existing assignment columns
(``Name (ID)`` from the gradebook export, mapped or matched by name), Canvas's bulk-download file
names (``login_USERID_SUBMISSIONID_file``, ``_LATE_``, resubmissions ``-1``) matched to the
roster by Canvas user id, and a stated policy for several submissions of one set."""

import csv
import io
import json
import os
import shutil
from pathlib import Path

import pytest

from mlpbook.cli import main
from mlpbook.grading.exports import (
    CanvasFile,
    canvas_columns,
    canvas_csv,
    canvas_file,
    read_roster,
    student_of,
)

ROOT = Path(__file__).resolve().parents[1]

GRADEBOOK = """\
Student,ID,SIS User ID,SIS Login ID,Section,HW4 Activation functions (5101),HW6 Backpropagation \
(5106),Quiz 6: backpropagation (5206),Current Score,Final Score
    Points Possible,,,,,14,9,2,(read only),(read only)
"Smith, Alice",90000,S1,asmith,Sec A,,,,0,0
"Jones, Bob",90001,S2,bjones,Sec B,,,,0,0
"Lee, Dan",90003,S4,dlee,Sec A,,,,0,0
"""


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def _result(path, set_name, score, max_score=9):
    return {"submission": str(path), "set": set_name, "score": score, "max_score": max_score,
            "error": None, "questions": []}


@pytest.fixture
def roster(tmp_path):
    path = tmp_path / "gradebook.csv"
    path.write_text(GRADEBOOK, encoding="utf-8")
    return read_roster(path)


def test_canvas_bulk_download_names():
    assert canvas_file("subs/smithalice_90000_7700001_06_backpropagation.ipynb") == CanvasFile(
        "smithalice", "90000", 7700001, False, "06_backpropagation.ipynb", 0)
    assert canvas_file("smithalice_LATE_90000_7700002_06_backpropagation-1.ipynb") == \
        CanvasFile("smithalice", "90000", 7700002, True, "06_backpropagation-1.ipynb", 1)
    assert canvas_file("jonesbob_90001_7700003_my_notebook-12.ipynb").resubmission == 12
    for other in ("alice_06_backpropagation.ipynb", "06_backpropagation.ipynb",
                  "carol-06_backpropagation.ipynb"):
        assert canvas_file(other) is None, other
    assert student_of("smithalice_LATE_90000_7700002_06_backpropagation-1.ipynb",
                      "06_backpropagation") == "smithalice"
    assert student_of("alice_06_backpropagation-2.ipynb", "06_backpropagation") == "alice"
    assert student_of("subs/dan/06_backpropagation.ipynb", "06_backpropagation") == "dan"


def test_the_roster_gives_students_and_assignment_columns(roster):
    assert [s["Student"] for s in roster.students] == ["Smith, Alice", "Jones, Bob", "Lee, Dan"]
    assert roster.assignments == ["HW4 Activation functions (5101)", "HW6 Backpropagation (5106)",
                                  "Quiz 6: backpropagation (5206)"]


def test_columns_mapped_matched_or_new(roster):
    columns, notes = canvas_columns(["04_activation_functions"], roster)
    assert columns == {"04_activation_functions": "HW4 Activation functions (5101)"}
    assert notes == ["04_activation_functions -> column 'HW4 Activation functions (5101)' (its "
                     "name matches the set)"]
    # two columns name backpropagation and carry the number 6: refused, with the way out
    with pytest.raises(ValueError) as refused:
        canvas_columns(["06_backpropagation"], roster)
    assert str(refused.value) == (
        "06_backpropagation matches several assignment columns of the roster: 'HW6 "
        "Backpropagation (5106)'; 'Quiz 6: backpropagation (5206)'; choose one with "
        "--canvas-column 06_backpropagation=\"HW6 Backpropagation (5106)\"")
    columns, notes = canvas_columns(
        ["06_backpropagation", "04_activation_functions", "05_losses_and_output_layers"], roster,
        {"06_backpropagation": "HW6 Backpropagation (5106)"})
    assert columns == {"04_activation_functions": "HW4 Activation functions (5101)",
                       "05_losses_and_output_layers": "05_losses_and_output_layers",
                       "06_backpropagation": "HW6 Backpropagation (5106)"}
    assert "06_backpropagation -> column 'HW6 Backpropagation (5106)' (--canvas-column)" in notes
    assert any(n.startswith("05_losses_and_output_layers: no assignment column of the roster "
                            "matches; written as a new column") for n in notes)
    with pytest.raises(ValueError, match="the roster has no such column; its assignment "
                                         "columns are: 'HW4"):
        canvas_columns(["06_backpropagation"], roster, {"06_backpropagation": "HW6 (1)"})
    with pytest.raises(ValueError, match=r"exact header 'Name \(ID\)'"):
        canvas_columns(["06_backpropagation"], None, {"06_backpropagation": "HW6"})
    columns, notes = canvas_columns(["06_backpropagation"], None,
                                    {"06_backpropagation": "HW6 Backpropagation (5106)"})
    assert columns == {"06_backpropagation": "HW6 Backpropagation (5106)"}
    columns, notes = canvas_columns(["06_backpropagation"])
    assert columns == {"06_backpropagation": "06_backpropagation"}
    assert "written as a new column '06_backpropagation'" in notes[0]


def test_canvas_names_are_matched_by_user_id_and_the_latest_counts(roster, tmp_path):
    subs = tmp_path / "submissions"
    subs.mkdir()
    files = {}
    for name, age in (("smithalice_90000_7700001_04_activation_functions.ipynb", 30),
                      ("smithalice_LATE_90000_7700009_04_activation_functions.ipynb", 20),
                      ("renamedlogin_90001_7700002_04_activation_functions.ipynb", 0),
                      ("jonesbob_90001_7700002_04_activation_functions-1.ipynb", 50),
                      ("jonesbob_90001_7700002_04_activation_functions-2.ipynb", 60),
                      ("zed_99999_7700005_04_activation_functions.ipynb", 0),
                      ("early/dlee-04_activation_functions.ipynb", 10),
                      ("late/dlee-04_activation_functions.ipynb", 5)):
        files[name] = subs / name
        files[name].parent.mkdir(exist_ok=True)
        files[name].write_text("{}")
        os.utime(files[name], (1_700_000_000 - age,) * 2)
    scores = {"smithalice_90000_7700001_04_activation_functions.ipynb": 9,
              "smithalice_LATE_90000_7700009_04_activation_functions.ipynb": 5,
              "renamedlogin_90001_7700002_04_activation_functions.ipynb": 1,
              "jonesbob_90001_7700002_04_activation_functions-1.ipynb": 3,
              "jonesbob_90001_7700002_04_activation_functions-2.ipynb": 2,
              "zed_99999_7700005_04_activation_functions.ipynb": 5,
              "early/dlee-04_activation_functions.ipynb": 7,
              "late/dlee-04_activation_functions.ipynb": 6}
    results = [_result(files[n], "04_activation_functions", s) for n, s in scores.items()]
    results.append({**_result(subs / "unknown.ipynb", None, 0, 0),
                    "error": "cannot tell which exercise set this is (use --set)"})
    text, notes = canvas_csv(results, roster)
    rows = _rows(text)
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                       "HW4 Activation functions (5101)"]
    assert rows[1] == ["Points Possible", "", "", "", "", "11"]
    # Alice: the higher submission id (the late one) is the latest; Bob: same submission id,
    # matched by his Canvas id whatever the login part, resubmission -2 is the latest; Dan:
    # no Canvas names, the latest modified
    assert {r[0]: r[5] for r in rows[2:]} == {"Smith, Alice": "5", "Jones, Bob": "2",
                                              "Lee, Dan": "6"}
    assert f"{subs / 'zed_99999_7700005_04_activation_functions.ipynb'}: no student 'zed' " \
        "(Canvas user id 99999) in the roster; left out" in notes
    assert f"{subs / 'unknown.ipynb'}: cannot tell which exercise set this is (use --set); " \
        "left out" in notes
    assert ("Smith, Alice, 04_activation_functions: 2 submissions; kept "
            f"{files['smithalice_LATE_90000_7700009_04_activation_functions.ipynb']} (the "
            "latest); set aside "
            f"{files['smithalice_90000_7700001_04_activation_functions.ipynb']}") in notes
    bob = next(n for n in notes if n.startswith("Jones, Bob"))
    assert bob.startswith("Jones, Bob, 04_activation_functions: 3 submissions; kept "
                          f"{files['jonesbob_90001_7700002_04_activation_functions-2.ipynb']} "
                          "(the latest); set aside ")
    # --keep highest: the highest score (the latest among equal ones)
    text, notes = canvas_csv(results, roster, keep="highest")
    assert {r[0]: r[5] for r in _rows(text)[2:]} == {"Smith, Alice": "9", "Jones, Bob": "3",
                                                     "Lee, Dan": "7"}
    assert any(n.startswith("Smith, Alice, 04_activation_functions: 2 submissions; kept ")
               and "(the highest score, 9/9)" in n for n in notes)
    # no roster: the students come from the names, with their Canvas ids
    text, _ = canvas_csv(results)
    by_id = {r[1]: r for r in _rows(text)[2:]}
    assert by_id["90000"][0] == "smithalice" and by_id["90000"][5] == "5"
    assert by_id["99999"][5] == "5"
    with pytest.raises(ValueError, match="keep must be one of latest, highest; got 'best'"):
        canvas_csv(results, roster, keep="best")


def test_fractional_scores_pass_through():
    text, _ = canvas_csv([_result("alice_06_backpropagation.ipynb", "06_backpropagation", 7.5)])
    assert _rows(text)[2][5] == "7.5"


def _student_copy(source: Path, dest: Path) -> None:
    notebook = json.loads(source.read_text(encoding="utf-8"))
    notebook["metadata"]["mlpbook"] = {"exercise_set": source.stem}
    dest.write_text(json.dumps(notebook), encoding="utf-8")


def test_grade_writes_into_the_existing_assignment_column(tmp_path, capsys):
    subs = tmp_path / "submissions"
    subs.mkdir()
    solution = ROOT / "solutions" / "06_backpropagation.ipynb"
    _student_copy(solution, subs / "smithalice_90000_7700001_06_backpropagation.ipynb")
    shutil.copy(ROOT / "exercises" / "06_backpropagation.ipynb",
                subs / "jonesbob_LATE_90001_7700002_06_backpropagation.ipynb")
    before = {p.name: p.read_bytes() for p in subs.iterdir()}
    gradebook = tmp_path / "gradebook.csv"
    gradebook.write_text(GRADEBOOK, encoding="utf-8")
    out = tmp_path / "import.csv"
    # ambiguous: refused before any grading, nothing written
    assert main(["grade", str(subs), "--canvas", str(out), "--roster", str(gradebook)]) == 2
    err = capsys.readouterr().err
    assert "06_backpropagation matches several assignment columns of the roster" in err
    assert "graded" not in err and not out.exists()
    assert main(["grade", str(subs), "--canvas", str(out), "--roster", str(gradebook),
                 "--canvas-column", "06_backpropagation=HW6 Backpropagation (5106)",
                 "--jobs", "1"]) == 0
    err = capsys.readouterr().err
    assert "06_backpropagation -> column 'HW6 Backpropagation (5106)' (--canvas-column)" in err
    rows = _rows(out.read_text())
    assert rows[0][5:] == ["HW6 Backpropagation (5106)"] and rows[1][5:] == ["11"]
    assert {r[0]: r[5] for r in rows[2:]} == {"Smith, Alice": "11", "Jones, Bob": "0",
                                              "Lee, Dan": ""}
    assert {p.name: p.read_bytes() for p in subs.iterdir()} == before  # inputs untouched
    for bad, message in (
            (["--canvas-column", "06_backpropagation"], "--canvas-column expects SET="),
            (["--canvas-column", "6_backprop=X (1)"], "unknown exercise set '6_backprop'"),
            (["--canvas-column", "06_backpropagation=HW6 (1)"], "the roster has no such column")):
        assert main(["grade", str(subs), "--canvas", str(out), "--roster", str(gradebook),
                     *bad]) == 2
        assert message in capsys.readouterr().err
    for flag in (["--keep", "highest"], ["--canvas-column", "06_backpropagation=X (1)"]):
        assert main(["grade", str(subs), *flag]) == 2
        assert f"{flag[0]} is read only with --canvas" in capsys.readouterr().err
