"""Grades for learning-management systems: Gradescope and Canvas.

- :func:`gradescope_results`: Gradescope's ``results.json`` for one graded submission: the
  ``score``, and ``tests``, one per question, each with ``name``, ``score``, ``max_score``,
  ``output`` (the grader's message) and ``visibility``.
- :func:`autograder_zip`: the autograder an instructor uploads to Gradescope as it is:
  ``setup.sh`` (installs the package from the wheel beside it), ``run_autograder`` (grades the
  notebook found in ``/autograder/submission`` into ``/autograder/results/results.json``) and
  this package as a wheel, built here from the installed source (:func:`build_wheel`).
- :func:`canvas_csv`: a Canvas gradebook import file: ``Student, ID, SIS User ID, SIS Login ID,
  Section``, then one column per exercise set (its points), a "Points Possible" row first; the
  students come from a roster (a Canvas gradebook export, or any CSV with those columns) or
  else from the file names of the submissions.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import re
import zipfile
from pathlib import Path

from .. import __version__

__all__ = ["gradescope_results", "canvas_csv", "student_of", "read_roster", "build_wheel",
           "autograder_zip", "CANVAS_COLUMNS"]

CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")


def gradescope_results(result: dict, visibility: str = "visible") -> dict:
    """Gradescope's results.json for one submission graded by :func:`grade_one`."""
    if visibility not in ("visible", "hidden", "after_due_date", "after_published"):
        raise ValueError(f"visibility must be visible, hidden, after_due_date or "
                         f"after_published; got {visibility!r}")
    tests = [{"name": f"{q['id']} ({q['name']})", "score": q["points"],
              "max_score": q["max_points"], "status": "passed" if q["status"] == "passed"
              else "failed", "output": f"{q['status']}: {q['message']}",
              "visibility": visibility} for q in result["questions"]]
    out = {"score": result["score"], "tests": tests, "visibility": visibility,
           "stdout_visibility": "hidden"}
    notes = []
    if result.get("error"):
        notes.append(f"Submission: {result['error']}")
    notes += [f"Cell {e['cell']} ({e['first_line']}): {e['error']}"
              for e in result.get("cell_errors", [])]
    if notes:
        out["output"] = "\n".join(notes)
    return out


# Canvas ------------------------------------------------------------------------------------
def student_of(submission: str, set_name: str | None) -> str:
    """The student a submission file belongs to, from its name: ``alice_06_backpropagation
    .ipynb`` -> ``alice``; a file named after the set alone -> the folder it is in."""
    path = Path(submission)
    stem = path.stem
    if set_name and set_name in stem:
        stem = stem.replace(set_name, "")
    stem = stem.strip(" _-.")
    return stem or path.parent.name


def read_roster(path) -> list[dict]:
    """Rows of a roster CSV with the Canvas columns (a gradebook export will do: its "Points
    Possible" row and other columns are ignored)."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    if not rows or "Student" not in rows[0]:
        raise ValueError(f"{path}: a roster needs a header with the columns "
                         f"{', '.join(CANVAS_COLUMNS)}")
    return [{c: (r.get(c) or "").strip() for c in CANVAS_COLUMNS} for r in rows
            if (r.get("Student") or "").strip() and "Points Possible" not in r["Student"]]


def _match(roster: list[dict], name: str) -> dict | None:
    """The roster row whose login, SIS id, Canvas id or name is the file's student name."""
    key = name.casefold()
    for column in ("SIS Login ID", "SIS User ID", "ID", "Student"):
        for row in roster:
            value = row[column].casefold()
            if value and (value == key or re.sub(r"\W+", "", value) == re.sub(r"\W+", "", key)):
                return row
    return None


def canvas_csv(results: list[dict], roster: list[dict] | None = None) -> tuple[str, list[str]]:
    """(The gradebook import CSV, warnings about submissions that match no roster row)."""
    from .sets import exercise_sets

    sets = exercise_sets()
    columns = sorted({r["set"] for r in results if r["set"]})
    rows: dict[str, dict] = {}
    warnings = []
    if roster is not None:
        for row in roster:
            rows[row["Student"]] = {**row}
    for r in results:
        name = student_of(r["submission"], r["set"])
        if roster is not None:
            row = _match(roster, name)
            if row is None:
                warnings.append(f"{r['submission']}: no student {name!r} in the roster; left out")
                continue
        else:
            row = rows.setdefault(name, {c: "" for c in CANVAS_COLUMNS} | {"Student": name})
        if r["set"]:
            target = rows[row["Student"]]
            target[r["set"]] = max(r["score"], target.get(r["set"], 0) or 0)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*CANVAS_COLUMNS, *columns])
    writer.writerow(["Points Possible", "", "", "", "", *(sets[c].max_points for c in columns)])
    for row in rows.values():
        writer.writerow([row[c] for c in CANVAS_COLUMNS] + [row.get(c, "") for c in columns])
    return out.getvalue(), warnings


