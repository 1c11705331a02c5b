"""Tests of experiments (chapter 5): runs checked against the optimizers stepped by
hand, closed-form rates, and the exact construction of the least-squares ravine."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from course_utils.chapters.ch05_momentum.experiments import (
    GridSearch,
    converge,
    grid_search,
    momentum_path,
    nesterov_lookahead,
    one_at_a_time,
)
from course_utils.least_squares import least_squares_ravine
from course_utils.optimizers import SGD
from course_utils.surfaces import bowl


def sgd_by_hand(H, w0, lr, beta, steps, nesterov=False, c=None):
    """torch's update written out: v <- beta v + g, w <- w - lr (g + beta v | v)."""
    H = np.asarray(H, dtype=float)
    c = np.zeros(len(w0)) if c is None else np.asarray(c, dtype=float)
    w, vel = np.asarray(w0, dtype=float), np.zeros(len(w0))
    for _ in range(steps):
        g = H @ (w - c)
        vel = beta * vel + g
        w = w - lr * (g + beta * vel if nesterov else vel)
    return w


# --- converge ---------------------------------------------------------------------------
def test_converge_measures_the_gd_rate_on_a_diagonal_bowl():
    # at eta = 2/(1+9) = 0.2 both directions shrink by exactly 0.8 per step (in modulus)
    c = converge(SGD(lr=0.2), bowl(1.0, 9.0), tol=1e-4)
    assert c.rate == pytest.approx(0.8, rel=1e-9)
    assert c.steps == int(np.ceil(np.log(1e-4) / np.log(0.8)))
    assert not c.diverged
    assert c.errors[0] == 1.0 and c.errors[-1] <= 1e-4


def test_converge_with_momentum_beats_gd_and_approaches_the_heavy_ball_rate():
    gd = converge(SGD(lr=0.2), bowl(1.0, 9.0), tol=1e-8)
    hb = converge(SGD(lr=0.25, momentum=0.25), bowl(1.0, 9.0), tol=1e-8)
    assert hb.steps < gd.steps
    # double root at 0.5: the error behaves like k 0.5^k, so the measured rate is a bit above
    assert 0.5 < hb.rate < 0.56


def test_converge_reports_divergence_and_giving_up():
    d = converge(SGD(lr=0.3), bowl(1.0, 9.0))  # |1 - 0.3 * 9| = 1.7 > 1
    assert d.diverged and d.steps is None
    slow = converge(SGD(lr=0.01), bowl(1.0, 9.0), w0=[1.0, 0.0], max_steps=5)
    assert not slow.diverged and slow.steps is None and len(slow.errors) == 6
    assert slow.rate == pytest.approx(0.99, rel=1e-9)  # along the shallow direction: 1 - 0.01


def test_converge_validates_its_arguments():
    s = bowl(1.0, 9.0)
    with pytest.raises(ValueError, match="tol"):
        converge(SGD(lr=0.1), s, tol=1.5)
    with pytest.raises(ValueError, match="max_steps"):
        converge(SGD(lr=0.1), s, max_steps=0)
    with pytest.raises(ValueError, match="w0"):
        converge(SGD(lr=0.1), s, w0=s.global_minimum)


# --- grid search ------------------------------------------------------------------------
@pytest.mark.parametrize("nesterov", [False, True])
def test_grid_search_matches_sgd_stepped_by_hand(nesterov):
    H = np.array([[2.0, 0.5], [0.5, 1.0]])
    w0, c = np.array([1.0, -2.0]), np.array([0.5, 0.5])
    lrs, betas = [0.05, 0.2, 0.5], [0.0, 0.5, 0.9]
    g = grid_search(H, w0, lrs, betas, steps=7, center=c, nesterov=nesterov)
    assert g.losses.shape == (3, 3) and g.steps == 7
    d0 = w0 - c
    assert g.loss0 == pytest.approx(0.5 * d0 @ H @ d0)
    for i, b in enumerate(betas):
        for j, lr in enumerate(lrs):
            d = sgd_by_hand(H, w0, lr, b, 7, nesterov, c) - c
            loss = 0.5 * d @ H @ d
            if g.diverged[i, j]:
                assert np.isnan(g.losses[i, j]) and not loss < g.loss0
            else:
                assert g.losses[i, j] == pytest.approx(loss, rel=1e-10)


def test_grid_search_marks_overflow_as_diverged_without_warnings():
    g = grid_search(np.diag([1.0, 100.0]), [1.0, 1.0], [1.0], [0.0], steps=2000)
    assert g.diverged.all() and np.isnan(g.losses).all()


def test_grid_search_validates_its_arguments():
    with pytest.raises(ValueError, match="H"):
        grid_search([[1.0, 2.0], [0.0, 1.0]], [1.0, 1.0], [0.1], [0.5])
    with pytest.raises(ValueError, match="lrs"):
        grid_search(np.eye(2), [1.0, 1.0], [-0.1], [0.5])
    with pytest.raises(ValueError, match="betas"):
        grid_search(np.eye(2), [1.0, 1.0], [0.1], [1.0])
    with pytest.raises(ValueError, match="steps"):
        grid_search(np.eye(2), [1.0, 1.0], [0.1], [0.5], steps=0)


