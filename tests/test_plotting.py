"""Tests of course_utils.plotting: each function returns an Axes with the expected artists.

A small quadratic surface defined here (following the Surface contract of SPEC) keeps
these tests independent of surfaces.py; the registry's surfaces get a smoke test.
"""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.axes import Axes
from numpy.testing import assert_allclose

from course_utils import plotting
from course_utils.plotting import (
    COLORS,
    color,
    contour_levels,
    mark_diverged,
    plot_contours,
    plot_decision_boundary,
    plot_eigen_ellipses,
    plot_losses,
    plot_path,
    plot_scatter_classes,
    plot_surface_3d,
    plot_taylor,
    plot_taylor_slice,
)


class Quad:
    """E(w) = 1/2 (w - c)^T H (w - c) + offset, with the Surface attributes; counts calls."""

    def __init__(self, H=((1.0, 0.0), (0.0, 4.0)), c=(0.5, -0.5), offset=0.0, title="Test bowl"):
        self.H, self.c, self.offset = np.array(H, float), np.array(c, float), offset
        self.name, self.title = "test-quad", title
        self.minima = self.c[None, :]
        self.bounds = ((-2.0, 2.0), (-2.0, 2.0))
        self.start = np.array([-1.5, 1.5])
        self.calls = 0

    def value(self, w):
        self.calls += 1
        d = np.asarray(w, float) - self.c
        return 0.5 * np.einsum("...i,ij,...j->...", d, self.H, d) + self.offset

    def grad(self, w):
        return (np.asarray(w, float) - self.c) @ self.H

    def hessian(self, w):
        return np.broadcast_to(self.H, np.shape(w)[:-1] + (2, 2))


class Valley(Quad):
    """A steep narrow valley, E = (w2 - w1^2)^2 * 100 + (1 - w1)^2: values span decades."""

    def value(self, w):
        self.calls += 1
        w = np.asarray(w, float)
        return 100 * (w[..., 1] - w[..., 0] ** 2) ** 2 + (1 - w[..., 0]) ** 2


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def texts(ax):
    return [t.get_text() for t in ax.texts]


def test_palette_is_okabe_ito_and_color_cycles():
    assert len(COLORS) == 8 and all(c.startswith("#") and len(c) == 7 for c in COLORS)
    assert {"#0072B2", "#D55E00", "#009E73", "#E69F00"} <= set(COLORS)
    assert color(0) == COLORS[0] and color(len(COLORS) + 2) == COLORS[2]
    with pytest.raises(TypeError, match="i"):
        color(1.5)


def test_plot_contours_draws_levels_minima_labels_and_title():
    s = Quad()
    ax = plot_contours(s)
    assert isinstance(ax, Axes)
    assert ax.get_title() == "Test bowl"
    assert ax.get_xlabel() == "$w_1$" and ax.get_ylabel() == "$w_2$"
    assert ax.get_xlim() == (-2.0, 2.0) and ax.get_ylim() == (-2.0, 2.0)
    (marker,) = [line for line in ax.lines if line.get_label() == "minimum"]
    assert_allclose(marker.get_xydata(), [[0.5, -0.5]])
    assert len(ax.collections) >= 2  # filled bands and their lines


def test_plot_contours_reuses_the_cached_grid():
    s = Quad()
    plot_contours(s, resolution=50)
    plot_contours(s, resolution=50)
    assert s.calls == 1
    plot_contours(s, resolution=60)  # a new grid
    assert s.calls == 2


def test_levels_are_log_spaced_when_values_span_decades_and_linear_otherwise():
    ax = plot_contours(Valley(), levels=10, filled=False)
    lv = ax.collections[0].levels
    assert len(lv) == 10
    gaps = np.diff(lv)  # lv = E_min + a r^i: the gaps grow by the constant factor r
    assert_allclose(gaps[1:] / gaps[:-1], gaps[1] / gaps[0], rtol=1e-6)
    assert gaps[1] / gaps[0] > 1.5
    saddle = Quad(H=((1.0, 0.0), (0.0, -1.0)), c=(0.0, 0.0))  # values from -2 to 2
    lv = plot_contours(saddle, levels=7, filled=False, resolution=41).collections[0].levels
    assert_allclose(np.diff(lv), 0.5)  # 7 evenly spaced levels strictly inside [-2, 2]
    lv = plot_contours(Valley(), levels=5, filled=False, log=False).collections[0].levels
    assert_allclose(np.diff(lv), np.diff(lv)[0])


