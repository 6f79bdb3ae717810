"""Batch normalisation (5.38)-(5.44) against formulas written here and finite differences."""

import numpy as np
import pytest

import mlpbook as mb
from mlpbook.gradcheck import check_layer, numerical_gradient, rel_error


def make_bn(n=4, seed=0, **kw):
    rng = np.random.default_rng(seed)
    bn = mb.BatchNorm(n, **kw)
    bn.gamma[...] = rng.uniform(0.5, 2.0, n)
    bn.beta[...] = rng.standard_normal(n)
    return bn, rng


def test_training_forward_standardises_each_unit():
    bn, rng = make_bn()
    Z = 3.0 + 2.5 * rng.standard_normal((50, 4))
    out = bn.forward(Z, training=True)
    mu, var = Z.mean(axis=0), ((Z - Z.mean(axis=0)) ** 2).mean(axis=0)  # (5.38)
    np.testing.assert_allclose(out, bn.gamma * (Z - mu) / np.sqrt(var + 1e-5) + bn.beta)
    # mean β and standard deviation γ·σ/√(σ² + ε) over the batch, as stated after (5.40)
    np.testing.assert_allclose(out.mean(axis=0), bn.beta, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=0), bn.gamma * np.sqrt(var / (var + 1e-5)))


def test_running_averages_and_production_forward():
    bn, rng = make_bn(3, momentum=0.8, eps=1e-3)
    run_mean, run_var = np.zeros(3), np.ones(3)
    for _ in range(5):
        Z = rng.normal(2.0, 3.0, (20, 3))
        bn.forward(Z, training=True)
        run_mean = 0.8 * run_mean + 0.2 * Z.mean(axis=0)  # old value weighted by momentum
        run_var = 0.8 * run_var + 0.2 * Z.var(axis=0)
    np.testing.assert_allclose(bn.running_mean, run_mean, rtol=1e-13)
    np.testing.assert_allclose(bn.running_var, run_var, rtol=1e-13)
    x = rng.standard_normal((1, 3))  # a single sample works in production (5.41)
    expected = bn.gamma * (x - run_mean) / np.sqrt(run_var + 1e-3) + bn.beta
    np.testing.assert_allclose(bn.forward(x), expected, rtol=1e-13)
    before = bn.running_mean.copy()
    bn.forward(rng.standard_normal((7, 3)))  # production mode never touches the statistics
    np.testing.assert_array_equal(bn.running_mean, before)


def test_training_backward_matches_finite_differences_with_random_upstream():
    bn, rng = make_bn(5, seed=1)
    Z = rng.normal(1.0, 2.0, (8, 5))
    errors = check_layer(bn, Z, rng=rng, training=True)  # random upstream gradient G
    assert max(errors.values()) < 1e-7, errors


def test_production_backward_matches_finite_differences():
    bn, rng = make_bn(3, seed=2)
    bn.running_mean[...] = rng.standard_normal(3)
    bn.running_var[...] = rng.uniform(0.5, 2, 3)
    errors = check_layer(bn, rng.standard_normal((6, 3)), rng=rng, training=False)
    assert max(errors.values()) < 1e-7, errors


def independent_bn_backward(Z, G, gamma, eps):
    """The compact form of the BN gradient, written without the intermediate ∂C/∂σ̂², ∂C/∂μ̂:
    ∂C/∂z = γ/(n √(σ̂²+ε)) · (n G − Σ G − z̄ Σ G z̄), per unit."""
    n = Z.shape[0]
    mu = Z.sum(axis=0) / n
    var = ((Z - mu) ** 2).sum(axis=0) / n
    zbar = (Z - mu) / np.sqrt(var + eps)
    dZ = gamma / (n * np.sqrt(var + eps)) * (n * G - G.sum(axis=0) - zbar * (G * zbar).sum(axis=0))
    return dZ, (G * zbar).sum(axis=0), G.sum(axis=0)


@pytest.mark.parametrize("n_b", [2, 3, 16])
def test_training_backward_matches_independent_formula(n_b):
    bn, rng = make_bn(4, seed=n_b)
    Z = rng.normal(-1.0, 0.7, (n_b, 4))
    G = rng.standard_normal((n_b, 4))
    bn.forward(Z, training=True)
    dZ = bn.backward(G)
    ref_dZ, ref_dgamma, ref_dbeta = independent_bn_backward(Z, G, bn.gamma, bn.eps)
    assert rel_error(dZ, ref_dZ) < 1e-12
    assert rel_error(bn.dgamma, ref_dgamma) < 1e-12
    assert rel_error(bn.dbeta, ref_dbeta) < 1e-12


