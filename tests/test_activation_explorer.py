"""The activation explorer of chapter 04 (mb.widgets): its callback computes the right numbers."""

import numpy as np
import pytest

import mlpbook as mb
from mlpbook import widgets


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


def test_every_activation_of_the_menu_is_covered():
    menu = list(widgets.activation_explorer().children[0].options)
    scalar = [name for name, spec in mb.activations.ACTIVATIONS.items() if spec.scalar]
    assert [f[0] for f in FORMULAS] == menu == scalar == list(widgets.ACTIVATION_PARAMETERS)


@pytest.mark.parametrize("name, param, f, d1, d2", FORMULAS, ids=[f[0] for f in FORMULAS])
def test_activation_curves_match_formulas(name, param, f, d1, d2):
    c = widgets.activation_curves(name, param, z_max=3.0, n=121)
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
    c = widgets.activation_curves(name, param, z_max=3.0, n=120)  # even n: 0 is not a node
    act = widgets.make_activation(name, param)
    z = c["z"]
    np.testing.assert_allclose(c["d1"], (act.function(z + h) - act.function(z - h)) / (2 * h),
                               atol=1e-8)
    if c["d2"] is not None:
        fd2 = (act.derivative(z + h) - act.derivative(z - h)) / (2 * h)
        np.testing.assert_allclose(c["d2"], fd2, atol=1e-8)


def test_make_activation_parameters_and_errors():
    assert isinstance(widgets.make_activation("leaky ReLU"), mb.LeakyReLU)
    assert widgets.make_activation("leaky ReLU").eps == 0.01
    assert widgets.make_activation("swish", 3).beta == 3.0
    assert widgets.make_activation("PReLU", 0.1).alpha.tolist() == [0.1]
    with pytest.raises(ValueError, match="expected one of"):
        widgets.make_activation("relu6")
    with pytest.raises(ValueError, match="sigmoid has no parameter"):
        widgets.make_activation("sigmoid", 0.5)
    with pytest.raises(ValueError, match="z_max must be positive"):
        widgets.activation_curves("tanh", z_max=0)


def test_explorer_figure_draws_the_curves():
    fig = widgets.activation_explorer_figure("ELU", 0.5, z_max=2.0)
    assert [ax.get_title() for ax in fig.axes] == ["σ(z)", "σ'(z)", "σ''(z)"]
    assert fig._suptitle.get_text() == "ELU, α = 0.5"
    c = widgets.activation_curves("ELU", 0.5, z_max=2.0)
    for ax, key in zip(fig.axes, ("sigma", "d1", "d2"), strict=True):
        (line,) = [ln for ln in ax.get_lines() if len(ln.get_xdata()) > 2]
        np.testing.assert_array_equal(line.get_ydata(), c[key])


def test_explorer_figure_says_when_second_derivative_is_undefined():
    fig = widgets.activation_explorer_figure("ReLU")
    third = fig.axes[2]
    assert not [ln for ln in third.get_lines() if len(ln.get_xdata()) > 2]
    assert "undefined at the kink" in third.texts[0].get_text()


def test_explorer_controls_follow_the_chosen_activation():
    w = widgets.activation_explorer()
    name, param, z_max = w.children[:3]
    assert name.value == "sigmoid" and param.disabled
    name.value = "leaky ReLU"
    assert not param.disabled and param.value == 0.01 and param.description == "ε"
    name.value = "step"
    assert (param.min, param.max, param.value) == (-1.0, 0.0, 0.0)
    name.value = "swish"
    assert (param.min, param.max, param.value, param.description) == (0.0, 5.0, 1.0, "β")
    name.value = "tanh"
    assert param.disabled
    assert z_max.value == 4.0
