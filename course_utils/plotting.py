"""Figures of the book: error surfaces, optimizer paths, loss curves, Taylor overlays.

Every function takes ``ax=None`` and returns the matplotlib ``Axes`` it drew on; with no
``ax`` it makes a new figure sized for the book's page width. Nothing here calls
``plt.show()`` or changes matplotlib's global style. Colours come from the Okabe–Ito
palette, which stays distinguishable for colour-blind readers.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import BoundaryNorm, ListedColormap

from course_utils import _validate

#: Okabe & Ito (2008) colour-blind-safe palette, strongest colours first.
COLORS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]
_MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
_STAR = {"marker": "*", "ms": 13, "color": "white", "mec": "black", "mew": 1.0, "ls": "none"}
_BOX = {"boxstyle": "round", "fc": "white", "alpha": 0.9}
_GRID_CACHE = {}  # (id(surface), bounds, resolution) -> (surface, W1, W2, E)
_CACHE_SIZE = 32


def color(i):
    """Return the ``i``-th palette colour (cycling), e.g. one per optimizer."""
    return COLORS[_validate.integer("i", i) % len(COLORS)]


def _new_ax(ax, figsize=(7.0, 5.0), projection=None):
    if ax is None:
        fig = plt.figure(figsize=figsize, layout="constrained")
        ax = fig.add_subplot(projection=projection)
    return ax


def _bounds(surface, bounds):
    b = _validate.array("bounds", surface.bounds if bounds is None else bounds, shape=(2, 2))
    if not (b[0, 0] < b[0, 1] and b[1, 0] < b[1, 1]):
        raise ValueError(f"bounds must be ((xmin, xmax), (ymin, ymax)) with min < max, got {b}")
    return tuple(map(tuple, b.tolist()))


def _grid(surface, bounds, resolution):
    """Evaluate E on a resolution x resolution grid (one vectorised call), cached."""
    key = (id(surface), bounds, resolution)
    if key not in _GRID_CACHE:  # the cache keeps the surface alive, so its id stays unique
        w1 = np.linspace(*bounds[0], resolution)
        w2 = np.linspace(*bounds[1], resolution)
        W1, W2 = np.meshgrid(w1, w2)
        with np.errstate(all="ignore"):
            E = np.asarray(surface.value(np.stack([W1, W2], axis=-1)), dtype=float)
        if len(_GRID_CACHE) >= _CACHE_SIZE:
            del _GRID_CACHE[next(iter(_GRID_CACHE))]
        _GRID_CACHE[key] = (surface, W1, W2, E)
    return _GRID_CACHE[key][1:]


def contour_levels(E, n, log=True, minimum=None, lowest=None):
    r"""``n`` contour levels for a picture of the values ``E``.

    With :math:`E_0` the minimum and :math:`\Delta = \max E - E_0` the range: evenly
    spaced strictly inside :math:`[E_0, E_0 + \Delta]`, or, where the values span
    orders of magnitude, geometrically above the minimum,
    :math:`E_0 + \delta\,(\Delta/\delta)^{i/(n-1)}` for :math:`i = 0, \dots, n-1`, so
    that a valley shows its floor instead of one dark band.

    Parameters
    ----------
    E : array_like
        The values the picture shows, non-finite ones ignored: a grid, or the values at
        the corners of the box of a convex surface (whose highest value is at one).
    n : int
        Number of levels.
    log : bool
        Geometric spacing when most values lie near the bottom (their median in the
        lowest tenth of the range) or ``lowest`` is given.
    minimum : float, optional
        :math:`E_0`, the surface's least value when it is known; default the least of ``E``.
    lowest : float, optional
        :math:`\delta / \Delta`, the lowest level's height above the minimum as a
        fraction of the range (geometric spacing); default: :math:`\delta` the 0.5th
        percentile of the heights above the minimum, at least :math:`10^{-6} \Delta`.

    Returns
    -------
    ndarray of shape (n,)
        Increasing levels (two levels, a unit apart, if ``E`` is constant).
    """
    n = _validate.integer("n", n, lo=2)
    finite = np.asarray(E, dtype=float)
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        raise ValueError("E must have a finite value, got none")
    lo = finite.min() if minimum is None else _validate.number("minimum", minimum)
    if lowest is not None:
        lowest = _validate.number("lowest", lowest, lo=0.0, hi=1.0, lo_open=True, hi_open=True)
    hi = finite.max()
    if hi <= lo:
        return np.array([lo, lo + 1.0])
    shifted = finite - lo
    if log and (lowest is not None or np.median(shifted) < 0.1 * (hi - lo)):
        if lowest is None:
            small = max(np.percentile(shifted, 0.5), (hi - lo) * 1e-6)
        else:
            small = (hi - lo) * lowest
        return lo + np.geomspace(small, hi - lo, n)
    return np.linspace(lo, hi, n + 2)[1:-1]


def _label_axes(ax, title=None):
    ax.set_xlabel(r"$w_1$")
    ax.set_ylabel(r"$w_2$")
    if title:
        ax.set_title(title)


def plot_contours(
    surface,
    ax=None,
    levels=30,
    bounds=None,
    log=True,
    resolution=200,
    filled=True,
    cmap="viridis",
    show_title=True,
):
    """Contour plot of a 2-D error surface :math:`E(w_1, w_2)`, with its known minima.

    Parameters
    ----------
    surface : object
        Has ``value(w)`` vectorised over ``(..., 2)``, ``bounds``, ``minima``, ``title``.
    ax : matplotlib Axes, optional
    levels : int or sequence of float
        Number of contour levels, or the levels themselves.
    bounds : tuple, optional
        ``((xmin, xmax), (ymin, ymax))``; default ``surface.bounds``.
    log : bool
        Space the levels logarithmically above the minimum when the values span orders
        of magnitude (a valley shows its floor instead of one dark band).
    resolution : int
        Grid points per axis. Grids are cached, so redrawing a widget is fast.
    filled : bool
        Fill between the contour lines (pale colours, so paths stand out).
    cmap : str
        A matplotlib colour map.
    show_title : bool
        Put the surface's title above the plot (False: leave the title to the caller).

    Returns
    -------
    matplotlib Axes
    """
    ax = _new_ax(ax)
    bounds = _bounds(surface, bounds)
    resolution = _validate.integer("resolution", resolution, lo=10)
    W1, W2, E = _grid(surface, bounds, resolution)
    if np.ndim(levels) == 0:
        levels = contour_levels(E, _validate.integer("levels", levels, lo=2), log)
    levels = np.asarray(levels, dtype=float)
    if filled:
        cm = plt.get_cmap(cmap)
        norm = BoundaryNorm(levels, cm.N, extend="both")
        ax.contourf(W1, W2, E, levels=levels, cmap=cm, norm=norm, extend="both", alpha=0.45)
        ax.contour(W1, W2, E, levels=levels, colors="black", linewidths=0.6, alpha=0.25)
    else:
        ax.contour(W1, W2, E, levels=levels, cmap=cmap, linewidths=0.8)
    minima = np.asarray(getattr(surface, "minima", np.empty((0, 2))), dtype=float).reshape(-1, 2)
    if len(minima):
        ax.plot(*minima.T, **_STAR, label="minimum", zorder=4)
    ax.set_xlim(bounds[0])
    ax.set_ylim(bounds[1])
    _label_axes(ax, getattr(surface, "title", None) if show_title else None)
    return ax


def mark_diverged(ax, step, color="black"):
    """Write "diverged at step k" in a box at the top left of ``ax`` (stacked if repeated)."""
    n_before = sum(t.get_text().startswith("diverged at step") for t in ax.texts)
    box = {**_BOX, "ec": color}
    style = {"ha": "left", "va": "top", "color": color, "fontsize": 9, "zorder": 6, "bbox": box}
    y = 0.97 - 0.08 * n_before
    ax.text(0.02, y, f"diverged at step {step}", transform=ax.transAxes, **style)
    return ax


def plot_path(points, ax=None, label=None, color=None, diverged_at=None, faint=False):
    """Draw an optimizer's path in the plane: a line through the iterates, start and end.

    Parameters
    ----------
    points : ndarray of shape (k, 2), or a result with ``points`` or ``path``
        The iterates :math:`w^{(0)}, \\dots`. A ``Trajectory`` or ``History`` may be passed
        directly; its ``diverged_at`` is then used unless given.
    ax : matplotlib Axes, optional
        If it already shows something (e.g. contours), its limits are kept, so a
        diverging path does not zoom the plot out.
    label : str, optional
        Legend label.
    color : str, optional
        Line colour (default: the next palette colour on ``ax``).
    diverged_at : int, optional
        If given, "diverged at step k" is written in the axes.
    faint : bool, optional
        Draw the line thin and translucent, without a dot per iterate, beneath
        the minima's stars and the other paths: for a path of many noisy steps
        (stochastic descent with a small batch), which would otherwise cover the
        contours, the stars and the full-batch path. Its start and end markers
        stay on top.

    Returns
    -------
    matplotlib Axes
    """
    for field in ("points", "path"):
        if hasattr(points, field):
            if diverged_at is None:
                diverged_at = getattr(points, "diverged_at", None)
            points = getattr(points, field)
            break
    if points is None:
        raise ValueError("points is None: record the path (train(..., record_path=True))")
    P = _validate.array("points", points, finite=False)
    if P.ndim != 2 or P.shape[1] != 2 or len(P) == 0:
        raise ValueError(f"points must have shape (k, 2) with k >= 1, got {P.shape}")
    P = P[np.all(np.isfinite(P), axis=1)]
    ax = _new_ax(ax)
    keep = (ax.get_xlim(), ax.get_ylim()) if ax.has_data() else None
    if color is None:  # the next palette colour not yet used by a path on this Axes
        color = COLORS[sum(line.get_gid() == "path" for line in ax.lines) % len(COLORS)]
    if faint:
        line = {"lw": 0.8, "alpha": 0.6, "zorder": 3}  # under the stars (4), other paths (5)
    else:
        line = {"marker": "o", "lw": 1.5, "ms": 2.5, "zorder": 5}
    ax.plot(P[:, 0], P[:, 1], "-", color=color, label=label, gid="path", **line)
    ax.plot(*P[0], "o", color=color, mec="black", ms=8, zorder=5)
    ax.plot(*P[-1], "X", color=color, mec="black", ms=10, zorder=5)
    if keep:
        ax.set_xlim(keep[0])
        ax.set_ylim(keep[1])
    if diverged_at is not None:
        mark_diverged(ax, diverged_at, color=color)
    return ax


def plot_surface_3d(surface, ax=None, bounds=None, resolution=80, cmap="viridis"):
    """3-D view of the error surface :math:`E(w_1, w_2)` (``ax`` must be a 3-D Axes)."""
    ax = _new_ax(ax, figsize=(7.0, 5.5), projection="3d")
    if ax.name != "3d":
        raise ValueError("ax must be a 3-D Axes, e.g. fig.add_subplot(projection='3d')")
    n = _validate.integer("resolution", resolution, lo=10)
    W1, W2, E = _grid(surface, _bounds(surface, bounds), n)
    E = np.where(np.isfinite(E), E, np.nan)
    ax.plot_surface(W1, W2, E, cmap=cmap, linewidth=0, rcount=n, ccount=n, alpha=0.95)
    _label_axes(ax, getattr(surface, "title", None))
    ax.set_zlabel(r"$E(w)$")
    return ax


def _taylor(surface, w_hat, w, order):
    from course_utils.calculus import taylor_approximation

    with np.errstate(all="ignore"):
        return taylor_approximation(
            surface.value, w_hat, w, order=order, grad=surface.grad, hessian=surface.hessian
        )


def _contour(ax, W1, W2, Z, levels, **kw):
    """``ax.contour`` restricted to the levels inside Z's range (None, no warning, if none)."""
    finite = Z[np.isfinite(Z)]
    inside = [v for v in levels if finite.size and finite.min() < v < finite.max()]
    return ax.contour(W1, W2, Z, levels=inside, **kw) if inside else None


