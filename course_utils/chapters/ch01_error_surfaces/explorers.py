r"""Explorers of chapter 1: Taylor approximations of a surface, and the learning rate on a bowl.

``explore_taylor()``
    Move the expansion point :math:`\hat{\mathbf w}` over a non-quadratic surface and
    compare :math:`E` with its first- or second-order Taylor model; take a gradient step
    :math:`-\eta\nabla E(\hat{\mathbf w})` and compare the true change of :math:`E` with
    what each model predicts.
``explore_bowl_lr()``
    Gradient descent on a quadratic bowl with eigenvalues 1 and :math:`\kappa`: the run
    converges while :math:`\eta < 2/\lambda_{\max}` and diverges beyond.

The numbers each figure states come from :func:`step_predictions` and
:func:`bowl_run`, which the tests check against closed forms.
"""

from functools import lru_cache
from typing import NamedTuple

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch
from matplotlib.ticker import LogLocator, NullLocator

from course_utils import _validate, optimizers, plotting, surfaces
from course_utils.widgets import (
    SECOND,
    Explorer,
    Page,
    dropdown,
    encode,
    float_slider,
    log_slider,
    lr_slider,
    title,
)

#: The non-quadratic surfaces offered by :func:`explore_taylor`.
TAYLOR_SURFACES = ("himmelblau", "rosenbrock", "wells", "saddle")
_RESOLUTION = 75  # grid points per axis of the explorer's contours
_CHANGE_LIMITS = (-2.5, 1.5)  # the step's panel, in units of eta |grad E|^2


class StepPrediction(NamedTuple):
    r"""The effect of one gradient step :math:`\hat{\mathbf w} \to \hat{\mathbf w} - \eta\mathbf b`.

    ``E_hat`` is :math:`E(\hat{\mathbf w})`, ``E_new`` the true value after the step,
    ``E_lin`` the first-order prediction :math:`E(\hat{\mathbf w}) - \eta\lVert\mathbf b\rVert^2`
    and ``E_quad`` the second-order one, which adds
    :math:`\tfrac12\eta^2\,\mathbf b^\top\mathbf H\mathbf b`. ``w_new`` is the point reached.
    """

    E_hat: float
    E_new: float
    E_lin: float
    E_quad: float
    w_new: np.ndarray


def step_predictions(surface, w_hat, eta):
    r"""Compare the true change of :math:`E` over one gradient step with its Taylor predictions.

    With :math:`\mathbf b = \nabla E(\hat{\mathbf w})`, :math:`\mathbf H` the Hessian at
    :math:`\hat{\mathbf w}` and the step :math:`\delta\mathbf w = -\eta\mathbf b`:

    .. math::

        E_{\text{lin}} = E(\hat{\mathbf w}) - \eta\lVert\mathbf b\rVert^2, \qquad
        E_{\text{quad}} = E_{\text{lin}} + \tfrac12\eta^2\,\mathbf b^\top\mathbf H\mathbf b.

    Parameters
    ----------
    surface : str or Surface
        A surface or the name of one in ``SURFACES``.
    w_hat : array_like of shape (n,)
        The expansion point :math:`\hat{\mathbf w}`.
    eta : float
        The learning rate, :math:`\eta > 0`.

    Returns
    -------
    StepPrediction

    Examples
    --------
    >>> p = step_predictions("bowl", [1.0, 0.0], 0.1)
    >>> bool(np.isclose(p.E_new, p.E_quad))  # a quadratic is its own Taylor model
    True
    """
    s = surfaces.get_surface(surface)
    w_hat = _validate.array("w_hat", w_hat, shape=(s.n,))
    eta = _validate.positive("eta", eta)
    b, H = s.grad(w_hat), s.hessian(w_hat)
    E_hat = float(s.value(w_hat))
    w_new = w_hat - eta * b
    E_lin = E_hat - eta * float(b @ b)
    E_quad = E_lin + 0.5 * eta**2 * float(b @ H @ b)
    return StepPrediction(E_hat, float(s.value(w_new)), E_lin, E_quad, w_new)


