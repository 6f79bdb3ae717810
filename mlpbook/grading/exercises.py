"""Generate the student notebooks ``exercises/`` from ``solutions/``, and check them.

``solutions/NN_topic.ipynb`` is the single source. In its code cells, solution code sits between
two marker lines::

    def sigmoid(z):
        ### BEGIN SOLUTION
        ...
        ### END SOLUTION

:func:`exercise_text` replaces each such block by a stub at the same indentation
(``# YOUR CODE HERE`` / ``raise NotImplementedError``), tags the cell ``raises-exception`` (so
nbval accepts the NotImplementedError of an untouched exercise), clears every output and
execution count, and records the exercise set in the notebook metadata (``mlpbook.exercise_set``).
:func:`check_exercises` lists what is stale, missing, extra, or leaks solution text, and every
graded question whose statement does not say what is off limits in the words generated from the
question's declaration (:func:`mlpbook.grading.ownwork.statement`), so the line cannot go stale.
"""

from __future__ import annotations

import json
from pathlib import Path

__all__ = ["BEGIN", "END", "STUB", "exercise_text", "generate_exercises", "check_exercises",
           "solution_blocks", "statement_problems"]

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
STUB = ("# YOUR CODE HERE", "raise NotImplementedError")
RAISES = "raises-exception"


class SolutionFormatError(ValueError):
    pass


def _lines(source) -> list[str]:
    text = "".join(source) if isinstance(source, list) else source
    return text.split("\n")


def solution_blocks(source: str, where: str = "") -> list[tuple[int, int]]:
    """(begin, end) line numbers of each marked block; raises on unbalanced or nested markers."""
    blocks, begin = [], None
    for i, line in enumerate(_lines(source)):
        marker = line.strip()
        if marker == BEGIN:
            if begin is not None:
                raise SolutionFormatError(f"{where}: nested {BEGIN} at line {i + 1}")
            begin = i
        elif marker == END:
            if begin is None:
                raise SolutionFormatError(f"{where}: {END} without {BEGIN} at line {i + 1}")
            blocks.append((begin, i))
            begin = None
    if begin is not None:
        raise SolutionFormatError(f"{where}: {BEGIN} at line {begin + 1} is never closed")
    return blocks


def stub_source(source: str, where: str = "") -> str:
    lines = _lines(source)
    out, last = [], 0
    for begin, end in solution_blocks(source, where):
        indent = lines[begin][: len(lines[begin]) - len(lines[begin].lstrip())]
        out += lines[last:begin] + [indent + s for s in STUB]
        last = end + 1
    return "\n".join(out + lines[last:])


def exercise_text(solution: Path) -> str:
    """The exercise notebook generated from ``solution``, as the exact text to write."""
    nb = json.loads(Path(solution).read_text(encoding="utf-8"))
    stem = Path(solution).stem
    cells = []
    for n, cell in enumerate(nb["cells"]):
        cell = dict(cell)
        where = f"{solution} cell {n}"
        if cell["cell_type"] == "code":
            source = "".join(cell["source"]) if isinstance(cell["source"], list) \
                else cell["source"]
            metadata = dict(cell.get("metadata", {}))
            metadata.pop("execution", None)  # timestamps of the solution's run
            if solution_blocks(source, where):
                source = stub_source(source, where)
                tags = list(metadata.get("tags", []))
                metadata["tags"] = tags if RAISES in tags else tags + [RAISES]
            cell.update(source=source, metadata=metadata, outputs=[], execution_count=None)
        elif solution_blocks(cell["source"], where):
            raise SolutionFormatError(f"{where}: solution markers belong in code cells only")
        cells.append(cell)
    # the kernel metadata of the executed solution, as JupyterLab writes it: without them
    # JupyterLab marks the exercise modified as soon as a student opens it
    source_meta = nb.get("metadata", {})
    metadata = {key: source_meta[key] for key in ("kernelspec", "language_info")
                if key in source_meta}
    metadata["mlpbook"] = {"exercise_set": stem}
    # helpers given in full (a demo's small function): recorded, so that `mlpbook similarity`
    # leaves them out wherever it runs, as it leaves out the stubs
    from .similarity import starter_sources

    given = starter_sources([c["source"] for c in cells if c["cell_type"] == "code"])
    if given:
        metadata["mlpbook"]["starter"] = given
    out = {"cells": cells, "metadata": metadata, "nbformat": nb["nbformat"],
           "nbformat_minor": nb["nbformat_minor"]}
    import nbformat  # the writer of Jupyter itself, for byte-identical files

    return nbformat.writes(nbformat.from_dict(out)).rstrip("\n") + "\n"


