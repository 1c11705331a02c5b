"""Tests of course_utils.second_order: Newton's method and L-BFGS.

Expected values are worked out here by hand, from the explicit BFGS update (a second
method for the two-loop recursion), or by scipy.optimize (a second implementation).
"""

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

from course_utils.line_search import Backtracking
from course_utils.optimizers import run
from course_utils.second_order import LBFGS, Newton, two_loop
from course_utils.surfaces import SURFACES, quadratic

# --- Newton ----------------------------------------------------------------------------------


def test_newton_lands_on_the_minimum_of_a_quadratic_in_one_step():
    gen = np.random.default_rng(3)
    A = gen.normal(size=(5, 5))
    H, b = A @ A.T + np.eye(5), gen.normal(size=5)  # E = 1/2 w^T H w - b^T w
    opt = Newton(lambda w: H)
    w0 = gen.normal(size=5)
    w1, state = opt.step(w0, H @ w0 - b, opt.init(w0))
    assert_allclose(H @ w1, b, atol=1e-12)  # the gradient vanishes there
    assert state == (1, 0.0)


def test_newton_on_a_quartic_shrinks_by_two_thirds():
    # E = w^4 / 4: E' = w^3, E'' = 3 w^2, so w - w^3 / (3 w^2) = 2w/3
    opt = Newton(lambda w: np.array([[3 * w[0] ** 2]]))
    traj = run(opt, lambda w: w**3, [3.0], 3)
    assert_allclose(traj.points[:, 0], [3.0, 2.0, 4 / 3, 8 / 9], rtol=1e-14)


def test_plain_newton_goes_to_a_saddle_the_shifted_one_leaves_it():
    # E = x^2/2 - y^2/2, H = diag(1, -1): the plain step lands on the saddle (0, 0).
    H = np.diag([1.0, -1.0])
    w = np.array([0.3, 0.2])
    plain = Newton(lambda w: H)
    assert_allclose(plain.step(w, H @ w, plain.init(w))[0], [0.0, 0.0], atol=1e-15)
    # delta = 1: tau = 1 - (-1) = 2, H + 2I = diag(3, 1): the step is (x/3, -y)
    shifted = Newton(lambda w: H, min_curvature=1.0)
    w1, state = shifted.step(w, H @ w, shifted.init(w))
    assert_allclose(w1, [0.2, 0.4], rtol=1e-14)
    assert state.shift == pytest.approx(2.0)
    assert (H @ w) @ (w1 - w) < 0  # downhill
    # where H is already positive definite enough nothing is shifted
    bowl = Newton(lambda w: np.diag([2.0, 5.0]), min_curvature=1.0)
    assert bowl.step(w, w, bowl.init(w))[1].shift == 0.0


def test_newton_with_a_singular_hessian_diverges_quietly():
    opt = Newton(lambda w: np.zeros((2, 2)))
    with np.errstate(all="raise"):
        traj = run(opt, lambda w: w, [1.0, 1.0], 5)
    assert traj.diverged and traj.diverged_at == 0 and traj.steps == 0


def test_newton_is_pure_and_checks_its_arguments():
    opt = Newton(lambda w: np.eye(2), lr=0.5)
    w, g = np.array([1.0, 2.0]), np.array([1.0, 1.0])
    state = opt.init(w)
    opt.step(w, g, state)
    assert w.tolist() == [1.0, 2.0] and g.tolist() == [1.0, 1.0]
    assert repr(opt) == "Newton(lr=0.5, min_curvature=None)"
    with pytest.raises(TypeError, match="hessian must be callable"):
        Newton(np.eye(2))
    with pytest.raises(ValueError, match="min_curvature must be in"):
        Newton(lambda w: np.eye(2), min_curvature=0.0)
    with pytest.raises(ValueError, match="lr must be in"):
        Newton(lambda w: np.eye(2), lr=-1.0)


# --- L-BFGS ------------------------------------------------------------------------------------


