"""Tests of course_utils.chapters.ch05_momentum.dynamics against numpy's eigenvalues, the optimizers
themselves, closed forms worked out by hand, and brute-force searches."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from course_utils.chapters.ch05_momentum.dynamics import (
    REGIMES,
    chain_quadratic,
    critical_momentum,
    cycle_radius,
    eigen_errors,
    iteration_eigenvalues,
    iteration_matrix,
    lessard_cycles,
    lessard_grad,
    lessard_value,
    optimal_nesterov,
    regime,
    span_floor,
)
from course_utils.chapters.ch05_momentum.theory import (
    heavy_ball_rate,
    nesterov_rate,
    optimal_heavy_ball,
)
from course_utils.optimizers import SGD, run


@settings(max_examples=60, deadline=None)
@given(lr=st.floats(1e-3, 1.0), beta=st.floats(0.0, 0.99), lam=st.floats(0.0, 10.0))
def test_closed_form_eigenvalues_match_numpy(lr, beta, lam):
    for nesterov in (False, True):
        T = iteration_matrix(lr, beta, lam, nesterov)
        z = iteration_eigenvalues(lr, beta, lam, nesterov)
        by_numpy = np.linalg.eigvals(T)
        # as multisets; a double root makes eigvals accurate only to ~sqrt(machine eps)
        assert_allclose(np.sort_complex(z), np.sort_complex(by_numpy), atol=2e-7)
        assert abs(z[0]) >= abs(z[1]) - 1e-12
        rate = (nesterov_rate if nesterov else heavy_ball_rate)(lr, beta, lam)
        assert abs(z[0]) == pytest.approx(rate, abs=1e-12)


def test_matrix_by_hand_and_its_product_is_the_recursion():
    assert_allclose(iteration_matrix(0.1, 0.5, 10.0), [[0.5, -0.5], [1, 0]])
    assert_allclose(iteration_matrix(0.1, 0.5, 5.0, nesterov=True), [[0.75, -0.25], [1, 0]])
    # vieta: sum = trace = 1 + beta - h, product = det = beta
    z = iteration_eigenvalues(0.05, 0.7, 3.0)
    assert z.sum() == pytest.approx(1 + 0.7 - 0.15)
    assert z.prod() == pytest.approx(0.7)
    T = iteration_matrix([0.1, 0.2], 0.5, [[1.0], [2.0]])
    assert T.shape == (2, 2, 2, 2)


def test_stability_condition_follows_from_the_eigenvalues():
    # on the line h = 2 + 2 beta the eigenvalue -1 appears: 1 - (1 + b - h) + b = 0
    for beta in (0.0, 0.3, 0.9):
        h = 2 + 2 * beta
        z = iteration_eigenvalues(1.0, beta, h)
        assert z[0] == pytest.approx(-1.0)
        assert abs(iteration_eigenvalues(1.0, beta, 0.999 * h)[0]) < 1
        assert abs(iteration_eigenvalues(1.0, beta, 1.001 * h)[0]) > 1


@pytest.mark.parametrize("h", [0.01, 0.25, 0.5, 0.9, 1.5, 2.25, 3.5])
def test_critical_momentum_zeroes_the_discriminant_and_is_the_best_beta(h):
    b = critical_momentum(h)
    assert (1 + b - h) ** 2 - 4 * b == pytest.approx(0.0, abs=1e-12)
    z = iteration_eigenvalues(1.0, b, h)
    assert z[0] == pytest.approx(z[1], abs=1e-7)  # the two eigenvalues meet
    assert abs(z[0]) == pytest.approx(abs(1 - math.sqrt(h)), abs=1e-7)  # sqrt of ~1e-16
    # no other beta on a fine grid gives this direction a smaller rate
    betas = np.linspace(0.0, 0.999, 20_001)
    if b < 0.999:
        assert heavy_ball_rate(1.0, betas, h).min() >= abs(1 - math.sqrt(h)) - 1e-7


def _sign_changes(x):
    s = np.sign(x[np.abs(x) > 1e-300])
    return int(np.sum(s[1:] != s[:-1]))


@pytest.mark.parametrize(
    ("h", "beta", "expected"),
    [
        (0.1, 0.2, "monotone"),  # (1 - sqrt 0.1)^2 = 0.468
        (0.1, 0.6, "oscillating"),
        (1.0, 0.0, "monotone"),  # converges in one step
        (1.5, 0.01, "sign-flipping"),  # (sqrt 1.5 - 1)^2 = 0.0505
        (1.5, 0.3, "oscillating"),
        (2.5, 0.1, "divergent"),  # 2.5 > 2.2
        (2.5, 0.3, "sign-flipping"),  # 2.5 < 2.6 and 0.3 < (sqrt 2.5 - 1)^2 = 0.338
    ],
)
def test_regime_by_hand_and_by_running(h, beta, expected):
    assert regime(h, beta) == expected
    x = eigen_errors(1.0, beta, [h], [1.0], 200)[:, 0]
    if expected == "monotone":
        assert _sign_changes(x) <= 1 and abs(x[-1]) < 1e-3
    elif expected == "sign-flipping":
        assert np.all(np.sign(x[101:]) != np.sign(x[100:-1]))
        assert abs(x[-1]) < 1e-3
    elif expected == "oscillating":
        assert _sign_changes(x) >= 3
        z = iteration_eigenvalues(1.0, beta, h)
        assert abs(z[0].imag) > 0
    else:
        assert abs(x[-1]) > 1e3


@settings(max_examples=200, deadline=None)
@given(h=st.floats(0.01, 5.0), beta=st.floats(0.0, 0.99))
def test_regime_agrees_with_numpys_eigenvalues(h, beta):
    z = np.linalg.eigvals(iteration_matrix(1.0, beta, h))
    disc = (1 + beta - h) ** 2 - 4 * beta
    if abs(disc) < 1e-9 or abs(h - 2 - 2 * beta) < 1e-9:
        return  # on a boundary numpy cannot decide
    r = regime(h, beta)
    if max(abs(z)) >= 1:
        assert r == "divergent"
    elif abs(z[0].imag) > 1e-12:
        assert r == "oscillating"
    elif z.real[np.argmax(abs(z))] > 0:
        assert r == "monotone"
    else:
        assert r == "sign-flipping"


def test_regime_vectorises_and_knows_its_labels():
    out = regime(np.array([0.2, 1.0, 2.1, 2.3]), 0.1)
    assert out.tolist() == ["monotone", "oscillating", "sign-flipping", "divergent"]
    assert set(out) <= set(REGIMES)


def test_eigen_errors_match_the_real_optimizer_on_a_diagonal_bowl():
    lam = np.array([0.5, 2.0, 9.0])
    w0 = np.array([1.0, -2.0, 0.5])
    for nesterov in (False, True):
        opt = SGD(lr=0.1, momentum=0.7, nesterov=nesterov)
        traj = run(opt, lambda w: lam * w, w0, 40)
        x = eigen_errors(0.1, 0.7, lam, w0, 40, nesterov=nesterov)
        assert_allclose(x, traj.points, rtol=1e-12, atol=1e-14)


def test_eigen_errors_follow_the_closed_form_solution():
    # x_k = A z1^k + B z2^k with x_0 = 1, x_1 = 1 - h
    lr, beta, lam = 0.2, 0.5, 3.0
    z1, z2 = iteration_eigenvalues(lr, beta, lam)
    A = ((1 - lr * lam) - z2) / (z1 - z2)
    B = 1 - A
    k = np.arange(30)
    expected = (A * z1**k + B * z2**k).real
    assert_allclose(eigen_errors(lr, beta, [lam], [1.0], 29)[:, 0], expected, atol=1e-12)


def test_optimal_nesterov_by_hand_and_against_a_search():
    t = optimal_nesterov(1.0, 5.0)  # sqrt(16) = 4
    assert t == pytest.approx((0.25, 1 / 3, 0.5))
    for kappa in (4.0, 25.0, 100.0):
        t = optimal_nesterov(1.0, kappa)
        spectrum = np.linspace(1.0, kappa, 801)
        assert nesterov_rate(t.lr, t.beta, spectrum) == pytest.approx(t.rate, abs=1e-7)
        lrs = np.geomspace(t.lr / 2, 2 * t.lr, 201)
        betas = np.linspace(0.0, 0.99, 199)[:, None]
        assert nesterov_rate(lrs, betas, [1.0, kappa]).min() >= t.rate - 1e-9
        assert t.rate > optimal_heavy_ball(1.0, kappa).rate  # slower than the heavy ball


def test_chain_quadratic_spectrum_minimum_and_krylov_structure():
    c = chain_quadratic(100.0, n=120)
    lam = np.linalg.eigvalsh(c.H)
    assert lam.min() > 1.0 and lam.max() < 100.0
    assert lam.min() == pytest.approx(1.0, abs=0.02) and lam.max() == pytest.approx(100, rel=1e-3)
    assert c.q == pytest.approx(9 / 11)
    assert_allclose(c.w_star[:40], c.q ** np.arange(1, 41), rtol=1e-9)
    # gradient descent from 0: after k steps exactly the first k coordinates are non-zero
    traj = run(SGD(lr=0.01), lambda w: c.H @ w - c.b, np.zeros(120), 10)
    for k, w in enumerate(traj.points):
        assert np.count_nonzero(w) == k


def test_span_floor_is_q_to_the_k_and_no_method_beats_it():
    c = chain_quadratic(100.0, n=400)
    floor = span_floor(c.w_star, 60)
    assert_allclose(floor, c.q ** np.arange(61), rtol=1e-9)
    hb = optimal_heavy_ball(1.0, 100.0)
    nag = optimal_nesterov(1.0, 100.0)
    grad = lambda w: c.H @ w - c.b  # noqa: E731
    for opt in (SGD(lr=0.01), SGD(lr=hb.lr, momentum=hb.beta),
                SGD(lr=nag.lr, momentum=nag.beta, nesterov=True)):  # fmt: skip
        w = run(opt, grad, np.zeros(400), 60).points
        err = np.linalg.norm(w - c.w_star, axis=1) / np.linalg.norm(c.w_star)
        assert np.all(err >= floor - 1e-12)
    # the tuned heavy ball shrinks the error at the floor's rate q: measured over steps
    # 20..100 (after 100 steps the error is ~1e-9, well above rounding)
    w = run(SGD(lr=hb.lr, momentum=hb.beta), grad, np.zeros(400), 100).points
    err = np.linalg.norm(w - c.w_star, axis=1)
    assert (err[100] / err[20]) ** (1 / 80) == pytest.approx(c.q, rel=0.01)


def test_span_floor_by_hand():
    assert_allclose(span_floor([3.0, 4.0], 2), [1.0, 0.8, 0.0])


def test_lessard_function_is_continuous_strongly_convex_and_smooth():
    for x in (1.0, 2.0):
        for f in (lessard_value, lessard_grad):
            assert f(x - 1e-12) == pytest.approx(f(x), abs=1e-9)
    x = np.linspace(-5, 5, 100_001)
    slopes = np.diff(lessard_grad(x)) / np.diff(x)
    assert slopes.min() >= 1 - 1e-9 and slopes.max() <= 25 + 1e-9
    # the gradient is the derivative of the value (central differences)
    xs = np.array([-3.0, 0.4, 1.5, 2.7])
    eps = 1e-6
    numeric = (lessard_value(xs + eps) - lessard_value(xs - eps)) / (2 * eps)
    assert_allclose(numeric, lessard_grad(xs), rtol=1e-7)
    assert lessard_value(0.0) == 0.0 and lessard_grad(0.0) == 0.0


def test_tuned_heavy_ball_lands_on_the_cycle_found_by_algebra():
    tuned = optimal_heavy_ball(1.0, 25.0)
    assert tuned == pytest.approx((1 / 9, 4 / 9, 2 / 3))
    cycles = lessard_cycles(tuned.lr, tuned.beta)
    assert len(cycles) == 2
    assert_allclose(cycles[1], [2.11591837, 0.64653061, -1.80244898], atol=1e-8)
    assert cycle_radius(cycles[1]) == pytest.approx((4 / 9) ** 1.5)
    assert cycle_radius(cycles[0]) > 1  # the inner cycle repels
    for x0 in (3.07, 3.2, 3.46):  # Lessard et al.'s interval of starts at rest
        x = run(SGD(lr=tuned.lr, momentum=tuned.beta), lessard_grad, [x0], 300).points[:, 0]
        assert_allclose(np.sort(x[-3:]), np.sort(cycles[1]), atol=1e-9)
    # while Nesterov's method, tuned for strongly convex functions, converges from there
    q = (5 - 1) / (5 + 1)
    x = run(SGD(lr=1 / 25, momentum=q, nesterov=True), lessard_grad, [3.3], 300).points
    assert abs(x[-1, 0]) < 1e-12


def test_hand_written_heavy_ball_agrees_on_the_cycle():
    x_prev = x = 3.3
    for _ in range(300):
        x, x_prev = x - lessard_grad(x) / 9 + 4 / 9 * (x - x_prev), x
    c = lessard_cycles()[1]
    assert min(abs(x - c)) < 1e-9


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: iteration_matrix(0.0, 0.5, 1.0), "lr"),
        (lambda: iteration_eigenvalues(0.1, 1.0, 1.0), "beta"),
        (lambda: critical_momentum(5.0), "h"),
        (lambda: regime(-1.0, 0.5), "h"),
        (lambda: eigen_errors(0.1, 0.5, [1.0, 2.0], [1.0], 5), "x0"),
        (lambda: eigen_errors(0.1, 0.5, [1.0], [1.0], -1), "steps"),
        (lambda: optimal_nesterov(2.0, 1.0), "lam_max"),
        (lambda: chain_quadratic(1.0), "kappa"),
        (lambda: span_floor([1.0, 2.0], 3), "steps"),
        (lambda: lessard_cycles(period=1), "period"),
    ],
)
def test_invalid_arguments_name_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()
