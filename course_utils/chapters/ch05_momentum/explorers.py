r"""Chapter 5's explorer and figures: momentum, Nesterov and their tuning on a ravine.

The numbers come from :mod:`course_utils.chapters.ch05_momentum.theory` and
:mod:`course_utils.chapters.ch05_momentum.experiments`; this module only draws them.
"""

import functools

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import patheffects
from matplotlib.colors import LogNorm
from matplotlib.patches import Patch
from matplotlib.ticker import LogLocator, NullLocator

from course_utils import _validate
from course_utils.chapters.ch05_momentum.dynamics import eigen_errors, iteration_eigenvalues, regime
from course_utils.chapters.ch05_momentum.experiments import momentum_path
from course_utils.chapters.ch05_momentum.figures import REGIME_COLORS, plot_phase_diagram
from course_utils.chapters.ch05_momentum.theory import heavy_ball_rate, max_stable_lr, nesterov_rate
from course_utils.least_squares import least_squares_ravine
from course_utils.plotting import COLORS, contour_levels, plot_contours, plot_path
from course_utils.widgets import (
    SECOND,
    Explorer,
    Page,
    batch_slider,
    checkbox,
    encode,
    float_slider,
    lr_slider,
    title,
)
from course_utils.widgets.page import permutations

_FLOOR = 1e-12  # smallest excess loss drawn on the log axis


@functools.cache
def _problem():
    """The chapter's ravine, built on first use: N = 64, eigenvalues 0.2 and 10 (κ = 50)."""
    return least_squares_ravine()


@functools.lru_cache(maxsize=256)
def _run(lr, beta, batch_size, nesterov, steps):
    """One run on the chapter's ravine, cached: moving β or ticking Nesterov reuses plain SGD."""
    return momentum_path(_problem(), lr, beta, batch_size, steps, nesterov=nesterov)


def _theory_note(lr, beta, nesterov, lam):
    """One line on what the quadratic theory predicts for the full-batch run."""
    rate = (nesterov_rate if nesterov else heavy_ball_rate)(lr, beta, lam)
    limit = max_stable_lr(beta, lam[-1], nesterov=nesterov)
    if rate >= 1:
        return f"full batch: unstable (needs η < {limit:.3g}, ρ = {rate:.3f})"
    return f"full batch: ρ = {rate:.3f} per step, stable if η < {limit:.3g}"


def _levels(problem):
    """The contour levels of the ravine's picture: 16, as ``plot_contours`` chooses them."""
    surface = problem.surface
    w1, w2 = (np.linspace(*b, 70) for b in surface.bounds)
    return contour_levels(surface.value(np.stack(np.meshgrid(w1, w2), axis=-1)), 16)


def _setup_momentum(fig, steps, problem):
    """The parts that never change: the contours and the loss axes' frame."""
    ax_path, ax_loss = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.1, 1.0]})
    fig.subplots_adjust(left=0.08, right=0.98, top=0.88, bottom=0.2, wspace=0.3)
    plot_contours(problem.surface, ax=ax_path, levels=_levels(problem), resolution=70)
    ax_path.set_title("paths on the full-batch loss", fontsize=10)
    ax_loss.set(xlabel="step (one update)", ylabel=r"$E(\mathbf{w}) - E(\mathbf{w}^*)$",
                yscale="log", xlim=(0, steps), ylim=(_FLOOR, 1e4))  # fmt: skip
    ax_loss.yaxis.set_major_locator(LogLocator(base=100.0, numticks=10))
    ax_loss.yaxis.set_minor_locator(NullLocator())
    return ax_path, ax_loss


