"""Networks built by hand rather than trained ([MEDL] §5.2, [FCNN web] §4.2).

Each function returns an ``mb.Sequential`` whose weights are written down from a formula, so that
the chapter on expressive power can check what a network *can* represent before asking what
training finds:

- ``relu_interpolation(u, v)``: the one-hidden-layer ReLU network of Figure 5.2 that passes
  through the points (u_i, v_i) and is affine in between.
- ``sigmoid_staircase(u, v, steepness)``: sigmoid units as smoothed steps, the classical picture
  behind the universal approximation theorem ([FCNN web] §4.2, [Peeters] slides).
- ``multiplication_gate(lam, activation, shift)``: the four-unit network of Figure 5.4 whose
  output tends to x1 x2 as λ → 0, (5.13)–(5.14).
- ``product_network(n_inputs, lam, activation, shift)``: multiplication gates composed in a
  binary tree, so that log2(n) hidden layers compute x1 x2 ⋯ xn: each layer doubles the order of
  the products, the argument of [MEDL] §5.2 for depth (Figure 5.5).
- ``sawtooth(depth)``: a deep, narrow ReLU network with 2^depth affine pieces, the simplest case
  of depth buying pieces that a single hidden layer pays for with width.

Sources: [MEDL] is the book draft of Liquet, Moka and Nazarathy, *Mathematical Engineering of
Deep Learning*, chapter 5; [FCNN web] the web chapter "4 General Fully Connected Neural
Networks"; [Peeters] G. Peeters' slides *Deep Learning — Multi Layer Perceptron*.

The target function (5.11) of Figure 5.2 is ``mb.datasets.fstar``. ``gate_errors`` measures the
multiplication gate's error against λ on the grid ``gate_grid`` of [−1, 1]², for the activations
of ``GATE_SHIFTS``.
"""

from __future__ import annotations

import copy

import numpy as np

from ._checks import as_float_array, integer
from .activations import ACTIVATIONS, Activation, Identity, ReLU, Sigmoid
from .layers import Dense
from .sequential import Sequential

__all__ = ["relu_interpolation", "sigmoid_staircase", "multiplication_gate", "product_network",
           "sawtooth", "GATE_SHIFTS", "gate_grid", "gate_errors"]


def _knots_and_values(u, v, who: str) -> tuple[np.ndarray, np.ndarray]:
    """Validate knots u_1 < ... < u_r and values v_1, ..., v_r (r ≥ 2); return float arrays."""
    u = as_float_array(u, f"{who}: knots u")
    v = as_float_array(v, f"{who}: values v")
    if u.ndim != 1 or v.ndim != 1:
        raise ValueError(f"{who}: expected 1-D knots u and values v; got shapes {u.shape} and "
                         f"{v.shape}")
    if u.shape != v.shape:
        raise ValueError(f"{who}: expected as many values as knots; got {u.size} knots and "
                         f"{v.size} values")
    if u.size < 2:
        raise ValueError(f"{who}: expected at least 2 knots; got {u.size}")
    if not (np.all(np.isfinite(u)) and np.all(np.isfinite(v))):
        raise ValueError(f"{who}: knots and values must be finite numbers")
    steps = np.diff(u)
    if np.any(steps <= 0):
        i = int(np.argmax(steps <= 0))
        raise ValueError(f"{who}: expected strictly increasing knots u_1 < u_2 < ...; got "
                         f"u[{i}] = {u[i]!r} followed by u[{i + 1}] = {u[i + 1]!r}")
    return u, v