def test_levels_from_a_known_minimum_and_a_fixed_lowest_fraction():
    # heights above E0 = 1 reach 1000 (at 1001): lowest 1e-3 gives 1, 10, 100, 1000
    E = np.array([5.0, 1001.0, 40.0, 3.0])
    assert_allclose(contour_levels(E, 4, minimum=1.0, lowest=1e-3), [2.0, 11.0, 101.0, 1001.0])
    # evenly spaced strictly inside [0, 4] when the values do not crowd the bottom
    assert_allclose(contour_levels([0.0, 2.0, 4.0], 3), [1.0, 2.0, 3.0])
    assert_allclose(contour_levels([np.nan, 2.0, 2.0], 5), [2.0, 3.0])  # constant: two levels


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"E": [np.inf, np.nan], "n": 3}, "E must have a finite value"),
        ({"E": [0.0, 1.0], "n": 1}, "n must be in"),
        ({"E": [0.0, 1.0], "n": 3, "lowest": 1.0}, r"lowest must be in \(0, 1\)"),
        ({"E": [0.0, 1.0], "n": 3, "minimum": np.nan}, "minimum must be"),
    ],
)
def test_contour_levels_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        contour_levels(**kwargs)


def test_plot_contours_accepts_explicit_levels_and_axes():
    fig, ax = plt.subplots()
    out = plot_contours(Quad(), ax=ax, levels=[0.1, 0.5, 1.0], filled=False)
    assert out is ax
    assert_allclose(ax.collections[0].levels, [0.1, 0.5, 1.0])


def test_plot_contours_rejects_bad_bounds():
    with pytest.raises(ValueError, match="bounds"):
        plot_contours(Quad(), bounds=((1.0, -1.0), (0.0, 1.0)))
    with pytest.raises(ValueError, match="bounds"):
        plot_contours(Quad(), bounds=(0.0, 1.0))


def test_plot_path_draws_line_start_end_and_keeps_the_view():
    ax = plot_contours(Quad())
    n = len(ax.lines)
    pts = np.array([[-1.5, 1.5], [-0.5, 0.5], [50.0, -80.0]])  # last point far outside
    plot_path(pts, ax, label="SGD")
    assert len(ax.lines) == n + 3
    line, start, end = ax.lines[n:]
    assert_allclose(line.get_xydata(), pts)
    assert_allclose(start.get_xydata(), pts[:1]) and start.get_marker() == "o"
    assert_allclose(end.get_xydata(), pts[-1:]) and end.get_marker() == "X"
    assert line.get_label() == "SGD" and line.get_color() == COLORS[0]
    assert ax.get_xlim() == (-2.0, 2.0) and ax.get_ylim() == (-2.0, 2.0)
    plot_path(pts[:2], ax)  # the second path takes the next palette colour
    assert ax.lines[-3].get_color() == COLORS[1]
    assert texts(ax) == []


def test_a_faint_path_lies_thin_and_translucent_under_the_star_and_other_paths():
    ax = plot_contours(Quad())
    star = next(line for line in ax.lines if line.get_label() == "minimum")
    n = len(ax.lines)
    rng = np.random.default_rng(0)
    noisy = np.cumsum(rng.normal(scale=0.2, size=(200, 2)), axis=0)
    plot_path(noisy, ax, label="B = 1", faint=True)
    plot_path(noisy[::50], ax, label="full batch")
    faint, start, end, bold = ax.lines[n : n + 4]
    assert faint.get_label() == "B = 1" and bold.get_label() == "full batch"
    assert faint.get_marker() in ("None", "", None) and bold.get_marker() == "o"
    assert faint.get_linewidth() < bold.get_linewidth() and faint.get_alpha() < 1
    assert faint.get_zorder() < star.get_zorder() < bold.get_zorder()
    assert start.get_zorder() == end.get_zorder() == bold.get_zorder()  # markers on top
    assert start.get_alpha() is None and end.get_alpha() is None


def test_plot_path_marks_divergence_and_reads_results():
    class Result:
        points = np.array([[0.0, 0.0], [1.0, 1.0], [np.nan, np.inf]])
        diverged_at = 2

    ax = plot_path(Result(), label="run")
    assert "diverged at step 2" in texts(ax)
    assert_allclose(ax.lines[0].get_xydata(), [[0.0, 0.0], [1.0, 1.0]])  # non-finite dropped
    ax = plot_path(np.zeros((3, 2)), diverged_at=5)
    assert texts(ax) == ["diverged at step 5"]
    with pytest.raises(ValueError, match="points"):
        plot_path(np.zeros((3, 3)))

    class NoPath:
        path = None

    with pytest.raises(ValueError, match="record_path"):
        plot_path(NoPath())


