import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from course_utils.calculus import (
    classify_stationary_point,
    numerical_gradient,
    numerical_hessian,
    numerical_jacobian,
)
from course_utils.surfaces import SURFACES, Surface, bowl, get_surface, quadratic

REQUIRED = ["bowl", "ravine", "saddle", "rosenbrock", "himmelblau", "wells", "cliff", "plateau"]
NAMES = list(SURFACES)
unit = st.floats(0.0, 1.0, allow_nan=False)


def _inside(s, u, v):
    """The point at fractions (u, v) of the surface's plotting box."""
    (x0, x1), (y0, y1) = s.bounds
    return np.array([x0 + u * (x1 - x0), y0 + v * (y1 - y0)])


def _grid(bounds, scale=1.0, k=41):
    """A k x k grid over the box grown by `scale` about its centre, shape (k, k, 2)."""
    axes = []
    for lo, hi in bounds:
        mid, half = (lo + hi) / 2, scale * (hi - lo) / 2
        axes.append(np.linspace(mid - half, mid + half, k))
    return np.stack(np.meshgrid(*axes), axis=-1)


# --- the registry ------------------------------------------------------------------------
def test_registry_has_the_required_surfaces():
    assert set(REQUIRED) <= set(SURFACES)
    for name, s in SURFACES.items():
        assert isinstance(s, Surface) and s.name == name and s.n == 2
        assert s.title and s.formula
        assert len(s.bounds) == 2 and all(lo < hi for lo, hi in s.bounds)
        assert name in repr(s)


@pytest.mark.parametrize("name", NAMES)
def test_start_lies_inside_bounds(name):
    s = SURFACES[name]
    for (lo, hi), c in zip(s.bounds, s.start, strict=True):
        assert lo < c < hi


@pytest.mark.parametrize("name", NAMES)
def test_minima_are_stationary_positive_definite_and_global_first(name):
    s = SURFACES[name]
    assert s.minima.ndim == 2 and s.minima.shape[1] == 2 and len(s.minima) >= 1
    for m in s.minima:
        g = s.grad(m)
        assert np.linalg.norm(g) < 1e-9
        assert_allclose(numerical_gradient(s.value, m), 0.0, atol=1e-7)
        assert classify_stationary_point(s.hessian(m)) == "minimum"
        assert np.all(np.linalg.eigvalsh(s.hessian(m)) > 1e-3)
        (x0, x1), (y0, y1) = s.bounds
        assert x0 < m[0] < x1 and y0 < m[1] < y1
    values = s.value(s.minima)
    assert s.min_value == values[0] == values.min()
    assert_allclose(s.global_minimum, s.minima[0])
    # the minima are distinct points
    d = np.linalg.norm(s.minima[:, None] - s.minima[None], axis=-1)
    assert np.all(d[~np.eye(len(s.minima), dtype=bool)] > 0.1)


@pytest.mark.parametrize("name", NAMES)
def test_arrays_are_read_only(name):
    s = SURFACES[name]
    with pytest.raises(ValueError):
        s.start[0] = 7.0
    with pytest.raises(ValueError):
        s.minima[0, 0] = 7.0


# --- exact derivatives, by property ------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=50, deadline=None)
@given(u=unit, v=unit)
def test_gradient_matches_finite_differences(name, u, v):
    s = SURFACES[name]
    w = _inside(s, u, v)
    E = float(s.value(w))
    # central differences: rounding ~ eps |E| / h = 2e-10 |E|, truncation far smaller
    assert_allclose(
        numerical_gradient(s.value, w), s.grad(w), rtol=1e-6, atol=1e-8 * max(1, abs(E))
    )


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=50, deadline=None)
@given(u=unit, v=unit)
def test_hessian_matches_finite_differences(name, u, v):
    s = SURFACES[name]
    w = _inside(s, u, v)
    H = s.hessian(w)
    assert_allclose(H, H.T, rtol=0, atol=0)
    scale = max(1.0, np.abs(H).max())
    # differences of the exact gradient (tight) and second differences of E (looser)
    assert_allclose(numerical_jacobian(s.grad, w), H, rtol=1e-6, atol=1e-7 * scale)
    E = abs(float(s.value(w)))
    assert_allclose(numerical_hessian(s.value, w), H, rtol=1e-5, atol=1e-6 * max(scale, E))