def _box_point(bounds, u1, u2):
    """Map slider positions (u1, u2) in [0, 1]^2 onto the plotting box."""
    (x0, x1), (y0, y1) = bounds
    return np.array([x0 + u1 * (x1 - x0), y0 + u2 * (y1 - y0)])


def _fmt(x):
    return f"{x:.4g}" if np.isfinite(x) else "overflow"


def _draw_arrow(ax, start, end, color):
    ax.add_patch(
        FancyArrowPatch(
            start, end, arrowstyle="-|>", mutation_scale=14, lw=2, color=color, zorder=6
        )
    )


def _setup_taylor(fig):
    """The frames: the surface's panel (limits follow the surface) and the step's panel."""
    ax, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.05, 1]})
    fig.subplots_adjust(left=0.085, right=0.98, bottom=0.24, top=0.9, wspace=0.36)
    # The step's panel in units that make its frame fixed: the step size as a fraction
    # of eta, the change of E as a multiple of the first-order decrease eta |grad E|^2.
    ax2.set(
        xlim=(0.0, 1.5),
        ylim=_CHANGE_LIMITS,
        xticks=[0.0, 0.5, 1.0, 1.5],
        yticks=[-2.0, -1.0, 0.0, 1.0],
    )
    ax2.set_xlabel(r"step size $\eta'$ as a fraction of $\eta$")
    ax2.set_ylabel(r"change of $E$, in units of $\eta\,\|\nabla E(\hat w)\|^2$")
    ax2.set_title("change of $E$ over the step", fontsize=10)
    ax2.axvline(1.0, color="0.6", lw=0.8)
    ax2.axhline(0.0, color="0.8", lw=0.8)
    u = np.linspace(0.0, 1.5, 2)
    ax2.plot(u, -u, "--", color=plotting.COLORS[0], lw=1.6)  # order 1: -eta' |g|^2
    ax2.plot(1.0, -1.0, "o", color=plotting.COLORS[0], ms=6, zorder=1.9)
    # The legends never change; plain text (no mathtext) keeps repainting them cheap.
    c = plotting.COLORS
    handles = [
        Line2D([], [], color=c[0], label="E(w)"),
        Line2D([], [], color=c[1], ls="--", label="Taylor model"),
        Line2D([], [], color=c[2], lw=2, label="step −η∇E(ŵ)"),
    ]
    ax.legend(handles=handles, loc="upper right", fontsize=8, framealpha=0.9)
    handles = [
        Line2D([], [], color="black", lw=2, label="true E"),
        Line2D([], [], color=c[0], ls="--", lw=1.6, label="order 1"),
        Line2D([], [], color=c[1], ls="-.", lw=1.6, label="order 2"),
    ]
    legend = ax2.legend(handles=handles, fontsize=8, loc="lower left")
    # Each surface's own contours, drawn once and shown when the surface is chosen.
    levels = {}
    for name in TAYLOR_SURFACES:
        levels[name] = plotting.plot_taylor_levels(
            surfaces.get_surface(name), ax, resolution=_RESOLUTION
        )
        levels[name].set_visible(False)
    return ax, ax2, legend, levels


