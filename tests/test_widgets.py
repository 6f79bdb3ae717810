"""mb.widgets: the figure callbacks draw what their experiments compute, every explorer wires
its controls and labels them readably, the experiments keep their old names, and without the
book's extras the figure modules say how to install them."""

import subprocess
import sys

import matplotlib.pyplot as plt
import numpy as np
import pytest
from fake_sweeps import fake_sweep, labelled

import mlpbook as mb
from mlpbook import widgets
from mlpbook.datasets import fstar as f_star
from mlpbook.sweeps import Sweep

# ---- every explorer: readable labels; the experiments' old names; the book extras ----------------

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


# ---- chapter 03: Figure 5.2, the sigmoid steps, the multiplication gate, Figure 5.3 --------------

def line_by_label(ax, start):
    return next(line for line in ax.get_lines() if line.get_label().startswith(start))


@pytest.mark.parametrize("r", [2, 10, 30])
def test_interpolation_figure_plots_the_piecewise_linear_interpolant(r):
    fig = widgets.interpolation_figure(r)
    ax = fig.axes[0]
    u = np.linspace(0, 4, r)
    x, y = line_by_label(ax, "network").get_data()
    np.testing.assert_allclose(y, np.interp(x, u, f_star(u)), atol=1e-12)
    err = np.max(np.abs(np.interp(x, u, f_star(u)) - f_star(x)))
    assert f"max error {err:.3g}" in ax.get_title()


def test_staircase_figure_approaches_the_staircase_for_steep_units():
    fig = widgets.staircase_figure(r=5, steepness=1e4)
    x, y = line_by_label(fig.axes[0], "sigmoid").get_data()
    u = np.linspace(0, 4, 5)
    nearest = f_star(u)[np.argmin(np.abs(x[:, None] - u[None, :]), axis=1)]
    far_from_steps = np.min(np.abs(x[:, None] - (u[:-1] + u[1:])[None, :] / 2), axis=1) > 0.01
    np.testing.assert_allclose(y[far_from_steps], nearest[far_from_steps], atol=1e-12)


def test_gate_error_figure_shows_the_error_field_of_5_14():
    lam = 0.2
    fig = widgets.gate_error_figure(lam, "tanh")
    n = 101
    g = np.linspace(-1, 1, n)
    x1, x2 = np.meshgrid(g, g)
    c = mb.constructions.GATE_SHIFTS["tanh"]
    d2 = -2 * np.tanh(c) * (1 - np.tanh(c) ** 2)
    f = (np.tanh(c + lam * (x1 + x2)) + np.tanh(c - lam * (x1 + x2)) - np.tanh(c + lam * (x1 - x2))
         - np.tanh(c - lam * (x1 - x2))) / (4 * lam**2 * d2)
    np.testing.assert_allclose(fig.axes[0].images[0].get_array(), f - x1 * x2, atol=1e-12)
    star = [line for line in fig.axes[1].get_lines() if line.get_marker() == "*"][0]
    np.testing.assert_allclose(star.get_ydata(), [np.max(np.abs(f - x1 * x2))], rtol=1e-9)


def test_decision_boundary_figure_reports_the_accuracy_of_its_model():
    fig = widgets.decision_boundary_figure(hidden_units=0, epochs=300)
    X, y = widgets.wavy_boundary_data()
    model = widgets.boundary_classifier(0)
    widgets.train_full_batch(model, X, y, epochs=300)
    acc = np.mean((model.forward(X)[:, 0] > 0) == y)
    assert f"accuracy {acc:.3f}" in fig.axes[0].get_title()


@pytest.mark.parametrize("explorer, knobs", [
    (widgets.interpolation_explorer, {"knots r"}),
    (widgets.staircase_explorer, {"knots r", "steepness k"}),
    (widgets.gate_explorer, {"λ", "activation"}),
    (widgets.decision_boundary_explorer, {"hidden units"}),
])
def test_explorers_wire_their_knobs(explorer, knobs):
    box = explorer().widget
    assert {getattr(c, "description", "") for c in box.children} - {""} == knobs
    assert not plt.get_fignums()  # the figure drawn by the first call is closed


