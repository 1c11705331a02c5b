"""Explorers of chapter 4: the learning rate, its schedule, and a cliff.

:func:`explore_schedule` runs plain SGD with a learning-rate schedule on the chapter's
least-squares problem (``noisy.small_least_squares``): with a constant
rate the path ends in a "noise ball" around the minimum, with a decaying one the ball
shrinks. :func:`explore_cliff` descends the ``cliff`` surface with noisy gradients
(``noisy.noisy_gradient``), with and without gradient clipping.

The numbers come from this chapter's ``noisy``, :mod:`course_utils.optimizers` and
:mod:`course_utils.schedules`; this module only draws them. Runs are short (at most
300 steps) so that a redraw takes a few tens of milliseconds. The chapter's static
figures use :func:`plot_runs`, :func:`plot_schedules` and :func:`plot_estimator_stats`.
"""

import functools
import itertools

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

from course_utils import _validate
from course_utils.chapters.ch04_learning_rate.noisy import (
    noisy_gradient,
    sgd_run,
    small_least_squares,
)
from course_utils.optimizers import SGD, run
from course_utils.plotting import COLORS, contour_levels, mark_diverged, plot_contours, plot_path
from course_utils.schedules import SCHEDULES, make_schedule
from course_utils.surfaces import SURFACES
from course_utils.widgets import (
    Explorer,
    Page,
    batch_slider,
    dropdown,
    encode,
    lr_slider,
    selection_slider,
    title,
)
from course_utils.widgets.page import permutations

_BOX = ((-3.0, 4.5), (-1.5, 3.0))  # around the start (-2, 0) and the minimum (2, 1)
_FLOOR = 1e-8  # smallest value drawn on a log axis
_CLIFF = SURFACES["cliff"]
_CLIFF_N = 64  # the imagined training set behind the cliff's gradient noise
_CLIFF_SIGMA = 2.0  # spread of one example's gradient (each coordinate)


@functools.cache
def _problem():
    """The chapter's least-squares problem, built on first use (not at import)."""
    return small_least_squares()


@functools.cache
def _levels():
    """Contour levels of its loss: excess losses from 1e-3 to 1 x the highest in its box."""
    surface = _problem().surface
    corners = np.array(list(itertools.product(*surface.bounds)))
    return contour_levels(surface.value(corners), 12, minimum=surface.min_value, lowest=1e-3)


def _power_of_ten(value, _pos):
    """Tick label "1e-6" for 10**-6 (plain text: mathtext labels cost tens of ms a redraw)."""
    e = int(round(np.log10(value))) if value > 0 else 0
    return "1" if e == 0 else f"1e{e}"


_PLAIN = FuncFormatter(_power_of_ten)
#: The clipping thresholds the cliff explorer offers; "off" means no clipping.
CLIP_OPTIONS = (0.3, 1.0, 3.0, 5.0, 10.0, 30.0, "off")


def _path(ax, points, color, label, zorder=5, lw=1.4):
    """A path as a line (no dots: hundreds of them hide it), with start and end marked."""
    ax.plot(*points.T, "-", color=color, lw=lw, label=label, zorder=zorder)
    ax.plot(*points[0], "o", color=color, mec="black", ms=7, zorder=zorder + 1)
    ax.plot(*points[-1], "X", color=color, mec="black", ms=9, zorder=zorder + 1)


def _per_step_axes(ax, lo, hi, steps, xlabel, ylabel, heading):
    """An explorer's right panel: steps 0 to ``steps``, a log scale from ``lo`` to ``hi``."""
    ax.set_yscale("log")
    ax.set_ylim(lo, hi)
    ax.yaxis.set_major_locator(LogLocator(base=10.0, numticks=6))
    ax.yaxis.set_minor_locator(NullLocator())  # minor log ticks cost tens of ms a redraw
    ax.yaxis.set_major_formatter(_PLAIN)
    ax.set_xlim(0, steps)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(heading, fontsize=10)


# --- explorer 1: schedules and the noise ball -------------------------------------------
@functools.lru_cache(maxsize=128)
def _sgd(lr, batch_size, schedule, steps):
    """One SGD run on the chapter's problem, cached: switching schedules reuses the rest."""
    sched = make_schedule(schedule, lr, steps)
    return sgd_run(_problem(), lr, batch_size, steps, schedule=sched, seed=0)


