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

import linecache
import signal
import sysconfig
import threading
import time
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import ownwork, wire
from .questions import Case, Outcome, Question, Verdict, describe_exception, invoke

__all__ = ["DEFAULT_TIMEOUT", "WALL_FACTOR", "WALL_SLACK", "wall_limit", "timeout_message",
           "CaseTimeout", "busy_seconds", "time_limit", "encode_cases", "call_case", "call_cases",
           "answer",
           "Answer", "read_answer", "verdict", "CaseGroups", "judge_groups", "whole_points"]

#: CPU seconds a cell or a question may use unless the grader is told otherwise (``--timeout``).
DEFAULT_TIMEOUT = 10.0
#: An answer that computes nothing (sleeps, waits) is stopped after waiting WALL_FACTOR times
#: its CPU limit plus WALL_SLACK seconds.
WALL_FACTOR, WALL_SLACK = 4.0, 2.0


def wall_limit(cpu_seconds: float) -> float:
    """How long an answer with a CPU-time limit of ``cpu_seconds`` may wait."""
    return WALL_FACTOR * cpu_seconds + WALL_SLACK


def timeout_message(seconds: float, waiting: bool = False) -> str:
    """What a question's status "timeout" says, in the notebook and in the grader's report."""
    if waiting:
        return f"waited for {wall_limit(seconds):g} s without computing (sleeping or blocked?)"
    return f"did not return within {seconds:g} s (an infinite loop?)"


class CaseTimeout(BaseException):
    """Raised in an answer that ran out of time (a BaseException: ``except Exception`` in the
    answer does not stop it)."""


def busy_seconds(tid: int) -> float | None:
    """Time thread ``tid`` of this process has spent running or ready to run (waiting for a
    CPU), from /proc (None where the system does not say)."""
    try:
        with open(f"/proc/self/task/{tid}/schedstat") as f:
            run, wait = f.read().split()[:2]
    except (OSError, ValueError):
        return None
    return (int(run) + int(wait)) / 1e9


def _watch_waiting(limit: float, stop: threading.Event, main: threading.Thread) -> None:
    """Signal ``main`` (SIGALRM) once it has waited ``limit`` seconds: wall-clock time in which
    it was neither running nor ready to run, so that a busy machine does not count."""
    waited, then, busy = 0.0, time.monotonic(), busy_seconds(main.native_id)
    while not stop.wait(0.05):
        now, busy_now = time.monotonic(), busy_seconds(main.native_id)
        used = busy_now - busy if busy is not None and busy_now is not None else 0.0
        waited += max(0.0, now - then - used)
        then, busy = now, busy_now
        if waited >= limit:
            signal.pthread_kill(main.ident, signal.SIGALRM)  # again every 50 ms until it stops


@contextmanager
def time_limit(seconds: float, wall: bool = True):
    """Raise :class:`CaseTimeout` in this thread once the process has used ``seconds`` of CPU
    time, or (if ``wall``) once this thread has waited for :func:`wall_limit` of them (time in
    which it was neither running nor ready to run; a busy machine does not count). It is raised
    again every 50 ms until the block is left, so an answer that catches it once does not escape.
    Only the main thread receives signals: elsewhere (or where there are no interval timers)
    this does nothing. The grader's sandbox passes ``wall=False``: the grader itself measures
    the waiting of all the sandbox's processes."""
    main = threading.main_thread()
    if threading.current_thread() is not main or not hasattr(signal, "setitimer"):
        yield
        return
    armed = [True]

    def expire(waiting):
        def handler(signum, frame):
            # not inside the own-work watch's code (an exception raised in its profile function
            # would switch the watch off): the signal comes again 50 ms later
            if armed[0] and (frame is None or
                             frame.f_globals.get("__name__") != "mlpbook.grading.ownwork"):
                raise CaseTimeout(timeout_message(seconds, waiting))
        return handler

    old = [(signal.SIGPROF, signal.signal(signal.SIGPROF, expire(False))),
           (signal.SIGALRM, signal.signal(signal.SIGALRM, expire(True)))]
    stop = threading.Event()
    watcher = threading.Thread(target=_watch_waiting, args=(wall_limit(seconds), stop, main),
                               daemon=True)
    try:
        signal.setitimer(signal.ITIMER_PROF, seconds, 0.05)
        if wall:
            watcher.start()
        yield
    finally:
        armed[0] = False
        stop.set()
        signal.setitimer(signal.ITIMER_PROF, 0)
        if watcher.is_alive():
            watcher.join()
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
    except NotImplementedError as exc:
        own = getattr(function, "__name__", "")
        raiser = _raising_function(exc)
        if raiser in (own, None) or protocol != "call":
            return {"raised": "NotImplementedError", "not_implemented": True}
        return {"raised": f"NotImplementedError in {raiser}, which {own} calls: {raiser} is not "
                          f"finished yet (finish it, run its cell, then check {own} again)",
                "unfinished": raiser}
    except BaseException as exc:  # SystemExit and MemoryError included
        return {"raised": describe_exception(exc) + _where(exc)}
    try:
        return {"returned": wire.encode(value)}
    except wire.WireError as exc:
        return {"problem": f"returned {exc}, which cannot be graded"}
    except RecursionError:
        return {"problem": "returned a value nested too deeply"}


