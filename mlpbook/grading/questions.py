"""Graded questions: what a question is, and how a question judges the answers to its cases.

A :class:`Question` names the function the student writes (``name``), its points, the inputs it
is tested on (``cases``, a function of a random generator), and the ``reference`` implementation
that defines the right answer. Each question has two groups of cases:

- the **public** cases, drawn from a generator seeded by the question id (the same on every run
  and every machine). ``check(...)`` in the student's notebook runs these; their inputs and
  expected outputs ship with the package as data (:mod:`mlpbook.grading.public`), so a student's
  install needs neither the cases' code nor the references;
- the **hidden** cases, drawn from a generator seeded by the instructor's secret grading key and
  the question id (:func:`hidden_seed`), which the grader adds. The references, the case
  generators and the grading key stay on the instructor's side (``mlpbook.grading.sets``, left
  out of the student install).

The grader calls the student's function on each case in a sandbox and gets back an
:class:`Outcome` per case; :meth:`Question.judge_cases` turns the outcomes of one group into a
:class:`Verdict`, for ``check(...)`` and the grader alike, so feedback and grade never disagree.

Most questions call the function on each case (protocol "call"). A question with protocol
"fit_predict" asks for a *training* function instead: :func:`invoke` calls it on the training
part of the case, then calls what it returned on the test inputs, so only predictions (plain
data) leave the sandbox and the grader scores them itself (see :func:`invoke`).
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import os
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from .compare import compare, outputs, show
from .ownwork import PREFIX as OWN_WORK

__all__ = ["Case", "case", "describe_exception", "invoke", "Question", "ExerciseSet", "Outcome",
           "Verdict", "STATUSES", "PROTOCOLS", "grading_key", "hidden_seed", "case_key"]

#: Per-question statuses, as written to the JSON and CSV reports.
STATUSES = ("passed", "failed", "error", "timeout", "missing")

#: How a question gives points (see :class:`Question`).
CREDITS = ("all", "cases", "outputs")

#: How the student's function is called on a case (see :func:`invoke`).
PROTOCOLS = ("call", "fit_predict")


#: The environment variable holding the instructor's secret: it seeds the hidden cases.
KEY_VARIABLE = "MLPBOOK_GRADING_KEY"


def grading_key() -> str:
    """The instructor's grading key (``MLPBOOK_GRADING_KEY``; empty when it is not set, in which
    case the hidden cases are those anyone holding the instructor package can draw)."""
    return os.environ.get(KEY_VARIABLE, "")


def hidden_seed(question_id: str, key: str) -> int:
    """The seed of the hidden cases of ``question_id`` under ``key``: HMAC-SHA256 of the id."""
    digest = hmac.new(("mlpbook hidden cases:" + key).encode(), question_id.encode(),
                      hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "little")


#: The key the cases being drawn belong to (None: the public cases), for case generators that
#: disguise their data with it (chapter 12's digits); set only while :meth:`Question.make_cases`
#: runs.
_drawing_for: list = [None]


def case_key() -> str:
    """Inside a ``cases(rng)`` function: "" while the public cases are drawn, the grading key
    while the hidden ones are."""
    return _drawing_for[0] or ""


def describe_exception(exc: BaseException) -> str:
    """'TypeName: message', shortened; never raises, even for a hostile exception."""
    try:
        detail = str(exc)
    except BaseException:
        detail = ""
    if isinstance(exc, MemoryError) and not detail:
        detail = "over the memory limit"
    text = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
    return text if len(text) <= 500 else text[:497] + "..."


@dataclass(frozen=True)
class Case:
    """One test input: ``args`` are passed positionally; ``label`` says in words what it tests."""

    label: str
    args: tuple


def case(label: str, *args) -> Case:
    return Case(label, tuple(args))


def invoke(function, args, protocol: str = "call"):
    """Call a student's (or the reference) ``function`` on the arguments of one case.

    "call": ``function(*args)``.
    "fit_predict": ``args = (*training_args, seed, X_test)``; ``model = function(*training_args,
    np.random.default_rng(seed))`` must return a function of the inputs or an object with a
    ``predict`` method, and the result is ``np.asarray(model(X_test))`` (or ``model.predict``).
    The test labels never enter the call: the grader keeps them and scores the predictions.
    """
    if protocol == "call":
        return function(*args)
    if protocol == "fit_predict":
        *training, seed, X_test = args
        model = function(*training, np.random.default_rng(seed))
        predict = model if callable(model) else getattr(model, "predict", None)
        if not callable(predict):
            raise TypeError(f"{getattr(function, '__name__', 'the function')} returned "
                            f"{type(model).__name__}; expected a function of the inputs or a "
                            "model with a predict method")
        return np.asarray(predict(X_test))
    raise ValueError(f"unknown protocol {protocol!r}; expected one of {PROTOCOLS}")


@dataclass(frozen=True)
class Outcome:
    """What happened when the student's function was called on one case.

    Exactly one of: ``returned`` (the value, as plain data), ``raised`` ("TypeName: message"),
    ``problem`` (the value could not be sent back, the process died, ...), ``modified`` (it
    returned, but changed an argument in place).
    """

    returned: Any = None
    raised: str | None = None
    not_implemented: bool = False
    problem: str | None = None
    modified: str | None = None  # the answer changed its arguments (what it says)


@dataclass(frozen=True)
class Verdict:
    status: str
    points: float  # a whole number unless the question gives partial credit
    message: str


@dataclass(eq=False)
class Question:
    """A graded question answered by a function called ``name``.

    id : stable identifier "NN.name" (NN is the chapter number); it keys the reports.
    name : the function the student defines.
    points : awarded when every case passes; see ``credit`` for partial credit.
    reference : the model answer, called with the same arguments as the student's function
        (instructor side only; None in a question rebuilt from the public data).
    cases : ``cases(rng) -> list[Case]`` (instructor side only): drawn with the public seed for
        the public cases and with :func:`hidden_seed` for the hidden ones.
    rtol, atol : tolerance of the comparison (float32 results get at least float32 precision).
    returns : names of the returned items when the function returns several (for messages).
    strict_fp : call the function under ``np.errstate(over/divide/invalid="raise")``, so an
        overflow is an error even when the final value happens to look right.
    verify : ``verify(args, returned, expected) -> message | None`` replaces the comparison with
        the reference, for questions whose answers are not unique; ``expected`` is what
        ``expect(args)`` computed on the instructor's side (None without ``expect``). It lives in
        :mod:`mlpbook.grading.verifiers`, which ships to students, so it holds no reference.
    expect : ``expect(args) -> data`` (instructor side): what ``verify`` needs to know about the
        right answer of a case (a standard deviation, held-out labels), as plain data.
    protocol : how the function is called on a case, "call" or "fit_predict" (:func:`invoke`).
    time_factor : this question may take ``time_factor`` times the grader's per-question time
        limit (for answers that train a model); the submission's total time grows to match.
    forbidden : the ``mlpbook`` names that implement what the question asks (functions,
        methods, classes, modules, e.g. ``"mlpbook.Dense.backward"``); an answer that uses
        them fails (:mod:`mlpbook.grading.ownwork`). The statement says so.
    verify_cases : ``verify_cases([args of each case], [returned of each case]) -> message |
        None``, run once every case of a group has passed on its own: checks across the cases
        (that random answers for different seeds are different and independent, for instance).
    credit : "all" (the points when every case passes, none otherwise), "cases" (the share of
        the cases that pass) or "outputs" (for a function returning several values: the share
        of the outputs that are right, averaged over the cases; a case that raises earns none).
    """

    id: str
    name: str
    points: int
    reference: Callable | None
    cases: Callable[[np.random.Generator], list[Case]] | None
    title: str = ""
    rtol: float = 1e-7
    atol: float = 1e-10
    returns: tuple[str, ...] | None = None
    strict_fp: bool = False
    verify: Callable[[tuple, Any, Any], str | None] | None = None
    protocol: str = "call"
    time_factor: float = 1.0
    forbidden: tuple[str, ...] = ()
    verify_cases: Callable[[list[tuple], list], str | None] | None = None
    expect: Callable[[tuple], Any] | None = None
    credit: str = "all"

    def __post_init__(self):
        if not self.name.isidentifier():
            raise ValueError(f"Question {self.id}: name must be a Python identifier; "
                             f"got {self.name!r}")
        if not (isinstance(self.points, int) and self.points > 0):
            raise ValueError(f"Question {self.id}: points must be a positive integer")
        if self.protocol not in PROTOCOLS:
            raise ValueError(f"Question {self.id}: protocol must be one of {PROTOCOLS}; "
                             f"got {self.protocol!r}")
        if not self.time_factor >= 1:
            raise ValueError(f"Question {self.id}: time_factor must be at least 1")
        if not (isinstance(self.forbidden, tuple) and all(
                isinstance(n, str) and n.startswith("mlpbook.") for n in self.forbidden)):
            raise ValueError(f"Question {self.id}: forbidden must be a tuple of names in "
                             f"mlpbook, such as 'mlpbook.Dense.backward'; got {self.forbidden!r}")
        if self.protocol == "fit_predict" and self.verify is None:
            raise ValueError(f"Question {self.id}: a fit_predict question needs verify (its "
                             "predictions are scored, not compared)")
        if self.expect is not None and self.verify is None:
            raise ValueError(f"Question {self.id}: expect serves verify; give both")
        if self.credit not in CREDITS or (self.credit == "outputs" and not self.returns):
            raise ValueError(f"Question {self.id}: credit must be one of {CREDITS} ('outputs' "
                             f"needs returns); got {self.credit!r}")

    @property
    def seed(self) -> int:
        return zlib.crc32(self.id.encode())

    def make_cases(self, key: str | None = None) -> list[Case]:
        """The public cases (``key`` None), or the hidden cases drawn under the grading ``key``;
        freshly built (callers may mutate them)."""
        if self.cases is None:
            raise RuntimeError(f"Question {self.id}: its cases are drawn on the instructor's "
                               "side (mlpbook.grading.sets), which this install does not have")
        seed = self.seed if key is None else hidden_seed(self.id, key)
        _drawing_for[0] = key
        try:
            made = self.cases(np.random.default_rng(seed))
        finally:
            _drawing_for[0] = None
        if not made or not all(isinstance(c, Case) for c in made):
            raise TypeError(f"Question {self.id}: cases() must return a non-empty list of Case")
        return made

    def expected_for(self, cases: list[Case]) -> list:
        """What the judge compares with for each of ``cases``: the reference's answer, or
        ``expect(args)`` for a question judged by ``verify`` (computed on private copies)."""
        if self.verify is not None:
            if self.expect is None:
                return [None] * len(cases)
            return [self.expect(copy.deepcopy(c.args)) for c in cases]
        if self.reference is None:
            raise RuntimeError(f"Question {self.id}: no reference in this install")
        return [invoke(self.reference, copy.deepcopy(c.args), self.protocol) for c in cases]

    @cached_property
    def expected(self) -> list:
        """:meth:`expected_for` the public cases (computed once)."""
        return self.expected_for(self.make_cases())

    def judge(self, outcomes: list[Outcome]) -> Verdict:
        """The verdict on the public cases (see :meth:`judge_cases`)."""
        return self.judge_cases(self.make_cases(), self.expected, outcomes)

    def judge_cases(self, cases: list[Case], expected: list, outcomes: list[Outcome],
                    group: str = "") -> Verdict:
        """Passed when every case passes; otherwise the first failing case decides the status
        and the message. ``group`` ("public", "hidden") names the cases in messages. Points:
        all or nothing, or with ``credit`` "cases" the share of the cases passed, with
        "outputs" the share of the outputs right (averaged over the cases)."""
        if len(outcomes) != len(cases) or len(expected) != len(cases):
            return Verdict("error", 0, f"expected results for {len(cases)} cases; "
                                       f"got {len(outcomes)}")
        if all(o.not_implemented for o in outcomes):
            return Verdict("missing", 0,
                           f"not attempted: {self.name} raises NotImplementedError")
        kind = f"{group} " if group else ""
        first, shares = None, []
        for i, (c, o, want) in enumerate(zip(cases, outcomes, expected, strict=True)):
            status, msg, share = self._judge_one(c, o, want)
            shares.append(share)
            if status != "passed" and first is None:
                where = f"{kind}case {i + 1} of {len(cases)}, {c.label}: {self.call(c)}"
                first = Verdict(status, 0, f"{where}\n{msg}")
        n = len(cases)
        if first is None and self.verify_cases is not None:
            msg = self.verify_cases([c.args for c in cases], [o.returned for o in outcomes])
            if msg:
                return Verdict("failed", 0, f"across the {n} {kind}cases: {msg}")
        if first is None:
            return Verdict("passed", self.points, f"{n}/{n} {kind}case{'s' if n != 1 else ''}")
        if self.credit != "all" and first.status == "failed":
            points = round(self.points * sum(shares) / n, 2)
            points = int(points) if points == int(points) else points
            if points:
                return Verdict("failed", points, f"{first.message}\n(partial credit: "
                                                 f"{points:g} of {self.points} points)")
        return first

    def _judge_one(self, c: Case, o: Outcome, want) -> tuple[str, str | None, float]:
        """(status, message, share of the points) for one case."""
        if o.problem is not None:
            return "error", o.problem, 0.0
        if o.raised is not None and o.raised.startswith(OWN_WORK):
            return "failed", o.raised[len(OWN_WORK):], 0.0
        if o.raised is not None:
            return "error", f"raised {o.raised}", 0.0
        if o.modified is not None:
            return "failed", f"{self.name} {o.modified}", 0.0
        if self.verify is not None:
            msg = self.verify(c.args, o.returned, want)
            return ("failed", msg, 0.0) if msg else ("passed", None, 1.0)
        if self.credit == "outputs" and self.returns:
            found = outputs(o.returned, want, self.rtol, self.atol, self.returns)
            msg = compare(o.returned, want, self.rtol, self.atol, self.returns)
            share = sum(problem is None for _, problem in found) / len(found)
            return ("failed", msg, share) if msg else ("passed", None, 1.0)
        msg = compare(o.returned, want, self.rtol, self.atol, self.returns)
        return ("failed", msg, 0.0) if msg else ("passed", None, 1.0)

    def call(self, c: Case) -> str:
        """The call of a case as text, e.g. ``sigmoid(array([-1000., 1000.]))``, with the
        arguments as the function receives them (tuples arrive as lists)."""
        args = [_as_sent(a) for a in c.args]
        if self.protocol == "fit_predict":
            *training, seed, X_test = args
            args = ", ".join([*(show(a) for a in training), f"np.random.default_rng({seed!r})"])
            return f"{self.name}({args}), then its predictions on {show(X_test)}"
        return f"{self.name}({', '.join(show(a) for a in args)})"


def _as_sent(value):
    """``value`` as the wire delivers it: tuples become lists (:mod:`mlpbook.grading.wire`)."""
    if isinstance(value, (tuple, list)):
        return [_as_sent(v) for v in value]
    if isinstance(value, dict):
        return {k: _as_sent(v) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class ExerciseSet:
    """The graded questions of one notebook ``solutions/<notebook>.ipynb``."""

    notebook: str
    questions: tuple[Question, ...]

    def __post_init__(self):
        ids = [q.id for q in self.questions]
        names = [q.name for q in self.questions]
        prefix = self.notebook[:2] + "."
        if len(set(ids)) != len(ids) or len(set(names)) != len(names):
            raise ValueError(f"exercise set {self.notebook}: question ids and names must be unique")
        bad = [i for i in ids if not i.startswith(prefix)]
        if bad:
            raise ValueError(f"exercise set {self.notebook}: ids must start with {prefix!r}; "
                             f"got {bad}")

    @property
    def max_points(self) -> int:
        return sum(q.points for q in self.questions)