def relu_interpolation(u, v) -> Sequential:
    """The network of Figure 5.2: f_θ(u_i) = v_i, affine on each [u_i, u_{i+1}].

    One hidden layer of N_1 = r − 1 ReLU units and an identity output ([MEDL] §5.2):

        W[1] = 1 (all ones),   b[1]_i = −u_i,
        w[2]_{1,i} = s_i − s_{i−1}  with  s_0 = 0,  s_i = (v_{i+1} − v_i)/(u_{i+1} − u_i),
        b[2] = v_1,

    so f_θ(x) = v_1 + Σ_i (s_i − s_{i−1}) max(x − u_i, 0): on [u_k, u_{k+1}] the active units
    are i ≤ k and their slopes add up (telescope) to s_k. Left of u_1 the network is the constant
    v_1; right of u_r it continues with slope s_{r−1}.

    u, v : (r,) knots (strictly increasing) and values, r ≥ 2.
    Returns ``Sequential(Dense(1, r−1), ReLU(), Dense(r−1, 1), Identity())``: (n, 1) -> (n, 1).
    """
    u, v = _knots_and_values(u, v, "relu_interpolation")
    r = u.size
    s = np.diff(v) / np.diff(u)  # s_1, ..., s_{r−1}
    hidden = Dense(1, r - 1, init="zeros")
    hidden.W[:] = 1.0  # W[1] = 1
    hidden.b[:] = -u[:-1]  # b[1]_i = −u_i
    output = Dense(r - 1, 1, init="zeros")
    output.W[0] = s - np.concatenate(([0.0], s[:-1]))  # w[2]_{1,i} = s_i − s_{i−1}
    output.b[0] = v[0]  # b[2] = v_1
    return Sequential(hidden, ReLU(), output, Identity())


def sigmoid_staircase(u, v, steepness: float) -> Sequential:
    """Sigmoid units as smoothed steps: F(x) = v_1 + Σ_i (v_{i+1} − v_i) σ(k (x − c_i)).

    c_i = (u_i + u_{i+1})/2 is the midpoint between neighbouring knots and k = ``steepness``. As
    k → ∞ each σ(k(x − c_i)) becomes a unit step at c_i, and F becomes the staircase that takes
    the value v_j on the cells around u_j. Pairs of neighbouring steps make the "bumps" of the
    usual picture: v_j [σ(k(x − c_{j−1})) − σ(k(x − c_j))] is a bump of height v_j on the cell of
    u_j, and the sum of the bumps telescopes to the formula above, with one unit per jump.

    u, v : (r,) knots (strictly increasing) and values, r ≥ 2; steepness k > 0.
    Returns ``Sequential(Dense(1, r−1), Sigmoid(), Dense(r−1, 1), Identity())``.
    """
    u, v = _knots_and_values(u, v, "sigmoid_staircase")
    k = float(steepness)
    if not (np.isfinite(k) and k > 0):
        raise ValueError(f"sigmoid_staircase: expected a positive finite steepness; got "
                         f"{steepness!r}")
    r = u.size
    hidden = Dense(1, r - 1, init="zeros")
    hidden.W[:] = k
    hidden.b[:] = -k * (u[:-1] + u[1:]) / 2  # a step at each midpoint c_i
    output = Dense(r - 1, 1, init="zeros")
    output.W[0] = np.diff(v)  # the jump v_{i+1} − v_i
    output.b[0] = v[0]
    return Sequential(hidden, Sigmoid(), output, Identity())


