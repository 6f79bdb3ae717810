"""Every typical mistake of tests/mutants/ fails at least one case of its question; the
mutation score of each exercise set is printed (``pytest -s tests/test_mutants.py``)."""

from functools import cache

import pytest
from mutation import mutants, verdict

from mlpbook.grading import exercise_sets

MUTANTS = mutants()


@cache
def status(qid: str, name: str) -> str:
    """The grader's status for the mistake ``name`` of question ``qid`` (computed once)."""
    return verdict(qid, MUTANTS[qid][name]).status


@pytest.mark.parametrize("qid, name", [(q, n) for q, table in sorted(MUTANTS.items())
                                       for n in table])
def test_the_mistake_fails_a_case(qid, name):
    assert status(qid, name) != "passed", f"{qid}: the mistake '{name}' passes every case"


def test_every_question_has_mutants_and_the_scores():
    lines = []
    for stem, s in exercise_sets().items():
        ids = [q.id for q in s.questions]
        missing = [i for i in ids if not MUTANTS.get(i)]
        assert not missing, f"questions without mutants: {missing}"
        n = sum(len(MUTANTS[i]) for i in ids)
        killed = sum(status(i, name) != "passed" for i in ids for name in MUTANTS[i])
        lines.append(f"{stem}: {killed}/{n} mutants killed")
    print("\n".join(lines))
