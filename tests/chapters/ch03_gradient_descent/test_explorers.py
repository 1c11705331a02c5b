"""Chapter 3's explorer: its controls, and the numbers its figure shows."""

import ipywidgets as W
import numpy as np
import pytest
from numpy.testing import assert_allclose

from course_utils.chapters.ch03_gradient_descent.explorers import excess_loss, explore_minibatch
from course_utils.data import batch_sizes, make_linear_regression


def labelled(ax):
    return {ln.get_label(): ln for ln in ax.lines if not ln.get_label().startswith("_")}


def texts(fig):
    return " | ".join(t.get_text() for ax in fig.axes for t in ax.texts)


def line_problem(n=64, seed=0):
    d = make_linear_regression(n=n, seed=seed)
    x, t = d.X[:, 0], d.y.reshape(-1)
    A = np.column_stack([x, np.ones_like(x)])
    H, c = A.T @ A / n, A.T @ t / n  # E = 1/2 th^T H th - c^T th + const
    return A, t, H, c, np.linalg.solve(H, c)


def test_controls_are_the_course_sliders():
    ex = explore_minibatch()
    lr, B = ex.controls["lr"], ex.controls["B"]
    assert isinstance(lr, W.FloatLogSlider) and lr.description == "learning rate η"
    assert isinstance(B, W.SelectionSlider) and B.description == "batch size B"
    assert list(B.options) == batch_sizes(64) and B.value == 4
    epochs = ex.controls["epochs"]  # the stops of the static book's frames, no others
    assert isinstance(epochs, W.SelectionSlider) and list(epochs.options) == [1, 4, 8]
    assert epochs.value == 4 and epochs.description == "epochs"
    assert ex.last_error is None and ex.last_warnings == []


def test_full_batch_curve_is_gradient_descent_on_the_quadratic():
    ex = explore_minibatch()
    ex.set(lr=0.5, B=64, epochs=4)
    _, ax_loss = ex.figure.axes
    curves = labelled(ax_loss)
    assert list(curves) == ["full batch (B = 64)"]  # B = N: only one run
    A, t, H, c, th_star = line_problem()
    th, expected = np.array([-0.5, 1.5]), []
    for _ in range(5):
        d = th - th_star
        expected.append(0.5 * d @ H @ d)
        th = th - 0.5 * (H @ th - c)
    x, E = curves["full batch (B = 64)"].get_data()
    assert_allclose(x, [0, 1, 2, 3, 4])
    assert_allclose(E, expected, rtol=1e-9)


def test_minibatch_run_makes_ceil_n_over_b_steps_per_epoch():
    ex = explore_minibatch()
    ex.set(lr=0.1, B=16, epochs=4)
    _, ax_loss = ex.figure.axes
    x, E = labelled(ax_loss)["B = 16"].get_data()
    assert len(x) == 4 * 4 + 1 and x[-1] == pytest.approx(4.0)
    assert np.all(E >= 0) and E[-1] < E[0]
    assert "16 steps of B = 16" in texts(ex.figure)
    ex.set(B=8, epochs=1)  # 64 / 8 = 8 steps in one epoch
    x, _ = labelled(ex.figure.axes[1])["B = 8"].get_data()
    assert len(x) == 8 + 1 and x[-1] == pytest.approx(1.0)
    assert "8 steps of B = 8" in texts(ex.figure)


def test_divergence_is_reported_not_raised():
    ex = explore_minibatch()
    ex.set(lr=10**0.5, B=64, epochs=8)
    assert ex.last_error is None and ex.last_warnings == []
    assert "diverged at step" in texts(ex.figure)
    ex.set(lr=0.1)
    assert "diverged" not in texts(ex.figure)


def test_excess_loss_is_the_quadratic_form():
    from course_utils.chapters.ch03_gradient_descent.stochastic import least_squares_surface

    A, t, H, c, th_star = line_problem(n=32, seed=1)
    s = least_squares_surface(A[:, :1], t)
    pts = np.array([[0.0, 0.0], [1.0, -2.0], th_star])
    brute = [np.mean((A @ p - t) ** 2) / 2 for p in pts]
    assert_allclose(excess_loss(s, pts), np.array(brute) - brute[-1], atol=1e-12)


def test_contours_rise_geometrically_from_a_thousandth_of_the_box_top():
    from course_utils.chapters.ch03_gradient_descent.stochastic import least_squares_surface

    data = make_linear_regression(n=64, seed=0)
    s = least_squares_surface(data.X, data.y, start=(-0.5, 1.5), half_width=3.0)
    (w_lo, w_hi), (b_lo, b_hi) = s.bounds
    corners = np.array([[w_lo, b_lo], [w_lo, b_hi], [w_hi, b_lo], [w_hi, b_hi]])
    top = excess_loss(s, corners).max()  # a convex loss is highest at a corner of the box
    drawn = explore_minibatch().figure.axes[0].collections[0].levels
    assert_allclose(drawn, s.min_value + top * np.logspace(-3, 0, 14), rtol=1e-12)


def test_bad_arguments_are_rejected():
    with pytest.raises(ValueError, match="n"):
        explore_minibatch(n=1)
    with pytest.raises(ValueError, match="w0"):
        explore_minibatch(w0=(1.0,))


def test_a_long_stochastic_path_is_faint_and_the_full_batch_path_is_not():
    ex = explore_minibatch()
    ex.set(lr=0.6, B=1, epochs=4)  # 256 noisy steps against 4 full-batch ones
    ax_path, _ = ex.figure.axes
    paths = labelled(ax_path)
    sgd, full = paths["B = 1"], paths["full batch (B = 64)"]
    assert len(sgd.get_xydata()) == 257 and len(full.get_xydata()) == 5
    assert sgd.get_alpha() < 1 and sgd.get_zorder() < full.get_zorder()
    assert sgd.get_linewidth() < full.get_linewidth()
    ex.set(B=8, epochs=1)  # 8 steps: drawn like any path
    sgd = labelled(ex.figure.axes[0])["B = 8"]
    assert sgd.get_alpha() is None and sgd.get_marker() == "o"
