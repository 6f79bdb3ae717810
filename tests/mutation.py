"""Mutation testing of the exercise sets: typical mistakes, written as variants of each
question's reference answer (``tests/mutants/mNN.py``), must each fail at least one case of the
question, public or hidden. A mutant is run exactly as a student's answer is (inputs decoded
from plain data, the changed-argument check, ``strict_fp``), without the own-work watch (a
mutant is built from the reference, which may use the library)."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from mlpbook.grading import calling, get_question

#: the grading key the hidden cases are drawn with here
KEY = "mutation testing"


def mutants() -> dict[str, dict[str, object]]:
    """{question id: {what the mistake is: the mutant}} from every tests/mutants/mNN.py."""
    found: dict[str, dict[str, object]] = {}
    folder = Path(__file__).parent / "mutants"
    for info in pkgutil.iter_modules([str(folder)]):
        module = importlib.import_module(f"mutants.{info.name}")
        for qid, table in module.MUTANTS.items():
            found.setdefault(qid, {}).update(table)
    return found


def verdict(qid: str, function, key: str = KEY):
    """The grader's verdict on ``function`` as the answer to ``qid`` (public and hidden cases)."""
    q = get_question(qid)
    groups = calling.CaseGroups.draw(q, key)
    data = calling.call_cases(function, groups.encoded(), q.protocol, q.strict_fp)
    answer = calling.read_answer(data, len(groups.public) + len(groups.hidden))
    return calling.judge_groups(q, answer, groups)[0]
