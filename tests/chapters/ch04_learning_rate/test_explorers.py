"""Chapter 4's explorers: their controls, and the numbers their figures show."""

import ipywidgets as W
import numpy as np
import pytest

from course_utils.chapters.ch04_learning_rate.explorers import (
    CLIP_OPTIONS,
    explore_cliff,
    explore_schedule,
    plot_estimator_stats,
    plot_runs,
    plot_schedules,
)
from course_utils.data import batch_sizes
from course_utils.schedules import SCHEDULES


def lines(ax):
    return {line.get_label(): line for line in ax.lines if not line.get_label().startswith("_")}


def texts(fig):
    return " | ".join(t.get_text() for ax in fig.axes for t in ax.texts)


def test_schedule_explorer_controls():
    ex = explore_schedule()
    lr, B, sched = ex.controls["lr"], ex.controls["batch_size"], ex.controls["schedule"]
    assert isinstance(lr, W.FloatLogSlider) and lr.description == "learning rate η"
    assert (lr.min, lr.max) == (-3.0, 0.0)
    assert isinstance(B, W.SelectionSlider) and B.description == "batch size B"
    assert list(B.options) == batch_sizes(64)
    assert list(sched.options) == list(SCHEDULES)
    assert ex.last_error is None and ex.last_warnings == []


def test_schedule_explorer_draws_the_schedule_it_names():
    ex = explore_schedule(lr=0.1, batch_size=4, schedule="step")
    _, ax_loss = ex.figure.axes
    dashed = [line for line in ax_loss.lines if line.get_linestyle() == "--"]
    rates = {round(float(y), 12) for y in dashed[-1].get_ydata()}
    assert rates == {0.1, 0.01, 0.001}  # make_schedule's step: divide by 10 every third
    assert dashed[0].get_ydata() == pytest.approx(0.1)  # the constant reference


def test_decaying_schedule_shrinks_the_noise_ball_in_the_figure():
    ex = explore_schedule(lr=0.1, batch_size=4, schedule="cosine")
    _, ax_loss = ex.figure.axes
    solid = [line for line in ax_loss.lines if line.get_linestyle() == "-"]
    constant, cosine = (np.asarray(line.get_ydata())[-50:].mean() for line in solid)
    assert cosine < constant / 5
    labels = ax_loss.get_legend().get_texts()
    assert "constant: mean of the last 50 steps" in labels[0].get_text()


def test_full_batch_above_the_stability_limit_says_diverged():
    ex = explore_schedule(lr=1.0, batch_size=64)  # eta > 1/3 = 2 / lambda_max
    assert "diverged at step" in texts(ex.figure)
    ex.set(lr=0.1)
    assert "diverged at step" not in texts(ex.figure)


def test_cliff_explorer_controls():
    ex = explore_cliff()
    assert ex.controls["lr"].description == "learning rate η"
    assert ex.controls["batch_size"].description == "batch size B"
    assert list(ex.controls["batch_size"].options) == batch_sizes(64)
    assert ex.controls["clip"].options[-1] == "off"
    assert tuple(ex.controls["clip"].options) == CLIP_OPTIONS


def test_unclipped_step_is_thrown_off_the_cliff_and_clipped_step_is_not():
    ex = explore_cliff(lr=0.1, batch_size=64, clip=1.0)
    ax_path = ex.figure.axes[0]
    paths = lines(ax_path)
    free, clipped = paths["no clipping"], paths["clipped at c = 1"]
    assert min(free.get_xdata()) < -7  # thrown across the bowl by a gradient of about 100
    assert min(clipped.get_xdata()) > -0.5  # walked down the wall in short steps
    jumps = np.hypot(np.diff(clipped.get_xdata()), np.diff(clipped.get_ydata()))
    assert jumps.max() <= 0.1 * 1.0 + 1e-9  # a clipped step is at most eta * c long


def test_clip_off_draws_only_the_unclipped_path():
    ex = explore_cliff(clip="off")
    assert set(lines(ex.figure.axes[0])) == {"minimum", "no clipping"}


