"""Interactive explorers for the chapters.

Each explorer is a plain callback ``f(**knobs) -> Figure`` (unit-tested directly, no widgets
needed) plus a thin ``*_explorer()`` that wires it to ipywidgets sliders for JupyterLab.
"""

from __future__ import annotations

import numpy as np  # noqa: F401

# ---- chapter 03: expressive power ----


# ---- chapters 04-05: activation functions, losses ----

# The activations of chapter 04's explorer. A parametrised one maps to (symbol, default, min, max)
# of its parameter; the others map to None.
ACTIVATION_PARAMETERS = {
    "step": ("low", 0.0, -1.0, 0.0),
    "sigmoid": None,
    "tanh": None,
    "ReLU": None,
    "leaky ReLU": ("ε", 0.01, 0.0, 1.0),
    "PReLU": ("α", 0.25, 0.0, 1.0),
    "ELU": ("α", 1.0, 0.0, 2.0),
    "SELU": None,
    "softplus": None,
    "softsign": None,
    "arctan": None,
    "swish": ("β", 1.0, 0.0, 5.0),
}


def make_activation(name, param=None):
    """The activation called ``name`` (a key of ``ACTIVATION_PARAMETERS``), its parameter set to
    ``param`` (default: the value in ``ACTIVATION_PARAMETERS``); ``param`` must be None for an
    activation without a parameter."""
    from . import activations as act

    if name not in ACTIVATION_PARAMETERS:
        raise ValueError(f"make_activation: expected one of {list(ACTIVATION_PARAMETERS)}; "
                         f"got {name!r}")
    spec = ACTIVATION_PARAMETERS[name]
    if spec is None and param is not None:
        raise ValueError(f"make_activation: {name} has no parameter; got param={param!r}")
    p = float(spec[1] if param is None else param) if spec else None
    build = {
        "step": lambda: act.Step(low=p), "sigmoid": act.Sigmoid, "tanh": act.Tanh,
        "ReLU": act.ReLU, "leaky ReLU": lambda: act.LeakyReLU(eps=p),
        "PReLU": lambda: act.PReLU(alpha=p), "ELU": lambda: act.ELU(alpha=p), "SELU": act.SELU,
        "softplus": act.Softplus, "softsign": act.Softsign, "arctan": act.Arctan,
        "swish": lambda: act.Swish(beta=p),
    }
    return build[name]()


def activation_curves(name, param=None, z_max=4.0, n=401):
    """σ, σ' and σ'' of ``make_activation(name, param)`` on ``n`` points of [-z_max, z_max].

    Returns a dict of (n,) arrays with keys "z", "sigma", "d1", "d2"; "d2" is None when the
    library defines no second derivative (step, ReLU, leaky ReLU, PReLU: piecewise linear, so
    σ'' is 0 away from the kink at 0 and undefined there)."""
    if not z_max > 0:
        raise ValueError(f"activation_curves: z_max must be positive; got {z_max!r}")
    a = make_activation(name, param)
    z = np.linspace(-z_max, z_max, int(n))
    d2 = a.second_derivative(z) if hasattr(a, "second_derivative") else None
    return {"z": z, "sigma": a.function(z), "d1": a.derivative(z), "d2": d2}


