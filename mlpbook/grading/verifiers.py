"""The judges of the questions whose answers are not unique (random draws, a network that
solves XOR, a topological order, a trained classifier): each checks the properties a right answer
has. They ship to students with the public cases (:mod:`mlpbook.grading.public`), so they hold no
reference answer: what one needs to know about the right answer of a case (a standard deviation,
held-out labels) is computed on the instructor's side by the question's ``expect`` and handed in
as ``expected``.
"""

from __future__ import annotations

import math

import numpy as np

from .randomness import check_independent, check_neighbours

__all__ = ["verify_xor", "verify_order", "verify_weights", "verify_draws", "verify_variances",
           "verify_forward", "verify_masks", "verify_accuracy", "ACCURACY_NEEDED"]

#: the accuracy on the held-out digits that earns the points of chapter 12's training question
ACCURACY_NEEDED = 0.90


def _step(z):
    return np.where(np.asarray(z) >= 0, 1.0, 0.0)


def verify_xor(args, got, expected=None) -> str | None:
    """Run the returned network with step units on the four corners and compare with XOR."""
    names = ("W1", "b1", "W2", "b2")
    shapes = ((2, 2), (2,), (1, 2), (1,))
    if not isinstance(got, (list, tuple)) or len(got) != 4:
        return "expected 4 arrays (W1, b1, W2, b2)"
    for name, shape, value in zip(names, shapes, got, strict=True):
        if not isinstance(value, np.ndarray) or value.shape != shape:
            return f"{name}: expected an array of shape {shape}"
        if not np.all(np.isfinite(value)):
            return f"{name}: contains NaN or infinity"
    W1, b1, W2, b2 = (v.astype(float) for v in got)
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    out = _step(_step(X @ W1.T + b1) @ W2.T + b2)[:, 0]
    target = np.array([0.0, 1.0, 1.0, 0.0])
    wrong = [tuple(int(v) for v in X[i]) for i in np.flatnonzero(out != target)]
    if wrong:
        return f"with step units (1 if z ≥ 0 else 0) the network is wrong on inputs {wrong}"
    return None


def _ancestors(parents, root) -> set:
    seen, todo = set(), [root]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(parents.get(name, []))
    return seen


def verify_order(args, got, expected=None) -> str | None:
    """Every node the root depends on, once each, each after all of its parents."""
    parents, root = args
    if not isinstance(got, (list, tuple)) or not all(isinstance(n, str) for n in got):
        return "expected a list of node names (strings)"
    if len(set(got)) != len(got):  # linear in len(got): an answer may be millions of names
        seen, twice = set(), set()
        for n in got:
            (twice if n in seen else seen).add(n)
        return f"the order lists {min(twice)!r} more than once"
    needed = _ancestors(parents, root)
    extra = sorted(set(got) - needed)
    if extra:
        return f"the order contains {extra[0]!r}, which the root {root!r} does not depend on"
    if len(got) < len(needed):
        return f"the order misses {len(needed) - len(got)} of the {len(needed)} nodes the " \
               f"root {root!r} depends on (the root included)"
    position = {n: i for i, n in enumerate(got)}
    for n in got:
        for p in parents.get(n, []):
            if position[p] > position[n]:
                return f"{n!r} comes before its parent {p!r}"
    return None


def verify_forward(args, got, expected=None) -> str | None:
    """The mask must be boolean, keep about p_keep of the units (within 6 standard errors of a
    binomial count), and the output must be the input times mask / p_keep, exactly as (5.47)."""
    A, p_keep, _ = args
    if not isinstance(got, (list, tuple)) or len(got) != 2:
        return "expected 2 values (out, mask)"
    out, mask = got
    if not isinstance(mask, np.ndarray) or mask.shape != A.shape or mask.dtype != np.bool_:
        return f"mask: expected a boolean array of shape {A.shape} (True for kept units)"
    if not isinstance(out, np.ndarray) or out.shape != A.shape or out.dtype != A.dtype:
        return f"out: expected an array of shape {A.shape} and dtype {A.dtype}"
    kept, n = float(mask.mean()), mask.size
    if abs(kept - p_keep) > 6 * math.sqrt(p_keep * (1 - p_keep) / n) + 1e-12:
        return f"the mask keeps {kept:.1%} of the units; expected about {p_keep:.0%}"
    if 0 < kept < 1:
        for axis, what in ((1, "sample"), (0, "unit")):
            if np.all(mask.all(axis=axis) | ~mask.any(axis=axis)):
                return f"the mask keeps or drops each {what} as a whole: draw an independent " \
                       "coin for every unit of every sample"
        message = check_neighbours(mask, "the mask")
        if message:
            return message
    if not np.allclose(out, np.where(mask, A / p_keep, 0.0), rtol=1e-12, atol=0):
        return "out is not A · mask / p_keep for the mask you returned (inverted dropout (5.47))"
    return None


