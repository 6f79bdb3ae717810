"""The exercise sets, one module per chapter notebook (see :mod:`mlpbook.grading` for how to add
one). Each module defines ``NOTEBOOK`` (the notebook's file stem) and ``QUESTIONS``."""

from __future__ import annotations

import pkgutil
from functools import cache
from importlib import import_module

from ..questions import ExerciseSet, Question

__all__ = ["exercise_sets", "get_set", "get_question"]


@cache
def exercise_sets() -> dict[str, ExerciseSet]:
    """{notebook stem: ExerciseSet}, sorted by stem."""
    found = {}
    for info in pkgutil.iter_modules(__path__):
        module = import_module(f"{__name__}.{info.name}")
        s = ExerciseSet(module.NOTEBOOK, tuple(module.QUESTIONS))
        if s.notebook in found:
            raise ValueError(f"two exercise sets for notebook {s.notebook}")
        found[s.notebook] = s
    ids = [q.id for s in found.values() for q in s.questions]
    if len(ids) != len(set(ids)):
        raise ValueError("question ids must be unique across exercise sets")
    return dict(sorted(found.items()))


def get_set(notebook: str) -> ExerciseSet:
    sets = exercise_sets()
    if notebook not in sets:
        raise KeyError(f"no exercise set named {notebook!r}; known sets: {', '.join(sets)}")
    return sets[notebook]


def get_question(question_id: str) -> Question:
    for s in exercise_sets().values():
        for q in s.questions:
            if q.id == question_id:
                return q
    known = ", ".join(q.id for s in exercise_sets().values() for q in s.questions)
    raise KeyError(f"no question with id {question_id!r}; known ids: {known}")
