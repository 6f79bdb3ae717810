"""The student's own work (mlpbook.grading.ownwork and the checks of trained and random answers),
tested by attacks: the fixtures of tests/fixtures/ownwork (written by build_ownwork.py) are
graded in the sandbox, and run through check() in a fresh interpreter with and without the
guard, so that every attack is shown to pass without it."""

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

import mlpbook
from mlpbook import datasets
from mlpbook.grading import Outcome, exercise_sets, get_question, grade_paths, ownwork, wire
from mlpbook.grading.calling import CaseGroups
from mlpbook.grading.questions import invoke

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "ownwork"
ATTACKS = sorted(p.stem for p in (FIXTURES / "attacks").glob("*.ipynb"))
OWN = "06.dense_backward must be your own code: "

# what the sandbox says about dense_backward for each attack (reading the package's source is
# refused in the sandbox, so those two cells fail and dense_backward is never defined)
SANDBOX = {name: OWN + "mlpbook.Dense.backward is not allowed in this answer"
           for name in ATTACKS}
SANDBOX.update(switch_off=OWN + "switching off the grader's watch (sys.setprofile) is not "
               "allowed in this answer",
               thread=OWN + "starting a thread is not allowed in this answer",
               subprocess=OWN + "running another program is not allowed in this answer",
               source_exec="raised NameError: name 'Layer' is not defined",
               reload="raised NameError: name 'Layer' is not defined",
               module_state=OWN + "switching off the grader's watch (sys.setprofile) is not "
               "allowed in this answer",
               module_globals=OWN + "switching off the grader's watch (sys.setprofile) is not "
               "allowed in this answer",
               function_code=OWN + "changing the grader's watch is not allowed in this answer",
               ctypes_memory=OWN + "raw memory access (ctypes) is not allowed in this answer")
# attacks prepared by a cell, which rewrite the whole process: in the student's own kernel they
# also fool check() (feedback: the kernel is the student's); the sandbox is what counts
KERNEL_WIDE = ("cell_monkeypatch", "audit_hook")

CHECK_PATH = """
import json, sys
from contextlib import nullcontext
import mlpbook.grading.feedback as feedback
from mlpbook.grading import calling, get_question
defaults = calling.answer.__defaults__  # (wall, own_work, the watch, OwnWorkError)
unguarded = (*defaults[:2], lambda *args, **kwargs: nullcontext(), *defaults[3:])
qids, out = sys.argv[1].split(","), {}
for path in sys.argv[2:]:
    for guarded in (False, True):
        calling.answer.__defaults__ = defaults if guarded else unguarded
        namespace = {"__name__": "__main__"}
        feedback.GRADING = True
        with open(path, encoding="utf-8") as f:  # json: importing nbformat takes seconds
            cells = json.load(f)["cells"]
        for cell in cells:
            if cell["cell_type"] == "code":
                try:
                    exec("".join(cell["source"]), namespace)
                except Exception:
                    pass
        feedback.GRADING = False
        for qid in qids:
            try:  # a kernel-wide attack may leave the grading code of this kernel broken
                v = feedback.verdict_for(get_question(qid), namespace)
            except Exception as exc:
                out[f"{qid} {path} {guarded}"] = ["crashed", 0, repr(exc)]
            else:
                out[f"{qid} {path} {guarded}"] = [v.status, v.points, v.message]
print(json.dumps(out))
"""


