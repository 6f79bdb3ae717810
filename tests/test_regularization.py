"""L1 and L2 penalties: values, gradients (finite differences), selection of weights only."""

import numpy as np
import pytest

import mlpbook as mb
from mlpbook.gradcheck import numerical_gradient, rel_error


def model_and_params(seed=0):
    rng = np.random.default_rng(seed)
    model = mb.Sequential(mb.Dense(3, 4, rng=rng), mb.ReLU(), mb.Dense(4, 2, rng=rng),
                          mb.BatchNorm(2))
    for p in model.parameters():
        p.value[...] = rng.standard_normal(p.value.shape)
    return model, model.parameters()


def test_penalty_values_by_hand():
    model, params = model_and_params()
    W1, W2 = model[0].W, model[2].W
    assert mb.L2(0.5).penalty(params) == pytest.approx(0.25 * (np.sum(W1**2) + np.sum(W2**2)))
    assert mb.L1(0.2).penalty(params) == pytest.approx(0.2 * (np.abs(W1).sum() + np.abs(W2).sum()))


@pytest.mark.parametrize("reg", [mb.L2(0.7), mb.L1(0.3)])
def test_gradient_matches_finite_differences_and_only_weights(reg):
    model, params = model_and_params(1)
    for p in params:
        p.grad[...] = 0
    reg.add_grad(params)
    for p in params:
        num = numerical_gradient(lambda: reg.penalty(params), p.value)
        assert rel_error(p.grad, num) < 1e-7 if np.any(num) else np.all(p.grad == 0), p.name
    assert [p.name for p in reg.selected(params)] == ["0.W", "2.W"]


def test_add_grad_adds_to_the_loss_gradient():
    model, params = model_and_params(2)
    for p in params:
        p.grad[...] = 1.0
    mb.L2(0.1).add_grad(params)
    np.testing.assert_allclose(model[0].dW, 1.0 + 0.1 * model[0].W)
    np.testing.assert_array_equal(model[0].db, 1.0)


def test_include_selects_other_parameters_and_l1_by_hand():
    model, params = model_and_params(3)
    everything = mb.L2(1.0, include=lambda name: True)
    assert len(everything.selected(params)) == len(params)

    class P:
        name, value = "W", np.array([0.004, -0.5, 0.002])
        grad = np.zeros(3)

    assert mb.L1(1.0).penalty([P]) == pytest.approx(0.506)
    mb.L1(1.0).add_grad([P])
    np.testing.assert_array_equal(P.grad, [1.0, -1.0, 1.0])


def test_validation():
    with pytest.raises(ValueError, match="lam"):
        mb.L2(-1.0)
    with pytest.raises(ValueError, match="lam"):
        mb.L1(float("inf"))
    with pytest.raises(TypeError, match="include"):
        mb.L2(0.1, include="W")


def test_elastic_net_is_l1_plus_l2_with_its_gradient():
    model, params = model_and_params(4)
    net, l1, l2 = (mb.regularization.ElasticNet(0.3, 0.7), mb.L1(0.3), mb.L2(0.7))
    assert net.penalty(params) == pytest.approx(l1.penalty(params) + l2.penalty(params))
    for p in params:
        p.grad[...] = 0
    net.add_grad(params)
    for p in params:
        num = numerical_gradient(lambda: net.penalty(params), p.value)
        assert rel_error(p.grad, num) < 1e-7 if np.any(num) else np.all(p.grad == 0), p.name
    assert repr(net) == "ElasticNet(0.3, 0.7)"
    with pytest.raises(ValueError, match="lam"):
        mb.regularization.ElasticNet(0.1, -1.0)
    with pytest.raises(ValueError, match="lam"):
        mb.regularization.ElasticNet(float("nan"), 0.1)