# --- Nesterov's two forms ---------------------------------------------------------------
def test_lookahead_points_are_torch_nesterov_parameters():
    s = bowl(0.5, 8.0, angle=0.4)
    lr, beta, steps = 0.1, 0.8, 25
    w, ahead = nesterov_lookahead(s.grad, s.start, lr, beta, steps)
    assert w.shape == ahead.shape == (steps + 1, 2)
    opt = SGD(lr=lr, momentum=beta, nesterov=True)
    p, state = np.array(s.start, dtype=float), opt.init(s.start)
    for k in range(steps):
        p, state = opt.step(p, s.grad(p), state)
        assert_allclose(ahead[k + 1], p, rtol=1e-12, atol=1e-14)


def test_lookahead_gradient_is_taken_ahead_of_the_weights():
    # E = w^2 / 2 by hand: v1 = 1, w1 = 0.5; v2 = 0.5 + (0.5 - 0.25) = 0.75, w2 = 0.125
    w, ahead = nesterov_lookahead(lambda w: w, [1.0], lr=0.5, beta=0.5, steps=2)
    assert_allclose(w[:, 0], [1.0, 0.5, 0.125])
    assert_allclose(ahead[:, 0], [1.0, 0.25, 0.125 - 0.5 * 0.5 * 0.75])
    with pytest.raises(ValueError, match="beta"):
        nesterov_lookahead(lambda w: w, [1.0], lr=0.5, beta=1.0, steps=2)
    with pytest.raises(ValueError, match="lr"):
        nesterov_lookahead(lambda w: w, [1.0], lr=0.0, beta=0.5, steps=2)


@pytest.mark.parametrize(("beta", "nesterov"), [(0.0, False), (0.7, False), (0.7, True)])
def test_full_batch_path_is_sgd_on_the_quadratic(beta, nesterov):
    p = least_squares_ravine()
    t = momentum_path(p, 0.05, beta, steps=30, nesterov=nesterov)
    assert t.steps == 30 and not t.diverged and t.points.shape == (31, 2)
    w_end = sgd_by_hand(p.H, p.surface.start, 0.05, beta, 30, nesterov, p.w_star)
    assert_allclose(t.points[-1], w_end, rtol=1e-10)
    d = t.points - p.w_star
    assert_allclose(t.losses, 0.5 * np.einsum("ki,ij,kj->k", d, p.H, d), rtol=1e-10)


def test_minibatch_path_uses_batch_gradients_and_is_seeded():
    p = least_squares_ravine(n=16)
    a = momentum_path(p, 0.05, 0.5, batch_size=4, steps=10, seed=3)
    b = momentum_path(p, 0.05, 0.5, batch_size=4, steps=10, seed=3)
    assert_allclose(a.points, b.points)
    full = momentum_path(p, 0.05, 0.5, steps=10)
    assert a.steps == 10 and not np.allclose(a.points[-1], full.points[-1])
    # the gradient norms are of batch gradients: they differ from the full-batch ones
    assert not np.allclose(a.grad_norms, full.grad_norms)


def test_path_stops_cleanly_when_it_diverges():
    p = least_squares_ravine()  # lam_max = 10: plain GD needs eta < 0.2
    t = momentum_path(p, 0.5, 0.0, steps=200)
    assert t.diverged and t.diverged_at == t.steps and t.steps < 200
    assert np.all(np.isfinite(t.points)) and len(t.losses) == t.steps + 1
    ok = momentum_path(p, 0.19, 0.0, steps=200)  # just inside 2 / lam_max
    assert not ok.diverged


def test_path_validates_its_arguments():
    p = least_squares_ravine()
    with pytest.raises(ValueError, match="batch_size"):
        momentum_path(p, 0.1, batch_size=65)
    with pytest.raises(ValueError, match="beta"):
        momentum_path(p, 0.1, beta=1.0)
    with pytest.raises(ValueError, match="steps"):
        momentum_path(p, 0.1, steps=-1)


def test_one_at_a_time_follows_rows_and_columns_and_skips_diverged_cells():
    lrs, betas = np.array([0.1, 0.2, 0.4]), np.array([0.0, 0.5, 0.9])
    losses = np.array(
        [[4.0, 3.0, np.nan],  # beta = 0: the best lr is 0.2 (nan = diverged, skipped)
         [2.0, 1.5, 0.5],  # beta = 0.5: column 0.2 -> here; then lr 0.4
         [9.0, 8.0, 0.25]]  # beta = 0.9: column 0.4 -> here
    )  # fmt: skip
    g = GridSearch(lrs, betas, losses, np.isnan(losses), 10.0, 5)
    steps = one_at_a_time(g, beta=0.1, rounds=2)  # nearest row: beta = 0
    assert [tuple(s) for s in steps] == [
        (0.2, 0.0, 3.0), (0.2, 0.5, 1.5), (0.4, 0.5, 0.5), (0.4, 0.9, 0.25)
    ]  # fmt: skip
    losses_seen = [s.loss for s in steps]
    assert losses_seen == sorted(losses_seen, reverse=True)  # never worse
    with pytest.raises(ValueError, match="rounds"):
        one_at_a_time(g, rounds=0)


def test_one_at_a_time_creeps_along_the_band_on_the_ravine():
    problem = least_squares_ravine()
    lrs, betas = np.geomspace(1e-3, 1.0, 61), np.linspace(0.0, 0.98, 50)
    g = grid_search(problem.H, problem.surface.start, lrs, betas, steps=100,
                    center=problem.w_star)  # fmt: skip
    steps = one_at_a_time(g, beta=0.9, rounds=2)
    best = np.nanmin(g.losses)
    # each round improves, yet after two rounds the loss is still orders of magnitude
    # above the best cell of the grid, which lies elsewhere on the band
    assert steps[-1].loss < steps[0].loss
    assert steps[-1].loss > 1e6 * best
