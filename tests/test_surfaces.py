"""mb.surfaces: quadratic surfaces against finite differences, and optimizer trajectories (also
the optimizer explorer's paths) against the recursions written out here."""

import numpy as np
import pytest

import mlpbook as mb
from mlpbook.gradcheck import numerical_gradient
from mlpbook.surfaces import Point, Quadratic, ill_conditioned_bowl, trajectory

H = np.array([[3.0, 1.0], [1.0, 0.5]])
MIN = np.array([0.4, -1.2])


def test_quadratic_value_and_gradient():
    q = Quadratic(H, MIN)
    theta = np.array([1.3, 0.7])
    d = theta - MIN
    assert q(theta) == pytest.approx(0.5 * d @ H @ d)
    fd = numerical_gradient(lambda: q(theta), theta)
    np.testing.assert_allclose(q.grad(theta), fd, rtol=1e-8)
    assert q(MIN) == 0 and np.all(q.grad(MIN) == 0)


def test_quadratic_is_vectorised_over_leading_axes():
    q = Quadratic(H, MIN)
    pts = np.random.default_rng(0).standard_normal((4, 3, 2))
    values, grads = q(pts), q.grad(pts)
    assert values.shape == (4, 3) and grads.shape == (4, 3, 2)
    assert values[2, 1] == pytest.approx(q(pts[2, 1]))
    np.testing.assert_allclose(grads[3, 0], H @ (pts[3, 0] - MIN))


def test_condition_number_and_the_bowl():
    eig = np.linalg.eigvalsh(H)
    assert Quadratic(H).condition_number == pytest.approx(eig[1] / eig[0])
    bowl = ill_conditioned_bowl()
    assert bowl.condition_number == pytest.approx(100)
    assert bowl(np.array([3.0, -2.0])) == pytest.approx(0.01 * 9 + 4)


@pytest.mark.parametrize("bad, match", [
    (np.eye(3), "symmetric \\(2, 2\\)"),
    (np.array([[1.0, 2.0], [0.0, 1.0]]), "not symmetric"),
    (np.array([[1.0, 0.0], [0.0, -1.0]]), "positive definite"),
])
def test_quadratic_rejects_bad_matrices(bad, match):
    with pytest.raises(ValueError, match=match):
        Quadratic(bad)


def test_quadratic_rejects_bad_points():
    with pytest.raises(ValueError, match="\\(\\.\\.\\., 2\\)"):
        Quadratic(H)(np.zeros(3))
    with pytest.raises(ValueError, match="minimum"):
        Quadratic(H, minimum=(1, 2, 3))


def test_point_is_what_optimizers_need():
    p = Point([1.0, 2.0])
    assert p.value.shape == p.grad.shape == (2,) and p.name == "theta"
    with pytest.raises(ValueError, match="2 numbers"):
        Point([1.0, 2.0, 3.0])


def test_sgd_trajectory_is_the_matrix_power():
    q = Quadratic(H, MIN)
    start, lr = np.array([2.0, 1.0]), 0.2
    path = trajectory(q, lambda p: mb.SGD(p, lr), start, 30)
    assert path.shape == (31, 2) and np.array_equal(path[0], start)
    M = np.eye(2) - lr * H
    for t in (1, 7, 30):
        np.testing.assert_allclose(path[t], MIN + np.linalg.matrix_power(M, t) @ (start - MIN),
                                   rtol=1e-12)


def test_momentum_trajectory_is_the_heavy_ball_recursion():
    q = Quadratic(H, MIN)
    lr, beta = 0.3, 0.8
    path = trajectory(q, lambda p: mb.Momentum(p, lr, beta), (2.0, 1.0), 20)
    # θ[t+1] = θ[t] − α(1−β) g[t] + β(θ[t] − θ[t−1]), from V = βV + (1−β)g, θ ← θ − αV
    prev, cur = path[0], path[0] - lr * (1 - beta) * q.grad(path[0])
    for t in range(1, 20):
        np.testing.assert_allclose(path[t], cur, rtol=1e-12)
        prev, cur = cur, cur - lr * (1 - beta) * q.grad(cur) + beta * (cur - prev)


def test_nesterov_trajectory_reports_theta_not_the_look_ahead_point():
    q = Quadratic(H, MIN)
    lr, beta = 0.2, 0.9
    path = trajectory(q, lambda p: mb.Nesterov(p, lr, beta), (2.0, 1.0), 15)
    theta, V = np.array([2.0, 1.0]), np.zeros(2)
    for t in range(1, 16):  # [Peeters]' formula, gradient at the look-ahead point
        V = beta * V + (1 - beta) * q.grad(theta - lr * beta * V)
        theta = theta - lr * V
        np.testing.assert_allclose(path[t], theta, rtol=1e-12, atol=1e-14)


def test_trajectory_rejects_bad_steps():
    with pytest.raises(ValueError, match="steps"):
        trajectory(ill_conditioned_bowl(), lambda p: mb.SGD(p, 0.1), (1.0, 1.0), -1)
    path = trajectory(ill_conditioned_bowl(), lambda p: mb.SGD(p, 0.1), (1.0, 1.0), 0)
    assert path.shape == (1, 2)


# ---- the optimizer explorer's paths (chapter 08): make_optimizer, optimizer_path -----------------

EXPECTED_CLASS = {"SGD": mb.SGD, "Momentum": mb.Momentum, "Nesterov": mb.Nesterov,
                  "AdaGrad": mb.AdaGrad, "AdaDelta": mb.AdaDelta, "RMSprop": mb.RMSprop,
                  "Adam": mb.Adam}


@pytest.mark.parametrize("name", list(EXPECTED_CLASS))
def test_make_optimizer_builds_the_named_optimizer(name):
    assert list(mb.surfaces.OPTIMIZER_SETTINGS) == list(EXPECTED_CLASS)
    p = mb.surfaces.Point([1.0, 1.0])
    opt = mb.surfaces.make_optimizer(name, [p])
    assert type(opt) is EXPECTED_CLASS[name]
    assert opt.lr == mb.surfaces.OPTIMIZER_SETTINGS[name][0]
    assert mb.surfaces.make_optimizer(name, [p], lr=0.123).lr == 0.123
    default, lo, hi = mb.surfaces.OPTIMIZER_SETTINGS[name]
    assert lo <= default <= hi


def test_make_optimizer_rejects_unknown_names():
    with pytest.raises(ValueError, match="Adam"):
        mb.surfaces.make_optimizer("LBFGS", [mb.surfaces.Point([0.0, 0.0])])


def test_optimizer_path_sgd_is_the_closed_form():
    path = mb.surfaces.optimizer_path("SGD", lr=0.7, steps=40)
    start = np.array(mb.surfaces.BOWL_START)
    t = np.arange(41)[:, None]
    np.testing.assert_allclose(path, (1 - 0.7 * np.array([0.02, 2.0])) ** t * start, rtol=1e-12)


def test_optimizer_path_rmsprop_by_hand():
    path = mb.surfaces.optimizer_path("RMSprop", lr=0.1, steps=5)
    theta, S = np.array(mb.surfaces.BOWL_START), np.zeros(2)
    for t in range(1, 6):
        g = np.array([0.02, 2.0]) * theta
        S = 0.9 * S + 0.1 * g * g
        theta = theta - 0.1 * g / (np.sqrt(S) + 1e-8)
        np.testing.assert_allclose(path[t], theta, rtol=1e-12)
