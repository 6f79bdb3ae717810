"""Exercise set 04: the new question (PReLU backward) and the cases that catch the usual slips,
checked against formulas written out here and finite differences."""

import math

import numpy as np
import pytest

from mlpbook.gradcheck import numerical_gradient
from mlpbook.grading import get_question


def ref(qid):
    return get_question(qid).reference


def test_sigmoid_derivative_is_accurate_in_the_tails():
    z = np.array([40.0, -40.0, 300.0, -700.0])
    exact = [math.exp(-abs(v)) / (1 + math.exp(-abs(v))) ** 2 for v in z]
    np.testing.assert_allclose(ref("04.sigmoid_derivative")(z), exact, rtol=1e-14, atol=0)
    assert ref("04.sigmoid_derivative")(np.float32([3.0])).dtype == np.float32


def test_the_tail_case_is_where_s_times_one_minus_s_vanishes():
    [tails] = [c for c in get_question("04.sigmoid_derivative").make_cases()
               if "tails" in c.label]
    (z,) = tails.args
    s = 1 / (1 + np.exp(-np.abs(z)))
    assert np.all(s * (1 - s) == 0) and np.all(ref("04.sigmoid_derivative")(z) > 1e-305)


def test_softmax_has_a_case_that_one_global_maximum_breaks():
    [case] = [c for c in get_question("04.softmax").make_cases()
              if "one maximum per row" in c.label]
    (Z,) = case.args
    with np.errstate(all="ignore"):
        e = np.exp(Z - Z.max())
        assert np.isnan(e / e.sum(axis=1, keepdims=True)).any()
    assert np.allclose(ref("04.softmax")(Z).sum(axis=1), 1.0, rtol=0, atol=1e-15)


@pytest.mark.parametrize("alpha", [0.25, 0.03])
def test_prelu_backward_matches_finite_differences(alpha):
    rng = np.random.default_rng(40)
    Z, G = rng.standard_normal((6, 4)), rng.standard_normal((6, 4))
    slope = np.array([alpha])

    def cost():
        return np.sum(G * np.where(Z >= 0, Z, slope[0] * Z))

    dZ, dalpha = ref("04.prelu_backward")(Z, G, alpha)
    assert isinstance(dalpha, float)
    assert dalpha == pytest.approx(numerical_gradient(cost, slope)[0], rel=1e-8)
    np.testing.assert_allclose(dZ, numerical_gradient(cost, Z), rtol=1e-7, atol=1e-9)


def test_prelu_backward_takes_slope_one_at_zero():
    Z, G = np.array([[0.0, -1.0, 2.0]]), np.array([[3.0, 5.0, 7.0]])
    dZ, dalpha = ref("04.prelu_backward")(Z, G, 0.5)
    np.testing.assert_array_equal(dZ, [[3.0, 2.5, 7.0]])
    assert dalpha == -5.0
    assert any((c.args[0] == 0).any() for c in get_question("04.prelu_backward").make_cases())
