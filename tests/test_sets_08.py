"""Exercise set 08: the new question (the largest stable learning rate of Momentum) checked by
running the library's Momentum just below and just above it, and against known values."""

import numpy as np
import pytest

import mlpbook as mb
from mlpbook.grading import get_question


def ref(qid):
    return get_question(qid).reference


def momentum_on_least_squares(X, beta, lr, steps):
    """Distance to the minimiser after ``steps`` full-batch Momentum steps on ‖Xw − y‖²/(2m)."""
    rng = np.random.default_rng(0)
    w_star = rng.standard_normal(X.shape[1])
    y = X @ w_star
    layer = mb.Dense(X.shape[1], 1, init="zeros", bias=False)
    optimizer = mb.Momentum(layer.parameters(), lr=lr, beta=beta)
    for _ in range(steps):
        layer.backward((layer.forward(X) - y[:, None]) / len(X))
        optimizer.step()
        distance = float(np.abs(layer.W[0] - w_star).max())
        if distance > 1e8:
            break
    return distance


@pytest.mark.parametrize("beta", [0.0, 0.5, 0.9])
def test_momentum_converges_below_the_limit_and_diverges_above_it(beta):
    rng = np.random.default_rng(int(10 * beta))
    X = rng.standard_normal((40, 3)) * np.array([4.0, 1.0, 0.5]) + 1.0
    limit = ref("08.largest_stable_lr")(X, beta)
    assert momentum_on_least_squares(X, beta, 0.97 * limit, 4000) < 1e-6
    assert momentum_on_least_squares(X, beta, 1.03 * limit, 4000) > 1e3


def test_known_values():
    f = ref("08.largest_stable_lr")
    # one feature 1, 2, 3: H = 14/3, and gradient descent is stable for α < 2/H = 3/7
    assert f(np.array([[1.0], [2.0], [3.0]]), 0.0) == pytest.approx(3 / 7, rel=1e-14)
    # the bowl of chapter 08 has λmax = 2 and, with β = 0.9, the limit 19
    X = 2 * np.diag([0.1, 1.0])  # XᵀX/m = diag(0.02, 2), the Hessian of the bowl
    assert f(X, 0.9) == pytest.approx(19.0, rel=1e-12)


def test_the_cases_separate_λmax_from_the_largest_diagonal_entry():
    q = get_question("08.largest_stable_lr")
    X = next(c.args[0] for c in q.make_cases() if c.label.startswith("strongly correlated"))
    H = X.T @ X / len(X)
    assert np.linalg.eigvalsh(H)[-1] > 2 * np.diag(H).max()