def check_path(qids: list[str], paths: list[Path]) -> dict:
    """{(question id, notebook stem, guarded): verdict of check()}, with the guard and
    without it, in one fresh interpreter (the notebooks' cells run in fresh namespaces; an
    attack that reloads the library goes last)."""
    out = subprocess.run([sys.executable, "-c", CHECK_PATH, ",".join(qids), *map(str, paths)],
                         capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    found = json.loads(out.stdout.splitlines()[-1])
    keys = {k: k.split(" ") for k in found}
    return {(q, Path(p).stem, g == "True"): found[k] for k, (q, p, g) in keys.items()}


@pytest.fixture(scope="module")
def checked_attacks():
    order = sorted((n for n in ATTACKS if n not in KERNEL_WIDE),
                   key=lambda n: n in ("reload", "source_exec", "pasted_source"))
    return check_path(["06.dense_backward"], [FIXTURES / "attacks" / f"{n}.ipynb" for n in order])


@pytest.fixture(scope="module")
def graded_attacks():
    results = grade_paths([FIXTURES / "attacks"], jobs=2)
    return {Path(r["submission"]).stem: {q["id"]: q for q in r["questions"]} for r in results}


@pytest.mark.parametrize("name", ATTACKS)
def test_attack_fails_in_the_sandbox_and_building_blocks_stay_usable(graded_attacks, name):
    questions = graded_attacks[name]
    dense = questions["06.dense_backward"]
    assert dense["points"] == 0
    assert SANDBOX[name] in dense["message"].splitlines()
    assert dense["status"] == ("error" if name in ("source_exec", "reload") else "failed")
    # mlp_gradients uses mb.ReLU (allowed) and passes
    assert questions["06.mlp_gradients"]["status"] == "passed"


@pytest.mark.parametrize("name", [n for n in ATTACKS if n not in KERNEL_WIDE])
def test_attack_passes_check_without_the_guard_and_fails_with_it(checked_attacks, name):
    bare = checked_attacks["06.dense_backward", name, False]
    assert bare[0] == "passed", bare  # the attack works when nothing watches
    status, points, message = checked_attacks["06.dense_backward", name, True]
    assert points == 0
    if name == "fork":  # the child is stopped at the call; the parent gets nothing back
        assert status == "error" and "EOFError" in message
    else:
        assert status == "failed" and message.splitlines()[-1].startswith(OWN)


@pytest.mark.parametrize("name", KERNEL_WIDE)
def test_kernel_wide_attacks_work_when_nothing_watches(name):
    """So that their failure in the sandbox is the guard's doing."""
    bare = check_path(["06.dense_backward"], [FIXTURES / "attacks" / f"{name}.ipynb"])
    assert bare["06.dense_backward", name, False][0] == "passed"


def test_the_lazy_submissions_score_at_most_a_tenth():
    results = grade_paths([FIXTURES / "lazy"], jobs=2)
    assert len(results) == len(exercise_sets())
    total = sum(r["score"] for r in results)
    possible = sum(s.max_points for s in exercise_sets().values())
    passed = sorted(q["id"] for r in results for q in r["questions"] if q["status"] == "passed")
    # perceptron_update only uses mb.Step for the threshold; training a classifier with mb.fit
    # is what 12.train_digit_classifier asks
    assert passed == ["01.perceptron_update", "12.train_digit_classifier"]
    assert total == 6 and total <= 0.1 * possible
    violations = [q for r in results for q in r["questions"] if q["status"] == "failed"]
    assert violations and all("must be your own code" in q["message"] for q in violations)


def test_the_lazy_submissions_are_right_without_the_guard():
    """So that the lazy score above is the guard's doing, not wrong answers."""
    stem = "10_batch_normalization"
    ids = [q.id for q in exercise_sets()[stem].questions]
    verdicts = check_path(ids, [FIXTURES / "lazy" / f"{stem}.ipynb"])
    for qid in ids:
        assert verdicts[qid, stem, False][0] == "passed"
        assert verdicts[qid, stem, True][0] == "failed"


def test_the_reference_answers_are_out_of_reach_of_the_sandbox():
    results = grade_paths([FIXTURES / "references"], jobs=2)
    assert len(results) == len(exercise_sets()) + 4
    assert all(r["score"] == 0 for r in results)
    errors = {Path(r["submission"]).stem: r["cell_errors"][0]["error"] for r in results
              if Path(r["submission"]).parent.name == "references"}
    assert errors["import"].startswith("ModuleNotFoundError: import of mlpbook.grading.sets "
                                       "halted") or errors["import"].startswith("ImportError")
    assert "out of reach of submitted code" in errors["read_file"]
    assert "out of reach of submitted code" in errors["spec_from_file"]
    assert "may not do this in the grader (subprocess.Popen)" in errors["cat"]


def test_the_sandbox_never_loads_the_exercise_sets():
    code = ("import sys, mlpbook.grading.sandbox\n"
            "print(sorted(m for m in sys.modules if m.startswith('mlpbook.grading.sets')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"


def test_seal_refuses_to_run_where_the_references_are_loaded():
    code = ("import mlpbook.grading.sets\nfrom mlpbook.grading import ownwork\n"
            "ownwork.seal()")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode != 0 and "must not import mlpbook.grading.sets" in out.stderr



def test_seal_puts_the_librarys_bytecode_out_of_reach_too(tmp_path):
    # where Python keeps compiled bytecode beside the sources (any machine that does not set
    # PYTHONDONTWRITEBYTECODE), a reload of the library reads the .pyc: sealed like the source
    shutil.copytree(Path(mlpbook.__file__).parent, tmp_path / "mlpbook",
                    ignore=shutil.ignore_patterns("__pycache__"))
    code = ("import importlib, sys\nimport mlpbook.layers\nfrom mlpbook.grading import ownwork\n"
            "cached = mlpbook.layers.__cached__\nopen(cached, 'rb').close()  # it exists\n"
            "ownwork.seal()\n"
            "for path in (mlpbook.layers.__file__, cached):\n"
            "    try:\n        open(path, 'rb')\n    except PermissionError as exc:\n"
            "        print('refused', exc)\n    else:\n        print('opened', path)\n"
            "try:\n    importlib.reload(mlpbook.layers)\nexcept Exception as exc:\n"
            "    print('reload failed:', type(exc).__name__)\nelse:\n    print('reloaded')\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([sys.executable, "-m", "compileall", "-q", "mlpbook"], cwd=tmp_path, env=env,
                   check=True, capture_output=True)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=tmp_path, env={**env, "PYTHONPATH": str(tmp_path)})
    assert out.returncode == 0, out.stderr[-2000:]
    lines = out.stdout.splitlines()
    assert [line.split()[0] for line in lines[:2]] == ["refused", "refused"], lines
    assert lines[2] == "reload failed: PermissionError", lines

# the guard's parts -------------------------------------------------------------------------
def unwatched(q, function):
    return q.judge([Outcome(returned=wire.loads(wire.dumps(invoke(function, c.args, q.protocol))))
                    for c in q.make_cases()])


@pytest.mark.parametrize("q", [q for s in exercise_sets().values() for q in s.questions],
                         ids=lambda q: q.id)
def test_every_off_limits_name_resolves_to_library_code(q):
    codes = ownwork.codes_of(q.forbidden)
    assert set(codes.values()) == set(q.forbidden)
    # the package's own files, or methods that dataclasses generate for its classes
    assert all(c.co_filename.startswith(str(Path(mlpbook.__file__).parent)) or
               c.co_filename == "<string>"
               for c in codes)


def test_bad_off_limits_names_are_refused():
    with pytest.raises(ValueError, match="has no attribute 'backwards'"):
        ownwork.codes_of(["mlpbook.Dense.backwards"])
    with pytest.raises(ValueError, match="a dotted name in mlpbook"):
        ownwork.codes_of(["numpy.sum"])
    with pytest.raises(ValueError, match="forbidden must be a tuple of names in mlpbook"):
        from mlpbook.grading import Question

        Question("99.x", "x", 1, abs, lambda rng: [], forbidden=["mlpbook.Dense"])


def test_a_structural_match_never_rejects_an_allowed_building_block():
    """Sigmoid is off limits but Tanh is not; methods with the same code as an off-limits one
    are matched by identity only."""
    import mlpbook as mb

    names = ("mlpbook.Sigmoid",)
    ids, exacts, prints, *_ = ownwork._combine(names, ownwork._table(names))
    for name in ("forward", "backward", "function", "derivative"):
        code = getattr(mb.Tanh, name).__code__
        fp = ownwork.fingerprint(code)
        assert id(code) not in ids and ownwork._digest(code, True) not in exacts
        assert fp is None or fp not in prints
    with ownwork.watch("99.t", ("mlpbook.Sigmoid",)):
        mb.Tanh().forward(np.zeros((2, 2)))  # allowed: no error
    with pytest.raises(ownwork.OwnWorkError, match="mlpbook.Sigmoid is not allowed"):
        with ownwork.watch("99.t", ("mlpbook.Sigmoid",)):
            mb.Sigmoid().forward(np.zeros((2, 2)))


def test_a_caught_violation_still_fails_and_is_reported_once():
    import mlpbook as mb

    reports = []
    with pytest.raises(ownwork.OwnWorkError):
        with ownwork.watch("99.t", ("mlpbook.Dropout",), on_violation=reports.append):
            for _ in range(3):
                try:
                    mb.Dropout(0.5)
                except ownwork.OwnWorkError:
                    pass
            raise NotImplementedError  # what the answer raises does not matter
    assert reports == [ownwork.PREFIX + "99.t must be your own code: mlpbook.Dropout is not "
                       "allowed in this answer"]
    assert sys.getprofile() is None  # the watch cleaned up after itself


def _globals_read(code) -> set:
    import dis
    import types

    found = {i.argval for i in dis.get_instructions(code)
             if i.opname in ("LOAD_GLOBAL", "LOAD_NAME", "STORE_GLOBAL", "DELETE_GLOBAL")}
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            found |= _globals_read(const)
    return found


def test_the_watch_reads_nothing_submitted_code_can_rebind():
    """The functions that run while an answer is watched read no global name (module globals
    and builtins can be rebound by anyone) and keep no closure cells (whose contents can be
    set without an audit event)."""
    for f in ownwork._BOUND:
        assert _globals_read(f.__code__) == set(), f.__name__
        assert f.__closure__ is None, f.__name__
        assert f.__kwdefaults__ is None, f.__name__  # (a dict: mutable)
    assert ownwork.watch.__func__ is ownwork._watch


def test_the_watch_cannot_be_rewritten_nor_ended_early_nor_nested():
    import mlpbook as mb

    with pytest.raises(PermissionError, match="cannot be changed"):
        ownwork._profile.__defaults__ = None
    assert ownwork._profile.__defaults__ is not None
    def answer():  # (called from the with statement's frame, as the sandbox calls answers)
        profile = sys.getprofile()
        context = (profile.__self__, profile, None, None, True)
        try:  # the watch's exit, called from the answer instead of the with statement
            ownwork._exit(context, None, None, None)
        except ownwork.OwnWorkError:
            pass
        try:  # a watch inside the watch, with nothing off limits
            with ownwork.watch("99.t", ()):
                mb.Dropout(0.5)
        except ownwork.OwnWorkError:
            pass
        assert sys.getprofile() is profile

    reports = []
    with pytest.raises(ownwork.OwnWorkError, match="switching off the grader's watch is not"):
        with ownwork.watch("99.t", ("mlpbook.Dropout",), on_violation=reports.append):
            answer()
    assert len(reports) == 1
    assert sys.getprofile() is None


def test_statement_lines():
    assert ownwork.statement(()).startswith("**Off limits:** nothing in `mlpbook`")
    line = ownwork.statement(("mlpbook.Dense.backward", "mlpbook.autodiff"))
    assert line.startswith("**Off limits:** `mlpbook.Dense.backward`, `mlpbook.autodiff`. ")
    assert "may not use them" in line


def test_a_stale_statement_is_reported(tmp_path):
    from mlpbook.grading.exercises import statement_problems

    src = ROOT / "solutions" / "06_backpropagation.ipynb"
    assert statement_problems(src) == []
    nb = json.loads(src.read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            cell["source"] = "".join(cell["source"]).replace("**Off limits:**", "Off limits:")
    stale = tmp_path / "06_backpropagation.ipynb"
    stale.write_text(json.dumps(nb))
    problems = statement_problems(stale)
    assert len(problems) == 4 and "06.dense_backward must say what is off limits" in problems[0]


# trained answers -------------------------------------------------------------------------------
def fixture_function(path: Path, name: str):
    namespace = {"__name__": "__main__"}
    import mlpbook.grading.feedback as feedback

    feedback.GRADING = True
    try:
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code":
                exec(cell.source, namespace)
    finally:
        feedback.GRADING = False
    return namespace[name]


@pytest.mark.parametrize("name", ["label_lookup", "nearest_neighbour"])
def test_looking_the_labels_up_fails(name):
    from mlpbook.grading.sets import case_studies

    q = get_question("12.train_digit_classifier")
    train = fixture_function(FIXTURES / "trained" / f"{name}.ipynb", q.name)
    # on the plain digits (the check before the disguise) the lookup is perfect
    X, y = datasets.digits()
    X_tr, X_te, y_tr, y_te = datasets.train_test_split(X, y, test_fraction=0.25,
                                                      rng=case_studies.SPLIT_SEED)
    assert np.mean(invoke(train, (X_tr, y_tr, 0, X_te), "fit_predict") == y_te) == 1.0
    verdict = unwatched(q, train)
    assert verdict.status == "failed" and "accuracy" in verdict.message
    accuracy = float(verdict.message.split("accuracy ")[1].split()[0])
    assert accuracy < 0.3


def test_the_disguise_keeps_the_task_learnable_and_depends_on_the_key(monkeypatch):
    from mlpbook.grading.sets import case_studies

    X, y = datasets.digits()
    Xd, yd = case_studies.disguise(X, y)
    assert sorted(Xd[0]) == sorted(X[0]) and not np.array_equal(Xd, X)
    rows = {r.tobytes() for r in X}
    assert sum(r.tobytes() in rows for r in Xd) < 5  # no test input is a bundled digit
    # a class keeps all its images: the renaming is a permutation
    assert all(len(set(yd[y == k])) == 1 for k in range(10)) and len(set(yd)) == 10
    plain = case_studies.split("")
    monkeypatch.setenv("MLPBOOK_GRADING_KEY", "instructor secret")
    secret = case_studies.split("instructor secret")
    assert not np.array_equal(plain[0], secret[0])
    q = get_question("12.train_digit_classifier")
    # the hidden case is drawn under the key; the reference learns it again
    groups = CaseGroups.draw(q, "instructor secret")
    assert np.array_equal(groups.hidden[0].args[-1], secret[1])
    outcomes = [Outcome(returned=wire.loads(wire.dumps(invoke(q.reference, c.args, q.protocol))))
                for c in groups.hidden]
    assert q.judge_cases(groups.hidden, groups.hidden_expected, outcomes).status == "passed"


# random answers ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["fixed_pattern", "seed_shifted", "same_for_every_seed",
                                  "paired_units"])
