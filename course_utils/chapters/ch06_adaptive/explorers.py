r"""Chapter 6's explorer: race the seven optimizers on a badly scaled least-squares problem.

The numbers come from :mod:`course_utils.chapters.ch06_adaptive.race`; this module only draws them.
"""

import functools

import numpy as np
from matplotlib.ticker import LogLocator, NullLocator

from course_utils import _validate
from course_utils.chapters.ch06_adaptive.race import (
    RATE_MODES,
    default_lrs,
    race,
    race_lrs,
    scaled_least_squares,
)
from course_utils.optimizers import OPTIMIZERS
from course_utils.plotting import COLORS, mark_diverged, plot_contours
from course_utils.widgets import (
    Explorer,
    Page,
    batch_slider,
    dropdown,
    encode,
    lr_slider,
    multi_select,
    title,
)
from course_utils.widgets.page import permutations


@functools.cache
def _problem():
    """The chapter's scaled least-squares problem, built on first use (not at import)."""
    return scaled_least_squares()


@functools.lru_cache(maxsize=256)
def _run(name, lr, batch_size, mode, steps):
    """One optimizer's race, cached: toggling another optimizer reuses the others' runs."""
    return race([name], lr, batch_size, steps, mode, seed=0, problem=_problem())[name]


def _message(ax, text):
    ax.text(
        0.5,
        0.5,
        text,
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=11,
        bbox={"boxstyle": "round", "fc": "white", "ec": "0.5"},
    )


def _setup_race(fig, steps):
    """The parts that never change: the contours and the loss axes' frame."""
    ax_path, ax_loss = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.15, 1.0]})
    fig.subplots_adjust(left=0.1, right=0.98, top=0.92, bottom=0.2, wspace=0.3)
    plot_contours(_problem().surface, ax=ax_path, levels=_RACE_LEVELS, resolution=60)
    ax_path.set_title("paths on the full-batch loss", fontsize=10)
    ax_loss.set(
        xlabel="step",
        ylabel=r"excess loss $E(w) - E(w^*)$",
        yscale="log",
        xlim=(0, steps),
        ylim=(1e-8, 1e3),
    )
    ax_loss.yaxis.set_major_locator(LogLocator(numticks=5))
    ax_loss.yaxis.set_minor_locator(NullLocator())
    return ax_path, ax_loss


def _draw_race(axes, optimizers, lr, batch_size, rates, steps):
    ax_path, ax_loss = axes
    title(ax_loss, f"loss per step, batch size B = {batch_size}")
    if not optimizers:
        _message(ax_path, "Pick one or more optimizers\n(Ctrl/Cmd-click for several)")
        _message(ax_loss, "no optimizer selected")
        return
    lrs = race_lrs(optimizers, lr, rates)
    names = list(OPTIMIZERS)
    box = (ax_path.get_xlim(), ax_path.get_ylim())
    for name in optimizers:
        traj = _run(name, lrs[name], batch_size, rates, steps)
        c = COLORS[names.index(name)]
        ax_path.plot(*traj.points.T, color=c, lw=1.6, zorder=5)
        ax_path.plot(*traj.points[-1], "X", color=c, mec="black", ms=8, zorder=6)
        label = f"{name}, η = {lrs[name]:.2g}"
        if traj.diverged:
            mark_diverged(ax_path, traj.diverged_at, color=c)
            label += f" (diverged at step {traj.diverged_at})"
        ax_loss.plot(np.maximum(traj.losses, 1e-12), color=c, lw=1.5, label=label)
    ax_path.plot(*_problem().surface.start, "o", color="white", mec="black", ms=8, zorder=6)
    ax_path.set_xlim(box[0])
    ax_path.set_ylim(box[1])
    ax_loss.legend(fontsize=7, loc="lower left", framealpha=0.9)


def explore_race(
    optimizers=("SGD", "Adagrad", "RMSProp", "Adam"),
    lr=0.1,
    batch_size=8,
    rates=RATE_MODES[0],
    steps=80,
):
    """Race optimizers on a badly scaled least-squares problem (N = 64 examples).

    Controls: the optimizers to race (several at once), the learning rate η (log scale),
    the batch size B, and whether η is shared or scaled by each optimizer's torch default.
    Left: the paths on the contours of the full-batch loss; right: the excess loss per
    step. A run that blows up is marked "diverged at step k".

    Parameters
    ----------
    optimizers : tuple of str
        Initially selected optimizers.
    lr : float
        Initial learning rate, in [1e-4, 10].
    batch_size : int
        Initial batch size (a power of two up to 64).
    rates : str
        One of ``RATE_MODES``.
    steps : int
        Steps per optimizer (fixed; at most 200 to keep a redraw fast).

    Returns
    -------
    Explorer
    """
    steps = _validate.integer("steps", steps, lo=1, hi=200)
    controls = {
        "optimizers": multi_select(list(OPTIMIZERS), optimizers, "optimizers"),
        "lr": lr_slider(lr, -4.0, 1.0),
        "batch_size": batch_slider(len(_problem().X), batch_size),
        "rates": dropdown(list(RATE_MODES), rates, "learning rates"),
    }

    draw = functools.partial(_draw_race, steps=steps)
    setup = functools.partial(_setup_race, steps=steps)
    page = Page("race", _race_page_data(steps))
    return Explorer(controls, draw, figsize=(7.5, 4.2), setup=setup, page=page)