def verify_masks(cases, got) -> str | None:
    """Masks drawn with different seeds are different and independent, even up to a shift."""
    return check_independent(cases, [mask for _, mask in got], "the masks")


def verify_weights(args, got, std) -> str | None:
    """Shape, dtype, no repeated values, then the statistics of the 100,000 or so draws: mean 0,
    the right standard deviation, and a normal shape (68.3% within one standard deviation)."""
    kind, n_out, n_in, _ = args
    if not isinstance(got, np.ndarray):
        return "expected a NumPy array of weights"
    if got.shape != (n_out, n_in):
        return f"returned shape {got.shape}; expected (N_out, N_in) = {(n_out, n_in)}"
    if got.dtype != np.float64:
        return f"returned dtype {got.dtype}; expected float64"
    if not np.all(np.isfinite(got)):
        return "the weights contain NaN or infinity"
    n = got.size
    if np.unique(got).size < 0.99 * n:
        return "many weights repeat: draw every entry independently"
    message = check_neighbours(got, "the weights")
    if message:
        return message
    mean, spread = float(got.mean()), float(got.std())
    if abs(mean) > 6 * std / math.sqrt(n):  # 6 standard errors of the mean
        return f"the mean of the weights is {mean:.3g}, too far from 0 for {n} draws"
    if abs(spread / std - 1) > 6 / math.sqrt(2 * n):  # 6 standard errors of the std
        return f"the standard deviation of the weights is {spread:.4g}, which is not the " \
               f"{kind} one for N_in = {n_in}, N_out = {n_out}"
    inside = float(np.mean(np.abs(got) < std))
    if abs(inside - 0.6827) > 6 * math.sqrt(0.6827 * 0.3173 / n):
        return f"{inside:.1%} of the weights lie within one standard deviation of 0; a " \
               "normal distribution has 68.3% there (draw from a normal distribution)"
    return None


def verify_draws(cases, got) -> str | None:
    """Weights drawn with different seeds are different and independent, even up to a shift."""
    return check_independent(cases, got, "the weights")


def verify_variances(args, got, expected) -> str | None:
    """Each layer's variance must match the reference's within a tolerance on a log scale that
    covers the run-to-run spread of the simulation many times over (15 % or 8 spreads): the
    random draws may differ, the statistics may not."""
    depth = args[0]
    if not isinstance(got, np.ndarray) or got.shape != (depth,):
        return f"expected a NumPy array of shape ({depth},): one variance per layer"
    if not np.all(np.isfinite(got)) or np.any(got <= 0):
        return "the variances must be positive, finite numbers"
    mean, spread = (np.asarray(a, dtype=float) for a in expected)
    tolerance = np.maximum(0.15, 8 * spread)
    off = np.abs(np.log(got.astype(float)) - mean) > tolerance
    if off.any():
        ell = int(np.argmax(off)) + 1
        return f"the variance of layer {ell} ({got[ell - 1]:.4g}) is off by more than the " \
               f"tolerance (a factor of {float(np.exp(tolerance[ell - 1])):.3f})"
    return None


def verify_accuracy(args, got, y_held) -> str | None:
    """Predicted labels for every held-out digit, scored here against labels the sandbox never
    saw."""
    if not isinstance(got, np.ndarray) or got.shape != y_held.shape:
        shape = getattr(got, "shape", None)
        return f"expected one predicted label per test image, an array of shape " \
               f"{y_held.shape}; got {type(got).__name__} of shape {shape}"
    if got.dtype.kind not in "iuf" or not np.all(np.isin(got, np.arange(10))):
        return "the predictions must be the labels 0, 1, ..., 9"
    accuracy = float(np.mean(got.astype(np.int64) == y_held))
    if accuracy < ACCURACY_NEEDED:
        return f"accuracy {accuracy:.3f} on the {len(y_held)} held-out digits; at least " \
               f"{ACCURACY_NEEDED:.2f} is needed"
    return None
