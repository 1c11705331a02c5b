"""Tests of chapter 5's figures: each figure draws what its caption promises,
checked against the numerics it is built on."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_hex
from numpy.testing import assert_allclose

from course_utils.chapters.ch05_momentum.dynamics import (
    REGIMES,
    chain_quadratic,
    eigen_errors,
    lessard_cycles,
    span_floor,
)
from course_utils.chapters.ch05_momentum.figures import (
    REGIME_COLORS,
    plot_eigen_components,
    plot_eigenvalue_paths,
    plot_lessard,
    plot_lower_bound,
    plot_phase_diagram,
    plot_regime_runs,
)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_phase_diagram_colours_each_point_by_its_regime():
    ax = plot_phase_diagram(points={"A": (0.1, 0.2)}, resolution=100)
    mesh = ax.collections[0]
    codes = np.asarray(mesh.get_array()).reshape(100, 100)  # rows: beta, columns: h
    h = np.linspace(4.2 / 100, 4.2, 100)
    b = np.linspace(0.0, 0.999, 100)
    # (h, beta) = (0.21, 0.1): monotone; (1.26, 0.5): oscillating; (3.5, 0.1): divergent
    for (hi, bi), name in [((0.21, 0.1), "monotone"), ((1.26, 0.5), "oscillating"),
                           ((3.5, 0.1), "divergent"), ((1.9, 0.02), "sign-flipping")]:  # fmt: skip
        i, j = np.argmin(abs(b - bi)), np.argmin(abs(h - hi))
        assert REGIMES[int(codes[i, j])] == name
    critical = [ln for ln in ax.lines if ln.get_label().startswith("critical")][0]
    x = np.asarray(critical.get_xdata())
    assert_allclose(critical.get_ydata(), (1 - np.sqrt(x)) ** 2)
    limit = [ln for ln in ax.lines if ln.get_label().startswith("stability")][0]
    assert_allclose(limit.get_xdata(), 2 + 2 * np.asarray(limit.get_ydata()))
    assert {t.get_text() for t in ax.texts} >= set(REGIMES) | {"A"}


def test_regime_runs_are_shaded_by_regime():
    runs = {"A": (0.1, 0.2, eigen_errors(1.0, 0.2, [0.1], [1.0], 10)[:, 0]),
            "D": (2.3, 0.1, eigen_errors(1.0, 0.1, [2.3], [1.0], 10)[:, 0])}  # fmt: skip
    axes = plot_regime_runs(runs)
    assert to_hex(axes[0].get_facecolor()) == REGIME_COLORS["monotone"].lower()
    assert to_hex(axes[1].get_facecolor()) == REGIME_COLORS["divergent"].lower()
    assert "(divergent)" in axes[1].get_title(loc="left")


def test_eigenvalue_paths_meet_at_critical_damping():
    ax = plot_eigenvalue_paths(0.25, betas=np.linspace(0, 0.9, 91))
    star = [ln for ln in ax.lines if ln.get_label().startswith("they meet")][0]
    assert star.get_xdata()[0] == pytest.approx(0.5)  # 1 - sqrt(0.25)
    assert "β = 0.250" in star.get_label()


def test_eigen_components_one_line_per_eigenvalue():
    lam = [1.0, 10.0]
    x = eigen_errors(0.1, 0.0, lam, [1.0, 1.0], 20)
    ax = plot_eigen_components(x, lam)
    assert [ln.get_label() for ln in ax.lines] == ["λ = 1", "λ = 10"]
    assert_allclose(ax.lines[0].get_ydata(), 0.9 ** np.arange(21))


def test_lower_bound_and_lessard_figures():
    c = chain_quadratic(9.0, n=40)
    floor = span_floor(c.w_star, 10)
    ax = plot_lower_bound({"run": floor * 2}, floor, c.q)
    qline = [ln for ln in ax.lines if ln.get_label().startswith("$q^k$")][0]
    assert_allclose(qline.get_ydata(), 0.5 ** np.arange(11))
    cycle = lessard_cycles()[1]
    ax1, ax2 = plot_lessard({"heavy ball": np.r_[3.3, cycle]}, cycle)
    drawn = [ln for ln in ax1.lines if ln.get_label() == "heavy ball's cycle"][0]
    assert_allclose(drawn.get_xdata(), np.r_[cycle, cycle[0]])
    assert [ln.get_label() for ln in ax2.lines] == ["heavy ball"]
