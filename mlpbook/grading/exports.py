"""Grades for learning-management systems: Gradescope and Canvas, as they really are.

Gradescope
----------
- :func:`gradescope_results`: Gradescope's ``results.json`` for one graded submission, with
  the fields Gradescope documents and no others (top level: ``score``, ``output``,
  ``visibility``, ``stdout_visibility``, ``tests``; each test: ``name``, ``score``,
  ``max_score``, ``status``, ``output``, ``visibility``). Each question gives two tests:

  * ``"<id> <name>: public cases"``, worth nothing (``max_score`` 0) and always visible: the
    result of the public cases, those ``check()`` runs in the student's notebook, so a student
    sees at once on Gradescope what ``check()`` told them;
  * ``"<id> <name>"``, carrying the question's points and the grader's message. Its points
    depend on the hidden cases (drawn from the instructor's grading key), so its visibility is
    the instructor's choice (``hidden_visibility``: ``after_due_date`` by default, or
    ``visible``, ``hidden``, ``after_published``): shown before the due date, a passed
    public test next to a lost point would tell a student that a hidden case fails.

  Points pass through as the grader gives them (an integer, or a fraction for partial credit).
- :func:`autograder_zip`: the autograder to upload, for one declared exercise set:
  ``setup.sh`` (run once by Gradescope, as root, on Ubuntu 22.04 whose ``python3`` is Python
  3.10): installs ``python3-venv`` and ``python3-pip`` with ``apt-get`` when ``python3 -m venv``
  cannot work, makes a virtual environment of its own, ``/autograder/venv``, as Gradescope's
  Python example does, and installs the package's wheel into it, so that the system's Python is
  never touched (PEP 668 forbids it on Debian 12 and later); ``run_autograder`` (run for every
  submission) gives the grader the grading key kept in the zip (``grading_key``) and runs
  :func:`autograde` with that environment's Python; the wheel; the key.
- :func:`autograde`: grades the notebook found in ``/autograder/submission`` into
  ``/autograder/results/results.json`` (``python -m mlpbook.grading.exports --set NAME``). The
  notebook is :func:`pick_notebook`'s choice; a notebook of another exercise set scores 0 with
  the reason (the grader refuses it); with nothing to grade, the results say so.

Canvas
------
- :func:`canvas_csv`: a Canvas gradebook import file: ``Student, ID, SIS User ID, SIS Login ID,
  Section``, then one column per exercise set, a "Points Possible" row first. Canvas matches an
  import column to an existing assignment by its exact header ``Name (ID)`` (as in the
  instructor's gradebook export, e.g. ``HW4 Activation functions (5101)``); any other header
  makes Canvas create a new assignment. :func:`canvas_columns` says which header each set gets:
  the instructor's mapping (``--canvas-column SET="Name (ID)"``) first, else the one assignment
  column of the roster (a gradebook export) whose name contains the set's topic (narrowed by the
  set's number when several do; still several is refused), else a new column named after the
  set.
- Students come from the roster (``Student, ID, SIS User ID, SIS Login ID, Section`` and the
  assignment columns; :func:`read_roster`) or else from the file names. Canvas's bulk download
  names files ``login_USERID_SUBMISSIONID_original.ipynb`` (``login_LATE_...`` when late; a
  resubmitted file gets ``-1``, ``-2`` before its extension: :func:`canvas_file`); such a file
  belongs to the roster row whose ``ID`` is the Canvas user id, else (and for other names,
  ``alice_06_backpropagation.ipynb``) to the row whose login, SIS id, Canvas id or name is the
  student part of the name.
- Several submissions of one student for one set: the latest counts by default (the highest
  Canvas submission id, then the highest resubmission number, then the latest modification
  time), or with ``keep="highest"`` the highest score (the latest among equal scores); the
  output names the files set aside.
"""

from __future__ import annotations

import csv
import io
import os
import re
import secrets
import shlex
import stat
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["VISIBILITIES", "gradescope_results", "pick_notebook", "autograde", "grading_key_for",
           "autograder_zip", "GradingKey", "canvas_csv", "canvas_columns", "canvas_file",
           "CanvasFile", "student_of", "read_roster", "Roster", "CANVAS_COLUMNS", "KEEP"]

VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
KEEP = ("latest", "highest")
KEY_VARIABLE = "MLPBOOK_GRADING_KEY"  # read by mlpbook.grading.questions.grading_key


def _number(x):
    """Points as JSON and CSV want them: an int stays an int, anything else is a float."""
    if isinstance(x, bool):
        return int(x)
    if isinstance(x, int):
        return x
    value = float(x)
    return int(value) if value.is_integer() and not isinstance(x, float) else value


def _visibility(value: str, what: str = "visibility") -> str:
    if value not in VISIBILITIES:
        raise ValueError(f"{what} must be one of {', '.join(VISIBILITIES)}; got {value!r}")
    return value


# Gradescope: results.json --------------------------------------------------------------------
def _status(status) -> str:
    return "passed" if status == "passed" else "failed"


def _text(part: dict) -> str:
    message = part.get("message")
    return f"{part.get('status')}: {message}" if message else str(part.get("status"))


def gradescope_results(result: dict, hidden_visibility: str = "after_due_date",
                       notes=()) -> dict:
    """Gradescope's results.json for one submission graded by :func:`grade_one` (see the
    module's docstring); ``notes`` go first in the top-level ``output``."""
    _visibility(hidden_visibility, "the visibility of the scored tests")
    tests = []
    for q in result["questions"]:
        label = f"{q['id']} {q['name']}"
        public, hidden = q.get("public"), q.get("hidden")
        if public is None and hidden is None:
            public = q  # no cases run apart (e.g. not attempted): nothing hidden to give away
        if public is not None:  # a question with hidden cases only has no public test
            tests.append({"name": f"{label}: public cases", "score": 0, "max_score": 0,
                          "status": _status(public.get("status")), "output": _text(public),
                          "visibility": "visible"})
        tests.append({"name": label, "score": _number(q["points"]),
                      "max_score": _number(q["max_points"]), "status": _status(q["status"]),
                      "output": _text(q), "visibility": hidden_visibility})
    lines = [str(n) for n in notes if n]
    if result.get("error"):
        lines.append(f"Submission: {result['error']}")
    lines += [f"Cell {e['cell']} ({e['first_line']}): {e['error']}"
              for e in result.get("cell_errors", [])]
    out = {"score": _number(result["score"]), "visibility": "visible",
           "stdout_visibility": "hidden", "tests": tests}
    if lines:
        out["output"] = "\n".join(lines)
    return out


def _nothing_graded(output: str) -> dict:
    return {"score": 0, "output": output, "visibility": "visible", "stdout_visibility": "hidden",
            "tests": []}


# Gradescope: which notebook ------------------------------------------------------------------
def _uploaded(folder: Path) -> tuple[list[Path], list[Path]]:
    """(notebooks, other files) uploaded under ``folder``: links are not followed, and hidden
    files and folders (``.ipynb_checkpoints``, ``._x.ipynb``) and ``__MACOSX`` are skipped."""
    notebooks, others = [], []
    for top, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__MACOSX")
        for name in sorted(files):
            path = Path(top) / name
            if name.startswith(".") or not stat.S_ISREG(os.lstat(path).st_mode):
                continue
            (notebooks if name.endswith(".ipynb") else others).append(path)
    return notebooks, others


def _set_of(path: Path, known: list[str]) -> str | None:
    from .submission import read_submission, set_name_of

    try:
        return set_name_of(read_submission(path), known)
    except OSError:
        return None


