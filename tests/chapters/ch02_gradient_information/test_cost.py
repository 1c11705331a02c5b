"""Tests of cost (chapter 2): the log-log fit and the gradient timing (tiny networks)."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

import course_utils.chapters.ch02_gradient_information.cost as cost_module
from course_utils.chapters.ch02_gradient_information.cost import (
    GradientCost,
    PowerLaw,
    default_sizes,
    loglog_fit,
    loglog_slope,
    time_gradients,
)


@pytest.mark.parametrize("k, c", [(1.0, 2e-5), (2.0, 3e-8), (0.5, 7.0), (-1.0, 1.0)])
def test_loglog_fit_recovers_exact_power_laws(k, c):
    x = np.array([50.0, 120.0, 400.0, 1000.0, 3000.0])
    fit = loglog_fit(x, c * x**k)
    assert isinstance(fit, PowerLaw)
    assert_allclose(fit.k, k, rtol=1e-10)
    assert_allclose(fit.c, c, rtol=1e-9)
    assert_allclose(loglog_slope(x, c * x**k), k, rtol=1e-10)


def test_loglog_fit_is_least_squares_in_logs():
    # log y = [0, 1, 3] at log x = [0, 1, 2]: the least-squares line has slope 3/2
    x = np.exp([0.0, 1.0, 2.0])
    y = np.exp([0.0, 1.0, 3.0])
    fit = loglog_fit(x, y)
    assert_allclose(fit.k, 1.5, rtol=1e-12)
    assert_allclose(np.log(fit.c), -1.0 / 6.0, atol=1e-12)  # mean(log y) - k * mean(log x)


def test_loglog_fit_validation():
    with pytest.raises(ValueError, match="x must be positive"):
        loglog_fit([0.0, 1.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="y must be positive"):
        loglog_fit([1.0, 2.0], [1.0, -2.0])
    with pytest.raises(ValueError, match="x must hold at least two distinct"):
        loglog_fit([3.0, 3.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="y must have the same shape as x"):
        loglog_fit([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="x"):
        loglog_fit([[1.0, 2.0]], [[1.0, 2.0]])
    with pytest.raises(ValueError, match="y"):
        loglog_fit([1.0, 2.0], [1.0, np.nan])


def test_default_sizes():
    sizes = default_sizes()
    assert all(s[0] == 10 and s[-1] == 1 and s[1] == s[2] for s in sizes)
    W = [s[1] ** 2 + 13 * s[1] + 1 for s in sizes]  # 10h + h + h*h + h + h + 1
    assert W[0] < 100 and 2000 < W[-1] < 5000 and W == sorted(W)
    assert default_sizes(quick=True) == sizes[: len(default_sizes(quick=True))]
    assert len(default_sizes(quick=True)) < len(sizes)


def test_time_gradients_on_tiny_networks():
    sizes = [[2, 2, 1], [2, 8, 1], [2, 16, 1]]
    cost = time_gradients(sizes, N=4, W_fit=20, min_time=0.0)
    assert isinstance(cost, GradientCost)
    assert cost.W.tolist() == [9, 33, 65]
    assert cost.N == 4 and cost.W_fit == 20
    assert np.all(cost.t_backprop > 0) and np.all(cost.t_numerical > 0)
    fit = cost.W >= 20
    assert_allclose(cost.slope_backprop, loglog_slope(cost.W[fit], cost.t_backprop[fit]))
    assert_allclose(cost.slope_numerical, loglog_slope(cost.W[fit], cost.t_numerical[fit]))
    # 2W forward passes cost more than one forward and one backward pass, even for W = 65
    assert cost.t_numerical[-1] > cost.t_backprop[-1]


def test_time_gradients_uses_default_sizes(monkeypatch):
    asked = []

    def tiny_sizes(quick):
        asked.append(quick)
        return [[1, 1], [1, 2, 1]]

    monkeypatch.setattr(cost_module, "default_sizes", tiny_sizes)
    cost = time_gradients(quick=True, N=2, W_fit=0, min_time=0.0)
    assert asked == [True] and cost.W.tolist() == [2, 7]


def test_time_gradients_validation():
    with pytest.raises(ValueError, match="sizes_list"):
        time_gradients([[2, 1]], min_time=0)
    with pytest.raises(ValueError, match="W_fit"):
        time_gradients([[2, 1], [2, 2, 1]], W_fit=100, min_time=0)
    with pytest.raises(ValueError, match="N"):
        time_gradients([[2, 1], [2, 2, 1]], N=0)
    with pytest.raises(ValueError, match="min_time"):
        time_gradients([[2, 1], [2, 2, 1]], min_time=-1.0)
    with pytest.raises(ValueError, match="sizes"):
        time_gradients([[2, 1], [2, 0, 1]], min_time=0)