def _setup_schedule(fig, steps):
    """The parts that never change: the contours and the loss axes' frame."""
    ax_path, ax_loss = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.0, 1.15]})
    fig.subplots_adjust(left=0.08, right=0.98, top=0.92, bottom=0.17, wspace=0.25)
    # no title: draw() writes its own, with B
    plot_contours(
        _problem().surface,
        ax=ax_path,
        levels=_levels(),
        bounds=_BOX,
        resolution=70,
        show_title=False,
    )
    ylabel = r"$E(\mathbf{w}_t) - E^*$ (solid), $\eta_t$ (dashed)"
    heading = "full-batch excess loss and learning rate"
    _per_step_axes(ax_loss, _FLOOR, 1e2, steps, "step $t$", ylabel, heading)
    return ax_path, ax_loss


def _draw_schedule(axes, lr, batch_size, schedule, steps):
    ax_path, ax_loss = axes
    title(ax_path, f"SGD paths, batch size B = {batch_size}")
    runs = {}
    if schedule != "constant":  # the constant rate, same batches, as a faint reference
        runs["constant"] = (make_schedule("constant", lr, steps), "0.45", 1.0)
    runs[schedule] = (make_schedule(schedule, lr, steps), COLORS[0], 1.5)
    t = np.arange(steps)
    for label, (sched, color, lw) in runs.items():
        traj = _sgd(lr, batch_size, label, steps)
        _path(ax_path, traj.points, color, label, zorder=4 if lw < 1.5 else 5, lw=lw)
        tail = traj.losses[-max(1, steps // 6) :]
        text = f"{label}: mean of the last {len(tail)} steps {np.mean(tail):.2g}"
        if traj.diverged:
            text = f"{label}: diverged"
            mark_diverged(ax_loss, traj.diverged_at, color="black" if lw < 1.5 else color)
        ax_loss.plot(np.maximum(traj.losses, _FLOOR), color=color, lw=lw, label=text)
        rates = [sched(k) for k in t]
        ax_loss.plot(t, np.maximum(rates, _FLOOR), "--", color=color, lw=lw)
    ax_path.legend(loc="upper left", fontsize=7, framealpha=0.9)
    ax_loss.legend(loc="lower left", fontsize=7, framealpha=0.9)


def explore_schedule(lr=0.1, batch_size=4, schedule="constant", steps=300):
    r"""Learning rate, batch size and schedule of SGD on a small least-squares problem.

    The problem (``noisy.small_least_squares``) has :math:`N = 64`
    examples and two weights, so the path shows on the contours of the full-batch loss;
    batch gradient descent is stable for :math:`\eta < 1/3`. Left: the path of SGD with
    the chosen schedule (and, faintly, with the constant rate on the same batches);
    right: the excess loss :math:`E(\mathbf w) - E^*` and the learning rate
    :math:`\eta_t` at every step. A constant rate leaves SGD jittering in a noise ball
    around the minimum; a decaying schedule shrinks the ball.

    Parameters
    ----------
    lr : float
        Initial (peak) learning rate :math:`\eta`, in [1e-3, 1].
    batch_size : int
        Initial batch size, a power of two up to 64.
    schedule : str
        Initial schedule, a key of ``schedules.SCHEDULES``.
    steps : int
        Updates per run (fixed, at most 300, to keep a redraw fast).

    Returns
    -------
    Explorer
        Controls ``lr`` ("learning rate η"), ``batch_size`` ("batch size B") and
        ``schedule``.
    """
    steps = _validate.integer("steps", steps, lo=10, hi=300)
    schedule = _validate.choice("schedule", schedule, list(SCHEDULES))
    controls = {
        "lr": lr_slider(lr, -3.0, 0.0),
        "batch_size": batch_slider(len(_problem().X), batch_size),
        "schedule": dropdown(list(SCHEDULES), schedule, "schedule"),
    }

    draw = functools.partial(_draw_schedule, steps=steps)
    setup = functools.partial(_setup_schedule, steps=steps)
    page = Page("schedule", _schedule_page_data(steps))
    return Explorer(controls, draw, figsize=(8.0, 4.6), setup=setup, page=page)


def _schedule_page_data(steps):
    """What the page runs the schedule explorer on: the problem, and the example orders
    of every epoch that ``steps`` full batches reach (``sgd_run`` shuffles even then)."""
    p = _problem()
    n = len(p.X)
    return {
        "X": encode(p.X), "y": encode(p.y), "H": encode(p.H), "w_star": encode(p.w_star),
        "surface_H": encode(p.surface.hessian(p.w_star)), "start": encode(p.surface.start),
        "box": encode(_BOX), "levels": encode(_levels()), "steps": steps, "floor": _FLOOR,
        "perms": encode(permutations(n, steps)),
    }  # fmt: skip


# --- explorer 2: a cliff, with and without clipping -------------------------------------
def _off_box(ax, points, color, k):
    """If a path leaves the plotted box, say how far it was thrown (``k``-th note)."""
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    out = (points[:, 0] < x0) | (points[:, 0] > x1) | (points[:, 1] < y0) | (points[:, 1] > y1)
    if not out.any():
        return
    i = int(np.argmax(np.abs(points[:, 0]) + np.abs(points[:, 1])))
    text = f"thrown off the plot to ({points[i, 0]:.3g}, {points[i, 1]:.3g}) at step {i}"
    box = {"boxstyle": "round", "fc": "white", "ec": color, "alpha": 0.9}
    y = 0.03 + 0.08 * k
    ax.text(0.02, y, text, transform=ax.transAxes, fontsize=7.5, color=color, zorder=7, bbox=box)


@functools.lru_cache(maxsize=128)
def _cliff_run(lr, batch_size, clip_norm, steps):
    """SGD over the cliff with seeded noise, cached: moving c reuses the unclipped run."""
    grad_fn = noisy_gradient(_CLIFF.grad, _CLIFF_SIGMA, batch_size, _CLIFF_N, seed=0)
    return run(SGD(lr=lr), grad_fn, _CLIFF.start, steps, clip_norm=clip_norm, bound=1e3)


def _setup_cliff(fig, steps):
    """The parts that never change: the cliff's contours and the distance axes' frame."""
    ax_path, ax_dist = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.45, 1.0]})
    fig.subplots_adjust(left=0.07, right=0.98, top=0.88, bottom=0.19, wspace=0.28)
    # no title: draw() writes its own, with the gradient noise
    plot_contours(_CLIFF, ax=ax_path, levels=_cliff_levels(), resolution=70, show_title=False)
    ylabel = r"distance to the minimum $\|\mathbf{w} - \mathbf{w}^*\|$"
    _per_step_axes(ax_dist, 1e-6, 1e4, steps, "step", ylabel, "how far from the minimum")
    return ax_path, ax_dist


