"""Interactive explorers for the chapters.

Each explorer is a figure callback ``f(**knobs) -> Figure`` (a plain function, unit-tested
directly, no widgets needed) and a thin ``*_explorer()`` that wires it to ipywidgets controls with
readable labels. The experiments the callbacks run are NumPy-only and live elsewhere:
:mod:`mlpbook.experiments`, and the topic modules :mod:`mlpbook.constructions` (the
multiplication gate), :mod:`mlpbook.surfaces` (optimizer paths) and :mod:`mlpbook.diagnostics`
(per-layer records). Every menu is derived from the library's registries
(``mb.activations.ACTIVATIONS``, ``mb.surfaces.BOWL_SETTINGS`` over ``mb.optim.OPTIMIZERS``,
``mb.diagnostics.INITIALIZERS`` over ``mb.init.VARIANCES``).
"""

from __future__ import annotations

import numpy as np

from . import plotting
from ._extras import import_extra
from .activations import ACTIVATIONS
from .constructions import (
    GATE_SHIFTS,
    gate_errors,
    gate_grid,
    multiplication_gate,
    relu_interpolation,
    sigmoid_staircase,
)
from .datasets import fstar as f_star
from .diagnostics import INITIALIZERS, init_records
from .experiments import (
    activation_curves,
    bn_comparison,
    boundary_classifier,
    overfitting_data,
    regularization_run,
    train_full_batch,
    wavy_boundary_data,
)
from .surfaces import (
    BOWL_SETTINGS,
    ill_conditioned_bowl,
    optimizer_path,
)
from .training import predict

plt = import_extra("matplotlib.pyplot", "mlpbook.widgets")
ipw = import_extra("ipywidgets", "mlpbook.widgets")

__all__ = [
    # explorers and their figure callbacks
    "interpolation_figure", "interpolation_explorer", "staircase_figure", "staircase_explorer",
    "gate_error_figure", "gate_explorer", "decision_boundary_figure",
    "decision_boundary_explorer", "activation_explorer_figure", "activation_explorer",
    "optimizer_explorer_figure", "optimizer_explorer", "init_explorer_figure", "init_explorer",
    "bn_explorer_figure", "bn_explorer", "regularization_explorer_figure",
    "regularization_explorer", "sweep_explorer_figure", "sweep_explorer",
]

# Every label is shown whole (ipywidgets otherwise cuts descriptions to a fixed width).
_LABEL_STYLE = {"description_width": "initial"}


def _control(kind, label: str, **options):
    """An ipywidgets control of class ``kind`` (e.g. ``ipw.IntSlider``) labelled ``label``."""
    return kind(description=label, style=_LABEL_STYLE, **options)


def _shown(callback):
    """Wrap a figure callback for ``ipywidgets.interact``: draw the figure, then show it."""

    def run(**knobs):
        fig = callback(**knobs)
        plt.show()
        plt.close(fig)

    run.__name__ = callback.__name__
    return run


# ---- chapter 03: expressive power ----

def interpolation_figure(r: int = 10):
    """Figure 5.2 with ``r`` equally spaced knots on [0, 4]: f* of (5.11), the ReLU network of
    ``relu_interpolation`` and the knots. The title gives max |f_θ − f*| on the 1,000 plotted
    points. Returns the Figure."""
    u = np.linspace(0.0, 4.0, int(r))
    net = relu_interpolation(u, f_star(u))
    x = np.linspace(0.0, 4.0, 1000)
    ax = plotting.plot_interpolation(net, f_star, u, x=x)
    err = np.max(np.abs(net.forward(x[:, None])[:, 0] - f_star(x)))
    ax.set_title(f"ReLU interpolation, $r={int(r)}$: max error {err:.3g}", fontsize=10)
    return ax.figure