def multiplication_gate(lam: float, activation, shift: float = 0.0) -> Sequential:
    """The multiplication gate of Figure 5.4: f_θ(x1, x2) ≈ x1 x2 for small λ   (5.12)–(5.14).

        W[1] = λ [[1, 1], [−1, −1], [1, −1], [−1, 1]],   b[1] = shift · 1,
        W[2] = μ [1, 1, −1, −1],   μ = 1 / (4 λ² σ''(shift)),   no output bias,

    so f_θ(x) = μ [σ(c + λ(x1+x2)) + σ(c − λ(x1+x2)) − σ(c + λ(x1−x2)) − σ(c − λ(x1−x2))]
    with c = shift. The book takes c = 0 (no biases at all); a shift c with σ''(c) ≠ 0 makes
    activations with σ''(0) = 0, such as the sigmoid and tanh, usable.

    lam : λ > 0.  activation : an ``mb`` scalar activation (instance or class) with
    ``second_derivative``.  Returns a network mapping (n, 2) -> (n, 1).
    """
    if isinstance(activation, type) and issubclass(activation, Activation):
        activation = activation()
    if not isinstance(activation, Activation):
        raise TypeError(f"multiplication_gate: expected an mb activation such as mb.Softplus(); "
                        f"got {activation!r}")
    if not hasattr(activation, "second_derivative"):
        raise ValueError(f"multiplication_gate: the construction needs σ''; {activation!r} has "
                         "no second_derivative (it is not twice differentiable)")
    lam, shift = float(lam), float(shift)
    if not (np.isfinite(lam) and lam > 0):
        raise ValueError(f"multiplication_gate: expected λ > 0; got lam={lam!r}")
    if not np.isfinite(shift):
        raise ValueError(f"multiplication_gate: expected a finite shift; got {shift!r}")
    d2 = float(activation.second_derivative(np.array([shift]))[0])
    if d2 == 0 or not np.isfinite(d2):
        raise ValueError(f"multiplication_gate: μ = 1/(4λ²σ''(shift)) needs σ''(shift) ≠ 0; "
                         f"{activation!r} has σ''({shift:g}) = {d2 + 0.0:g} (try a shift, e.g. "
                         "shift=1.0)")
    # the Taylor argument behind (5.14) needs σ'' continuous at the shift (ELU's is not at 0)
    left, right = activation.second_derivative(shift + np.array([-1e-8, 1e-8]))
    if abs(right - left) > 1e-6 + 1e-4 * abs(d2):
        raise ValueError(f"multiplication_gate: {activation!r} is not twice differentiable at "
                         f"shift={shift:g} (σ'' jumps from {left:g} to {right:g}); choose a shift "
                         "where σ'' is continuous")
    hidden = Dense(2, 4, init="zeros", bias=shift != 0)
    hidden.W[:] = lam * np.array([[1, 1], [-1, -1], [1, -1], [-1, 1]])  # (5.13)
    if shift != 0:
        hidden.b[:] = shift
    mu = 1.0 / (4 * lam**2 * d2)
    output = Dense(4, 1, init="zeros", bias=False)
    output.W[0] = mu * np.array([1, 1, -1, -1])  # (5.13)
    return Sequential(hidden, activation, output, Identity())


def product_network(n_inputs: int, lam: float, activation, shift: float = 0.0) -> Sequential:
    """x_1 x_2 ⋯ x_n (n = 2^k) from multiplication gates composed in a binary tree: k hidden layers.

    Level 1 multiplies the pairs (x1, x2), (x3, x4), ... with one gate each (4 units per pair);
    level ℓ multiplies the pairs of products of level ℓ − 1, so the products double in order at
    every level and level k gives the product of all n inputs ([MEDL] §5.2: interactions of
    order r need about log2 r layers). A gate's read-out W[2] = μ[1, 1, −1, −1] and the next
    gate's input weights W[1] = λ[[1, 1], [−1, −1], [1, −1], [−1, 1]] are two affine maps with no
    activation between them, so they merge into one Dense layer (their product; the bias is the
    shift of the next gate's units). Hidden layer ℓ has 4n/2^ℓ units, 4(n − 1) in all.

    n_inputs : n = 2, 4, 8, ...; lam, activation, shift : as for ``multiplication_gate``, whose
    checks apply. For n = 2 the network is ``multiplication_gate(lam, activation, shift)``.
    Returns ``Sequential(Dense(n, 2n), σ, Dense(2n, n), σ, ..., Dense(4, 1), Identity())``:
    (batch, n) -> (batch, 1).
    """
    n = n_inputs
    if not isinstance(n, (int, np.integer)) or n < 2 or n & (n - 1):
        raise ValueError(f"product_network: n_inputs must be a power of 2 (2, 4, 8, ...); got "
                         f"{n_inputs!r}")
    gate = multiplication_gate(lam, activation, shift)  # validates lam, activation and shift
    gate_in, gate_out = gate[0].W, gate[2].W  # (4, 2) and (1, 4), (5.13)
    layers, readout, width = [], None, int(n)  # readout: the previous level's products, (m, 4m)
    while width > 1:
        pairs = width // 2
        W = np.kron(np.eye(pairs), gate_in)  # (4·pairs, width): one gate per pair of inputs
        if readout is not None:
            W = W @ readout  # merge the read-out of the level below with this level's input map
        dense = Dense(W.shape[1], W.shape[0], init="zeros", bias=shift != 0)
        dense.W[:] = W
        if shift != 0:
            dense.b[:] = shift
        layers += [dense, copy.deepcopy(gate[1])]
        readout = np.kron(np.eye(pairs), gate_out)  # (pairs, 4·pairs): the products of the level
        width = pairs
    output = Dense(readout.shape[1], 1, init="zeros", bias=False)
    output.W[:] = readout
    return Sequential(*layers, output, Identity())