def pick_notebook(folder, set_name: str) -> tuple[Path | None, str]:
    """(The notebook to grade among those uploaded to ``folder``, a sentence saying which and
    why, or why there is none). Several notebooks: the one of exercise set ``set_name`` (by its
    metadata, else its file name); several of that set, or none: the most recently modified."""
    from .sets import exercise_sets

    folder = Path(folder)
    if not folder.is_dir():
        return None, f"no submission folder ({folder}) was found; nothing to grade"
    notebooks, others = _uploaded(folder)
    rel = [p.relative_to(folder).as_posix() for p in notebooks]
    if not notebooks:
        names = [p.relative_to(folder).as_posix() for p in others]
        shown = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10
                                         else "")
        return None, ("no notebook (.ipynb file) was found in the submission; "
                      + (f"the files uploaded are: {shown}" if names else "nothing was uploaded")
                      + f". Upload your exercise notebook ({set_name}.ipynb).")
    if len(notebooks) == 1:
        return notebooks[0], ""
    known = list(exercise_sets())
    matching = [p for p in notebooks if _set_of(p, known) == set_name]
    pool = matching or notebooks
    chosen = max(pool, key=lambda p: (os.lstat(p).st_mtime_ns, str(p)))
    if len(matching) == 1:
        why = f"the only one of exercise set {set_name}"
    elif matching:
        why = f"the most recently modified of the {len(matching)} of exercise set {set_name}"
    else:
        why = f"none is of exercise set {set_name}, so the most recently modified"
    return chosen, (f"{len(notebooks)} notebooks were uploaded ({', '.join(rel)}); graded "
                    f"{chosen.relative_to(folder).as_posix()}: {why}.")


