"""count_lines counts the interpreted lines of a function's own body, the work that seconds only
estimate: checked against counts worked out by hand."""

import numpy as np
import pytest

from mlpbook.profiling import count_lines


def summed(n):
    total = 0
    for i in range(n):
        total += i
    return total


def calls_a_helper(n):
    return summed(n)


def test_counts_each_line_once_per_pass_and_returns_the_result():
    # total = 0 (1), the for line once per pass and once to stop (n + 1), the body (n), return (1)
    for n in (0, 1, 5, 100):
        result, lines = count_lines(summed, n)
        assert result == n * (n - 1) // 2
        assert lines == 2 * n + 3


def test_lines_of_called_functions_are_not_counted():
    result, lines = count_lines(calls_a_helper, 1000)
    assert result == summed(1000) and lines == 1


def test_vectorised_code_runs_a_constant_number_of_lines():
    def loop(x):
        s = 0.0
        for v in x:
            s += v * v
        return s

    def vectorised(x):
        return x @ x

    for n in (10, 1000):
        x = np.arange(float(n))
        assert count_lines(loop, x)[1] == 2 * n + 3
        assert count_lines(vectorised, x) == (x @ x, 1)


def test_restores_a_tracer_already_installed_and_after_an_error():
    import sys

    def tracer(frame, event, arg):
        return None

    def boom():
        raise RuntimeError("inside")

    sys.settrace(tracer)
    try:
        count_lines(summed, 3)
        assert sys.gettrace() is tracer
        with pytest.raises(RuntimeError, match="inside"):
            count_lines(boom)
        assert sys.gettrace() is tracer
    finally:
        sys.settrace(None)


def test_rejects_what_has_no_python_lines():
    with pytest.raises(TypeError, match="Python function"):
        count_lines(len, [1, 2])
