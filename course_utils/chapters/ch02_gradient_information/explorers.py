"""Explorers of chapter 2: a small network trained by backpropagation, and random restarts.

:func:`explore_network` trains a one-hidden-layer ``tanh`` network on a noisy sine with
mini-batch gradient descent and shows the fitted curve next to the loss. Every setting gets
the same budget of parameter updates (256 by default), so a redraw costs the same few tens
of milliseconds whatever the batch size.

:func:`explore_restarts` runs gradient descent on the ``wells`` surface from ``K`` random
starts and counts which minimum each start ends in.
"""

import math

import numpy as np
from matplotlib.ticker import LogLocator, MaxNLocator, NullLocator

from course_utils import _validate
from course_utils.chapters.ch02_gradient_information.restarts import surface_restarts
from course_utils.data import make_regression
from course_utils.nn import MLP
from course_utils.optimizers import SGD
from course_utils.plotting import COLORS, mark_diverged, plot_contours
from course_utils.surfaces import SURFACES
from course_utils.training import train
from course_utils.widgets import SECOND, Explorer, batch_slider, int_slider, lr_slider, title

_LOSS_FLOOR = 1e-3  # bottom of the loss axis
#: The static book's frames (``frame_values``). Learning rates: the text's 0.003 and
#: 0.1, and close steps around 0.5, a little above which training diverges (at B = 8,
#: between 0.52 and 0.55). Restarts: K = 1 and 20, which the text compares, and every
#: seed of the live slider: ten sets of starts to draw at each K (90 grid points; the
#: slider went to 20 before, which would take 99 more, some 11 MB of the book's pictures).
FRAME_LR = (0.001, 0.003, 0.01, 0.03, 0.1, 0.2, 0.3, 0.4, 0.45, 0.5, 0.55, 0.6, 1.0, 3.0, 10.0)
FRAME_K = (1, 2, 4, 8, 12, 16, 20, 30, 40)
FRAME_SEEDS = tuple(range(10))


def epochs_for_budget(n, B, budget):
    r"""Whole epochs that fit in ``budget`` updates with batches of ``B`` out of ``n``.

    An epoch takes :math:`\lceil n/B \rceil` updates; at least one epoch is run.

    Examples
    --------
    >>> epochs_for_budget(32, 1, 256), epochs_for_budget(32, 32, 256)
    (8, 256)
    """
    n = _validate.integer("n", n, lo=1)
    B = _validate.integer("B", B, lo=1, hi=n)
    budget = _validate.integer("budget", budget, lo=1)
    return max(1, budget // math.ceil(n / B))


def explore_network(n=32, hidden=12, budget=256, seed=0):
    """Learning rate and batch size on the training of a ``[1, hidden, 1]`` tanh network.

    Parameters
    ----------
    n : int
        Number of training examples of ``make_regression(n, noise=0.15, seed=seed)``.
    hidden : int
        Width of the hidden layer.
    budget : int
        Parameter updates per setting (whole epochs only: :func:`epochs_for_budget`).
    seed : int
        Seeds the data, the initial weights and the shuffling.

    Returns
    -------
    Explorer
        Controls ``lr`` ("learning rate η") and ``B`` ("batch size B").
    """
    n = _validate.integer("n", n, lo=2, hi=256)
    hidden = _validate.integer("hidden", hidden, lo=1, hi=64)
    budget = _validate.integer("budget", budget, lo=1, hi=2048)
    data = make_regression(n=n, noise=0.15, seed=seed)
    x = np.linspace(-3.2, 3.2, 161)[:, None]
    y_start = MLP([1, hidden, 1], seed=seed).forward(x)  # the same initial weights every time

    def setup(fig):
        ax_fit, ax_loss = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.0, 1.15]})
        fig.subplots_adjust(left=0.08, right=0.98, top=0.92, bottom=0.17, wspace=0.28)
        ax_fit.plot(x, np.sin(x), ":", color="0.4", lw=1.2, label=r"$\sin x$ (noise-free)")
        ax_fit.plot(data.X, data.y, "o", color=COLORS[0], ms=4, alpha=0.8, label="data")
        ax_fit.plot(x, y_start, "--", color=COLORS[2], lw=1.3, label="start")
        ax_fit.set(
            xlim=(-3.2, 3.2),
            ylim=(-2.0, 2.0),
            xticks=[-3, -2, -1, 0, 1, 2, 3],
            yticks=[-2, -1, 0, 1, 2],
        )
        ax_fit.set_xlabel("input $x$")
        ax_fit.set_ylabel(r"output $\hat y$")
        ax_fit.set_title(f"network [1, {hidden}, 1], tanh", fontsize=10)
        # fixed limits: settings can be compared, and a redraw needs no new layout
        ax_loss.set(yscale="log", ylim=(_LOSS_FLOOR, 10.0), xlim=(0, budget))
        ax_loss.yaxis.set_major_locator(LogLocator(numticks=6))
        ax_loss.yaxis.set_minor_locator(NullLocator())
        ax_loss.set_xlabel("update (training step)")
        ax_loss.set_ylabel(r"loss $E$")
        return ax_fit, ax_loss

    def draw(axes, lr, B):
        ax_fit, ax_loss = axes
        net = MLP([1, hidden, 1], seed=seed)
        epochs = epochs_for_budget(n, B, budget)
        h = train(net, data.X, data.y, SGD(lr=lr), batch_size=B, epochs=epochs, seed=seed)
        if not h.diverged:  # after divergence the last finite weights fit nothing
            ax_fit.plot(x, net.forward(x), "-", color=COLORS[1], lw=2.0, label="trained")
        ax_fit.legend(loc="lower right", fontsize=7, framealpha=0.9)
        steps = np.arange(len(h.losses))
        ax_loss.plot(
            steps,
            np.maximum(h.losses, _LOSS_FLOOR),  # a batch fitted exactly sits on the floor
            "-",
            color=COLORS[1],
            lw=0.8,
            alpha=0.5,
            label=f"mini-batch loss (B = {B})",
        )
        at = np.arange(len(h.epoch_losses)) * h.steps_per_epoch
        ax_loss.plot(
            at,
            h.epoch_losses,
            "-",
            color=COLORS[0],
            lw=2.0,
            marker="o" if len(at) <= 40 else None,
            ms=3,
            label="training loss, all N",
        )
        title(ax_loss, f"budget: {epochs * h.steps_per_epoch} updates = {epochs} epochs of N = {n}")
        ax_loss.legend(loc="upper right", fontsize=7, framealpha=0.9)
        if h.diverged:
            mark_diverged(ax_loss, h.diverged_at, color=COLORS[1])
            mark_diverged(ax_fit, h.diverged_at, color=COLORS[1])

    controls = {"lr": lr_slider(0.1, min_exp=-3.0, max_exp=1.0), "B": batch_slider(n, value=8)}
    return Explorer(controls, draw, figsize=(8.0, 4.0), setup=setup, frame_values={"lr": FRAME_LR})


