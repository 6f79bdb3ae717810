"""The explorers of chapters 10-11 (mb.widgets): their building blocks and callbacks."""

import numpy as np
import pytest

import mlpbook as mb
from mlpbook import widgets

# ---- chapter 10 ----

@pytest.mark.parametrize("bn", [False, True])
def test_mlp_with_and_without_batchnorm_layers_and_parameter_count(bn):
    model = mb.mlp([2, 5, 5, 5, 1], batchnorm=bn, rng=0)
    kinds = [type(layer).__name__ for layer in model.layers]
    block = ["Dense", "BatchNorm", "ReLU"] if bn else ["Dense", "ReLU"]
    assert kinds == block * 3 + ["Dense"]
    hidden = [layer for layer in model.layers[:-1] if isinstance(layer, mb.Dense)]
    assert all((layer.b is None) == bn for layer in hidden)
    weights = 2 * 5 + 5 * 5 + 5 * 5 + 5 * 1
    extra = 3 * 2 * 5 if bn else 3 * 5  # γ and β per unit, or a bias per unit
    assert model.n_params == weights + extra + 1


def test_mlp_uses_he_initialisation():
    model = mb.mlp([2, 400, 400, 1], rng=0)
    W = model.layers[2].W  # 400 -> 400
    assert abs(W.var() * 400 / 2 - 1) < 0.02


def test_mlp_rejects_bad_sizes():
    with pytest.raises(ValueError, match="at least two positive widths"):
        mb.mlp([2])


def test_bn_moons_is_standardised():
    X, y = widgets.bn_moons(n=300, seed=1)
    assert X.shape == (300, 2) and y.shape == (300, 1)
    assert np.allclose(X.mean(axis=0), 0, atol=1e-12) and np.allclose(X.std(axis=0), 1)
    assert set(np.unique(y)) == {0.0, 1.0}


def test_bn_comparison_plain_diverges_and_bn_trains_at_a_large_rate():
    runs = widgets.bn_comparison(lr=1.0, depth=10, epochs=3)
    assert runs["plain"].diverged and not np.isfinite(runs["plain"].loss[-1])
    bn = runs["batchnorm"]
    assert not bn.diverged and bn.epochs == 3 and bn.loss[-1] < bn.loss[0] < 0.7


def test_bn_comparison_matches_a_direct_fit():
    runs = widgets.bn_comparison(lr=0.05, depth=2, width=8, epochs=2, seed=3)
    X, y = widgets.bn_moons(seed=3)
    for name, bn in (("plain", False), ("batchnorm", True)):
        model = mb.mlp([2, 8, 8, 1], batchnorm=bn, rng=3)
        h = mb.fit(model, mb.BCEWithLogitsLoss(), mb.SGD(model.parameters(), lr=0.05), X, y,
                   epochs=2, batch_size=50, rng=3, progress=False)
        assert h.loss == runs[name].loss


def test_bn_explorer_figure_shows_both_runs():
    fig = widgets.bn_explorer_figure(lr=0.1, depth=2)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0].startswith("plain: final loss") and labels[1].startswith("batchnorm")
    runs = widgets.bn_comparison(lr=0.1, depth=2)
    assert f"{runs['batchnorm'].loss[-1]:.3f}" in labels[1]
    assert list(ax.lines[0].get_ydata()) == runs["plain"].loss


def test_bn_explorer_figure_marks_a_divergence():
    fig = widgets.bn_explorer_figure(lr=3.0, depth=10)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels[0] == "plain: diverged"
    assert any(line.get_marker() == "x" for line in fig.axes[0].lines)


def test_bn_explorer_controls():
    w = widgets.bn_explorer()
    descriptions = [getattr(c, "description", None) for c in w.children]
    assert "learning rate" in descriptions and "depth" in descriptions


# ---- chapter 11 ----

def test_overfitting_data_splits():
    d = widgets.overfitting_data(seed=0)
    sizes = {k: (X.shape, y.shape) for k, (X, y) in d.items()}
    assert sizes == {"train": ((40, 2), (40, 1)), "val": ((200, 2), (200, 1)),
                     "test": ((200, 2), (200, 1))}
    X, y = mb.datasets.two_moons(440, noise=0.35, rng=0)
    assert np.array_equal(np.concatenate([d[k][0] for k in ("train", "val", "test")]), X)
    assert np.array_equal(np.concatenate([d[k][1] for k in ("train", "val", "test")])[:, 0], y)


@pytest.mark.parametrize("p_keep", [1.0, 0.5])
def test_overfit_net_structure(p_keep):
    model = widgets.overfit_net(p_keep=p_keep, width=16, rng=0)
    drops = [layer for layer in model.layers if isinstance(layer, mb.Dropout)]
    assert len(drops) == (0 if p_keep == 1 else 2)
    assert all(d.p_keep == p_keep and d.inverted for d in drops)
    assert model.n_params == (2 * 16 + 16) + (16 * 16 + 16) + (16 + 1)


def test_jitter_moves_points_by_the_given_noise():
    X, y = np.zeros((50, 2)), np.arange(50).reshape(-1, 1)
    Xa, ya = widgets.jitter(X, y, sigma=0.3, copies=40, rng=0)
    assert Xa.shape == (2000, 2) and ya.shape == (2000, 1)
    assert np.array_equal(ya[:, 0], np.tile(np.arange(50), 40))
    assert abs(Xa.mean()) < 4 * 0.3 / np.sqrt(4000)
    assert abs(Xa.std() / 0.3 - 1) < 0.05


def test_regularization_run_l2_shrinks_the_weights():
    def weight_norm(model):
        return sum(float(np.sum(p.value**2)) for p in model.parameters() if p.name.endswith("W"))

    free, h0 = widgets.regularization_run(epochs=30)
    decayed, h1 = widgets.regularization_run(lam=0.05, epochs=30)
    assert weight_norm(decayed) < 0.7 * weight_norm(free)
    assert "penalty" in h1 and "penalty" not in h0 and h0.epochs == h1.epochs == 30


def test_regularization_run_options_reach_the_model_and_data():
    model, h = widgets.regularization_run(p_keep=0.6, sigma=0.2, copies=3, epochs=2)
    assert any(isinstance(layer, mb.Dropout) and layer.p_keep == 0.6 for layer in model.layers)
    assert len(h.val_loss) == 2
    _, again = widgets.regularization_run(p_keep=0.6, sigma=0.2, copies=3, epochs=2)
    assert again.loss == h.loss  # deterministic


def test_regularization_explorer_figure_reports_the_run():
    fig = widgets.regularization_explorer_figure(lam=0.01)
    curves, regions = fig.axes[:2]
    h = widgets.regularization_run(lam=0.01)[1]
    assert f"validation loss {h.val_loss[-1]:.3f}" in regions.get_title()
    assert list(curves.lines[3].get_ydata()) == h.val_loss
    base_val = curves.lines[1].get_ydata()  # the unregularised run overfits: worse at the end
    assert len(base_val) == 200 and base_val[-1] > 2 * h.val_loss[-1]


def test_regularization_explorer_controls():
    w = widgets.regularization_explorer()
    descriptions = [getattr(c, "description", None) for c in w.children]
    assert {"λ (L2)", "dropout: keep probability", "jitter σ"} <= set(descriptions)