def autograde(root="/autograder", set_name: str = "", hidden_visibility: str = "after_due_date",
              limits=None) -> dict:
    """Grade the submission in ``root/submission`` as exercise set ``set_name`` and write
    ``root/results/results.json``; returns what was written."""
    import json

    from .grade import ReportFile, grade_one

    root = Path(root)
    notebook, note = pick_notebook(root / "submission", set_name)
    if notebook is None:
        results = _nothing_graded(note)
    else:
        result = grade_one(notebook, set_name=set_name, limits=limits)
        results = gradescope_results(result, hidden_visibility, [note])
    (root / "results").mkdir(parents=True, exist_ok=True)
    report = ReportFile(root / "results" / "results.json")
    try:
        report.write(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    finally:
        report.close()
    return results


def _autograde_main(argv=None) -> int:
    """``run_autograder``'s command: ``python -m mlpbook.grading.exports --set NAME``."""
    import argparse

    from .isolation import describe
    from .runner import Limits, protections
    from .sets import exercise_sets

    parser = argparse.ArgumentParser(
        prog="python -m mlpbook.grading.exports",
        description="Gradescope's run_autograder: grade the notebook in ROOT/submission as one "
        "exercise set into ROOT/results/results.json.")
    parser.add_argument("--root", default=os.environ.get("AUTOGRADER_ROOT", "/autograder"))
    parser.add_argument("--set", required=True, choices=list(exercise_sets()), metavar="NAME")
    parser.add_argument("--hidden-visibility", default="after_due_date", choices=VISIBILITIES)
    parser.add_argument("--timeout", type=float, default=10.0)
    args = parser.parse_args(argv)
    limits = Limits(timeout=args.timeout)
    print(describe(protections(limits)))
    if not os.environ.get(KEY_VARIABLE):
        print(f"{KEY_VARIABLE} is not set: the hidden cases are those anyone holding the "
              "instructor package can draw")
    results = autograde(args.root, args.set, args.hidden_visibility, limits)
    print(f"score {results['score']}; {len(results['tests'])} tests")
    if results.get("output"):
        print(results["output"])
    return 0


# Gradescope: the autograder zip ---------------------------------------------------------------
def _instructor_wheel(dest_dir) -> Path:
    """The instructor wheel (with the exercise sets and their references), for the autograder."""
    from .wheels import build_wheel

    return build_wheel(dest_dir, student=False)


KEY_IN_ZIP = "grading_key"

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image (Ubuntu 22.04, whose
# python3 is Python 3.10). The grader gets a virtual environment of its own, as in Gradescope's
# Python example: nothing is installed into the system's Python (PEP 668 forbids that on
# Debian 12 and later). AUTOGRADER_ROOT (default /autograder) is for trying it elsewhere.
set -euo pipefail
cd "$(dirname "$0")"
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
if ! python3 -c "import ensurepip, venv" >/dev/null 2>&1; then
    # python3 -m venv needs python3-venv on Debian and Ubuntu
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y python3-venv python3-pip
fi
python3 -m venv "$ROOT/venv"
"$ROOT/venv/bin/python" -m pip install --upgrade pip \\
    || echo "setup.sh: could not upgrade pip; installing with the one the venv has"
"$ROOT/venv/bin/python" -m pip install ./{wheel}
chmod 600 {key}
"$ROOT/venv/bin/python" -c "import mlpbook.grading.sets"
echo "setup.sh: mlpbook is installed in $ROOT/venv"
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission, from /autograder: grade the notebook uploaded to
# submission/ as exercise set {set_name} into results/results.json, with the Python of the
# autograder's own environment (made by setup.sh) and the grading key kept in the zip.
# AUTOGRADER_ROOT (default /autograder) is for trying it elsewhere.
set -uo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
mkdir -p "$ROOT/results"
rm -f "$ROOT/results/results.json"
MLPBOOK_GRADING_KEY="$(cat "$ROOT/source/{key}")"
export MLPBOOK_GRADING_KEY
"$ROOT/venv/bin/python" -m mlpbook.grading.exports --root "$ROOT" --set {set_q} \\
    --hidden-visibility {visibility} --timeout {timeout:g}
status=$?
if [ ! -s "$ROOT/results/results.json" ]; then
    printf '{{"score": 0, "output": "the grader stopped before writing its results (exit %s); ' \\
        "$status" > "$ROOT/results/results.json"
    printf 'please tell your instructor", "visibility": "visible", ' \\
        >> "$ROOT/results/results.json"
    printf '"stdout_visibility": "hidden", "tests": []}}\\n' >> "$ROOT/results/results.json"
fi
"""


@dataclass(frozen=True)
class GradingKey:
    key: str = field(repr=False)
    source: str  # where it came from, for the instructor (never the key itself)
    new_file: Path | None = None  # where a freshly generated key is to be kept


def _valid_key(text: str, where: str) -> str:
    key = text.strip()
    if not key:
        raise ValueError(f"{where} is empty; expected the grading key (a secret line of text)")
    if "\n" in key or "\r" in key or "\0" in key:
        raise ValueError(f"{where} holds several lines; expected the grading key on one line")
    return key


def grading_key_for(out, key_file=None, environ=None) -> GradingKey:
    """The grading key an autograder zip ``out`` carries: from ``key_file``, else from
    ``MLPBOOK_GRADING_KEY``, else a fresh random key, to be kept in ``<out>.key``."""
    environ = os.environ if environ is None else environ
    if key_file is not None:
        try:
            text = Path(key_file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ValueError(f"--key-file {key_file}: cannot read it "
                             f"({getattr(exc, 'strerror', None) or exc})") from None
        return GradingKey(_valid_key(text, f"--key-file {key_file}"), f"--key-file {key_file}")
    if environ.get(KEY_VARIABLE, "").strip():
        return GradingKey(_valid_key(environ[KEY_VARIABLE], KEY_VARIABLE), KEY_VARIABLE)
    kept = Path(f"{out}.key")
    if os.path.lexists(kept):
        raise ValueError(f"{kept} exists (the key of an earlier autograder?); pass it with "
                         f"--key-file {kept} to build with that key, or move it away")
    return GradingKey(secrets.token_urlsafe(32), "a new random key", kept)


def _keep_key(key: GradingKey) -> None:
    """Write a freshly generated key to its file, readable by its owner only."""
    fd = os.open(key.new_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
                 | os.O_CLOEXEC, 0o600)
    with open(fd, "w", encoding="utf-8") as f:
        f.write(key.key + "\n")


def autograder_zip(out, set_name: str, timeout: float = 10.0,
                   hidden_visibility: str = "after_due_date",
                   key: GradingKey | None = None) -> Path:
    """Write the Gradescope autograder zip ``out`` for exercise set ``set_name``: setup.sh,
    run_autograder, the package's wheel and the grading key ``key`` (by default
    :func:`grading_key_for`; a new key is kept beside the zip in ``<out>.key``, mode 0600)."""
    import tempfile

    from .sets import exercise_sets

    sets = exercise_sets()
    if set_name not in sets:
        raise ValueError(f"the autograder grades one exercise set; expected one of "
                         f"{', '.join(sets)}; got {set_name!r}")
    _visibility(hidden_visibility, "the visibility of the scored tests")
    key = key or grading_key_for(out)
    out = Path(out)
    with tempfile.TemporaryDirectory() as tmp:
        wheel = _instructor_wheel(tmp)
        out.parent.mkdir(parents=True, exist_ok=True)
        scripts = (("setup.sh", SETUP_SH.format(wheel=wheel.name, key=KEY_IN_ZIP), 0o755),
                   ("run_autograder", RUN_AUTOGRADER.format(
                       set_name=set_name, set_q=shlex.quote(set_name), key=KEY_IN_ZIP,
                       visibility=hidden_visibility, timeout=timeout), 0o755),
                   (KEY_IN_ZIP, key.key + "\n", 0o600))
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            for arcname, text, mode in scripts:
                info = zipfile.ZipInfo(arcname, (2020, 1, 1, 0, 0, 0))
                info.external_attr = (stat.S_IFREG | mode) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                z.writestr(info, text)
            info = zipfile.ZipInfo(wheel.name, (2020, 1, 1, 0, 0, 0))
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            z.writestr(info, wheel.read_bytes(), zipfile.ZIP_DEFLATED)
    if key.new_file is not None:
        _keep_key(key)
    return out


# Canvas ---------------------------------------------------------------------------------------
_CANVAS_NAME = re.compile(r"^(?P<login>[^_]+?)(?P<late>_LATE)?_(?P<user>\d+)_(?P<submission>\d+)"
                          r"_(?P<original>.+)$")
_RESUBMISSION = re.compile(r"-(\d+)$")
_ASSIGNMENT = re.compile(r"^(?P<name>.*\S)\s*\((?P<id>\d+)\)$")


@dataclass(frozen=True)
class CanvasFile:
    """What the name of a file of Canvas's bulk download says: ``smithalice_LATE_90000_7700001_
    06_backpropagation-1.ipynb``: login-ish name, late or not, Canvas user id, submission id, the
    student's own file name, and its resubmission number (1, from ``-1``; 0 for none)."""
    login: str
    user_id: str
    submission_id: int
    late: bool
    original: str
    resubmission: int


def _resubmission(stem: str) -> int:
    m = _RESUBMISSION.search(stem)
    return int(m.group(1)) if m else 0


def canvas_file(path) -> CanvasFile | None:
    """The parts of a Canvas bulk-download file name, or None for another name."""
    m = _CANVAS_NAME.match(Path(path).name)
    if m is None:
        return None
    original = m.group("original")
    return CanvasFile(m.group("login"), m.group("user"), int(m.group("submission")),
                      bool(m.group("late")), original, _resubmission(Path(original).stem))


def student_of(submission: str, set_name: str | None) -> str:
    """The student a submission file belongs to, from its name: ``alice_06_backpropagation
    .ipynb`` -> ``alice``, Canvas's ``smithalice_90000_7700001_06_backpropagation.ipynb`` ->
    ``smithalice``; a file named after the set alone -> the folder it is in."""
    path = Path(submission)
    canvas = canvas_file(path)
    if canvas is not None:
        return canvas.login
    stem = path.stem
    if set_name and set_name in stem:
        stem = stem.replace(set_name, "")
    stem = _RESUBMISSION.sub("", stem.strip(" _-.")).strip(" _-.")
    return stem or path.parent.name


@dataclass
class Roster:
    """The students of a roster CSV (rows with the Canvas columns) and its assignment columns
    (headers ``Name (ID)``, in the file's order)."""
    students: list[dict]
    assignments: list[str] = field(default_factory=list)


def read_roster(path) -> Roster:
    """A roster: a Canvas gradebook export will do (its "Points Possible" row and columns other
    than the Canvas ones and the assignments are ignored), or any CSV with a ``Student``
    column."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
        header = reader.fieldnames or []
    if "Student" not in header:
        raise ValueError(f"{path}: a roster needs a header with the columns "
                         f"{', '.join(CANVAS_COLUMNS)} (a Canvas gradebook export); got "
                         f"{', '.join(header) or 'an empty file'}")
    students = [{c: (r.get(c) or "").strip() for c in CANVAS_COLUMNS} for r in rows
                if (r.get("Student") or "").strip() and not (
                    r["Student"].strip() in ("Points Possible", "Manual Posting")
                    and not (r.get("ID") or "").strip())]
    return Roster(students, [h for h in header if h and _ASSIGNMENT.match(h.strip())])


def _squash(text: str) -> str:
    return re.sub(r"\W+", "", text.casefold())


def _match(students: list[dict], name: str) -> dict | None:
    """The roster row whose login, SIS id, Canvas id or name is the file's student name."""
    key = name.casefold()
    for column in ("SIS Login ID", "SIS User ID", "ID", "Student"):
        for row in students:
            value = row[column].casefold()
            if value and (value == key or _squash(value) == _squash(key)):
                return row
    return None


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z]+|\d+", text.casefold())


