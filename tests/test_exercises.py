"""exercises/ is generated from solutions/: stubs, tags, cleared outputs; `mlpbook exercises
check` catches stale, missing and extra notebooks and leaked solution text; and every exercise
runs with its checks saying "not attempted"."""

import contextlib
import io
import json
import shutil
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from mlpbook.cli import main
from mlpbook.grading import exercise_sets
from mlpbook.grading.exercises import SolutionFormatError, check_exercises, generate_exercises

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS, EXERCISES = ROOT / "solutions", ROOT / "exercises"

SOURCE = '''def f(x):
    """Docstring stays."""
    ### BEGIN SOLUTION
    y = x + 1
    return y
    ### END SOLUTION


class G:
    def h(self):
        ### BEGIN SOLUTION
        return "secret answer text"
        ### END SOLUTION'''


def write_solution(folder: Path, cells) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python",
                                 "name": "python3"}
    path = folder / "07_topic.ipynb"
    nbformat.write(nb, path)
    return path


def test_the_committed_exercises_are_fresh_and_free_of_solution_text():
    assert check_exercises(SOLUTIONS, EXERCISES) == []
    assert sorted(p.name for p in EXERCISES.glob("*.ipynb")) == \
        sorted(f"{stem}.ipynb" for stem in exercise_sets())


def test_generation_replaces_each_block_by_an_indented_stub(tmp_path):
    code = new_code_cell(SOURCE, execution_count=3,
                         outputs=[new_output("stream", name="stdout", text="hi\n")])
    other = new_code_cell("print(1)", execution_count=4,
                          outputs=[new_output("stream", name="stdout", text="1\n")])
    write_solution(tmp_path / "sol", [new_markdown_cell("# Title"), code, other])
    [out] = generate_exercises(tmp_path / "sol", tmp_path / "ex")
    nb = json.loads(out.read_text())
    md, stub, plain = nb["cells"]
    assert "".join(stub["source"]) == '''def f(x):
    """Docstring stays."""
    # YOUR CODE HERE
    raise NotImplementedError


class G:
    def h(self):
        # YOUR CODE HERE
        raise NotImplementedError'''
    assert stub["metadata"]["tags"] == ["raises-exception"]
    assert "tags" not in plain["metadata"]
    for cell in (stub, plain):
        assert cell["outputs"] == [] and cell["execution_count"] is None
    assert "".join(md["source"]) == "# Title"
    assert [c["id"] for c in nb["cells"]] == [c.id for c in nbformat.read(
        tmp_path / "sol" / "07_topic.ipynb", as_version=4).cells]
    assert nb["metadata"]["mlpbook"] == {"exercise_set": "07_topic"}
    assert check_exercises(tmp_path / "sol", tmp_path / "ex") == []
    assert out.read_text() == generate_exercises(tmp_path / "sol", tmp_path / "ex")[0].read_text()


@pytest.mark.parametrize("source, words", [
    ("### BEGIN SOLUTION\nx = 1", "never closed"),
    ("x = 1\n### END SOLUTION", "without ### BEGIN SOLUTION"),
    ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION", "nested"),
])
def test_unbalanced_markers_are_refused(tmp_path, source, words):
    write_solution(tmp_path / "sol", [new_code_cell(source)])
    with pytest.raises(SolutionFormatError, match=words):
        generate_exercises(tmp_path / "sol", tmp_path / "ex")


def test_markers_in_markdown_are_refused(tmp_path):
    write_solution(tmp_path / "sol", [new_markdown_cell("### BEGIN SOLUTION\nx\n"
                                                        "### END SOLUTION")])
    with pytest.raises(SolutionFormatError, match="code cells only"):
        generate_exercises(tmp_path / "sol", tmp_path / "ex")


def test_check_finds_stale_missing_extra_and_leaked(tmp_path):
    sol, ex = tmp_path / "sol", tmp_path / "ex"
    write_solution(sol, [new_code_cell(SOURCE)])
    generate_exercises(sol, ex)
    target = ex / "07_topic.ipynb"
    nb = json.loads(target.read_text())
    nb["cells"][0]["source"] = "".join(nb["cells"][0]["source"]).replace(
        "raise NotImplementedError", 'return "secret answer text"', 1)
    target.write_text(json.dumps(nb))
    (ex / "08_other.ipynb").write_text("{}")
    problems = check_exercises(sol, ex)
    assert any(p.endswith("no solutions/08_other.ipynb generates it") for p in problems)
    assert any("07_topic.ipynb: stale" in p for p in problems)
    assert any("contains solution text, e.g. 'return \"secret answer text\"'" in p
               for p in problems)
    target.unlink()
    assert any(p.endswith("07_topic.ipynb: missing") for p in check_exercises(sol, ex))


def test_cli_check_and_generate(tmp_path, capsys):
    sol, ex = tmp_path / "sol", tmp_path / "ex"
    shutil.copytree(SOLUTIONS, sol)
    shutil.copytree(EXERCISES, ex)
    args = ["--solutions", str(sol), "--exercises", str(ex)]
    assert main(["exercises", "check", *args]) == 0
    path = ex / "01_perceptron_to_logistic_regression.ipynb"
    path.write_text(path.read_text().replace("YOUR CODE HERE", "your code here", 1))
    assert main(["exercises", "check", *args]) == 1
    assert "stale" in capsys.readouterr().out
    assert main(["exercises", "generate", *args]) == 0
    assert main(["exercises", "check", *args]) == 0


@pytest.mark.parametrize("stem", list(exercise_sets()))
def test_exercise_runs_with_every_check_saying_not_attempted(stem):
    """Run the exercise's code cells in order, as a fresh kernel would: the tagged cells raise
    NotImplementedError, nothing else raises, and each check prints 'not attempted'."""
    nb = nbformat.read(EXERCISES / f"{stem}.ipynb", as_version=4)
    namespace, printed = {"__name__": "__main__"}, []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            if "raises-exception" in cell.metadata.get("tags", []):
                with pytest.raises(NotImplementedError):
                    exec(cell.source, namespace)
            else:
                exec(cell.source, namespace)
        if cell.source.startswith("check("):
            printed.append(out.getvalue())
    questions = exercise_sets()[stem].questions
    expected = []
    for q in questions:
        unit = "points" if q.points != 1 else "point"
        expected.append(f"· {q.id}: not attempted: {q.name} raises NotImplementedError "
                        f"(0/{q.points} {unit})\n")
    assert printed == expected
