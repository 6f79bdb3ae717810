"""The package's layers: the core (what ``import mlpbook`` loads) imports only the core; the
chapters' NumPy modules import no display or tool module; display modules import no tool; the
tools live outside ``mb.*``; the grader and the tools import each other in one direction only.
Imports are read from the source with ``ast`` (top-level and inside functions alike)."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import mlpbook

PACKAGE = Path(mlpbook.__file__).resolve().parent

CORE = {"__init__", "_checks", "activations", "batchnorm", "dropout", "fused", "gradcheck", "init",
        "io", "layers", "losses", "optim", "regularization", "sequential", "training"}
CHAPTERS = {"autodiff", "batch_size", "constructions", "datasets", "diagnostics", "example2",
            "experiments", "linear_regions", "metrics", "profiling", "surfaces", "sweeps"}
DISPLAY = {"plotting", "widgets", "_extras"}
# Outside the standard library and NumPy, what the core may import, and where: SciPy's BLAS, at
# the first fused step; tqdm, for fit's progress bar.
CORE_OPTIONAL = {"scipy.linalg": {"fused"}, "tqdm.auto": {"training"}}


def module_name(path: Path) -> str:
    """mlpbook-relative dotted name: "fused", "tools.site.explorers", "grading.sets.init"."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" and len(parts) > 1 else parts)


def imports(path: Path) -> set[str]:
    """Every module ``path`` imports, absolute (``mlpbook.x`` written as ``x``-relative names
    resolved), as dotted names; mlpbook's own modules without the ``mlpbook.`` prefix."""
    name = module_name(path)
    package = name.split(".")[:-1] if path.name != "__init__.py" else name.split(".")
    if name == "__init__":
        package = []
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
                found |= {f"mlpbook.{target}".rstrip(".")} if node.module else {
                    f"mlpbook.{'.'.join([*base, a.name])}" for a in node.names}
            else:
                found.add(node.module)
    return {m.removeprefix("mlpbook.") if m.startswith("mlpbook.") else
            ("__init__" if m == "mlpbook" else m) for m in found}


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def own(names: set[str]) -> set[str]:
    """The mlpbook modules among ``names``, by their first component (a package or module)."""
    return {n for n in names if n.split(".")[0] in {m.split(".")[0] for m in MODULES}}


def test_every_module_has_a_layer():
    top = {m for m in MODULES if "." not in m} - {"grading", "tools"}  # and two folders
    assert top == CORE | CHAPTERS | DISPLAY | {"cli"}, sorted(top ^ (CORE | CHAPTERS | DISPLAY))
    assert {m.split(".")[0] for m in MODULES} == top | {"grading", "tools"}


@pytest.mark.parametrize("module", sorted(CORE))
def test_the_core_imports_only_the_core(module):
    found = imports(MODULES[module])
    assert own(found) - {m for m in found if m.split(".")[0] in CORE} == set()
    outside = {m for m in found - own(found)
               if m.split(".")[0] not in sys.stdlib_module_names and m.split(".")[0] != "numpy"}
    assert all(module in CORE_OPTIONAL.get(m, ()) for m in outside), outside
    assert "ctypes" not in found


@pytest.mark.parametrize("module", sorted(CHAPTERS))
def test_the_chapters_modules_import_no_display_tool_or_grader(module):
    found = own(imports(MODULES[module]))
    assert {m.split(".")[0] for m in found} <= CORE | CHAPTERS, found


@pytest.mark.parametrize("module", sorted(DISPLAY))
def test_display_modules_import_no_tool_or_grader(module):
    found = own(imports(MODULES[module]))
    assert {m.split(".")[0] for m in found} <= CORE | CHAPTERS | DISPLAY, found


def test_no_folder_imports_another_that_imports_it_back():
    """grading -> the library, tools -> the library and grading; never back."""
    layer = {"grading": 1, "tools": 2, "cli": 3}
    for name, path in MODULES.items():
        mine = layer.get(name.split(".")[0], 0)
        for target in own(imports(path)):
            theirs = layer.get(target.split(".")[0], 0)
            assert theirs <= mine, f"{name} imports {target}"


def test_import_mlpbook_loads_numpy_and_the_core_only():
    code = ("import sys, mlpbook\n"
            "print(' '.join(sorted(m for m in sys.modules if m.startswith('mlpbook'))))\n"
            "print(' '.join(m for m in ('scipy', 'matplotlib', 'ipywidgets', 'tqdm', 'jupytext',"
            " 'nbformat') if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    loaded = {m.removeprefix("mlpbook.") if m != "mlpbook" else "__init__"
              for m in out[0].split()}
    assert loaded == CORE
    assert out[1] == ""


def test_the_tools_are_not_attributes_of_mb():
    code = ("import mlpbook as mb\n"
            "for name in ('site', 'notebooks', 'exercises', 'tools'):\n"
            "    try:\n        getattr(mb, name)\n    except AttributeError:\n        pass\n"
            "    else:\n        print(name)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout == ""