def test_mark_diverged_stacks_boxes_in_the_top_left():
    fig, ax = plt.subplots()
    assert mark_diverged(ax, 7) is ax
    mark_diverged(ax, 12)
    assert texts(ax) == ["diverged at step 7", "diverged at step 12"]
    (x1, y1), (x2, y2) = (t.get_position() for t in ax.texts)
    assert x1 < 0.1 and y1 > 0.9 and y2 < y1  # second box below the first
    assert ax.texts[0].get_bbox_patch() is not None


def test_plot_surface_3d_needs_a_3d_axes():
    ax = plot_surface_3d(Quad(), resolution=20)
    assert ax.name == "3d" and ax.get_title() == "Test bowl" and ax.get_zlabel() == "$E(w)$"
    assert len(ax.collections) == 1
    fig, flat = plt.subplots()
    with pytest.raises(ValueError, match="3-D"):
        plot_surface_3d(Quad(), ax=flat)


def test_plot_taylor_of_a_quadratic_is_the_quadratic_itself():
    s = Quad()
    w_hat = np.array([-1.0, 1.0])
    ax = plot_taylor(s, w_hat, order=2, resolution=60)
    true, true_hat, approx, approx_hat = ax.collections  # levels, then the level through w_hat
    assert approx.get_linestyle()[0][1] is not None  # dashed
    assert true.get_linestyle()[0][1] is None  # solid
    for p, q in zip(true.get_paths(), approx.get_paths(), strict=True):
        assert_allclose(p.vertices, q.vertices, atol=1e-9)
    assert_allclose(true_hat.levels, [s.value(w_hat)])  # E(w) = E(w_hat) passes through w_hat
    line = true_hat.get_paths()[0].vertices
    assert np.min(np.linalg.norm(line - w_hat, axis=1)) < 0.05
    assert r"$\hat w$" in texts(ax)
    assert "quadratic Taylor" in ax.get_title() and "order-2" in ax.get_title()
    assert ax.get_xlabel() == "$w_1$"


def test_plot_taylor_first_order_has_straight_contours():
    s = Quad(H=((2.0, 0.0), (0.0, 2.0)), c=(0.0, 0.0))  # gradient at (1, 0) is (2, 0)
    ax = plot_taylor(s, [1.0, 0.0], order=1, resolution=40)
    approx = ax.collections[2]  # dashed: w1 = const lines of E(w_hat) + 2 (w1 - 1)
    for path in approx.get_paths():
        assert np.ptp(path.vertices[:, 0]) < 1e-9
    assert "linear Taylor" in ax.get_title()
    with pytest.raises(ValueError, match="order"):
        plot_taylor(s, [1.0, 0.0], order=3)


def test_plot_taylor_at_the_minimum_draws_no_empty_contour():
    s = Quad()
    ax = plot_taylor(s, s.c, order=2, resolution=40)  # E(w_hat) = min: no level through it
    assert len(ax.collections) == 2


def test_plot_taylor_slice_shows_the_tangent_and_the_parabola():
    s = Quad()
    w_hat, d = np.array([-1.0, 1.0]), np.array([3.0, 4.0])
    ax = plot_taylor_slice(s, w_hat, d, radius=2.0, num=21)
    true, first, second = ax.lines[:3]
    sv = true.get_xdata()
    assert_allclose(sv, np.linspace(-2, 2, 21))
    u = d / 5.0  # unit direction
    E0, slope = s.value(w_hat), s.grad(w_hat) @ u
    assert_allclose(first.get_ydata(), E0 + slope * sv)  # the tangent line
    assert_allclose(second.get_ydata(), true.get_ydata())  # exact for a quadratic
    with pytest.raises(ValueError, match="direction"):
        plot_taylor_slice(s, w_hat, [0.0, 0.0])


def test_plot_losses_draws_one_line_per_curve_and_flags_divergence():
    class Run:
        losses = np.array([1.0, 2.0, 8.0])
        diverged_at = 3

    curves = {
        "batch": np.array([1.0, 0.5, 0.25, 0.125]),
        "huge": Run(),
        "nan": np.array([1.0, 3.0, np.nan, np.nan]),
    }
    ax = plot_losses(curves, title="Loss")
    assert len(ax.lines) == 3 and ax.get_yscale() == "log" and ax.get_title() == "Loss"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["batch", "huge (diverged at step 3)", "nan (diverged at step 2)"]
    assert_allclose(ax.lines[2].get_ydata(), [1.0, 3.0])
    assert [line.get_color() for line in ax.lines] == COLORS[:3]
    assert ax.get_xlabel() == "step" and ax.get_ylabel() == "loss"