_RACE_LEVELS = np.geomspace(0.02, 50.0, 12)  # excess loss, log-spaced: rings round the minimum


def _race_page_data(steps):
    """What the page races the optimizers on: the problem, every optimizer's default
    learning rate, and the example orders of the epochs ``steps`` full batches reach
    (``race`` shuffles even then)."""
    p = _problem()
    s = p.surface
    return {
        "X": encode(p.X), "y": encode(p.y), "H": encode(p.H), "w_star": encode(p.w_star),
        "surface_H": encode(s.hessian(p.w_star)), "start": encode(s.start),
        "bounds": encode(s.bounds), "levels": encode(_RACE_LEVELS), "steps": steps,
        "default_lrs": default_lrs(), "rate_modes": list(RATE_MODES), "names": list(OPTIMIZERS),
        "perms": encode(permutations(len(p.X), steps)),
    }  # fmt: skip


def race_panels(surface, runs, lrs=None, fig=None, resolution=60):
    """Chapter 6's static figure: one small panel per optimizer's path, and all the losses.

    Each panel shows one path on the contours (white dot: start, cross: end); the last
    panel shows the excess loss :math:`E - E_{\\min}` of every run per step, in the
    colours of the panel titles.

    Parameters
    ----------
    surface : Surface
        A 2-D surface (contours, ``min_value`` for the excess loss).
    runs : dict
        Optimizer name -> ``optimizers.Trajectory`` (with losses), at most seven.
    lrs : dict, optional
        Optimizer name -> learning rate, shown in the panel titles.
    fig : matplotlib Figure, optional
        Drawn on after clearing; default a new 7 x 4 inch figure.
    resolution : int
        Contour grid points per axis.

    The box is the surface's plotting box, widened if needed so that every run's end
    point (not every intermediate point) is visible.

    Returns
    -------
    matplotlib Figure
    """
    import matplotlib.pyplot as plt

    if not isinstance(runs, dict) or not 1 <= len(runs) <= 7:
        raise ValueError("runs must be a dict of 1 to 7 optimizer name -> Trajectory")
    fig = plt.figure(figsize=(7.0, 4.0)) if fig is None else fig
    fig.clear()
    axes = fig.subplots(2, 4)
    fig.subplots_adjust(left=0.02, right=0.93, top=0.86, bottom=0.08, wspace=0.12, hspace=0.3)
    floor = surface.min_value if surface.min_value is not None else 0.0
    ends = np.array([traj.points[-1] for traj in runs.values()])
    lo, hi = np.array(surface.bounds).T
    span = hi - lo
    lo = np.minimum(lo, ends.min(axis=0) - 0.05 * span)
    hi = np.maximum(hi, ends.max(axis=0) + 0.05 * span)
    bounds = tuple(zip(lo.tolist(), hi.tolist(), strict=True))
    names = list(OPTIMIZERS)
    for ax, (name, traj) in zip(axes.flat[:7], runs.items(), strict=False):
        c = COLORS[names.index(name) if name in names else 0]
        plot_contours(surface, ax=ax, levels=15, bounds=bounds, resolution=resolution)
        ax.plot(*traj.points.T, "-", color=c, lw=1.4, zorder=5)
        ax.plot(*traj.points[0], "o", color="white", mec="black", ms=5, zorder=6)
        ax.plot(*traj.points[-1], "X", color=c, mec="black", ms=7, zorder=6)
        ax.set(xlim=bounds[0], ylim=bounds[1])
        label = name if lrs is None else f"{name}, η = {lrs[name]:.2g}"
        ax.set_title(label, fontsize=8.5, color=c, pad=3)
        ax.set(xlabel="", ylabel="", xticks=[], yticks=[])
        if traj.diverged:
            ax.text(
                0.5,
                0.5,
                f"diverged at step {traj.diverged_at}",
                transform=ax.transAxes,
                ha="center",
                fontsize=7,
                bbox={"fc": "white", "ec": c},
            )
    for ax in axes.flat[len(runs) : 7]:
        ax.set_axis_off()
    ax = axes.flat[7]
    for name, traj in runs.items():
        c = COLORS[names.index(name) if name in names else 0]
        ax.semilogy(np.maximum(traj.losses - floor, 1e-16), color=c, lw=1.2)
    ax.yaxis.set_major_locator(LogLocator(numticks=4))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.tick_params(labelsize=7, pad=1)
    ax.yaxis.tick_right()
    ax.set_title("E − E_min per step", fontsize=8.5, pad=3)
    fig.suptitle(surface.title, fontsize=11)
    return fig
