"""Newton's method on the gradient finds and classifies the stationary points of a surface."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from course_utils.chapters.ch01_error_surfaces.stationary import (
    find_stationary_points,
    newton_stationary,
)
from course_utils.surfaces import SURFACES, quadratic


def himmelblau_grad(w):  # written out here: E = (x² + y − 11)² + (x + y² − 7)²
    x, y = w
    return np.array(
        [4 * x * (x**2 + y - 11) + 2 * (x + y**2 - 7), 2 * (x**2 + y - 11) + 4 * y * (x + y**2 - 7)]
    )


def test_newton_lands_on_the_centre_of_a_quadratic_in_one_step():
    s = quadratic([[3.0, 1.0], [1.0, 2.0]], center=[1.0, -2.0])
    assert_allclose(newton_stationary(s, [7.0, 5.0], steps=1), [1.0, -2.0], atol=1e-12)


def test_newton_reports_failure_as_none():
    singular = quadratic([[1.0, 0.0], [0.0, 0.0]])  # H cannot be inverted
    assert newton_stationary(singular, [1.0, 1.0]) is None
    # Rosenbrock from its usual start needs several Newton steps, not one
    assert newton_stationary(SURFACES["rosenbrock"], [-1.5, 2.0], steps=1) is None
    assert_allclose(newton_stationary(SURFACES["rosenbrock"], [-1.5, 2.0]), [1.0, 1.0])


def test_himmelblau_has_four_minima_four_saddles_and_one_maximum():
    g = np.linspace(-5, 5, 21)
    starts = np.stack(np.meshgrid(g, g), axis=-1).reshape(-1, 2)
    pts = find_stationary_points(SURFACES["himmelblau"], starts)
    kinds = [p.kind for p in pts]
    assert kinds == ["minimum"] * 4 + ["saddle"] * 4 + ["maximum"]
    for p in pts:
        assert_allclose(himmelblau_grad(p.w), 0.0, atol=1e-8)
        assert (p.kind == "minimum") == bool(np.all(p.eigenvalues > 0))
        assert (p.kind == "maximum") == bool(np.all(p.eigenvalues < 0))
        assert np.all(np.diff(p.eigenvalues) >= 0)
    assert any(np.allclose(p.w, [3.0, 2.0]) for p in pts[:4])  # the exact minimum
    assert_allclose([p.E for p in pts[:4]], 0.0, atol=1e-12)  # all minima are global
    # the local maximum near (−0.27, −0.92), E ≈ 181.6 (a well-known value)
    assert_allclose(pts[-1].w, [-0.270845, -0.923039], atol=1e-6)
    assert_allclose(pts[-1].E, 181.617, atol=1e-3)


def test_saddle_surface_points_are_sorted_and_distinct():
    pts = find_stationary_points(SURFACES["saddle"], [[-2, 1], [2, -1], [0.1, 0.5], [1.9, 1.0]])
    assert [p.kind for p in pts] == ["minimum", "minimum", "saddle"]
    assert_allclose([p.w for p in pts], [[-1, 0], [1, 0], [0, 0]], atol=1e-12)
    assert_allclose([p.E for p in pts], [-0.25, -0.25, 0.0], atol=1e-12)
    assert_allclose(pts[2].eigenvalues, [-1.0, 1.0])


@pytest.mark.parametrize(
    ("kw", "match"),
    [({"steps": 0}, "steps"), ({"tol": 0.0}, "tol"), ({"w0": [[1.0, 2.0]]}, "w0")],
)
def test_newton_validates_its_arguments(kw, match):
    args = {"surface": SURFACES["bowl"], "w0": [1.0, 2.0], **kw}
    with pytest.raises(ValueError, match=match):
        newton_stationary(**args)


def test_find_validates_its_arguments():
    with pytest.raises(ValueError, match="starts"):
        find_stationary_points(SURFACES["bowl"], [1.0, 2.0])
    with pytest.raises(ValueError, match="atol"):
        find_stationary_points(SURFACES["bowl"], [[1.0, 2.0]], atol=-1.0)
