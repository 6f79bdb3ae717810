"""Activation patterns, regions and local affine maps of ReLU networks, checked against the
half-plane signs written out by hand, finite differences and small arrangements of lines."""

import numpy as np
import pytest

import mlpbook as mb
from mlpbook.gradcheck import numerical_gradient
from mlpbook.linear_regions import (
    activation_patterns,
    input_jacobian,
    local_affine_map,
    region_labels,
)


def relu_net(rng, widths=(2, 5, 4, 3)):
    layers = []
    for n_in, n_out in zip(widths[:-1], widths[1:], strict=True):
        dense = mb.Dense(n_in, n_out, init="he", rng=rng)
        dense.b[:] = rng.normal(0, 0.5, n_out)
        layers += [dense, mb.ReLU()]
    return mb.Sequential(*layers[:-1])


def test_patterns_of_one_hidden_layer_are_half_plane_signs():
    rng = np.random.default_rng(0)
    net = relu_net(rng, (2, 6, 1))
    X = rng.normal(size=(50, 2))
    W, b = net[0].W, net[0].b
    np.testing.assert_array_equal(activation_patterns(net, X), X @ W.T + b > 0)


def test_patterns_have_one_column_per_hidden_unit():
    rng = np.random.default_rng(1)
    net = relu_net(rng, (2, 5, 4, 3))
    assert activation_patterns(net, rng.normal(size=(7, 2))).shape == (7, 9)


def test_region_labels_equal_exactly_when_patterns_equal():
    rng = np.random.default_rng(2)
    net = relu_net(rng)
    X = rng.uniform(-2, 2, size=(400, 2))
    P = activation_patterns(net, X)
    labels = region_labels(net, X)
    same_label = labels[:, None] == labels[None, :]
    same_pattern = np.all(P[:, None, :] == P[None, :, :], axis=-1)
    np.testing.assert_array_equal(same_label, same_pattern)
    assert labels[0] == 0 and set(labels) == set(range(labels.max() + 1))


def test_two_and_three_lines():
    # ReLU units on x1 and x2: the four quadrants; add x1 + x2 − 1 > 0: seven regions
    net = mb.Sequential(mb.Dense(2, 3, init="zeros"), mb.ReLU(), mb.Dense(3, 1))
    net[0].W[:] = [[1, 0], [0, 1], [1, 1]]
    net[0].b[:] = [0, 0, -1]
    g = np.linspace(-3.01, 3.03, 301)
    X = np.stack(np.meshgrid(g, g), axis=-1).reshape(-1, 2)
    assert region_labels(net, X).max() + 1 == 7
    net[0].W[2] = 0  # the third unit is now never on: back to four regions
    assert region_labels(net, X).max() + 1 == 4


@pytest.mark.parametrize("activation", [mb.ReLU, mb.Tanh])
def test_input_jacobian_matches_finite_differences(activation):
    rng = np.random.default_rng(3)
    net = mb.Sequential(mb.Dense(3, 6, rng=rng), activation(), mb.Dense(6, 2, rng=rng))
    x = rng.normal(size=(1, 3))
    J = input_jacobian(net, x)[0]
    for j in range(2):
        fd = numerical_gradient(lambda j=j: net.forward(x)[0, j], x)[0]
        np.testing.assert_allclose(J[j], fd, rtol=1e-6, atol=1e-9)


def test_local_affine_map_is_the_product_of_masked_weights_and_holds_on_the_region():
    rng = np.random.default_rng(4)
    net = relu_net(rng)
    X = rng.uniform(-2, 2, size=(300, 2))
    J, c = local_affine_map(net, X)
    # J = W[3] D[2] W[2] D[1] W[1] at the first point, written out
    P = activation_patterns(net, X[:1])[0]
    D1, D2 = np.diag(P[:5].astype(float)), np.diag(P[5:].astype(float))
    np.testing.assert_allclose(J[0], net[4].W @ D2 @ net[2].W @ D1 @ net[0].W, atol=1e-12)
    # every other point of the first point's region obeys the first point's affine map
    same = region_labels(net, X) == region_labels(net, X)[0]
    assert same.sum() > 1
    np.testing.assert_allclose(net.forward(X[same]), X[same] @ J[0].T + c[0], atol=1e-12)
    # and J, c are constant over that region
    np.testing.assert_allclose(J[same], np.broadcast_to(J[0], J[same].shape), atol=1e-12)


def test_rejects_networks_that_are_not_piecewise_affine():
    net = mb.Sequential(mb.Dense(2, 3), mb.Sigmoid(), mb.Dense(3, 1))
    with pytest.raises(TypeError, match="piecewise affine"):
        activation_patterns(net, np.zeros((1, 2)))
    with pytest.raises(TypeError, match="piecewise affine"):
        local_affine_map(net, np.zeros((1, 2)))