def staircase_figure(r: int = 20, steepness: float = 50.0):
    """f* of (5.11) against ``sigmoid_staircase`` with ``r`` equally spaced knots on [0, 4] and
    sigmoid steepness k. The title gives max |F − f*| on the 1,000 plotted points. Returns the
    Figure."""
    u = np.linspace(0.0, 4.0, int(r))
    net = sigmoid_staircase(u, f_star(u), steepness)
    x = np.linspace(0.0, 4.0, 1000)
    ax = plotting.plot_interpolation(net, f_star, u, x=x, label="sigmoid steps $F$")
    err = np.max(np.abs(net.forward(x[:, None])[:, 0] - f_star(x)))
    ax.set_title(f"$r={int(r)}$, $k={steepness:g}$: max error {err:.3g}", fontsize=10)
    return ax.figure


def gate_error_figure(lam: float = 0.1, activation: str = "softplus"):
    """The multiplication gate at one λ: (left) f_θ(x) − x1 x2 over [−1, 1]²; (right) the
    maximum error against λ for this activation, with λ marked. Returns the Figure."""
    shift = GATE_SHIFTS[activation]
    n = 101
    X = gate_grid(n)
    gate = multiplication_gate(lam, ACTIVATIONS[activation].cls, shift)
    diff = gate.forward(X)[:, 0] - X[:, 0] * X[:, 1]
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(9, 3.6))
    im = ax0.imshow(diff.reshape(n, n), origin="lower", extent=(-1, 1, -1, 1), cmap="RdBu_r")
    fig.colorbar(im, ax=ax0, shrink=0.85)
    ax0.set_title(f"$f_\\theta(x) - x_1x_2$, {activation} (shift {shift:g}), $\\lambda$={lam:.2g}",
                  fontsize=9)
    ax0.set_xlabel("$x_1$")
    ax0.set_ylabel("$x_2$")
    lams = np.geomspace(1e-7, 1.0, 29)
    plotting.plot_error_rate(lams, gate_errors(lams, activation), ax=ax1, label=activation)
    ax1.loglog([lam], [np.max(np.abs(diff))], "r*", ms=12)
    ax1.set_xlabel("$\\lambda$")
    ax1.set_ylabel("max error on $[-1,1]^2$")
    fig.tight_layout()
    return fig


def decision_boundary_figure(hidden_units: int = 4, epochs: int = 4000, lr: float = 3.0):
    """Figure 5.3 for one model: train ``boundary_classifier(hidden_units)`` on
    ``wavy_boundary_data()`` with ``train_full_batch`` and draw its decision boundary. The title
    gives the training accuracy. Returns the Figure."""
    X, y = wavy_boundary_data()
    model = boundary_classifier(hidden_units)
    train_full_batch(model, X, y, lr=lr, epochs=epochs)
    accuracy = np.mean((model.forward(X)[:, 0] > 0) == y)
    what = "logistic regression" if hidden_units == 0 else f"$N_1={hidden_units}$ sigmoid units"
    ax = plotting.plot_decision_boundary(model, X, y, title=f"{what}: accuracy {accuracy:.3f}")
    return ax.figure


def interpolation_explorer():
    """Figure 5.2 with a slider for the number of knots r."""
    return ipw.interact(_shown(interpolation_figure),
                        r=_control(ipw.IntSlider, "knots r", value=10, min=2, max=60,
                                   continuous_update=False))


def staircase_explorer():
    """Sigmoid steps with sliders for the number of knots and the steepness."""
    return ipw.interact(_shown(staircase_figure),
                        r=_control(ipw.IntSlider, "knots r", value=20, min=2, max=200,
                                   continuous_update=False),
                        steepness=_control(ipw.FloatLogSlider, "steepness k", value=50, base=10,
                                           min=0, max=4, continuous_update=False))


def gate_explorer():
    """The multiplication gate with a log slider for λ and a choice of activation."""
    return ipw.interact(_shown(gate_error_figure),
                        lam=_control(ipw.FloatLogSlider, "λ", value=0.1, base=10, min=-7,
                                     max=0, step=0.25, continuous_update=False),
                        activation=_control(ipw.Dropdown, "activation",
                                            options=list(GATE_SHIFTS)))


def decision_boundary_explorer():
    """Figure 5.3 with a slider for the number of hidden units (0 = logistic regression)."""
    return ipw.interact(_shown(decision_boundary_figure),
                        hidden_units=_control(ipw.IntSlider, "hidden units", value=4, min=0,
                                              max=20, continuous_update=False),
                        epochs=ipw.fixed(4000), lr=ipw.fixed(3.0))