def plot_taylor(
    surface,
    w_hat,
    order=2,
    ax=None,
    bounds=None,
    levels=12,
    resolution=150,
    show_surface=True,
    show_title=True,
):
    r"""Contours of :math:`E` (solid) and of its Taylor approximation around :math:`\hat w`
    (dashed), at the same levels, with :math:`\hat w` marked.

    .. math:: E(w) \approx E(\hat w) + (w-\hat w)^\top b
              + \tfrac12 (w-\hat w)^\top H (w-\hat w)

    (the last term only for ``order=2``), with the surface's own gradient and Hessian.
    The contour through :math:`\hat w` is drawn thicker: there the two surfaces touch.
    With ``show_surface=False`` the contours of :math:`E` at the common levels are left
    out (an explorer draws them once with :func:`plot_taylor_levels`), the thick one
    through :math:`\hat w` is kept. With ``show_title=False`` the title is left to the
    caller.
    """
    order = _validate.choice("order", order, (1, 2))
    w_hat = _validate.array("w_hat", w_hat, shape=(2,))
    ax = _new_ax(ax)
    bounds = _bounds(surface, bounds)
    W1, W2, E = _grid(surface, bounds, _validate.integer("resolution", resolution, lo=10))
    T = _taylor(surface, w_hat, np.stack([W1, W2], axis=-1), order)
    lv = contour_levels(E, _validate.integer("levels", levels, lo=2), log=True)
    E_hat = float(surface.value(w_hat))
    if show_surface:
        plot_taylor_levels(surface, ax, bounds, levels, resolution)
    _contour(ax, W1, W2, E, [E_hat], colors=COLORS[0], linewidths=2.4, linestyles="solid")
    _contour(ax, W1, W2, T, lv, colors=COLORS[1], linewidths=1.0, linestyles="dashed")
    _contour(ax, W1, W2, T, [E_hat], colors=COLORS[1], linewidths=2.4, linestyles="dashed")
    ax.plot(*w_hat, "o", color="black", ms=7, zorder=5)
    ax.annotate(
        r"$\hat w$",
        w_hat,
        xytext=(6, 6),
        textcoords="offset points",
        fontsize=12,
        bbox={"fc": "white", "ec": "none", "alpha": 0.7, "pad": 1},
    )
    ax.set_xlim(bounds[0])
    ax.set_ylim(bounds[1])
    name = "linear" if order == 1 else "quadratic"
    title = f"{getattr(surface, 'title', 'E')}: {name} Taylor approximation at " + r"$\hat w$"
    title += f"\nsolid: $E(w)$, dashed: order-{order} approximation"
    _label_axes(ax, title if show_title else None)
    return ax