def _solutions(solutions_dir: Path) -> list[Path]:
    return sorted(p for p in Path(solutions_dir).glob("*.ipynb") if p.is_file())


def generate_exercises(solutions_dir: Path, exercises_dir: Path) -> list[Path]:
    """Write ``exercises_dir/<stem>.ipynb`` for every solution notebook; returns the paths."""
    exercises_dir = Path(exercises_dir)
    exercises_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for solution in _solutions(solutions_dir):
        target = exercises_dir / solution.name
        target.write_text(exercise_text(solution), encoding="utf-8")
        written.append(target)
    return written


def _solution_only_lines(solution: Path) -> set[str]:
    """Lines of solution blocks (stripped, long enough to be telling) that appear nowhere else in
    the solution notebook: finding one of them in an exercise means solution text leaked."""
    nb = json.loads(solution.read_text(encoding="utf-8"))
    inside, outside = set(), set()
    for cell in nb["cells"]:
        lines = _lines(cell["source"])
        blocks = solution_blocks(cell["source"]) if cell["cell_type"] == "code" else []
        hidden = {i for b, e in blocks for i in range(b + 1, e)}
        for i, line in enumerate(lines):
            (inside if i in hidden else outside).add(line.strip())
    return {line for line in inside - outside if len(line) >= 16}


def statement_problems(solution: Path) -> list[str]:
    """Questions of ``solution`` whose statement (the markdown cell before the cell defining the
    function) lacks the off-limits line generated from the question's ``forbidden`` names."""
    import re

    from .ownwork import statement
    from .sets import exercise_sets

    exercise_set = exercise_sets().get(Path(solution).stem)
    if exercise_set is None:
        return []
    cells = json.loads(Path(solution).read_text(encoding="utf-8"))["cells"]
    texts = ["\n".join(_lines(c["source"])) for c in cells]
    problems = []
    for q in exercise_set.questions:
        defining = [i for i, c in enumerate(cells) if c["cell_type"] == "code"
                    and re.search(rf"^def {q.name}\(", texts[i], re.M)]
        before = [i for i in range(defining[0]) if cells[i]["cell_type"] == "markdown"] \
            if defining else []
        line = statement(q.forbidden)
        if not before or line not in texts[before[-1]]:
            problems.append(f"{solution}: the statement of {q.id} must say what is off limits, "
                            f"in these words: {line}")
    return problems


def check_exercises(solutions_dir: Path, exercises_dir: Path) -> list[str]:
    """Problems with ``exercises_dir``: stale, missing or extra notebooks, solution text."""
    problems = []
    solutions = _solutions(solutions_dir)
    if not solutions:
        return [f"no solution notebooks in {solutions_dir}"]
    names = {s.name for s in solutions}
    for extra in sorted(Path(exercises_dir).glob("*.ipynb")):
        if extra.name not in names:
            problems.append(f"{extra}: no solutions/{extra.name} generates it")
    for solution in solutions:
        problems += statement_problems(solution)
        target = Path(exercises_dir) / solution.name
        if not target.exists():
            problems.append(f"{target}: missing")
            continue
        text = target.read_text(encoding="utf-8")
        if text != exercise_text(solution):
            problems.append(f"{target}: stale (differs from what {solution} generates)")
        sources = "\n".join("".join(c["source"]) if isinstance(c["source"], list)
                            else c["source"] for c in json.loads(text)["cells"])
        if BEGIN in sources or END in sources:
            problems.append(f"{target}: contains solution markers")
        leaked = sorted(line for line in _solution_only_lines(solution) if line in sources)
        if leaked:
            problems.append(f"{target}: contains solution text, e.g. {leaked[0]!r}")
    return problems