def sawtooth(depth: int) -> Sequential:
    """The tent map t(x) = 2 max(x, 0) − 4 max(x − ½, 0) composed ``depth`` times.

    t maps [0, 1] onto itself with two affine pieces (slopes ±2), so t∘…∘t (``depth`` times) has
    2^depth pieces with slopes ±2^depth, made by ``depth`` hidden layers of only 2 ReLU units each.
    One hidden layer with N ReLU units gives at most N + 1 pieces in one dimension, so it would
    need 2^depth − 1 units for the same function.

    Returns ``Sequential(Dense(1, 2), ReLU(), [Dense(2, 2), ReLU()] × (depth − 1), Dense(2, 1),
    Identity())``: (n, 1) -> (n, 1).
    """
    depth = integer(depth, "sawtooth", "depth")
    layers = []
    for ell in range(depth):
        dense = Dense(1 if ell == 0 else 2, 2, init="zeros")
        # the first layer reads x; the others read t(x) = 2 a_1 − 4 a_2 from the two units before
        dense.W[:] = [[1.0], [1.0]] if ell == 0 else [[2.0, -4.0], [2.0, -4.0]]
        dense.b[:] = [0.0, -0.5]
        layers += [dense, ReLU()]
    output = Dense(2, 1, init="zeros")
    output.W[0] = [2.0, -4.0]
    return Sequential(*layers, output, Identity())


# ---- the multiplication gate's error ------------------------------------------------------------

# Activations (names of ``mb.activations.ACTIVATIONS``) for the multiplication gate, with the
# shift that makes σ''(shift) ≠ 0 for each: those the registry gives a ``gate_shift``, the one
# that needs no shift (softplus, the gate of Figure 5.4) first.
GATE_SHIFTS = dict(sorted(((name, spec.gate_shift) for name, spec in ACTIVATIONS.items()
                           if spec.gate_shift is not None), key=lambda item: item[1] != 0))


def gate_grid(n: int = 41) -> np.ndarray:
    """n × n points of the square [−1, 1]², as rows (n², 2)."""
    g = np.linspace(-1.0, 1.0, n)
    return np.stack(np.meshgrid(g, g), axis=-1).reshape(-1, 2)


def gate_errors(lams, activation: str = "softplus", shift=None, X=None) -> np.ndarray:
    """max_x |f_θ(x) − x1 x2| of ``multiplication_gate`` for each λ in ``lams``, over the rows of
    X (default ``gate_grid()``). ``activation`` is a key of ``GATE_SHIFTS``; ``shift`` defaults
    to the shift listed there. Returns an array shaped like ``lams``."""
    if activation not in GATE_SHIFTS:
        raise ValueError(f"gate_errors: activation must be one of {sorted(GATE_SHIFTS)}; "
                         f"got {activation!r}")
    cls = ACTIVATIONS[activation].cls
    shift = GATE_SHIFTS[activation] if shift is None else shift
    X = gate_grid() if X is None else np.asarray(X, dtype=float)
    target = X[:, 0] * X[:, 1]
    lams = np.asarray(lams, dtype=float)
    errs = [np.max(np.abs(multiplication_gate(lam, cls, shift).forward(X)[:, 0] - target))
            for lam in lams.reshape(-1)]
    return np.array(errs).reshape(lams.shape)