def _candidates(set_name: str, assignments: list[str]) -> list[str]:
    """The assignment columns whose name contains the set's topic words (e.g. "activation
    functions"), narrowed to those that also carry the set's number when several do."""
    number, *topic = set_name.split("_")
    found = []
    for header in assignments:
        words = _words(_ASSIGNMENT.match(header.strip()).group("name"))
        if any(words[i:i + len(topic)] == topic for i in range(len(words) - len(topic) + 1)):
            found.append(header)
    if len(found) > 1 and number.isdigit():
        numbered = [h for h in found if any(w.isdigit() and int(w) == int(number)
                                            for w in _words(_ASSIGNMENT.match(
                                                h.strip()).group("name")))]
        found = numbered or found
    return found


def canvas_columns(sets, roster: Roster | None = None,
                   mapping: dict[str, str] | None = None) -> tuple[dict[str, str], list[str]]:
    """({set: the header of its column}, a sentence per set saying which and why). Raises
    ValueError for a mapping to a column the roster does not have (or not ``Name (ID)`` when
    there is no roster), and when a set matches several assignment columns."""
    mapping = dict(mapping or {})
    assignments = roster.assignments if roster is not None else []
    columns, notes, taken = {}, [], {}
    for set_name, header in mapping.items():
        if roster is not None and header not in assignments:
            shown = "; ".join(repr(a) for a in assignments) or "none"
            raise ValueError(f"--canvas-column {set_name}={header!r}: the roster has no such "
                             f"column; its assignment columns are: {shown}")
        if roster is None and not _ASSIGNMENT.match(header):
            raise ValueError(f"--canvas-column {set_name}={header!r}: Canvas matches a column "
                             "to an assignment by its exact header 'Name (ID)' as in the "
                             "gradebook export, e.g. 'HW4 Activation functions (5101)'")
    for set_name in sorted(set(sets)):
        if set_name in mapping:
            columns[set_name] = mapping[set_name]
            notes.append(f"{set_name} -> column {mapping[set_name]!r} (--canvas-column)")
        elif assignments:
            found = [h for h in _candidates(set_name, assignments)
                     if h not in mapping.values()]
            if len(found) > 1:
                raise ValueError(
                    f"{set_name} matches several assignment columns of the roster: "
                    f"{'; '.join(repr(h) for h in found)}; choose one with --canvas-column "
                    f"{set_name}=\"{found[0]}\"")
            if found:
                columns[set_name] = found[0]
                notes.append(f"{set_name} -> column {found[0]!r} (its name matches the set)")
            else:
                columns[set_name] = set_name
                notes.append(f"{set_name}: no assignment column of the roster matches; written "
                             f"as a new column {set_name!r} (Canvas creates a new assignment; "
                             f"to fill an existing one, --canvas-column {set_name}=\"Name (ID)"
                             "\")")
        else:
            columns[set_name] = set_name
            where = "the roster has no assignment columns ('Name (ID)'); " if roster else ""
            notes.append(f"{set_name}: {where}written as a new column {set_name!r} (Canvas "
                         "creates a new assignment; to fill an existing one, give the gradebook "
                         f"export as --roster or --canvas-column {set_name}=\"Name (ID)\")")
        header = columns[set_name]
        if header in taken and header != set_name:
            raise ValueError(f"{taken[header]} and {set_name} would both be written to the "
                             f"column {header!r}; map them with --canvas-column")
        taken[header] = set_name
    return columns, notes


