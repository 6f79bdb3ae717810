"""Example 2 of the slides "Chapter 4: Deep neural networks" [DNN slides], number for number.

The slides train a 2-3-2 network (sigmoid hidden layer, linear output) by gradient descent with
summed gradients and learning factor α = 0.05 on eight patterns, print every matrix of the first
epoch and the weights after 1,000 epochs. They print their data and initial weights with two
decimals, but computed with more: typed in as printed, the inputs reproduce only 86 of the 138
printed numbers of epoch 1 to the printed digit. This module holds

- ``printed(after)``: the numbers as the slides print them, with the half unit of the last
  printed digit of each (the rounding tolerance: a number printed as 0.72 means [0.715, 0.725));
- ``gd``: the slides' algorithm in their own row convention ``Z = X W + B``, ``U = H V + C``
  (``W`` (2, 3), ``V`` (3, 2)), on one problem or a stack of problems (leading axes);
- ``matches``: which computed numbers round to the printed ones;
- ``consistent_inputs()``: data and initial weights, each rounding to its printed value, with
  which *every* printed number rounds correctly except two that no inputs can give: the updated
  ``W[0, 1]`` printed 0.72 (the printed ``W`` and ``∇W J`` bound it by 1.105 − 0.05 × 7.805 =
  0.71475) and the final ``V[2, 0]`` printed +3.59 (a lost minus sign: −3.59 is reproduced);
- ``search``: the optimisation that finds such inputs (it produced ``consistent_inputs``).

The library stores weights as the book does, so ``Dense(2, 3).W`` is the slides' ``W.T``.
"""

from __future__ import annotations

import numpy as np

from .activations import sigmoid
from .datasets import example2 as printed_inputs

__all__ = ["printed", "gd", "matches", "consistent_inputs", "search", "INPUT_NAMES"]

INPUT_NAMES = ("X", "D", "W", "V")
_SHAPES = {"X": (8, 2), "D": (8, 2), "W": (2, 3), "V": (3, 2)}

# The tables exactly as printed (rows of the slides' matrices; column vectors as one row).
_EPOCH1 = {
    "Z": ["-3.00 0.8 0.39", "-0.42 -1.27 2.61", "-1.35 -0.04 0.91", "1.34 -1.79 2.46",
          "-0.42 -0.05 0.35", "-0.05 -1.76 3.27", "1.42 -1.34 1.60", "-1.51 -0.72 2.25"],
    "H": ["0.05 0.69 0.60", "0.40 0.22 0.93", "0.21 0.49 0.71", "0.79 0.14 0.92",
          "0.40 0.49 0.59", "0.49 0.15 0.96", "0.80 0.21 0.83", "0.18 0.33 0.91"],
    "Y": ["-4.32 0.44", "-2.52 1.67", "-3.43 0.87", "-0.79 1.15",
          "-2.32 0.21", "-2.04 1.75", "-0.67 0.76", "-3.59 1.75"],
    "∇U J": ["-4.76 0.85", "-3.35 1.24", "-3.52 1.59", "-0.54 0.80",
             "-2.20 0.34", "-2.28 1.72", "-0.98 0.56", "-4.20 1.70"],
    "g'(Z)": ["0.04 0.21 0.24", "0.24 0.17 0.06", "0.16 0.25 0.20", "0.16 0.12 0.07",
              "0.24 0.25 0.24", "0.25 0.13 0.04", "0.16 0.16 0.14", "0.15 0.22 0.09"],
    "∇V J": ["-6.23 3.22", "-8.81 2.85", "-17.07 7.40"],
    "∇c J": ["-21.83 8.81"],
    "∇W J": ["-8.43 7.81 7.79", "-8.21 4.56 3.76"],
    "∇b J": ["-15.22 13.11 13.92"],
    "V": ["3.89 -1.74", "-3.14 -1.89", "-2.53 2.51"],
    "c": ["1.09 -0.44"],
    "W": ["-3.55 0.72 0.03", "3.21 -2.87 2.94"],
    "b": ["0.76 -0.66 -0.70"],
}
_FINAL = {  # after 1,000 epochs; V[2, 0] is printed +3.59 (see the module docstring)
    "m.s.e.": ["0.107"],
    "W": ["-2.04 -0.52 -1.88", "3.55 -2.6 2.43"],
    "b": ["0.22 -0.93 0.15"],
    "V": ["2.14 -1.14", "-2.93 -1.78", "3.59 2.28"],
    "c": ["1.25 -0.43"],
}
_VECTORS = {"∇c J", "∇b J", "c", "b", "m.s.e."}  # stored as one printed row, returned 1-D (or 0-D)