def activation_explorer_figure(name="sigmoid", param=None, z_max=4.0):
    """The explorer's callback: three panels σ, σ', σ'' of ``activation_curves``. Returns the
    figure; panel 3 says so when σ'' is not defined."""
    import matplotlib.pyplot as plt

    from .plotting import draw_zero_axes

    c = activation_curves(name, param, z_max)
    spec = ACTIVATION_PARAMETERS[name]
    title = name if spec is None else f"{name}, {spec[0]} = {spec[1] if param is None else param:g}"
    fig, axes = plt.subplots(1, 3, figsize=(11, 2.8))
    for ax, key, label in zip(axes, ("sigma", "d1", "d2"), ("σ(z)", "σ'(z)", "σ''(z)"),
                              strict=True):
        draw_zero_axes(ax)
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
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    name = widgets.Dropdown(options=list(ACTIVATION_PARAMETERS), value="sigmoid",
                            description="activation")
    param = widgets.FloatSlider(value=0.0, min=-1.0, max=5.0, step=0.01, disabled=True,
                                description="parameter")
    z_max = widgets.FloatSlider(value=4.0, min=0.5, max=10.0, step=0.5, description="z range")

    def on_name(change):
        spec = ACTIVATION_PARAMETERS[change["new"]]
        param.disabled = spec is None
        if spec is not None:
            symbol, default, lo, hi = spec
            param.min, param.max = min(param.min, lo), max(param.max, hi)
            param.min, param.max = lo, hi
            param.description, param.value = symbol, default

    name.observe(on_name, names="value")

    def show(name, param, z_max):
        fig = activation_explorer_figure(name, None if ACTIVATION_PARAMETERS[name] is None
                                         else param, z_max)
        plt.show()
        plt.close(fig)

    return widgets.interactive(show, name=name, param=param, z_max=z_max)


# ---- chapters 08-09: optimisation, initialisation ----

# Chapter 08's optimizer explorer: each optimizer on the ill-conditioned bowl
# (mlpbook.surfaces.ill_conditioned_bowl), with its learning-rate slider (default, min, max).
# Other hyperparameters are fixed: β = 0.9 for the momentum methods, decay 0.9 for RMSprop and
# AdaDelta, AdaDelta's ε = 1e-2 (with its default 1e-6 it barely leaves the start in 100 steps).
BOWL_START = (-8.0, 2.0)
OPTIMIZER_SETTINGS = {
    "SGD": (0.95, 0.05, 1.2),
    "Momentum": (0.95, 0.05, 5.0),
    "Nesterov": (0.95, 0.05, 5.0),
    "AdaGrad": (1.0, 0.05, 5.0),
    "AdaDelta": (1.0, 0.05, 3.0),
    "RMSprop": (0.1, 0.01, 1.0),
    "Adam": (0.5, 0.01, 2.0),
}


def make_optimizer(name, params, lr=None):
    """The optimizer called ``name`` (a key of ``OPTIMIZER_SETTINGS``) on ``params``, with
    learning rate ``lr`` (default: the one in ``OPTIMIZER_SETTINGS``) and the fixed settings
    described there."""
    from . import optim

    if name not in OPTIMIZER_SETTINGS:
        raise ValueError(f"make_optimizer: expected one of {list(OPTIMIZER_SETTINGS)}; "
                         f"got {name!r}")
    lr = OPTIMIZER_SETTINGS[name][0] if lr is None else lr
    build = {
        "SGD": lambda: optim.SGD(params, lr),
        "Momentum": lambda: optim.Momentum(params, lr, beta=0.9),
        "Nesterov": lambda: optim.Nesterov(params, lr, beta=0.9),
        "AdaGrad": lambda: optim.AdaGrad(params, lr),
        "AdaDelta": lambda: optim.AdaDelta(params, lr, rho=0.9, eps=1e-2),
        "RMSprop": lambda: optim.RMSprop(params, lr, alpha=0.9),
        "Adam": lambda: optim.Adam(params, lr),
    }
    return build[name]()


def optimizer_path(name, lr=None, steps=100, start=BOWL_START):
    """The points θ[0..steps] visited by optimizer ``name`` on the ill-conditioned bowl:
    an array of shape (steps + 1, 2)."""
    from .surfaces import ill_conditioned_bowl, trajectory

    return trajectory(ill_conditioned_bowl(), lambda p: make_optimizer(name, p, lr), start, steps)


