"""Chapter 7's explorer: learning rate, batch size and optimizer on the handwritten digits.

A small network (64-16-10, tanh, cross-entropy) is trained on a fixed subset of the
training digits for a fixed number of updates, whatever the batch size, and its loss and
accuracy on that subset and on the held-out validation digits are drawn against the
number of updates. The numbers come from
:func:`course_utils.chapters.ch07_capstone.experiments.run_updates`.
"""

import functools

import numpy as np
from matplotlib.ticker import FixedLocator, NullLocator

from course_utils import _validate
from course_utils.chapters.ch07_capstone.experiments import digits_split, run_updates
from course_utils.nn import MLP
from course_utils.optimizers import SGD, Adam
from course_utils.plotting import COLORS, mark_diverged
from course_utils.widgets import SECOND, Explorer, batch_slider, dropdown, lr_slider

#: The choices of the drop-down, each a factory ``lr -> optimizer``.
OPTIMIZERS = {
    "SGD": lambda lr: SGD(lr=lr),
    "SGD+momentum": lambda lr: SGD(lr=lr, momentum=0.9),
    "Adam": lambda lr: Adam(lr=lr),
}
SIZES = [64, 16, 10]
_LOSS_TOP = 100.0  # top of the loss axis; larger losses are drawn at the edge
#: The learning rates of the static book's frames (``frame_values``), for every batch
#: size and optimizer: the values the text names (0.01, 0.1, 10, Adam's best between
#: 0.003 and 0.01) with their neighbours, and a few more from end to end of the slider.
FRAME_LR = (1e-4, 1e-3, 0.002, 0.003, 0.005, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)


@functools.lru_cache(maxsize=4)
def _task(n_train):
    """The first ``n_train`` training digits and the whole validation part (cached)."""
    split = digits_split()
    return split.X_train[:n_train], split.y_train[:n_train], split.X_val, split.y_val


@functools.lru_cache(maxsize=512)
def digits_run(optimizer, lr, batch_size, n_train=256, updates=150, eval_every=10):
    """One training run of the explorer (cached): an ``UpdateRun`` of ``run_updates``.

    The network is ``MLP([64, 16, 10], "tanh", "cross_entropy", seed=0)``, the shuffling
    is seeded with 0, so a setting always gives the same curves.
    """
    X, y, X_val, y_val = _task(n_train)
    model = MLP(SIZES, "tanh", "cross_entropy", seed=0)
    opt = OPTIMIZERS[_validate.choice("optimizer", optimizer, list(OPTIMIZERS))](lr)
    return run_updates(
        model, X, y, opt, batch_size, updates, X_val, y_val, eval_every=eval_every, seed=0
    )


def _setup_digits(fig, updates):
    """The parts that never change: both axes' frames and the chance line."""
    ax_loss, ax_acc = fig.subplots(1, 2)
    fig.subplots_adjust(left=0.09, right=0.98, top=0.83, bottom=0.2, wspace=0.28)
    ax_loss.set(
        xlabel="updates",
        ylabel="cross-entropy loss (log scale)",
        yscale="log",
        xlim=(0, updates),
        ylim=(1e-3, _LOSS_TOP),
    )
    ax_loss.yaxis.set_major_locator(FixedLocator([1e-3, 1e-2, 0.1, 1, 10, 100]))
    ax_loss.yaxis.set_minor_locator(NullLocator())
    ax_acc.set(xlabel="updates", ylabel="accuracy (%)", xlim=(0, updates), ylim=(0, 100))
    ax_acc.yaxis.set_major_locator(FixedLocator([0, 25, 50, 75, 100]))
    x_ticks = FixedLocator(np.linspace(0, updates, 4).round())
    for ax in (ax_loss, ax_acc):
        ax.xaxis.set_major_locator(x_ticks)
    ax_acc.axhline(10, color="0.6", lw=0.8, ls=":")
    ax_acc.text(updates, 11, "chance ", ha="right", va="bottom", fontsize=8, color="0.4")
    return ax_loss, ax_acc


def _draw_digits(axes, lr, batch_size, optimizer, n_train, updates):
    run = digits_run(optimizer, lr, batch_size, n_train, updates)
    ax_loss, ax_acc = axes
    sets = (
        ("train", "train_loss", "train_accuracy", "-"),
        ("validation", "val_loss", "val_accuracy", "--"),
    )
    for i, (name, loss, acc, ls) in enumerate(sets):
        style = {"color": COLORS[i], "ls": ls, "lw": 1.8, "marker": "o", "ms": 2.5, "label": name}
        ax_loss.plot(run.steps, np.clip(getattr(run, loss), 1.1e-3, _LOSS_TOP * 0.98), **style)
        ax_acc.plot(run.steps, 100 * getattr(run, acc), **style)
    ax_acc.legend(loc="center right", fontsize=9)
    if run.diverged_at is None:
        final = f"after {updates} updates: validation accuracy {100 * run.val_accuracy[-1]:.1f} %"
    else:
        final = f"diverged at step {run.diverged_at}: the training loss blew up"
        for ax in (ax_loss, ax_acc):
            mark_diverged(ax, run.diverged_at)
    ax_loss.figure.text(
        0.5,
        0.98,
        f"{optimizer} on {n_train} training digits, {updates} updates of B = {batch_size} "
        f"({updates * batch_size / n_train:.3g} epochs)\n{final}",
        ha="center",
        va="top",
        fontsize=10,
    )


def explore_digits(lr=0.1, batch_size=16, optimizer="SGD+momentum", n_train=256, updates=150):
    r"""Learning rate, batch size and optimizer on the real task: the 8×8 digits.

    A network 64-16-10 (tanh, cross-entropy, Glorot initialisation with seed 0) is
    trained on the first ``n_train`` training digits for a fixed budget of ``updates``
    optimizer steps, whatever the batch size :math:`B`, so a larger :math:`B` sees more
    examples for the same number of steps. Left: the loss on those training digits and
    on the 337 validation digits, every 10 updates; right: the accuracy. A setting whose
    training loss blows up (non-finite, or ten times its start) says "diverged at step
    k". SGD+momentum uses :math:`\beta = 0.9`; Adam its default betas.

    Parameters
    ----------
    lr : float
        Initial learning rate :math:`\eta`, in [1e-4, 10].
    batch_size : int
        Initial batch size, a power of two up to ``n_train``, or ``n_train``.
    optimizer : str
        ``"SGD"``, ``"SGD+momentum"`` or ``"Adam"``.
    n_train : int
        Training digits used (at most 512, to keep a redraw fast).
    updates : int
        Updates per run (at most 300).

    Returns
    -------
    Explorer
    """
    n_train = _validate.integer("n_train", n_train, lo=16, hi=512)
    updates = _validate.integer("updates", updates, lo=10, hi=300)
    controls = {
        "lr": lr_slider(lr, -4.0, 1.0),
        "batch_size": batch_slider(n_train, batch_size),
        "optimizer": dropdown(list(OPTIMIZERS), optimizer, "optimizer", role=SECOND),
    }

    draw = functools.partial(_draw_digits, n_train=n_train, updates=updates)
    setup = functools.partial(_setup_digits, updates=updates)
    return Explorer(controls, draw, figsize=(7.5, 4.2), setup=setup, frame_values={"lr": FRAME_LR})