def _draw_taylor(axes, surface, u1, u2, lr, order):
    ax, ax2, legend, levels = axes
    s = surfaces.get_surface(surface)
    w_hat = _box_point(s.bounds, u1, u2)
    for name, contours in levels.items():
        contours.set_visible(name == surface)
    plotting.plot_taylor(
        s, w_hat, order=order, ax=ax, resolution=_RESOLUTION, show_surface=False, show_title=False
    )
    title(ax, f"{s.title}: order-{order} model")
    p = step_predictions(s, w_hat, lr)
    g = s.grad(w_hat)
    gg = float(g @ g)
    ax2.set_axis_on()
    legend.set_visible(gg != 0.0)
    if gg == 0.0:  # an exact stationary point: the step has length zero
        ax2.text(
            0.5,
            0.5,
            r"$\nabla E(\hat w) = 0$: a stationary point," + "\nthe step is zero",
            ha="center",
            va="center",
            transform=ax2.transAxes,
        )
        ax2.set_axis_off()
        return
    _draw_arrow(ax, w_hat, p.w_new, plotting.COLORS[2])
    (x0, x1), (y0, y1) = s.bounds
    if not (x0 <= p.w_new[0] <= x1 and y0 <= p.w_new[1] <= y1):  # the arrow is cut off
        ax.text(
            0.02,
            0.02,
            f"the step lands outside, at ({p.w_new[0]:.3g}, {p.w_new[1]:.3g})",
            transform=ax.transAxes,
            fontsize=8,
            color=plotting.COLORS[2],
            zorder=7,
            bbox={"fc": "white", "ec": "none", "alpha": 0.85},
        )
    # the change of E along the ray w_hat - u eta g, u from 0 to 1.5, in units of eta |g|^2
    u = np.linspace(0.0, 1.5, 120)
    unit = lr * gg
    curvature = 0.5 * lr * float(g @ s.hessian(w_hat) @ g) / gg  # order 2: -u + curvature u^2
    true = (s.value(w_hat - (u * lr)[:, None] * g) - p.E_hat) / unit
    ax2.plot(u, true, color="black", lw=2)
    ax2.plot(u, -u + curvature * u**2, "-.", color=plotting.COLORS[1], lw=1.6)
    lo, hi = _CHANGE_LIMITS
    for k, (value, c) in enumerate(((p.E_new, "black"), (p.E_quad, plotting.COLORS[1]))):
        v = (value - p.E_hat) / unit
        if lo <= v <= hi:
            ax2.plot(1.0, v, "o", color=c, ms=6, zorder=5)
        else:  # off the scale: a triangle at the edge, with the value
            edge, marker, va = (hi, "^", "top") if v > hi else (lo, "v", "bottom")
            ax2.plot(1.0, edge, marker, color=c, ms=8, zorder=5, clip_on=False)
            ax2.annotate(
                f"{v:.3g}",
                (1.0, edge),
                xytext=(8, -4 if v > hi else 4),
                textcoords="offset points",
                color=c,
                fontsize=8,
                va=va,
                ha="left" if k == 0 else "right",
            )
    report = (
        f"ŵ = ({w_hat[0]:.2f}, {w_hat[1]:.2f}),  E(ŵ) = {_fmt(p.E_hat)}\n"
        f"after the step: {_fmt(p.E_new)}   order 1: {_fmt(p.E_lin)}   order 2: {_fmt(p.E_quad)}"
    )
    ax.figure.text(0.5, 0.05, report, ha="center", va="bottom", fontsize=9)


def explore_taylor(surface="himmelblau", u1=0.3, u2=0.75, lr=0.01, order=2):
    r"""Explorer: a surface, its Taylor model around :math:`\hat{\mathbf w}`, and one step.

    Left: contours of :math:`E` (solid) and of its order-1 or order-2 Taylor model
    (dashed) around :math:`\hat{\mathbf w}`, with the step
    :math:`-\eta\nabla E(\hat{\mathbf w})`. Right: the true change of :math:`E` along the
    step against the two predictions, for step sizes :math:`\eta' = u\eta`, :math:`0 \le u
    \le 1.5`, in units of the first-order decrease :math:`\eta\lVert\nabla E\rVert^2` (so
    the order-1 line is always :math:`-u`); below, the numbers of :func:`step_predictions`.

    Parameters
    ----------
    surface : str
        One of :data:`TAYLOR_SURFACES`.
    u1, u2 : float
        The position of :math:`\hat{\mathbf w}` in the plotting box, each in [0, 1]
        (0 is the left or bottom edge, 1 the right or top one).
    lr : float
        The learning rate :math:`\eta`, in :math:`[10^{-4}, 1]`.
    order : int
        1 or 2, the order of the model drawn on the left.

    Returns
    -------
    Explorer
    """
    page = Page("taylor", _taylor_page_data())
    controls = {
        "surface": dropdown(list(TAYLOR_SURFACES), surface, "surface"),
        "u1": float_slider(u1, 0.0, 1.0, 0.01, "ŵ₁: left → right", role=SECOND),
        "u2": float_slider(u2, 0.0, 1.0, 0.01, "ŵ₂: bottom → top"),
        "lr": lr_slider(lr, -4.0, 0.0),
        "order": dropdown([1, 2], order, "Taylor order"),
    }
    return Explorer(controls, _draw_taylor, figsize=(8.0, 4.8), setup=_setup_taylor, page=page)


