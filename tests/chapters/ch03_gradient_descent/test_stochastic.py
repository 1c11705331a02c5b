"""Tests of stochastic (chapter 3): the least-squares surface and mini-batch noise.

Expected numbers come from independent routes: brute-force sums over the examples,
numpy.polyfit for the least-squares minimum, finite differences for gradients, and the
closed form of the variance of a sample mean drawn without replacement.
"""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from course_utils.chapters.ch03_gradient_descent.stochastic import (
    SineRegression,
    gradient_noise,
    least_squares_surface,
    linear_sgd,
    make_sine_data,
    per_example_gradients,
    standard_error,
)
from course_utils.nn import MLP


def line_data(n=30, seed=0):
    gen = np.random.default_rng(seed)
    x = gen.uniform(-2, 3, size=n)
    return x[:, None], 2.0 * x - 1.0 + 0.5 * gen.normal(size=n)


def brute_loss(w, b, x, y):
    return sum(0.5 * (w * xi + b - yi) ** 2 for xi, yi in zip(x, y, strict=True)) / len(x)


def test_surface_value_is_the_mean_squared_error_at_every_grid_point():
    X, y = line_data()
    s = least_squares_surface(X, y)
    pts = np.random.default_rng(1).normal(size=(4, 3, 2)) * 3
    expected = np.array([[brute_loss(p[0], p[1], X[:, 0], y) for p in row] for row in pts])
    assert_allclose(s.value(pts), expected, rtol=1e-12)


def test_surface_agrees_with_the_network_it_describes():
    X, y = line_data(seed=2)
    s, net = least_squares_surface(X, y), MLP([1, 1])
    for wb in ([0.3, -0.2], [2.0, 1.0], [-4.0, 5.0]):
        E, g = net.flat_loss_and_grad(np.array(wb), X, y)
        assert_allclose(s.value(np.array(wb)), E, rtol=1e-12)
        assert_allclose(s.grad(np.array(wb)), g, rtol=1e-10, atol=1e-12)


def test_surface_minimum_is_the_least_squares_line():
    X, y = line_data(seed=3)
    s = least_squares_surface(X, y)
    slope, intercept = np.polyfit(X[:, 0], y, 1)
    assert_allclose(s.minima[0], [slope, intercept], rtol=1e-10)
    assert_allclose(s.min_value, brute_loss(slope, intercept, X[:, 0], y), rtol=1e-10)
    assert_allclose(s.grad(s.minima[0]), [0.0, 0.0], atol=1e-12)
    x = X[:, 0]
    H = np.array([[np.mean(x * x), np.mean(x)], [np.mean(x), 1.0]])
    assert_allclose(s.hessian(np.zeros((2, 2))), [H, H])
    assert_allclose(s.eigenvalues, np.linalg.eigvalsh(H))
    assert_allclose(s.bounds, [(slope - 3, slope + 3), (intercept - 3, intercept + 3)], rtol=1e-10)


def test_surface_of_a_single_example_has_a_line_of_minima():
    s = least_squares_surface([2.0], [1.0])
    assert s.minima.shape == (0, 2)
    assert_allclose(s.value(np.array([[0.5, 0.0], [0.0, 1.0]])), [0.0, 0.0], atol=1e-15)