def _draw_cliff(axes, lr, batch_size, clip, steps):
    ax_path, ax_dist = axes
    runs = {"no clipping": (None, COLORS[1])}
    if clip != "off":
        runs[f"clipped at c = {clip:g}"] = (float(clip), COLORS[0])
    w_star = _CLIFF.minima[0]
    for k, (label, (c, color)) in enumerate(runs.items()):
        traj = _cliff_run(lr, batch_size, c, steps)
        _path(ax_path, traj.points, color, label, zorder=5 + k)
        _off_box(ax_path, traj.points, color, k)
        dist = np.linalg.norm(traj.points - w_star, axis=1)
        if traj.diverged:
            mark_diverged(ax_dist, traj.diverged_at, color=color)
        ax_dist.plot(np.maximum(dist, 1e-6), color=color, lw=1.5, label=label)
    noise = noisy_gradient(_CLIFF.grad, _CLIFF_SIGMA, batch_size, _CLIFF_N).noise_std
    text = (
        f"B = N = {_CLIFF_N}: exact gradients"
        if noise == 0
        else (f"B = {batch_size}: gradient noise {noise:.2g} per coordinate")
    )
    title(ax_path, text)
    ax_path.legend(loc="upper left", fontsize=7, framealpha=0.9)
    ax_dist.legend(loc="upper right", fontsize=7, framealpha=0.9)