def plot_taylor_levels(surface, ax, bounds=None, levels=12, resolution=150):
    """The solid contours of :math:`E` that :func:`plot_taylor` draws, alone.

    Returns the ``ContourSet`` (None if no level lies inside the box).
    """
    bounds = _bounds(surface, bounds)
    W1, W2, E = _grid(surface, bounds, _validate.integer("resolution", resolution, lo=10))
    lv = contour_levels(E, _validate.integer("levels", levels, lo=2), log=True)
    return _contour(ax, W1, W2, E, lv, colors=COLORS[0], linewidths=1.0, linestyles="solid")


def plot_taylor_slice(surface, w_hat, direction, ax=None, radius=1.0, num=200):
    r"""The 1-D slice :math:`s \mapsto E(\hat w + s d)` against its first- and second-order
    Taylor approximations (:math:`d` is normalised to unit length). The vertical range
    follows :math:`E`; where an approximation leaves it, it has stopped being useful."""
    w_hat = _validate.array("w_hat", w_hat, shape=(2,))
    d = _validate.array("direction", direction, shape=(2,))
    if not np.any(d):
        raise ValueError("direction must be a non-zero vector")
    d = d / np.linalg.norm(d)
    radius = _validate.positive("radius", radius)
    s = np.linspace(-radius, radius, _validate.integer("num", num, lo=3))
    pts = w_hat + s[:, None] * d
    ax = _new_ax(ax, figsize=(7.0, 4.0))
    with np.errstate(all="ignore"):
        E = np.asarray(surface.value(pts), dtype=float)
    ax.plot(s, E, color="black", lw=2, label=r"$E(\hat w + s\,d)$")
    for order, ls in ((1, "--"), (2, "-.")):
        style = {"color": COLORS[order - 1], "lw": 1.6, "label": f"order {order}"}
        ax.plot(s, _taylor(surface, w_hat, pts, order), ls, **style)
    finite = E[np.isfinite(E)]
    lo, hi = (finite.min(), finite.max()) if finite.size else (0.0, 1.0)
    pad = 0.2 * max(hi - lo, 1e-3 * max(1.0, abs(hi)))
    ax.set_ylim(lo - pad, hi + pad)  # follow E: an approximation leaving the box has failed
    ax.axvline(0.0, color="0.6", lw=0.8)
    ax.set_xlabel(r"$s$ (distance from $\hat w$ along $d$)")
    ax.set_ylabel(r"$E$")
    ax.set_title(f"{getattr(surface, 'title', 'E')}: slice through " + r"$\hat w$")
    ax.legend(fontsize=9)
    return ax


