"""Interactive explorers for the chapters.

Each explorer is a plain callback ``f(**knobs) -> Figure`` (unit-tested directly, no widgets
needed) plus a thin ``*_explorer()`` that wires it to ipywidgets sliders for JupyterLab.
"""

from __future__ import annotations

import numpy as np  # noqa: F401

# ---- chapter 03: expressive power ----

# Activations for the multiplication gate and the shift that makes σ''(shift) ≠ 0 for each.
GATE_ACTIVATIONS = {"softplus": ("Softplus", 0.0), "sigmoid": ("Sigmoid", 1.0),
                    "tanh": ("Tanh", 0.5)}


def _shown(callback):
    """Wrap a figure callback for ``ipywidgets.interact``: draw the figure, then show it."""
    import matplotlib.pyplot as plt

    def run(**knobs):
        fig = callback(**knobs)
        plt.show()
        plt.close(fig)

    run.__name__ = callback.__name__
    return run


def interpolation_figure(r: int = 10):
    """Figure 5.2 with ``r`` equally spaced knots on [0, 4]: f* of (5.11), the ReLU network of
    ``relu_interpolation`` and the knots. The title gives max |f_θ − f*| on the 1,000 plotted
    points. Returns the Figure."""
    from . import plotting
    from .constructions import relu_interpolation
    from .datasets import fstar as f_star

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
    from . import plotting
    from .constructions import sigmoid_staircase
    from .datasets import fstar as f_star

    u = np.linspace(0.0, 4.0, int(r))
    net = sigmoid_staircase(u, f_star(u), steepness)
    x = np.linspace(0.0, 4.0, 1000)
    ax = plotting.plot_interpolation(net, f_star, u, x=x, label="sigmoid steps $F$")
    err = np.max(np.abs(net.forward(x[:, None])[:, 0] - f_star(x)))
    ax.set_title(f"$r={int(r)}$, $k={steepness:g}$: max error {err:.3g}", fontsize=10)
    return ax.figure


def gate_grid(n: int = 41) -> np.ndarray:
    """n × n points of the square [−1, 1]², as rows (n², 2)."""
    g = np.linspace(-1.0, 1.0, n)
    return np.stack(np.meshgrid(g, g), axis=-1).reshape(-1, 2)


def gate_errors(lams, activation: str = "softplus", shift=None, X=None) -> np.ndarray:
    """max_x |f_θ(x) − x1 x2| of ``multiplication_gate`` for each λ in ``lams``, over the rows of
    X (default ``gate_grid()``). ``activation`` is a key of ``GATE_ACTIVATIONS``; ``shift``
    defaults to the shift listed there. Returns an array shaped like ``lams``."""
    import mlpbook as mb

    from .constructions import multiplication_gate

    if activation not in GATE_ACTIVATIONS:
        raise ValueError(f"gate_errors: activation must be one of {sorted(GATE_ACTIVATIONS)}; "
                         f"got {activation!r}")
    name, default_shift = GATE_ACTIVATIONS[activation]
    shift = default_shift if shift is None else shift
    X = gate_grid() if X is None else np.asarray(X, dtype=float)
    target = X[:, 0] * X[:, 1]
    lams = np.asarray(lams, dtype=float)
    errs = [np.max(np.abs(multiplication_gate(lam, getattr(mb, name), shift).forward(X)[:, 0]
                          - target)) for lam in lams.reshape(-1)]
    return np.array(errs).reshape(lams.shape)


def gate_error_figure(lam: float = 0.1, activation: str = "softplus"):
    """The multiplication gate at one λ: (left) f_θ(x) − x1 x2 over [−1, 1]²; (right) the
    maximum error against λ for this activation, with λ marked. Returns the Figure."""
    import matplotlib.pyplot as plt

    import mlpbook as mb

    from . import plotting
    from .constructions import multiplication_gate

    name, shift = GATE_ACTIVATIONS[activation]
    n = 101
    X = gate_grid(n)
    diff = multiplication_gate(lam, getattr(mb, name), shift).forward(X)[:, 0] - X[:, 0] * X[:, 1]
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