def test_surface_rejects_bad_data():
    with pytest.raises(ValueError, match="y must have one entry"):
        least_squares_surface([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="X must have shape"):
        least_squares_surface(np.ones((3, 2)), np.ones(3))
    with pytest.raises(ValueError, match="half_width"):
        least_squares_surface([1.0, 2.0], [1.0, 2.0], half_width=0.0)
    with pytest.raises(ValueError, match="start"):
        least_squares_surface([1.0, 2.0], [1.0, 2.0], start=[1.0])


def test_per_example_gradients_by_hand_and_their_mean_is_the_full_gradient():
    X, y = line_data(n=12, seed=4)
    w = np.array([0.7, -0.3])
    G = per_example_gradients(MLP([1, 1]), w, X, y)
    r = w[0] * X[:, 0] + w[1] - y
    assert_allclose(G, np.column_stack([r * X[:, 0], r]), rtol=1e-12)
    assert_allclose(G.mean(axis=0), MLP([1, 1]).flat_loss_and_grad(w, X, y)[1], rtol=1e-12)
    with pytest.raises(ValueError, match="rows"):
        per_example_gradients(MLP([1, 1]), w, X, y[:-1])


def test_standard_error_closed_forms():
    assert standard_error(3.0, 9) == pytest.approx(1.0)
    assert_allclose(standard_error(2.0, np.array([1, 4, 16])), [2.0, 1.0, 0.5])
    # N = 5, B = 2: sqrt(3/4) * sigma / sqrt(2)
    assert standard_error(1.0, 2, N=5) == pytest.approx(np.sqrt(3 / 8))
    assert standard_error(1.0, 5, N=5) == 0.0
    assert standard_error(1.0, 1, N=1) == 0.0
    with pytest.raises(ValueError, match="B"):
        standard_error(1.0, 0)
    with pytest.raises(ValueError, match="B"):
        standard_error(1.0, 6, N=5)
    with pytest.raises(ValueError, match="sigma"):
        standard_error(-1.0, 2)
    with pytest.raises(ValueError, match="N"):
        standard_error(1.0, 1, N=0)


def exact_spread(G, B):
    """RMS of ||g_B - g|| over ALL subsets of size B (enumerated), the exact answer."""
    from itertools import combinations

    g = G.mean(axis=0)
    d = [np.sum((G[list(c)].mean(axis=0) - g) ** 2) for c in combinations(range(len(G)), B)]
    return np.sqrt(np.mean(d))


def test_finite_population_correction_matches_enumeration_of_all_batches():
    G = np.random.default_rng(5).normal(size=(8, 2))
    sigma = np.sqrt(np.mean(np.sum((G - G.mean(axis=0)) ** 2, axis=1)))
    for B in range(1, 9):
        assert_allclose(standard_error(sigma, B, N=8), exact_spread(G, B), rtol=1e-12, atol=1e-15)


def test_gradient_noise_measures_the_standard_error():
    G = np.random.default_rng(6).normal(size=(200, 2)) * [3.0, 1.0]
    r = gradient_noise(G, [1, 4, 16, 64, 200], trials=3000, seed=0)
    assert_allclose(r.g, G.mean(axis=0))
    assert_allclose(r.spread[:4], r.predicted[:4], rtol=0.05)
    assert r.spread[-1] < 1e-12 and r.predicted[-1] == 0.0
    ratio = r.spread[0] / r.spread[1]  # four times the batch, half the noise
    assert ratio == pytest.approx(2 * np.sqrt(199 / 196), rel=0.05)
    assert r.trials == 3000 and r.B.tolist() == [1, 4, 16, 64, 200]


def test_gradient_noise_is_reproducible_and_draws_distinct_examples():
    G = np.arange(6.0)[:, None]
    a = gradient_noise(G, [2, 3], trials=500, seed=1)
    b = gradient_noise(G, [2, 3], trials=500, seed=1)
    assert_allclose(a.spread, b.spread, rtol=0)
    assert_allclose(a.spread, [exact_spread(G, 2), exact_spread(G, 3)], rtol=0.06)


def test_gradient_noise_rejects_bad_arguments():
    G = np.ones((5, 2))
    with pytest.raises(ValueError, match="batch size"):
        gradient_noise(G, [6])
    with pytest.raises(ValueError, match="batch size"):
        gradient_noise(G, [0])
    with pytest.raises(ValueError, match="trials"):
        gradient_noise(G, [1], trials=0)
    with pytest.raises(ValueError, match="G"):
        gradient_noise(np.ones(5), [1])
    with pytest.raises(TypeError, match="seed"):
        gradient_noise(G, [1], seed="x")


@settings(max_examples=50, deadline=None)
@given(w=st.floats(-6, 6), seed=st.integers(0, 1000))
def test_sine_gradient_matches_finite_differences(w, seed):
    X, y = make_sine_data(n=10, seed=seed)
    m, h = SineRegression(), 1e-6
    E, g = m.flat_loss_and_grad(np.array([w]), X, y)
    Ep = m.flat_loss_and_grad(np.array([w + h]), X, y)[0]
    Em = m.flat_loss_and_grad(np.array([w - h]), X, y)[0]
    assert_allclose(g[0], (Ep - Em) / (2 * h), atol=1e-6)
    assert_allclose(SineRegression.loss_curve(np.array([w]), X, y), [E], rtol=1e-12)


def test_sine_model_interface_and_loss_by_hand():
    m = SineRegression(w=0.5)
    assert m.get_flat().tolist() == [0.5] and m.n_params == 1
    m.set_flat(np.array([2.0]))
    assert m.get_flat().tolist() == [2.0]
    X, y = np.array([[np.pi / 4]]), np.array([0.0])  # sin(2 pi/4) = 1
    assert m.flat_loss_and_grad(np.array([2.0]), X, y)[0] == pytest.approx(0.5)
    with pytest.raises(ValueError, match="w"):
        m.set_flat(np.array([1.0, 2.0]))
    curve = SineRegression.loss_curve(np.zeros((3, 4)), X, y)
    assert curve.shape == (3, 4)


def test_make_sine_data_is_seeded_and_noise_free_when_asked():
    X, y = make_sine_data(n=20, w=1.5, noise=0.0, x_max=2.0, seed=3)
    assert X.shape == (20, 1) and y.shape == (20,)
    assert np.all((X >= 0) & (X <= 2.0))
    assert_allclose(y, np.sin(1.5 * X[:, 0]))
    X2, y2 = make_sine_data(n=20, w=1.5, noise=0.0, x_max=2.0, seed=3)
    assert_allclose(X2, X, rtol=0)
    with pytest.raises(ValueError, match="n"):
        make_sine_data(n=0)
    with pytest.raises(ValueError, match="noise"):
        make_sine_data(noise=-1.0)


def test_linear_sgd_is_the_training_loop_for_the_line():
    """Same steps as training.train with MLP([1, 1]) and plain SGD, same shuffling seed."""
    from course_utils.optimizers import SGD
    from course_utils.training import train

    X, y = line_data(n=20, seed=5)
    w0 = np.array([0.5, 0.5])
    for B, seed in [(1, 0), (3, 1), (7, 2), (20, 3)]:
        r = linear_sgd(X, y, w0, lr=0.05, batch_size=B, epochs=3, seed=seed)
        line = MLP([1, 1])
        line.set_flat(w0)
        h = train(line, X, y, SGD(lr=0.05), batch_size=B, epochs=3, seed=seed, record_path=True)
        assert r.steps_per_epoch == h.steps_per_epoch == -(-20 // B)
        assert_allclose(r.path, h.path, rtol=1e-12, atol=1e-12)
        assert r.diverged_at is None


def test_linear_sgd_without_shuffling_follows_the_stored_order_by_hand():
    X, y = np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 1.0])
    r = linear_sgd(X, y, [0.0, 0.0], lr=0.1, batch_size=2, epochs=2, shuffle=False)
    w, expected = np.zeros(2), [np.zeros(2)]
    for _ in range(2):
        for idx in ([0, 1], [2]):  # batches in the stored order, the last one smaller
            res = w[0] * X[idx] + w[1] - y[idx]
            w = w - 0.1 * np.array([np.mean(res * X[idx]), np.mean(res)])
            expected.append(w)
    assert_allclose(r.path, expected, rtol=1e-14)
    assert r.steps_per_epoch == 2