def test_large_rate_diverges_without_clipping_and_not_with_it():
    ex = explore_cliff(lr=10**0.5, batch_size=64, clip="off")
    assert "diverged at step" in texts(ex.figure)
    ex.set(clip=1.0)
    notes = texts(ex.figure)
    assert notes.count("diverged at step") == 1  # only the unclipped run
    assert ex.last_error is None and ex.last_warnings == []


def test_cliff_title_states_the_noise():
    ex = explore_cliff(batch_size=64)
    assert "exact gradients" in texts(ex.figure)
    ex.set(batch_size=4)  # 2 / sqrt(4) * sqrt(60 / 63) = 0.976
    assert "gradient noise 0.98 per coordinate" in texts(ex.figure)


@pytest.mark.parametrize(
    ("factory", "kwargs", "match"),
    [
        (explore_schedule, {"steps": 1000}, "steps"),
        (explore_schedule, {"schedule": "linear"}, "schedule"),
        (explore_cliff, {"clip": 2.0}, "clip"),
        (explore_cliff, {"steps": 5}, "steps"),
    ],
)
def test_explorers_reject_bad_arguments(factory, kwargs, match):
    with pytest.raises(ValueError, match=match):
        factory(**kwargs)


# --- the chapter's figure helpers -----------------------------------------------------------
def test_plot_runs_draws_paths_and_curves_in_matching_colours():
    import matplotlib.pyplot as plt

    from course_utils.optimizers import SGD, run
    from course_utils.surfaces import SURFACES

    bowl = SURFACES["bowl"]
    runs = {
        "slow": run(SGD(lr=0.05), bowl.grad, bowl.start, 20, loss_fn=bowl.value),
        "too fast": run(SGD(lr=1.0), bowl.grad, bowl.start, 50, loss_fn=bowl.value, bound=1e3),
    }
    ax_path, ax_curve = plot_runs(bowl, runs, "losses", paths=["slow"])
    curves = lines(ax_curve)
    k = runs["too fast"].diverged_at
    assert set(curves) == {"slow", f"too fast (diverged at step {k})"}
    assert curves["slow"].get_ydata() == pytest.approx(runs["slow"].losses)
    assert ax_curve.get_yscale() == "log"
    drawn = lines(ax_path)
    assert "slow" in drawn and "too fast" not in drawn  # only the requested path
    assert drawn["slow"].get_color() == curves["slow"].get_color()
    steps = {k: np.arange(3.0) + 1 for k in runs}  # a dict of curves is drawn as given
    _, ax2 = plot_runs(bowl, runs, steps, logy=False)
    assert lines(ax2)["slow"].get_ydata() == pytest.approx([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="runs"):
        plot_runs(bowl, {})
    plt.close("all")


def test_plot_schedules_draws_make_schedule():
    import matplotlib.pyplot as plt

    ax = plot_schedules(["step", "warmup+cosine"], 0.1, 30)
    step, warm = ax.lines
    assert step.get_ydata()[0] == pytest.approx(0.1)  # step: lr / 10 every third of the run
    assert step.get_ydata()[10] == pytest.approx(0.01)
    assert warm.get_ydata()[0] == pytest.approx(0.1 / 3)  # warm-up starts at a third
    assert warm.get_linestyle() == "--"
    plt.close("all")


def test_plot_estimator_stats_leaves_zero_variance_off_the_log_axis():
    import matplotlib.pyplot as plt

    from course_utils.chapters.ch04_learning_rate.noisy import estimator_stats

    G = np.random.default_rng(0).normal(size=(8, 2))
    stats = {"raw": estimator_stats(G, [1, 2, 8], trials=50)}
    ax_var, ax_bias = plot_estimator_stats(stats)
    theory, measured = ax_var.lines
    assert list(theory.get_xdata()) == [1, 2]  # B = N = 8 has variance exactly 0
    assert list(ax_bias.lines[0].get_xdata()) == [1, 2, 8]
    assert ax_var.get_yscale() == "log"
    plt.close("all")
