"""What a sandbox does to itself before any submitted code runs: ids of its own (when the grader
is root), the paths its new root shows, the refusal to mount outside a private mount namespace,
the start-up of an isolated interpreter, a submission that imports modules after the drop, and
the fallback memory plan."""

import os
import pwd
import subprocess
import sys

import nbformat
import pytest

from mlpbook.grading import Limits, grade_one
from mlpbook.grading import isolation as iso
from mlpbook.grading import privileges as priv
from mlpbook.grading.isolation import SLOTS, UID_BASE, SandboxError, sandbox_ids
from mlpbook.grading.submission import defined_names

ROOT = os.geteuid() == 0


def test_sandbox_ids_are_distinct_unused_and_above_the_accounts():
    ids = {sandbox_ids(slot, pid) for slot in range(SLOTS) for pid in (1, 2, 4_194_303)}
    assert len(ids) == 3 * SLOTS and min(ids) >= UID_BASE and max(ids) < 2**31
    for ident in ids:
        with pytest.raises(KeyError):
            pwd.getpwuid(ident)
    with pytest.raises(ValueError, match="slot"):
        sandbox_ids(SLOTS)


def test_sandbox_ids_refuse_a_base_among_the_accounts(monkeypatch):
    monkeypatch.setenv("MLPBOOK_GRADER_UID_BASE", "1000")
    with pytest.raises(SandboxError, match="out of range"):
        sandbox_ids(0, 1)


def test_needed_paths_cover_the_interpreter_and_the_extras(tmp_path):
    found = priv.needed_paths(str(tmp_path))
    assert sys.prefix in found or os.path.realpath(sys.prefix) in found
    assert str(tmp_path) in found and all(os.path.isabs(p) for p in found)


def test_the_sandbox_path_leaves_out_the_working_directory_and_the_checkout(monkeypatch, tmp_path):
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(iso.__file__))))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", ["", str(tmp_path), os.path.join(root, "tests"), *sys.path])
    path = iso.sandbox_path()
    assert path[0] == root and str(tmp_path) not in path and "" not in path
    assert os.path.join(root, "tests") not in path
    command = iso.python_command()
    assert {"-s", "-S", "-B"} <= set(command[1:5])  # no user site, no .pth files, no bytecode


def test_new_root_refuses_to_mount_outside_a_private_mount_namespace(tmp_path):
    if not ROOT:
        with pytest.raises(OSError):
            priv.new_root(str(tmp_path), [], None, 16, "not ours")
        return
    # Run in a new mount namespace, so that even a broken check could not touch ours, and pass
    # that namespace as the "grader's": new_root must refuse to mount anything.
    code = ("import os\nfrom mlpbook.grading import privileges as p\n"
            "ns = os.readlink('/proc/self/ns/mnt')\n"
            "try:\n    p.new_root('/tmp', [], None, 16, ns)\n"
            "except RuntimeError as e:\n    print(e)")
    out = subprocess.run(["unshare", "--mount", sys.executable, "-c", code], capture_output=True,
                         text=True, timeout=60)
    assert out.stdout.strip() == "refusing to mount anything outside a private mount namespace"


def test_drop_needs_root():
    if not ROOT:
        with pytest.raises(PermissionError, match="needs root"):
            priv.drop(1_234_567, 1_234_567, 64)


def test_a_submission_can_import_after_the_drop(tmp_path):
    """Modules the sandbox had not loaded before the drop still import: the interpreter stays
    readable in the sandbox's own root, even where it lives in a directory the sandbox user
    may not enter (an interpreter under /root)."""
    code = ("import decimal\nimport fractions\nimport sqlite3\n\n\n"
            "def xor_weights():\n    import numpy as np\n"
            "    return (np.ones((2, 2)), np.array([-0.5, -1.5]), np.array([[1.0, -1.0]]), "
            "np.array([-0.5]))")
    path = tmp_path / "imports_01_perceptron_to_logistic_regression.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)]), path)
    r = grade_one(path, limits=Limits(timeout=10))
    by_name = {q["name"]: q for q in r["questions"]}
    assert r["cell_errors"] == [] and by_name["xor_weights"]["status"] == "passed"


def test_the_memory_plan_keeps_processes_times_memory_within_the_budget():
    assert iso.memory_plan(1024, 64, cgroup=True, own=True) == (1024, 64)  # all together
    per_process, processes = iso.memory_plan(1024, 64, cgroup=False, own=True)
    assert per_process * processes <= 1024 and processes >= 2  # the sandbox and one answer
    assert iso.memory_plan(1024, 64, cgroup=False, own=False) == (1024, None)


def test_only_top_level_definitions_count():
    cells = ["def f(x):\n    def inner():\n        pass\n    return x",
             "%time g = 1\nimport numpy as np\nfrom a.b import c as d\nif True:\n    h = 2\n"
             "try:\n    pass\nexcept ValueError as e:\n    def k():\n        pass",
             "exec('def hidden(): pass')\nglobals()['also_hidden'] = 1",
             "s = '''\ndef in_a_string(x):\n    pass\n'''",
             "def broken(:\n    pass"]
    assert defined_names(cells) == {"f", "np", "d", "h", "e", "k", "s"}