def bfgs_matrix(S, Y, gamma):
    """The inverse-Hessian model written out: m BFGS updates of gamma * I (N&W eq. 6.17)."""
    n = len(S[0])
    M = gamma * np.eye(n)
    for s, y in zip(S, Y, strict=True):
        rho = 1.0 / (y @ s)
        V = np.eye(n) - rho * np.outer(y, s)
        M = V.T @ M @ V + rho * np.outer(s, s)
    return M


def test_two_loop_is_the_bfgs_model_times_the_gradient():
    gen = np.random.default_rng(0)
    A = gen.normal(size=(6, 6))
    H = A @ A.T + 0.5 * np.eye(6)  # y = H s: every pair has s^T y > 0
    S = [gen.normal(size=6) for _ in range(4)]
    Y = [H @ s for s in S]
    g = gen.normal(size=6)
    assert_allclose(two_loop(g, S, Y, 0.7), -bfgs_matrix(S, Y, 0.7) @ g, rtol=1e-10)
    assert_allclose(two_loop(g, [], [], 2.0), -2.0 * g)


def test_lbfgs_first_step_is_torchs_short_gradient_step():
    opt = LBFGS(lr=0.5)
    w, g = np.array([1.0, -3.0]), np.array([2.0, 0.5])
    w1, state = opt.step(w, g, opt.init(w))
    assert_allclose(w1, w - 0.5 * min(1.0, 1 / 2.5) * g)  # min(1, 1/||g||_1) * lr
    big = LBFGS().step(w, np.array([0.1, -0.2]), opt.init(w))[0]
    assert_allclose(big, w - np.array([0.1, -0.2]))  # ||g||_1 < 1: the full lr
    assert state.t == 1 and state.s == () and state.y == ()


def test_lbfgs_second_step_by_hand_on_a_quadratic():
    H = np.diag([1.0, 4.0])
    w0, g0 = np.array([2.0, 1.0]), np.array([2.0, 4.0])  # g = H w
    opt = LBFGS()
    w1, state = opt.step(w0, g0, opt.init(w0))
    assert_allclose(w1, [2 - 2 / 6, 1 - 4 / 6])  # ||g0||_1 = 6
    g1 = H @ w1
    s, y = w1 - w0, g1 - g0
    gamma = (s @ y) / (y @ y)
    w2, state = opt.step(w1, g1, state)
    assert_allclose(w2, w1 - bfgs_matrix([s], [y], gamma) @ g1, rtol=1e-12)
    assert_allclose(state.gamma, gamma) and len(state.s) == 1


def test_lbfgs_keeps_tiny_pairs_near_a_minimum():
    # steps of 1e-7: s^T y ~ 1e-14 (torch's absolute 1e-10 would skip it), but s and y
    # point the same way, so the pair is curvature information and is kept
    H = np.diag([1.0, 3.0])
    opt = LBFGS(lr=1e-7)
    w, state = np.array([1e-7, 2e-7]), opt.init(np.zeros(2))
    for _ in range(2):
        w, state = opt.step(w, H @ w, state)
    assert len(state.s) == 1
    assert_allclose(state.gamma, (state.s[0] @ state.y[0]) / (state.y[0] @ state.y[0]))


def test_lbfgs_matches_full_bfgs_speed_on_a_hundred_dimensional_quadratic():
    gen = np.random.default_rng(0)
    Q = np.linalg.qr(gen.normal(size=(100, 100)))[0]
    H = Q @ np.diag(np.geomspace(1.0, 1000.0, 100)) @ Q.T
    surface = quadratic((H + H.T) / 2, center=np.ones(100), start=np.zeros(100))
    traj = run(LBFGS(history_size=1000), surface.grad, surface.start, 1000,
               until=lambda w: np.abs(surface.grad(w)).max() < 1e-8)  # fmt: skip
    assert traj.steps < 200  # unit steps, every pair kept: 163 here; dense BFGS takes 353


