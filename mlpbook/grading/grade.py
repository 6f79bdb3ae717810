"""Grade submissions: read each notebook, run it in a sandbox, judge every question against the
reference answers of the installed package, and return plain results (see ``grade_paths``);
write the reports without following links (:class:`ReportFile`).

A submission's results never depend on its check cells, on what it prints, or on other
submissions: the questions, their inputs and their reference answers come from
:mod:`mlpbook.grading.sets`, and the submission's code runs only in sandbox processes. Each
question is judged on its public cases (those ``check`` shows students) and on hidden cases
drawn from the instructor's secret ``MLPBOOK_GRADING_KEY`` (:func:`case_groups`); the report
gives the verdict of each group beside the question's. Judging
is bounded, and whatever goes wrong while judging one question costs only that question.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import secrets
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .. import __version__
from .calling import CaseGroups, judge_groups, whole_points
from .questions import ExerciseSet, Question, Verdict, grading_key
from .runner import Limits, SandboxError, protections, run_submission
from .submission import defined_names, read_submission, set_name_of

__all__ = ["collect", "grade_one", "grade_paths", "to_json", "to_csv", "ReportFile",
           "case_groups", "exercise_sets"]


def exercise_sets() -> dict[str, ExerciseSet]:
    """The exercise sets with their references; a clear error in a student's install."""
    try:
        from .sets import exercise_sets as found
    except ImportError:
        raise RuntimeError("this install of mlpbook is the students' (it has the public cases "
                           "only, no reference answers): grade with the instructor's package "
                           "(the repository, or the wheel of `mlpbook exercises gradescope`)"
                           ) from None
    return found()


_groups: dict[tuple[str, str], CaseGroups] = {}


def case_groups(question: Question, key: str | None = None) -> CaseGroups:
    """The public and hidden cases of ``question`` under the grading ``key`` (default: the
    environment's), computed once per key."""
    key = grading_key() if key is None else key
    found = _groups.get((question.id, key))
    if found is None:
        found = _groups[question.id, key] = CaseGroups.draw(question, key)
    return found


def collect(paths) -> list[Path]:
    """Files to grade: each file given, and every ``*.ipynb`` under each directory given
    (checkpoints excluded), in sorted order within a directory."""
    found = []
    for p in map(Path, paths):
        if p.is_dir():
            found += sorted(f for f in p.rglob("*.ipynb")
                            if ".ipynb_checkpoints" not in f.parts and f.is_file())
        elif p.is_file():
            found.append(p)
        else:
            raise FileNotFoundError(f"no such file or directory: {p}")
    return found


def _first_line(source: str) -> str:
    line = next((s.strip() for s in source.splitlines() if s.strip()), "")
    return line if len(line) <= 60 else line[:57] + "..."


def _honest(question: Question, verdicts: tuple, sub, cell_errors: dict[int, str]) -> tuple:
    """A question "not attempted" because its function was never defined, where the cell that
    defines it failed, is that cell's error (or timeout), with the cell's own message."""
    overall = verdicts[0]
    if overall.status != "missing" or "NotImplementedError" in overall.message:
        return verdicts
    mention = re.compile(rf"^\s*(def|class)\s+{re.escape(question.name)}\b|"
                         rf"^\s*{re.escape(question.name)}\s*=", re.M)
    defining = [i for i, src in enumerate(sub.code_cells)  # a cell that does not parse
                if question.name in defined_names([src]) or mention.search(src)]  # defines none
    failed = [i for i in defining if i in cell_errors]
    if not failed:
        return verdicts
    i = failed[-1]
    error = cell_errors[i]
    status = "timeout" if error.startswith(("timeout", "not finished")) else "error"
    where = f"the cell that defines {question.name} (cell {sub.code_positions[i] + 1}: " \
            f"{_first_line(sub.code_cells[i])})"
    return Verdict(status, 0, f"{error}\nin {where}; {question.name} was never defined"), \
        None, None


def _group(v: Verdict | None) -> dict | None:
    return None if v is None else {"status": v.status, "message": v.message}


def _question_rows(exercise_set: ExerciseSet, verdicts: dict[str, tuple]) -> list[dict]:
    rows = []
    for q in exercise_set.questions:
        overall, public, hidden = verdicts[q.id]
        rows.append({"id": q.id, "name": q.name, "status": overall.status,
                     "points": overall.points, "max_points": q.points,
                     "message": overall.message, "public": _group(public),
                     "hidden": _group(hidden)})
    return rows