# ---- chapter 04: the activation explorer ---------------------------------------------------------

def test_explorer_figure_draws_the_curves():
    fig = widgets.activation_explorer_figure("ELU", 0.5, z_max=2.0)
    assert [ax.get_title() for ax in fig.axes] == ["σ(z)", "σ'(z)", "σ''(z)"]
    assert fig._suptitle.get_text() == "ELU, α = 0.5"
    c = widgets.activation_curves("ELU", 0.5, z_max=2.0)
    for ax, key in zip(fig.axes, ("sigma", "d1", "d2"), strict=True):
        (line,) = [ln for ln in ax.get_lines() if len(ln.get_xdata()) > 2]
        np.testing.assert_array_equal(line.get_ydata(), c[key])


def test_explorer_figure_says_when_second_derivative_is_undefined():
    fig = widgets.activation_explorer_figure("ReLU")
    third = fig.axes[2]
    assert not [ln for ln in third.get_lines() if len(ln.get_xdata()) > 2]
    assert "undefined at the kink" in third.texts[0].get_text()


def test_explorer_controls_follow_the_chosen_activation():
    w = widgets.activation_explorer()
    name, param, z_max = w.children[:3]
    assert name.value == "sigmoid" and param.disabled
    name.value = "leaky ReLU"
    assert not param.disabled and param.value == 0.01 and param.description == "ε"
    name.value = "step"
    assert (param.min, param.max, param.value) == (-1.0, 0.0, 0.0)
    name.value = "swish"
    assert (param.min, param.max, param.value, param.description) == (0.0, 5.0, 1.0, "β")
    name.value = "tanh"
    assert param.disabled
    assert z_max.value == 4.0


# ---- chapter 08: the optimizer explorer ----------------------------------------------------------

def test_optimizer_explorer_figure_draws_both_paths():
    fig = widgets.optimizer_explorer_figure("Momentum", lr=2.0, steps=50)
    traj_ax, dist_ax = fig.axes
    momentum = widgets.optimizer_path("Momentum", 2.0, 50)
    lines = {ln.get_label(): ln for ln in dist_ax.get_lines()}
    assert set(lines) == {"Momentum, lr = 2", "SGD, lr = 2"}
    np.testing.assert_allclose(lines["Momentum, lr = 2"].get_ydata(),
                               np.linalg.norm(momentum, axis=1))
    labels = [ln.get_label() for ln in traj_ax.get_lines()]
    assert "SGD, lr = 2 (leaves the view)" in labels  # SGD diverges for lr > 1
    assert len(widgets.optimizer_explorer_figure("SGD", steps=10).axes[1].get_lines()) == 1


def test_optimizer_explorer_builds():
    w = widgets.optimizer_explorer()
    names = [c.description for c in w.children[:3]]
    assert names == ["optimizer", "learning rate", "steps"]
    w.children[0].value = "Adam"  # the learning rate follows the choice
    assert w.children[1].value == pytest.approx(mb.surfaces.BOWL_SETTINGS["Adam"].lr, rel=0.05)


# ---- chapter 09: the initialisation explorer -----------------------------------------------------

def test_init_explorer_figure_plots_the_records():
    fig = widgets.init_explorer_figure(depth=5, init="he", activation="ReLU")
    recs = widgets.init_records(5, "he", "ReLU")
    spread_ax = fig.axes[2]
    lines = {ln.get_label(): ln.get_ydata() for ln in spread_ax.get_lines()}
    np.testing.assert_allclose(lines["a[ℓ]"], [r.a.std() for r in recs])
    np.testing.assert_allclose(lines["δ[ℓ]"], [r.delta.std() for r in recs])
    assert "exact zeros left out" in fig.axes[0].get_title()


def test_init_explorer_builds():
    w = widgets.init_explorer()
    assert [c.description for c in w.children[:3]] == ["depth", "initialiser", "activation"]


