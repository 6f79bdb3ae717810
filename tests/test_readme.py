"""The README's test command is what CI runs, and `import mlpbook` stays light."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEST_COMMAND = 'python -m pip install -e ".[dev]" && python -m pytest'


def test_ci_runs_the_readme_test_command_verbatim():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert TEST_COMMAND in readme
    assert TEST_COMMAND in ci.splitlines()


def test_import_is_light():
    code = ("import sys, mlpbook; heavy = [m for m in ('matplotlib', 'ipywidgets', 'IPython', "
            "'sklearn', 'torch', 'tqdm') if m in sys.modules]; print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"import mlpbook imported {out.stdout.strip()}"


def test_readme_code_runs(capsys):
    readme = (ROOT / "README.md").read_text()
    block = readme.split("```python\n", 1)[1].split("```", 1)[0]
    namespace = {}
    exec(compile(block, "README.md", "exec"), namespace)
    errors = eval(capsys.readouterr().out)  # the printed dict of relative errors
    assert max(errors.values()) < 1e-7
    assert namespace["dX"].shape == (32, 4) and len(namespace["history"].loss) == 50


def test_readme_conveniences_run_and_print_what_they_say(capsys):
    readme = (ROOT / "README.md").read_text()
    first, second = [b.split("```", 1)[0] for b in readme.split("```python\n")[1:3]]
    namespace = {}
    exec(compile(first, "README.md", "exec"), namespace)
    capsys.readouterr()
    exec(compile(second, "README.md", "exec"), namespace)
    out = capsys.readouterr().out
    assert out.startswith("Sequential: input (n, 4), 31 parameters, float64")
    assert "History: 50 epochs" in out and "  loss  last " in out
