"""The autograder zip deployed as Gradescope deploys it: a temporary folder is bind-mounted on
/autograder in a private mount namespace (nothing of it is seen outside), the zip is unpacked
into /autograder/source, ``setup.sh`` runs as root with ``python3`` being Python 3.10 (as on
Gradescope's Ubuntu 22.04 image) and installs into /autograder/venv from the package index, and
``run_autograder``, copied to /autograder, grades what is uploaded to /autograder/submission.
Slow (a venv and its installs): run with ``python -m pytest -m deploy``."""

import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from test_gradescope import OTHER, SET, SOLUTION, _put, check_results_json

from mlpbook.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXERCISE = ROOT / "exercises" / f"{SET}.ipynb"
PYTHON310 = Path("/root/.pyenv/versions/3.10.13/bin/python")
MOUNT = Path("/autograder")

pytestmark = [
    pytest.mark.deploy,
    pytest.mark.skipif(os.geteuid() != 0 or shutil.which("unshare") is None,
                       reason="needs root and unshare for a private mount namespace"),
    pytest.mark.skipif(not PYTHON310.exists(), reason=f"needs Python 3.10 at {PYTHON310}"),
]


def _in_autograder(folder: Path, command: str, env: dict, timeout: float):
    """Run ``command`` with ``folder`` mounted on /autograder, in a mount namespace of its own."""
    return subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c",
         f'mount --bind "$0" {MOUNT} && {command}', str(folder)],
        env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def autograder(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("gradescope")
    key_file = tmp / "course.key"
    key_file.write_text("a key of this course\n")
    archive = tmp / "autograder.zip"
    assert main(["exercises", "gradescope", str(archive), "--set", SET, "--timeout", "20",
                 "--key-file", str(key_file)]) == 0
    folder = tmp / "autograder"
    with zipfile.ZipFile(archive) as z:
        for info in z.infolist():  # unpacked with the modes the zip gives
            z.extract(info, folder / "source")
            (folder / "source" / info.filename).chmod((info.external_attr >> 16) & 0o777)
    bin_dir = tmp / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(PYTHON310)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    env.pop("MLPBOOK_GRADING_KEY", None)
    env.pop("PYTHONPATH", None)
    made = not MOUNT.exists()
    if made:
        MOUNT.mkdir()  # an empty mount point; the mounts themselves stay in the namespaces
    try:
        setup = _in_autograder(folder, f"cd {MOUNT}/source && bash ./setup.sh", env, 900)
        assert setup.returncode == 0, setup.stdout[-3000:] + setup.stderr[-3000:]
        version = subprocess.run([str(folder / "venv" / "bin" / "python"), "-c",
                                  "import sys; print(sys.version_info[:2])"],
                                 capture_output=True, text=True)
        assert version.stdout.strip() == "(3, 10)", version
        shutil.copy(folder / "source" / "run_autograder", folder / "run_autograder")

        def run(*files) -> tuple[dict, str]:
            shutil.rmtree(folder / "submission", ignore_errors=True)
            shutil.rmtree(folder / "results", ignore_errors=True)
            (folder / "submission").mkdir()
            for age, (name, source) in enumerate(files):
                _put(folder / "submission", name, source, age)
            proc = _in_autograder(folder, f"cd {MOUNT} && ./run_autograder", env, 600)
            assert proc.returncode == 0, proc.stdout + proc.stderr
            results = json.loads((folder / "results" / "results.json").read_text())
            check_results_json(results)
            return results, proc.stdout

        yield run
    finally:
        if made:
            MOUNT.rmdir()


def test_setup_and_run_autograder_under_python_310(autograder):
    results, stdout = autograder(("06_backpropagation.ipynb", SOLUTION))
    assert results["score"] == 11, results
    scored = [t for t in results["tests"] if not t["name"].endswith(": public cases")]
    assert [(t["score"], t["max_score"], t["visibility"]) for t in scored] == \
        [(3, 3, "after_due_date")] * 3 + [(2, 2, "after_due_date")]
    assert all(t["status"] == "passed" and t["visibility"] == "visible"
               for t in results["tests"] if t["name"].endswith(": public cases"))
    assert "MLPBOOK_GRADING_KEY is not set" not in stdout  # the zip's key reached the grader

    results, _ = autograder(("06_backpropagation.ipynb", EXERCISE))
    assert results["score"] == 0 and len(results["tests"]) == 8
    assert all(t["status"] == "failed" for t in results["tests"])

    results, _ = autograder(("06_backpropagation.ipynb", OTHER))  # a notebook of set 04
    assert results["score"] == 0
    assert "this notebook is exercise set 04_activation_functions; this assignment grades " \
        "06_backpropagation" in results["output"]


def test_a_submission_cannot_read_the_grading_key(autograder, tmp_path):
    """The key is in the zip and in the grader's environment, never within the submission's
    reach: a cell that looks for it and shows what it found in its error message."""
    notebook = json.loads(EXERCISE.read_text())
    notebook["cells"].insert(0, {"cell_type": "code", "metadata": {}, "outputs": [],
                                 "execution_count": None, "source": KEY_HUNT})
    (tmp_path / "06_backpropagation.ipynb").write_text(json.dumps(notebook))
    results, _ = autograder(("06_backpropagation.ipynb", tmp_path / "06_backpropagation.ipynb"))
    found = results["output"].split("found: ", 1)[1].split(" | ")  # the cell ran and reported
    assert found[0].startswith(("FileNotFoundError", "PermissionError")), found
    assert found[-1].startswith("not in the environment"), found
    assert "a key of this course" not in json.dumps(results)


KEY_HUNT = """import os
found = []
for path in ("/autograder/source/grading_key", "/autograder/run_autograder",
             "/proc/1/environ", f"/proc/{os.getppid()}/environ"):
    try:
        with open(path, "rb") as f:
            found.append(f.read().decode(errors="replace"))
    except Exception as exc:
        found.append(type(exc).__name__)
found.append(os.environ.get("MLPBOOK_GRADING_KEY", "not in the environment"))
raise RuntimeError("found: " + " | ".join(found))
"""