def test_masks_that_are_not_random_fail(name, monkeypatch):
    from mlpbook.grading import verifiers

    q = get_question("11.dropout_forward")
    dropout = fixture_function(FIXTURES / "random" / f"{name}.ipynb", q.name)
    verdict = unwatched(q, dropout)
    assert verdict.status == "failed"
    assert ("correlated" in verdict.message) if name in ("fixed_pattern", "paired_units") \
        else ("different seeds must give independent draws" in verdict.message)
    # without the randomness checks, each passes
    monkeypatch.setattr(verifiers, "check_neighbours", lambda *args: None)
    monkeypatch.setattr(q, "verify_cases", None)
    assert unwatched(q, dropout).status == "passed"


def test_honest_random_answers_pass_for_any_seeds():
    q = get_question("11.dropout_forward")

    def dropout(A, p_keep, seed):
        mask = np.random.default_rng([seed, 12345]).random(A.shape) < p_keep
        return np.where(mask, A / p_keep, 0.0), mask

    assert unwatched(q, dropout).status == "passed"
    w = get_question("09.init_weights")

    def weights(kind, n_out, n_in, seed):
        std = {"xavier": math.sqrt(1 / n_in), "he": math.sqrt(2 / n_in),
               "glorot": math.sqrt(2 / (n_in + n_out))}[kind]
        return std * np.random.default_rng([seed, 999]).standard_normal((n_out, n_in))

    assert unwatched(w, weights).status == "passed"

    def shifted(kind, n_out, n_in, seed):
        return np.roll(weights(kind, n_out, n_in, 1), seed, axis=1)

    verdict = unwatched(w, shifted)
    assert verdict.status == "failed" and "shifted by" in verdict.message


