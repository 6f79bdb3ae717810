"""Exercise set 09: the new question (He's argument for a leaky ReLU) against Monte Carlo and a
deep network, and the partial credit of the questions that give it."""

import numpy as np
import pytest

from mlpbook.grading import get_question


def ref(qid):
    return get_question(qid).reference


@pytest.mark.parametrize("slope", [0.0, 0.01, 0.3, 1.0, -0.5, 3.0])
def test_the_second_moment_of_a_leaky_relu(slope):
    """N_in s² E[f(z)²] = Var(z) for z ~ N(0, q): the variance is passed on unchanged."""
    z = np.random.default_rng(1).normal(0.0, 1.7, 2_000_000)
    second = np.mean(np.where(z >= 0, z, slope * z) ** 2)
    n_in = 200
    gain = n_in * ref("09.leaky_relu_std")(n_in, slope) ** 2 * second / z.var()
    assert gain == pytest.approx(1.0, abs=0.01)


def test_slopes_0_and_1_are_he_and_xavier():
    std = ref("09.init_std")
    assert ref("09.leaky_relu_std")(300, 0.0) == pytest.approx(std("he", 300, 10), rel=1e-15)
    assert ref("09.leaky_relu_std")(300, 1.0) == pytest.approx(std("xavier", 300, 10), rel=1e-15)


def test_the_variance_neither_vanishes_nor_explodes_over_30_layers():
    rng = np.random.default_rng(2)
    width, slope = 256, 0.5
    gains = {}
    for name, s in (("leaky", ref("09.leaky_relu_std")(width, slope)),
                    ("he", np.sqrt(2 / width))):
        A, first = rng.standard_normal((256, width)), None
        for _ in range(30):
            Z = A @ (s * rng.standard_normal((width, width))).T
            first = Z.var() if first is None else first
            A = np.where(Z >= 0, Z, slope * Z)
        gains[name] = Z.var() / first
    assert 0.5 < gains["leaky"] < 2
    assert gains["he"] > 0.2 * 1.25**29  # He's s ignores the slope: 1.25 per layer


def test_init_std_gives_points_per_case():
    q = get_question("09.init_std")
    assert q.credit == "cases" and {c.args[0] for c in q.make_cases()} == {"xavier", "he",
                                                                            "glorot"}