def test_lbfgs_skips_pairs_without_curvature_and_keeps_history_size():
    opt = LBFGS(lr=0.1, history_size=2)
    w = np.array([1.0, 0.5])
    state = opt.init(w)
    for _ in range(3):  # E = -|w|^2/2 (concave): y = -s, s^T y < 0, never stored
        w, state = opt.step(w, -w, state)
    assert state.s == () and state.gamma == 1.0
    quad = LBFGS(lr=0.2, history_size=2)
    w, state = np.array([1.0, 2.0]), quad.init(np.zeros(2))
    for _ in range(5):
        w, state = quad.step(w, np.array([1.0, 3.0]) * w, state)
    assert len(state.s) == len(state.y) == 2


def test_lbfgs_follows_torchs_rule_on_a_rosenbrock_run():
    # torch.optim.LBFGS(max_iter=1), written out independently with the explicit BFGS matrix
    surface = SURFACES["rosenbrock"]
    lr, m = 0.05, 3
    w, g = surface.start.copy(), surface.grad(surface.start)
    expected = [w - min(1.0, 1 / np.abs(g).sum()) * lr * g]
    S, Y, gamma = [], [], 1.0
    prev_w, prev_g, w = w, g, expected[0]
    for _ in range(6):
        g = surface.grad(w)
        s, y = w - prev_w, g - prev_g
        if s @ y > 1e-10 * np.linalg.norm(s) * np.linalg.norm(y):
            S, Y, gamma = (S + [s])[-m:], (Y + [y])[-m:], (s @ y) / (y @ y)
        prev_w, prev_g, w = w, g, w - lr * bfgs_matrix(S, Y, gamma) @ g
        expected.append(w)
    traj = run(LBFGS(lr=lr, history_size=m), surface.grad, surface.start, 7)
    assert_allclose(traj.points[1:], expected, rtol=1e-10)


@pytest.mark.parametrize("name", ["rosenbrock", "himmelblau", "wells"])
def test_lbfgs_with_a_line_search_finds_scipys_minimum(name):
    minimize = pytest.importorskip("scipy.optimize").minimize
    surface = SURFACES[name]
    search = Backtracking(LBFGS(history_size=10), surface.value)
    ours = run(search, surface.grad, surface.start, 500,
               until=lambda w: np.abs(surface.grad(w)).max() < 1e-9)  # fmt: skip
    theirs = minimize(surface.value, surface.start, jac=surface.grad, method="L-BFGS-B",
                      options={"maxcor": 10, "gtol": 1e-10, "ftol": 0.0})  # fmt: skip
    assert_allclose(ours.points[-1], theirs.x, atol=1e-7)
    assert ours.steps <= 2 * theirs.nit + 10  # the same league of iteration counts


def test_lbfgs_argument_checks():
    with pytest.raises(ValueError, match="history_size must be in"):
        LBFGS(history_size=0)
    with pytest.raises(TypeError, match="history_size must be an integer"):
        LBFGS(history_size=2.5)
    assert repr(LBFGS()) == "LBFGS(lr=1.0, history_size=100)"


def test_newton_converges_quadratically_near_a_minimum():
    # E = exp(w) - 2w: minimum at ln 2, E'''/(2E'') = 1/2, so e_{k+1} / e_k^2 -> 1/2
    opt = Newton(lambda w: np.exp(w)[None, :])
    traj = run(opt, lambda w: np.exp(w) - 2.0, [1.0], 4)
    err = np.abs(traj.points[:, 0] - math.log(2.0))
    assert err[4] < 1e-12
    assert_allclose(err[2:4] / err[1:3] ** 2, 0.5, rtol=0.05)


def test_newton_and_lbfgs_drive_the_core_on_a_quadratic_surface():
    surface = quadratic([[3.0, 1.0], [1.0, 2.0]])
    newton = run(Newton(surface.hessian), surface.grad, [2.0, -1.0], 1, loss_fn=surface.value)
    assert_allclose(newton.points[-1], [0.0, 0.0], atol=1e-14)
    lbfgs = run(Backtracking(LBFGS(), surface.value), surface.grad, [2.0, -1.0], 30,
                until=lambda w: np.linalg.norm(w) < 1e-10)  # fmt: skip
    assert lbfgs.steps < 30 and np.linalg.norm(lbfgs.points[-1]) < 1e-10