@pytest.mark.parametrize("name", NAMES)
def test_vectorised_over_leading_axes(name):
    s = SURFACES[name]
    rng = np.random.default_rng(1)
    W = _inside(s, rng.uniform(size=(5, 7)), rng.uniform(size=(5, 7)))  # shape (2, 5, 7)
    W = np.moveaxis(W, 0, -1)
    E, G, H = s.value(W), s.grad(W), s.hessian(W)
    assert E.shape == (5, 7) and G.shape == (5, 7, 2) and H.shape == (5, 7, 2, 2)
    for i in range(5):
        for j in range(7):
            assert E[i, j] == pytest.approx(float(s.value(W[i, j])), rel=1e-14, abs=1e-14)
            assert_allclose(G[i, j], s.grad(W[i, j]), rtol=1e-14, atol=1e-14)
            assert_allclose(H[i, j], s.hessian(W[i, j]), rtol=1e-14, atol=1e-14)


@pytest.mark.parametrize("name", NAMES)
def test_finite_and_silent_on_a_box_one_and_a_half_times_the_bounds(name):
    s = SURFACES[name]
    W = _grid(s.bounds, scale=1.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for out in (s.value(W), s.grad(W), s.hessian(W)):
            assert np.all(np.isfinite(out))


@pytest.mark.parametrize("name", NAMES)
def test_finite_out_to_the_runners_bound_and_silent_beyond(name):
    s = SURFACES[name]
    far = np.array([[1e6, 1e6], [-1e6, 1e6], [1e6, -1e6], [-1e6, -1e6], [1e6, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for out in (s.value(far), s.grad(far), s.hessian(far)):
            assert np.all(np.isfinite(out))
        s.value([1e300, -1e300]), s.grad([1e300, 1e300]), s.hessian([1e300, 1e300])
        assert np.isnan(s.value([np.nan, 0.0]))


# --- known answers -----------------------------------------------------------------------
def test_quadratic_known_values():
    H = [[2.0, 0.0], [0.0, 8.0]]
    s = quadratic(H, center=[1.0, 1.0])
    # E(2, 2) = 1/2 (2 * 1 + 8 * 1) = 5, gradient H (w - c) = (2, 8)
    assert float(s.value([2.0, 2.0])) == pytest.approx(5.0)
    assert_allclose(s.grad([2.0, 2.0]), [2.0, 8.0])
    assert_allclose(s.hessian(np.zeros((3, 2))), np.broadcast_to(H, (3, 2, 2)))
    assert_allclose(s.minima, [[1.0, 1.0]])
    assert s.min_value == 0.0
    assert_allclose(s.eigenvalues, [2.0, 8.0])
    assert_allclose(s.start, [-3.0, 4.0])  # centre + (-4, 3)
    assert s.bounds == ((-4.0, 6.0), (-4.0, 6.0))


def test_quadratic_in_three_dimensions():
    A = np.array([[4.0, 1.0, 0.0], [1.0, 3.0, -1.0], [0.0, -1.0, 2.0]])
    c = np.array([1.0, -2.0, 0.5])
    s = quadratic(A, center=c, name="q3")
    w = np.array([0.0, 1.0, 2.0])
    d = w - c
    by_hand = 0.5 * sum(A[i, j] * d[i] * d[j] for i in range(3) for j in range(3))
    assert float(s.value(w)) == pytest.approx(by_hand)
    assert_allclose(s.grad(w), [sum(A[i, j] * d[j] for j in range(3)) for i in range(3)])
    assert s.bounds is None and s.name == "q3"
    assert_allclose(s.start, c + 1)
    assert_allclose(s.minima, [c])


def test_indefinite_quadratic_has_no_minimum():
    s = quadratic([[1.0, 0.0], [0.0, -1.0]])
    assert s.minima.shape == (0, 2)
    assert s.global_minimum is None and s.min_value is None


def test_bowl_eigenvalues_and_axes():
    theta = 0.3
    s = bowl(2.0, 50.0, theta)
    H = s.hessian([0.3, -0.2])
    u1 = np.array([np.cos(theta), np.sin(theta)])  # shallow direction
    u2 = np.array([-np.sin(theta), np.cos(theta)])  # steep direction
    assert_allclose(H @ u1, 2.0 * u1, atol=1e-12)
    assert_allclose(H @ u2, 50.0 * u2, atol=1e-12)
    assert_allclose(s.eigenvalues, [2.0, 50.0])
    # E at c + t u2 is lam_max t^2 / 2
    assert float(s.value(1.5 * u2)) == pytest.approx(50.0 * 1.5**2 / 2)
    assert_allclose(bowl().hessian([0.0, 0.0]), [[1.0, 0.0], [0.0, 10.0]])


def test_registry_quadratics():
    for name, kappa in [("bowl", 4.0), ("ravine", 100.0)]:
        lam = SURFACES[name].eigenvalues
        assert lam[1] / lam[0] == pytest.approx(kappa)
        assert_allclose(np.linalg.eigvalsh(SURFACES[name].hessian([0.0, 0.0])), lam)
    assert 50 <= SURFACES["ravine"].eigenvalues[1] / SURFACES["ravine"].eigenvalues[0] <= 100


def test_ravine_makes_gradient_descent_zigzag():
    s = SURFACES["ravine"]
    lam_max = s.eigenvalues[1]
    u2 = np.linalg.eigh(s.hessian(s.start))[1][:, 1]  # the steep direction
    w, sides = s.start.copy(), []
    for _ in range(10):
        w = w - 1.9 / lam_max * s.grad(w)  # (1 - 1.9) < 0: the steep part flips sign
        sides.append(np.sign(u2 @ w))
    assert all(a != b for a, b in zip(sides, sides[1:], strict=False))


def test_rosenbrock_known_answers():
    s = SURFACES["rosenbrock"]
    assert_allclose(s.hessian([1.0, 1.0]), [[802.0, -400.0], [-400.0, 200.0]])
    assert float(s.value([0.0, 0.0])) == 1.0
    assert_allclose(s.grad([0.0, 0.0]), [-2.0, 0.0])
    assert float(s.value([-1.0, 1.0])) == 4.0  # (1 - (-1))^2 + 0
    assert_allclose(s.minima, [[1.0, 1.0]])


def _newton_himmelblau(x, y):
    """Newton's method on the gradient written out by hand (independent of the module)."""
    for _ in range(50):
        u, r = x * x + y - 11, x + y * y - 7
        g = np.array([4 * x * u + 2 * r, 2 * u + 4 * y * r])
        J = np.array(
            [[12 * x * x + 4 * y - 42, 4 * x + 4 * y], [4 * x + 4 * y, 4 * x + 12 * y * y - 26]]
        )
        x, y = np.array([x, y]) - np.linalg.solve(J, g)
    return np.array([x, y])


def test_himmelblau_has_the_four_textbook_minima():
    s = SURFACES["himmelblau"]
    rough = [(3.0, 2.0), (-2.8, 3.1), (-3.8, -3.3), (3.6, -1.8)]
    expected = np.array([_newton_himmelblau(*p) for p in rough])
    assert_allclose(expected[0], [3.0, 2.0], rtol=0, atol=1e-14)
    assert_allclose(s.minima, expected, rtol=0, atol=1e-13)
    assert_allclose(s.value(s.minima), 0.0, atol=1e-20)
    for m in s.minima:
        assert np.all(np.linalg.eigvalsh(s.hessian(m)) > 0)


def _descend(s, starts, lr, steps):
    w = starts
    for _ in range(steps):
        w = w - lr * s.grad(w)
    return w


@pytest.mark.parametrize(
    ("name", "lr", "steps"),
    [("himmelblau", 0.005, 3000), ("wells", 0.2, 3000), ("saddle", 0.2, 500)],
)
def test_gradient_descent_from_everywhere_ends_at_a_listed_minimum(name, lr, steps):
    """Random restarts find each listed minimum, and nothing else: the list is complete."""
    s = SURFACES[name]
    rng = np.random.default_rng(0)
    starts = _inside(s, rng.uniform(size=400), rng.uniform(size=400)).T
    ends = _descend(s, starts, lr, steps)
    d = np.linalg.norm(ends[:, None, :] - s.minima[None], axis=-1)
    assert np.all(d.min(axis=1) < 1e-4)
    assert set(np.argmin(d, axis=1)) == set(range(len(s.minima)))


def test_wells_start_leads_to_a_local_not_the_global_minimum():
    s = SURFACES["wells"]
    end = _descend(s, s.start, 0.1, 3000)
    i = int(np.argmin(np.linalg.norm(s.minima - end, axis=1)))
    assert i != 0 and s.value(end) > s.min_value + 0.5
    assert len(set(np.round(s.value(s.minima), 6))) == len(s.minima)  # different depths


def test_saddle_is_a_saddle_and_stalls_gradient_descent():
    s = SURFACES["saddle"]
    assert_allclose(s.grad([0.0, 0.0]), [0.0, 0.0])
    assert_allclose(s.hessian([0.0, 0.0]), [[-1.0, 0.0], [0.0, 1.0]])
    assert classify_stationary_point(s.hessian([0.0, 0.0])) == "saddle"
    assert_allclose(s.value(s.minima), -0.25)  # 1/4 - 1/2
    # Near the saddle E ~ (y^2 - x^2) / 2 with y ~ 1.5 * 0.9^t and x ~ 0.001 * 1.1^t:
    # |E| < 0.02 from y < 0.2 (t > 19) until x > 0.2 (t < 56), i.e. some 35 steps
    w, stalled = s.start.copy(), 0
    for _ in range(200):
        stalled += abs(float(s.value(w))) < 0.02
        w = w - 0.1 * s.grad(w)
    assert stalled >= 25
    assert_allclose(w, [1.0, 0.0], atol=1e-6)


def test_cliff_throws_plain_gradient_descent_and_clipping_tames_it():
    s = SURFACES["cliff"]
    # the wall: E rises by about 5 * 20 * 2 = 200 between x = 1 and 3, slope about 100
    assert float(s.value([3.5, 0.0]) - s.value([0.5, 0.0])) == pytest.approx(200 + 3, rel=0.01)
    assert s.grad([2.0, 0.0])[0] == pytest.approx(100 + 1, rel=1e-6)
    lr = 0.1
    w, plain = s.start.copy(), []
    for _ in range(100):
        w = w - lr * s.grad(w)
        plain.append(w)
    # a step from the wall moves about lr * 100 = 10: far past the foot of the cliff
    assert min(p[0] for p in plain) < -5.0
    w, clipped = s.start.copy(), []
    for _ in range(300):
        g = s.grad(w)
        g = g * min(1.0, 1.0 / (np.linalg.norm(g) + 1e-6))  # clip the norm to 1
        w = w - lr * g
        clipped.append(w)
    assert min(p[0] for p in clipped) > -0.5
    assert_allclose(w, s.minima[0], atol=1e-3)


def test_plateau_is_flat_where_the_unit_saturates():
    s = SURFACES["plateau"]
    # tanh(ln 3) = (3 - 1/3) / (3 + 1/3) = 0.8, so both examples are fitted exactly
    assert_allclose(s.minima[0], [np.log(3.0), 0.0])
    assert float(s.value(s.minima[0])) == pytest.approx(0.0, abs=1e-28)
    # in the wrong-sign corner both units saturate: E -> (1 + 0.8)^2 = 3.24
    w = np.array([-4.0, 0.0])
    assert float(s.value(w)) == pytest.approx(3.24, abs=3e-3)  # 1 - tanh(4) = 7e-4
    assert np.linalg.norm(s.grad(w)) < 1e-2
    # at (0, 0) both units are linear: grad = (-0.8 - 0.8, -0.8 + 0.8) = (-1.6, 0)
    assert_allclose(s.grad([0.0, 0.0]), [-1.6, 0.0])
    assert np.linalg.norm(s.grad(s.start)) < 0.1 * 1.6


# --- lookup and argument checks --------------------------------------------------------
def test_get_surface():
    assert get_surface("rosenbrock") is SURFACES["rosenbrock"]
    s = quadratic(np.eye(2))
    assert get_surface(s) is s
    with pytest.raises(ValueError, match="name_or_surface.*'bowl'.*'rosenbrock'"):
        get_surface("banana")
    with pytest.raises(TypeError, match="name_or_surface"):
        get_surface(3)


def test_call_is_value():
    s = SURFACES["himmelblau"]
    assert s([1.0, 1.0]) == s.value([1.0, 1.0]) == (1 + 1 - 11) ** 2 + (1 + 1 - 7) ** 2


@pytest.mark.parametrize("method", ["value", "grad", "hessian"])
def test_surface_rejects_points_of_the_wrong_size(method):
    s = SURFACES["bowl"]
    with pytest.raises(ValueError, match=r"w must have shape \(\.\.\., 2\)"):
        getattr(s, method)([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="w must have shape"):
        getattr(s, method)(1.0)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"H": [[1.0, 2.0, 3.0]]}, "H must be a non-empty square"),
        ({"H": np.zeros((0, 0))}, "H must be a non-empty square"),
        ({"H": [1.0, 2.0]}, "H must have 2 dimension"),
        ({"H": [[1.0, 2.0], [0.0, 1.0]]}, "H must be symmetric"),
        ({"H": [[1.0, np.nan], [np.nan, 1.0]]}, "H must contain only finite"),
        ({"H": np.eye(2), "center": [1.0, 2.0, 3.0]}, "center must have shape"),
        ({"H": np.eye(2), "center": [np.inf, 2.0]}, "center must contain only finite"),
        ({"H": np.eye(2), "start": [0.0]}, "start must have shape"),
    ],
)
def test_quadratic_argument_checks(kwargs, match):
    with pytest.raises(ValueError, match=match):
        quadratic(**kwargs)


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((0.0, 1.0), "lam_min must be in"),
        ((-1.0, 1.0), "lam_min must be in"),
        ((2.0, 1.0), r"lam_max must be in \[2, inf"),
        ((1.0, 2.0, np.nan), "angle must be finite"),
    ],
)
def test_bowl_argument_checks(args, match):
    with pytest.raises(ValueError, match=match):
        bowl(*args)
