"""Tests of course_utils.line_search: backtracking with the Armijo condition.

The accepted step sizes are worked out by hand from the condition; the convergence
guarantee is checked against its bound min(eta0, 2 rho (1 - c) / L).
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from course_utils.line_search import Backtracking
from course_utils.optimizers import SGD, Adam, run
from course_utils.second_order import Newton
from course_utils.surfaces import SURFACES


def test_gradient_descent_on_a_parabola_by_hand():
    # E = 5 w^2, from w = 1 (g = 10): eta = 1, 1/2 overshoot, 1/4 gives w = -1.5 -> E = 11.25
    # > 5; 1/8 gives w = -0.25, E = 0.3125 <= 5 - 1e-4 * 100/8. Five values of E in all.
    search = Backtracking(SGD(lr=1.0), loss_fn=lambda w: 5 * w @ w)
    w, state = search.step(np.array([1.0]), np.array([10.0]), search.init(np.zeros(1)))
    assert_allclose(w, [-0.25]) and state.lr == 0.125
    assert state.evaluations == 5 and not state.uphill and state.t == 1
    # with c = 0.5 it asks for half the promised decrease: 1/8 fails (0.3125 > 5 - 6.25),
    # 1/16 passes (w = 0.375, E = 0.703 <= 5 - 3.125)
    strict = Backtracking(SGD(lr=1.0), loss_fn=lambda w: 5 * w @ w, c=0.5)
    assert strict.step(np.array([1.0]), np.array([10.0]), strict.init(np.zeros(1)))[1].lr == 0.0625


def test_a_step_that_meets_the_condition_at_once_is_taken_whole():
    search = Backtracking(SGD(lr=0.05), loss_fn=lambda w: 5 * w @ w)
    w, state = search.step(np.array([1.0]), np.array([10.0]), search.init(np.zeros(1)))
    assert_allclose(w, [0.5]) and state.lr == 0.05 and state.evaluations == 2


def test_an_uphill_direction_is_refused():
    # E = -w^2/2 has a maximum at 0; Newton's step goes there, g^T d = w^2 > 0
    search = Backtracking(Newton(lambda w: np.array([[-1.0]])), loss_fn=lambda w: -0.5 * w @ w)
    w0 = np.array([0.8])
    w, state = search.step(w0, -w0, search.init(w0))
    assert w.tolist() == [0.8] and state.uphill and state.lr == 0.0
    assert state.evaluations == 1  # only E(w0): no length was worth trying


def test_no_acceptable_length_leaves_the_point_alone():
    # a gradient that lies: it claims descent, the function only rises
    search = Backtracking(SGD(lr=1.0), loss_fn=lambda w: float(w @ w), max_tries=3)
    w0 = np.array([1.0])
    w, state = search.step(w0, np.array([-1.0]), search.init(w0))
    assert w.tolist() == [1.0] and not state.uphill and state.lr == 0.0
    assert state.evaluations == 4


@pytest.mark.parametrize("seed", range(5))
def test_accepted_steps_keep_the_guaranteed_length_and_decrease(seed):
    gen = np.random.default_rng(seed)
    A = gen.normal(size=(4, 4))
    H = A @ A.T + 0.1 * np.eye(4)
    L = np.linalg.eigvalsh(H)[-1]  # the gradient H w is L-Lipschitz

    def E(w):
        return 0.5 * w @ H @ w

    search = Backtracking(SGD(lr=10.0 / L), E, c=0.3, shrink=0.6)
    w, state = gen.normal(size=4), search.init(np.zeros(4))
    for _ in range(40):
        g = H @ w
        w_new, state = search.step(w, g, state)
        assert state.lr >= min(10.0 / L, 2 * 0.6 * (1 - 0.3) / L) * (1 - 1e-12)
        assert E(w_new) <= E(w) - 0.3 * state.lr * (g @ g) * (1 - 1e-12)
        w = w_new


def test_gradient_descent_with_a_line_search_converges_where_a_fixed_rate_diverges():
    surface = SURFACES["rosenbrock"]
    fixed = run(SGD(lr=0.01), surface.grad, surface.start, 500)
    assert fixed.diverged
    searched = run(Backtracking(SGD(lr=1.0), surface.value), surface.grad, surface.start, 2000,
                   loss_fn=surface.value)  # fmt: skip
    assert not searched.diverged and searched.losses[-1] < 0.2
    assert np.all(np.diff(searched.losses) <= 0)  # never uphill
    himmelblau = SURFACES["himmelblau"]  # no rate to choose, and to a stationary point
    done = run(Backtracking(SGD(lr=1.0), himmelblau.value), himmelblau.grad, himmelblau.start,
               500)  # fmt: skip
    assert np.linalg.norm(himmelblau.grad(done.points[-1])) < 1e-10


def test_damped_newton_finds_a_minimum_from_where_the_plain_one_finds_the_maximum():
    surface = SURFACES["himmelblau"]
    w0 = [-0.2, -0.8]  # near the local maximum (-0.27, -0.92): both eigenvalues negative
    plain = run(Newton(surface.hessian), surface.grad, w0, 20, loss_fn=surface.value)
    assert_allclose(plain.points[-1], [-0.270845, -0.923039], atol=1e-5)
    damped = Newton(surface.hessian, min_curvature=1e-3)
    searched = run(Backtracking(damped, surface.value), surface.grad, w0, 40,
                   loss_fn=surface.value)  # fmt: skip
    assert searched.losses[-1] < 1e-12  # a global minimum, E = 0
    assert np.all(np.diff(searched.losses) <= 0)


def test_the_search_is_pure_and_keeps_the_wrapped_state():
    search = Backtracking(SGD(lr=0.1, momentum=0.9), lambda w: float(w @ w))
    w, g = np.array([1.0, -1.0]), np.array([2.0, -2.0])
    state = search.init(w)
    w1, state1 = search.step(w, g, state)
    assert w.tolist() == [1.0, -1.0] and g.tolist() == [2.0, -2.0] and state.t == 0
    assert_allclose(state1.inner.v, g)  # the momentum buffer of the accepted try
    assert repr(search).startswith("Backtracking(optimizer=SGD(lr=0.1")


def test_argument_checks():
    E = lambda w: float(w @ w)  # noqa: E731
    with pytest.raises(TypeError, match="optimizer must be an Optimizer"):
        Backtracking("sgd", E)
    with pytest.raises(ValueError, match="weight_decay must be 0"):
        Backtracking(Adam(weight_decay=0.1), E)
    with pytest.raises(TypeError, match="loss_fn must be callable"):
        Backtracking(SGD(), 3.0)
    for name, value in [("c", 0.0), ("c", 1.0), ("shrink", 0.0), ("shrink", 1.0)]:
        with pytest.raises(ValueError, match=f"{name} must be in"):
            Backtracking(SGD(), E, **{name: value})
    with pytest.raises(ValueError, match="max_tries must be in"):
        Backtracking(SGD(), E, max_tries=0)
    with pytest.raises(ValueError, match="lr must be in"):
        Backtracking(SGD(), E, lr=0.0)
