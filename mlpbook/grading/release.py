"""``mlpbook exercises release OUT``: the bundle handed to students.

It holds the exercise notebooks (generated from ``solutions/``, so without solutions), the data
files that sit beside them in ``exercises/`` if any, the student wheel (the library and
``check``, with the public cases as data and without the exercise sets' reference answers,
:mod:`mlpbook.grading.wheels`), and a README for students whose install command works from the
folder itself. Neither the solution notebooks nor the reference answers go in; the release
refuses to write when ``exercises/`` is stale or contains solution text.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from .. import __version__

__all__ = ["release", "STUDENT_README"]

STUDENT_README = """# Exercises: feedforward neural networks (mlpbook {version})

## Install

In this folder, in a fresh virtual environment (Python 3.10 or newer):

    python -m venv .venv
    source .venv/bin/activate          # on Windows: .venv\\Scripts\\activate
    python -m pip install "./{wheel}[book]"
    jupyter lab

The wheel in this folder is the library with `check`; the other packages (NumPy, JupyterLab,
...) come from the Python Package Index. Open an exercise notebook, for example
`06_backpropagation.ipynb`, and run it top to bottom.

## Work and check

Each question asks for one function with a fixed name. Replace `raise NotImplementedError` with
your code, run the cell, then run the `check("NN.name")` cell below it. `check` calls your
function on the question's *public* cases and prints ✓ (passed) or ✗ with the first case that
fails and why (a shape, a dtype, values beyond the tolerance); it never shows the expected
answer.

Each statement says what is **off limits**: the parts of `mlpbook` that implement what the
question asks. An answer that uses them fails, in `check` and in the grader alike, however it
reaches them. NumPy and the rest of the library may help.

`check` gives feedback only. Your grade comes from the grader, which runs your functions again in
a sandbox of its own, on the public cases and on *hidden* cases drawn from a secret of your
instructor's: a function that is right only on the public inputs loses its points there.
Editing or deleting the check cells changes nothing.

## Submit

Save the notebook and hand in the `.ipynb` file as your instructor asks (for example
`yourlogin_06_backpropagation.ipynb`, or an upload to Gradescope). Restart the kernel and run all
cells before you submit: the grader runs the notebook top to bottom on a fresh kernel.

## Files

{files}
"""


def release(out, solutions_dir="solutions", exercises_dir="exercises") -> list[Path]:
    """Write the student bundle into ``out`` (a new or empty folder); returns the files."""
    from .exercises import check_exercises

    out, exercises_dir = Path(out), Path(exercises_dir)
    problems = check_exercises(Path(solutions_dir), exercises_dir)
    if problems:
        raise ValueError("exercises/ is not ready to release (run `mlpbook exercises "
                         "generate`):\n" + "\n".join(problems))
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty; choose a new folder for the release")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for src in sorted(exercises_dir.rglob("*")):
        if not src.is_file() or ".ipynb_checkpoints" in src.parts or \
                "__pycache__" in src.parts:
            continue
        target = out / src.relative_to(exercises_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, target)
        written.append(target)
    from .wheels import build_wheel

    wheel = build_wheel(out, student=True)
    written.append(wheel)
    listing = "\n".join(f"- `{p.relative_to(out).as_posix()}`" for p in written)
    readme = out / "README.md"
    readme.write_text(STUDENT_README.format(version=__version__, files=listing,
                                            wheel=wheel.name), encoding="utf-8")
    return [readme, *written]