def test_plot_losses_x_axes_shared_or_per_curve():
    ax = plot_losses({"a": [3.0, 2.0, 1.0]}, x=[0, 10, 20], logy=False, xlabel="examples")
    assert_allclose(ax.lines[0].get_xdata(), [0, 10, 20]) and ax.get_yscale() == "linear"
    ax = plot_losses({"a": [3.0, 2.0], "b": [3.0, 1.0]}, x={"a": [1, 2], "b": [4, 8]})
    assert_allclose(ax.lines[1].get_xdata(), [4, 8])
    with pytest.raises(ValueError, match="curves"):
        plot_losses({})


def test_plot_eigen_ellipses_arrows_scale_as_inverse_sqrt_lambda():
    H = np.array([[5.0, 3.0], [3.0, 5.0]])  # eigenvalues 2 along (1,-1), 8 along (1,1)
    ax = plot_eigen_ellipses(H, w_star=[1.0, 2.0])
    arrows = [t for t in ax.texts if t.get_text() == ""]
    tips = np.array([a.xy for a in arrows]) - [1.0, 2.0]
    lengths = np.linalg.norm(tips, axis=1)
    assert_allclose(lengths[0] / lengths[1], np.sqrt(8.0 / 2.0))  # 1/sqrt(2) : 1/sqrt(8)
    assert_allclose(abs(tips[0] @ [1, 1]), 0.0, atol=1e-12)  # lambda=2 along (1, -1)
    assert any("2" in t for t in texts(ax)) and any("8" in t for t in texts(ax))
    assert ax.get_aspect() == 1.0
    with pytest.raises(ValueError, match="positive definite"):
        plot_eigen_ellipses([[1.0, 0.0], [0.0, -1.0]])
    with pytest.raises(ValueError, match="symmetric"):
        plot_eigen_ellipses([[1.0, 2.0], [0.0, 1.0]])


def test_scatter_classes_and_decision_boundary():
    X = np.array([[-1.0, 0.0], [-2.0, 1.0], [1.0, 0.5], [2.0, -1.0]])
    y = np.array([0, 0, 1, 1])
    ax = plot_scatter_classes(X, y)
    assert len(ax.collections) == 2
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["class 0", "class 1"]

    class Sign:
        def predict(self, P):
            return (P[:, 0] > 0).astype(int)

    ax = plot_decision_boundary(Sign(), X, y, resolution=30)
    assert ax.get_title() == "Decision regions"
    boundary = ax.collections[1]  # the contour line between the regions lies at x1 = 0
    xs = np.concatenate([p.vertices[:, 0] for p in boundary.get_paths()])
    assert np.all(np.abs(xs) < (np.ptp(X[:, 0]) + 1) / 29)
    with pytest.raises(ValueError, match="y"):
        plot_scatter_classes(X, y[:3])


def test_grid_cache_is_bounded():
    for _ in range(plotting._CACHE_SIZE + 5):
        plot_contours(Quad(), resolution=10, filled=False)
        plt.close("all")
    assert len(plotting._GRID_CACHE) <= plotting._CACHE_SIZE


def test_every_registry_surface_draws_without_warnings():
    from course_utils.surfaces import SURFACES

    for name, s in SURFACES.items():
        ax = plot_contours(s, resolution=60)
        assert ax.get_title() == s.title, name
        markers = [line for line in ax.lines if line.get_label() == "minimum"]
        assert len(markers) == (1 if len(s.minima) else 0), name
        plot_path(np.array([s.start, s.start + 0.1]), ax, label="path")
        plot_taylor(s, s.start, order=2, resolution=40)
        plot_surface_3d(s, resolution=20)
        plt.close("all")


def test_plot_taylor_slice_with_the_real_calculus_on_a_cubic():
    class Cubic(Quad):  # E = w1^3: order 2 around w1 = 1 is 1 + 3s + 3s^2 along d = e1
        def value(self, w):
            return np.asarray(w, float)[..., 0] ** 3

        def grad(self, w):
            w = np.asarray(w, float)
            return np.stack([3 * w[..., 0] ** 2, 0 * w[..., 1]], axis=-1)

        def hessian(self, w):
            return np.array([[6 * np.asarray(w, float)[0], 0.0], [0.0, 0.0]])

    ax = plot_taylor_slice(Cubic(), [1.0, 0.0], [1.0, 0.0], radius=0.5, num=11)
    s = ax.lines[0].get_xdata()
    assert_allclose(ax.lines[0].get_ydata(), (1 + s) ** 3)
    assert_allclose(ax.lines[1].get_ydata(), 1 + 3 * s)
    assert_allclose(ax.lines[2].get_ydata(), 1 + 3 * s + 3 * s**2)
