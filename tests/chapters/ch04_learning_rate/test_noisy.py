"""Tests of noisy (chapter 4): the noisy-gradient model, bias and variance of estimates,
and SGD with a schedule on the chapter's least-squares problem.

Expected numbers come from hand calculations (a two-example data set whose estimates are
3 or -1), the closed form of the variance of a mean drawn without replacement, the normal
equations, and gradient-descent loops written out here.
"""

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from course_utils.chapters.ch04_learning_rate.noisy import (
    estimator_stats,
    gradient_estimates,
    noisy_gradient,
    sgd_run,
    small_least_squares,
    window_means,
)
from course_utils.clipping import clip_by_global_norm
from course_utils.schedules import exponential, make_schedule


def bowl_grad(w):
    return np.array([2.0, 0.5]) * w


# --- noisy_gradient ---------------------------------------------------------------------------
def test_noise_has_the_mini_batch_size():
    sigma, B, N = 2.0, 4, 64
    g = noisy_gradient(bowl_grad, sigma, B, N, seed=1)
    s = sigma / 2 * math.sqrt(60 / 63)  # sigma / sqrt(B) * sqrt((N - B) / (N - 1))
    assert g.noise_std == pytest.approx(s)
    w = np.array([1.0, -2.0])
    draws = np.array([g(w) for _ in range(20000)])
    se = s / math.sqrt(len(draws))
    assert np.all(np.abs(draws.mean(axis=0) - bowl_grad(w)) < 4 * se)
    assert_allclose(draws.std(axis=0), s, rtol=0.03)
    assert abs(np.corrcoef(draws.T)[0, 1]) < 0.03  # independent coordinates


def test_without_n_the_noise_is_sigma_over_root_b():
    assert noisy_gradient(bowl_grad, 3.0, 9).noise_std == pytest.approx(1.0)


@pytest.mark.parametrize(("sigma", "B", "N"), [(0.0, 1, None), (2.0, 64, 64), (5.0, 1, 1)])
def test_no_noise_gives_the_exact_gradient(sigma, B, N):
    g = noisy_gradient(bowl_grad, sigma, B, N)
    w = np.array([0.3, 4.0])
    assert_allclose(g(w), bowl_grad(w), rtol=0, atol=0)


def test_same_seed_same_noise_and_fresh_noise_every_call():
    a, b = noisy_gradient(bowl_grad, 1.0, 1, seed=7), noisy_gradient(bowl_grad, 1.0, 1, seed=7)
    w = np.zeros(2)
    first, second = a(w), a(w)
    assert not np.array_equal(first, second)
    assert_allclose(b(w), first, rtol=0, atol=0)
    assert not np.array_equal(noisy_gradient(bowl_grad, 1.0, 1, seed=8)(w), first)


def test_infinite_gradient_stays_infinite_without_a_warning():
    g = noisy_gradient(lambda w: np.array([np.inf, 1.0]), 1.0, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isinf(g(np.zeros(2))[0])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"sigma": -1.0}, "sigma"),
        ({"batch_size": 0}, "batch_size"),
        ({"batch_size": 65, "N": 64}, "batch_size"),
        ({"N": 0, "batch_size": 1}, "N"),
    ],
)
def test_noisy_gradient_rejects_bad_arguments(kwargs, match):
    args = {"grad": bowl_grad, "sigma": 1.0, "batch_size": 4, **kwargs}
    with pytest.raises(ValueError, match=match):
        noisy_gradient(**args)


def test_noisy_gradient_needs_a_callable():
    with pytest.raises(TypeError, match="grad"):
        noisy_gradient(np.zeros(2), 1.0, 1)


# --- gradient_estimates and estimator_stats ---------------------------------------------------
TWO = np.array([[3.0], [-1.0]])  # g = 1; one example's gradient is 3 or -1


def test_full_batch_estimates_are_the_full_gradient():
    G = np.random.default_rng(0).normal(size=(10, 3))
    est = gradient_estimates(G, 10, trials=5)
    assert_allclose(est, np.tile(G.mean(axis=0), (5, 1)), rtol=1e-12)


def test_single_example_estimates_are_rows_drawn_uniformly():
    G = np.arange(8.0).reshape(4, 2)
    est = gradient_estimates(G, 1, trials=4000, seed=3)
    rows = [np.flatnonzero(np.all(G == e, axis=1)) for e in est]
    assert all(len(r) == 1 for r in rows)
    counts = np.bincount([r[0] for r in rows], minlength=4)
    assert np.all(np.abs(counts - 1000) < 4 * math.sqrt(1000 * 0.75))


def test_batches_hold_distinct_examples():
    G = np.array([[1.0], [0.0]])  # a batch of two distinct rows averages exactly 0.5
    assert_allclose(gradient_estimates(G, 2, trials=50), 0.5)


def test_clipped_estimates_follow_the_clipping_module_row_by_row():
    G = np.random.default_rng(4).normal(size=(20, 3)) * 3
    raw = gradient_estimates(G, 3, trials=200, seed=5)
    clipped = gradient_estimates(G, 3, trials=200, clip_norm=1.5, seed=5)
    expected = np.array([clip_by_global_norm(r, 1.5)[0] for r in raw])
    assert_allclose(clipped, expected, rtol=1e-12)


@settings(max_examples=50, deadline=None)
@given(
    st.integers(1, 12),
    st.floats(0.05, 10.0),
    st.integers(0, 10_000),
)
def test_clipped_estimates_never_exceed_the_threshold(B, c, seed):
    G = np.random.default_rng(seed).normal(size=(12, 2)) * 5
    est = gradient_estimates(G, B, trials=30, clip_norm=c, seed=seed)
    assert np.all(np.linalg.norm(est, axis=1) <= c * (1 + 1e-12))