def explore_cliff(lr=0.1, batch_size=8, clip=5.0, steps=150):
    r"""Learning rate, batch size and a clipping threshold on a surface with a cliff.

    The ``cliff`` surface is a gentle bowl below a wall of slope 100; the start lies on
    top. The gradient is noisy as a mini-batch's would be: the exact gradient plus
    Gaussian noise of standard deviation :math:`\sigma/\sqrt B \cdot \sqrt{(N-B)/(N-1)}`
    per coordinate, with :math:`\sigma = 2` and :math:`N = 64`
    (``noisy.noisy_gradient``). Left: the paths of SGD without clipping
    and with the gradient clipped to norm :math:`c` (same noise); right: the distance to
    the minimum at every step. A path thrown out of the plot says where it went; a run
    that blows up says "diverged at step k".

    Parameters
    ----------
    lr : float
        Initial learning rate :math:`\eta`, in [10**-2.5, 10**0.5].
    batch_size : int
        Initial batch size, a power of two up to 64.
    clip : float or str
        Initial clipping threshold, one of ``CLIP_OPTIONS`` ("off": no clipping).
    steps : int
        Steps per run (fixed, at most 300, to keep a redraw fast).

    Returns
    -------
    Explorer
        Controls ``lr`` ("learning rate η"), ``batch_size`` ("batch size B") and
        ``clip`` ("clip threshold c").
    """
    steps = _validate.integer("steps", steps, lo=10, hi=300)
    clip = _validate.choice("clip", clip, CLIP_OPTIONS)
    controls = {
        "lr": lr_slider(lr, -2.5, 0.5),
        "batch_size": batch_slider(_CLIFF_N, batch_size),
        "clip": selection_slider(CLIP_OPTIONS, clip, "clip threshold c"),
    }

    draw = functools.partial(_draw_cliff, steps=steps)
    setup = functools.partial(_setup_cliff, steps=steps)
    page = Page("cliff", _cliff_page_data(steps))
    return Explorer(controls, draw, figsize=(8.0, 4.2), setup=setup, page=page)


def _cliff_page_data(steps):
    """What the page runs the cliff explorer with: the noise that ``noisy_gradient``
    draws (seed 0, one pair per step, the same for every batch size) and the picture's
    contour levels."""
    draw = noisy_gradient(lambda w: np.zeros_like(w), 1.0, 1, seed=0)  # returns its xi
    xi = np.array([draw(np.zeros(2)) for _ in range(steps)])
    return {"xi": encode(xi), "sigma": _CLIFF_SIGMA, "N": _CLIFF_N, "steps": steps,
            "levels": encode(_cliff_levels())}  # fmt: skip


@functools.cache
def _cliff_levels():
    """The cliff's 16 contour levels, as ``plot_contours`` chooses them."""
    w1, w2 = (np.linspace(*b, 70) for b in _CLIFF.bounds)
    return contour_levels(_CLIFF.value(np.stack(np.meshgrid(w1, w2), axis=-1)), 16)