def grade_one(path, set_name: str | None = None, limits: Limits | None = None) -> dict:
    """Grade one submission; never raises for a bad submission (the result says what happened)."""
    limits = limits or Limits()
    try:
        sub = read_submission(Path(path))
    except OSError as exc:
        return {"submission": str(path), "sha256": None, "set": set_name, "score": 0,
                "max_score": 0, "error": f"cannot read the file: {exc.strerror}",
                "cell_errors": [], "questions": []}
    sets = exercise_sets()
    own = set_name_of(sub, list(sets))
    name = set_name or own
    result = {"submission": str(path), "sha256": sub.sha256, "set": name, "score": 0,
              "max_score": 0, "error": sub.error, "cell_errors": [], "questions": []}
    if name is None:
        result["error"] = (sub.error + "; " if sub.error else "") + \
            "cannot tell which exercise set this is (use --set)"
        return result
    exercise_set = sets[name]
    result["max_score"] = exercise_set.max_points
    if set_name is not None and own is not None and own != set_name:
        result["error"] = (f"this notebook is exercise set {own}; this assignment grades "
                           f"{set_name} (was the wrong notebook submitted?)")
        failed = Verdict("error", 0, result["error"])
        result["questions"] = _question_rows(
            exercise_set, {q.id: (failed, None, None) for q in exercise_set.questions})
        return result
    if sub.error is not None:
        verdicts = {q.id: (Verdict("error", 0, sub.error), None, None)
                    for q in exercise_set.questions}
    else:
        groups = {q.id: case_groups(q) for q in exercise_set.questions}
        try:
            run = run_submission(sub.code_cells, list(exercise_set.questions), limits,
                                 {i: g.encoded() for i, g in groups.items()})
        except SandboxError as exc:
            result["error"] = str(exc)
            verdicts = {q.id: (Verdict("error", 0, str(exc)), None, None)
                        for q in exercise_set.questions}
        else:
            verdicts = {q.id: _honest(q, judge_groups(q, run.answers[q.id], groups[q.id]),
                                      sub, run.cell_errors)
                        for q in exercise_set.questions}
            result["cell_errors"] = [
                {"cell": sub.code_positions[i], "first_line": _first_line(sub.code_cells[i]),
                 "error": e} for i, e in run.cell_errors.items()]
    result["questions"] = _question_rows(exercise_set, verdicts)
    result["score"] = whole_points(sum(v[0].points for v in verdicts.values()))
    return result


def grade_paths(paths, set_name: str | None = None, limits: Limits | None = None,
                jobs: int = 1) -> list[dict]:
    """Grade every submission under ``paths``, ``jobs`` at a time; results in input order."""
    limits = limits or Limits()
    files = collect(paths)
    protections(limits)  # probe the sandbox and compute the reference answers before any thread
    for s in exercise_sets().values():
        for q in s.questions:
            case_groups(q)

    def one(f):
        try:
            return grade_one(f, set_name, limits)
        except Exception as exc:  # a bug of the grader must not stop the batch
            return {"submission": str(f), "sha256": None, "set": set_name, "score": 0,
                    "max_score": 0, "error": f"internal grader error: {exc!r}",
                    "cell_errors": [], "questions": []}

    if jobs <= 1 or len(files) <= 1:
        return [one(f) for f in files]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(one, files))


def to_json(results: list[dict], limits: Limits) -> str:
    report = {"mlpbook_version": __version__, "grading_key_set": bool(grading_key()),
              "sandbox": {"timeout_s": limits.timeout, "memory_mb": limits.memory_mb,
                          "protections": protections(limits)},
              "submissions": results}
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def to_csv(results: list[dict]) -> str:
    """One row per submission: totals, then points and status of each question."""
    ids = []
    for r in results:
        ids += [q["id"] for q in r["questions"] if q["id"] not in ids]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["submission", "set", "score", "max_score", "error"]
                    + [c for i in ids for c in (i, f"{i} status")])
    for r in results:
        by_id = {q["id"]: q for q in r["questions"]}
        row = [r["submission"], r["set"] or "", r["score"], r["max_score"], r["error"] or ""]
        for i in ids:
            q = by_id.get(i)
            row += [q["points"], q["status"]] if q else ["", ""]
        writer.writerow(row)
    return out.getvalue()


class ReportFile:
    """Where a report will be written. The directory is opened now, before any submission runs
    (a directory swapped for a link later changes nothing); :meth:`write` puts the text in a new
    file created next to the target with ``O_CREAT | O_EXCL | O_NOFOLLOW`` and renames it over
    the target, so that a link planted at the target is replaced, never followed."""

    def __init__(self, path):
        self.path = Path(path)
        self.name = self.path.name
        self.dir_fd = os.open(self.path.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)

    def write(self, text: str) -> None:
        data = text.encode("utf-8")
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        for _ in range(100):
            temporary = f".{self.name}.{secrets.token_hex(8)}.tmp"
            try:
                fd = os.open(temporary, flags, 0o644, dir_fd=self.dir_fd)
                break
            except FileExistsError:
                continue
        else:
            raise FileExistsError(f"cannot create a temporary file next to {self.path}")
        try:
            with open(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.rename(temporary, self.name, src_dir_fd=self.dir_fd, dst_dir_fd=self.dir_fd)
        except BaseException:
            try:
                os.unlink(temporary, dir_fd=self.dir_fd)
            except OSError:
                pass
            raise

    def close(self) -> None:
        os.close(self.dir_fd)
