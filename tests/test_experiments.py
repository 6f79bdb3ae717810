"""mb.experiments: the chapters' experiments behind the figures and explorers compute the right
numbers (closed forms, independent reimplementations, direct runs of mb.fit). NumPy only: the
explorers that draw them are tested in test_explorers.py."""

import numpy as np
import pytest

import mlpbook as mb
from mlpbook import experiments as ex

# ---- chapter 03: the data and classifiers of Figure 5.3 ------------------------------------------

def test_wavy_boundary_data_labels_follow_the_curve():
    X, y = mb.experiments.wavy_boundary_data(200, rng=3)
    assert X.shape == (200, 2) and np.all(np.abs(X) <= 2)
    np.testing.assert_array_equal(y, X[:, 1] > np.sin(3 * X[:, 0]))
    X2, _ = mb.experiments.wavy_boundary_data(200, rng=3)
    np.testing.assert_array_equal(X, X2)


def test_train_full_batch_first_step_is_gradient_descent_on_bce():
    X, y = mb.experiments.wavy_boundary_data(50, rng=0)
    model = mb.experiments.boundary_classifier(0, rng=0)
    w0, b0 = model[0].W.copy(), model[0].b.copy()
    history = mb.experiments.train_full_batch(model, X, y, lr=0.5, epochs=1)
    z = X @ w0[0] + b0[0]
    p = 1 / (1 + np.exp(-z))
    bce = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert history[0] == pytest.approx(bce, rel=1e-12)
    np.testing.assert_allclose(model[0].W[0], w0[0] - 0.5 * X.T @ (p - y) / 50, rtol=1e-12)
    np.testing.assert_allclose(model[0].b, b0 - 0.5 * np.mean(p - y), rtol=1e-12)


def test_hidden_units_bend_the_boundary():
    X, y = mb.experiments.wavy_boundary_data()
    results = {}
    for n in (0, 10):
        model = mb.experiments.boundary_classifier(n)
        history = mb.experiments.train_full_batch(model, X, y, epochs=1500)
        assert history[-1] < history[0]
        results[n] = np.mean((model.forward(X)[:, 0] > 0) == y)
    assert results[0] < 0.9 < 0.95 < results[10]


# ---- chapter 04: the activation explorer's curves ------------------------------------------------

def sig(z):
    return 1 / (1 + np.exp(-z))


# name, parameter, σ, σ', σ'' written out independently (None: no second derivative)
FORMULAS = [
    ("identity", None, lambda z: z, lambda z: 1 + 0 * z, lambda z: 0 * z),
    ("step", -1.0, lambda z: np.where(z >= 0, 1.0, -1.0), lambda z: 0 * z, None),
    ("sigmoid", None, sig, lambda z: sig(z) * (1 - sig(z)),
     lambda z: sig(z) * (1 - sig(z)) * (1 - 2 * sig(z))),
    ("tanh", None, np.tanh, lambda z: 1 / np.cosh(z) ** 2,
     lambda z: -2 * np.tanh(z) / np.cosh(z) ** 2),
    ("ReLU", None, lambda z: np.maximum(z, 0), lambda z: (z >= 0) * 1.0, None),
    ("leaky ReLU", 0.2, lambda z: np.maximum(z, 0.2 * z), lambda z: np.where(z >= 0, 1, 0.2),
     None),
    ("PReLU", 0.5, lambda z: np.maximum(z, 0.5 * z), lambda z: np.where(z >= 0, 1, 0.5), None),
    ("ELU", 0.5, lambda z: np.where(z > 0, z, 0.5 * (np.exp(z) - 1)),
     lambda z: np.where(z > 0, 1, 0.5 * np.exp(z)), lambda z: np.where(z > 0, 0, 0.5 * np.exp(z))),
    ("SELU", None, lambda z: 1.0507009873554805 * np.where(z > 0, z, 1.6732632423543772 *
                                                           (np.exp(z) - 1)),
     lambda z: 1.0507009873554805 * np.where(z > 0, 1, 1.6732632423543772 * np.exp(z)),
     lambda z: 1.0507009873554805 * np.where(z > 0, 0, 1.6732632423543772 * np.exp(z))),
    ("softplus", None, lambda z: np.log(1 + np.exp(z)), sig, lambda z: sig(z) * (1 - sig(z))),
    ("softsign", None, lambda z: z / (1 + abs(z)), lambda z: (1 + abs(z)) ** -2.0,
     lambda z: -2 * np.sign(z) * (1 + abs(z)) ** -3.0),
    ("arctan", None, np.arctan, lambda z: 1 / (1 + z * z), lambda z: -2 * z / (1 + z * z) ** 2),
    ("swish", 2.0, lambda z: z * sig(2 * z),
     lambda z: sig(2 * z) + 2 * z * sig(2 * z) * sig(-2 * z),
     lambda z: 2 * sig(2 * z) * sig(-2 * z) * (2 + 2 * z * (1 - 2 * sig(2 * z)))),
]


