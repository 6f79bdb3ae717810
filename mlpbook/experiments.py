"""The chapters' experiments behind their figures and explorers (NumPy only, no plotting).

Each function builds data or a network, or trains one, exactly as a chapter does, so that a
chapter, its interactive explorer (:mod:`mlpbook.widgets`) and the tests share one
implementation. Experiments with a topic module of their own live there: the multiplication gate's
error in :mod:`mlpbook.constructions`, the optimizer paths in :mod:`mlpbook.surfaces`, the
per-layer records of the initialisation explorer in :mod:`mlpbook.diagnostics`.

- chapter 03, Figure 5.3: ``wavy_boundary_data``, ``boundary_classifier``, ``train_full_batch``;
- chapter 04: ``activation_curves`` (σ, σ', σ'' of an activation by name);
- chapter 10: ``bn_moons``, ``bn_run``, ``bn_comparison`` (a deep network with and without batch
  norm), ``bn_first_updates`` (its first SGD steps one by one), ``nudge_parameters`` (a tiny
  perturbation of the starting point, to measure how much a run amplifies it);
- chapter 11: ``overfitting_data``, ``overfit_net``, ``jitter``, ``regularization_run``.
"""

from __future__ import annotations

import numpy as np

from .activations import ReLU, Sigmoid, make_activation
from .datasets import two_moons
from .dropout import Dropout
from .init import as_generator
from .layers import Dense
from .losses import BCEWithLogitsLoss
from .optim import SGD, Adam
from .regularization import L2
from .sequential import Sequential, mlp
from .training import fit

__all__ = [
    "wavy_boundary_data", "boundary_classifier", "train_full_batch", "activation_curves",
    "bn_moons", "bn_run", "bn_comparison", "bn_first_updates", "nudge_parameters",
    "overfitting_data", "overfit_net", "jitter",
    "regularization_run",
]


# ---- chapter 03: Figure 5.3 -------------------------------------------------------------------

def wavy_boundary_data(n: int = 300, rng=0, freq: float = 3.0, amp: float = 1.0):
    """A two-class problem in the plane with a curved boundary, in the spirit of Figure 5.3:
    X uniform on [−2, 2]² (n, 2), y = 1{x2 > amp sin(freq x1)} (n,) as floats 0/1."""
    X = as_generator(rng).uniform(-2.0, 2.0, size=(n, 2))
    y = (X[:, 1] > amp * np.sin(freq * X[:, 0])).astype(float)
    return X, y


def boundary_classifier(hidden_units: int, rng=1):
    """Logistic regression (L = 1) when ``hidden_units`` is 0, otherwise one hidden layer of
    sigmoid units (L = 2); the output is a logit. Maps (n, 2) -> (n, 1)."""
    rng = as_generator(rng)
    if hidden_units == 0:
        return Sequential(Dense(2, 1, rng=rng))
    return Sequential(Dense(2, hidden_units, rng=rng), Sigmoid(),
                      Dense(hidden_units, 1, rng=rng))


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


# ---- chapter 04: activation functions ---------------------------------------------------------

def activation_curves(name, param=None, z_max=4.0, n=401):
    """σ, σ' and σ'' of ``make_activation(name, param)`` on ``n`` points of [-z_max, z_max].

    Returns a dict of (n,) arrays with keys "z", "sigma", "d1", "d2"; "d2" is None when the
    library defines no second derivative (step, ReLU, leaky ReLU, PReLU: piecewise linear, so
    σ'' is 0 away from the kink at 0 and undefined there)."""
    if not z_max > 0:
        raise ValueError(f"activation_curves: z_max must be positive; got {z_max!r}")
    a = make_activation(name, param)
    if not hasattr(a, "derivative"):
        raise ValueError(f"activation_curves: expected a scalar activation; {name} acts on "
                         "whole rows")
    z = np.linspace(-z_max, z_max, int(n))
    d2 = a.second_derivative(z) if hasattr(a, "second_derivative") else None
    return {"z": z, "sigma": a.function(z), "d1": a.derivative(z), "d2": d2}


# ---- chapter 10: training with and without batch normalisation ----------------------------------

def bn_moons(n=400, noise=0.15, seed=0):
    """Chapter 10's data: ``two_moons`` standardised per feature; X (n, 2), y (n, 1) float."""
    X, y = two_moons(n, noise=noise, rng=seed)
    return (X - X.mean(axis=0)) / X.std(axis=0), y.reshape(-1, 1).astype(float)


def nudge_parameters(model, rel: float, rng=None):
    """Multiply every parameter of ``model`` in place by 1 + rel·u, u uniform in [−1, 1] drawn
    from ``rng``: a relative perturbation of size ``rel``, to measure how much a training run
    amplifies a tiny change of its starting point. Returns the model."""
    if not (isinstance(rel, (int, float, np.floating)) and np.isfinite(rel) and rel >= 0):
        raise ValueError(f"nudge_parameters: rel must be a number >= 0; got {rel!r}")
    rng = as_generator(rng)
    for p in model.parameters():
        p.value *= 1 + rel * rng.uniform(-1.0, 1.0, p.value.shape)
    return model


def bn_run(lr=1.0, batchnorm=True, depth=10, width=32, epochs=20, batch_size=50, seed=0,
           nudge=0.0, nudge_seed=0):
    """One of the two trainings of ``bn_comparison``: ``mb.mlp`` with ``depth`` hidden ReLU
    layers of ``width`` units (He initialisation), with or without batch normalisation, trained
    on ``bn_moons(seed)`` by plain SGD at learning rate ``lr`` (initial weights and batch order
    from ``seed``). With ``nudge`` > 0 the initial parameters are first multiplied by
    1 + nudge·u (``nudge_parameters`` with generator ``nudge_seed``). Returns the ``History``; a
    run whose loss overflows stops early with ``History.diverged`` set (its overflow warnings
    are silenced)."""
    X, y = bn_moons(seed=seed)
    model = mlp([2] + [width] * depth + [1], batchnorm=batchnorm, rng=seed)
    if nudge:
        nudge_parameters(model, nudge, rng=nudge_seed)
    with np.errstate(over="ignore", invalid="ignore"):
        return fit(model, BCEWithLogitsLoss(), SGD(model.parameters(), lr=lr), X, y,
                   epochs=epochs, batch_size=batch_size, rng=seed, progress=False)