def _taylor_page_data():
    """What the page draws the Taylor explorer from: each surface's title and contour
    levels (those of ``plotting.plot_taylor_levels``); the page computes the rest."""
    levels, titles = {}, {}
    for name in TAYLOR_SURFACES:
        s = surfaces.get_surface(name)
        w1, w2 = (np.linspace(*b, _RESOLUTION) for b in s.bounds)
        E = s.value(np.stack(np.meshgrid(w1, w2), axis=-1))
        levels[name] = encode(plotting.contour_levels(E, 12, log=True))
        titles[name] = s.title
    return {"levels": levels, "titles": titles, "resolution": _RESOLUTION,
            "change_limits": list(_CHANGE_LIMITS)}  # fmt: skip


# --- the learning rate on a quadratic bowl ----------------------------------------------
class BowlRun(NamedTuple):
    r"""Gradient descent on the bowl with eigenvalues ``(1, kappa)``.

    ``surface`` is the bowl, ``trajectory`` the optimizer's run, ``gap`` the values
    :math:`E_k - E^\ast` at the recorded steps, ``eta_crit`` :math:`2/\lambda_{\max}` and
    ``rho`` :math:`\max_i |1 - \eta\lambda_i|`, the factor by which the slowest
    eigen-coordinate shrinks (or grows) per step.
    """

    surface: object
    trajectory: object
    gap: np.ndarray
    eta_crit: float
    rho: float


@lru_cache(maxsize=64)
def _bowl(kappa):
    return surfaces.bowl(1.0, kappa, np.pi / 6, start=[-4.0, 3.0])


def bowl_run(eta, kappa, steps=50, bound=100.0):
    r"""Run plain gradient descent (``optimizers.SGD``) on a bowl with eigenvalues 1 and κ.

    In the eigen-coordinates each step multiplies :math:`\alpha_i` by
    :math:`1 - \eta\lambda_i`, so the run converges exactly when
    :math:`\eta < 2/\lambda_{\max} = 2/\kappa`.

    Parameters
    ----------
    eta : float
        Learning rate :math:`\eta > 0`.
    kappa : float
        :math:`\lambda_{\max}`, with :math:`\lambda_{\min} = 1` (so also the condition number).
    steps : int
        Number of steps.
    bound : float
        The run counts as diverged when a coordinate exceeds this in size.

    Returns
    -------
    BowlRun

    Examples
    --------
    >>> r = bowl_run(0.5, 10.0)
    >>> r.eta_crit, r.rho, r.trajectory.diverged
    (0.2, 4.0, True)
    """
    eta = _validate.positive("eta", eta)
    kappa = _validate.number("kappa", kappa, lo=1.0)
    s = _bowl(kappa)
    traj = optimizers.run(
        optimizers.SGD(lr=eta), s.grad, s.start, steps, loss_fn=s.value, bound=bound
    )
    gap = traj.losses - s.min_value
    rho = max(abs(1.0 - eta * lam) for lam in (1.0, kappa))
    return BowlRun(s, traj, gap, 2.0 / kappa, rho)


def _verdict(r, eta):
    ratio = eta / r.eta_crit
    if np.isclose(ratio, 1.0, rtol=1e-9):
        return r"$\eta = 2/\lambda_{\max}$: the steep direction oscillates forever"
    if ratio > 1:
        return r"$\eta > 2/\lambda_{\max}$: unstable, the steep direction grows"
    return r"$\eta < 2/\lambda_{\max}$: stable, $E \to E^*$"


_GAP_LIMITS = (1e-16, 1e6)  # fixed: runs can be compared, and a redraw needs no new layout