def basin_counts(basin, n_minima):
    """How many runs ended in each known minimum; the last entry counts the others (-1).

    Examples
    --------
    >>> basin_counts(np.array([0, 2, 2, -1]), 3).tolist()
    [1, 0, 2, 1]
    """
    basin = np.asarray(basin, dtype=int)
    n_minima = _validate.integer("n_minima", n_minima, lo=0)
    return np.bincount(np.where(basin < 0, n_minima, basin), minlength=n_minima + 1)


def basin_fractions(surface, lr=0.3, steps=150, k=2000, seed=12345):
    """Fraction of ``k`` uniform random starts whose descent ends in each known minimum.

    The last entry is the fraction that ends elsewhere (see :func:`basin_counts`).
    """
    counts = basin_counts(surface_restarts(surface, k, lr, steps, seed).basin, len(surface.minima))
    return counts / counts.sum()


def explore_restarts(lr=0.3, steps=150):
    """Random restarts on the ``wells`` surface: ``K`` starts, which minimum each reaches.

    Parameters
    ----------
    lr : float
        Learning rate of the gradient descent from every start.
    steps : int
        Steps from every start.

    Returns
    -------
    Explorer
        Controls ``K`` ("random starts K") and ``seed`` ("seed").
    """
    lr = _validate.positive("lr", lr)
    steps = _validate.integer("steps", steps, lo=1, hi=1000)
    wells = SURFACES["wells"]
    m = len(wells.minima)
    p = basin_fractions(wells, lr=lr, steps=steps)
    names = ["global"] + [f"local {i}" for i in range(1, m)] + ["elsewhere"]
    colors = [*COLORS[:m], "0.5"]

    def setup(fig):
        ax_map, ax_bar = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.0, 1.0]})
        fig.subplots_adjust(left=0.07, right=0.98, top=0.92, bottom=0.2, wspace=0.25)
        # no title: draw() writes its own, with K
        plot_contours(wells, ax=ax_map, levels=20, resolution=100, show_title=False)
        ax_map.set_aspect("equal")
        values = [*wells.value(wells.minima), np.nan]
        labels = [
            f"{nm}\nE = {val:.2f}" if np.isfinite(val) else nm
            for nm, val in zip(names, values, strict=True)
        ]
        ax_bar.set_xlim(-0.6, m + 0.6)
        ax_bar.set_xticks(range(m + 1), labels, fontsize=7)
        ax_bar.set_ylabel("number of starts")
        ax_bar.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
        return ax_map, ax_bar

    def draw(axes, K, seed):
        ax_map, ax_bar = axes
        r = surface_restarts(wells, k=K, lr=lr, steps=steps, seed=seed)
        for i in np.unique(r.basin):  # one line and one marker artist per basin: fast
            runs = np.flatnonzero(r.basin == i)
            gaps = np.full((1, len(runs), 2), np.nan)  # nan rows separate the paths
            pts = np.concatenate([r.paths[:, runs], gaps]).transpose(1, 0, 2).reshape(-1, 2)
            ax_map.plot(*pts.T, "-", color=colors[i], lw=1.0, alpha=0.9)
            ax_map.plot(*r.starts[runs].T, "o", color=colors[i], mec="black", mew=0.5, ms=4)
        title(ax_map, f"gradient descent from K = {K} random starts")
        counts = basin_counts(r.basin, m)
        ax_bar.bar(range(m + 1), counts, color=colors, edgecolor="black", lw=0.5)
        ax_bar.set_ylim(0, 1.3 * K)  # changes with K only: moving the seed is a quick redraw
        found = "found" if counts[0] else "missed"
        title(ax_bar, f"best E = {r.values[r.best]:.3f}: global minimum {found}")
        P_K = 1 - (1 - p[0]) ** K
        ax_bar.text(
            0.98,
            0.97,
            f"one start reaches the global well\nwith p ≈ {p[0]:.2f}; "
            f"K starts: 1-(1-p)$^K$ ≈ {P_K:.2f}",
            transform=ax_bar.transAxes,
            ha="right",
            va="top",
            fontsize=7.5,
            bbox={"boxstyle": "round", "fc": "white", "alpha": 0.9},
        )

    controls = {
        "K": int_slider(8, 1, 40, "random starts K", role=SECOND),
        "seed": int_slider(0, 0, FRAME_SEEDS[-1], "seed", role=SECOND),  # a frame each
    }
    grid = {"K": FRAME_K, "seed": FRAME_SEEDS}
    return Explorer(controls, draw, figsize=(8.0, 4.0), setup=setup, frame_values=grid)
