"""``check(question_id)``: immediate feedback in the student's notebook.

``check`` finds the student's function by name among the notebook's variables, calls it on every
case of the question, and prints one line (plus the first problem, with the failing inputs and
the tolerance, but never the expected answer). It uses the grader's own judge, and it passes
inputs and results through the grader's wire format, so what it says is what the grader decides.
It only gives feedback: the grade comes from ``mlpbook grade``, which ignores these cells.
"""

from __future__ import annotations

import copy
import sys
from contextlib import nullcontext

import numpy as np

from . import ownwork, wire
from .questions import Outcome, Question, Verdict, invoke
from .questions import describe_exception as describe

__all__ = ["check", "run_case"]

#: Set by the grader's sandbox: there, ``check`` returns at once (the grade is computed elsewhere).
GRADING = False

SYMBOL = {"passed": "✓", "missing": "·"}


def run_case(function, question: Question, args: tuple) -> Outcome:
    """Call ``function`` on a private copy of ``args`` and return what happened, as plain data."""
    args = wire.roundtrip(copy.deepcopy(args))
    fp = np.errstate(over="raise", divide="raise", invalid="raise") if question.strict_fp \
        else nullcontext()
    try:
        with fp, ownwork.watch(question.id, question.forbidden, also=[question.reference]):
            value = invoke(function, args, question.protocol)
    except NotImplementedError:
        return Outcome(raised="NotImplementedError", not_implemented=True)
    except Exception as exc:
        return Outcome(raised=describe(exc))
    try:
        return Outcome(returned=wire.roundtrip(value))
    except wire.WireError as exc:
        return Outcome(problem=f"returned {exc}, which cannot be graded")


def verdict_for(question: Question, namespace: dict) -> Verdict:
    function = namespace.get(question.name)
    if function is None:
        return Verdict("missing", 0, f"not attempted: no function named {question.name} is "
                                     "defined (run its cell first)")
    if not callable(function):
        return Verdict("error", 0, f"{question.name} is a {type(function).__name__}, "
                                   "not a function")
    outcomes = [run_case(function, question, c.args) for c in question.make_cases()]
    return question.judge(outcomes)


def check(question_id: str, namespace: dict | None = None) -> None:
    """Print feedback on question ``question_id`` for the function defined in the notebook."""
    if GRADING:
        return
    from .sets import get_question  # not at import: the grader's sandbox never loads the sets

    question = get_question(question_id)
    if namespace is None:
        namespace = sys._getframe(1).f_globals
    v = verdict_for(question, namespace)
    score = f"({v.points}/{question.points} point{'s' if question.points != 1 else ''})"
    symbol = SYMBOL.get(v.status, "✗")
    if v.status == "passed":
        print(f"{symbol} {question.id}: passed, {v.message} {score}")
    elif v.status == "missing":
        print(f"{symbol} {question.id}: {v.message} {score}")
    else:
        lines = "\n".join("  " + line for line in v.message.splitlines())
        print(f"{symbol} {question.id}: {v.status} {score}\n{lines}")
