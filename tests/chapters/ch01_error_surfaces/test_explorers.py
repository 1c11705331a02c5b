"""Chapter 1's explorers: their controls, and the numbers their figures show."""

import ipywidgets as W
import numpy as np
import pytest
from numpy.testing import assert_allclose

from course_utils.chapters.ch01_error_surfaces.explorers import (
    TAYLOR_SURFACES,
    bowl_run,
    explore_bowl_lr,
    explore_taylor,
    step_predictions,
)
from course_utils.surfaces import SURFACES, quadratic


def texts(fig):
    return " | ".join(t.get_text() for ax in fig.axes for t in ax.texts)


def test_step_predictions_on_a_quadratic_by_hand():
    s = quadratic([[1.0, 0.0], [0.0, 10.0]])
    p = step_predictions(s, [1.0, 1.0], 0.1)
    # b = (1, 10), E = 5.5; w_new = (0.9, 0); E_lin = 5.5 − 0.1·101; E_quad adds ½·0.01·1001
    assert_allclose(p.w_new, [0.9, 0.0])
    assert_allclose([p.E_hat, p.E_new, p.E_lin, p.E_quad], [5.5, 0.405, -4.6, 0.405])


def test_step_prediction_errors_shrink_like_eta_squared_and_cubed():
    errs = []
    for eta in (1e-5, 5e-6):
        p = step_predictions("rosenbrock", [-1.0, 0.5], eta)
        errs.append((abs(p.E_new - p.E_lin), abs(p.E_new - p.E_quad)))
    assert_allclose(errs[0][0] / errs[1][0], 4.0, rtol=0.05)
    assert_allclose(errs[0][1] / errs[1][1], 8.0, rtol=0.05)


def test_bowl_run_stability_threshold_is_two_over_lambda_max():
    kappa = 10.0
    assert not bowl_run(0.19, kappa).trajectory.diverged
    r = bowl_run(0.21, kappa, steps=200)
    assert r.trajectory.diverged and r.trajectory.diverged_at is not None
    assert_allclose(r.eta_crit, 0.2)
    assert_allclose(r.rho, abs(1 - 0.21 * kappa))


def test_bowl_run_gap_shrinks_by_rho_squared():
    r = bowl_run(0.1, 10.0, steps=20)  # η = 1/λ_max removes the steep part in one step
    assert_allclose(r.rho, 0.9)
    assert_allclose(r.gap[2:] / r.gap[1:-1], 0.81, rtol=1e-9)


@pytest.mark.parametrize(("kw", "match"), [({"eta": 0.0}, "eta"), ({"kappa": 0.5}, "kappa")])
def test_bowl_run_validates(kw, match):
    with pytest.raises(ValueError, match=match):
        bowl_run(**{"eta": 0.1, "kappa": 10.0, **kw})


def test_step_predictions_validates():
    with pytest.raises(ValueError, match="eta"):
        step_predictions("bowl", [1.0, 0.0], -1.0)
    with pytest.raises(ValueError, match="w_hat"):
        step_predictions("bowl", [1.0, 0.0, 2.0], 0.1)


def test_taylor_explorer_controls_and_every_surface():
    ex = explore_taylor()
    lr = ex.controls["lr"]
    assert isinstance(lr, W.FloatLogSlider) and lr.description == "learning rate η"
    assert ex.last_error is None and ex.last_warnings == []
    for name in TAYLOR_SURFACES:
        for order in (1, 2):
            ex.set(surface=name, order=order, lr=1.0)
            assert ex.last_error is None and ex.last_warnings == [], (name, order)


def test_taylor_explorer_at_an_exact_stationary_point():
    s = SURFACES["saddle"]  # the saddle (0, 0) sits in the middle of the box
    ex = explore_taylor(surface="saddle", u1=0.5, u2=0.5)
    assert np.all(s.grad([0.0, 0.0]) == 0)
    assert "stationary point" in " ".join(t.get_text() for t in ex.figure.texts) + texts(ex.figure)


def test_bowl_explorer_says_where_it_diverged():
    ex = explore_bowl_lr()
    assert ex.last_error is None and "diverged" not in texts(ex.figure)
    ex.set(lr=1.0, kappa=10.0)
    assert "diverged at step" in texts(ex.figure)
    assert ex.last_error is None and ex.last_warnings == []


def test_taylor_explorer_says_where_a_step_out_of_the_box_lands():
    # u = (0.3, 0.75) in the box [-5, 5]^2 is w_hat = (-2, 2.5); Himmelblau's gradient
    # there: dE/dx = 4x(x^2 + y - 11) + 2(x + y^2 - 7) = 36 - 5.5 = 30.5,
    #        dE/dy = 2(x^2 + y - 11) + 4y(x + y^2 - 7) = -9 - 27.5 = -36.5
    ex = explore_taylor(surface="himmelblau", u1=0.3, u2=0.75, lr=0.1)
    assert "the step lands outside, at (-5.05, 6.15)" in texts(ex.figure)  # w - 0.1 g
    ex.set(lr=0.01)  # (-2.305, 2.865): inside, no note
    assert "lands outside" not in texts(ex.figure)
    assert ex.last_error is None and ex.last_warnings == []