def bn_comparison(lr=1.0, depth=10, width=32, epochs=20, batch_size=50, seed=0):
    """Train two ``mb.mlp`` networks with ``depth`` hidden ReLU layers of ``width`` units (He
    initialisation), without and with batch normalisation, on ``bn_moons`` by plain SGD at
    learning rate ``lr`` (the same seed for both: same data, same batches). Returns
    ``{"plain": History, "batchnorm": History}``; a run whose loss overflows stops early with
    ``History.diverged`` set (its overflow warnings are silenced). Each run is ``bn_run``."""
    return {name: bn_run(lr, bn, depth, width, epochs, batch_size, seed)
            for name, bn in (("plain", False), ("batchnorm", True))}


def bn_first_updates(lr=1.0, batchnorm=False, depth=10, width=32, updates=6, batch_size=50,
                     seed=0):
    """The first ``updates`` SGD steps of ``bn_run(lr, batchnorm, ...)`` (same network, same
    batches), recorded one by one to show how a run diverges.

    Returns a dict of arrays, L = depth + 1 dense layers:
    "act_std" (depth,): standard deviation of each hidden activation a[ℓ] over the whole data
    set at initialisation (training mode); "loss" (updates,): the mini-batch loss before each
    update; "grad_norm" (updates, L): the Frobenius norm of ∂C/∂W[ℓ] of each update;
    "weight_norm" (updates + 1, L): ‖W[ℓ]‖_F before each update and after the last. Once the
    numbers overflow they are inf or nan (the warnings are silenced)."""
    X, y = bn_moons(seed=seed)
    model = mlp([2] + [width] * depth + [1], batchnorm=batchnorm, rng=seed)
    dense = [layer for layer in model.layers if isinstance(layer, Dense)]
    A, act_std = X, []
    for layer in model.layers:
        A = layer.forward(A, training=True)
        if isinstance(layer, ReLU):
            act_std.append(A.std())
    loss, opt = BCEWithLogitsLoss(), SGD(model.parameters(), lr=lr)
    shuffle = as_generator(seed)  # the batches of fit(rng=seed): a new permutation each epoch
    n_batches = -(-len(X) // batch_size)
    out = {"act_std": np.array(act_std), "loss": np.empty(updates),
           "grad_norm": np.empty((updates, len(dense))),
           "weight_norm": np.empty((updates + 1, len(dense)))}
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(updates):
            if k % n_batches == 0:
                order = shuffle.permutation(len(X))
            idx = order[(k % n_batches) * batch_size:(k % n_batches + 1) * batch_size]
            out["weight_norm"][k] = [np.linalg.norm(d.W) for d in dense]
            out["loss"][k] = loss.forward(model.forward(X[idx], training=True), y[idx])
            model.backward(loss.backward())
            out["grad_norm"][k] = [np.linalg.norm(d.dW) for d in dense]
            opt.step()
        out["weight_norm"][updates] = [np.linalg.norm(d.W) for d in dense]
    return out


# ---- chapter 11: a small network on a small noisy data set, and its cures for overfitting -------

def overfitting_data(seed=0, n_train=40, n_val=200, n_test=200, noise=0.35):
    """Chapter 11's small noisy problem: ``two_moons`` with ``noise``, split into train,
    validation and test sets. Returns a dict with keys "train", "val", "test", each a pair
    (X (n, 2), y (n, 1) float)."""
    X, y = two_moons(n_train + n_val + n_test, noise=noise, rng=seed)
    y = y.reshape(-1, 1).astype(float)
    cuts = np.cumsum([0, n_train, n_val, n_test])
    return {name: (X[a:b], y[a:b])
            for name, a, b in zip(("train", "val", "test"), cuts[:-1], cuts[1:], strict=True)}


def overfit_net(p_keep=1.0, width=64, rng=None):
    """The 2-width-width-1 ReLU network of chapter 11 (He initialisation), with a ``Dropout``
    of keep probability ``p_keep`` after each hidden layer when ``p_keep`` < 1 (its masks drawn
    from the same generator as the weights). Returns a ``Sequential``."""
    rng = as_generator(rng)
    drop = (lambda: [Dropout(p_keep, rng=rng)]) if p_keep < 1 else list
    return Sequential(Dense(2, width, init="he", rng=rng), ReLU(), *drop(),
                      Dense(width, width, init="he", rng=rng), ReLU(), *drop(),
                      Dense(width, 1, init="xavier", rng=rng))


def jitter(X, y, sigma, copies, rng=None):
    """Data augmentation for points in the plane: ``copies`` copies of (X, y), each point moved
    by Gaussian noise of standard deviation ``sigma``. Returns X (copies·n, 2), y (copies·n, 1)."""
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
    data = overfitting_data(data_seed)
    X, y = data["train"]
    if sigma > 0:
        X, y = jitter(X, y, sigma, copies, rng=seed + 100)
    model = overfit_net(p_keep, rng=seed)
    history = fit(model, BCEWithLogitsLoss(), Adam(model.parameters(), lr=0.01), X, y,
                  epochs=epochs, batch_size=len(X), rng=seed, validation=data["val"],
                  regularizer=L2(lam) if lam > 0 else None, progress=False)
    return model, history