def wavy_boundary_data(n: int = 300, rng=0, freq: float = 3.0, amp: float = 1.0):
    """A two-class problem in the plane with a curved boundary, in the spirit of Figure 5.3:
    X uniform on [−2, 2]² (n, 2), y = 1{x2 > amp sin(freq x1)} (n,) as floats 0/1."""
    from .init import as_generator

    X = as_generator(rng).uniform(-2.0, 2.0, size=(n, 2))
    y = (X[:, 1] > amp * np.sin(freq * X[:, 0])).astype(float)
    return X, y


def boundary_classifier(hidden_units: int, rng=1):
    """Logistic regression (L = 1) when ``hidden_units`` is 0, otherwise one hidden layer of
    sigmoid units (L = 2); the output is a logit. Maps (n, 2) -> (n, 1)."""
    import mlpbook as mb

    from .init import as_generator

    rng = as_generator(rng)
    if hidden_units == 0:
        return mb.Sequential(mb.Dense(2, 1, rng=rng))
    return mb.Sequential(mb.Dense(2, hidden_units, rng=rng), mb.Sigmoid(),
                         mb.Dense(hidden_units, 1, rng=rng))


def train_full_batch(model, X, y, lr: float = 3.0, epochs: int = 4000) -> np.ndarray:
    """Full-batch gradient descent on the binary cross-entropy of the logits: every epoch one
    forward pass, one backward pass, and θ ← θ − lr ∇C for every parameter. Returns the loss
    before each update, (epochs,)."""
    import mlpbook as mb

    loss = mb.BCEWithLogitsLoss()
    history = np.empty(epochs)
    for epoch in range(epochs):
        history[epoch] = loss.forward(model.forward(X), y)
        model.backward(loss.backward())
        for p in model.parameters():
            p.value -= lr * p.grad
    return history


def decision_boundary_figure(hidden_units: int = 4, epochs: int = 4000, lr: float = 3.0):
    """Figure 5.3 for one model: train ``boundary_classifier(hidden_units)`` on
    ``wavy_boundary_data()`` with ``train_full_batch`` and draw its decision boundary. The title
    gives the training accuracy. Returns the Figure."""
    from . import plotting

    X, y = wavy_boundary_data()
    model = boundary_classifier(hidden_units)
    train_full_batch(model, X, y, lr=lr, epochs=epochs)
    accuracy = np.mean((model.forward(X)[:, 0] > 0) == y)
    what = "logistic regression" if hidden_units == 0 else f"$N_1={hidden_units}$ sigmoid units"
    ax = plotting.plot_decision_boundary(model, X, y, title=f"{what}: accuracy {accuracy:.3f}")
    return ax.figure


def interpolation_explorer():
    """Figure 5.2 with a slider for the number of knots r."""
    import ipywidgets as w

    return w.interact(_shown(interpolation_figure),
                      r=w.IntSlider(value=10, min=2, max=60, continuous_update=False))


def staircase_explorer():
    """Sigmoid steps with sliders for the number of knots and the steepness."""
    import ipywidgets as w

    return w.interact(_shown(staircase_figure),
                      r=w.IntSlider(value=20, min=2, max=200, continuous_update=False),
                      steepness=w.FloatLogSlider(value=50, base=10, min=0, max=4,
                                                 continuous_update=False))


def gate_explorer():
    """The multiplication gate with a log slider for λ and a choice of activation."""
    import ipywidgets as w

    return w.interact(_shown(gate_error_figure),
                      lam=w.FloatLogSlider(value=0.1, base=10, min=-7, max=0, step=0.25,
                                           continuous_update=False),
                      activation=w.Dropdown(options=list(GATE_ACTIVATIONS)))


def decision_boundary_explorer():
    """Figure 5.3 with a slider for the number of hidden units (0 = logistic regression)."""
    import ipywidgets as w

    return w.interact(_shown(decision_boundary_figure),
                      hidden_units=w.IntSlider(value=4, min=0, max=20, continuous_update=False),
                      epochs=w.fixed(4000), lr=w.fixed(3.0))



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

# Chapter 10: a deep ReLU network trained with and without batch normalisation.

