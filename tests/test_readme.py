"""The README: short, its test command what CI runs, its code runs, its links lead somewhere;
the library tour's code runs; one version everywhere; `import mlpbook` stays light."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEST_COMMAND = 'python -m pip install -e ".[dev]" && python -m pytest'
OPEN_COMMAND = ('python -m pip install -e ".[book]" && jupyter lab --ServerApp.root_dir=. '
                "book/01_perceptron_to_logistic_regression.ipynb")
GUIDES = ("docs/student-guide.md", "docs/instructor-guide.md",
          "docs/how-this-book-is-checked.md", "benchmarks/README.md")


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


def test_readme_is_short_and_has_what_a_newcomer_needs():
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 120
    assert OPEN_COMMAND in readme and TEST_COMMAND in readme
    for stem in sorted(p.stem for p in (ROOT / "book").glob("[0-9][0-9]_*.ipynb")):
        assert f"| `{stem}` |" in readme, f"the chapters table lacks {stem}"
    for heading in ("## For readers", "## For students", "## For instructors",
                    "## Performance"):
        assert heading in readme
    for guide in GUIDES:
        assert f"]({guide})" in readme, f"the README does not link {guide}"
    # what moved out stays out: the benchmark tables, the threat model, portable digits
    assert "| implementation |" not in readme and "Threat model" not in readme
    assert "Portable digits" not in readme


def test_readme_links_and_picture_exist():
    readme = (ROOT / "README.md").read_text()
    targets = re.findall(r"\]\(([^)#]+)\)", readme)
    assert any(t.startswith("docs/images/") and t.endswith(".png") for t in targets)
    missing = [t for t in targets if "://" not in t and not (ROOT / t).exists()]
    assert missing == []


def test_one_version_in_the_package_the_changelog_and_the_citation():
    import mlpbook

    version = re.search(r'^version = "([^"]+)"$', (ROOT / "pyproject.toml").read_text(),
                        re.MULTILINE).group(1)
    assert mlpbook.__version__ == version
    changelog = (ROOT / "CHANGELOG.md").read_text()
    released = re.findall(r"^## \[(\d+\.\d+\.\d+)\] - \d{4}-\d{2}-\d{2}$", changelog,
                          re.MULTILINE)
    assert released and released[0] == version, "the newest changelog entry is not the version"
    assert re.search(rf"^version: {re.escape(version)}$",
                     (ROOT / "CITATION.cff").read_text(), re.MULTILINE)


def test_readme_code_runs(capsys):
    readme = (ROOT / "README.md").read_text()
    block = readme.split("```python\n", 1)[1].split("```", 1)[0]
    namespace = {}
    exec(compile(block, "README.md", "exec"), namespace)
    errors = eval(capsys.readouterr().out)  # the printed dict of relative errors
    assert max(errors.values()) < 1e-7
    assert namespace["dX"].shape == (32, 4) and len(namespace["history"].loss) == 50


def test_library_tour_runs_the_readme_code():
    readme = (ROOT / "README.md").read_text()
    tour = (ROOT / "docs" / "library.md").read_text()
    assert readme.split("```python\n", 1)[1].split("```", 1)[0] in tour


@pytest.mark.parametrize("name", ["docs/library.md"])
def test_library_code_runs(capsys, name):
    text = (ROOT / name).read_text()
    block = text.split("```python\n", 1)[1].split("```", 1)[0]
    namespace = {}
    exec(compile(block, name, "exec"), namespace)
    errors = eval(capsys.readouterr().out)
    assert max(errors.values()) < 1e-7


def test_library_tour_conveniences_run_and_print_what_they_say(capsys):
    readme = (ROOT / "docs" / "library.md").read_text()
    first, second = [b.split("```", 1)[0] for b in readme.split("```python\n")[1:3]]
    namespace = {}
    exec(compile(first, "README.md", "exec"), namespace)
    capsys.readouterr()
    exec(compile(second, "README.md", "exec"), namespace)
    out = capsys.readouterr().out
    assert out.startswith("Sequential: input (n, 4), 31 parameters, float64")
    assert "History: 50 epochs" in out and "  loss  last " in out