REBINDING_CELLS = ["import sys\nfrom contextlib import nullcontext\n\nimport mlpbook as mb",
                   """def dense_backward(A_prev, W, dZ):
    layer = mb.Dense(W.shape[1], W.shape[0])
    layer.W[...] = W
    layer.forward(A_prev)
    dA = layer.backward(dZ)
    return layer.dW, layer.db, dA""",
                   # the grader's own functions in the sandbox, rebound so that nothing watches
                   """sandbox = sys.modules["mlpbook.grading.sandbox"]
calling = sys.modules["mlpbook.grading.calling"]
own = sys.modules["mlpbook.grading.ownwork"]
real_ask = sandbox.ask


def unwatched_ask(spec, namespace, *args):
    return calling.call_cases(namespace[spec["name"]], spec["cases"], spec["protocol"],
                              spec["strict_fp"])


sandbox.ask = calling.answer = unwatched_ask
own.watch = sandbox.watch = lambda *args, **kwargs: nullcontext()""",
                   # ... and their defaults replaced
                   "real_ask.__defaults__ = ((), lambda *args, **kwargs: nullcontext(), "
                   "calling.call_cases)"]


def test_rebinding_the_graders_functions_in_the_sandbox_changes_nothing(tmp_path):
    """Cells that rebind the sandbox's and the watch's functions, or replace the defaults the
    sandbox keeps them in: the lazy answer still fails, and changing the defaults is refused."""
    path = tmp_path / "rebinds_06_backpropagation.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c)
                                                   for c in REBINDING_CELLS]), path)
    [r] = grade_paths([path])
    dense = {q["id"]: q for q in r["questions"]}["06.dense_backward"]
    assert dense["status"] == "failed" and dense["points"] == 0
    assert dense["message"].splitlines()[-1] == SANDBOX["alias"]
    errors = {e["cell"]: e["error"] for e in r["cell_errors"]}
    assert errors == {3: "PermissionError: the grader's watch cannot be changed"}


