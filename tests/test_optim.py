"""Optimizers and clipping against reference formulas written out here, one scalar at a time."""

import math

import numpy as np
import pytest

import mlpbook as mb


class P:
    """A bare parameter: what model.parameters() yields."""

    def __init__(self, value, name="p.W"):
        self.value = np.array(value, dtype=float) if not isinstance(value, np.ndarray) else value
        self.grad = np.zeros_like(self.value)
        self.name = name


def grad_of(theta):
    """A non-quadratic test function's gradient, so that trajectories are not trivial."""
    return [math.sin(3 * t) + t**3 - 0.5 * t for t in theta]


def run(opt_factory, reference, theta0, steps=25):
    """Run an optimizer and a scalar reference side by side; return both trajectories."""
    p = P(np.array(theta0, dtype=float))
    opt = opt_factory([p])
    ref_theta, state = list(theta0), None
    ours, refs = [], []
    for t in range(1, steps + 1):
        p.grad[...] = grad_of(p.value)
        opt.step()
        ref_theta, state = reference(ref_theta, state, t)
        ours.append(p.value.copy())
        refs.append(list(ref_theta))
    return np.array(ours), np.array(refs)


THETA0 = [0.7, -1.3, 0.05]


# ---- reference formulas (scalar loops, independent of the package) ----------------------------

def ref_sgd(lr, wd=0.0):
    def step(theta, state, t):
        g = grad_of(theta)
        return [th - lr * (gi + wd * th) for th, gi in zip(theta, g, strict=True)], state
    return step


def ref_momentum(lr, beta):
    def step(theta, V, t):
        V = V or [0.0] * len(theta)
        g = grad_of(theta)
        V = [beta * v + (1 - beta) * gi for v, gi in zip(V, g, strict=True)]
        return [th - lr * v for th, v in zip(theta, V, strict=True)], V
    return step


def ref_adagrad(lr, eps):
    def step(theta, G, t):
        G = G or [0.0] * len(theta)
        g = grad_of(theta)
        G = [Gi + gi * gi for Gi, gi in zip(G, g, strict=True)]
        return [th - lr * gi / (math.sqrt(Gi) + eps)
                for th, gi, Gi in zip(theta, g, G, strict=True)], G
    return step


def ref_rmsprop(lr, alpha, eps):
    def step(theta, S, t):
        S = S or [0.0] * len(theta)
        g = grad_of(theta)
        S = [alpha * s + (1 - alpha) * gi * gi for s, gi in zip(S, g, strict=True)]
        return [th - lr * gi / (math.sqrt(s) + eps)
                for th, gi, s in zip(theta, g, S, strict=True)], S
    return step


def ref_adadelta(lr, rho, eps):
    def step(theta, state, t):
        S, D = state or ([0.0] * len(theta), [0.0] * len(theta))
        g = grad_of(theta)
        new_theta, S2, D2 = [], [], []
        for th, gi, s, d in zip(theta, g, S, D, strict=True):
            s = rho * s + (1 - rho) * gi**2
            dx = math.sqrt(d + eps) / math.sqrt(s + eps) * gi
            d = rho * d + (1 - rho) * dx**2
            new_theta.append(th - lr * dx)
            S2.append(s)
            D2.append(d)
        return new_theta, (S2, D2)
    return step


def ref_adam(lr, b1, b2, eps, wd=0.0, decoupled=False, correct=True):
    def step(theta, state, t):
        m, v = state or ([0.0] * len(theta), [0.0] * len(theta))
        g = grad_of(theta)
        out, m2, v2 = [], [], []
        for th, gi, mi, vi in zip(theta, g, m, v, strict=True):
            if decoupled:
                th = th - lr * wd * th
            else:
                gi = gi + wd * th
            mi = b1 * mi + (1 - b1) * gi
            vi = b2 * vi + (1 - b2) * gi * gi
            m_hat, v_hat = (mi / (1 - b1**t), vi / (1 - b2**t)) if correct else (mi, vi)
            out.append(th - lr * m_hat / (math.sqrt(v_hat) + eps))
            m2.append(mi)
            v2.append(vi)
        return out, (m2, v2)
    return step