def test_linear_sgd_stops_cleanly_when_it_diverges():
    X, y = line_data(n=16, seed=6)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = linear_sgd(X, y, [0.0, 0.0], lr=5.0, batch_size=16, epochs=500)
    assert r.diverged_at is not None and len(r.path) == r.diverged_at + 1
    assert np.all(np.isfinite(r.path)) and np.abs(r.path).max() <= 1e6
    # 2 / lambda_max is the stability limit of full-batch descent on the quadratic
    lam_max = least_squares_surface(X, y).eigenvalues[-1]
    stable = linear_sgd(X, y, [0.0, 0.0], lr=1.9 / lam_max, batch_size=16, epochs=500)
    assert stable.diverged_at is None


def test_linear_sgd_rejects_bad_arguments():
    X, y = line_data(n=5)
    with pytest.raises(ValueError, match="lr"):
        linear_sgd(X, y, [0.0, 0.0], lr=0.0, batch_size=1, epochs=1)
    with pytest.raises(ValueError, match="batch_size"):
        linear_sgd(X, y, [0.0, 0.0], lr=0.1, batch_size=6, epochs=1)
    with pytest.raises(ValueError, match="epochs"):
        linear_sgd(X, y, [0.0, 0.0], lr=0.1, batch_size=1, epochs=-1)
    with pytest.raises(ValueError, match="w0"):
        linear_sgd(X, y, [0.0], lr=0.1, batch_size=1, epochs=1)
    with pytest.raises(ValueError, match="y must have one entry"):
        linear_sgd(X, y[:-1], [0.0, 0.0], lr=0.1, batch_size=1, epochs=1)