def bn_moons(n=400, noise=0.15, seed=0):
    """Chapter 10's data: ``two_moons`` standardised per feature; X (n, 2), y (n, 1) float."""
    from .datasets import two_moons

    X, y = two_moons(n, noise=noise, rng=seed)
    return (X - X.mean(axis=0)) / X.std(axis=0), y.reshape(-1, 1).astype(float)


def bn_comparison(lr=1.0, depth=10, width=32, epochs=20, batch_size=50, seed=0):
    """Train two ``mb.mlp`` networks with ``depth`` hidden ReLU layers of ``width`` units (He
    initialisation), without and with batch normalisation, on ``bn_moons`` by plain SGD at
    learning rate ``lr`` (the same seed for both: same data, same batches). Returns
    ``{"plain": History, "batchnorm": History}``; a run whose loss overflows stops early with
    ``History.diverged`` set (its overflow warnings are silenced)."""
    from . import SGD, BCEWithLogitsLoss, fit, mlp

    X, y = bn_moons(seed=seed)
    out = {}
    for name, bn in (("plain", False), ("batchnorm", True)):
        model = mlp([2] + [width] * depth + [1], batchnorm=bn, rng=seed)
        with np.errstate(over="ignore", invalid="ignore"):
            out[name] = fit(model, BCEWithLogitsLoss(), SGD(model.parameters(), lr=lr), X, y,
                            epochs=epochs, batch_size=batch_size, rng=seed, progress=False)
    return out


def bn_explorer_figure(lr=1.0, depth=10):
    """The batch-norm explorer's callback: training loss per epoch of ``bn_comparison(lr,
    depth)`` for both networks (log scale; a diverged run ends with a cross). Returns the
    figure."""
    import matplotlib.pyplot as plt

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
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    def show(lr, depth):
        fig = bn_explorer_figure(lr, depth)
        plt.show()
        plt.close(fig)

    lr = widgets.FloatLogSlider(value=1.0, base=10, min=-2, max=0.5, step=0.25,
                                description="learning rate")
    depth = widgets.IntSlider(value=10, min=2, max=16, description="depth")
    return widgets.interactive(show, {"manual": True}, lr=lr, depth=depth)


# Chapter 11: a small network on a small noisy data set, and its cures for overfitting.

def overfitting_data(seed=0, n_train=40, n_val=200, n_test=200, noise=0.35):
    """Chapter 11's small noisy problem: ``two_moons`` with ``noise``, split into train,
    validation and test sets. Returns a dict with keys "train", "val", "test", each a pair
    (X (n, 2), y (n, 1) float)."""
    from .datasets import two_moons

    X, y = two_moons(n_train + n_val + n_test, noise=noise, rng=seed)
    y = y.reshape(-1, 1).astype(float)
    cuts = np.cumsum([0, n_train, n_val, n_test])
    return {name: (X[a:b], y[a:b])
            for name, a, b in zip(("train", "val", "test"), cuts[:-1], cuts[1:], strict=True)}


def overfit_net(p_keep=1.0, width=64, rng=None):
    """The 2-width-width-1 ReLU network of chapter 11 (He initialisation), with a ``Dropout``
    of keep probability ``p_keep`` after each hidden layer when ``p_keep`` < 1 (its masks drawn
    from the same generator as the weights). Returns a ``Sequential``."""
    from . import Dense, Dropout, ReLU, Sequential
    from .init import as_generator

    rng = as_generator(rng)
    drop = (lambda: [Dropout(p_keep, rng=rng)]) if p_keep < 1 else list
    return Sequential(Dense(2, width, init="he", rng=rng), ReLU(), *drop(),
                      Dense(width, width, init="he", rng=rng), ReLU(), *drop(),
                      Dense(width, 1, init="xavier", rng=rng))


def jitter(X, y, sigma, copies, rng=None):
    """Data augmentation for points in the plane: ``copies`` copies of (X, y), each point moved
    by Gaussian noise of standard deviation ``sigma``. Returns X (copies·n, 2), y (copies·n, 1)."""
    from .init import as_generator

    rng = as_generator(rng)
    X = np.asarray(X, dtype=float)
    return (np.concatenate([X + sigma * rng.standard_normal(X.shape) for _ in range(copies)]),
            np.tile(np.asarray(y), (copies, 1)))


