"""What a student installs: the student wheel holds the public cases as data and nothing that
computes an answer or draws a hidden case; check() from that data says what it says from the
instructor's package."""

import gzip
import inspect
import json
import zipfile

import numpy as np
import pytest

from mlpbook.grading import public, wire
from mlpbook.grading.calling import CaseGroups
from mlpbook.grading.feedback import verdict_for
from mlpbook.grading.questions import Outcome, invoke
from mlpbook.grading.sets import exercise_sets
from mlpbook.grading.wheels import build_wheel

KEY = "a test key"


@pytest.fixture(scope="module")
def student_wheel(tmp_path_factory):
    path = build_wheel(tmp_path_factory.mktemp("wheel"), student=True)
    with zipfile.ZipFile(path) as z:
        return path, {n: z.read(n) for n in z.namelist()}


def _questions():
    return [q for s in exercise_sets().values() for q in s.questions]


def test_the_student_wheel_has_no_exercise_sets_and_every_public_file(student_wheel):
    path, files = student_wheel
    assert path.name.endswith("+student-py3-none-any.whl")
    assert not [n for n in files if "grading/sets" in n]
    shipped = {n.rsplit("/", 1)[1] for n in files if "/grading/public/" in n}
    assert shipped == {f"{name}.json.gz" for name in exercise_sets()}
    meta = next(v for n, v in files.items() if n.endswith(".dist-info/METADATA")).decode()
    assert "Requires-Dist: tqdm" in meta and "Provides-Extra: book" in meta


def test_no_file_of_the_student_wheel_holds_a_reference_or_a_case_generator(student_wheel):
    _, files = student_wheel
    texts = [data.decode("utf-8", "replace") for n, data in files.items()
             if not n.endswith(".gz")]
    # what the exercise sets define (a reference may also be a library function, which is
    # the book's own code and ships; the own-work rule keeps answers from running it)
    functions = [f for q in _questions() for f in (q.reference, q.cases, q.expect)
                 if f and f.__module__.startswith("mlpbook.grading.sets.")]
    assert len(functions) > 2 * len(_questions())
    for f in functions:
        source = inspect.getsource(f).strip()
        assert not any(source in t for t in texts), f"{f.__qualname__} ships to students"


def test_the_public_data_has_no_hidden_case(student_wheel, monkeypatch):
    """Every hidden input that differs from the public ones (under a key of the test's) is absent
    from the shipped data, which holds exactly the public cases."""
    monkeypatch.setenv("MLPBOOK_GRADING_KEY", KEY)
    _, files = student_wheel
    shipped = {}
    for n, data in files.items():
        if "/grading/public/" in n:
            for entry in json.loads(gzip.decompress(data))["questions"]:
                shipped[entry["id"]] = entry
    differing = 0
    for q in _questions():
        groups = CaseGroups.draw(q, KEY)
        public_args = [json.dumps(c["args"], sort_keys=True) for c in shipped[q.id]["cases"]]
        assert public_args == [json.dumps(wire.encode(list(c.args)), sort_keys=True)
                               for c in groups.public]
        for c in groups.hidden:
            encoded = json.dumps(wire.encode(list(c.args)), sort_keys=True)
            if encoded not in public_args:
                differing += 1
                blob = json.dumps(shipped[q.id], sort_keys=True)
                for arg in c.args:  # a random input of its own is nowhere in the data
                    if isinstance(arg, np.ndarray) and np.unique(arg).size > 8:
                        assert wire.encode(arg)["__npy__"] not in blob, q.id
    assert differing > len(_questions())  # most questions draw hidden inputs of their own


def test_check_from_the_shipped_data_says_what_the_instructor_package_says(
        student_wheel, tmp_path, monkeypatch):
    _, files = student_wheel
    data_dir = tmp_path / "public"
    data_dir.mkdir()
    for n, data in files.items():
        if "/grading/public/" in n:
            (data_dir / n.rsplit("/", 1)[1]).write_bytes(data)
    monkeypatch.setattr(public, "DATA_DIR", data_dir)
    public.public_sets.cache_clear()
    try:
        loaded = {p.question.id: p for qs in public.public_sets().values() for p in qs}
    finally:
        public.public_sets.cache_clear()
    for q in _questions():
        p = loaded[q.id]
        assert p.question.reference is None and p.question.cases is None
        assert (p.question.points, p.question.forbidden, p.question.rtol) == \
            (q.points, q.forbidden, q.rtol)
        if q.reference is None or q.protocol != "call" or q.time_factor > 1:
            continue
        # the reference's answers pass on the shipped cases (judged without the own-work
        # watch, which refuses the reference as not the student's work)
        outcomes = [Outcome(returned=wire.loads(wire.dumps(invoke(q.reference, c.args))))
                    for c in p.cases]
        right = p.question.judge_cases(p.cases, p.expected, outcomes)
        assert right.status == "passed", (q.id, right.message)
        wrong = {q.name: lambda *args: 0}
        shipped = verdict_for(p.question, wrong, p.cases, p.expected)
        direct = verdict_for(q, wrong, q.make_cases(), q.expected)
        assert (shipped.status, shipped.message) == (direct.status, direct.message), q.id
        assert shipped.status == "failed", (q.id, shipped.message)


def test_the_hidden_cases_depend_on_the_key_and_the_public_ones_do_not():
    q = exercise_sets()["04_activation_functions"].questions[0]
    a, b = CaseGroups.draw(q, "one key"), CaseGroups.draw(q, "another key")
    again = CaseGroups.draw(q, "one key")

    def same(x, y):
        return all(np.array_equal(u.args[0], v.args[0]) for u, v in zip(x, y, strict=True))

    assert same(a.public, b.public) and same(a.hidden, again.hidden)
    assert not same(a.hidden, b.hidden)
