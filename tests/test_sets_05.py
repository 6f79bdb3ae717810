"""Exercise set 05: the new question (a sigmoid output with the squared loss) and the cases
that catch the usual slips, checked against formulas written out here and finite differences."""

import numpy as np
import pytest

from mlpbook.gradcheck import numerical_gradient
from mlpbook.grading import get_question


def ref(qid):
    return get_question(qid).reference


def test_sigmoid_squared_loss_matches_its_formula_and_finite_differences():
    rng = np.random.default_rng(50)
    Z, Y = rng.standard_normal((5, 3)) * 2, rng.random((5, 3))

    def cost():
        return 0.5 * np.sum((1 / (1 + np.exp(-Z)) - Y) ** 2) / 5

    loss, dZ = ref("05.sigmoid_squared_loss")(Z, Y)
    assert loss == pytest.approx(cost(), rel=1e-13)
    np.testing.assert_allclose(dZ, numerical_gradient(cost, Z), rtol=1e-7, atol=1e-11)


def test_its_gradient_vanishes_where_the_output_is_confidently_wrong():
    Z, Y = np.array([[8.0]]), np.array([[0.0]])
    _, squared = ref("05.sigmoid_squared_loss")(Z, Y)
    _, bce = ref("05.bce_with_logits")(Z, Y)
    assert squared[0, 0] < 1e-3 < 0.99 < bce[0, 0]


@pytest.mark.parametrize("qid", ["05.cross_entropy", "05.cross_entropy_grad"])
def test_a_case_breaks_one_global_maximum(qid):
    [case] = [c for c in get_question(qid).make_cases() if "one maximum per row" in c.label]
    Z = case.args[0]
    with np.errstate(all="ignore"):
        assert np.isinf(np.log(np.exp(Z - Z.max()).sum(axis=1))).any()
