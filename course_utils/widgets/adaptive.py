r"""Chapter 6's explorer: race the seven optimizers on a badly scaled least-squares problem.

The numbers come from :mod:`course_utils.race`; this module only draws them.
"""

import functools

import numpy as np
from matplotlib.ticker import LogLocator, NullLocator

from course_utils import _validate
from course_utils.optimizers import OPTIMIZERS
from course_utils.plotting import COLORS, mark_diverged, plot_contours
from course_utils.race import RATE_MODES, race, race_lrs, scaled_least_squares
from course_utils.widgets._core import (
    Explorer,
    batch_slider,
    dropdown,
    lr_slider,
    multi_select,
    title,
)

_PROBLEM = scaled_least_squares()


@functools.lru_cache(maxsize=256)
def _run(name, lr, batch_size, mode, steps):
    """One optimizer's race, cached: toggling another optimizer reuses the others' runs."""
    return race([name], lr, batch_size, steps, mode, seed=0, problem=_PROBLEM)[name]


def _message(ax, text):
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", fontsize=11,
            bbox={"boxstyle": "round", "fc": "white", "ec": "0.5"})  # fmt: skip


def _setup_race(fig, steps):
    """The parts that never change: the contours and the loss axes' frame."""
    ax_path, ax_loss = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.15, 1.0]})
    fig.subplots_adjust(left=0.08, right=0.98, top=0.92, bottom=0.2, wspace=0.3)
    plot_contours(_PROBLEM.surface, ax=ax_path, levels=12, resolution=60)
    ax_path.set_title("paths on the full-batch loss", fontsize=10)
    ax_loss.set(xlabel="step", ylabel=r"excess loss $E(w) - E(w^*)$", yscale="log",
                xlim=(0, steps), ylim=(1e-8, 1e3))  # fmt: skip
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
    ax_path.plot(*_PROBLEM.surface.start, "o", color="white", mec="black", ms=8, zorder=6)
    ax_path.set_xlim(box[0])
    ax_path.set_ylim(box[1])
    ax_loss.legend(fontsize=7, loc="lower left", framealpha=0.9)


def explore_race(optimizers=("SGD", "Adagrad", "RMSProp", "Adam"), lr=0.1, batch_size=8,
                 rates=RATE_MODES[0], steps=80):  # fmt: skip
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
        "batch_size": batch_slider(len(_PROBLEM.X), batch_size),
        "rates": dropdown(list(RATE_MODES), rates, "learning rates"),
    }

    def setup(fig):
        return _setup_race(fig, steps)

    def draw(axes, optimizers, lr, batch_size, rates):
        _draw_race(axes, optimizers, lr, batch_size, rates, steps)

    return Explorer(controls, draw, figsize=(7.5, 4.2), setup=setup)