FORK_EXEC_PROGRAM = """
import json, sys
import numpy as np
import mlpbook as mb
A, W, dZ = (np.array(v) for v in json.loads(sys.argv[1]))
layer = mb.Dense(W.shape[1], W.shape[0], dtype=W.dtype)
layer.W[...] = W
layer.forward(A.astype(W.dtype))
dA = layer.backward(dZ.astype(W.dtype))
print(json.dumps([layer.dW.tolist(), layer.db.tolist(), dA.tolist()]))
"""
# the library call done by another program, started through the C function behind subprocess
# (which raises no audit event of its own)
FORK_EXEC_ANSWER = f"""import json
import os
import _posixsubprocess
import sys

import numpy as np

PROGRAM = {FORK_EXEC_PROGRAM!r}


def dense_backward(A_prev, W, dZ):
    r, w = os.pipe()
    er, ew = os.pipe()
    arg = json.dumps([np.asarray(x).tolist() for x in (A_prev, W, dZ)])
    exe = sys.executable.encode()
    common = ([exe, b"-c", PROGRAM.encode(), arg.encode()], [exe], True, (), None, None,
              -1, -1, -1, w, -1, -1, er, ew, True, False)
    if sys.version_info >= (3, 11):  # process_group and use_vfork came in 3.11
        _posixsubprocess.fork_exec(*common, -1, None, None, None, -1, None, False)
    else:
        _posixsubprocess.fork_exec(*common, None, None, None, -1, None)
    os.close(w)
    os.close(ew)
    data = b""
    while chunk := os.read(r, 1 << 16):
        data += chunk
    os.wait()
    return tuple(np.array(v, dtype=np.asarray(W).dtype) for v in json.loads(data))
"""


def test_another_program_started_through_fork_exec_fails(tmp_path):
    """_posixsubprocess.fork_exec starts a program without an audit event: the watch refuses
    the C call itself, in check() and in the grader; without the watch the answer passes."""
    path = tmp_path / "fork_exec_06_backpropagation.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(FORK_EXEC_ANSWER)]),
                   path)
    checked = check_path(["06.dense_backward"], [path])
    assert checked["06.dense_backward", path.stem, False][0] == "passed"
    running = OWN + "running another program is not allowed in this answer"
    assert checked["06.dense_backward", path.stem, True][2].splitlines()[-1] == running
    [r] = grade_paths([path])
    dense = {q["id"]: q for q in r["questions"]}["06.dense_backward"]
    assert dense["points"] == 0 and dense["message"].splitlines()[-1] == running