def _parse(rows: list[str], name: str) -> tuple[np.ndarray, np.ndarray]:
    words = [row.split() for row in rows]
    values = np.array([[float(w) for w in row] for row in words])
    half = np.array([[0.5 * 10.0 ** -len(w.partition(".")[2]) for w in row] for row in words])
    if name in _VECTORS:
        values, half = values[0], half[0]
        if name == "m.s.e.":
            values, half = values[0], half[0]
    return values, half


def printed(after: int = 1) -> tuple[dict, dict]:
    """(values, half units) of the numbers printed after epoch ``after`` (1 or 1000).

    For ``after=1``: ``Z, H, Y, ∇U J, g'(Z)`` (8 rows), ``∇V J, ∇c J, ∇W J, ∇b J`` and the updated
    ``V, c, W, b`` (138 numbers). For ``after=1000``: ``m.s.e.`` (the mean over the 8 patterns of
    ‖d − y‖²) and ``W, b, V, c`` (18 numbers). A half unit is half the last printed digit:
    0.005 for 0.72, 0.05 for 0.8, 0.0005 for 0.107. Fresh arrays each call.
    """
    tables = {1: _EPOCH1, 1000: _FINAL}
    if after not in tables:
        raise ValueError(f"printed: the slides print epoch 1 and epoch 1000; got after={after!r}")
    parsed = {name: _parse(rows, name) for name, rows in tables[after].items()}
    return ({k: v for k, (v, _) in parsed.items()}, {k: h for k, (_, h) in parsed.items()})


def gd(X, D, W, V, b=None, c=None, lr: float = 0.05, epochs: int = 1) -> dict:
    """The slides' gradient descent, summed over the patterns, on one problem or a stack.

    Shapes (with any leading stack axes ``...``): ``X, D`` (..., 8, 2), ``W`` (..., 2, 3),
    ``V`` (..., 3, 2), ``b`` (..., 3) and ``c`` (..., 2) (zeros if None). Returns the epoch-1
    matrices under the slides' names (``Z, H, Y, ∇U J, g'(Z), ∇Z J, ∇V J, ∇c J, ∇W J, ∇b J`` and
    the updated ``V, c, W, b``), and under ``"final"`` the dict ``W, b, V, c, m.s.e.`` after
    ``epochs`` epochs.
    """
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 1:
        raise ValueError(f"gd: epochs must be an integer >= 1; got {epochs!r}")
    X, D, W, V = (np.asarray(a, dtype=np.float64) for a in (X, D, W, V))
    b = np.zeros(W.shape[:-2] + W.shape[-1:]) if b is None else np.asarray(b, dtype=np.float64)
    c = np.zeros(V.shape[:-2] + V.shape[-1:]) if c is None else np.asarray(c, dtype=np.float64)
    first = {}
    for epoch in range(epochs):
        Z = X @ W + b[..., None, :]                          # Z = XW + B
        H = sigmoid(Z)                                       # H = g(Z)
        U = H @ V + c[..., None, :]                          # Y = U = HV + C (linear output)
        dU = U - D                                           # ∇U J = −(D − Y)
        dZ = (dU @ np.swapaxes(V, -1, -2)) * H * (1 - H)     # ∇Z J = (∇U J) Vᵀ · g'(Z)
        grads = {"∇V J": np.swapaxes(H, -1, -2) @ dU, "∇c J": dU.sum(-2),
                 "∇W J": np.swapaxes(X, -1, -2) @ dZ, "∇b J": dZ.sum(-2)}
        V, c = V - lr * grads["∇V J"], c - lr * grads["∇c J"]
        W, b = W - lr * grads["∇W J"], b - lr * grads["∇b J"]
        if epoch == 0:
            first = {"Z": Z, "H": H, "Y": U, "∇U J": dU, "g'(Z)": H * (1 - H), "∇Z J": dZ,
                     **grads, "V": V, "c": c, "W": W, "b": b}
    Y = sigmoid(X @ W + b[..., None, :]) @ V + c[..., None, :]
    mse = np.sum((D - Y) ** 2, axis=(-1, -2)) / X.shape[-2]
    return {**first, "final": {"W": W, "b": b, "V": V, "c": c, "m.s.e.": mse}}


def matches(computed: dict, after: int = 1) -> dict:
    """For each printed table, a boolean array: does the computed number round to the printed one
    (``|computed − printed| < half unit``)? ``computed`` is ``gd(...)`` (after=1) or
    ``gd(...)["final"]`` (after=1000), for one problem."""
    values, half = printed(after)
    return {name: np.abs(np.asarray(computed[name]) - values[name]) < half[name] for name in values}


