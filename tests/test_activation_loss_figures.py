"""Figures of chapters 04-05 (mb.plotting): the plotted numbers are the activations and losses,
compared with formulas written out here."""

import numpy as np
import pytest

import mlpbook as mb
from mlpbook import plotting

Z = np.linspace(-3.0, 3.0, 61)


def data_lines(ax):
    """The curves of an axes, without the faint zero lines (axhline/axvline)."""
    return [ln for ln in ax.get_lines() if len(ln.get_xdata()) > 2]


@pytest.mark.parametrize("act, order, formula", [
    (mb.Sigmoid(), 0, lambda z: 1 / (1 + np.exp(-z))),
    (mb.Tanh(), 1, lambda z: 1 / np.cosh(z) ** 2),
    (mb.Arctan(), 2, lambda z: -2 * z / (1 + z * z) ** 2),
    (mb.LeakyReLU(0.2), 1, lambda z: np.where(z >= 0, 1.0, 0.2)),
])
def test_plot_activation_draws_the_requested_derivative(act, order, formula):
    ax = plotting.plot_activation(act, z=Z, order=order)
    (line,) = data_lines(ax)
    np.testing.assert_allclose(line.get_xdata(), Z)
    np.testing.assert_allclose(line.get_ydata(), formula(Z), rtol=1e-12, atol=1e-14)


def test_plot_activation_default_grid_is_seed_000_range():
    (line,) = data_lines(plotting.plot_activation(mb.ReLU()))
    assert line.get_xdata()[0] == -4 and line.get_xdata()[-1] == 4


def test_plot_activation_rejects_missing_derivative_and_bad_order():
    with pytest.raises(ValueError, match="second_derivative"):
        plotting.plot_activation(mb.ReLU(), order=2)
    with pytest.raises(ValueError, match="order must be 0, 1 or 2"):
        plotting.plot_activation(mb.Sigmoid(), order=3)


def test_figures_4_x_show_function_then_derivative():
    fig = plotting.plot_activation_and_derivative(mb.ReLU(), "ReLU", z=Z)
    left, right = fig.axes
    assert (left.get_title(), right.get_title()) == ("ReLU", "Derivative")
    np.testing.assert_array_equal(data_lines(left)[0].get_ydata(), np.maximum(Z, 0))
    np.testing.assert_array_equal(data_lines(right)[0].get_ydata(), (Z >= 0).astype(float))


def test_activation_grid_one_panel_per_activation_and_spares_hidden():
    acts = {"softplus": mb.Softplus(), "softsign": mb.Softsign(), "tanh": mb.Tanh()}
    fig = plotting.plot_activation_grid(acts, z=Z, ncols=2)
    assert len(fig.axes) == 4 and not fig.axes[3].axison
    ax = fig.axes[0]
    assert ax.get_title() == "softplus"
    sigma, dsigma = data_lines(ax)
    np.testing.assert_allclose(sigma.get_ydata(), np.log(1 + np.exp(Z)), rtol=1e-12)
    np.testing.assert_allclose(dsigma.get_ydata(), 1 / (1 + np.exp(-Z)), rtol=1e-12)
    assert dsigma.get_linestyle() == "--"
    np.testing.assert_allclose(data_lines(fig.axes[1])[1].get_ydata(), 1 / (1 + np.abs(Z)) ** 2)


def test_figure_5_6_panels():
    fig = plotting.plot_figure_5_6(z=Z, eps=(0.1, 0.3))
    a, b = fig.axes
    curves = {ln.get_label(): ln.get_ydata() for ln in data_lines(a)}
    np.testing.assert_array_equal(curves["step (5.16)"], np.where(Z >= 0, 1.0, -1.0))
    # the rescaled sigmoid of panel (a) is tanh(z/2), not tanh(z)
    np.testing.assert_allclose(curves["scaled sigmoid 2σ(z) − 1"], np.tanh(Z / 2), atol=1e-14)
    np.testing.assert_allclose(curves["tanh"], np.tanh(Z))
    lines = {ln.get_label(): ln.get_ydata() for ln in data_lines(b)}
    assert set(lines) == {"ReLU (5.17)", "leaky ReLU, ε = 0.1", "leaky ReLU, ε = 0.3"}
    neg = Z < 0
    np.testing.assert_allclose(lines["leaky ReLU, ε = 0.3"][neg] / Z[neg], 0.3)
    np.testing.assert_allclose(lines["leaky ReLU, ε = 0.3"][~neg], Z[~neg])


@pytest.mark.parametrize("loss, targets, value, grad", [
    (mb.SquaredLoss(), np.full((61, 1), 0.5), lambda z: 0.5 * (z - 0.5) ** 2, lambda z: z - 0.5),
    (mb.BCEWithLogitsLoss(), np.ones((61, 1)), lambda z: np.log1p(np.exp(-z)),
     lambda z: 1 / (1 + np.exp(-z)) - 1),
    (mb.CrossEntropyLoss(reduction="sum"), np.zeros(61, dtype=int),  # logits (z, 0), label 0
     lambda z: np.log(np.exp(z) + 1) - z, lambda z: np.exp(z) / (np.exp(z) + 1) - 1),
])
def test_plot_loss_and_gradient_per_sample(loss, targets, value, grad):
    outputs = Z[:, None] if targets.ndim == 2 else np.column_stack([Z, np.zeros_like(Z)])
    ax = plotting.plot_loss_and_gradient(loss, outputs, targets, label="pair")
    values, grads = ax.get_lines()
    np.testing.assert_allclose(values.get_xdata(), Z)
    np.testing.assert_allclose(values.get_ydata(), value(Z), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(grads.get_ydata(), grad(Z), rtol=1e-10, atol=1e-12)
    assert values.get_label() == "pair" and grads.get_color() == values.get_color()
