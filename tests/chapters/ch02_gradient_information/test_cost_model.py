"""Tests of the counted and fitted cost of a gradient (chapter 2's cost module, second part).

Multiply-add counts are checked against counts made by hand from the layer shapes; the
fit against data generated from known (a, b, k). Timings are never asserted.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from course_utils.chapters.ch02_gradient_information.cost import (
    CostRuns,
    GradientCostModel,
    MultiplyAdds,
    OffsetPowerLaw,
    fit_offset_power_law,
    gradient_cost_sizes,
    measure_gradient_cost,
    multiply_adds,
)
from course_utils.nn import MLP


def test_multiply_adds_by_hand_one_hidden_layer():
    # [2, 3, 1]: matrices 2x3 and 3x1, S = 9; W = 9 + 3 + 1 = 13; N = 5.
    # forward: 5 * 9 = 45. backward: a0^T d1 (6 per example), a1^T d2 (3), d2 W2^T (3):
    # 5 * 12 = 60, so backprop = 105. Finite differences: 2 * 13 passes of 45 = 1170.
    assert multiply_adds([2, 3, 1], N=5) == MultiplyAdds(13, 45, 105, 1170)


def test_multiply_adds_by_hand_two_hidden_layers():
    # [3, 4, 5, 2]: S = 12 + 20 + 10 = 42, W = 42 + 4 + 5 + 2 = 53, N = 2.
    # backward: 42 (a^T delta) + 20 + 10 (delta W^T, not into the input) = 72 per example.
    c = multiply_adds([3, 4, 5, 2], N=2)
    assert c == MultiplyAdds(53, 84, 2 * (42 + 72), 2 * 53 * 84)
    assert c.W == MLP([3, 4, 5, 2]).n_params


def test_multiply_adds_of_the_timed_networks_grow_like_w_and_w_squared():
    # [64, h, 1]: S = 65 h, W = 66 h + 1, backprop = N (195 h - 64 h) = 131 N h
    for h in (8, 32, 1024):
        c = multiply_adds([64, h, 1], N=64)
        assert c.W == 66 * h + 1
        assert c.backprop == 131 * 64 * h
        assert c.numerical == 2 * (66 * h + 1) * 64 * 65 * h
    big, small = multiply_adds([64, 1024, 1], 64), multiply_adds([64, 512, 1], 64)
    assert big.backprop == 2 * small.backprop  # doubling h doubles the work exactly
    assert_allclose(big.numerical / small.numerical, 4 * (big.W / small.W) / 2, rtol=1e-12)


def test_multiply_adds_validation():
    with pytest.raises(ValueError, match="N must be in"):
        multiply_adds([2, 1], N=0)
    with pytest.raises(ValueError, match="sizes"):
        multiply_adds([2], N=1)


@pytest.mark.parametrize(
    "a, b, k", [(5.0, 0.01, 2.0), (3e-5, 2e-9, 1.0), (0.0, 4.0, 0.5), (1.0, 1e-3, 1.37)]
)
def test_fit_offset_power_law_recovers_exact_data(a, b, k):
    x = np.array([10.0, 30.0, 100.0, 300.0, 1000.0, 3000.0])
    fit = fit_offset_power_law(x, a + b * x**k)
    assert isinstance(fit, OffsetPowerLaw)
    assert_allclose([fit.a, fit.b, fit.k], [a, b, k], rtol=1e-6, atol=1e-12)


def test_fit_offset_power_law_sees_through_the_fixed_cost():
    # y = 20 + x on x = 1..1000: a straight log-log line has a slope well below 1, the
    # fit with a fixed part finds the exponent 1
    x = np.geomspace(1.0, 1000.0, 10)
    y = 20 + x
    slope = np.polyfit(np.log(x), np.log(y), 1)[0]
    assert slope < 0.6
    assert_allclose(fit_offset_power_law(x, y).k, 1.0, rtol=1e-6)


def test_fit_offset_power_law_keeps_the_fixed_cost_non_negative():
    # y = x^2 minus a little: the best a would be negative; it is fixed at 0 instead
    x = np.array([1.0, 2.0, 4.0, 8.0])
    fit = fit_offset_power_law(x, x**2 - 0.1)
    assert fit.a == 0.0 and fit.b > 0


def test_fit_offset_power_law_validation():
    with pytest.raises(ValueError, match="at least three distinct"):
        fit_offset_power_law([1.0, 2.0, 2.0], [1.0, 2.0, 2.0])
    with pytest.raises(ValueError, match="positive"):
        fit_offset_power_law([1.0, 2.0, 3.0], [1.0, 0.0, 2.0])
    with pytest.raises(ValueError, match="k_range must be"):
        fit_offset_power_law([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], k_range=(2.0, 1.0))
    with pytest.raises(ValueError, match="y must have the same shape as x"):
        fit_offset_power_law([1.0, 2.0, 3.0], [1.0, 2.0])


def test_gradient_cost_sizes():
    bp, fd = gradient_cost_sizes()
    W_bp = [MLP(s).n_params for s in bp]
    W_fd = [MLP(s).n_params for s in fd]
    assert (W_bp[0], W_bp[-1]) == (4225, 67585)
    assert (W_fd[0], W_fd[-1]) == (529, 8449)
    qbp, qfd = gradient_cost_sizes(quick=True)
    assert MLP(qbp[-1]).n_params == 67585 and MLP(qfd[-1]).n_params == 4225
    assert all(s[0] == 64 and s[-1] == 1 for s in bp + fd)


def test_measure_gradient_cost_on_tiny_networks():
    sizes = ([[2, h, 1] for h in (2, 4, 8)], [[2, h, 1] for h in (1, 2, 3)])
    m = measure_gradient_cost(sizes, N=4, min_time=0.0)
    assert isinstance(m, GradientCostModel) and m.N == 4
    bp, fd = m.backprop, m.numerical
    assert isinstance(bp, CostRuns)
    assert bp.W.tolist() == [9, 17, 33] and fd.W.tolist() == [5, 9, 13]
    assert bp.calls.tolist() == [1, 1, 1] and fd.calls.tolist() == [10, 18, 26]
    assert bp.multiply_adds.tolist() == [multiply_adds(s, 4).backprop for s in sizes[0]]
    assert fd.multiply_adds.tolist() == [multiply_adds(s, 4).numerical for s in sizes[1]]
    assert np.all(bp.t > 0) and np.all(fd.t > 0) and np.all(fd.t_call > 0)
    assert np.array_equal(bp.t_call, bp.t)  # backprop: one call per gradient
    assert bp.fit == fit_offset_power_law(bp.W, bp.t)
    assert fd.fit == fit_offset_power_law(fd.W, fd.t_call)
    assert bp.slope == bp.fit.k and fd.slope == fd.fit.k + 1


def test_measure_gradient_cost_validation():
    two = [[2, 1], [2, 2, 1]]
    three = [[2, 1], [2, 2, 1], [2, 3, 1]]
    with pytest.raises(ValueError, match="at least 3 networks"):
        measure_gradient_cost((two, three), min_time=0.0)
    with pytest.raises(ValueError, match="N must be in"):
        measure_gradient_cost((three, three), N=0)
    with pytest.raises(ValueError, match="min_time must be in"):
        measure_gradient_cost((three, three), min_time=-1.0)


def test_plot_cost_fit_draws_the_measurements_the_fit_and_its_growing_part():
    import matplotlib.pyplot as plt

    from course_utils.plotting import plot_cost_fit

    W = np.array([100, 200, 400])
    fit = OffsetPowerLaw(a=1e-5, b=1e-8, k=1.0)
    t_call = fit.a + fit.b * W
    fd = CostRuns([], W, W**2, 2 * W, 3 * 2 * W * t_call, t_call, fit, 2.0)
    ax = plot_cost_fit(fd, label="finite differences")
    assert len(ax.lines) == 4  # whole gradients, 2W x one pass, fit, growing part
    assert_allclose(ax.lines[1].get_ydata(), 1e3 * 2 * W * t_call)
    Wg = ax.lines[2].get_xdata()
    assert_allclose(ax.lines[2].get_ydata(), 1e3 * 2 * Wg * (fit.a + fit.b * Wg))
    assert_allclose(ax.lines[3].get_ydata(), 1e3 * 2 * Wg * fit.b * Wg)
    assert "slope 2.00" in ax.lines[3].get_label()
    bp = CostRuns([], W, 3 * W, np.ones_like(W), t_call, t_call, fit, 1.0)
    ax = plot_cost_fit(bp, label="backprop")
    assert len(ax.lines) == 3 and ax.get_xscale() == "log" and ax.get_yscale() == "log"
    plt.close("all")


def test_a_fit_at_the_edge_of_its_range_says_so():
    x = np.array([1.0, 10.0, 100.0, 1000.0])
    assert not fit_offset_power_law(x, 5.0 + 0.01 * x**2).at_bound
    steep = fit_offset_power_law(x, 1.0 + x**5)  # exponent 5, beyond the range 0.1 to 4
    assert steep.at_bound and steep.k == pytest.approx(4.0, abs=0.01)
    flat = fit_offset_power_law(x, np.array([5.0, 5.0, 5.0, 5.0001]))  # nothing grows
    assert flat.at_bound


def test_the_measured_slope_is_the_whole_gradients_between_the_two_largest():
    timing = measure_gradient_cost(quick=True, min_time=0.0)
    for r in (timing.backprop, timing.numerical):
        want = np.log(r.t[-1] / r.t[-2]) / np.log(r.W[-1] / r.W[-2])
        assert r.measured == pytest.approx(want, rel=1e-9)
