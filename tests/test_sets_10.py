"""Exercise set 10: the new question (folding batch normalisation into the next layer) against
the formula written out here, partial credit per output, and the bias of the running variance
that the notebook's demo shows."""

import numpy as np
import pytest

from mlpbook.grading import Outcome, get_question, wire
from mlpbook.grading.questions import invoke


def ref(qid):
    return get_question(qid).reference


def test_fold_into_next_is_batch_norm_then_the_dense_layer():
    rng = np.random.default_rng(10)
    gamma, beta = rng.uniform(0.5, 2, 4), rng.standard_normal(4)
    mu, var, eps = rng.standard_normal(4), rng.uniform(0.1, 3, 4), 1e-3
    W, b, X = rng.standard_normal((3, 4)), rng.standard_normal(3), rng.standard_normal((6, 4))
    Wf, bf = ref("10.fold_into_next")(gamma, beta, mu, var, eps, W, b)
    direct = (gamma * (X - mu) / np.sqrt(var + eps) + beta) @ W.T + b
    np.testing.assert_allclose(X @ Wf.T + bf, direct, rtol=1e-12, atol=1e-12)
    # the columns of W are scaled: the one written-out form
    np.testing.assert_allclose(Wf, W * gamma / np.sqrt(var + eps), rtol=1e-12)


def verdict_of(qid, answer):
    q = get_question(qid)
    outcomes = [Outcome(returned=wire.loads(wire.dumps(invoke(answer, c.args))))
                for c in q.make_cases()]
    return q.judge(outcomes)


def test_batchnorm_backward_gives_points_per_output():
    reference = ref("10.batchnorm_backward")

    def wrong_dz(dout, cache):
        dZ, dgamma, dbeta = reference(dout, cache)
        return 2 * dZ, dgamma, dbeta

    v = verdict_of("10.batchnorm_backward", wrong_dz)
    assert v.status == "failed" and v.points == pytest.approx(4 * 2 / 3, abs=0.01)
    assert "dZ ✗  dgamma ✓  dbeta ✓" in v.message
    assert "2.00× the expected one" in v.message


def test_fold_gives_half_the_points_for_a_right_w():
    reference = ref("10.fold_batchnorm")

    def wrong_bias(W, b, gamma, beta, mu, var, eps):
        Wf, bf = reference(W, b, gamma, beta, mu, var, eps)
        return Wf, bf - beta

    v = verdict_of("10.fold_batchnorm", wrong_bias)
    assert v.status == "failed" and v.points == 1


def test_the_running_variance_settles_at_the_biased_batch_variance():
    """The demo of Question 3: with n_b = 32 and a population variance of 9 the running variance
    averages (31/32)·9 ≈ 8.72, the expectation of the batch variance divided by n_b."""
    rng = np.random.default_rng(3)
    mean, var, later = np.zeros(1), np.ones(1), []
    for t in range(4000):
        mean, var = ref("10.running_averages")(mean, var, rng.normal(1, 3, (32, 1)), 0.9)
        if t >= 200:
            later.append(var[0])
    assert abs(np.mean(later) - 31 / 32 * 9) < 0.1
    assert abs(np.mean(later) - 9) > 0.15