def plot_losses(curves, ax=None, x=None, xlabel="step", ylabel="loss", logy=True, title=None):
    """Plot loss curves, one per label, in palette colours.

    Parameters
    ----------
    curves : dict
        Label -> 1-D array of losses, or a result with ``losses`` (and ``diverged_at``),
        e.g. a ``History``. A curve that diverged (flagged, or containing nan/inf) stops
        at its last finite value and its legend label says so.
    x : ndarray or dict, optional
        The horizontal axis: one array for all curves, or label -> array (for example
        each run's ``examples_seen``). Default: 0, 1, 2, ...
    logy : bool
        Logarithmic loss axis.

    Returns
    -------
    matplotlib Axes
    """
    if not isinstance(curves, dict) or not curves:
        raise ValueError("curves must be a non-empty dict of label -> losses")
    ax = _new_ax(ax, figsize=(7.0, 4.0))
    for i, (label, curve) in enumerate(curves.items()):
        step = getattr(curve, "diverged_at", None)
        y = np.asarray(getattr(curve, "losses", curve), dtype=float).ravel()
        bad = np.flatnonzero(~np.isfinite(y))
        if len(bad):
            step = bad[0] if step is None else step
            y = y[: bad[0]]
        xs = x.get(label) if isinstance(x, dict) else x
        xs = np.arange(len(y)) if xs is None else np.asarray(xs, dtype=float)[: len(y)]
        text = str(label) if step is None else f"{label} (diverged at step {step})"
        ax.plot(xs, y[: len(xs)], color=color(i), lw=1.5, label=text)
    if logy and any(np.any(line.get_ydata() > 0) for line in ax.lines):
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend(fontsize=9, loc="best")
    return ax