def regularization_run(lam=0.0, p_keep=1.0, sigma=0.0, copies=20, epochs=200, seed=0,
                       data_seed=0):
    """Train ``overfit_net(p_keep)`` on ``overfitting_data(data_seed)`` with Adam (lr 0.01), one
    full batch per epoch (augmented data: ``copies`` jittered copies when ``sigma`` > 0, in one
    batch), an ``L2(lam)`` penalty when ``lam`` > 0. Returns (model, History) with validation
    curves."""
    from . import L2, Adam, BCEWithLogitsLoss, fit

    data = overfitting_data(data_seed)
    X, y = data["train"]
    if sigma > 0:
        X, y = jitter(X, y, sigma, copies, rng=seed + 100)
    model = overfit_net(p_keep, rng=seed)
    history = fit(model, BCEWithLogitsLoss(), Adam(model.parameters(), lr=0.01), X, y,
                  epochs=epochs, batch_size=len(X), rng=seed, validation=data["val"],
                  regularizer=L2(lam) if lam > 0 else None, progress=False)
    return model, history


_UNREGULARIZED = {}  # cache of the explorer's reference run


def regularization_explorer_figure(lam=0.0, p_keep=1.0, sigma=0.0):
    """The regularisation explorer's callback: the run of ``regularization_run(lam, p_keep,
    sigma)`` next to the unregularised one: training and validation loss per epoch (left) and
    the decision regions with the training points (right). Returns the figure."""
    import matplotlib.pyplot as plt

    from .plotting import plot_decision_regions, plot_learning_curves
    from .training import predict

    if "history" not in _UNREGULARIZED:  # the reference run is the same for every call
        _UNREGULARIZED["history"] = regularization_run()[1]
    base = _UNREGULARIZED["history"]
    model, h = regularization_run(lam, p_keep, sigma)
    X, y = overfitting_data()["train"]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10.0, 3.8))
    label = f"λ={lam:g}, p_keep={p_keep:g}, σ={sigma:g}"
    plot_learning_curves({"no cure": base, label: h}, ax=ax1)
    ax1.set_ylim(0, max(2.0, 1.1 * min(max(base.val_loss), 4.0)))
    plot_decision_regions(lambda P: predict(model, P)[:, 0], X, y.ravel(), ax=ax2,
                          bounds=((-2, 3), (-1.5, 2)), threshold=0.0, resolution=120)
    ax2.set_title(f"{label}: validation loss {h.val_loss[-1]:.3f}")
    fig.tight_layout()
    return fig


def regularization_explorer():
    """Interactive ``regularization_explorer_figure``: sliders for the L2 strength λ, the keep
    probability of dropout and the jitter σ of the augmentation."""
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    def show(lam, p_keep, sigma):
        fig = regularization_explorer_figure(lam, p_keep, sigma)
        plt.show()
        plt.close(fig)

    lam = widgets.FloatSlider(value=0.0, min=0.0, max=0.03, step=0.001, readout_format=".3f",
                              description="λ (L2)")
    p_keep = widgets.FloatSlider(value=1.0, min=0.2, max=1.0, step=0.05, description="p_keep")
    sigma = widgets.FloatSlider(value=0.0, min=0.0, max=0.6, step=0.05, description="jitter σ")
    return widgets.interactive(show, {"manual": True}, lam=lam, p_keep=p_keep, sigma=sigma)


def sweep_explorer_figure(sweeps, name, index):
    """The width/depth explorer's callback for precomputed sweeps of chapter 12.

    ``sweeps`` maps a name (the x label, e.g. "hidden width") to ``(values, sweep)``: the swept
    values and the ``mb.sweeps.Sweep`` trained on them. Left: final errors against the values with
    the chosen one (``values[index]``) marked; right: that network's learning curves."""
    import matplotlib.pyplot as plt

    from .plotting import plot_sweep, plot_sweep_learning_curves

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
    plot_sweep_learning_curves(sweep, index, ax=right,
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