def _setup_bowl(fig):
    """The frames: the path's panel and the log axis of the gap."""
    ax, ax2 = fig.subplots(1, 2)
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.2, top=0.84, wspace=0.3)
    ax.set(xlim=(-5.0, 5.0), ylim=(-5.0, 5.0), xlabel="$w_1$", ylabel="$w_2$")
    ax2.set(yscale="log", xlabel="step $k$", ylabel=r"$E_k - E^*$ (log scale)", ylim=_GAP_LIMITS)
    ax2.yaxis.set_major_locator(LogLocator(base=1e4))
    ax2.yaxis.set_minor_locator(NullLocator())
    return ax, ax2


def _draw_bowl(axes, lr, kappa, steps=50):
    ax, ax2 = axes
    r = bowl_run(lr, kappa, steps)
    traj = r.trajectory
    # log-spaced above the minimum, from 1/1000 of the start's height: the valley floor shows
    levels = r.surface.min_value + r.gap[0] * np.geomspace(1e-3, 3.0, 12)
    plotting.plot_contours(
        r.surface, ax=ax, levels=levels, resolution=120, filled=False, show_title=False
    )
    plotting.plot_path(traj.points, ax=ax, color=plotting.COLORS[1])
    title(ax, f"gradient descent, {traj.steps} steps")
    k = np.arange(len(r.gap))
    low = _GAP_LIMITS[0] / 10  # an exact zero cannot be drawn on a log axis
    ax2.plot(
        k, np.maximum(r.gap, low), "-o", ms=2.5, color=plotting.COLORS[1], label=r"$E_k - E^*$"
    )
    with np.errstate(over="ignore", under="ignore"):
        envelope = r.gap[0] * np.float64(r.rho) ** (2.0 * k)
    shown = (envelope > low) & (envelope < 1e12)
    ax2.plot(
        k[shown],
        envelope[shown],
        "--",
        color="0.4",
        lw=1,
        label=r"$\rho^{2k}(E_0 - E^*)$, $\rho = \max_i|1-\eta\lambda_i|$",
    )
    ax2.set_xlim(0, steps)
    title(ax2, _verdict(r, lr), fontsize=9)
    ax2.legend(fontsize=8, loc="lower left")
    if traj.diverged:
        plotting.mark_diverged(ax, traj.diverged_at, color=plotting.COLORS[1])
        plotting.mark_diverged(ax2, traj.diverged_at, color=plotting.COLORS[1])
    ax.figure.text(
        0.5,
        0.98,
        rf"$\lambda_{{\min}} = 1$, $\lambda_{{\max}} = {kappa:.3g}$:  "
        rf"$2/\lambda_{{\max}} = {r.eta_crit:.3g}$,  $\eta = {lr:.3g}$,  $\rho = {r.rho:.3g}$",
        ha="center",
        va="top",
        fontsize=10,
    )


def explore_bowl_lr(lr=0.15, kappa=10.0):
    r"""Explorer: the learning rate against the curvature of a quadratic bowl.

    Gradient descent from the same start on the bowl with Hessian eigenvalues 1 and
    :math:`\kappa`; left, the path on the contours; right, :math:`E_k - E^*` on a log axis
    with the rate :math:`\rho^{2k}` predicted from the eigenvalues. The title states
    :math:`2/\lambda_{\max}`; a run that leaves the box far behind is marked
    "diverged at step k".

    Parameters
    ----------
    lr : float
        The learning rate :math:`\eta`, in :math:`[10^{-3}, 10^{0.5}]`.
    kappa : float
        The condition number :math:`\kappa = \lambda_{\max}/\lambda_{\min}`, in [1, 100].

    Returns
    -------
    Explorer
    """
    kappa = _validate.number("kappa", kappa, lo=1.0, hi=100.0)
    controls = {
        "lr": lr_slider(lr, -3.0, 0.5),
        "kappa": log_slider(kappa, 0.0, 2.0, "condition number κ", role=SECOND),
    }
    page = Page("bowl", {"steps": 50, "gap_limits": list(_GAP_LIMITS)})
    return Explorer(controls, _draw_bowl, figsize=(8.0, 4.2), setup=_setup_bowl, page=page)