def plot_eigen_ellipses(H, w_star=(0.0, 0.0), ax=None, n_contours=4):
    r"""Contours of :math:`E = \frac12 (w-w^*)^\top H (w-w^*)` with the eigenvectors of H.

    The contours are ellipses whose semi-axes lie along the eigenvectors :math:`u_i` and
    have lengths :math:`\propto 1/\sqrt{\lambda_i}`; each arrow reaches the outer ellipse.
    """
    H = _validate.array("H", H, shape=(2, 2))
    if not np.allclose(H, H.T):
        raise ValueError("H must be symmetric")
    lam, U = np.linalg.eigh(H)
    if lam[0] <= 0:
        raise ValueError(f"H must be positive definite, got eigenvalues {lam}")
    w_star = _validate.array("w_star", w_star, shape=(2,))
    n_contours = _validate.integer("n_contours", n_contours, lo=1)
    c = 0.5  # outer contour E = c has semi-axes sqrt(2c / lambda_i)
    r = 1.35 * np.sqrt(2 * c / lam[0])
    g = np.linspace(-r, r, 300)
    W1, W2 = np.meshgrid(g + w_star[0], g + w_star[1])
    D = np.stack([W1, W2], axis=-1) - w_star
    E = 0.5 * np.einsum("...i,ij,...j->...", D, H, D)
    ax = _new_ax(ax, figsize=(6.0, 6.0))
    levels = c * (np.arange(1, n_contours + 1) / n_contours) ** 2
    ax.contour(W1, W2, E, levels=levels, colors="0.45", linewidths=1.0)
    for i in range(2):
        tip = U[:, i] * np.sqrt(2 * c / lam[i])
        arrow = {"arrowstyle": "-|>", "color": COLORS[i], "lw": 2}
        ax.annotate("", w_star + tip, w_star, zorder=5, arrowprops=arrow)
        ax.annotate(
            rf"$u_{i + 1}$, $\lambda_{i + 1}={lam[i]:.3g}$",
            w_star + tip,
            xytext=8 * tip / np.linalg.norm(tip),
            textcoords="offset points",
            ha="left" if tip[0] >= 0 else "right",
            va="bottom" if tip[1] >= 0 else "top",
            color=COLORS[i],
            fontsize=11,
            bbox={"fc": "white", "ec": "none", "alpha": 0.85},
        )
    ax.plot(*w_star, "*", color="black", ms=10)
    ax.set_aspect("equal")
    _label_axes(ax, r"Contours of a quadratic: semi-axes $\propto 1/\sqrt{\lambda_i}$")
    return ax