# ---- chapter 10: the batch-normalisation explorer ------------------------------------------------

def test_bn_explorer_figure_shows_both_runs():
    fig = widgets.bn_explorer_figure(lr=0.1, depth=2)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0].startswith("plain: final loss") and labels[1].startswith("batchnorm")
    runs = widgets.bn_comparison(lr=0.1, depth=2)
    assert f"{runs['batchnorm'].loss[-1]:.3f}" in labels[1]
    assert list(ax.lines[0].get_ydata()) == runs["plain"].loss


def test_bn_explorer_figure_marks_a_divergence():
    fig = widgets.bn_explorer_figure(lr=3.0, depth=10)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels[0] == "plain: diverged"
    assert any(line.get_marker() == "x" for line in fig.axes[0].lines)


def test_bn_explorer_controls():
    w = widgets.bn_explorer()
    descriptions = [getattr(c, "description", None) for c in w.children]
    assert "learning rate" in descriptions and "depth" in descriptions


# ---- chapter 11: the regularisation explorer -----------------------------------------------------

def test_regularization_explorer_figure_reports_the_run():
    fig = widgets.regularization_explorer_figure(lam=0.01)
    curves, regions = fig.axes[:2]
    h = widgets.regularization_run(lam=0.01)[1]
    assert f"validation loss {h.val_loss[-1]:.3f}" in regions.get_title()
    assert list(curves.lines[3].get_ydata()) == h.val_loss
    base_val = curves.lines[1].get_ydata()  # the unregularised run overfits: worse at the end
    assert len(base_val) == 200 and base_val[-1] > 2 * h.val_loss[-1]


def test_regularization_explorer_controls():
    w = widgets.regularization_explorer()
    descriptions = [getattr(c, "description", None) for c in w.children]
    assert {"λ (L2)", "dropout: keep probability", "jitter σ"} <= set(descriptions)


# ---- chapter 12: the width/depth explorer --------------------------------------------------------

def test_sweep_explorer_figure_marks_the_setting_and_shows_its_curves():
    s, d = fake_sweep(), fake_sweep(A=3, seed=1)
    sweeps = {"width": ([1, 2, 4, 8], s), "depth": ([1, 2, 3], d)}
    fig = widgets.sweep_explorer_figure(sweeps, "depth", 1)
    left, right = fig.axes
    marker = [ln for ln in left.lines if ln.get_linestyle() == ":"]
    assert len(marker) == 1 and marker[0].get_xdata()[0] == 2
    np.testing.assert_allclose(labelled(right, "train error").get_ydata(), d.train[1].mean(axis=0))
    assert right.get_title() == "2-2-1 (15 parameters)"
    assert left.get_xscale() == "linear"
    assert widgets.sweep_explorer_figure(sweeps, "width", 3).axes[0].get_xscale() == "log"
    # the same vertical scale for every setting of a sweep
    tops = {widgets.sweep_explorer_figure(sweeps, "width", i).axes[1].get_ylim()[1]
            for i in range(4)}
    assert len(tops) == 1


@pytest.mark.parametrize("name, index, match", [("height", 0, "name must be one of"),
                                                ("width", 4, r"index must be in \[0, 3\]"),
                                                ("width", -1, "index must be")])
def test_sweep_explorer_figure_rejects_bad_choices(name, index, match):
    with pytest.raises(ValueError, match=match):
        widgets.sweep_explorer_figure({"width": ([1, 2, 4, 8], fake_sweep())}, name, index)


def test_sweep_explorer_slider_follows_the_sweep():
    sweeps = {"width": ([1, 2, 4, 8], fake_sweep()), "depth": ([1, 2, 3], fake_sweep(A=3))}
    ui = widgets.sweep_explorer(sweeps)
    name, index = ui.children[:2]
    assert [label for label, _ in index.options] == ["1", "2", "4", "8"]
    name.value = "depth"
    assert [label for label, _ in index.options] == ["1", "2", "3"]
    assert index.value == 0
