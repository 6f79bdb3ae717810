"""``check(question_id)``: immediate feedback in the student's notebook.

``check`` finds the student's function by name among the notebook's variables, calls it on every
public case of the question (the inputs and expected outputs that ship with the package,
:mod:`mlpbook.grading.public`; the grader adds hidden cases of its own), and prints one line
(plus the first problem, with the failing inputs and the tolerance, but never the expected
answer). It calls the function exactly as the grader's
sandbox does (:func:`mlpbook.grading.calling.answer`: the same inputs as plain data, the same
CPU-time limit and the same timeout message, results passed through the same wire format and
read and judged by the same code, under the same own-work watch of
:mod:`mlpbook.grading.ownwork`), so what it says is what the grader decides. It only gives
feedback: the grade comes from ``mlpbook grade``, which ignores these cells.
"""

from __future__ import annotations

import json
import re
import sys

from . import calling, wire
from .questions import Question, Verdict, describe_exception

__all__ = ["check", "verdict_for", "TIMEOUT"]

#: Set by the grader's sandbox: there, ``check`` returns at once (the grade is computed elsewhere).
GRADING = False
#: CPU seconds a question may take (times its time factor), as in ``mlpbook grade``'s default.
TIMEOUT = calling.DEFAULT_TIMEOUT

SYMBOL = {"passed": "✓", "missing": "·"}

#: In a notebook kernel: {name: whether the cell that last defined it ran without an error}.
_defined_ok: dict[str, bool] = {}


def _track_cells() -> None:
    """In IPython, note after every cell which names it defines and whether it raised, so that
    ``check`` can say when it is testing a definition older than the cell on screen."""
    shell = sys.modules.get("IPython") and sys.modules["IPython"].get_ipython()
    if shell is None or getattr(shell, "_mlpbook_tracked", False):
        return
    from .submission import defined_names

    def after(result) -> None:
        source = getattr(result.info, "raw_cell", "") or ""
        names = defined_names([source]) | set(re.findall(r"^\s*def\s+(\w+)", source, re.M))
        for name in names:
            _defined_ok[name] = bool(result.success)

    shell.events.register("post_run_cell", after)
    shell._mlpbook_tracked = True


def stale_warning(name: str) -> str | None:
    """What to tell the student when the cell that last defined ``name`` failed."""
    if _defined_ok.get(name, True):
        return None
    return (f"! the cell that defines {name} raised an error when you last ran it, so this "
            "checks the definition from before. Fix that cell and run it again (and before "
            "you submit: Restart the kernel and Run All Cells).")


def verdict_for(question: Question, namespace: dict, cases: list | None = None,
                expected: list | None = None) -> Verdict:
    """The verdict on the function ``question.name`` of ``namespace`` for ``cases`` (default:
    the question's public cases) with their ``expected`` outputs."""
    function = namespace.get(question.name)
    if function is None:
        return Verdict("missing", 0, f"not attempted: no function named {question.name} is "
                                     "defined (run its cell first)")
    if not callable(function):
        return Verdict("error", 0, f"{question.name} is a {type(function).__name__}, "
                                   "not a function")
    if cases is None:
        cases, expected = question.make_cases(), question.expected
    encoded = [wire.encode(list(c.args)) for c in cases]
    # own work: the off-limits library code, and here also the reference answer itself where
    # this install has it (the kernel is the student's: ``globals()[name] =
    # question.reference`` would otherwise pass)
    references = (question.reference,) if question.reference is not None else ()
    found = calling.answer(function, encoded, question.protocol, question.strict_fp,
                           TIMEOUT * question.time_factor,
                           own_work=(question.id, question.forbidden, references))
    found = json.loads(json.dumps(found))  # as the grader receives it from its sandbox
    answer = calling.read_answer(found, len(cases))
    if answer.kind != "outcomes":
        return Verdict(answer.kind, 0, answer.message)
    try:
        return question.judge_cases(cases, expected, answer.outcomes, "public")
    except Exception as exc:  # e.g. a value the comparison cannot handle
        return Verdict("error", 0, "the answer could not be judged "
                                   f"({describe_exception(exc)})")


def check(question_id: str, namespace: dict | None = None) -> None:
    """Print feedback on question ``question_id`` for the function defined in the notebook."""
    if GRADING:
        return
    from .public import public_question  # not at import: the sandbox never needs it

    public = public_question(question_id)
    question = public.question
    if namespace is None:
        namespace = sys._getframe(1).f_globals
    v = verdict_for(question, namespace, public.cases, public.expected)
    warning = stale_warning(question.name)
    if warning:
        print(warning)
    score = f"({v.points}/{question.points} point{'s' if question.points != 1 else ''})"
    symbol = SYMBOL.get(v.status, "✗")
    if v.status == "passed":
        print(f"{symbol} {question.id}: passed, {v.message} {score}")
    elif v.status == "missing":
        print(f"{symbol} {question.id}: {v.message} {score}")
    else:
        lines = "\n".join("  " + line for line in v.message.splitlines())
        print(f"{symbol} {question.id}: {v.status} {score}\n{lines}")


_track_cells()