def test_every_scalar_activation_of_the_registry_has_its_formulas_here():
    scalar = [name for name, spec in mb.activations.ACTIVATIONS.items() if spec.scalar]
    assert [f[0] for f in FORMULAS] == scalar


@pytest.mark.parametrize("name, param, f, d1, d2", FORMULAS, ids=[f[0] for f in FORMULAS])
def test_activation_curves_match_formulas(name, param, f, d1, d2):
    c = mb.experiments.activation_curves(name, param, z_max=3.0, n=121)
    z = c["z"]
    assert z.shape == (121,) and z[0] == -3 and z[-1] == 3
    np.testing.assert_allclose(c["sigma"], f(z), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(c["d1"], d1(z), rtol=1e-12, atol=1e-14)
    if d2 is None:
        assert c["d2"] is None
    else:
        np.testing.assert_allclose(c["d2"], d2(z), rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("name, param", [(f[0], f[1]) for f in FORMULAS])
def test_activation_curves_derivatives_are_finite_differences(name, param):
    """σ' and σ'' agree with central differences of σ and σ' away from the kinks at 0."""
    h = 1e-5
    c = mb.experiments.activation_curves(name, param, z_max=3.0, n=120)  # even n: 0 is not a node
    act = mb.activations.make_activation(name, param)
    z = c["z"]
    np.testing.assert_allclose(c["d1"], (act.function(z + h) - act.function(z - h)) / (2 * h),
                               atol=1e-8)
    if c["d2"] is not None:
        fd2 = (act.derivative(z + h) - act.derivative(z - h)) / (2 * h)
        np.testing.assert_allclose(c["d2"], fd2, atol=1e-8)


# ---- chapter 10: batch normalisation, nudged starting points and the first SGD steps -------------

def test_bn_moons_is_standardised():
    X, y = mb.experiments.bn_moons(n=300, seed=1)
    assert X.shape == (300, 2) and y.shape == (300, 1)
    assert np.allclose(X.mean(axis=0), 0, atol=1e-12) and np.allclose(X.std(axis=0), 1)
    assert set(np.unique(y)) == {0.0, 1.0}


def test_bn_comparison_plain_diverges_and_bn_trains_at_a_large_rate():
    runs = mb.experiments.bn_comparison(lr=1.0, depth=10, epochs=3)
    assert runs["plain"].diverged and not np.isfinite(runs["plain"].loss[-1])
    bn = runs["batchnorm"]
    assert not bn.diverged and bn.epochs == 3 and bn.loss[-1] < bn.loss[0] < 0.7


def test_bn_comparison_matches_a_direct_fit():
    runs = mb.experiments.bn_comparison(lr=0.05, depth=2, width=8, epochs=2, seed=3)
    X, y = mb.experiments.bn_moons(seed=3)
    for name, bn in (("plain", False), ("batchnorm", True)):
        model = mb.mlp([2, 8, 8, 1], batchnorm=bn, rng=3)
        h = mb.fit(model, mb.BCEWithLogitsLoss(), mb.SGD(model.parameters(), lr=0.05), X, y,
                   epochs=2, batch_size=50, rng=3, progress=False)
        assert h.loss == runs[name].loss


def test_nudge_parameters_is_a_small_reproducible_relative_change():
    model = mb.mlp([2, 8, 1], rng=0)
    model.layers[0].b[...] = 1.0  # a non-zero bias, so biases are seen to be nudged too
    before = [p.value.copy() for p in model.parameters()]
    assert ex.nudge_parameters(model, 1e-6, rng=3) is model
    after = [p.value.copy() for p in model.parameters()]
    for b, a in zip(before, after, strict=True):
        assert np.array_equal(a[b == 0], b[b == 0])  # a relative nudge leaves zeros alone
        if np.any(b != 0):
            rel = np.abs(a[b != 0] / b[b != 0] - 1)
            assert rel.max() <= 1e-6 and rel.max() > 1e-7  # within the bound, and not nothing
    again = ex.nudge_parameters(mb.mlp([2, 8, 1], rng=0), 1e-6, rng=3)
    assert np.array_equal(again.layers[0].W, after[0])  # same generator, same nudge
    untouched = ex.nudge_parameters(mb.mlp([2, 8, 1], rng=0), 0.0, rng=3)
    assert np.array_equal(untouched.layers[0].W, before[0])


@pytest.mark.parametrize("rel", [-1e-8, float("nan"), "small"])
def test_nudge_parameters_rejects_bad_sizes(rel):
    with pytest.raises(ValueError, match="rel must be a number >= 0"):
        ex.nudge_parameters(mb.mlp([2, 3, 1], rng=0), rel)


def test_bn_run_is_one_half_of_bn_comparison_and_nudge_changes_it():
    runs = ex.bn_comparison(lr=0.05, depth=3, width=8, epochs=2, seed=1)
    for name, bn in (("plain", False), ("batchnorm", True)):
        h = ex.bn_run(lr=0.05, batchnorm=bn, depth=3, width=8, epochs=2, seed=1)
        assert h.loss == runs[name].loss
    nudged = ex.bn_run(lr=0.05, batchnorm=True, depth=3, width=8, epochs=2, seed=1, nudge=1e-6)
    gap = abs(nudged.loss[-1] - runs["batchnorm"].loss[-1])
    assert 0 < gap < 1e-3  # a small, smooth run: a tiny nudge gives a tiny change


def test_bn_first_updates_replays_the_batches_of_fit():
    # 400 points in batches of 50: 8 updates per epoch. The mean of the recorded batch losses of
    # each epoch is the epoch loss that fit reports, so the same batches and steps are used.
    kw = {"lr": 0.05, "depth": 3, "width": 8, "seed": 2}
    for bn in (False, True):
        first = ex.bn_first_updates(batchnorm=bn, updates=16, **kw)
        h = ex.bn_run(batchnorm=bn, epochs=2, **kw)
        assert np.allclose(first["loss"].reshape(2, 8).mean(axis=1), h.loss, rtol=1e-12)
        assert first["act_std"].shape == (3,) and np.all(first["act_std"] > 0)
        assert first["grad_norm"].shape == (16, 4) and first["weight_norm"].shape == (17, 4)
        # SGD: W changes by lr·∂C/∂W, so ‖W_{k+1} − W_k‖ ≥ |‖W_{k+1}‖ − ‖W_k‖|
        assert np.all(np.abs(np.diff(first["weight_norm"], axis=0))
                      <= 0.05 * first["grad_norm"] + 1e-12)


def test_bn_first_updates_shows_the_plain_blow_up_at_lr_1():
    plain = ex.bn_first_updates(lr=1.0, batchnorm=False, updates=6)
    bn = ex.bn_first_updates(lr=1.0, batchnorm=True, updates=6)
    assert plain["act_std"][-1] < plain["act_std"][0]  # at He initialisation the signal shrinks
    assert np.all(np.diff(plain["loss"]) > 0) and plain["loss"][-1] > 1e100
    assert bn["loss"].max() < 1


# ---- chapter 11: overfitting, dropout, jitter and L2 ---------------------------------------------

def test_overfitting_data_splits():
    d = mb.experiments.overfitting_data(seed=0)
    sizes = {k: (X.shape, y.shape) for k, (X, y) in d.items()}
    assert sizes == {"train": ((40, 2), (40, 1)), "val": ((200, 2), (200, 1)),
                     "test": ((200, 2), (200, 1))}
    X, y = mb.datasets.two_moons(440, noise=0.35, rng=0)
    assert np.array_equal(np.concatenate([d[k][0] for k in ("train", "val", "test")]), X)
    assert np.array_equal(np.concatenate([d[k][1] for k in ("train", "val", "test")])[:, 0], y)


@pytest.mark.parametrize("p_keep", [1.0, 0.5])
def test_overfit_net_structure(p_keep):
    model = mb.experiments.overfit_net(p_keep=p_keep, width=16, rng=0)
    drops = [layer for layer in model.layers if isinstance(layer, mb.Dropout)]
    assert len(drops) == (0 if p_keep == 1 else 2)
    assert all(d.p_keep == p_keep and d.inverted for d in drops)
    assert model.n_params == (2 * 16 + 16) + (16 * 16 + 16) + (16 + 1)


def test_jitter_moves_points_by_the_given_noise():
    X, y = np.zeros((50, 2)), np.arange(50).reshape(-1, 1)
    Xa, ya = mb.experiments.jitter(X, y, sigma=0.3, copies=40, rng=0)
    assert Xa.shape == (2000, 2) and ya.shape == (2000, 1)
    assert np.array_equal(ya[:, 0], np.tile(np.arange(50), 40))
    assert abs(Xa.mean()) < 4 * 0.3 / np.sqrt(4000)
    assert abs(Xa.std() / 0.3 - 1) < 0.05


def test_regularization_run_l2_shrinks_the_weights():
    def weight_norm(model):
        return sum(float(np.sum(p.value**2)) for p in model.parameters() if p.name.endswith("W"))

    free, h0 = mb.experiments.regularization_run(epochs=30)
    decayed, h1 = mb.experiments.regularization_run(lam=0.05, epochs=30)
    assert weight_norm(decayed) < 0.7 * weight_norm(free)
    assert "penalty" in h1 and "penalty" not in h0 and h0.epochs == h1.epochs == 30


def test_regularization_run_options_reach_the_model_and_data():
    model, h = mb.experiments.regularization_run(p_keep=0.6, sigma=0.2, copies=3, epochs=2)
    assert any(isinstance(layer, mb.Dropout) and layer.p_keep == 0.6 for layer in model.layers)
    assert len(h.val_loss) == 2
    _, again = mb.experiments.regularization_run(p_keep=0.6, sigma=0.2, copies=3, epochs=2)
    assert again.loss == h.loss  # deterministic