def plot_scatter_classes(X, y, ax=None):
    """Scatter 2-D points coloured and shaped by their integer class label."""
    X = _validate.array("X", X, shape=(None, 2))
    y = np.asarray(y)
    if y.shape != (len(X),):
        raise ValueError(f"y must have shape ({len(X)},), got {y.shape}")
    ax = _new_ax(ax, figsize=(6.0, 5.0))
    for k in np.unique(y):
        m = y == k
        style = {"color": color(int(k)), "marker": _MARKERS[int(k) % len(_MARKERS)]}
        ax.scatter(X[m, 0], X[m, 1], s=18, **style, ec="white", lw=0.4, label=f"class {k}")
    ax.set_xlabel(r"$x_1$")
    ax.set_ylabel(r"$x_2$")
    ax.legend(fontsize=9, loc="best")
    return ax


def plot_decision_boundary(model, X, y, ax=None, resolution=200, pad=0.5):
    """Shade the class the model predicts at every point of the plane, then the data."""
    X = _validate.array("X", X, shape=(None, 2))
    pad = _validate.number("pad", pad, lo=0.0)
    ax = _new_ax(ax, figsize=(6.0, 5.0))
    lo, hi = X.min(axis=0) - pad, X.max(axis=0) + pad
    n = _validate.integer("resolution", resolution, lo=10)
    G1, G2 = np.meshgrid(np.linspace(lo[0], hi[0], n), np.linspace(lo[1], hi[1], n))
    with np.errstate(all="ignore"):
        Z = np.asarray(model.predict(np.column_stack([G1.ravel(), G2.ravel()]))).reshape(G1.shape)
    K = int(max(Z.max(), np.max(y))) + 1
    cmap = ListedColormap([color(k) for k in range(K)])
    ax.contourf(G1, G2, Z, levels=np.arange(K + 1) - 0.5, cmap=cmap, alpha=0.2)
    ax.contour(G1, G2, Z, levels=np.arange(K) + 0.5, colors="0.3", linewidths=0.8)
    plot_scatter_classes(X, y, ax=ax)
    ax.set_title("Decision regions")
    return ax