# --- figures of the chapter ----------------------------------------------------------------
def plot_runs(
    surface,
    runs,
    curve="losses",
    paths=None,
    axes=None,
    bounds=None,
    levels=16,
    ylabel=None,
    title=None,
    logy=True,
):
    """Two panels: the runs' paths on the contours of ``surface``, and one curve per run.

    Parameters
    ----------
    surface : Surface
        A 2-D surface (or anything ``plotting.plot_contours`` accepts).
    runs : dict
        Label -> ``optimizers.Trajectory`` (or anything with ``points`` and the curve).
        Run ``i`` gets palette colour ``i`` in both panels; a run that diverged is marked
        "diverged at step k" on the contours and in its legend label.
    curve : str, callable or dict
        What to draw against the step: a field of the trajectory (``"losses"``,
        ``"grad_norms"``), a function ``curve(traj)`` returning a 1-D array, or a dict
        label -> 1-D array.
    paths : sequence of str, optional
        The labels whose paths are drawn (default: all).
    axes : pair of matplotlib Axes, optional
        Default: a new 9 x 3.8 in figure with two panels.
    bounds, levels
        Passed to ``plotting.plot_contours``.
    ylabel, title : str, optional
        Of the curve panel.
    logy : bool
        Logarithmic vertical axis for the curves.

    Returns
    -------
    tuple of matplotlib Axes
        ``(ax_path, ax_curve)``.
    """
    if not isinstance(runs, dict) or not runs:
        raise ValueError("runs must be a non-empty dict of label -> trajectory")
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(9, 3.8), layout="constrained")
    ax_path, ax_curve = axes
    plot_contours(surface, ax=ax_path, levels=levels, bounds=bounds, resolution=150)
    for i, (label, traj) in enumerate(runs.items()):
        color = COLORS[i % len(COLORS)]
        if isinstance(curve, dict):
            y = np.asarray(curve[label])
        else:
            y = np.asarray(getattr(traj, curve) if isinstance(curve, str) else curve(traj))
        text = label if not traj.diverged else f"{label} (diverged at step {traj.diverged_at})"
        ax_curve.plot(y, color=color, lw=1.6, label=text)
        if paths is None or label in paths:
            plot_path(traj, ax=ax_path, label=label, color=color)
    if logy:
        ax_curve.set_yscale("log")
    ax_curve.set_xlabel("step")
    ax_curve.set_ylabel(ylabel or (curve if isinstance(curve, str) else ""))
    ax_curve.set_title(title or "")
    ax_path.legend(fontsize=8, loc="best")
    ax_curve.legend(fontsize=8, loc="best")
    return ax_path, ax_curve


def plot_schedules(names, lr, total_steps, ax=None):
    r"""Draw :math:`\eta_t` of ``schedules.make_schedule(name, lr, total_steps)`` for each name.

    ``"warmup+cosine"`` is dashed, since after its warm-up it coincides with ``"cosine"``.

    Returns
    -------
    matplotlib Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4), layout="constrained")
    t = np.arange(_validate.integer("total_steps", total_steps, lo=1))
    for i, name in enumerate(names):
        sched = make_schedule(name, lr, total_steps)
        ls = "--" if name == "warmup+cosine" else "-"
        ax.plot(t, [sched(k) for k in t], ls, color=COLORS[i % len(COLORS)], lw=1.8, label=name)
    ax.set_xlabel("step $t$")
    ax.set_ylabel(r"learning rate $\eta_t$")
    ax.set_title(f"make_schedule(name, {lr:g}, {total_steps})")
    ax.legend(fontsize=8)
    return ax


def plot_estimator_stats(stats, axes=None):
    r"""Variance (log-log) and bias against the batch size of several gradient estimators.

    Parameters
    ----------
    stats : dict
        Label -> ``noisy.EstimatorStats``. The theory
        :math:`\frac{\sigma^2}{B}\frac{N-B}{N-1}` of the first one is drawn as a line.
        :math:`B = N`, whose variance is exactly 0, is left off the log axis.
    axes : pair of matplotlib Axes, optional

    Returns
    -------
    tuple of matplotlib Axes
        ``(ax_variance, ax_bias)``.
    """
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(9, 3.6), layout="constrained")
    ax_var, ax_bias = axes
    first = next(iter(stats.values()))
    keep = first.predicted_variance > 0
    theory = r"theory $\sigma^2 (N - B) / (B (N - 1))$"
    ax_var.plot(
        first.B[keep], first.predicted_variance[keep], "-", color="black", lw=1, label=theory
    )
    for i, (label, r) in enumerate(stats.items()):
        color, marker = COLORS[i % len(COLORS)], "os^D"[i % 4]
        ax_var.plot(r.B[keep], r.variance[keep], marker, color=color, label=label)
        ax_bias.plot(r.B, r.bias, "-" + marker, color=color, label=label)
    ax_var.set(xscale="log", yscale="log", xlabel="batch size B", ylabel="variance")
    ax_bias.set(xscale="log", xlabel="batch size B", ylabel="bias")
    for ax in axes:  # the batch sizes themselves as ticks, not powers of ten
        ax.set_xticks(first.B, [str(b) for b in first.B])
        ax.xaxis.set_minor_locator(NullLocator())
    ax_var.set_title("variance of the estimate")
    ax_bias.set_title("bias of the estimate")
    ax_var.legend(fontsize=8)
    ax_bias.legend(fontsize=8)
    return ax_var, ax_bias
