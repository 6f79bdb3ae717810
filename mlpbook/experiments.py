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
from .training import fit, train_step, training_updates

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
    ``train_step`` (forward, backward, θ ← θ − lr ∇C for every parameter by ``SGD``) on all of
    (X (n, N_0), y). Returns the loss before each update, (epochs,)."""
    loss, optimizer = BCEWithLogitsLoss(), SGD(model.parameters(), lr=lr)
    history = np.empty(epochs)
    for epoch in range(epochs):  # forward, loss, backward, θ ← θ − lr ∇C: the step of mb.fit
        history[epoch], _ = train_step(model, loss, optimizer, X, y)
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
    out = {"act_std": np.array(act_std), "loss": np.empty(updates),
           "grad_norm": np.empty((updates, len(dense))),
           "weight_norm": np.empty((updates + 1, len(dense)))}
    steps = training_updates(model, BCEWithLogitsLoss(), SGD(model.parameters(), lr=lr), X, y,
                             batch_size, rng=seed)  # the batches of fit(rng=seed)
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(updates):
            out["weight_norm"][k] = [np.linalg.norm(d.W) for d in dense]
            _, out["loss"][k], _ = next(steps)
            out["grad_norm"][k] = [np.linalg.norm(d.dW) for d in dense]
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


# ---- chapter 06: backpropagation ---------------------------------------------------------------

def shortest_time(fn, *args, repeats: int = 3):
    """Call ``fn(*args)`` ``repeats`` times; return ``(result, seconds)``: the result of the last
    call and the shortest of the timed calls (other work on the machine can only lengthen a call,
    so the shortest is the least disturbed)."""
    import time

    if repeats < 1:
        raise ValueError(f"shortest_time: repeats must be at least 1; got {repeats}")
    best, result = np.inf, None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn(*args)
        best = min(best, time.perf_counter() - start)
    return result, best


def bunescu_softmax(W, b, x, label, levels, shift=0):
    """The backward pass of [Bunescu], "Softmax for 1 Example", for one example, as printed.

    W, b : dicts l -> W[l] of shape (s_{l+1}, s_l) and b[l] of shape (s_{l+1},), l = 1..n_l;
        W[l] takes layer l to layer l + 1 (the slides' numbering: layer 1 is the input x).
    Sigmoid units on layers 2..n_l, a softmax on layer n_l + 1, the cross-entropy of ``label``.
    Visits ``levels`` in the given order with δ(l) = ((W(l + shift))ᵀ δ(l + 1)) · f'(z(l)) (shift
    0 is right; shift 1 is the slides' vectorised slip). A missing W or δ raises KeyError.
    Returns (delta, a): dicts of the δ(l) computed and of the activations a(l), l = 1..n_l + 1.
    """
    from .activations import softmax

    n_l, sig = len(W), Sigmoid()
    a, z = {1: np.asarray(x, dtype=float)}, {}
    for l in range(1, n_l + 1):
        z[l + 1] = W[l] @ a[l] + b[l]
        a[l + 1] = softmax(z[l + 1]) if l == n_l else sig.function(z[l + 1])
    delta = {n_l + 1: a[n_l + 1] - np.eye(len(b[n_l]))[label]}  # softmax + cross-entropy
    for l in levels:
        delta[l] = (W[l + shift].T @ delta[l + 1]) * sig.derivative(z[l])
    return delta, a


__all__ += ["shortest_time", "bunescu_softmax"]


# ---- chapter 05: scaling regression targets ------------------------------------------------------
def scaling_net(*output, seed: int = 0):
    """The 10-16-1 tanh network of chapter 05, with the same initial weights for a given seed.

    ``output`` : optional layers appended after the last ``Dense`` (e.g. ``Sigmoid()``).
    Maps inputs of shape (n, 10) to outputs of shape (n, 1).
    """
    from .activations import Tanh

    r = np.random.default_rng(seed)
    return Sequential(Dense(10, 16, rng=r), Tanh(), Dense(16, 1, rng=r), *output)


def target_scaling_run(model, X, T, Y, train, test, undo=None, lr: float = 0.03,
                       epochs: int = 300) -> np.ndarray:
    """Full-batch gradient descent on the mean squared loss of ``model`` for the targets ``T``.

    X : (n, d) inputs; T : (n, k) targets the network is trained on (possibly scaled);
    Y : (n, k) targets in their original units; train, test : index arrays into the rows.
    ``undo`` maps a prediction in the units of T back to the units of Y (identity if None).
    Returns the test error after each epoch, shape (epochs,): the mean squared error of
    ``undo(model(X[test]))`` against ``Y[test]`` divided by the variance of ``Y[test]``.
    """
    from .losses import SquaredLoss

    undo = (lambda t: t) if undo is None else undo
    loss, history = SquaredLoss(), []
    for _ in range(epochs):
        loss.forward(model.forward(X[train]), T[train])
        model.backward(loss.backward())
        for p in model.parameters():
            p.value -= lr * p.grad
        error = np.mean((undo(model.forward(X[test])) - Y[test]) ** 2) / Y[test].var()
        history.append(error)
    return np.array(history)


__all__ += ["scaling_net", "target_scaling_run"]


# ---- chapters 10 and 11: how much a training amplifies a tiny change of its start ---------------

def bn_sensitivity(lr, batchnorm=True, rel=1e-8, seeds=(1,)):
    """How chaotic a run of ``bn_run(lr, batchnorm)`` is: the largest |change of the final
    training loss| over retrainings whose initial parameters are multiplied by 1 + rel·u
    (u uniform in [−1, 1], one generator seed per entry of ``seeds``). Returns a float."""
    base = bn_run(lr, batchnorm).loss[-1]
    return max(abs(bn_run(lr, batchnorm, nudge=rel, nudge_seed=s).loss[-1] - base)
               for s in seeds)


def overfit_sensitivity(rel=1e-8, seed=1):
    """How well-conditioned chapter 11's unregularised run (``regularization_run()``) is: the
    largest |change of its validation loss| over its 200 epochs when every initial parameter is
    first multiplied by 1 + rel·u (u uniform in [−1, 1] from generator ``seed``). Returns a
    float."""
    _, base = regularization_run()
    data = overfitting_data(0)
    model = nudge_parameters(overfit_net(rng=0), rel, rng=seed)
    history = fit(model, BCEWithLogitsLoss(), Adam(model.parameters(), lr=0.01), *data["train"],
                  epochs=200, batch_size=len(data["train"][0]), rng=0,
                  validation=data["val"], progress=False)
    return float(np.abs(np.array(history.val_loss) - np.array(base.val_loss)).max())


def calibration_summary(models, X, y, n_bins=10):
    """Where the BCE loss of binary classifiers comes from (chapter 11's calibration study).

    ``models``: dict name -> model whose output (n, 1) is a logit; X (n, d); y (n, 1) of 0/1.
    Returns a dict name -> {"mistakes": int, "per mistake", "per correct": mean BCE of the wrong
    and of the right answers, "loss": mean BCE, "confidence": mean of max(p, 1 − p), "ECE": the
    expected calibration error of the confidences, "outcomes": (confidence (n,), right (n,) as
    0.0/1.0), the pairs a reliability diagram draws}."""
    from .activations import sigmoid
    from .metrics import expected_calibration_error
    from .training import predict

    labels = np.asarray(y, dtype=float)[:, 0]
    summary = {}
    for name, model in models.items():
        z = predict(model, X)[:, 0]
        per_point = np.logaddexp(0, -z) * labels + np.logaddexp(0, z) * (1 - labels)
        wrong = (z > 0) != (labels == 1)
        confidence = np.maximum(sigmoid(z), 1 - sigmoid(z))
        right = (~wrong).astype(float)
        summary[name] = {"mistakes": int(wrong.sum()), "per mistake": per_point[wrong].mean(),
                         "per correct": per_point[~wrong].mean(), "loss": per_point.mean(),
                         "confidence": confidence.mean(), "outcomes": (confidence, right),
                         "ECE": expected_calibration_error(confidence, right, n_bins)}
    return summary


__all__ += ["bn_sensitivity", "overfit_sensitivity", "calibration_summary"]


# Chapter 04: activation functions.
def derivative_errors(activation, z, h: float = 1e-5):
    """Largest gaps between an activation's derivatives and central differences.

    ``activation``: an object with ``function`` and ``derivative`` (and, when it has one,
    ``second_derivative``); ``z`` (n,) the points, kept away from the kinks. Compares
    ``derivative`` with (f(z+h) − f(z−h))/2h of ``function``, and ``second_derivative`` with the
    same difference of ``derivative``. Returns (error of σ', error of σ'' or None when the
    activation has no second derivative), two floats."""
    z = np.asarray(z, dtype=float)

    def central(g):
        return (g(z + h) - g(z - h)) / (2 * h)

    first = float(np.max(np.abs(activation.derivative(z) - central(activation.function))))
    if not hasattr(activation, "second_derivative"):
        return first, None
    second = activation.second_derivative(z) - central(activation.derivative)
    return first, float(np.max(np.abs(second)))


__all__ += ["derivative_errors"]


# Chapter 09: initialisation and vanishing gradients.
def identity_chain(w: float, L: int, dtype=np.float64) -> Sequential:
    """The linear network of [MEDL] (5.34)–(5.35): L − 1 layers ``Dense(2, 2)`` with W = wI,
    then ``Dense(2, 1)`` with W[L] = (1, 1); no biases, no activations. Input (n, 2) -> (n, 1),
    in ``dtype``."""
    def scaled_eye(shape, rng=None, dtype=dtype):
        return (w * np.eye(2)).astype(dtype)

    def ones(shape, rng=None, dtype=dtype):
        return np.ones(shape, dtype=dtype)

    layers = [Dense(2, 2, init=scaled_eye, bias=False, dtype=dtype) for _ in range(L - 1)]
    return Sequential(*layers, Dense(2, 1, init=ones, bias=False, dtype=dtype))


class ClippedOptimizer:
    """Wraps an optimizer so that every ``step()`` first clips the gradients of its parameters
    with ``clip(params, max_value)`` (``mb.clip_grad_norm`` or ``mb.clip_grad_value``); usable
    by ``mb.fit`` like the optimizer itself."""

    def __init__(self, optimizer, clip, max_value: float):
        self.optimizer, self.params = optimizer, optimizer.params
        self.clip, self.max_value = clip, max_value

    def step(self) -> None:
        self.clip(self.params, self.max_value)
        self.optimizer.step()

    def zero_grad(self) -> None:
        self.optimizer.zero_grad()


def exploding_net(seed=0, width: int = 32, depth: int = 8) -> Sequential:
    """A ReLU network 1 -> width -> ... -> 1 with ``depth`` Dense layers whose first layer has
    He's variance 2/N and every later layer twice that, 4/N: the signal's variance doubles at
    every hidden layer. Input (n, 1) -> (n, 1)."""
    r = as_generator(seed)

    def twice_he(shape, rng, dtype=np.float64):
        return (rng.standard_normal(shape) * (2 / np.sqrt(shape[1]))).astype(dtype)

    layers = [Dense(1, width, init="he", rng=r), ReLU()]
    for _ in range(depth - 2):
        layers += [Dense(width, width, init=twice_he, rng=r), ReLU()]
    return Sequential(*layers, Dense(width, 1, init=twice_he, rng=r))


__all__ += ["identity_chain", "ClippedOptimizer", "exploding_net"]
