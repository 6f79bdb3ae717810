"""Exercise set 11: the proximal step of the L1 penalty against a brute-force minimisation of
the proximal objective."""

import numpy as np

from mlpbook.grading import get_question


def test_l1_prox_step_minimises_the_proximal_objective():
    rng = np.random.default_rng(11)
    theta, grad, lr, lam = rng.standard_normal(40) * 0.3, rng.standard_normal(40), 0.1, 1.5
    got = get_question("11.l1_prox_step").reference(theta, grad, lr, lam)
    u, t = theta - lr * grad, lr * lam
    grid = np.linspace(-3, 3, 600_001)  # steps of 1e-5, zero included
    best = grid[np.argmin(0.5 * (grid[None, :] - u[:, None]) ** 2 + t * np.abs(grid[None, :]),
                          axis=1)]
    np.testing.assert_allclose(got, best, atol=1e-5)
    assert np.all(got[np.abs(u) <= t] == 0) and np.any(np.abs(u) <= t)


def test_l1_prox_step_with_lambda_zero_is_gradient_descent():
    theta, grad = np.array([0.3, -1.0]), np.array([0.5, 0.2])
    got = get_question("11.l1_prox_step").reference(theta, grad, 0.1, 0.0)
    np.testing.assert_allclose(got, theta - 0.1 * grad, rtol=1e-15)