def _draw_momentum(axes, lr, beta, batch_size, nesterov, steps, problem):
    ax_path, ax_loss = axes
    nesterov = bool(nesterov) and beta > 0
    kind = "Nesterov" if nesterov else "heavy ball"

    def run(lr, beta, batch_size, nesterov, steps):
        if problem is _problem():
            return _run(lr, beta, batch_size, nesterov, steps)
        return momentum_path(problem, lr, beta, batch_size, steps, nesterov=nesterov)

    runs = {"plain SGD (β = 0)": run(lr, 0.0, batch_size, False, steps)}
    if beta > 0:
        label = f"{kind}, β = {beta:.2f}"
        runs[label] = run(lr, beta, batch_size, nesterov, steps)
    colors = [COLORS[0], COLORS[2] if nesterov else COLORS[1]][: len(runs)]  # plain, momentum
    for (label, traj), c in reversed(list(zip(runs.items(), colors, strict=True))):
        plot_path(traj.points, ax=ax_path, color=c, diverged_at=traj.diverged_at)
        if traj.diverged:
            label += f" (diverged at step {traj.diverged_at})"
        ax_loss.plot(np.maximum(traj.losses, _FLOOR), color=c, lw=1.5, label=label)
    lam = problem.surface.eigenvalues
    epochs = steps * batch_size / len(problem.X)
    ax_loss.text(0.5, 1.02, f"B = {batch_size}: {steps} updates = {epochs:.3g} epochs",
                 transform=ax_loss.transAxes, ha="center", va="bottom", fontsize=10)  # fmt: skip
    ax_loss.legend(fontsize=7.5, loc="upper right", framealpha=0.9)
    ax_loss.text(0.02, 0.03, _theory_note(lr, beta, nesterov, lam), transform=ax_loss.transAxes,
                 fontsize=7.5, color="0.25")  # fmt: skip


