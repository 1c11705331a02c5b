"""Tests of course_utils.least_squares: the shared problem type, the ravine, batch gradients."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from course_utils.chapters.ch06_adaptive.race import scaled_least_squares
from course_utils.least_squares import (
    LeastSquares,
    gradient_covariance,
    least_squares_problem,
    least_squares_ravine,
    minibatch_gradients,
    sampled_gradients,
)


def test_one_problem_type_with_named_fields():
    assert LeastSquares._fields == ("X", "y", "H", "w_star", "E_star", "surface")
    p = least_squares_ravine(n=8)
    q = scaled_least_squares(n=8)
    assert type(p) is type(q) is LeastSquares


# --- the least-squares ravine -----------------------------------------------------------
def test_ravine_has_the_requested_hessian_and_solution():
    p = least_squares_ravine(n=40, lam_min=0.5, lam_max=20.0, angle=0.3, w_star=(1.0, -1.0))
    N = 40
    assert_allclose(p.H, p.X.T @ p.X / N, atol=1e-12)
    assert_allclose(np.linalg.eigvalsh(p.H), [0.5, 20.0], rtol=1e-10)
    u = np.array([np.cos(0.3), np.sin(0.3)])  # the shallow direction
    assert_allclose(p.H @ u, 0.5 * u, atol=1e-10)
    assert_allclose(np.linalg.solve(p.X.T @ p.X, p.X.T @ p.y), [1.0, -1.0], atol=1e-10)
    r = p.X @ p.w_star - p.y
    assert p.E_star == pytest.approx(r @ r / (2 * N))
    w = np.array([3.0, 2.0])  # the surface is the excess loss
    full = np.sum((p.X @ w - p.y) ** 2) / (2 * N)
    assert p.surface.value(w) == pytest.approx(full - p.E_star, rel=1e-10)
    assert least_squares_ravine(noise=0.0).E_star == pytest.approx(0.0, abs=1e-20)


def test_ravine_validates_its_arguments():
    with pytest.raises(ValueError, match="n"):
        least_squares_ravine(n=2)
    with pytest.raises(ValueError, match="noise"):
        least_squares_ravine(noise=-1.0)
    with pytest.raises(ValueError, match="w_star"):
        least_squares_ravine(w_star=(1.0, 2.0, 3.0))


# --- momentum_path ----------------------------------------------------------------------
# --- minibatch_gradients -----------------------------------------------------------------
def test_full_batch_gradient_is_the_exact_gradient():
    p = scaled_least_squares(n=16)
    grad_fn = minibatch_gradients(p)  # default: B = N
    w = np.array([0.5, -1.0])
    expected = p.X.T @ (p.X @ w - p.y) / 16
    for _ in range(3):
        assert_allclose(grad_fn(w), expected, rtol=1e-12)


def test_minibatch_gradients_average_to_the_full_gradient_over_an_epoch():
    p = scaled_least_squares(n=16)
    w = np.array([0.5, -1.0])
    for B in (1, 4, 8):
        grad_fn = minibatch_gradients(p, B, seed=3)
        grads = [grad_fn(w) for _ in range(16 // B)]  # one epoch, equal batch sizes
        assert_allclose(np.mean(grads, axis=0), p.X.T @ (p.X @ w - p.y) / 16, rtol=1e-10)
        assert not np.allclose(grads[0], grads[1])  # different batches


def test_minibatch_gradients_single_example_and_epochs_continue():
    p = scaled_least_squares(n=4)
    grad_fn = minibatch_gradients(p, 1, seed=0)
    w = np.zeros(2)
    per_example = {tuple(np.round(-p.X[n] * p.y[n], 12)) for n in range(4)}
    seen = [tuple(np.round(grad_fn(w), 12)) for _ in range(8)]  # two epochs
    assert set(seen[:4]) == per_example and set(seen[4:]) == per_example


def test_minibatch_gradients_same_seed_same_batches():
    p = scaled_least_squares(n=32)
    w = np.array([1.0, 1.0])
    a, b, c = (minibatch_gradients(p, 4, seed=s) for s in (7, 7, 8))
    ga, gb, gc = ([f(w) for _ in range(10)] for f in (a, b, c))
    assert_allclose(ga, gb)
    assert not np.allclose(ga, gc)


@pytest.mark.parametrize(("B", "error"), [(0, ValueError), (65, ValueError), (2.5, TypeError)])
def test_minibatch_gradients_rejects_bad_batch_size(B, error):
    with pytest.raises(error, match="batch_size"):
        minibatch_gradients(scaled_least_squares(), B)


def test_least_squares_problem_of_any_data():
    X = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0], [2.0, -1.0]])
    y = np.array([1.0, 5.0, 2.0, 0.0])
    p = least_squares_problem(X, y)
    w_lstsq = np.linalg.lstsq(X, y, rcond=None)[0]  # a second method
    assert_allclose(p.w_star, w_lstsq)
    assert_allclose(p.E_star, np.sum((X @ w_lstsq - y) ** 2) / 8)
    assert_allclose(p.surface.value(p.w_star + [1.0, 0.0]), p.H[0, 0] / 2)
    assert_allclose(p.surface.start, p.w_star + 1.0)
    with pytest.raises(ValueError, match="full column rank"):
        least_squares_problem([[1.0, 2.0], [2.0, 4.0]], [1.0, 2.0])
    with pytest.raises(ValueError, match="one entry per row"):
        least_squares_problem(X, [1.0, 2.0])


def test_gradient_covariance_by_hand():
    # x = (1, 2), y = (1, 1), at w = 0: g_n = x_n (0 - y_n) = (-1, -2); mean -1.5, spread 0.5
    p = least_squares_problem([[1.0], [2.0]], [1.0, 1.0])
    assert_allclose(gradient_covariance(p, [0.0]), [[0.25]])


def test_sampled_gradients_draw_with_replacement_and_rows_run_apart():
    p = least_squares_problem([[1.0], [1.0], [1.0]], [0.0, 3.0, 6.0])  # g_n = w - y_n
    grad = sampled_gradients(p, batch_size=1, seed=0)
    draws = np.array([grad(np.zeros(1))[0] for _ in range(3000)])
    assert set(np.round(draws, 12)) == {0.0, -3.0, -6.0}
    assert abs(draws.mean() + 3.0) < 0.15  # unbiased: the full gradient is -3
    assert abs(draws.var() - 6.0) < 0.5  # Sigma = var(y) = 6
    rows = sampled_gradients(p, batch_size=4, seed=1)(np.zeros((500, 1)))
    assert rows.shape == (500, 1) and len(np.unique(rows)) > 5  # each row its own batch
    assert abs(rows.var() - 6.0 / 4) < 0.3  # Sigma / B
    with pytest.raises(ValueError, match="batch_size must be in"):
        sampled_gradients(p, batch_size=0)