@pytest.mark.parametrize("factory, reference", [
    (lambda ps: mb.SGD(ps, lr=0.05), ref_sgd(0.05)),
    (lambda ps: mb.SGD(ps, lr=0.05, weight_decay=0.3), ref_sgd(0.05, 0.3)),
    (lambda ps: mb.Momentum(ps, lr=0.1), ref_momentum(0.1, 0.9)),
    (lambda ps: mb.Momentum(ps, lr=0.05, beta=0.5), ref_momentum(0.05, 0.5)),
    (lambda ps: mb.AdaGrad(ps), ref_adagrad(1e-2, 1e-10)),
    (lambda ps: mb.AdaGrad(ps, lr=0.3, eps=1e-3), ref_adagrad(0.3, 1e-3)),
    (lambda ps: mb.RMSprop(ps), ref_rmsprop(1e-2, 0.99, 1e-8)),
    (lambda ps: mb.RMSprop(ps, lr=0.02, alpha=0.9, eps=1e-4), ref_rmsprop(0.02, 0.9, 1e-4)),
    (lambda ps: mb.AdaDelta(ps), ref_adadelta(1.0, 0.9, 1e-6)),
    (lambda ps: mb.AdaDelta(ps, lr=0.5, rho=0.95, eps=1e-4), ref_adadelta(0.5, 0.95, 1e-4)),
    (lambda ps: mb.Adam(ps), ref_adam(1e-3, 0.9, 0.999, 1e-8)),
    (lambda ps: mb.Adam(ps, lr=0.05, betas=(0.8, 0.99), eps=1e-6), ref_adam(0.05, 0.8, 0.99, 1e-6)),
    (lambda ps: mb.Adam(ps, lr=0.05, weight_decay=0.2), ref_adam(0.05, 0.9, 0.999, 1e-8, 0.2)),
    (lambda ps: mb.Adam(ps, lr=0.05, bias_correction=False),
     ref_adam(0.05, 0.9, 0.999, 1e-8, correct=False)),
    (lambda ps: mb.AdamW(ps, lr=0.05), ref_adam(0.05, 0.9, 0.999, 1e-8, 0.01, decoupled=True)),
    (lambda ps: mb.AdamW(ps, lr=0.05, weight_decay=0.5),
     ref_adam(0.05, 0.9, 0.999, 1e-8, 0.5, decoupled=True)),
])
def test_trajectory_matches_reference_formula(factory, reference):
    ours, refs = run(factory, reference, THETA0)
    np.testing.assert_allclose(ours, refs, rtol=1e-12, atol=1e-14)


def test_first_steps_by_hand():
    # with m̂ = g and v̂ = g² the first Adam step is lr·g/(|g| + eps) ≈ lr·sign(g)
    p = P([2.0, -0.5])
    p.grad[...] = [4.0, -1e-3]
    mb.Adam([p], lr=0.1).step()
    expected = [2.0 - 0.1 * 4 / (4 + 1e-8), -0.5 + 0.1 * 1e-3 / (1e-3 + 1e-8)]
    np.testing.assert_allclose(p.value, expected, rtol=1e-12)
    # AdaGrad: G = g², so the first step is also lr·sign(g)
    p = P([1.0])
    p.grad[...] = [-3.0]
    mb.AdaGrad([p], lr=0.2).step()
    np.testing.assert_allclose(p.value, [1 + 0.2 * 3 / (3 + 1e-10)], rtol=1e-14)
    # RMSprop: S = (1 − 0.99) g², so the first step is lr·g/(0.1|g|) = 10·lr·sign(g)
    p = P([1.0])
    p.grad[...] = [5.0]
    mb.RMSprop([p], lr=0.01).step()
    np.testing.assert_allclose(p.value, [1.0 - 0.01 * 5 / (0.5 + 1e-8)], rtol=1e-12)
    # Momentum in the form V = βV + (1−β)g: first step is lr·(1−β)·g
    p = P([1.0])
    p.grad[...] = [2.0]
    mb.Momentum([p], lr=0.5, beta=0.9).step()
    np.testing.assert_allclose(p.value, [1.0 - 0.5 * 0.1 * 2.0], rtol=1e-12)


