"""Chapter 1's Newton experiments: step counts, costs, line-search runs, the test problem."""

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

from course_utils.chapters.ch01_error_surfaces import newton
from course_utils.line_search import Backtracking
from course_utils.optimizers import SGD
from course_utils.second_order import Newton
from course_utils.surfaces import SURFACES, bowl


def test_steps_to_reach_counts_what_the_contraction_predicts():
    # gradient descent with eta = 1/2 on E = (w1^2 + w2^2)/2 halves the distance each step:
    # 1e-3 needs ceil(log2(1000)) = 10 steps
    assert newton.steps_to_reach(SGD(lr=0.5), bowl(1.0, 1.0), tol=1e-3) == 10
    # the slowest coordinate of a bowl with eigenvalues 1 and 9 at eta = 2/10 shrinks by 0.8
    quad = bowl(1.0, 9.0)
    start = quad.minima[0] + np.array([1.0, 0.0])  # along the flat eigenvector (angle 0)
    want = math.ceil(math.log(1e-6) / math.log(0.8))
    assert newton.steps_to_reach(SGD(lr=0.2), quad, start, tol=1e-6) == want
    assert newton.steps_to_reach(Newton(quad.hessian), quad, tol=1e-12) == 1
    assert newton.steps_to_reach(SGD(lr=0.3), quad, tol=1e-6, max_steps=100) is None  # diverges
    with pytest.raises(ValueError, match="tol must be in"):
        newton.steps_to_reach(SGD(lr=0.1), quad, tol=0.0)


def test_newton_cost_counts_and_times():
    cost = newton.newton_cost(widths=(2, 5), N=10, repeats=1)
    assert cost.W.tolist() == [21, 51]  # 8*M + M + M + 1
    assert_allclose(cost.gradient, [3 * 10 * 21, 3 * 10 * 51])
    assert_allclose(cost.product, 2 * cost.gradient)
    assert_allclose(cost.hessian, cost.product * cost.W)
    assert_allclose(cost.solve, cost.W.astype(float) ** 3 / 3)
    for t in (cost.t_gradient, cost.t_product, cost.t_hessian, cost.t_solve):
        assert np.all(t > 0)


def test_descend_records_the_accepted_steps_of_a_line_search():
    surface = SURFACES["himmelblau"]
    r = newton.descend(Backtracking(SGD(lr=1.0), surface.value), surface, gtol=1e-8)
    assert r.converged and r.steps == len(r.lrs) == len(r.points) - 1
    assert np.all(np.diff(r.losses) <= 0) and r.evaluations > r.steps
    assert set(np.log2(r.lrs)) <= set(range(-60, 1))  # powers of 1/2 of eta0 = 1
    fixed = newton.descend(SGD(lr=0.01), surface, max_steps=20)  # 27 steps would do
    assert not fixed.converged and fixed.steps == 20 and np.all(fixed.lrs == 0.01)
    assert fixed.evaluations == 0
    assert_allclose(fixed.losses, [surface.value(p) for p in fixed.points])


def test_descend_stops_at_a_point_that_is_already_stationary_and_on_divergence():
    surface = SURFACES["himmelblau"]
    r = newton.descend(SGD(lr=0.01), surface, w0=[3.0, 2.0])
    assert r.steps == 0 and r.converged
    r = newton.descend(SGD(lr=1.0), surface, max_steps=100)
    assert not r.converged and r.steps < 100  # diverged


def test_ill_conditioned_quadratic():
    s = newton.ill_conditioned_quadratic(n=4, kappa=8.0, seed=3)
    assert_allclose(s.eigenvalues, [1.0, 2.0, 4.0, 8.0])
    assert_allclose(s.grad(np.ones(4)), 0.0, atol=1e-15)
    assert s.start.tolist() == [0.0] * 4
    H = s.hessian(np.zeros(4))
    assert_allclose(H, H.T)
    with pytest.raises(ValueError, match="kappa must be in"):
        newton.ill_conditioned_quadratic(kappa=0.5)
