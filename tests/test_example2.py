"""Example 2 of [DNN slides]: the slides' printed numbers (mlpbook.example2), the slides'
algorithm, inputs consistent with every printed digit, and the library reproducing them. The
printed numbers are the reference (two decimals; their inputs are themselves rounded, so we allow
one unit in the last printed digit for the epoch-1 updates)."""

import numpy as np
import pytest

import mlpbook as mb
from mlpbook import example2 as e2

SLIDES_EPOCH1 = {  # updated parameters after epoch 1, in the slides' layout
    "W": [[-3.55, 0.72, 0.03], [3.21, -2.87, 2.94]],
    "b": [0.76, -0.66, -0.70],
    "V": [[3.89, -1.74], [-3.14, -1.89], [-2.53, 2.51]],
    "c": [1.09, -0.44],
}
SLIDES_GRADIENTS = {"∇c J": [-21.83, 8.81], "∇V J": [[-6.23, 3.22], [-8.81, 2.85], [-17.07, 7.40]]}
# After 1,000 epochs; the slides print +3.59 for V[2, 0], a lost minus sign (see chapter 06).
SLIDES_FINAL = {
    "W": [[-2.04, -0.52, -1.88], [3.55, -2.6, 2.43]],
    "b": [0.22, -0.93, 0.15],
    "V": [[2.14, -1.14], [-2.93, -1.78], [-3.59, 2.28]],
    "c": [1.25, -0.43],
}


def network(ex):
    net = mb.Sequential(mb.Dense(2, 3), mb.Sigmoid(), mb.Dense(3, 2))
    net[0].W[...], net[0].b[...] = ex["W"].T, ex["b"]
    net[2].W[...], net[2].b[...] = ex["V"].T, ex["c"]
    return net


def epoch(net, ex, loss):
    loss.forward(net.forward(ex["X"]), ex["D"])
    net.backward(loss.backward())
    grads = {"∇c J": net[2].db.copy(), "∇V J": net[2].dW.T.copy()}
    for p in net.parameters():
        p.value -= ex["lr"] * p.grad
    return grads


def slides_layout(net):
    return {"W": net[0].W.T, "b": net[0].b, "V": net[2].W.T, "c": net[2].b}


def test_example2_data_matches_the_slides_and_is_fresh_each_call():
    ex = mb.datasets.example2()
    assert ex["X"].shape == (8, 2) and ex["D"].shape == (8, 2)
    assert ex["W"].shape == (2, 3) and ex["V"].shape == (3, 2) and ex["lr"] == 0.05
    assert ex["X"][5].tolist() == [0.69, 0.95] and ex["D"][3].tolist() == [-0.25, 0.35]
    assert ex["W"][0].tolist() == [-3.97, 1.10, 0.42]
    assert ex["V"][:, 1].tolist() == [-1.58, -1.75, 2.88]
    assert not ex["b"].any() and not ex["c"].any()
    ex["W"][0, 0] = 99.0
    assert mb.datasets.example2()["W"][0, 0] == -3.97


def test_epoch_one_reproduces_the_slides_updates():
    ex = mb.datasets.example2()
    net = network(ex)
    grads = epoch(net, ex, mb.SquaredLoss(reduction="sum"))
    for name, ref in SLIDES_EPOCH1.items():
        np.testing.assert_allclose(slides_layout(net)[name], ref, atol=0.0105, rtol=0)
    for name, ref in SLIDES_GRADIENTS.items():  # sums of eight products: a few hundredths
        np.testing.assert_allclose(grads[name], ref, atol=0.03, rtol=0)


def test_one_thousand_epochs_reach_the_slides_mean_squared_error_and_weights():
    ex = mb.datasets.example2()
    net = network(ex)
    loss = mb.SquaredLoss(reduction="sum")
    for _ in range(1000):
        epoch(net, ex, loss)
    mse = np.sum((ex["D"] - net.forward(ex["X"])) ** 2) / len(ex["X"])
    assert f"{mse:.3f}" == "0.107"
    for name, ref in SLIDES_FINAL.items():
        np.testing.assert_allclose(slides_layout(net)[name], ref, atol=0.03, rtol=0)


def test_mean_reduction_would_not_reproduce_the_slides():
    ex = mb.datasets.example2()
    net = network(ex)
    epoch(net, ex, mb.SquaredLoss(reduction="mean"))
    assert np.abs(slides_layout(net)["c"] - SLIDES_EPOCH1["c"]).max() > 0.5


# ---- mlpbook.example2: the printed tables, the slides' algorithm, consistent inputs --------------

def slides_inputs(ex):
    return {k: ex[k] for k in e2.INPUT_NAMES}


