r"""Chapter 5's figures of momentum's dynamics: the phase diagram, the eigenvalues, the
eigen-components of the error, the lower bound and the cycling heavy ball.

The numbers come from :mod:`course_utils.chapters.ch05_momentum.dynamics`; this module
only draws them.
Every function takes ``ax=None`` (or ``axes``) and returns what it drew on.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap

from course_utils.chapters.ch05_momentum.dynamics import (
    REGIMES,
    critical_momentum,
    iteration_eigenvalues,
    lessard_value,
    regime,
)
from course_utils.plotting import COLORS

#: light fills for the four regimes (Okabe–Ito hues, pale so that text reads on them)
REGIME_COLORS = {"monotone": "#A6D4F2", "oscillating": "#B8E6D4", "sign-flipping": "#F5D9A6",
                 "divergent": "#D9D9D9"}  # fmt: skip


def _ax(ax, figsize=(6.5, 4.5)):
    return plt.figure(figsize=figsize, layout="constrained").add_subplot() if ax is None else ax


def plot_phase_diagram(ax=None, points=None, h_max=4.2, resolution=250):
    r"""The regimes of heavy ball on one eigen-direction over :math:`(h, \beta)`,
    :math:`h = \eta\lambda`, from :func:`~course_utils.chapters.ch05_momentum.dynamics.regime`.

    Draws the four regions, the critical-damping curve :math:`\beta = (1-\sqrt h)^2`, the
    stability limit :math:`h = 2 + 2\beta` and the gradient-descent line :math:`\beta = 0`.

    Parameters
    ----------
    ax : matplotlib Axes, optional
    points : dict, optional
        ``{label: (h, beta)}`` marked and labelled (e.g. the runs beside the diagram).
    h_max : float
        Right end of the :math:`h` axis.
    resolution : int
        Grid points per axis.

    Returns
    -------
    matplotlib Axes
    """
    ax = _ax(ax)
    h = np.linspace(h_max / resolution, h_max, resolution)
    b = np.linspace(0.0, 0.999, resolution)
    H, B = np.meshgrid(h, b)
    names = regime(H, B)
    code = np.select([names == name for name in REGIMES], range(len(REGIMES)))
    cmap = ListedColormap([REGIME_COLORS[name] for name in REGIMES])
    # matplotlib 3.8 finds the cells' edges with numpy.ma's division, whose domain test
    # underflows (harmlessly) on grids like this one: silenced here, where an explorer's
    # strict error state would show it to the student
    with np.errstate(under="ignore"):
        ax.pcolormesh(h, b, code, cmap=cmap, vmin=-0.5, vmax=3.5, shading="nearest")
    hc = np.linspace(0, 4, 400)
    ax.plot(hc, critical_momentum(hc), color=COLORS[0], lw=2,
            label=r"critical damping $\beta = (1-\sqrt{h})^2$")  # fmt: skip
    ax.plot(2 + 2 * b, b, "--", color="black", lw=1.5, label=r"stability limit $h = 2+2\beta$")
    ax.plot([0, 2], [0, 0], color=COLORS[1], lw=3, label=r"gradient descent ($\beta = 0$)")
    text = {"monotone": (0.28, 0.1, 10), "oscillating": (1.2, 0.72, 10),
            "sign-flipping": (1.55, 0.015, 8), "divergent": (3.4, 0.45, 10)}  # fmt: skip
    for name, (x, y, size) in text.items():
        ax.text(x, y, name, ha="center", fontsize=size, weight="bold")
    for label, (hp, bp) in (points or {}).items():
        ax.plot(hp, bp, "o", ms=8, color="white", mec="black", mew=1.5)
        ax.annotate(label, (hp, bp), xytext=(6, 5), textcoords="offset points", weight="bold")
    ax.set(xlim=(0, h_max), ylim=(0, 1), xlabel=r"$h = \eta\lambda$ (step × curvature)",
           ylabel=r"momentum $\beta$", title="Regimes of heavy ball on one direction")  # fmt: skip
    ax.legend(loc="lower right", fontsize=8, framealpha=0.95)
    return ax


def plot_regime_runs(runs, axes=None):
    r"""Small multiples: the error :math:`x_k` of one run per regime, as stems.

    Parameters
    ----------
    runs : dict
        ``{label: (h, beta, x)}`` with ``x`` the errors :math:`x_0, x_1, \dots`.
    axes : sequence of Axes, optional
        One per run (default: a column of new axes).

    Returns
    -------
    list of Axes
    """
    if axes is None:
        fig = plt.figure(figsize=(4.0, 1.6 * len(runs)), layout="constrained")
        axes = fig.subplots(len(runs), 1, sharex=True)
    axes = list(np.atleast_1d(axes))
    for ax, (label, (h, beta, x)) in zip(axes, runs.items(), strict=True):
        name = regime(h, beta)
        k = np.arange(len(x))
        ax.set_facecolor(REGIME_COLORS[name])
        ax.vlines(k, 0, x, color=COLORS[6], lw=1)
        ax.plot(k, x, "o", ms=2.5, color=COLORS[6])
        ax.axhline(0, color="black", lw=0.6)
        ax.set_title(f"{label}: h = {h:g}, β = {beta:g} ({name})", fontsize=9, loc="left")
        ax.set_ylabel("$x_k$")
    axes[-1].set_xlabel("step k")
    return axes


def plot_eigenvalue_paths(h, betas=None, ax=None):
    r"""Where the two eigenvalues of the iteration matrix sit in the complex plane as
    :math:`\beta` grows from 0, for one :math:`h = \eta\lambda`.

    At :math:`\beta = 0` they are :math:`1 - h` and 0; they move towards each other along
    the real axis, meet at critical damping, and then travel on the circle of radius
    :math:`\sqrt\beta`. The unit circle is the stability limit.

    Returns
    -------
    matplotlib Axes
    """
    ax = _ax(ax, figsize=(4.5, 4.5))
    betas = np.linspace(0.0, 0.98, 300) if betas is None else np.asarray(betas, dtype=float)
    z = iteration_eigenvalues(1.0, betas, h)
    t = np.linspace(0, 2 * np.pi, 400)
    ax.plot(np.cos(t), np.sin(t), color="black", lw=1, label="unit circle (stability)")
    for j, (c, name) in enumerate(zip(COLORS[:2], ["$z_1$", "$z_2$"], strict=True)):
        ax.scatter(z[:, j].real, z[:, j].imag, c=betas, cmap="viridis", s=6, zorder=3)
        ax.plot(z[0, j].real, z[0, j].imag, "s", color=c, ms=7, label=f"{name} at β = 0")
    bc = critical_momentum(h)
    zc = iteration_eigenvalues(1.0, bc, h)[0].real
    ax.plot(zc, 0, "*", ms=14, color=COLORS[4], mec="black", label=f"they meet: β = {bc:.3f}")
    sm = plt.cm.ScalarMappable(cmap="viridis", norm=plt.Normalize(betas.min(), betas.max()))
    ax.figure.colorbar(sm, ax=ax, label="β", shrink=0.8)
    ax.set(aspect="equal", xlim=(-1.15, 1.15), ylim=(-1.15, 1.15), xlabel="real part",
           ylabel="imaginary part", title=f"Eigenvalues of T as β grows (h = {h:g})")  # fmt: skip
    ax.legend(loc="lower left", fontsize=7)
    return ax


def plot_eigen_components(errors, lam, ax=None, title=None):
    r"""The size :math:`|x_{k,i}|` of the error along each eigen-direction over the steps,
    on a log scale, one colour per eigenvalue :math:`\lambda_i` (from
    :func:`~course_utils.chapters.ch05_momentum.dynamics.eigen_errors`).

    Returns
    -------
    matplotlib Axes
    """
    ax = _ax(ax)
    errors = np.asarray(errors, dtype=float)
    floor = 1e-16
    for i, lam_i in enumerate(lam):
        ax.plot(np.maximum(np.abs(errors[:, i]), floor), color=COLORS[i % len(COLORS)],
                label=f"λ = {lam_i:g}")  # fmt: skip
    ax.set(yscale="log", ylim=(1e-8, 2), xlabel="step k", ylabel=r"$|x_{k,i}|$",
           title=title)  # fmt: skip
    ax.legend(fontsize=8, loc="lower left")
    return ax


def plot_lower_bound(errors, floor, q, ax=None):
    r"""Relative errors of runs on
    :func:`~course_utils.chapters.ch05_momentum.dynamics.chain_quadratic` against
    the floor no first-order method can pass and the line :math:`q^k`.

    Parameters
    ----------
    errors : dict
        ``{label: relative errors per step}``.
    floor : array_like
        From :func:`~course_utils.chapters.ch05_momentum.dynamics.span_floor`.
    q : float

    Returns
    -------
    matplotlib Axes
    """
    ax = _ax(ax)
    k = np.arange(len(floor))
    ax.fill_between(k, 1e-20, floor, color="0.85", label="out of reach of any first-order method")
    ax.plot(k, q**k, ":", color="black", lw=1.5, label=f"$q^k$, q = {q:.4f}")
    for i, (label, e) in enumerate(errors.items()):
        ax.plot(np.arange(len(e)), e, color=COLORS[i], lw=1.8, label=label)
    ax.set(yscale="log", ylim=(max(floor[-1], 1e-12) / 10, 2), xlim=(0, k[-1]),
           xlabel="step k", ylabel=r"$\|w_k - w^*\| / \|w_0 - w^*\|$",
           title="Nesterov's worst quadratic: the floor and who reaches it")  # fmt: skip
    ax.legend(fontsize=8, loc="lower left")
    return ax


def plot_lessard(runs, cycle, axes=None):
    r"""Lessard, Recht & Packard's function with the heavy ball's 3-cycle on it (left) and
    the runs over the steps (right).

    Parameters
    ----------
    runs : dict
        ``{label: iterates x_0, x_1, ...}``.
    cycle : array_like
        The attracting cycle, from
        :func:`~course_utils.chapters.ch05_momentum.dynamics.lessard_cycles`.
    axes : pair of Axes, optional

    Returns
    -------
    pair of Axes
    """
    if axes is None:
        axes = plt.figure(figsize=(9, 3.6), layout="constrained").subplots(1, 2)
    ax1, ax2 = axes
    x = np.linspace(-2.5, 3.6, 500)
    ax1.plot(x, lessard_value(x), color="black", lw=1.5)
    for edge in (1.0, 2.0):
        ax1.axvline(edge, color="0.6", lw=0.8, ls=":")
    cyc = np.asarray(cycle, dtype=float)
    closed = np.append(cyc, cyc[0])
    ax1.plot(closed, lessard_value(closed), "-o", color=COLORS[1], ms=7, label="heavy ball's cycle")
    ax1.plot(0, 0, "*", ms=12, color=COLORS[4], mec="black", label="minimum")
    ax1.set(xlabel="x", ylabel="E(x)", title="three quadratic pieces, κ = 25")
    ax1.legend(fontsize=8, loc="upper center")
    for i, (label, xs) in enumerate(runs.items()):
        ax2.plot(np.maximum(np.abs(np.asarray(xs)), 1e-300), color=COLORS[i + 1], lw=1.5,
                 label=label)  # fmt: skip
    ax2.set(yscale="log", ylim=(1e-16, 50), xlabel="step k", ylabel="$|x_k - x^*|$",
            title="runs from rest at the same start")  # fmt: skip
    ax2.legend(fontsize=8, loc="lower left")
    return ax1, ax2
