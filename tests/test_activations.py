"""Every activation: values against closed forms, derivatives against finite differences, and the
layer's backward pass against a gradient check with a random upstream gradient."""

import copy
import warnings

import numpy as np
import pytest

import mlpbook as mb
from mlpbook.gradcheck import check_layer, rel_error

rng = np.random.default_rng(1234)

# (layer, reference function written independently of the library)
SCALAR = {
    "Identity": (mb.Identity(), lambda z: z),
    "Step": (mb.Step(), lambda z: (z >= 0).astype(float)),
    "Step(-1)": (mb.Step(low=-1.0), lambda z: np.where(z >= 0, 1.0, -1.0)),
    "Sigmoid": (mb.Sigmoid(), lambda z: 1 / (1 + np.exp(-z))),
    "Tanh": (mb.Tanh(), lambda z: (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z))),
    "ReLU": (mb.ReLU(), lambda z: np.maximum(0, z)),
    "LeakyReLU": (mb.LeakyReLU(0.1), lambda z: np.maximum(0, z) + np.minimum(0, 0.1 * z)),
    "PReLU": (mb.PReLU(alpha=0.3), lambda z: np.where(z >= 0, z, 0.3 * z)),
    "ELU": (mb.ELU(0.7), lambda z: np.where(z > 0, z, 0.7 * (np.exp(z) - 1))),
    "SELU": (mb.SELU(), lambda z: 1.0507009873554805 * np.where(
        z > 0, z, 1.6732632423543772 * (np.exp(z) - 1))),
    "Softplus": (mb.Softplus(), lambda z: np.log(1 + np.exp(z))),
    "Softsign": (mb.Softsign(), lambda z: z / (1 + np.abs(z))),
    "Arctan": (mb.Arctan(), np.arctan),
    "Swish": (mb.Swish(), lambda z: z / (1 + np.exp(-z))),
}
SMOOTH_SECOND = ["Identity", "Sigmoid", "Tanh", "Softplus", "Arctan", "Swish"]


def away_from_kinks(shape):
    """Random pre-activations kept at least 0.05 away from 0, where several activations kink."""
    z = rng.standard_normal(shape) * 2
    return np.where(np.abs(z) < 0.05, 0.5, z)


def fd(f, z, h=1e-6):
    return (f(z + h) - f(z - h)) / (2 * h)


