"""Tests of restarts (chapter 2): descent from many starts, and networks from many seeds."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from course_utils.chapters.ch02_gradient_information.restarts import (
    NetworkRestarts,
    SurfaceRestarts,
    descend_from,
    network_restarts,
    random_starts,
    surface_restarts,
)
from course_utils.data import make_linear_regression
from course_utils.surfaces import SURFACES, quadratic


def test_random_starts_lie_in_the_box_and_are_seeded():
    bounds = ((-1.0, 2.0), (10.0, 10.5), (0.0, 1e-3))
    P = random_starts(bounds, k=500, seed=3)
    assert P.shape == (500, 3)
    for i, (lo, hi) in enumerate(bounds):
        assert np.all((P[:, i] >= lo) & (P[:, i] <= hi))
        assert P[:, i].max() - P[:, i].min() > 0.9 * (hi - lo)  # spread over the whole side
    assert_allclose(random_starts(bounds, 500, seed=3), P)
    assert not np.allclose(random_starts(bounds, 500, seed=4), P)


@settings(max_examples=50, deadline=None)
@given(
    lam1=st.floats(0.1, 5.0),
    lam2=st.floats(0.1, 5.0),
    lr=st.floats(0.01, 0.3),
    steps=st.integers(0, 30),
)
def test_descent_on_a_diagonal_quadratic_matches_the_closed_form(lam1, lam2, lr, steps):
    # E = 1/2 (lam1 x^2 + lam2 y^2): each step multiplies w_i by (1 - lr lam_i)
    surface = quadratic(np.diag([lam1, lam2]))
    starts = np.array([[1.0, -2.0], [0.5, 0.25], [-3.0, 0.0]])
    r = descend_from(surface, starts, lr=lr, steps=steps)
    factor = np.array([(1 - lr * lam1) ** steps, (1 - lr * lam2) ** steps])
    assert_allclose(r.ends, starts * factor, rtol=1e-10, atol=1e-14)
    assert r.paths.shape == (steps + 1, 3, 2)
    assert_allclose(r.paths[0], starts)
    assert not r.diverged.any()
    e = starts * factor
    assert_allclose(r.values, 0.5 * (lam1 * e[:, 0] ** 2 + lam2 * e[:, 1] ** 2), rtol=1e-10)


def test_each_start_on_wells_ends_in_the_well_it_started_in():
    wells = SURFACES["wells"]
    r = descend_from(wells, wells.minima + np.array([0.15, -0.1]), lr=0.3, steps=200)
    assert isinstance(r, SurfaceRestarts)
    assert r.basin.tolist() == [0, 1, 2, 3]
    assert_allclose(r.ends, wells.minima, atol=1e-6)
    assert_allclose(r.values, wells.value(wells.minima), rtol=1e-9)
    assert r.best == 0  # the global minimum is listed first


def test_an_end_point_far_from_every_minimum_has_basin_minus_one():
    # zero steps from a point far from every well: not at any known minimum
    r = descend_from(SURFACES["wells"], [[0.0, 0.0], list(SURFACES["wells"].minima[2])], steps=0)
    assert r.basin.tolist() == [-1, 2]


def test_a_diverging_start_is_frozen_and_the_others_go_on():
    # E = 1/2 (x^2 + 100 y^2) with lr = 0.03 > 2/100: only a start with y != 0 diverges
    surface = quadratic(np.diag([1.0, 100.0]))
    r = descend_from(surface, [[1.0, 0.0], [0.0, 1.0]], lr=0.03, steps=500, bound=1e3)
    assert r.diverged.tolist() == [False, True]
    assert np.isinf(r.values[1]) and r.basin[1] == -1
    assert_allclose(r.ends[0], [0.97**500, 0.0], atol=1e-12)
    assert np.all(np.abs(r.paths[:, 1]) <= 1e3)  # frozen inside the box
    assert r.best == 0


def test_surface_restarts_uses_the_surface_box_and_reports_the_best():
    wells = SURFACES["wells"]
    r = surface_restarts(wells, k=30, seed=2)
    (x0, x1), (y0, y1) = wells.bounds
    assert np.all((r.starts[:, 0] >= x0) & (r.starts[:, 0] <= x1))
    assert np.all((r.starts[:, 1] >= y0) & (r.starts[:, 1] <= y1))
    assert r.values[r.best] == r.values.min()
    assert set(r.basin.tolist()) <= {-1, 0, 1, 2, 3}


def test_descend_from_validation():
    wells = SURFACES["wells"]
    with pytest.raises(ValueError, match="starts"):
        descend_from(wells, [1.0, 2.0])
    with pytest.raises(ValueError, match="lr"):
        descend_from(wells, [[1.0, 2.0]], lr=0.0)
    with pytest.raises(ValueError, match="steps"):
        descend_from(wells, [[1.0, 2.0]], steps=-1)
    with pytest.raises(ValueError, match="tol"):
        descend_from(wells, [[1.0, 2.0]], tol=-1.0)
    with pytest.raises(ValueError, match="bound"):
        descend_from(wells, [[1.0, 2.0]], bound=1.5)
    with pytest.raises(ValueError, match="bounds"):
        random_starts(((1.0, 0.0),), k=2)
    with pytest.raises(ValueError, match="k"):
        random_starts(((0.0, 1.0),), k=0)


def test_network_restarts_on_a_convex_problem_all_reach_least_squares():
    d = make_linear_regression(n=40, seed=1)
    r = network_restarts([1, 1], d.X, d.y, seeds=[0, 1, 2], lr=0.3, epochs=300)
    assert isinstance(r, NetworkRestarts)
    A = np.column_stack([d.X[:, 0], np.ones(40)])
    coef = np.linalg.lstsq(A, d.y[:, 0], rcond=None)[0]
    E_star = 0.5 * np.mean((A @ coef - d.y[:, 0]) ** 2)
    assert_allclose(r.losses, E_star, rtol=1e-9)
    assert_allclose(r.w, np.tile(coef, (3, 1)), rtol=1e-6)
    assert r.epoch_losses.shape == (3, 301)
    assert r.seeds.tolist() == [0, 1, 2]
    assert not r.diverged.any()


def test_network_restarts_differ_by_seed_and_pick_the_lowest_loss():
    d = make_linear_regression(n=30, seed=0)
    r = network_restarts([1, 4, 1], d.X, d.y, seeds=[3, 4, 5], lr=0.05, epochs=5)
    assert len(set(np.round(r.losses, 12))) == 3  # different initial weights
    assert r.best == int(np.argmin(r.losses))


def test_network_restarts_records_divergence():
    d = make_linear_regression(n=30, seed=0)
    r = network_restarts([1, 1], d.X, d.y, seeds=[0, 1], lr=50.0, epochs=50)
    assert r.diverged.all()
    assert np.isinf(r.losses).all()
    assert np.isnan(r.epoch_losses[:, -1]).all()


def test_network_restarts_validation():
    d = make_linear_regression(n=10)
    with pytest.raises(ValueError, match="seeds"):
        network_restarts([1, 1], d.X, d.y, seeds=[])
    with pytest.raises(ValueError, match="lr"):
        network_restarts([1, 1], d.X, d.y, lr=-1.0)
    with pytest.raises(ValueError, match="epochs"):
        network_restarts([1, 1], d.X, d.y, epochs=-1)
    with pytest.raises(TypeError, match="seed"):
        network_restarts([1, 1], d.X, d.y, seeds=[0.5])
