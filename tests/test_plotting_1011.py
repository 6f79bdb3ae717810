"""Figures of chapters 10-11 (mb.plotting): learning curves, Figures 5.10, 5.11 and 3.11."""

import numpy as np
import pytest
from matplotlib.text import Annotation

from mlpbook import plotting


def test_learning_curves_draw_each_run_and_key_with_its_values():
    hist = {"a": {"loss": [3.0, 2.0, 1.0], "val_loss": [3.5, 2.5, 2.0]},
            "b": {"loss": [1.0, 0.5], "val_loss": [1.5, 1.4]}}
    ax = plotting.plot_learning_curves(hist)
    assert len(ax.lines) == 4
    for line, (run, key) in zip(ax.lines, [("a", "loss"), ("a", "val_loss"), ("b", "loss"),
                                           ("b", "val_loss")], strict=True):
        assert list(line.get_ydata()) == hist[run][key]
        assert list(line.get_xdata()) == list(range(1, len(hist[run][key]) + 1))
        assert line.get_linestyle() == ("--" if key == "loss" else "-")
    assert ax.lines[0].get_color() == ax.lines[1].get_color() != ax.lines[2].get_color()
    one = plotting.plot_learning_curves(hist, keys=("val_loss",))
    assert len(one.lines) == 2 and all(line.get_linestyle() == "-" for line in one.lines)


def test_learning_curves_errors():
    with pytest.raises(ValueError, match="at least one history"):
        plotting.plot_learning_curves({})
    with pytest.raises(ValueError, match="has no \\['val_loss'\\]"):
        plotting.plot_learning_curves({"a": {"loss": [1.0]}})


def test_figure_5_10_has_one_arrow_per_edge_of_the_bn_graph():
    ax = plotting.plot_figure_5_10()
    arrows = [t for t in ax.texts if isinstance(t, Annotation)]
    # every sample feeds μ̂ and σ̂² (3 drawn samples), μ̂ feeds σ̂², z⁽ⁱ⁾, μ̂, σ̂² feed z̄⁽ⁱ⁾,
    # z̄, γ, β feed z̃ and z̃ feeds C
    assert len(arrows) == 3 + 3 + 1 + 3 + 3 + 1
    labels = {t.get_text() for t in ax.texts if not isinstance(t, Annotation)}
    for label in (r"$\hat\mu$", r"$\hat\sigma^2$", r"$\bar z^{(i)}$", r"$\tilde z^{(i)}$",
                  r"$\gamma$", r"$\beta$", "$C$"):
        assert label in labels


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_figure_5_11_keeps_exactly_the_connections_between_kept_units(seed):
    rng = np.random.default_rng(seed)
    keep = [rng.random(5) < 0.7, rng.random(6) < 0.5, rng.random(4) < 0.5, np.ones(1, bool)]
    ax = plotting.plot_figure_5_11(keep)
    visible = [line for line in ax.lines if line.get_visible()]
    kept = [int(k.sum()) for k in keep]
    assert len(ax.lines) == 5 * 6 + 6 * 4 + 4
    assert len(visible) == sum(a * b for a, b in zip(kept[:-1], kept[1:], strict=True))
    dashed = [c for c in ax.patches if c.get_linestyle() == "--"]
    assert len(dashed) == sum(k.size - k.sum() for k in keep)


def test_figure_5_11_with_every_unit_kept_is_the_full_network():
    ax = plotting.plot_figure_5_11([np.ones(3, bool), np.ones(2, bool)])
    assert all(line.get_visible() for line in ax.lines) and len(ax.lines) == 6


def project_l1_ball(c, t):
    """Euclidean projection onto {|β₁| + |β₂| ≤ t} by soft thresholding (Duchi et al.)."""
    u = np.sort(np.abs(c))[::-1]
    css = np.cumsum(u)
    k = max(j for j in range(1, len(u) + 1) if u[j - 1] - (css[j - 1] - t) / j > 0)
    theta = (css[k - 1] - t) / k
    return np.sign(c) * np.maximum(np.abs(c) - theta, 0)


@pytest.mark.parametrize("c", [(2.0, 0.5), (1.5, 1.2), (-0.3, 2.0), (-1.0, -1.4)])
def test_constrained_minimum_with_identity_error_is_the_projection(c):
    c = np.array(c)
    l2 = plotting.constrained_minimum(np.eye(2), c, 1.0, "l2")
    l1 = plotting.constrained_minimum(np.eye(2), c, 1.0, "l1")
    assert np.allclose(l2, c / np.linalg.norm(c), atol=1e-3)
    assert np.allclose(l1, project_l1_ball(c, 1.0), atol=1e-3)


def test_constrained_minimum_lasso_corner_is_exactly_on_an_axis():
    beta = plotting.constrained_minimum(np.eye(2), (2.0, 0.5), 1.0, "l1")
    assert beta[1] == 0.0 and beta[0] == 1.0


def test_constrained_minimum_beats_every_other_boundary_point():
    A, c = np.array([[1.0, 0.5], [0.5, 2.0]]), np.array([1.5, 1.8])
    phi = np.random.default_rng(0).uniform(0, 2 * np.pi, 2000)
    disc = np.column_stack([np.cos(phi), np.sin(phi)])
    diamond = disc / np.abs(disc).sum(axis=1, keepdims=True)

    def err(b):
        d = b - c
        return np.einsum("...i,ij,...j->...", d, A, d)

    for norm, pts in (("l2", disc), ("l1", diamond)):
        best = plotting.constrained_minimum(A, c, 1.0, norm)
        assert err(best) <= err(pts).min() + 1e-9


def test_constrained_minimum_errors():
    with pytest.raises(ValueError, match="inside the ball"):
        plotting.constrained_minimum(np.eye(2), (0.2, 0.1), 1.0, "l2")
    with pytest.raises(ValueError, match="'l1' or 'l2'"):
        plotting.constrained_minimum(np.eye(2), (2.0, 0.1), 1.0, "l3")
    with pytest.raises(ValueError, match="expected A"):
        plotting.constrained_minimum(np.eye(3), (2.0, 0.1), 1.0, "l1")


def test_figure_3_11_marks_both_minimisers():
    A, c = [[1.0, 0.5], [0.5, 2.0]], (1.5, 1.8)
    axes = plotting.plot_figure_3_11(A, c, 1.0)
    assert len(axes) == 2
    for ax, norm in zip(axes, ("l1", "l2"), strict=True):
        beta = plotting.constrained_minimum(A, c, 1.0, norm)
        marker = [line for line in ax.lines if line.get_marker() == "o"]
        assert len(marker) == 1 and np.allclose(marker[0].get_xydata()[0], beta)
        assert f"({beta[0]:.2f}, {beta[1]:.2f})" in ax.get_title()


def test_reliability_diagram_draws_each_model_through_its_bins():
    from mlpbook.metrics import reliability

    rng = np.random.default_rng(1)
    p = rng.uniform(size=300)
    y = (rng.uniform(size=300) < p).astype(int)
    ax = plotting.plot_reliability_diagram({"a": (p, y), "b": (p**2, y)}, n_bins=5)
    lines = [line for line in ax.lines if line.get_label() in ("a", "b")]
    for line, q in zip(lines, (p, p**2), strict=True):
        mean_p, freq, count = reliability(q, y, 5)
        full = count > 0
        np.testing.assert_allclose(line.get_xdata(), mean_p[full])
        np.testing.assert_allclose(line.get_ydata(), freq[full])
    with pytest.raises(ValueError, match="at least one model"):
        plotting.plot_reliability_diagram({})