@pytest.mark.parametrize("name", SCALAR)
def test_values_match_closed_form(name):
    layer, ref = SCALAR[name]
    z = away_from_kinks((7, 5))
    np.testing.assert_allclose(layer.forward(z), ref(z), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", SCALAR)
def test_derivative_matches_finite_differences(name):
    layer, ref = SCALAR[name]
    z = away_from_kinks(200)
    np.testing.assert_allclose(layer.derivative(z), fd(ref, z), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", SMOOTH_SECOND + ["ELU", "SELU", "Softsign"])
def test_second_derivative_matches_finite_differences(name):
    layer, _ = SCALAR[name]
    z = away_from_kinks(200)
    np.testing.assert_allclose(layer.second_derivative(z), fd(layer.derivative, z),
                               rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("name", SCALAR)
def test_layer_backward_passes_gradcheck(name):
    layer, _ = SCALAR[name]
    errors = check_layer(layer, away_from_kinks((6, 4)), rng=rng)
    assert max(errors.values()) < 1e-7, errors


def test_relu_derivative_at_zero_follows_the_book():
    # (5.17): the derivative at 0 is taken equal to the one for u > 0
    assert mb.ReLU().derivative(np.array([0.0]))[0] == 1.0
    assert mb.LeakyReLU(0.01).derivative(np.array([0.0]))[0] == 1.0


def test_prelu_learns_its_slope_per_unit():
    layer = mb.PReLU(alpha=0.2, n=3)
    z = away_from_kinks((8, 3))
    errors = check_layer(layer, z, rng=rng)
    assert max(errors.values()) < 1e-7
    assert layer.dalpha.shape == (3,)
    with pytest.raises(ValueError, match=r"PReLU\(n=3\).*\(n, 3\).*\(8, 4\)"):
        layer.forward(np.ones((8, 4)))


def test_softmax_rows_are_distributions_and_stable():
    z = np.array([[1e4, 0.0, -1e4], [3.0, 3.0, 3.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = mb.Softmax().forward(z)
    np.testing.assert_allclose(s.sum(axis=1), 1.0)
    np.testing.assert_allclose(s[0], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(s[1], [1 / 3] * 3)


def test_softmax_jacobian_5_19_matches_finite_differences():
    z = rng.standard_normal(5)
    numerical = np.stack([fd(lambda t, j=j: mb.activations.softmax(
        z + t * np.eye(5)[j]), 0.0) for j in range(5)], axis=1)  # column j = ∂s/∂z_j
    J = mb.Softmax.jacobian(z)
    assert rel_error(J, numerical) < 1e-9
    s = mb.activations.softmax(z)
    np.testing.assert_allclose(np.diag(J), s * (1 - s))  # i = j case of (5.19)
    assert mb.Softmax.jacobian(rng.standard_normal((4, 5))).shape == (4, 5, 5)


def test_softmax_backward_is_jacobian_transpose_times_upstream():
    Z, G = rng.standard_normal((4, 6)), rng.standard_normal((4, 6))
    layer = mb.Softmax()
    layer.forward(Z)
    expected = np.einsum("nij,ni->nj", mb.Softmax.jacobian(Z), G)
    np.testing.assert_allclose(layer.backward(G), expected, rtol=1e-12, atol=1e-14)
    assert max(check_layer(mb.Softmax(), Z, rng=rng).values()) < 1e-7


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", SCALAR)
def test_extreme_inputs_stay_finite_without_warnings(name, dtype):
    layer = copy.deepcopy(SCALAR[name][0]).astype(dtype)  # layers with parameters take a dtype
    z = np.array([[-1e4, -50.0, 0.0, 50.0, 1e4]], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = layer.forward(z)
        d = layer.backward(np.ones_like(z))
    assert np.all(np.isfinite(a)) and np.all(np.isfinite(d))
    assert a.dtype == dtype and d.dtype == dtype


def test_backward_before_forward_and_wrong_upstream_shape_are_clear_errors():
    with pytest.raises(RuntimeError, match="before forward"):
        mb.Tanh().backward(np.ones((2, 2)))
    layer = mb.ReLU()
    layer.forward(np.ones((3, 2)))
    with pytest.raises(ValueError, match=r"\(3, 2\).*\(2, 3\)"):
        layer.backward(np.ones((2, 3)))


@pytest.mark.parametrize("name", SCALAR)
def test_float64_upstream_gradient_does_not_upcast_a_float32_backward(name):
    layer = copy.deepcopy(SCALAR[name][0]).astype(np.float32)
    z = away_from_kinks((3, 4)).astype(np.float32)
    assert layer.forward(z).dtype == np.float32
    assert layer.backward(np.ones((3, 4))).dtype == np.float32


# ---- the registry of activations by name ----

def test_the_registry_names_every_activation_class_once():
    from mlpbook.activations import ACTIVATIONS
    classes = [getattr(mb, n) for n in mb.activations.__all__
               if isinstance(getattr(mb, n, None), type) and issubclass(getattr(mb, n), mb.Layer)
               and getattr(mb, n) is not mb.Activation]
    names = sorted(s.cls.__name__ for s in ACTIVATIONS.values())
    assert sorted(c.__name__ for c in classes) == names
    for name, spec in ACTIVATIONS.items():
        assert spec.name == name
        layer = spec.make()
        assert type(layer) is spec.cls
        if spec.param is not None:
            assert spec.low <= spec.default <= spec.high
            assert np.ravel(getattr(layer, spec.param))[0] == spec.default
            assert np.ravel(getattr(spec.make(spec.high), spec.param))[0] == spec.high


def test_every_module_looks_activations_up_in_the_registry():
    from mlpbook.activations import ACTIVATIONS
    from mlpbook.diagnostics import deep_mlp
    from mlpbook.io import layer_registry
    registry = layer_registry()
    for name, spec in ACTIVATIONS.items():
        assert registry[spec.cls.__name__] is spec.cls
        if spec.scalar:
            assert type(deep_mlp([2, 2], activation=name, rng=0).layers[1]) is spec.cls
    with pytest.raises(ValueError, match="expected one of"):
        mb.activations.make_activation("relu6")


def test_make_activation_parameters_and_errors():
    assert isinstance(mb.activations.make_activation("leaky ReLU"), mb.LeakyReLU)
    assert mb.activations.make_activation("leaky ReLU").eps == 0.01
    assert mb.activations.make_activation("swish", 3).beta == 3.0
    assert mb.activations.make_activation("PReLU", 0.1).alpha.tolist() == [0.1]
    with pytest.raises(ValueError, match="expected one of"):
        mb.activations.make_activation("relu6")
    with pytest.raises(ValueError, match="sigmoid has no parameter"):
        mb.activations.make_activation("sigmoid", 0.5)
    with pytest.raises(ValueError, match="z_max must be positive"):
        mb.experiments.activation_curves("tanh", z_max=0)


# ---- edges: outputs kept for backward, the ends of float64, bad arguments ----

@pytest.mark.parametrize("layer", [mb.Sigmoid(), mb.Tanh(), mb.Softmax()], ids=repr)
def test_an_output_kept_for_backward_cannot_be_corrupted_by_the_caller(layer):
    Z = rng.standard_normal((4, 3))
    G = rng.standard_normal((4, 3))
    out = layer.forward(Z)
    expected = layer.backward(G)
    with pytest.raises(ValueError, match="read-only"):
        out *= 0
    np.testing.assert_array_equal(layer.backward(G), expected)


EDGE = np.array([-1.7e308, -1e300, -1e160, -1e80, -40.0, 0.0, 40.0, 1e80, 1e160, 1e300, 1.7e308])


@pytest.mark.parametrize("name", [n for n, s in mb.activations.ACTIVATIONS.items() if s.scalar])
def test_no_nan_at_the_ends_of_float64(name):
    """σ, σ', σ'' and backward give numbers (±inf only where the true value overflows), and no
    warning other than that overflow."""
    acts = [mb.activations.ACTIVATIONS[name].make()]
    if name == "swish":
        acts.append(mb.Swish(beta=2))  # βz overflows before z does
    values = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="ignore"):  # SELU(1.7e308) overflows: its value is beyond float64
            for act in acts:
                values += [act.function(EDGE), act.derivative(EDGE)]
                if hasattr(act, "second_derivative"):
                    values.append(act.second_derivative(EDGE))
                act.forward(EDGE.reshape(1, -1))
                values.append(act.backward(np.ones((1, EDGE.size))))
    for v in values:
        assert not np.any(np.isnan(v)), v


def test_the_limits_at_the_ends_of_float64():
    z = np.array([-1.7e308, 1.7e308])
    np.testing.assert_array_equal(mb.Swish(beta=2).derivative(z), [0.0, 1.0])
    np.testing.assert_array_equal(mb.Swish(beta=2).second_derivative(z), [0.0, 0.0])
    np.testing.assert_array_equal(mb.Arctan().second_derivative(z), [0.0, 0.0])
