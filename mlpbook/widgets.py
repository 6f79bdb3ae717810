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


# ---- chapters 10-12: batch normalisation, regularisation, case studies ----

def sweep_explorer_figure(sweeps, name, index):
    """The width/depth explorer's callback for precomputed sweeps of chapter 12.

    ``sweeps`` maps a name (the x label, e.g. "hidden width") to ``(values, sweep)``: the swept
    values and the ``mb.sweeps.Sweep`` trained on them. Left: final errors against the values with
    the chosen one (``values[index]``) marked; right: that network's learning curves."""
    import matplotlib.pyplot as plt

    from .plotting import plot_learning_curves, plot_sweep

    if name not in sweeps:
        raise ValueError(f"sweep_explorer_figure: name must be one of {sorted(sweeps)}; got "
                         f"{name!r}")
    values, sweep = sweeps[name]
    values = np.asarray(values, dtype=float)
    if not 0 <= index < len(values):
        raise ValueError(f"sweep_explorer_figure: index must be in [0, {len(values) - 1}]; got "
                         f"{index!r}")
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.6))
    plot_sweep(values, sweep, ax=left, xlabel=name, logx=values.max() / values.min() >= 8)
    left.axvline(values[index], color="0.3", lw=1, ls=":")
    sizes = "-".join(str(s) for s in sweep.sizes[index])
    plot_learning_curves(sweep, index, ax=right,
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
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    def options(name):
        return [(f"{v:g}", i) for i, v in enumerate(sweeps[name][0])]

    name = widgets.Dropdown(options=list(sweeps), description="sweep")
    index = widgets.SelectionSlider(options=options(name.value), description="value")
    name.observe(lambda change: setattr(index, "options", options(change["new"])), names="value")

    def show(name, index):
        if index >= len(sweeps[name][0]):  # the slider has not caught up with the new sweep
            index = 0
        fig = sweep_explorer_figure(sweeps, name, index)
        plt.show()
        plt.close(fig)

    return widgets.interactive(show, name=name, index=index)
