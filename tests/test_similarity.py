"""``mlpbook similarity`` where it is installed: from a wheel installed outside the checkout (no
exercises/ beside the package) a renamed copy is still found, two honest answers are not flagged,
the starter code is still left out, and a submission whose exercise set cannot be told is
reported, never dropped silently."""

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mlpbook.grading.exports import _instructor_wheel
from mlpbook.grading.similarity import is_stub

ROOT = Path(__file__).resolve().parents[1]
PAIRS = ROOT / "tests" / "fixtures" / "ownwork" / "similarity"  # alice, bob (a renamed copy),
# carol (an honest answer)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The package's wheel installed into a folder of its own, away from the checkout."""
    tmp = tmp_path_factory.mktemp("install")
    wheel = _instructor_wheel(tmp / "dist")
    site = tmp / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--quiet",
                    "--target", str(site), str(wheel)], check=True, capture_output=True,
                   timeout=300)
    assert not (site / "exercises").exists()

    def similarity(*args: str, cwd: Path) -> subprocess.CompletedProcess:
        env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(site), "OPENBLAS_NUM_THREADS": "1"}
        where = subprocess.run([sys.executable, "-c", "import mlpbook; print(mlpbook.__file__)"],
                               env=env, cwd=cwd, capture_output=True, text=True, check=True)
        assert where.stdout.strip() == str(site / "mlpbook" / "__init__.py")
        return subprocess.run([sys.executable, "-m", "mlpbook.cli", "similarity", *args],
                              env=env, cwd=cwd, capture_output=True, text=True, timeout=120)

    return similarity


def test_from_an_install_a_renamed_copy_is_found_and_honest_answers_are_not(installed,
                                                                           tmp_path):
    subs = tmp_path / "submissions"
    shutil.copytree(PAIRS, subs)
    proc = installed(str(subs), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines == [f"1.00  {subs / 'alice_06_backpropagation.ipynb'}  "
                     f"{subs / 'bob_06_backpropagation.ipynb'}  (06_backpropagation)",
                     "      dense_backward: 1.00"]


def test_from_an_install_the_starter_code_is_left_out(installed, tmp_path):
    for name in ("x", "y"):  # two untouched exercises share only the starter code
        shutil.copy(ROOT / "exercises" / "06_backpropagation.ipynb",
                    tmp_path / f"{name}_06_backpropagation.ipynb")
    proc = installed(str(tmp_path), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "no near-identical answers found"


def test_a_submission_whose_set_cannot_be_told_is_reported(installed, tmp_path):
    subs = tmp_path / "submissions"
    shutil.copytree(PAIRS, subs)
    notebook = json.loads((PAIRS / "alice_06_backpropagation.ipynb").read_text())
    del notebook["metadata"]["mlpbook"]
    (subs / "my_homework.ipynb").write_text(json.dumps(notebook))  # no set anywhere
    (subs / "truncated.ipynb").write_text('{"cells": [')
    proc = installed(str(subs), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert "alice_06" in lines[0] and "bob_06" in lines[0] and "my_homework" not in lines[0]
    assert lines[2:] == [
        "2 submission(s) left out of the comparison (3 compared):",
        f"  {subs / 'my_homework.ipynb'}: cannot tell which exercise set this is (no "
        "mlpbook.exercise_set in its metadata, no set name in its file name)",
        f"  {subs / 'truncated.ipynb'}: truncated or malformed notebook: invalid JSON (line 1, "
        "column 12)"]


def test_every_function_of_an_exercise_notebook_is_a_stub_or_recorded():
    """The starter code is recognised without the exercise notebooks (as in an install): every
    function they define is a stub, or a helper given in full that the notebook's metadata
    records (and similarity then leaves out)."""
    from mlpbook.grading.similarity import starter_sources

    for path in sorted((ROOT / "exercises").glob("*.ipynb")):
        nb = json.loads(path.read_text())
        cells = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
        recorded = nb["metadata"]["mlpbook"].get("starter", {})
        assert recorded == starter_sources(cells), path.name
        for src in cells:
            try:
                tree = ast.parse("\n".join("pass" if line.lstrip().startswith(("%", "!")) else
                                           line for line in src.splitlines()))
            except SyntaxError:
                continue
            for node in tree.body:
                if isinstance(node, ast.FunctionDef):
                    assert is_stub(node) or node.name in recorded, \
                        f"{path.name}: {node.name} is neither a stub nor recorded"
    assert not is_stub(ast.parse("def f(x):\n    raise ValueError(x)\n").body[0])
    assert is_stub(ast.parse("def f(x):\n    y = x\n    raise NotImplementedError\n").body[0])


def test_a_helper_given_in_full_is_left_out_wherever_similarity_runs(tmp_path):
    """Two honest submissions that keep the starter's demo helper are not flagged, even
    without the exercise notebooks at hand; the same helper copied as an answer would be."""
    from mlpbook.grading.similarity import compare

    nb = json.loads((ROOT / "exercises" / "03_expressive_power.ipynb").read_text())
    assert "network" in nb["metadata"]["mlpbook"]["starter"]
    for who, body in (("alice", "return np.maximum(x, 0) * 2 + 1"),
                      ("bob", "y = [max(v, 0.0) for v in x]\n    return np.array(y) + 7.0")):
        mine = json.loads(json.dumps(nb))
        mine["cells"].append({"cell_type": "code", "metadata": {}, "outputs": [],
                              "execution_count": None,
                              "source": f"def helper_{who}(x):\n    {body}\n"})
        (tmp_path / f"{who}_03_expressive_power.ipynb").write_text(json.dumps(mine))
    found = compare(tmp_path, starter_dir=tmp_path / "nowhere")
    assert found.compared == 2 and found.pairs == []
    # without the record in the metadata, the shared helper alone makes them look alike
    for p in tmp_path.glob("*.ipynb"):
        data = json.loads(p.read_text())
        del data["metadata"]["mlpbook"]["starter"]
        p.write_text(json.dumps(data))
    assert compare(tmp_path, starter_dir=tmp_path / "nowhere").pairs != []