# Gradescope autograder -----------------------------------------------------------------------
def _package_files(root: Path) -> list[Path]:
    return sorted(p for p in (root / "mlpbook").rglob("*") if p.is_file()
                  and "__pycache__" not in p.parts and p.suffix not in (".pyc", ".pyo"))


def build_wheel(dest_dir) -> Path:
    """Write ``mlpbook-<version>-py3-none-any.whl`` (the package's files, its metadata and the
    ``mlpbook`` command) into ``dest_dir``, offline and without build tools."""
    root = Path(__file__).resolve().parents[2]
    name = f"mlpbook-{__version__}"
    info = f"mlpbook-{__version__}.dist-info"
    metadata = (f"Metadata-Version: 2.1\nName: mlpbook\nVersion: {__version__}\n"
                "Summary: A NumPy textbook companion for feedforward neural networks\n"
                "Requires-Python: >=3.10\nRequires-Dist: numpy>=1.24\n")
    files = [(p.relative_to(root).as_posix(), p.read_bytes()) for p in _package_files(root)]
    files += [(f"{info}/METADATA", metadata.encode()),
              (f"{info}/WHEEL", b"Wheel-Version: 1.0\nGenerator: mlpbook\nRoot-Is-Purelib: "
                                b"true\nTag: py3-none-any\n"),
              (f"{info}/entry_points.txt", b"[console_scripts]\nmlpbook = mlpbook.cli:main\n")]
    record = io.StringIO()
    writer = csv.writer(record, lineterminator="\n")
    for arcname, data in files:
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        writer.writerow([arcname, f"sha256={digest}", len(data)])
    writer.writerow([f"{info}/RECORD", "", ""])
    files.append((f"{info}/RECORD", record.getvalue().encode()))
    dest = Path(dest_dir) / f"{name}-py3-none-any.whl"
    dest.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as z:
        for arcname, data in files:
            z.writestr(zipfile.ZipInfo(arcname, (2020, 1, 1, 0, 0, 0)), data,
                       zipfile.ZIP_DEFLATED)
    return dest


SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder's image.
set -euo pipefail
cd "$(dirname "$0")"
python3 -m pip install --upgrade pip
python3 -m pip install ./{wheel}
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission: grade the notebook(s) in submission/ into
# results/results.json. AUTOGRADER_ROOT (default /autograder) is for trying it elsewhere.
set -uo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
mkdir -p "$ROOT/results"
rm -f "$ROOT/results/results.json"
python3 -m mlpbook.cli grade "$ROOT/submission" --jobs 1 --timeout {timeout:g} \\
    --gradescope "$ROOT/results/results.json"{set_flag}
status=$?
if [ ! -s "$ROOT/results/results.json" ]; then
    printf '{{"score": 0, "output": "the grader found no notebook to grade (exit %s)", ' \\
        "$status" > "$ROOT/results/results.json"
    printf '"tests": []}}\\n' >> "$ROOT/results/results.json"
fi
"""


def autograder_zip(out, set_name: str | None = None, timeout: float = 10.0) -> Path:
    """Write the Gradescope autograder zip ``out`` (setup.sh, run_autograder, the wheel)."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        wheel = build_wheel(tmp)
        set_flag = f" --set {set_name}" if set_name else ""
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            for arcname, text in (("setup.sh", SETUP_SH.format(wheel=wheel.name)),
                                  ("run_autograder", RUN_AUTOGRADER.format(
                                      timeout=timeout, set_flag=set_flag))):
                info = zipfile.ZipInfo(arcname, (2020, 1, 1, 0, 0, 0))
                info.external_attr = 0o755 << 16  # executable
                z.writestr(info, text)
            z.write(wheel, wheel.name)
    return out