# ---- chapters 04-05: activation functions, losses ----

def activation_explorer_figure(name="sigmoid", param=None, z_max=4.0):
    """The explorer's callback: three panels σ, σ', σ'' of ``activation_curves``. Returns the
    figure; panel 3 says so when σ'' is not defined."""
    c = activation_curves(name, param, z_max)
    spec = ACTIVATIONS[name]
    value = spec.default if param is None else param
    title = name if spec.param is None else f"{name}, {spec.symbol} = {value:g}"
    fig, axes = plt.subplots(1, 3, figsize=(11, 2.8))
    for ax, key, label in zip(axes, ("sigma", "d1", "d2"), ("σ(z)", "σ'(z)", "σ''(z)"),
                              strict=True):
        plotting.draw_zero_axes(ax)
        if c[key] is None:
            ax.text(0.5, 0.5, "0 away from z = 0,\nundefined at the kink", ha="center",
                    va="center", transform=ax.transAxes)
        else:
            ax.plot(c["z"], c[key], color="C0")
        ax.set_title(label)
        ax.set_xlabel("z")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def activation_explorer():
    """Interactive version of ``activation_explorer_figure``: a menu of activations, a slider for
    the parameter (reset to its default for each choice, disabled when there is none) and one
    for the range of z."""
    scalar = [name for name, spec in ACTIVATIONS.items() if spec.scalar]
    name = _control(ipw.Dropdown, "activation", options=scalar, value="sigmoid")
    param = _control(ipw.FloatSlider, "parameter", value=0.0, min=-1.0, max=5.0, step=0.01,
                     disabled=True)
    z_max = _control(ipw.FloatSlider, "z range", value=4.0, min=0.5, max=10.0, step=0.5)

    def on_name(change):
        spec = ACTIVATIONS[change["new"]]
        param.disabled = spec.param is None
        if spec.param is not None:
            param.min, param.max = min(param.min, spec.low), max(param.max, spec.high)
            param.min, param.max = spec.low, spec.high
            param.description, param.value = spec.symbol, spec.default

    name.observe(on_name, names="value")

    def show(name, param, z_max):
        fig = activation_explorer_figure(name, None if ACTIVATIONS[name].param is None
                                         else param, z_max)
        plt.show()
        plt.close(fig)

    return ipw.interactive(show, name=name, param=param, z_max=z_max)


# ---- chapters 08-09: optimisation, initialisation ----

def optimizer_explorer_figure(name="Momentum", lr=None, steps=100):
    """The explorer's callback: the path of ``name`` on the bowl's contours (with plain SGD at
    the same learning rate for comparison), and the distance to the minimum against the step
    number. Returns the figure."""
    lr = BOWL_SETTINGS[name].lr if lr is None else lr
    paths = {f"{name}, lr = {lr:g}": optimizer_path(name, lr, steps)}
    if name != "SGD":
        paths[f"SGD, lr = {lr:g}"] = optimizer_path("SGD", lr, steps)
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 3.2), width_ratios=(2, 1))
    with np.errstate(over="ignore", invalid="ignore"):  # SGD diverges for lr > 1
        plotting.plot_trajectories(ill_conditioned_bowl(), paths, a)
        for label, path in paths.items():
            b.semilogy(np.linalg.norm(path, axis=1), label=label)
    b.set_xlabel("step t")
    b.set_ylabel("‖θ[t] − θ*‖")
    b.set_ylim(1e-4, 1e3)
    b.legend(fontsize=8)
    fig.tight_layout()
    return fig


def optimizer_explorer():
    """Interactive version of ``optimizer_explorer_figure``: a menu of optimizers, a slider for
    the learning rate (reset to the optimizer's default when the choice changes) and one for the
    number of steps."""
    name = _control(ipw.Dropdown, "optimizer", options=list(BOWL_SETTINGS),
                    value="Momentum")
    lr = _control(ipw.FloatLogSlider, "learning rate", value=0.95, base=10, min=-2, max=0.7,
                  step=0.02)
    steps = _control(ipw.IntSlider, "steps", value=100, min=10, max=300, step=10)

    def on_name(change):
        lr.value = BOWL_SETTINGS[change["new"]].lr

    name.observe(on_name, names="value")

    def show(name, lr, steps):
        fig = optimizer_explorer_figure(name, lr, steps)
        plt.show()
        plt.close(fig)

    return ipw.interactive(show, name=name, lr=lr, steps=steps)


