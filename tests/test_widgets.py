"""mb.widgets: every explorer labels its controls readably, the experiments keep their old names,
and without the book's extras the figure modules say how to install them."""

import subprocess
import sys

import numpy as np
import pytest

import mlpbook as mb
from mlpbook import widgets
from mlpbook.sweeps import Sweep


def tiny_sweeps():
    errors = np.ones((2, 1, 3))
    return {"hidden width": ([4, 8], Sweep([[1, 4, 1], [1, 8, 1]], np.array([13, 25]), errors,
                                           errors))}


EXPLORERS = {
    "interpolation": widgets.interpolation_explorer,
    "staircase": widgets.staircase_explorer,
    "gate": widgets.gate_explorer,
    "decision_boundary": widgets.decision_boundary_explorer,
    "activation": widgets.activation_explorer,
    "optimizer": widgets.optimizer_explorer,
    "init": widgets.init_explorer,
    "bn": widgets.bn_explorer,
    "regularization": widgets.regularization_explorer,
    "sweep": lambda: widgets.sweep_explorer(tiny_sweeps()),
}


def controls(explorer):
    """The value controls (sliders, menus) of an explorer built by interact or interactive."""
    import ipywidgets

    box = getattr(explorer, "widget", explorer)  # interact returns the function, .widget the box
    return [c for c in box.children if isinstance(c, ipywidgets.ValueWidget)]


@pytest.mark.parametrize("name", EXPLORERS)
def test_every_control_has_a_readable_label_shown_whole(name, monkeypatch):
    monkeypatch.setattr(widgets.plt, "show", lambda: None)
    if name == "decision_boundary":  # its first drawing trains for 4,000 epochs: make it short
        figure = widgets.decision_boundary_figure
        monkeypatch.setattr(widgets, "decision_boundary_figure",
                            lambda hidden_units, epochs, lr: figure(hidden_units, 10, lr))
    found = controls(EXPLORERS[name]())
    assert found, "no controls"
    for c in found:
        assert c.description and "_" not in c.description, c.description  # not an argument name
        assert c.style.description_width == "initial", c.description  # never cut to a width


def test_experiments_keep_their_old_names_in_widgets():
    assert widgets.overfit_net is mb.experiments.overfit_net
    assert widgets.optimizer_path is mb.surfaces.optimizer_path
    assert widgets.init_records is mb.diagnostics.init_records
    assert widgets.gate_errors is mb.constructions.gate_errors
    for name in widgets.__all__:
        assert hasattr(widgets, name), name
    assert widgets.GATE_ACTIVATIONS == {"softplus": ("Softplus", 0.0), "sigmoid": ("Sigmoid", 1.0),
                                        "tanh": ("Tanh", 0.5)}


def test_experiments_module_needs_no_plotting():
    code = ("import sys, mlpbook.experiments, mlpbook.surfaces, mlpbook.diagnostics, "
            "mlpbook.constructions; "
            "print('matplotlib' in sys.modules, 'ipywidgets' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


BLOCKER = """
import sys
class Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {blocked!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
sys.meta_path.insert(0, Blocker())
import mlpbook as mb
try:
    mb.{module}
except ImportError as exc:
    print(type(exc).__name__, exc.name, "|", exc)
"""


@pytest.mark.parametrize("module, blocked, missing", [
    ("plotting", ("matplotlib",), "matplotlib"),
    ("widgets", ("matplotlib", "ipywidgets"), "matplotlib"),
    ("widgets", ("ipywidgets",), "ipywidgets"),
])
def test_without_the_book_extras_the_error_says_how_to_install_them(module, blocked, missing):
    code = BLOCKER.format(blocked=set(blocked), module=module)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.startswith(f"ModuleNotFoundError {missing} |"), out.stdout
    assert 'pip install "mlpbook[book]"' in out.stdout and missing in out.stdout.split("|")[1]
