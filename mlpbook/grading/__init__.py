"""Graded exercises: questions, in-notebook feedback, and a grader that cannot be fooled or hung.

In a notebook::

    from mlpbook.grading import check
    check("01.sigmoid")        # feedback on the function `sigmoid` defined above

From the command line (see ``mlpbook grade --help``)::

    mlpbook grade submissions/ --json grades.json --csv grades.csv --timeout 10 --jobs 4

How grading works
-----------------
Each question (:class:`Question`) is answered by a *function* with a documented name, lives in
this package with its points, its test inputs and its reference implementation, and has a stable
id "NN.name". ``mlpbook grade`` reads a submission's code cells, executes them in a sandbox
process (resource limits, output discarded, each cell in try/except, a fork per question), calls
the student's functions on the question's inputs there, and receives plain data back (JSON and
``.npy`` bytes, never pickle). It compares that data with reference answers it computed itself,
so nothing the submission does to its own process (editing or deleting check cells,
monkeypatching NumPy or this package, printing "passed") can change a score. Statuses per
question: passed, failed, error, timeout, missing (not attempted).

On Linux, where ``unshare`` works, each sandbox also runs in its own PID and network namespaces
(see :func:`mlpbook.grading.runner.isolation`): it cannot see or signal the grader or any other
process, has no network, and leaves nothing running. Run as root (as in CI), the grader also
gives every sandbox a user and group id of its own (:mod:`mlpbook.grading.privileges`): before
any submitted code runs it drops to that id, so a submission cannot modify or delete files it
does not own (other submissions, the grader's reports), and a process limit stops fork bombs.
Run as an ordinary user, a submission can read and write files with that user's rights (it
starts in an empty temporary directory, with a small environment), so grade a hostile class as
root or in a container. Either way it can read what everyone may read, so keep a class's
submissions in a folder other users may not read; and an answer that simply calls
``mlpbook``'s own implementation passes: read the code if that matters.

Adding an exercise set for a chapter
------------------------------------
1. Write ``mlpbook/grading/sets/<topic>.py`` (copy an existing one) defining ``NOTEBOOK``, the
   notebook's stem (e.g. ``"07_automatic_differentiation"``), and ``QUESTIONS``, a list of
   :class:`Question`: ``id="07.name"``, ``name`` (the student's function), ``points``,
   ``reference`` (the model answer, ideally calling ``mlpbook``), ``cases(rng)`` returning
   :func:`case` objects (a label saying what the case tests, then the arguments), and if needed
   ``rtol``/``atol``, ``returns`` (names of returned items), ``strict_fp`` (overflow is an error)
   or ``verify`` (for answers that are not unique or random). A question whose answer trains a
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