def test_two_example_bias_and_variance_by_hand():
    # B = 1 unclipped: 3 or -1 with probability 1/2 each -> mean 1 (bias 0), variance 4.
    r = estimator_stats(TWO, [1, 2], trials=40000, seed=0)
    assert r.sigma == pytest.approx(2.0)
    assert_allclose(r.predicted_variance, [4.0, 0.0], atol=1e-12)
    assert r.bias[0] < 4 * r.mc_error[0]
    assert r.variance[0] == pytest.approx(4.0, rel=0.02)
    assert r.bias[1] == pytest.approx(0.0, abs=1e-12)
    assert r.variance[1] == pytest.approx(0.0, abs=1e-12)
    # Clipped at c = 1: 3 -> 1 and -1 stays -1 -> mean 0, so bias 1 and variance 1.
    c = estimator_stats(TWO, [1], trials=40000, clip_norm=1.0, seed=0)
    assert c.bias[0] == pytest.approx(1.0, abs=0.03)
    assert c.variance[0] == pytest.approx(1.0, rel=0.02)


def test_measured_variance_matches_the_finite_population_formula():
    G = np.random.default_rng(6).normal(size=(30, 2)) * [1.0, 3.0] + [2.0, 0.0]
    r = estimator_stats(G, [1, 3, 10, 29], trials=6000, seed=1)
    sigma2 = np.mean(np.sum((G - G.mean(axis=0)) ** 2, axis=1))
    B = np.array([1, 3, 10, 29])
    assert_allclose(r.predicted_variance, sigma2 / B * (30 - B) / 29, rtol=1e-12)
    assert_allclose(r.variance, r.predicted_variance, rtol=0.06)
    assert np.all(r.bias < 4 * r.mc_error)


def test_clipping_a_large_gradient_is_biased_towards_shorter_steps():
    G = np.random.default_rng(2).normal(size=(40, 2)) + [5.0, 0.0]  # ||g|| about 5
    r = estimator_stats(G, [1, 40], trials=2000, clip_norm=1.0, seed=2)
    g = np.linalg.norm(G.mean(axis=0))
    assert_allclose(r.bias[1], g - 1.0, rtol=1e-5)  # the full gradient, cut to norm 1
    assert r.bias[0] > 2.0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"G": np.zeros(3)}, "G"),
        ({"G": np.zeros((0, 2))}, "G"),
        ({"batch_sizes": [5]}, "batch size"),
        ({"trials": 1}, "trials"),
        ({"clip_norm": 0.0}, "clip_norm"),
    ],
)
def test_estimator_stats_rejects_bad_arguments(kwargs, match):
    args = {"G": np.ones((4, 2)), "batch_sizes": [1, 2], **kwargs}
    with pytest.raises(ValueError, match=match):
        estimator_stats(**args)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"batch_size": 0}, "batch_size"), ({"trials": 0}, "trials"), ({"clip_norm": -1}, "clip")],
)
def test_gradient_estimates_rejects_bad_arguments(kwargs, match):
    args = {"G": np.ones((4, 2)), "batch_size": 2, **kwargs}
    with pytest.raises(ValueError, match=match):
        gradient_estimates(**args)


# --- the least-squares problem and SGD on it ---------------------------------------------------
P = small_least_squares()


def test_problem_has_the_stated_curvature_and_solution():
    assert P.X.shape == (64, 2)
    assert_allclose(np.linalg.eigvalsh(P.X.T @ P.X / 64), [0.5, 6.0], rtol=1e-10)
    w_ls = np.linalg.lstsq(P.X, P.y, rcond=None)[0]
    assert_allclose(w_ls, [2.0, 1.0], rtol=1e-10)
    r = P.X @ w_ls - P.y
    assert P.E_star == pytest.approx(r @ r / 128)


def test_full_batch_run_is_gradient_descent_with_the_schedule():
    sched = exponential(0.3, 0.9)
    traj = sgd_run(P, lr=0.3, steps=6, schedule=sched)
    w = P.surface.start.copy()
    for t in range(6):
        w = w - sched(t) * P.X.T @ (P.X @ w - P.y) / 64
        assert_allclose(traj.points[t + 1], w, rtol=1e-12)
    d = w - P.w_star
    assert traj.losses[-1] == pytest.approx(0.5 * d @ P.H @ d)


def test_gradient_descent_is_stable_below_one_third_only():
    assert not sgd_run(P, lr=0.32, steps=300).diverged
    assert sgd_run(P, lr=0.32, steps=300).losses[-1] < 1e-12
    bad = sgd_run(P, lr=0.35, steps=300)
    assert bad.diverged and np.all(np.isfinite(bad.points))


def test_constant_rate_sgd_hovers_and_a_decaying_rate_shrinks_the_ball():
    T = 2000

    def floor(lr, name):
        traj = sgd_run(P, lr, batch_size=1, steps=T, schedule=make_schedule(name, lr, T))
        return traj.losses[-T // 4 :].mean()

    small, large = floor(0.01, "constant"), floor(0.05, "constant")
    assert 0 < small < large  # the ball grows with eta
    assert floor(0.05, "1/t") < large / 3


def test_sgd_run_rejects_a_bad_start():
    with pytest.raises(ValueError, match="w0"):
        sgd_run(P, 0.1, w0=[1.0, 2.0, 3.0])


def test_window_means_by_hand():
    centres, means = window_means(np.arange(7.0), 3)  # windows 0,1,2 and 3,4,5; 6 dropped
    assert_allclose(centres, [1.0, 4.0])
    assert_allclose(means, [1.0, 4.0])
    with pytest.raises(ValueError, match="size"):
        window_means(np.arange(3.0), 4)
    with pytest.raises(ValueError, match="values"):
        window_means(np.ones((2, 2)), 1)