def init_explorer_figure(depth=10, init="xavier", activation="tanh"):
    """The explorer's callback: per-layer histograms of a[ℓ] and log₁₀|δ[ℓ]| and the standard
    deviation of both against ℓ, for ``init_records(depth, init, activation)``. Returns the
    figure."""
    records = init_records(depth, init, activation)
    fig, axes = plt.subplots(1, 3, figsize=(13, 2.9))
    plotting.plot_layer_histograms(records, axes[:2])
    with np.errstate(divide="ignore"):
        plotting.plot_layer_spread({"a[ℓ]": [r.a.std() for r in records],
                           "δ[ℓ]": [r.delta.std() for r in records]}, axes[2])
    fig.suptitle(f"{depth} layers of {activation}, init {init}", fontsize=10)
    fig.tight_layout()
    return fig


def init_explorer():
    """Interactive version of ``init_explorer_figure``: depth, initialiser and activation."""
    depth = _control(ipw.IntSlider, "depth", value=10, min=2, max=30)
    init = _control(ipw.Dropdown, "initialiser", options=list(INITIALIZERS), value="xavier")
    activation = _control(ipw.Dropdown, "activation",
                          options=["tanh", "ReLU", "sigmoid", "identity"], value="tanh")

    def show(depth, init, activation):
        fig = init_explorer_figure(depth, init, activation)
        plt.show()
        plt.close(fig)

    return ipw.interactive(show, depth=depth, init=init, activation=activation)


# ---- chapters 10-12: batch normalisation, regularisation, case studies ----

def bn_explorer_figure(lr=1.0, depth=10):
    """The batch-norm explorer's callback: training loss per epoch of ``bn_comparison(lr,
    depth)`` for both networks (log scale; a diverged run ends with a cross). Returns the
    figure."""
    runs = bn_comparison(lr=lr, depth=depth)
    fig, ax = plt.subplots(figsize=(6.0, 3.5))
    for i, (name, h) in enumerate(runs.items()):
        loss = np.asarray(h.loss, dtype=float)
        finite = np.isfinite(loss)
        epochs = np.arange(1, loss.size + 1)
        label = f"{name}: " + ("diverged" if h.diverged else f"final loss {loss[-1]:.3f}")
        ax.plot(epochs[finite], loss[finite], "o-", ms=3, color=f"C{i}", label=label)
        if h.diverged:
            ax.plot(epochs[-1], np.nanmax(np.r_[loss[finite], 1.0]), "x", ms=12, mew=3,
                    color=f"C{i}")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss (BCE)")
    ax.set_title(f"depth {depth}, SGD learning rate {lr:g}")
    ax.legend()
    fig.tight_layout()
    return fig


def bn_explorer():
    """Interactive ``bn_explorer_figure``: a logarithmic slider for the learning rate and one
    for the depth. Each move trains two small networks (about a second)."""
    def show(lr, depth):
        fig = bn_explorer_figure(lr, depth)
        plt.show()
        plt.close(fig)

    lr = _control(ipw.FloatLogSlider, "learning rate", value=1.0, base=10, min=-2, max=0.5,
                  step=0.25)
    depth = _control(ipw.IntSlider, "depth", value=10, min=2, max=16)
    return ipw.interactive(show, {"manual": True}, lr=lr, depth=depth)


_UNREGULARIZED = {}  # cache of the explorer's reference run


