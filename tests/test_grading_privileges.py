"""Sandboxes under ids of their own (when the grader is root): the ids, the search for directories
the sandbox user may not enter, the refusal to mount outside a private mount namespace, and a
submission that imports modules after the drop."""

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest

from mlpbook.grading import Limits, grade_one
from mlpbook.grading import privileges as priv
from mlpbook.grading.runner import SLOTS, UID_BASE, SandboxError, sandbox_ids

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


@pytest.fixture
def tree():
    top = Path(tempfile.mkdtemp(prefix="mlpbook-priv-"))
    top.chmod(0o755)
    (top / "open" / "closed" / "inside").mkdir(parents=True)
    (top / "open").chmod(0o755)
    (top / "open" / "closed").chmod(0o700)
    yield top
    shutil.rmtree(top)


def test_blocked_ancestor_finds_the_directory_a_user_may_not_enter(tree):
    target = tree / "open" / "closed" / "inside" / "file.py"
    stranger = (1_234_567, 1_234_567)
    assert priv.blocked_ancestor(str(target), *stranger) == str(tree / "open" / "closed")
    assert priv.blocked_ancestor(str(tree / "open" / "x.py"), *stranger) is None
    closed = tree / "open" / "closed"
    if ROOT:  # the owner, or the group with its search bit, may enter
        os.chown(closed, 1_234_567, 4242)
        assert priv.blocked_ancestor(str(target), *stranger) is None
        closed.chmod(0o750)
        os.chown(closed, 0, 4242)
        assert priv.blocked_ancestor(str(target), 1_234_567, 4242) is None
        assert priv.blocked_ancestor(str(target), 1_234_567, 4243) == str(closed)


def test_needed_paths_cover_the_interpreter_and_the_extras(tree):
    found = priv.needed_paths(str(tree))
    assert sys.prefix in found or os.path.realpath(sys.prefix) in found
    assert str(tree) in found and all(os.path.isabs(p) for p in found)


def test_drop_needs_root_and_a_private_mount_namespace():
    if not ROOT:
        with pytest.raises(PermissionError, match="needs root"):
            priv.drop(1_234_567, 1_234_567, 64)
        return
    # Run in a new mount namespace, so that even a broken check could not touch ours, and pass
    # that namespace as the "grader's": drop must refuse to mount anything.
    code = ("import os\nfrom mlpbook.grading import privileges as p\n"
            "ns = os.readlink('/proc/self/ns/mnt')\n"
            "try:\n    p.drop(1234567, 1234567, 64, ['/tmp'], '/tmp', ns)\n"
            "except RuntimeError as e:\n    print(e)")
    out = subprocess.run(["unshare", "--mount", sys.executable, "-c", code], capture_output=True,
                         text=True, timeout=60)
    assert out.stdout.strip() == "refusing to mount anything outside a private mount namespace"


def test_a_submission_can_import_after_the_drop(tmp_path):
    """Modules the sandbox had not loaded before the drop still import: the interpreter stays
    readable even where it lives in a directory the sandbox user may not enter."""
    code = ("import decimal\nimport fractions\nimport sqlite3\n\n\n"
            "def xor_weights():\n    import numpy as np\n"
            "    return (np.ones((2, 2)), np.array([-0.5, -1.5]), np.array([[1.0, -1.0]]), "
            "np.array([-0.5]))")
    path = tmp_path / "imports_01_perceptron_to_logistic_regression.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)]), path)
    r = grade_one(path, limits=Limits(timeout=10))
    assert r["cell_errors"] == [] and r["questions"][-1]["status"] == "passed"