def _order(result: dict) -> tuple:
    """Later submissions sort later: Canvas submission id, resubmission number, modification
    time (then the path, for a total order)."""
    path = Path(result["submission"])
    canvas = canvas_file(path)
    try:
        mtime = os.stat(path).st_mtime_ns
    except OSError:
        mtime = 0
    return (canvas.submission_id if canvas else -1,
            canvas.resubmission if canvas else _resubmission(path.stem), mtime, str(path))


def _cell(value) -> str:
    value = _number(value)
    return str(value) if isinstance(value, int) else repr(value)


def canvas_csv(results: list[dict], roster: Roster | None = None,
               mapping: dict[str, str] | None = None,
               keep: str = "latest") -> tuple[str, list[str]]:
    """(The gradebook import CSV, sentences for the instructor: the column of each set, the
    submissions left out and why, and the files set aside when a student has several
    submissions for one set)."""
    from .sets import exercise_sets

    if keep not in KEEP:
        raise ValueError(f"keep must be one of {', '.join(KEEP)}; got {keep!r}")
    if isinstance(roster, list):  # a plain list of rows
        roster = Roster(roster)
    sets = exercise_sets()
    columns, notes = canvas_columns([r["set"] for r in results if r["set"]], roster, mapping)
    rows: dict[str, dict] = {}
    if roster is not None:
        for row in roster.students:
            rows[row["ID"] or row["Student"]] = {**row}
    chosen: dict[tuple[str, str], list[dict]] = {}
    warnings = []
    for r in results:
        if not r["set"]:
            warnings.append(f"{r['submission']}: "
                            f"{r.get('error') or 'cannot tell which exercise set this is'}; "
                            "left out")
            continue
        canvas = canvas_file(r["submission"])
        name = student_of(r["submission"], r["set"])
        if roster is not None:
            row = next((s for s in roster.students if canvas and s["ID"] == canvas.user_id),
                       None) or _match(roster.students, name)
            if row is None:
                who = f"{name!r} (Canvas user id {canvas.user_id})" if canvas else repr(name)
                warnings.append(f"{r['submission']}: no student {who} in the roster; left out")
                continue
            key = row["ID"] or row["Student"]
        else:
            key = canvas.user_id if canvas else name
            rows.setdefault(key, {c: "" for c in CANVAS_COLUMNS}
                            | {"Student": name, "ID": canvas.user_id if canvas else ""})
        chosen.setdefault((key, r["set"]), []).append(r)
    for (key, set_name), subs in chosen.items():
        latest = sorted(subs, key=_order)
        kept = latest[-1]
        if keep == "highest":  # the latest of those with the highest score
            best = max(_number(r["score"]) for r in latest)
            kept = [r for r in latest if _number(r["score"]) == best][-1]
        rows[key][set_name] = kept["score"]
        if len(subs) > 1:
            aside = [r["submission"] for r in latest if r is not kept]
            why = "the latest" if keep == "latest" else \
                f"the highest score, {_cell(kept['score'])}/{_cell(kept['max_score'])}"
            warnings.append(f"{rows[key]['Student']}, {set_name}: {len(subs)} submissions; "
                            f"kept {kept['submission']} ({why}); set aside "
                            f"{', '.join(aside)}")
    order = sorted(columns)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*CANVAS_COLUMNS, *(columns[s] for s in order)])
    writer.writerow(["Points Possible", "", "", "", "",
                     *(_cell(sets[s].max_points) if s in sets else "" for s in order)])
    for row in rows.values():
        writer.writerow([row[c] for c in CANVAS_COLUMNS]
                        + [_cell(row[s]) if s in row else "" for s in order])
    return out.getvalue(), notes + warnings


if __name__ == "__main__":
    sys.exit(_autograde_main())