def plot_chord(chord, ax=None, label="E", color=None, chord_label="chord", shade=True):
    r"""Plot a function along a segment against its chord (``calculus.chord``).

    The function is the solid line, the chord the dashed one (labelled ``chord_label``,
    no legend entry if None); where the function rises above the chord (which a convex
    function never does) the gap is shaded, if ``shade``.

    Returns
    -------
    matplotlib Axes
    """
    ax = _new_ax(ax, figsize=(6.0, 4.0))
    c = COLORS[0] if color is None else color
    ax.plot(chord.t, chord.E, color=c, lw=2, label=label)
    ax.plot(chord.t, chord.chord, "--", color=c, lw=1.2, label=chord_label)
    if shade:
        ax.fill_between(chord.t, chord.chord, chord.E, where=chord.E > chord.chord, color=c,
                        alpha=0.15, lw=0)  # fmt: skip
    ax.set_xlabel(r"$t$: the point $(1 - t)\,\mathbf{a} + t\,\mathbf{b}$")
    ax.set_ylabel("$E$")
    return ax


def plot_plane(plane, ax=None, labels=("$w_0$", "$w_1$", "$w_2$"), levels=20):
    r"""Contours of :math:`\log_{10} E` on a plane through three points (``loss_on_plane``).

    The three points sit at :math:`(0, 0), (1, 0), (0, 1)` and are marked with stars.

    Returns
    -------
    matplotlib Axes
    """
    ax = _new_ax(ax, figsize=(6.0, 5.0))
    logE = np.log10(np.maximum(plane.E, 1e-300))
    cs = ax.contourf(plane.alpha, plane.beta, logE, levels=levels, cmap="viridis")
    ax.figure.colorbar(cs, ax=ax, label=r"$\log_{10} E$")
    for (a, b), text in zip([(0, 0), (1, 0), (0, 1)], labels, strict=True):
        ax.plot(a, b, **_STAR)
        dx, ha = (-8, "right") if a == 1 else (8, "left")  # keep the label inside the box
        ax.annotate(text, (a, b), xytext=(dx, 8), textcoords="offset points", ha=ha,
                    color="white", fontsize=11)  # fmt: skip
    ax.set_xlabel(r"$\alpha$")
    ax.set_ylabel(r"$\beta$")
    ax.set_aspect("equal")
    return ax


def plot_cost_fit(runs, ax=None, label=None, color=None):
    r"""Log–log plot of measured times per gradient with their fit (``cost.CostRuns``).

    Filled markers: the measured medians per gradient. Open markers (finite differences
    only): the number of calls, :math:`2W`, times the median time of one call. Solid
    line: the fit, :math:`c\,(a + b W^k)` with :math:`c` calls per gradient. Dotted line:
    the growing part alone, :math:`c\, b W^k`, a straight line of slope ``runs.slope``;
    where the two lines meet, the fixed cost no longer counts.

    Returns
    -------
    matplotlib Axes
    """
    ax = _new_ax(ax, figsize=(6.0, 4.0))
    c = COLORS[0] if color is None else color
    W = np.geomspace(runs.W.min(), runs.W.max(), 100)
    many = runs.calls[-1] > 1
    calls = 2 * W if many else np.ones_like(W)
    a, b, k = runs.fit.a, runs.fit.b, runs.fit.k
    ax.loglog(runs.W, 1e3 * runs.t, "o", color=c, label=label)
    if many:
        ax.loglog(runs.W, 1e3 * runs.calls * runs.t_call, "o", mfc="none", color=c,
                  label="2W × one forward pass")  # fmt: skip
    ax.loglog(W, 1e3 * calls * (a + b * W**k), "-", color=c, lw=1.5)
    ax.loglog(W, 1e3 * calls * b * W**k, ":", color=c, lw=1.5,
              label=f"growing part: slope {runs.slope:.2f}")  # fmt: skip
    ax.set_xlabel("number of weights $W$")
    ax.set_ylabel("time per gradient (ms)")
    return ax