def count(m):
    return sum(int(v.sum()) for v in m.values()), sum(v.size for v in m.values())


def test_printed_tables_have_the_slides_sizes_and_rounding_units():
    values, half = e2.printed(1)
    assert sum(np.size(v) for v in values.values()) == 138
    assert values["Z"].shape == (8, 3) and values["∇b J"].shape == (3,)
    assert values["W"][0, 1] == 0.72 and half["W"][0, 1] == 0.005
    assert values["Z"][0, 1] == 0.8 and half["Z"][0, 1] == 0.05  # printed with one decimal
    final, half_final = e2.printed(1000)
    assert sum(np.size(v) for v in final.values()) == 18
    assert final["m.s.e."] == 0.107 and half_final["m.s.e."] == 0.0005
    assert final["V"][2, 0] == 3.59  # as printed, sign lost
    final["V"][0, 0] = 99.0
    assert e2.printed(1000)[0]["V"][0, 0] == 2.14  # fresh arrays
    with pytest.raises(ValueError, match="epoch 1 and epoch 1000"):
        e2.printed(2)


def test_gd_is_the_library_step_and_works_on_stacks():
    ex = mb.datasets.example2()
    r = e2.gd(**slides_inputs(ex))
    net = mb.Sequential(mb.Dense(2, 3), mb.Sigmoid(), mb.Dense(3, 2))
    net[0].W[...], net[2].W[...] = ex["W"].T, ex["V"].T
    loss = mb.SquaredLoss(reduction="sum")
    loss.forward(net.forward(ex["X"]), ex["D"])
    net.backward(loss.backward())
    np.testing.assert_allclose(r["∇W J"], net[0].dW.T, rtol=1e-13, atol=0)
    np.testing.assert_allclose(r["∇V J"], net[2].dW.T, rtol=1e-13, atol=0)
    stacked = e2.gd(**{k: np.stack([v, v + 0.01]) for k, v in slides_inputs(ex).items()},
                    epochs=3)
    single = e2.gd(**{k: v + 0.01 for k, v in slides_inputs(ex).items()}, epochs=3)
    np.testing.assert_allclose(stacked["final"]["W"][1], single["final"]["W"], rtol=1e-14, atol=0)
    np.testing.assert_allclose(stacked["Y"][1], single["Y"], rtol=1e-14, atol=0)
    with pytest.raises(ValueError, match="epochs"):
        e2.gd(**slides_inputs(ex), epochs=0)


def test_printed_inputs_reproduce_only_part_of_epoch_one():
    r = e2.gd(**slides_inputs(mb.datasets.example2()))
    matched, total = count(e2.matches(r))
    assert (matched, total) == (86, 138)


def test_consistent_inputs_lie_in_the_rounding_intervals_and_reproduce_all_but_two():
    printed_in, inputs = mb.datasets.example2(), e2.consistent_inputs()
    for k in e2.INPUT_NAMES:
        assert inputs[k].shape == printed_in[k].shape
        assert np.abs(inputs[k] - printed_in[k]).max() < 0.005, k  # rounds to the printed value
    r = e2.gd(**inputs, epochs=1000)
    first = e2.matches(r)
    assert count(first) == (137, 138)
    assert np.argwhere(~first["W"]).tolist() == [[0, 1]]  # the 0.72
    final = e2.matches(r["final"], after=1000)
    assert count(final) == (17, 18)
    assert np.argwhere(~final["V"]).tolist() == [[2, 0]]  # printed +3.59
    assert abs(r["final"]["V"][2, 0] + 3.59) < 0.005  # −3.59 is what the training gives
    inputs["X"][0, 0] = 99.0
    assert e2.consistent_inputs()["X"][0, 0] != 99.0


def test_the_0_72_is_out_of_reach_of_the_printed_w_and_gradient():
    values, half = e2.printed(1)
    w_initial, g = mb.datasets.example2()["W"][0, 1], values["∇W J"][0, 1]
    largest = (w_initial + 0.005) - 0.05 * (g - half["∇W J"][0, 1])
    assert largest < values["W"][0, 1] - half["W"][0, 1]


def test_search_finds_inputs_for_epoch_one():
    found = e2.search(epochs=1, maxiter=200)
    printed_in = mb.datasets.example2()
    assert all(np.abs(found[k] - printed_in[k]).max() < 0.005 for k in e2.INPUT_NAMES)
    m = e2.matches(e2.gd(**found))
    assert count(m) == (137, 138) and not m["W"][0, 1]
    with pytest.raises(ValueError, match="epochs"):
        e2.search(epochs=5)