def ravine_page_data(problem, steps, levels):
    """What the page needs to run the momentum explorer on ``problem`` (a ``LeastSquares``).

    The examples, the ravine's Hessian, start and minimum, and the example orders of
    every epoch a run of ``steps`` updates can reach with a batch smaller than ``N``
    (:func:`course_utils.widgets.page.permutations`, seed 0 as ``momentum_path``);
    ``levels`` are the contour levels of the picture.
    """
    n = len(problem.X)
    epochs = -(-steps * max(b for b in _batch_options(n) if b < n) // n) if n > 1 else 0
    s = problem.surface
    return {
        "X": encode(problem.X), "y": encode(problem.y), "H": encode(problem.H),
        "w_star": encode(problem.w_star), "start": encode(s.start),
        "surface_H": encode(s.hessian(problem.w_star)), "lam": encode(s.eigenvalues),
        "bounds": encode(s.bounds), "levels": encode(levels), "steps": steps,
        "perms": encode(permutations(n, epochs)),
    }  # fmt: skip


def _batch_options(n):
    return batch_slider(n).widget.options


def explore_momentum(lr=0.1, beta=0.8, batch_size=64, nesterov=False, steps=80):
    r"""Learning rate, momentum and batch size on a ravine made of data.

    The ravine is the full-batch loss of a least-squares problem with :math:`N = 64`
    examples and two correlated features (Hessian eigenvalues 0.2 and 10, so
    :math:`\kappa = 50`;
    :func:`~course_utils.least_squares.least_squares_ravine`).
    A mini-batch of :math:`B` examples gives a noisy gradient of that same ravine.
    Left: the paths of SGD with momentum and of plain SGD (same :math:`\eta`, same
    batches) on the contours; right: the full-batch excess loss per update, with the
    rate the quadratic theory predicts for full batches. Every run makes the same number
    of updates whatever :math:`B`; a run that blows up says "diverged at step k".

    Parameters
    ----------
    lr : float
        Initial learning rate :math:`\eta`, in [1e-3, 1].
    beta : float
        Initial momentum :math:`\beta`, in [0, 0.99].
    batch_size : int
        Initial batch size, a power of two up to 64.
    nesterov : bool
        Start with Nesterov momentum.
    steps : int
        Updates per run (fixed; at most 200 to keep a redraw fast).

    Returns
    -------
    Explorer
    """
    steps = _validate.integer("steps", steps, lo=1, hi=200)
    problem = _problem()
    controls = {
        "lr": lr_slider(lr, -3.0, 0.0),
        "beta": float_slider(beta, 0.0, 0.99, 0.01, "momentum β"),
        "batch_size": batch_slider(len(problem.X), batch_size),
        "nesterov": checkbox(nesterov, "Nesterov"),
    }

    draw = functools.partial(_draw_momentum, steps=steps, problem=problem)
    setup = functools.partial(_setup_momentum, steps=steps, problem=problem)
    page = Page("momentum", ravine_page_data(problem, steps, _levels(problem)))
    return Explorer(controls, draw, figsize=(7.5, 4.2), setup=setup, page=page)


# --- the phase diagram, one point at a time ---------------------------------------------
_PHASE_STEPS = 40  # steps of the run beside the diagram
_H_MAX = 4.2  # right end of the diagram's h axis


def _setup_phase(fig):
    """The diagram (drawn once), the complex plane with the unit circle, the run's axes."""
    grid = fig.add_gridspec(2, 2, width_ratios=[1.35, 1.0], height_ratios=[1.25, 1.0], left=0.08,
                            right=0.98, top=0.9, bottom=0.14, wspace=0.3, hspace=0.55)  # fmt: skip
    ax_map = fig.add_subplot(grid[:, 0])
    plot_phase_diagram(ax_map, h_max=_H_MAX, resolution=160)
    ax_map.set_title("pick a point (h, β): the regimes of heavy ball", fontsize=10)
    ax_z = fig.add_subplot(grid[0, 1])
    t = np.linspace(0, 2 * np.pi, 200)
    ax_z.plot(np.cos(t), np.sin(t), color="black", lw=1)
    ax_z.axhline(0, color="0.8", lw=0.6)
    ax_z.axvline(0, color="0.8", lw=0.6)
    ax_z.set(xlim=(-2.2, 1.2), ylim=(-1.2, 1.2), aspect="equal", xlabel="real part",
             ylabel="imaginary part")  # fmt: skip
    ax_z.set_title("eigenvalues of T", fontsize=10)
    ax_x = fig.add_subplot(grid[1, 1])
    ax_x.axhline(0, color="black", lw=0.6)
    ax_x.set(xlim=(-0.5, _PHASE_STEPS + 0.5), ylim=(-1.6, 1.6), xlabel="step k", ylabel="$x_k$")
    return ax_map, ax_z, ax_x


def _draw_phase(axes, h, beta):
    ax_map, ax_z, ax_x = axes
    name = regime(h, beta)
    rate = heavy_ball_rate(1.0, beta, h)
    ax_map.plot(h, beta, "o", ms=10, color="white", mec="black", mew=2, zorder=6)
    z = iteration_eigenvalues(1.0, beta, h)
    t = np.linspace(0, 2 * np.pi, 100)
    r = np.sqrt(beta)
    ax_z.plot(r * np.cos(t), r * np.sin(t), ":", color=COLORS[0], lw=1)
    ax_z.plot(z.real, z.imag, "o", ms=8, color=COLORS[1], mec="black", zorder=5)
    x = eigen_errors(1.0, beta, [h], [1.0], _PHASE_STEPS)[:, 0]
    k = np.arange(len(x))
    shown = np.clip(x, -1.6, 1.6)
    # the regime's colour behind the run: a patch, since the Axes' own background is static
    ax_x.axvspan(-0.5, _PHASE_STEPS + 0.5, color=REGIME_COLORS[name], lw=0, zorder=0)
    ax_x.vlines(k, 0, shown, color=COLORS[6], lw=1)
    ax_x.plot(k, shown, "o", ms=2.5, color=COLORS[6])
    title(ax_x, f"{name}: ρ = {rate:.3f} per step", fontsize=10)


def explore_phase(h=0.5, beta=0.6):
    r"""Heavy ball on one eigen-direction: a point :math:`(h, \beta)` of the phase diagram,
    the eigenvalues of its iteration matrix and its run, side by side.

    Left: the regimes over :math:`(h, \beta)`, :math:`h = \eta\lambda`
    (:func:`~course_utils.chapters.ch05_momentum.figures.plot_phase_diagram`), the chosen
    point marked. Right, top: the two eigenvalues of
    :math:`\mathbf T = \begin{pmatrix} 1+\beta-h & -\beta \\ 1 & 0\end{pmatrix}` in the
    complex plane, with the unit circle (stability) and the circle of radius
    :math:`\sqrt\beta` (where a complex pair sits); below, the error :math:`x_k` of a run
    from :math:`x_0 = 1` at rest
    (:func:`~course_utils.chapters.ch05_momentum.dynamics.eigen_errors`), on the colour of
    its regime. In the book, a click on the diagram picks the point.

    Parameters
    ----------
    h : float
        :math:`h = \eta\lambda`, in [0.01, 4.2].
    beta : float
        :math:`\beta`, in [0, 0.99].

    Returns
    -------
    Explorer
    """
    controls = {
        "h": float_slider(h, 0.01, _H_MAX, 0.01, "step × curvature h = ηλ", role=SECOND),
        "beta": float_slider(beta, 0.0, 0.99, 0.01, "momentum β", role=SECOND),
    }
    page = Page("phase", {"steps": _PHASE_STEPS, "h_max": _H_MAX})
    return Explorer(controls, _draw_phase, figsize=(8.0, 4.6), setup=_setup_phase, page=page)


# --- figures of the chapter ------------------------------------------------------------
def plot_grid_search(grid, ax=None, optimum=None, lam_max=None, nesterov=False):
    r"""Heat map of a :class:`~course_utils.chapters.ch05_momentum.experiments.GridSearch`: the loss
    after :math:`k` steps for every :math:`(\eta, \beta)`, on a log colour scale.

    Diverged cells are grey. With ``lam_max`` the stability limit :math:`\eta =
    (2+2\beta)/\lambda_{\max}` (Nesterov: :math:`(2+2\beta)/((1+2\beta)\lambda_{\max})`)
    is drawn; ``optimum`` :math:`(\eta^*, \beta^*)` is marked with a star.

    Returns
    -------
    matplotlib Axes
    """
    if ax is None:
        ax = plt.figure(figsize=(7.0, 4.5)).add_subplot()
    loss = np.ma.masked_invalid(grid.losses)
    ok = loss.compressed()
    lo = max(ok.min() if ok.size else grid.loss0 * 1e-12, grid.loss0 * 1e-16)
    ax.set_facecolor("0.75")
    mesh = ax.pcolormesh(grid.lrs, grid.betas, loss, shading="nearest", cmap="viridis",
                         norm=LogNorm(vmin=lo, vmax=grid.loss0))  # fmt: skip
    ax.figure.colorbar(mesh, ax=ax, label=f"loss after {grid.steps} steps")
    handles = [Patch(color="0.75", label="diverged")]
    if lam_max is not None:
        b = np.linspace(grid.betas.min(), grid.betas.max(), 200)
        outline = [patheffects.withStroke(linewidth=3.2, foreground="black")]
        (line,) = ax.plot(max_stable_lr(b, lam_max, nesterov), b, "--", color="white", lw=1.8,
                          label="stability limit (theory)", path_effects=outline)  # fmt: skip
        handles.append(line)
    if optimum is not None:
        (star,) = ax.plot(*optimum, "*", ms=16, color=COLORS[4], mec="black",
                          label="theoretical optimum")  # fmt: skip
        handles.append(star)
    ax.set(xscale="log", xlabel=r"learning rate $\eta$", ylabel=r"momentum $\beta$")
    ax.set(xlim=(grid.lrs.min(), grid.lrs.max()), ylim=(grid.betas.min(), grid.betas.max()))
    ax.legend(handles=handles, loc="lower left", fontsize=8, framealpha=0.9)
    return ax