def optimizer_explorer_figure(name="Momentum", lr=None, steps=100):
    """The explorer's callback: the path of ``name`` on the bowl's contours (with plain SGD at
    the same learning rate for comparison), and the distance to the minimum against the step
    number. Returns the figure."""
    import matplotlib.pyplot as plt

    from .plotting import plot_trajectories
    from .surfaces import ill_conditioned_bowl

    lr = OPTIMIZER_SETTINGS[name][0] if lr is None else lr
    paths = {f"{name}, lr = {lr:g}": optimizer_path(name, lr, steps)}
    if name != "SGD":
        paths[f"SGD, lr = {lr:g}"] = optimizer_path("SGD", lr, steps)
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 3.2), width_ratios=(2, 1))
    with np.errstate(over="ignore", invalid="ignore"):  # SGD diverges for lr > 1
        plot_trajectories(ill_conditioned_bowl(), paths, a)
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
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    name = widgets.Dropdown(options=list(OPTIMIZER_SETTINGS), value="Momentum",
                            description="optimizer")
    lr = widgets.FloatLogSlider(value=0.95, base=10, min=-2, max=0.7, step=0.02,
                                description="lr")
    steps = widgets.IntSlider(value=100, min=10, max=300, step=10, description="steps")

    def on_name(change):
        lr.value = OPTIMIZER_SETTINGS[change["new"]][0]

    name.observe(on_name, names="value")

    def show(name, lr, steps):
        fig = optimizer_explorer_figure(name, lr, steps)
        plt.show()
        plt.close(fig)

    return widgets.interactive(show, name=name, lr=lr, steps=steps)


# Chapter 09's initialisation explorer: the initialisers it offers, by name.
def _normal(std):
    from functools import partial

    from .init import normal

    f = partial(normal, std=std)
    f.__name__ = f"normal({std:g})"
    return f


INITIALIZERS = {
    "normal(1)": _normal(1.0),
    "normal(0.01)": _normal(0.01),
    "xavier": "xavier",
    "he": "he",
    "glorot": "glorot",
}


def init_records(depth=10, init="xavier", activation="tanh", width=100, n=500, seed=0):
    """Per-layer records (``mlpbook.diagnostics.record_layers``) of a ``depth``-layer network of
    equal ``width`` built with ``init`` (a key of ``INITIALIZERS``) and ``activation`` ("tanh",
    "ReLU", "sigmoid", "identity"), on n standard normal inputs, back-propagating a standard
    normal upstream gradient ∂C/∂a[L]. Returns the list of records, layer 1 first."""
    from .diagnostics import deep_mlp, record_layers

    if init not in INITIALIZERS:
        raise ValueError(f"init_records: expected init in {list(INITIALIZERS)}; got {init!r}")
    rng = np.random.default_rng(seed)
    model = deep_mlp([width] * (depth + 1), activation, INITIALIZERS[init], rng=rng)
    X = rng.standard_normal((n, width))
    dout = rng.standard_normal((n, width))
    return record_layers(model, X, dout)


def init_explorer_figure(depth=10, init="xavier", activation="tanh"):
    """The explorer's callback: per-layer histograms of a[ℓ] and log₁₀|δ[ℓ]| and the standard
    deviation of both against ℓ, for ``init_records(depth, init, activation)``. Returns the
    figure."""
    import matplotlib.pyplot as plt

    from .plotting import plot_layer_histograms, plot_layer_spread

    records = init_records(depth, init, activation)
    fig, axes = plt.subplots(1, 3, figsize=(13, 2.9))
    plot_layer_histograms(records, axes[:2])
    with np.errstate(divide="ignore"):
        plot_layer_spread({"a[ℓ]": [r.a.std() for r in records],
                           "δ[ℓ]": [r.delta.std() for r in records]}, axes[2])
    fig.suptitle(f"{depth} layers of {activation}, init {init}", fontsize=10)
    fig.tight_layout()
    return fig


def init_explorer():
    """Interactive version of ``init_explorer_figure``: depth, initialiser and activation."""
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    depth = widgets.IntSlider(value=10, min=2, max=30, description="depth")
    init = widgets.Dropdown(options=list(INITIALIZERS), value="xavier", description="init")
    activation = widgets.Dropdown(options=["tanh", "ReLU", "sigmoid", "identity"], value="tanh",
                                  description="activation")

    def show(depth, init, activation):
        fig = init_explorer_figure(depth, init, activation)
        plt.show()
        plt.close(fig)

    return widgets.interactive(show, depth=depth, init=init, activation=activation)


# ---- chapters 10-12: batch normalisation, regularisation, case studies ----