def regularization_explorer_figure(lam=0.0, p_keep=1.0, sigma=0.0):
    """The regularisation explorer's callback: the run of ``regularization_run(lam, p_keep,
    sigma)`` next to the unregularised one: training and validation loss per epoch (left) and
    the decision regions with the training points (right). Returns the figure."""
    if "history" not in _UNREGULARIZED:  # the reference run is the same for every call
        _UNREGULARIZED["history"] = regularization_run()[1]
    base = _UNREGULARIZED["history"]
    model, h = regularization_run(lam, p_keep, sigma)
    X, y = overfitting_data()["train"]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10.0, 3.8))
    label = f"λ={lam:g}, p_keep={p_keep:g}, σ={sigma:g}"
    plotting.plot_learning_curves({"no cure": base, label: h}, ax=ax1)
    ax1.set_ylim(0, max(2.0, 1.1 * min(max(base.val_loss), 4.0)))
    plotting.plot_decision_regions(lambda P: predict(model, P)[:, 0], X, y.ravel(), ax=ax2,
                          bounds=((-2, 3), (-1.5, 2)), threshold=0.0, resolution=120)
    ax2.set_title(f"{label}: validation loss {h.val_loss[-1]:.3f}")
    fig.tight_layout()
    return fig


def regularization_explorer():
    """Interactive ``regularization_explorer_figure``: sliders for the L2 strength λ, the keep
    probability of dropout and the jitter σ of the augmentation."""
    def show(lam, p_keep, sigma):
        fig = regularization_explorer_figure(lam, p_keep, sigma)
        plt.show()
        plt.close(fig)

    lam = _control(ipw.FloatSlider, "λ (L2)", value=0.0, min=0.0, max=0.03, step=0.001,
                   readout_format=".3f")
    p_keep = _control(ipw.FloatSlider, "dropout: keep probability", value=1.0, min=0.2,
                      max=1.0, step=0.05)
    sigma = _control(ipw.FloatSlider, "jitter σ", value=0.0, min=0.0, max=0.6, step=0.05)
    return ipw.interactive(show, {"manual": True}, lam=lam, p_keep=p_keep, sigma=sigma)


def sweep_explorer_figure(sweeps, name, index):
    """The width/depth explorer's callback for precomputed sweeps of chapter 12.

    ``sweeps`` maps a name (the x label, e.g. "hidden width") to ``(values, sweep)``: the swept
    values and the ``mb.sweeps.Sweep`` trained on them. Left: final errors against the values with
    the chosen one (``values[index]``) marked; right: that network's learning curves."""
    if name not in sweeps:
        raise ValueError(f"sweep_explorer_figure: name must be one of {sorted(sweeps)}; got "
                         f"{name!r}")
    values, sweep = sweeps[name]
    values = np.asarray(values, dtype=float)
    if not 0 <= index < len(values):
        raise ValueError(f"sweep_explorer_figure: index must be in [0, {len(values) - 1}]; got "
                         f"{index!r}")
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.6))
    plotting.plot_sweep(values, sweep, ax=left, xlabel=name, logx=values.max() / values.min() >= 8)
    left.axvline(values[index], color="0.3", lw=1, ls=":")
    sizes = "-".join(str(s) for s in sweep.sizes[index])
    plotting.plot_sweep_learning_curves(sweep, index, ax=right,
                                        title=f"{sizes} ({sweep.n_params[index]} parameters)")
    # one scale for every setting, so that moving the slider compares like with like; the first
    # tenth of the epochs (large initial errors) may leave the frame
    later = np.concatenate([sweep.train, sweep.test])[:, :, sweep.train.shape[2] // 10:]
    right.set_ylim(0, 1.15 * later.mean(axis=1).max())
    fig.tight_layout()
    return fig


def sweep_explorer(sweeps):
    """Interactive version of ``sweep_explorer_figure``: a menu of sweeps and a slider over the
    swept values (back to the first value when the sweep changes)."""
    def options(name):
        return [(f"{v:g}", i) for i, v in enumerate(sweeps[name][0])]

    name = _control(ipw.Dropdown, "sweep", options=list(sweeps))
    index = _control(ipw.SelectionSlider, "value", options=options(name.value))
    name.observe(lambda change: setattr(index, "options", options(change["new"])), names="value")

    def show(name, index):
        if index >= len(sweeps[name][0]):  # the slider has not caught up with the new sweep
            index = 0
        fig = sweep_explorer_figure(sweeps, name, index)
        plt.show()
        plt.close(fig)

    return ipw.interactive(show, name=name, index=index)