#: Where code that is not the student's lives: the standard library, installed packages, mlpbook.
_NOT_STUDENTS = tuple({*(sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib",
                                                            "platlib")),
                       str(Path(__file__).resolve().parents[1])})


def _user_frames(exc: BaseException) -> list:
    """The frames of the traceback of ``exc`` that run the student's code: not the library's,
    NumPy's or Python's own (whose files sit in an installed package or the standard library)."""
    installed = _NOT_STUDENTS
    frames = []
    tb = exc.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if not any(name.startswith(p) for p in installed) and \
                tb.tb_frame.f_globals.get("__name__", "").split(".")[0] not in ("mlpbook", "numpy"):
            frames.append(tb)
        tb = tb.tb_next
    return frames


def _raising_function(exc: BaseException) -> str | None:
    """The name of the student's function in which ``exc`` was raised (None if unknown)."""
    try:
        frames = _user_frames(exc)
    except Exception:
        return None
    return frames[-1].tb_frame.f_code.co_name if frames else None


def _where(exc: BaseException) -> str:
    """Where in the student's code ``exc`` came from: "\n  at line 3 of softmax: return ..."
    ("" where that cannot be told)."""
    try:
        frames = _user_frames(exc)
        if not frames:
            return ""
        tb = frames[-1]
        code = tb.tb_frame.f_code
        line = linecache.getline(code.co_filename, tb.tb_lineno).strip()
        where = f"line {tb.tb_lineno - code.co_firstlineno + 1} of {code.co_name}" \
            if code.co_name != "<module>" else f"line {tb.tb_lineno} of its cell"
        return f"\n  at {where}" + (f": {line[:120]}" if line else "")
    except Exception:
        return ""


def _changed(before, after) -> bool:
    """Whether ``after`` (an argument after the call) differs from ``before`` (a fresh copy)."""
    if isinstance(before, np.ndarray):
        return not (isinstance(after, np.ndarray) and after.shape == before.shape and
                    after.dtype == before.dtype and
                    np.array_equal(after, before, equal_nan=before.dtype.kind in "fc"))
    if isinstance(before, (list, tuple)):
        return not (isinstance(after, type(before)) and len(after) == len(before)) or \
            any(_changed(b, a) for b, a in zip(before, after, strict=True))
    if isinstance(before, dict):
        return not (isinstance(after, dict) and after.keys() == before.keys()) or \
            any(_changed(before[k], after[k]) for k in before)
    return False


