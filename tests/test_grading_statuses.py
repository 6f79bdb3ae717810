"""Statuses that say what happened: a question whose defining cell failed is that cell's error
(or timeout), not "not attempted"; a correct answer calling an unfinished helper says so; and
the terminal summary shows the cause."""

import nbformat

from mlpbook.cli import main
from mlpbook.grading.grade import grade_one
from mlpbook.grading.runner import Limits

SET = "04_activation_functions"

SOFTMAX = """import numpy as np

def softmax(z):
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)
"""


def _notebook(tmp_path, *cells, name="alice_04_activation_functions.ipynb"):
    nb = nbformat.v4.new_notebook()
    nb.metadata["mlpbook"] = {"exercise_set": SET}
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    path = tmp_path / name
    nbformat.write(nb, path)
    return path


def _by_name(result):
    return {q["name"]: q for q in result["questions"]}


def test_a_syntax_error_in_the_defining_cell_is_that_cells_error(tmp_path):
    path = _notebook(tmp_path, SOFTMAX,
                     "def softplus(z):\n    return np.logaddexp(0, z\n",  # unclosed
                     "def sigmoid_derivative(z):\n    raise NotImplementedError\n")
    questions = _by_name(grade_one(path, limits=Limits(timeout=5)))
    assert questions["softmax"]["status"] == "passed"
    softplus = questions["softplus"]
    assert softplus["status"] == "error"
    assert softplus["message"].startswith("SyntaxError")
    assert "in the cell that defines softplus (cell 2: def softplus(z):)" in softplus["message"]
    assert questions["sigmoid_derivative"]["status"] == "missing"  # a stub: not attempted


def test_a_demo_call_that_loops_is_a_timeout_of_its_cell(tmp_path):
    path = _notebook(tmp_path, SOFTMAX + "\nwhile True:\n    pass\n")
    softmax = _by_name(grade_one(path, limits=Limits(timeout=1, reserve=0.5)))["softmax"]
    assert softmax["status"] == "timeout"
    assert "in the cell that defines softmax (cell 1" in softmax["message"]


def test_an_unfinished_helper_is_named(tmp_path):
    path = _notebook(tmp_path, SOFTMAX, "def softmax_backward(Z, G):\n"
                     "    return helper(Z, G)\n\ndef helper(Z, G):\n"
                     "    raise NotImplementedError\n")
    backward = _by_name(grade_one(path, limits=Limits(timeout=5)))["softmax_backward"]
    assert backward["status"] == "error"
    assert "helper is not finished yet" in backward["message"]


def test_the_terminal_summary_shows_the_cause(tmp_path, capsys):
    path = _notebook(tmp_path, SOFTMAX, "def softplus(z):\n    return np.logaddexp(0, z\n")
    assert main(["grade", str(path), "--timeout", "5"]) == 0
    out = capsys.readouterr().out
    assert "04.softplus" in out and "error" in out and "SyntaxError" in out
    assert "cell 2 (def softplus(z):)" in out


def test_check_warns_when_the_defining_cell_last_failed(capsys):
    """In a notebook kernel, a cell that failed leaves the old definition in place: check()
    says that it tests the definition from before."""
    from IPython.core.interactiveshell import InteractiveShell

    from mlpbook.grading import feedback

    shell = InteractiveShell.instance()
    try:
        feedback._track_cells()
        shell.run_cell(SOFTMAX)
        shell.run_cell("from mlpbook.grading import check\ncheck('04.softmax')")
        assert "✓ 04.softmax: passed" in capsys.readouterr().out
        assert feedback.stale_warning("softmax") is None
        shell.run_cell("def softmax(z):\n    return np.exp(z) / np.exp(z).sum(\n")  # broken
        shell.run_cell("check('04.softmax')")
        out = capsys.readouterr().out
        assert "✓ 04.softmax: passed" in out  # the old definition still passes...
        assert "the cell that defines softmax raised an error when you last ran it" in out
        shell.run_cell(SOFTMAX)
        assert feedback.stale_warning("softmax") is None
    finally:
        InteractiveShell.clear_instance()
        feedback._defined_ok.clear()


def test_the_grader_quotes_the_line_of_the_students_code_that_raised(tmp_path):
    path = _notebook(tmp_path, "import numpy as np\n\ndef softmax(z):\n"
                     "    e = np.exp(z - np.max(z, axis=-1, keepdims=True))\n"
                     "    return e / e.sum(axis=-1, keepdims=True) @ np.ones(7)\n")
    softmax = _by_name(grade_one(path, limits=Limits(timeout=5)))["softmax"]
    assert softmax["status"] == "error"
    assert "at line 3 of softmax: return e / e.sum(axis=-1, keepdims=True) @ np.ones(7)" in \
        softmax["message"]
