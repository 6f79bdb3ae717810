"""Calling a student's function on the cases of a question: the one implementation that both the
in-notebook ``check()`` and the grader's sandbox use, so that feedback and grade cannot disagree.

:func:`call_case` calls the function on one case and returns what happened as plain data (the
wire form of :mod:`mlpbook.grading.wire`); :func:`answer` does it for every case of a question
under :func:`time_limit`; :func:`read_answer` turns that plain data, which the grader receives from
a sandbox it does not trust, back into :class:`Answer` (checking everything), and :func:`verdict`
judges it, so that any failure while judging costs only that question.

Time limits count CPU time (the same work takes the same CPU time on a busy machine), with a
backstop of :func:`wall_limit` seconds for an answer that waits instead of computing.
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field

import numpy as np

from . import wire
from .questions import Outcome, Question, Verdict, describe_exception, invoke

__all__ = ["DEFAULT_TIMEOUT", "WALL_FACTOR", "WALL_SLACK", "wall_limit", "timeout_message",
           "CaseTimeout", "time_limit", "encode_cases", "call_case", "answer", "Answer",
           "read_answer", "verdict"]

#: CPU seconds a cell or a question may use unless the grader is told otherwise (``--timeout``).
DEFAULT_TIMEOUT = 10.0
#: An answer that computes nothing (sleeps, waits) is stopped after WALL_FACTOR times its CPU
#: limit plus WALL_SLACK seconds of wall-clock time.
WALL_FACTOR, WALL_SLACK = 4.0, 2.0


def wall_limit(cpu_seconds: float) -> float:
    """The wall-clock backstop of a CPU-time limit."""
    return WALL_FACTOR * cpu_seconds + WALL_SLACK


def timeout_message(seconds: float, waiting: bool = False) -> str:
    """What a question's status "timeout" says, in the notebook and in the grader's report."""
    if waiting:
        return f"waited for {wall_limit(seconds):g} s without computing (sleeping or blocked?)"
    return f"did not return within {seconds:g} s (an infinite loop?)"


class CaseTimeout(BaseException):
    """Raised in an answer that ran out of time (a BaseException: ``except Exception`` in the
    answer does not stop it)."""


@contextmanager
def time_limit(seconds: float, wall: bool = True):
    """Raise :class:`CaseTimeout` in this thread once the process has used ``seconds`` of CPU
    time, or (if ``wall``) :func:`wall_limit` of them in wall-clock time. It is raised again
    every 50 ms until the block is left, so an answer that catches it once does not escape. Only
    the main thread receives signals: elsewhere (or where there are no interval timers) this
    does nothing. The grader's sandbox passes ``wall=False``: the grader itself stops an answer
    that waits, by a measure that a busy machine does not change."""
    if threading.current_thread() is not threading.main_thread() or \
            not hasattr(signal, "setitimer"):
        yield
        return
    armed = [True]

    def expire(waiting):
        def handler(signum, frame):
            if armed[0]:
                raise CaseTimeout(timeout_message(seconds, waiting))
        return handler

    old = [(signal.SIGPROF, signal.signal(signal.SIGPROF, expire(False))),
           (signal.SIGALRM, signal.signal(signal.SIGALRM, expire(True)))]
    try:
        signal.setitimer(signal.ITIMER_PROF, seconds, 0.05)
        if wall:
            signal.setitimer(signal.ITIMER_REAL, wall_limit(seconds), 0.05)
        yield
    finally:
        armed[0] = False
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.setitimer(signal.ITIMER_REAL, 0)
        for signum, handler in old:
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)


def encode_cases(question: Question) -> list:
    """The inputs of every case of ``question`` as plain data (what the sandbox receives)."""
    return [wire.encode(list(c.args)) for c in question.make_cases()]


def call_case(function, args, protocol: str, strict_fp: bool) -> dict:
    """Call ``function`` on the arguments of one case (fresh objects decoded from plain data) and
    return what happened as plain data: ``{"returned": <wire data>}``, ``{"raised": "Type:
    message"}`` (with ``"not_implemented": True`` for NotImplementedError) or ``{"problem":
    ...}`` when the value cannot be sent back. Only :class:`CaseTimeout` and KeyboardInterrupt
    pass through."""
    fp = np.errstate(over="raise", divide="raise", invalid="raise") if strict_fp \
        else nullcontext()
    try:
        with fp:
            value = invoke(function, args, protocol)
    except (CaseTimeout, KeyboardInterrupt):
        raise
    except NotImplementedError:
        return {"raised": "NotImplementedError", "not_implemented": True}
    except BaseException as exc:  # SystemExit and MemoryError included
        return {"raised": describe_exception(exc)}
    try:
        return {"returned": wire.encode(value)}
    except wire.WireError as exc:
        return {"problem": f"returned {exc}, which cannot be graded"}
    except RecursionError:
        return {"problem": "returned a value nested too deeply"}


def answer(function, cases: list, protocol: str, strict_fp: bool, seconds: float,
           wall: bool = True) -> dict:
    """Call ``function`` on every encoded case, all within ``seconds`` of CPU time (see
    :func:`time_limit`): ``{"outcomes": [one call_case result per case]}`` or
    ``{"timeout": message}``."""
    outcomes = []
    try:
        with time_limit(seconds, wall):
            for encoded in cases:
                outcomes.append(call_case(function, wire.decode(encoded), protocol, strict_fp))
    except CaseTimeout as exc:
        return {"timeout": str(exc)}
    return {"outcomes": outcomes}


@dataclass
class Answer:
    """The answer to one question: ``kind`` is "outcomes" (with ``outcomes``), "missing",
    "timeout" or "error" (with ``message``)."""

    kind: str
    message: str = ""
    outcomes: list[Outcome] = field(default_factory=list)


def _text(value, limit: int = 500) -> str | None:
    return value[:limit] if isinstance(value, str) else None


def _outcome(data) -> Outcome:
    if not isinstance(data, dict):
        return Outcome(problem="the sandbox sent a malformed result")
    if "returned" in data:
        try:
            return Outcome(returned=wire.decode(data["returned"]))
        except wire.WireError as exc:
            return Outcome(problem=f"returned {exc}, which cannot be graded")
        except RecursionError:
            return Outcome(problem="returned a value nested too deeply")
    if _text(data.get("raised")) is not None:
        not_implemented = data.get("not_implemented") is True and \
            data["raised"] == "NotImplementedError"
        return Outcome(raised=_text(data["raised"]), not_implemented=not_implemented)
    if _text(data.get("problem")) is not None:
        return Outcome(problem=_text(data["problem"]))
    return Outcome(problem="the sandbox sent a malformed result")


def read_answer(data, n_cases: int) -> Answer:
    """The :class:`Answer` in plain data from :func:`answer` (or from a sandbox, which may send
    anything: whatever is malformed becomes an error)."""
    if not isinstance(data, dict):
        return Answer("error", "the sandbox sent a malformed answer")
    if _text(data.get("missing"), 200) is not None:
        return Answer("missing", f"not attempted: {_text(data['missing'], 200)}")
    if _text(data.get("timeout")) is not None:
        return Answer("timeout", _text(data["timeout"]))
    if _text(data.get("problem")) is not None:
        return Answer("error", _text(data["problem"]))
    outcomes = data.get("outcomes")
    if isinstance(outcomes, list) and len(outcomes) == n_cases:
        return Answer("outcomes", outcomes=[_outcome(o) for o in outcomes])
    return Answer("error", f"the sandbox sent a malformed answer (expected results for "
                           f"{n_cases} cases)")


def verdict(question: Question, found: Answer) -> Verdict:
    """Judge ``found``; a failure while judging costs this question only (status error)."""
    if found.kind != "outcomes":
        return Verdict(found.kind, 0, found.message)
    try:
        return question.judge(found.outcomes)
    except Exception as exc:  # e.g. a value the comparison cannot handle
        return Verdict("error", 0, f"the answer could not be judged ({describe_exception(exc)})")