def call_cases(function, cases: list, protocol: str, strict_fp: bool) -> dict:
    """:func:`call_case` on every encoded case: ``{"outcomes": [...]}``. An answer that changes
    one of its arguments fails that case, whatever it returned (the caller's arrays are not
    the answer's to change)."""
    outcomes = []
    for encoded in cases:
        args = wire.decode(encoded)
        outcome = call_case(function, args, protocol, strict_fp)
        if "returned" in outcome:
            training = args[:-2] if protocol == "fit_predict" else args
            changed = [i + 1 for i, (b, a) in enumerate(zip(wire.decode(encoded), training,
                                                                strict=False)) if _changed(b, a)]
            if changed:
                which = ", ".join(map(str, changed))
                outcome = {"modified": f"changed its argument{'s' if len(changed) > 1 else ''} "
                                       f"{which} in place: an answer must leave its inputs as "
                                       "they were (work on a copy, e.g. z = z - m instead of "
                                       "z -= m)"}
        outcomes.append(outcome)
    return {"outcomes": outcomes}


def answer(function, cases: list, protocol: str, strict_fp: bool, seconds: float,
           wall: bool = True, own_work: tuple = (), _watch=ownwork.watch,
           _OwnWorkError=ownwork.OwnWorkError) -> dict:
    """Call ``function`` on every encoded case, all within ``seconds`` of CPU time (see
    :func:`time_limit`) and under the own-work watch ``ownwork.watch(*own_work)`` (question
    id, off-limits names, functions also off limits, callback at a use): ``{"outcomes": [one
    call_case result per case]}`` (every case failed with the watch's message if the answer
    used off-limits code) or ``{"timeout": message}``."""
    try:
        with time_limit(seconds, wall):  # before the watch, which refuses signal set-up
            try:
                with _watch(*own_work) if own_work else nullcontext():
                    return call_cases(function, cases, protocol, strict_fp)
            except _OwnWorkError as exc:
                return {"outcomes": [{"raised": describe_exception(exc)}] * len(cases)}
    except CaseTimeout as exc:
        return {"timeout": str(exc)}


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
    if _text(data.get("modified")) is not None:
        return Outcome(modified=_text(data["modified"]))
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


@dataclass(frozen=True)
class CaseGroups:
    """The grader's cases of one question: the public ones (those ``check`` runs) and the hidden
    ones (drawn from the grading key), with their expected outputs, and all of them encoded, the
    public first, as the sandbox receives them."""

    public: list[Case]
    public_expected: list
    hidden: list[Case]
    hidden_expected: list

    @classmethod
    def draw(cls, question: Question, key: str) -> CaseGroups:
        hidden = question.make_cases(key)
        return cls(question.make_cases(), question.expected, hidden,
                   question.expected_for(hidden))

    def encoded(self) -> list:
        return [wire.encode(list(c.args)) for c in [*self.public, *self.hidden]]


def judge_groups(question: Question, found: Answer, groups: CaseGroups
                 ) -> tuple[Verdict, Verdict | None, Verdict | None]:
    """(the verdict on the question, on its public cases, on its hidden cases): it passes when
    both groups pass; otherwise the public group's failure is reported first. A failure while
    judging costs this question only (status error)."""
    if found.kind != "outcomes":
        return Verdict(found.kind, 0, found.message), None, None
    n = len(groups.public)
    try:
        public = question.judge_cases(groups.public, groups.public_expected,
                                      found.outcomes[:n], "public")
        hidden = question.judge_cases(groups.hidden, groups.hidden_expected,
                                      found.outcomes[n:], "hidden")
    except Exception as exc:  # e.g. a value the comparison cannot handle
        return Verdict("error", 0, "the answer could not be judged "
                                   f"({describe_exception(exc)})"), None, None
    if public.status == hidden.status == "missing":
        return public, public, hidden
    if public.status == hidden.status == "passed":
        return Verdict("passed", question.points, f"{public.message}, {hidden.message}"), \
            public, hidden
    worst = public if public.status != "passed" else hidden
    n, m = len(groups.public), len(groups.hidden)
    points = whole_points((public.points * n + hidden.points * m) / (n + m)) \
        if question.credit != "all" else 0
    return Verdict(worst.status, points, worst.message), public, hidden


def whole_points(points: float) -> float:
    """Points rounded to hundredths, as an int when whole (0, not 0.0, in the reports)."""
    points = round(points, 2)
    return int(points) if points == int(points) else points