def test_adamw_decay_is_decoupled_and_adam_decay_is_coupled():
    # zero gradient: AdamW only shrinks θ by (1 − lr λ); Adam's coupled decay is a gradient λθ,
    # so its first step has size lr whatever λ is
    a, b = P([3.0, -2.0]), P([3.0, -2.0])
    mb.AdamW([a], lr=0.1, weight_decay=0.2).step()
    np.testing.assert_allclose(a.value, [3.0 * 0.98, -2.0 * 0.98], rtol=1e-12)
    mb.Adam([b], lr=0.1, weight_decay=0.2).step()
    np.testing.assert_allclose(b.value, [2.9, -1.9], rtol=1e-7)


def test_nesterov_matches_the_form_of_the_peeters_slides():
    """[Peeters]: V = βV + (1−β)∇C(θ − αβV), θ ← θ − αV. The stored arrays are the look-ahead
    point φ = θ − αβV, where the gradient is taken."""
    A = np.array([[3.0, 0.5], [0.5, 0.2]])  # ill-conditioned quadratic C = ½θᵀAθ, ∇C = Aθ
    lr, beta = 0.2, 0.9
    theta, V = np.array([1.0, -2.0]), np.zeros(2)
    p = P(theta.copy())
    opt = mb.Nesterov([p], lr=lr, beta=beta)
    for _ in range(30):
        g = A @ (theta - lr * beta * V)  # the seed's gradient at the look-ahead point
        V = beta * V + (1 - beta) * g
        theta = theta - lr * V
        p.grad[...] = A @ p.value  # the usual loop: gradient where the arrays are
        opt.step()
        np.testing.assert_allclose(p.value, theta - lr * beta * V, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(p.value + lr * beta * opt.V[0], theta, rtol=1e-12, atol=1e-14)


def test_l2_penalty_gives_weight_decay_5_53():
    """C̃ = C + (λ/2)‖W‖²: one gradient-descent step is W ← (1 − αλ)W − α∇C (5.53)."""
    rng = np.random.default_rng(0)
    model = mb.Sequential(mb.Dense(3, 2, rng=rng))
    X, y = rng.standard_normal((8, 3)), rng.standard_normal((8, 2))
    loss, reg, lr, lam = mb.SquaredLoss(), mb.L2(0.3), 0.1, 0.3
    W0, b0 = model[0].W.copy(), model[0].b.copy()
    loss.forward(model.forward(X), y)
    model.backward(loss.backward())
    gW, gb = model[0].dW.copy(), model[0].db.copy()
    reg.add_grad(model.parameters())
    mb.SGD(model.parameters(), lr=lr).step()
    np.testing.assert_allclose(model[0].W, (1 - lr * lam) * W0 - lr * gW, rtol=1e-13)
    np.testing.assert_allclose(model[0].b, b0 - lr * gb, rtol=1e-13)  # biases not penalised
    # the same as SGD's own weight_decay on W
    W = P(W0.copy())
    W.grad[...] = gW
    mb.SGD([W], lr=lr, weight_decay=lam).step()
    np.testing.assert_allclose(W.value, model[0].W, rtol=1e-13)


def test_state_and_parameters_keep_float32():
    for cls in (mb.SGD, mb.Momentum, mb.Nesterov, mb.AdaGrad, mb.AdaDelta, mb.RMSprop, mb.Adam,
                mb.AdamW):
        p = P(np.array([0.5, -1.5], dtype=np.float32))
        opt = cls([p], lr=0.01, weight_decay=0.1)
        for _ in range(3):
            p.grad[...] = np.array([0.25, -2.0], dtype=np.float32)
            opt.step()
        assert p.value.dtype == np.float32, cls
        for name in opt._state_names:
            assert all(s.dtype == np.float32 for s in getattr(opt, name)), (cls, name)


def test_updates_the_model_in_place():
    rng = np.random.default_rng(1)
    model = mb.Sequential(mb.Dense(2, 3, rng=rng), mb.Tanh(), mb.Dense(3, 1, rng=rng))
    W = model[0].W
    opt = mb.Adam(model.parameters(), lr=0.1)
    loss = mb.SquaredLoss()
    loss.forward(model.forward(rng.standard_normal((4, 2))), np.ones((4, 1)))
    model.backward(loss.backward())
    before = W.copy()
    opt.step()
    assert model[0].W is W and not np.array_equal(W, before)
    opt.zero_grad()
    assert all(np.all(p.grad == 0) for p in model.parameters())


@pytest.mark.parametrize("make, message", [
    (lambda ps: mb.SGD(ps, lr=0), "lr"),
    (lambda ps: mb.SGD(ps, lr=-1e-3), "lr"),
    (lambda ps: mb.Adam(ps, lr=float("nan")), "lr"),
    (lambda ps: mb.Adam(ps, betas=(0.9, 1.0)), r"betas\[1\]"),
    (lambda ps: mb.Adam(ps, betas=(-0.1, 0.9)), r"betas\[0\]"),
    (lambda ps: mb.Adam(ps, betas=0.9), "pair"),
    (lambda ps: mb.Momentum(ps, lr=0.1, beta=1.2), "beta"),
    (lambda ps: mb.RMSprop(ps, alpha=1.0), "alpha"),
    (lambda ps: mb.AdaDelta(ps, rho=-0.5), "rho"),
    (lambda ps: mb.SGD(ps, lr=0.1, weight_decay=-1), "weight_decay"),
])
def test_bad_arguments_are_named(make, message):
    with pytest.raises(ValueError, match=message):
        make([P([1.0])])


def test_bad_parameter_lists():
    with pytest.raises(ValueError, match="empty"):
        mb.Adam([])
    model = mb.Sequential(mb.Dense(2, 2, rng=0))
    with pytest.raises(TypeError, match=r"model.parameters\(\)"):
        mb.Adam(model)
    with pytest.raises(TypeError, match="not a parameter"):
        mb.SGD([np.zeros(3)], lr=0.1)
    p = P([1.0])
    with pytest.raises(ValueError, match="twice"):
        mb.SGD([p, p], lr=0.1)


def test_clip_grad_value():
    a, b = P([0.0, 0.0, 0.0]), P([0.0])
    a.grad[...] = [-3.0, 0.5, 2.0]
    b.grad[...] = [-0.1]
    mb.clip_grad_value([a, b], 1.0)
    np.testing.assert_array_equal(a.grad, [-1.0, 0.5, 1.0])
    np.testing.assert_array_equal(b.grad, [-0.1])


def test_clip_grad_norm():
    a, b = P([0.0, 0.0]), P([0.0])
    a.grad[...] = [3.0, 0.0]
    b.grad[...] = [-4.0]  # global norm 5
    norm = mb.clip_grad_norm([a, b], 2.5)
    assert norm == pytest.approx(5.0)
    np.testing.assert_allclose(a.grad, [1.5, 0.0])  # halved: same direction, norm 2.5
    np.testing.assert_allclose(b.grad, [-2.0])
    assert mb.clip_grad_norm([a, b], 10.0) == pytest.approx(2.5)  # below the bound: unchanged
    np.testing.assert_allclose(b.grad, [-2.0])
    b.grad[...] = [np.inf]
    with pytest.raises(ValueError, match="not finite"):
        mb.clip_grad_norm([a, b], 1.0)
    with pytest.raises(ValueError, match="max_norm"):
        mb.clip_grad_norm([a], 0.0)
