"""Graded exercises: questions, in-notebook feedback, and a grader that cannot be fooled or hung.

In a notebook::

    from mlpbook.grading import check
    check("01.sigmoid")        # feedback on the function `sigmoid` defined above

From the command line (see ``mlpbook grade --help``)::

    mlpbook grade submissions/ --json grades.json --csv grades.csv --timeout 10 --jobs 4

How grading works
-----------------
Each question (:class:`Question`) is answered by a *function* with a documented name, lives in
``mlpbook.grading.sets`` with its points, its test inputs and its reference implementation, and
has a stable id "NN.name". It has public cases, which ``check`` runs in the student's notebook
and which ship to students as data (:mod:`mlpbook.grading.public`; the student wheel of
:mod:`mlpbook.grading.wheels` leaves the exercise sets out), and hidden cases, which the grader
adds, drawn from the instructor's secret ``MLPBOOK_GRADING_KEY``.

``mlpbook grade`` reads a submission's code cells and finds the functions they
define at the top level (:func:`mlpbook.grading.submission.defined_names`; any other question is
"missing"), then drives a sandbox process (:mod:`mlpbook.grading.sandbox`) one request at a time:
run this cell, answer this question. Each request carries a token made up when it is sent, and
exactly one reply with that token is accepted (:mod:`mlpbook.grading.runner`), so nothing a
submission writes on its own counts. The sandbox calls the student's function on the question's
inputs in a forked process (:mod:`mlpbook.grading.calling`, the code ``check()`` uses too) and
replies with plain data (JSON and ``.npy`` bytes, never pickle; :mod:`mlpbook.grading.wire`,
bounded in size). The grader compares that data with reference answers it computed itself, so
nothing the submission does to its own process (editing or deleting check cells,
monkeypatching NumPy or this package, printing "passed") can change a score, and a failure while
judging costs only that question. Statuses per question: passed, failed, error, timeout, missing
(not attempted). Limits count CPU time (``--timeout`` per cell and per question, plus a start-up
reserve for cells) and time spent waiting, never time spent waiting for a CPU, so a busy machine
does not change a score.

The sandbox is confined before it reads any submitted byte (:mod:`mlpbook.grading.isolation` on
the grader's side, :mod:`mlpbook.grading.privileges` in the sandbox): an isolated interpreter in
a fresh directory; where ``unshare`` works, private PID, network, IPC and mount namespaces and a
read-only root file system of its own with a private ``/tmp``; as root, a user id of its own
without capabilities and, where the machine allows it, a cgroup with one memory and process
budget for all its processes. After it ends, nothing of it remains. ``mlpbook grade`` prints on
one line which of these protections are active (as an ordinary user: no own id, no cgroup).

Adding an exercise set for a chapter
------------------------------------
1. Write ``mlpbook/grading/sets/<topic>.py`` (copy an existing one) defining ``NOTEBOOK``, the
   notebook's stem (e.g. ``"07_automatic_differentiation"``), and ``QUESTIONS``, a list of
   :class:`Question`: ``id="07.name"``, ``name`` (the student's function), ``points``,
   ``reference`` (the model answer, ideally calling ``mlpbook``), ``cases(rng)`` returning
   :func:`case` objects (a label saying what the case tests, then the arguments), and if needed
   ``rtol``/``atol``, ``returns`` (names of returned items), ``strict_fp`` (overflow is an error)
   or ``verify`` (for answers that are not unique or random; a judge in
   :mod:`mlpbook.grading.verifiers`, which ships to students, with ``expect`` computing on the
   instructor's side what it needs to know of the right answer). A question whose answer trains a
   model uses ``protocol="fit_predict"`` (the student's function returns a predictor; only its
   predictions on the test inputs come back, and ``verify`` scores them) and may get more time
   with ``time_factor``. The module is found automatically.
2. Write ``solutions/<stem>.ipynb``: for each question a markdown statement with the points, a
   code cell defining the function with the solution between ``### BEGIN SOLUTION`` and
   ``### END SOLUTION``, and a cell ``check("07.name")``. Execute it top to bottom on a fresh
   kernel (``jupyter nbconvert --to notebook --execute --inplace``), so nbval can compare outputs.
3. Run ``mlpbook exercises generate`` and commit ``exercises/<stem>.ipynb``.
4. Run ``python -m pytest tests/test_grading_sets.py tests/test_exercises.py solutions exercises``:
   the solution must score full marks and the fresh exercise zero.
"""

# Loaded on first use, so that the sandbox, which imports this package, loads neither the
# exercise sets (with their reference answers) nor the grader.
_EXPORTS = {"check": "feedback", "grade_one": "grade", "grade_paths": "grade", "Limits": "runner",
            "Question": "questions", "Case": "questions", "case": "questions",
            "ExerciseSet": "questions", "Outcome": "questions", "Verdict": "questions",
            "STATUSES": "questions", "exercise_sets": "sets", "get_question": "sets",
            "get_set": "sets"}
__all__ = list(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        from importlib import import_module

        return getattr(import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
