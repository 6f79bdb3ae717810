"""The public cases: what ``check(...)`` in a student's notebook runs, shipped as data.

A student's install holds no reference answer and no case generator (``mlpbook.grading.sets``
is left out of the student wheel, :mod:`mlpbook.grading.wheels`). What ``check`` needs travels as
data instead, one gzipped JSON file per exercise set in ``mlpbook/grading/public/``: every
question's settings (points, tolerances, off-limits names, the name of its judge in
:mod:`mlpbook.grading.verifiers` if it has one), and its public cases, each with its inputs and
the expected output (or, for a question judged by a verifier, what the verifier needs), all in
the grader's wire format (:mod:`mlpbook.grading.wire`: JSON and ``.npy`` bytes, never pickle).

The files are written when the student wheel is built (:func:`write`). Where they are absent
(the instructor's install, a checkout), the same data is computed from ``mlpbook.grading.sets``
on first use, so ``check`` behaves the same in both (a test compares the two).
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from . import verifiers, wire
from .questions import Case, ExerciseSet, Question

__all__ = ["Public", "DATA_DIR", "FORMAT", "to_data", "from_data", "write", "public_sets",
           "public_question"]

#: Where the student wheel keeps the public cases (absent in an instructor's install).
DATA_DIR = Path(__file__).resolve().parent / "public"
FORMAT = 1
_SETTINGS = ("id", "name", "points", "title", "rtol", "atol", "strict_fp", "protocol",
             "time_factor", "credit")


@dataclass(frozen=True)
class Public:
    """A question as ``check`` sees it: its settings, its public cases and their expected
    outputs (``question.reference`` and ``question.cases`` are None where it came from data)."""

    question: Question
    cases: list[Case]
    expected: list


def _judge_name(function) -> str | None:
    if function is None:
        return None
    if getattr(verifiers, function.__name__, None) is not function:
        raise ValueError(f"the judge {function.__qualname__} must be defined in "
                         "mlpbook.grading.verifiers (which ships to students)")
    return function.__name__


def to_data(exercise_set: ExerciseSet) -> dict:
    """The public data of one exercise set (computed with its references)."""
    questions = []
    for q in exercise_set.questions:
        cases = q.make_cases()
        entry = {k: getattr(q, k) for k in _SETTINGS}
        entry.update(returns=list(q.returns) if q.returns else None,
                     forbidden=list(q.forbidden), verify=_judge_name(q.verify),
                     verify_cases=_judge_name(q.verify_cases),
                     cases=[{"label": c.label, "args": wire.encode(list(c.args)),
                             "expected": wire.encode(want)}
                            for c, want in zip(cases, q.expected, strict=True)])
        questions.append(entry)
    return {"format": FORMAT, "notebook": exercise_set.notebook, "questions": questions}


def from_data(data: dict) -> list[Public]:
    """The questions of one set's public data."""
    if data.get("format") != FORMAT:
        raise ValueError(f"public cases of format {data.get('format')!r}; this mlpbook reads "
                         f"format {FORMAT} (install the package that came with the exercises)")
    out = []
    for entry in data["questions"]:
        q = Question(**{k: entry[k] for k in _SETTINGS}, reference=None, cases=None,
                     returns=tuple(entry["returns"]) if entry["returns"] else None,
                     forbidden=tuple(entry["forbidden"]),
                     verify=entry["verify"] and getattr(verifiers, entry["verify"]),
                     verify_cases=entry["verify_cases"] and getattr(verifiers,
                                                                    entry["verify_cases"]))
        cases = [Case(c["label"], tuple(wire.decode(c["args"]))) for c in entry["cases"]]
        expected = [wire.decode(c["expected"]) for c in entry["cases"]]
        out.append(Public(q, cases, expected))
    return out


def write(directory=DATA_DIR) -> list[Path]:
    """Write the public data of every exercise set into ``directory``; returns the files."""
    from .sets import exercise_sets

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for notebook, exercise_set in exercise_sets().items():
        path = directory / f"{notebook}.json.gz"
        text = json.dumps(to_data(exercise_set), separators=(",", ":"))
        path.write_bytes(gzip.compress(text.encode(), mtime=0))
        written.append(path)
    return written


@cache
def public_sets() -> dict[str, list[Public]]:
    """{notebook stem: its questions with their public cases}: from the shipped data where it
    exists, else computed from the exercise sets of this (instructor's) install."""
    if DATA_DIR.is_dir():
        return {p.name[:-len(".json.gz")]: from_data(json.loads(gzip.decompress(p.read_bytes())))
                for p in sorted(DATA_DIR.glob("*.json.gz"))}
    from .sets import exercise_sets

    return {name: [Public(q, q.make_cases(), q.expected) for q in s.questions]
            for name, s in exercise_sets().items()}


def public_question(question_id: str) -> Public:
    """The question ``question_id`` with its public cases."""
    for questions in public_sets().values():
        for p in questions:
            if p.question.id == question_id:
                return p
    known = ", ".join(p.question.id for qs in public_sets().values() for p in qs)
    raise KeyError(f"no question with id {question_id!r}; known ids: {known}")
