"""Chapter 5's explorer and heat map: their controls, and the numbers their figures show."""

import ipywidgets as W
import numpy as np
import pytest

from course_utils.chapters.ch05_momentum.experiments import grid_search
from course_utils.chapters.ch05_momentum.explorers import (
    _theory_note,
    explore_momentum,
    plot_grid_search,
)
from course_utils.data import batch_sizes


def legend_labels(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def all_text(fig):
    parts = [t.get_text() for ax in fig.axes for t in ax.texts]
    for ax in fig.axes:
        if ax.get_legend() is not None:
            parts += legend_labels(ax)
    return " | ".join(parts)


def test_explorer_controls():
    ex = explore_momentum()
    lr, beta, B = ex.controls["lr"], ex.controls["beta"], ex.controls["batch_size"]
    assert isinstance(lr, W.FloatLogSlider) and lr.description == "learning rate η"
    assert isinstance(B, W.SelectionSlider) and B.description == "batch size B"
    assert list(B.options) == batch_sizes(64)
    assert beta.description == "momentum β" and (beta.min, beta.max) == (0.0, 0.99)
    assert isinstance(ex.controls["nesterov"], W.Checkbox)
    assert ex.last_error is None and ex.last_warnings == []


def test_explorer_shows_both_runs_and_the_predicted_rate():
    ex = explore_momentum(lr=0.1, beta=0.8, batch_size=64)
    _, ax_loss = ex.figure.axes
    assert legend_labels(ax_loss) == ["heavy ball, β = 0.80", "plain SGD (β = 0)"]
    # eta = 0.1, beta = 0.8 on eigenvalues 0.2 and 10: complex roots, rho = sqrt(0.8)
    assert f"ρ = {np.sqrt(0.8):.3f}" in all_text(ex.figure)
    assert "η < 0.36" in all_text(ex.figure)  # (2 + 2 * 0.8) / 10
    ex.set(nesterov=True)
    assert legend_labels(ex.figure.axes[1])[0] == "Nesterov, β = 0.80"
    ex.set(beta=0.0)
    assert legend_labels(ex.figure.axes[1]) == ["plain SGD (β = 0)"]


def test_explorer_reports_divergence_of_plain_sgd_but_not_of_momentum():
    # lambda_max = 10: plain SGD needs eta < 0.2, heavy ball with beta = 0.8 eta < 0.36
    ex = explore_momentum(lr=0.3, beta=0.8, batch_size=64)
    labels = legend_labels(ex.figure.axes[1])
    assert "diverged at step" in labels[1] and "diverged" not in labels[0]
    assert ex.last_error is None and ex.last_warnings == []


def test_theory_note():
    assert "unstable (needs η < 0.3" in _theory_note(0.5, 0.5, False, np.array([0.2, 10.0]))
    # Nesterov's limit (2 + 2 beta) / ((1 + 2 beta) lambda_max) = 3 / 20
    assert "η < 0.15" in _theory_note(0.1, 0.5, True, np.array([0.2, 10.0]))


def test_explorer_rejects_too_many_steps():
    with pytest.raises(ValueError, match="steps"):
        explore_momentum(steps=500)


def test_grid_heat_map_marks_optimum_and_divergence():
    H = np.diag([1.0, 9.0])
    g = grid_search(H, [1.0, 1.0], np.geomspace(0.01, 1.0, 12), np.linspace(0, 0.9, 10), 30)
    ax = plot_grid_search(g, optimum=(0.25, 0.25), lam_max=9.0)
    labels = legend_labels(ax)
    assert labels == ["diverged", "stability limit (theory)", "theoretical optimum"]
    star = [line for line in ax.lines if line.get_label() == "theoretical optimum"][0]
    assert star.get_xdata()[0] == 0.25 and star.get_ydata()[0] == 0.25
    limit = [line for line in ax.lines if line.get_label().startswith("stability")][0]
    np.testing.assert_allclose(limit.get_xdata(), (2 + 2 * limit.get_ydata()) / 9.0)