# Found by ``search(epochs=1000)`` from the printed inputs, refined with the margin lowered to
# 2e-6 (every printed number but the two is reproduced with at least that much to spare, far above
# round-off); each entry lies at most 0.004999 from the printed one, so it rounds to it.
_CONSISTENT = {
    "X": [
        [0.7730965867186549, 0.022403884425025142],
        [0.6330018561879875, 0.7477115964126808],
        [0.4996327817677268, 0.2249191075370532],
        [0.19753459607088372, 0.7598170245000113],
        [0.170319968505536, 0.08974991172516221],
        [0.6853608329307063, 0.9534455360269485],
        [0.002361973830380179, 0.5097759327896954],
        [0.8123613436554096, 0.6118367616276241],
    ],
    "D": [
        [0.44387161318739343, -0.4150031322864834],
        [0.8350012086731592, 0.43059808101653557],
        [0.08913545743524987, -0.7156925666668507],
        [-0.24760399978547704, 0.345001],
        [-0.11500099999999999, -0.13285996305738423],
        [0.235001, 0.02501148847682417],
        [0.30279450813095105, 0.20219246874898683],
        [0.6050017683381476, 0.044999],
    ],
    "W": [
        [-3.967708816054015, 1.1049917810513927, 0.41524059962913523],
        [2.79499785365313, -2.6369980504536095, 3.132934396984457],
    ],
    "V": [
        [3.58338628645221, -1.5837615130552969],
        [-3.5849990000000003, -1.745001],
        [-3.3826992349157576, 2.877669019848224],
    ],
}


def consistent_inputs() -> dict:
    """``X, D, W, V`` (the slides' shapes), each less than 0.005 from (so rounding to) the printed
    value, with which ``gd``
    reproduces every printed number of epoch 1 and after 1,000 epochs to its last printed digit,
    except the updated ``W[0, 1]`` (0.72) and the sign of the final ``V[2, 0]``. Fresh arrays."""
    return {k: np.array(v, dtype=np.float64) for k, v in _CONSISTENT.items()}


def _flat(inputs: dict) -> np.ndarray:
    return np.concatenate([np.asarray(inputs[k], dtype=np.float64).ravel() for k in INPUT_NAMES])


def _unflat(p: np.ndarray) -> dict:
    out, i = {}, 0
    for k in INPUT_NAMES:
        n = int(np.prod(_SHAPES[k]))
        out[k] = p[..., i:i + n].reshape(p.shape[:-1] + _SHAPES[k])
        i += n
    return out


def _violations(p: np.ndarray, epochs: int, margin: float) -> np.ndarray:
    """For a stack of flat inputs (s, 44): |computed − printed| − (half unit − margin), for every
    printed number of epoch 1 (and after ``epochs`` when it is 1000), (s, m). Positive = missed.
    The final V[2, 0] is compared with −3.59 (the sign the slides lost)."""
    r = gd(**_unflat(p), epochs=epochs)
    rows = []
    for after, got in ((1, r), (1000, r["final"])) if epochs == 1000 else ((1, r),):
        values, half = printed(after)
        if after == 1000:
            values["V"][2, 0] = -values["V"][2, 0]
        for name in values:
            miss = np.abs(got[name] - values[name]) - (half[name] - margin)
            rows.append(miss.reshape(len(p), -1))
    return np.concatenate(rows, axis=1)


def search(start: dict | None = None, epochs: int = 1, margin: float = 5e-4, box: float = 0.004999,
           skip=(), maxiter: int = 500, h: float = 1e-6) -> dict:
    """Look for inputs within ``box`` of the printed ones with which every printed number rounds
    correctly (with ``margin`` to spare), by minimising the squared misses with L-BFGS-B.

    ``epochs=1`` uses the 138 numbers of epoch 1; ``epochs=1000`` adds the 18 printed after
    1,000 epochs (minutes of computing). ``skip`` lists indices of printed numbers (in the order
    of ``_violations``) to leave out, e.g. the unreachable 0.72. The gradient is a central
    difference, all 2 × 44 perturbed problems run as one stack. Needs SciPy (it comes with
    scikit-learn). Returns the inputs as a dict like ``consistent_inputs()``.
    """
    try:
        from scipy.optimize import minimize
    except ImportError as err:  # pragma: no cover - scipy ships with scikit-learn
        raise ImportError("example2.search needs scipy (pip install scipy)") from err
    if epochs not in (1, 1000):
        raise ValueError(f"search: epochs must be 1 or 1000 (the printed epochs); got {epochs!r}")
    centre = _flat(printed_inputs())
    p0 = centre.copy() if start is None else _flat(start)
    eye = np.eye(p0.size)

    def objective(p):
        stack = np.vstack([p, p + h * eye, p - h * eye])
        miss = np.maximum(_violations(stack, epochs, margin), 0.0)
        miss[:, list(skip)] = 0.0
        penalty = 1e4 * np.sum(miss**2, axis=1)
        return penalty[0], (penalty[1:p.size + 1] - penalty[p.size + 1:]) / (2 * h)

    result = minimize(objective, p0, jac=True, method="L-BFGS-B",
                      bounds=list(zip(centre - box, centre + box, strict=True)),
                      options={"maxiter": maxiter})
    return _unflat(result.x)
