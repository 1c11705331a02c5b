"""Chapter 6's explorer: the optimizer race, its controls and what its figure shows."""

import time

import ipywidgets as W
import numpy as np
import pytest

from course_utils.chapters.ch06_adaptive.explorers import _problem, explore_race
from course_utils.chapters.ch06_adaptive.race import RATE_MODES, race
from course_utils.data import batch_sizes
from course_utils.optimizers import OPTIMIZERS


def texts(fig):
    return " | ".join(t.get_text() for ax in fig.axes for t in ax.texts)


def legend(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_race_explorer_controls():
    ex = explore_race()
    lr, B = ex.controls["lr"], ex.controls["batch_size"]
    assert isinstance(lr, W.FloatLogSlider) and lr.description == "learning rate η"
    assert isinstance(B, W.SelectionSlider) and B.description == "batch size B"
    assert list(B.options) == batch_sizes(len(_problem().X))
    assert isinstance(ex.controls["optimizers"], W.SelectMultiple)
    assert list(ex.controls["optimizers"].options) == list(OPTIMIZERS)
    assert list(ex.controls["rates"].options) == list(RATE_MODES)
    assert ex.last_error is None and ex.last_warnings == []


def test_race_explorer_draws_the_race_numbers():
    ex = explore_race(optimizers=("Adam", "RMSProp"), lr=0.05, batch_size=4, steps=30)
    ax_path, ax_loss = ex.figure.axes[:2]
    runs = race(["Adam", "RMSProp"], 0.05, batch_size=4, steps=30, problem=_problem())
    curves = [line.get_ydata() for line in ax_loss.lines]
    assert len(curves) == 2
    np.testing.assert_allclose(curves[0], np.maximum(runs["Adam"].losses, 1e-12))
    np.testing.assert_allclose(curves[1], np.maximum(runs["RMSProp"].losses, 1e-12))
    assert legend(ax_loss) == ["Adam, η = 0.05", "RMSProp, η = 0.05"]
    paths = [line.get_xydata() for line in ax_path.lines if len(line.get_xydata()) == 31]
    np.testing.assert_allclose(paths[0], runs["Adam"].points)


def test_race_explorer_empty_selection_shows_a_message():
    ex = explore_race()
    ex.set(optimizers=())
    assert ex.last_error is None and ex.last_warnings == []
    assert "Pick one or more optimizers" in texts(ex.figure)


def test_race_explorer_marks_divergence():
    ex = explore_race(optimizers=("SGD", "Adam"), lr=1.0, batch_size=64)
    assert ex.last_error is None and ex.last_warnings == []
    step = race(["SGD"], 1.0, problem=_problem())["SGD"].diverged_at
    assert step is not None
    assert f"diverged at step {step}" in texts(ex.figure)
    assert any(f"(diverged at step {step})" in t for t in legend(ex.figure.axes[1]))


def test_race_explorer_scaled_rates_give_adadelta_its_multiplier():
    ex = explore_race(optimizers=("Adam", "Adadelta"), lr=0.01, rates=RATE_MODES[1])
    assert legend(ex.figure.axes[1]) == ["Adam, η = 0.01", "Adadelta, η = 10"]


@pytest.mark.parametrize("lr", [1e-4, 1e-2, 10.0])
@pytest.mark.parametrize("B", [1, 64])
def test_race_explorer_every_optimizer_at_the_extremes(lr, B):
    ex = explore_race(optimizers=tuple(OPTIMIZERS), lr=lr, batch_size=B)
    assert ex.last_error is None and ex.last_warnings == []


def test_race_explorer_rejects_bad_steps():
    with pytest.raises(ValueError, match="steps"):
        explore_race(steps=0)


def test_race_explorer_redraw_is_fast():
    ex = explore_race()
    times = []
    for lr in (0.02, 0.05, 0.2, 0.5):
        t0 = time.perf_counter()
        ex.set(lr=lr)
        times.append(time.perf_counter() - t0)
    assert np.median(times) < 1.0  # generous: a shared CI machine


def test_race_panels_draws_one_panel_per_optimizer_and_the_losses():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from course_utils.chapters.ch06_adaptive.explorers import race_panels
    from course_utils.optimizers import make_optimizer, run
    from course_utils.surfaces import SURFACES

    s = SURFACES["ravine"]
    assert s.eigenvalues.max() == pytest.approx(100.0)  # so GD is stable only for η < 0.02
    lrs = {"SGD": 0.05, "Adam": 3.0}  # SGD diverges: 0.05 > 2/100
    runs = {
        n: run(make_optimizer(n, lr=lr), s.grad, s.start, 40, loss_fn=s.value)
        for n, lr in lrs.items()
    }
    assert runs["SGD"].diverged and not runs["Adam"].diverged
    fig = race_panels(s, runs, lrs)
    axes = fig.axes
    assert len(axes) == 8
    assert [axes[0].get_title(), axes[1].get_title()] == ["SGD, η = 0.05", "Adam, η = 3"]
    assert fig.get_suptitle() == s.title
    assert f"diverged at step {runs['SGD'].diverged_at}" in texts(fig)
    assert not any(ax.axison for ax in axes[2:7])  # unused panels are hidden
    losses = axes[7].lines
    assert len(losses) == 2  # one loss curve per optimizer, excess over the minimum
    np.testing.assert_allclose(
        losses[1].get_ydata(), np.maximum(runs["Adam"].losses - s.min_value, 1e-16)
    )
    # the box is widened to show every end point
    for ax in axes[:2]:
        (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
        for traj in runs.values():
            x, y = traj.points[-1]
            assert x0 <= x <= x1 and y0 <= y <= y1
    plt.close(fig)


def test_race_panels_rejects_bad_runs():
    from course_utils.chapters.ch06_adaptive.explorers import race_panels
    from course_utils.surfaces import SURFACES

    with pytest.raises(ValueError, match="runs"):
        race_panels(SURFACES["ravine"], {})
    with pytest.raises(ValueError, match="runs"):
        race_panels(SURFACES["ravine"], [1, 2])