def test_all_ones_upstream_gradient_proves_nothing():
    """With G = 1 the loss Σ z̃ = n Σβ does not depend on z: dz is exactly zero, so a gradient
    check with an all-ones upstream gradient would pass for many wrong backward passes."""
    bn, rng = make_bn(3, seed=3)
    Z = rng.standard_normal((10, 3))
    bn.forward(Z, training=True)
    assert np.abs(bn.backward(np.ones((10, 3)))).max() < 1e-12
    bn.forward(Z, training=True)
    assert np.abs(bn.backward(rng.standard_normal((10, 3)))).max() > 1e-3


def test_in_a_network_gradcheck_training_mode():
    rng = np.random.default_rng(4)
    model = mb.Sequential(mb.Dense(3, 5, rng=rng), mb.BatchNorm(5), mb.Tanh(),
                          mb.Dense(5, 2, rng=rng))
    model[1].gamma[...] = rng.uniform(0.5, 1.5, 5)
    X, y = rng.standard_normal((7, 3)), rng.integers(0, 2, 7)
    errors = mb.gradcheck.check_model(model, mb.CrossEntropyLoss(), X, y, training=True)
    # the bias before BN has no effect (BN subtracts the batch mean): its gradient is zero, and
    # the relative error of two numbers that are both ~0 means nothing
    assert np.abs(model[0].db).max() < 1e-12
    del errors["0.b"]
    assert max(errors.values()) < 1e-7, errors


def test_fold_batchnorm_gives_equal_production_outputs():
    rng = np.random.default_rng(5)
    for bias in (True, False):
        dense = mb.Dense(4, 3, bias=bias, rng=rng)
        if bias:
            dense.b[...] = rng.standard_normal(3)
        bn, _ = make_bn(3, seed=6)
        for _ in range(3):  # collect running statistics
            bn.forward(dense.forward(rng.normal(1, 2, (16, 4))), training=True)
        X = rng.standard_normal((10, 4))
        folded = mb.fold_batchnorm(dense, bn)
        assert isinstance(folded, mb.Dense) and folded is not dense
        np.testing.assert_allclose(folded.forward(X), bn.forward(dense.forward(X)), rtol=1e-12,
                                   atol=1e-13)
    with pytest.raises(ValueError, match="3 outputs"):
        mb.fold_batchnorm(mb.Dense(2, 3, rng=0), mb.BatchNorm(4))


def test_float32_stays_float32_and_astype():
    bn = mb.BatchNorm(3, dtype=np.float32)
    Z = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    out = bn.forward(Z, training=True)
    assert out.dtype == np.float32 and bn.running_var.dtype == np.float32
    assert bn.backward(np.ones_like(out)).dtype == np.float32 and bn.dgamma.dtype == np.float32
    bn.astype(np.float64)
    assert all(a.dtype == np.float64 for a in (bn.gamma, bn.beta, bn.dgamma, bn.running_mean))
    assert {p.name for p in bn.parameters()} == {"gamma", "beta"}
    assert bn.config() == {"n": 3, "momentum": 0.9, "eps": 1e-5, "dtype": "float64"}


def test_errors():
    with pytest.raises(ValueError, match="at least 2 samples"):
        mb.BatchNorm(2).forward(np.ones((1, 2)), training=True)
    with pytest.raises(ValueError, match=r"\(n, 3\)"):
        mb.BatchNorm(3).forward(np.ones((4, 2)))
    with pytest.raises(ValueError, match="momentum"):
        mb.BatchNorm(3, momentum=1.0)
    with pytest.raises(ValueError, match="positive integer"):
        mb.BatchNorm(0)
    with pytest.raises(RuntimeError, match="before forward"):
        mb.BatchNorm(2).backward(np.ones((3, 2)))


def test_numerical_gradient_of_gamma_directly():
    """∂C/∂γ of (5.42) against a finite difference on γ itself, C = Σ G ⊙ z̃."""
    bn, rng = make_bn(2, seed=7)
    Z, G = rng.standard_normal((6, 2)), rng.standard_normal((6, 2))
    bn.forward(Z, training=True)
    bn.backward(G)
    num = numerical_gradient(lambda: float(np.sum(bn.forward(Z, training=True) * G)), bn.gamma)
    assert rel_error(bn.dgamma, num) < 1e-8
