"""The student handout as students get it: `mlpbook exercises release OUT`, then, in a fresh
virtual environment of Python 3.10 and of 3.13, the install command of OUT/README.md run
from OUT, and check() in that environment on a right and a wrong answer. Slow (virtual
environments, packages from the index): run by .ci/run with ``-m deploy``."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mlpbook.grading.release import release

pytestmark = pytest.mark.deploy

ROOT = Path(__file__).resolve().parents[1]
PYTHONS = {v: Path(f"/root/.pyenv/versions/{v}/bin/python") for v in ("3.10.13", "3.13.0")}

ANSWERS = """
import numpy as np
from mlpbook.grading import check

def softmax(z):
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)

check("04.softmax")

def softmax(z):
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / e.sum()  # normalised over the whole batch

check("04.softmax")

try:
    import mlpbook.grading.sets
except ImportError:
    print("no exercise sets")
"""


@pytest.fixture(scope="module")
def handout(tmp_path_factory):
    out = tmp_path_factory.mktemp("handout") / "handout"
    release(out, ROOT / "solutions", ROOT / "exercises")
    return out


def _install_line(readme: str) -> str:
    [line] = [m.strip() for m in re.findall(r"^\s+python -m pip install .*$", readme, re.M)]
    return line


@pytest.mark.parametrize("version", sorted(PYTHONS))
def test_the_handout_installs_and_check_works_offline_from_its_folder(handout, version,
                                                                     tmp_path):
    python = PYTHONS[version]
    if not python.exists():
        pytest.fail(f"Python {version} is needed at {python} for this test")
    venv = tmp_path / "venv"
    subprocess.run([str(python), "-m", "venv", str(venv)], check=True)
    line = _install_line((handout / "README.md").read_text())
    assert "./mlpbook-" in line and "+student-py3-none-any.whl[book]" in line
    command = line.replace("python", str(venv / "bin" / "python"), 1)
    done = subprocess.run(command, shell=True, cwd=handout, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    run = subprocess.run([str(venv / "bin" / "python"), "-c", ANSWERS], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    lines = run.stdout.splitlines()
    assert re.fullmatch(r"✓ 04\.softmax: passed, (\d+)/\1 public cases \(2/2 points\)",
                        lines[0]), run.stdout
    assert lines[1] == "✗ 04.softmax: failed (0/2 points)", run.stdout
    assert lines[-1] == "no exercise sets"
    # the package in the venv is the student wheel, not the checkout
    where = subprocess.run([str(venv / "bin" / "python"), "-c",
                            "import mlpbook, sys; print(mlpbook.__file__)"], cwd=tmp_path,
                           capture_output=True, text=True, check=True).stdout
    assert str(venv) in where and sys.prefix not in where
    assert shutil.which("jupyter", path=str(venv / "bin")) is not None
