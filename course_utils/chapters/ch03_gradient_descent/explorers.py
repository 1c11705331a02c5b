"""Explorers of chapter 3: batch, stochastic and mini-batch gradient descent.

:func:`explore_minibatch` trains the two-parameter line :math:`\\hat y = w x + b` with
mini-batch gradient descent and shows the path on the contours of the full-batch loss
:math:`E(w, b)` next to the loss against epochs, with batch gradient descent (B = N) for
reference. The number of updates is at most ``8 * N`` (8 epochs at B = 1), so a redraw
stays within a few tens of milliseconds. A run whose parameters leave the box
:math:`|w|, |b| \\le` ``BOUND`` (far outside the picture, whose minimum is near (2, -1))
counts as diverged and is reported as "diverged at step k".
"""

import itertools

import numpy as np
from matplotlib.ticker import LogLocator, NullLocator

from course_utils import _validate
from course_utils.chapters.ch03_gradient_descent.stochastic import least_squares_surface, linear_sgd
from course_utils.data import make_linear_regression
from course_utils.plotting import COLORS, contour_levels, mark_diverged, plot_contours, plot_path
from course_utils.widgets import SECOND, Explorer, batch_slider, lr_slider, selection_slider, title

BOUND = 100.0  # parameters beyond this have left the picture for good: diverged
#: The static book's frames (``frame_values``): learning rates from end to end of the
#: slider, dense where the text sends the reader: around the full batch's threshold
#: 2/λ_max ≈ 1.44 and the largest η at which B = 1 still behaves (it diverges from
#: about 0.85 on). Epochs: 1, 4 (the default) and 8, which are also the live slider's
#: only stops (it ran over 1-8 before: a frame for each would take 455 more grid points,
#: some 40 MB of pictures, and for 2 as well, 91 more, 7.6 MB, over the book's 80 MB;
#: the text names no number of epochs). 13 x 7 x 3 = 273 grid points, two layouts each.
FRAME_LR = (10**-2.5, 0.01, 0.03, 0.1, 0.3, 0.6, 0.8, 0.85, 1.0, 1.3, 1.44, 1.6, 10**0.5)
FRAME_EPOCHS = (1, 4, 8)


def excess_loss(surface, path):
    r""":math:`E(w) - E^\star = \tfrac12 (w - w^\star)^\top H (w - w^\star)` at each row of
    ``path`` for a quadratic ``surface`` (exactly :math:`\ge 0`, unlike a difference of two
    rounded losses, so it can go on a log axis)."""
    d = np.asarray(path, dtype=float) - surface.minima[0]
    H = surface.hessian(surface.minima[0])
    with np.errstate(over="ignore", invalid="ignore"):
        return 0.5 * np.einsum("...i,ij,...j->...", d, H, d)


def explore_minibatch(n=64, seed=0, w0=(-0.5, 1.5)):
    """Learning rate and batch size on the path in the (w, b) plane and on the loss curve.

    Parameters
    ----------
    n : int
        Number of training examples of the line ``make_linear_regression(n, seed=seed)``.
    seed : int
        Seeds the data and the shuffling.
    w0 : tuple of float
        Starting point ``(w, b)``.

    Returns
    -------
    Explorer
        Controls ``lr`` ("learning rate η"), ``B`` ("batch size B") and ``epochs``.
    """
    n = _validate.integer("n", n, lo=2, hi=512)
    w0 = _validate.array("w0", w0, shape=(2,))
    data = make_linear_regression(n=n, seed=seed)
    surface = least_squares_surface(data.X, data.y, start=w0, half_width=3.0)
    corners = np.array(list(itertools.product(*surface.bounds)))  # the box's highest losses
    levels = contour_levels(surface.value(corners), 14, minimum=surface.min_value, lowest=1e-3)

    top = 30 * float(excess_loss(surface, w0))  # a diverging curve leaves through the top

    def setup(fig):
        ax_path, ax_loss = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.0, 1.1]})
        fig.subplots_adjust(left=0.08, right=0.98, top=0.92, bottom=0.17, wspace=0.3)
        plot_contours(surface, ax=ax_path, levels=levels, resolution=60)
        ax_path.set_xlabel("weight $w$")
        ax_path.set_ylabel("bias $b$")
        ax_path.set_title("path on the full-batch loss", fontsize=10)
        # fixed limits: curves of different settings can be compared, and a redraw is quick
        ax_loss.set(yscale="log", ylim=(1e-9 * top, top), xlabel="epoch")
        ax_loss.yaxis.set_major_locator(LogLocator(numticks=6))
        ax_loss.yaxis.set_minor_locator(NullLocator())
        ax_loss.set_ylabel(r"$E(w) - E(w^\star)$")
        return ax_path, ax_loss

    def draw(axes, lr, B, epochs):
        ax_path, ax_loss = axes
        runs = {f"full batch (B = {n})": linear_sgd(data.X, data.y, w0, lr, n, epochs, bound=BOUND)}
        if B < n:
            runs[f"B = {B}"] = linear_sgd(data.X, data.y, w0, lr, B, epochs, seed=seed, bound=BOUND)
        for (label, run), color in zip(runs.items(), ("black", COLORS[1]), strict=False):
            many = len(run.path) > 40  # many dots hide the path (and slow the redraw)
            faint = many and color != "black"  # the stochastic one, under the full batch's
            plot_path(run.path, ax=ax_path, label=label, color=color,
                      diverged_at=run.diverged_at, faint=faint)  # fmt: skip
            if many and not faint:
                [ln for ln in ax_path.lines if ln.get_gid() == "path"][-1].set_marker("")
            x = np.arange(len(run.path)) / run.steps_per_epoch
            ax_loss.plot(x, excess_loss(surface, run.path), "-", color=color, lw=1.3, label=label)
            if run.diverged_at is not None:
                mark_diverged(ax_loss, run.diverged_at, color=color)
        ax_path.legend(loc="lower left", fontsize=7, framealpha=0.9)
        ax_loss.set_xlim(0, epochs)
        steps = -(-n // B) * epochs
        title(ax_loss, f"excess training loss ({steps} steps of B = {B})")
        ax_loss.legend(loc="upper right", fontsize=7, framealpha=0.9)

    controls = {
        "lr": lr_slider(0.1, min_exp=-2.5, max_exp=0.5),
        "B": batch_slider(n, value=4),
        "epochs": selection_slider(FRAME_EPOCHS, 4, "epochs", role=SECOND),  # a frame each
    }
    grid = {"lr": FRAME_LR, "epochs": FRAME_EPOCHS}
    return Explorer(controls, draw, figsize=(8.0, 4.0), setup=setup, frame_values=grid)
