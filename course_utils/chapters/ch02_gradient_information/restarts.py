r"""**Random restarts**: the same descent from several random starting points.

A gradient method sees only the neighbourhood of its current point, so on a surface with
several minima the minimum it ends in depends on where it started. Running it from
:math:`K` independent random starts and keeping the lowest end point reaches the basin
of the global minimum with probability

.. math:: P_K = 1 - (1 - p)^K

when a single random start reaches it with probability :math:`p`.

:func:`surface_restarts` runs plain gradient descent on a 2-D test surface from
:math:`K` uniform random starts at once (vectorised, so a few hundred starts take
milliseconds); :func:`network_restarts` trains one small network per seed.
"""

from typing import NamedTuple

import numpy as np

from course_utils import _validate
from course_utils.nn import MLP
from course_utils.optimizers import SGD, run_starts
from course_utils.training import train


class SurfaceRestarts(NamedTuple):
    """Gradient descent from :math:`K` starting points on one surface."""

    starts: np.ndarray  #: (K, n) the starting points
    paths: np.ndarray  #: (steps+1, K, n) the iterates; a diverged run stays at its last point
    ends: np.ndarray  #: (K, n) the last iterates
    values: np.ndarray  #: (K,) E at the ends, inf for a diverged run
    basin: np.ndarray  #: (K,) index into surface.minima of the minimum reached, -1 if none
    diverged: np.ndarray  #: (K,) bool, a weight left [-bound, bound] or became nan
    best: int  #: index of the run with the lowest final E


class NetworkRestarts(NamedTuple):
    """One network trained from each of several random initialisations (seeds)."""

    seeds: np.ndarray  #: (K,) the seeds of the initial weights
    losses: np.ndarray  #: (K,) final training loss, inf for a diverged run
    epoch_losses: np.ndarray  #: (K, epochs+1) training loss per epoch, nan after divergence
    w: np.ndarray  #: (K, W) final flat parameters
    diverged: np.ndarray  #: (K,) bool
    best: int  #: index of the run with the lowest final loss


def random_starts(bounds, k, seed=0):
    """``k`` points drawn uniformly from the box ``bounds = ((lo_1, hi_1), (lo_2, hi_2), ...)``.

    Returns
    -------
    ndarray of shape (k, n)

    Examples
    --------
    >>> random_starts(((0, 1), (10, 20)), k=3).shape
    (3, 2)
    """
    b = _validate.array("bounds", bounds)
    if b.ndim != 2 or b.shape[1] != 2 or not np.all(b[:, 0] < b[:, 1]):
        raise ValueError(f"bounds must be ((lo, hi), ...) with lo < hi, got {b.tolist()}")
    k = _validate.integer("k", k, lo=1)
    return _validate.rng(seed).uniform(b[:, 0], b[:, 1], size=(k, len(b)))


def descend_from(surface, starts, lr=0.3, steps=200, tol=0.05, bound=1e6):
    r"""Plain gradient descent :math:`w \leftarrow w - \eta \nabla E(w)` from every start.

    All starts run side by side in :func:`course_utils.optimizers.run_starts`, with the
    divergence rule applied to each start separately.

    Parameters
    ----------
    surface : object
        Has ``value(w)`` and ``grad(w)`` vectorised over leading axes, and ``minima``.
    starts : ndarray of shape (K, n)
    lr : float
        The learning rate :math:`\eta > 0`.
    steps : int
        Number of steps, :math:`\ge 0`.
    tol : float
        An end point within this distance of a known minimum counts as having reached it.
    bound : float
        A run whose iterate leaves :math:`\max_i |w_i| \le` ``bound`` (or is not finite)
        is stopped and counted as diverged.

    Returns
    -------
    SurfaceRestarts

    Examples
    --------
    >>> from course_utils.surfaces import SURFACES
    >>> wells = SURFACES["wells"]
    >>> r = descend_from(wells, wells.minima + 0.1, lr=0.3, steps=100)
    >>> r.basin.tolist()
    [0, 1, 2, 3]
    """
    W = _validate.array("starts", starts)
    if W.ndim != 2:
        raise ValueError(f"starts must have shape (K, n), got {W.shape}")
    lr = _validate.positive("lr", lr)
    steps = _validate.integer("steps", steps, lo=0)
    tol = _validate.positive("tol", tol)
    bound = _validate.positive("bound", bound)
    if np.any(np.max(np.abs(W), axis=1) > bound):
        raise ValueError(f"starts must lie within bound = {bound:g}")
    traj = run_starts(SGD(lr=lr), surface.grad, W, steps, bound=bound)
    W, alive = traj.points[-1], ~traj.diverged
    with np.errstate(all="ignore"):
        values = np.asarray(surface.value(W), dtype=float)
    values = np.where(alive & np.isfinite(values), values, np.inf)
    return SurfaceRestarts(
        starts=traj.points[0],
        paths=traj.points,
        ends=W,
        values=values,
        basin=_nearest_minimum(W, surface.minima, tol, alive),
        diverged=~alive,
        best=int(np.argmin(values)),
    )


def _nearest_minimum(ends, minima, tol, alive):
    minima = np.asarray(minima, dtype=float).reshape(-1, ends.shape[1])
    basin = np.full(len(ends), -1)
    if len(minima):
        dist = np.linalg.norm(ends[:, None, :] - minima[None, :, :], axis=-1)  # (K, m)
        nearest = dist.argmin(axis=1)
        close = alive & (dist[np.arange(len(ends)), nearest] <= tol)
        basin[close] = nearest[close]
    return basin


def surface_restarts(surface, k=20, lr=0.3, steps=200, seed=0, tol=0.05):
    """Gradient descent from ``k`` uniform random starts in ``surface.bounds``.

    See :func:`random_starts` and :func:`descend_from`.

    Examples
    --------
    >>> from course_utils.surfaces import SURFACES
    >>> r = surface_restarts(SURFACES["wells"], k=5, seed=1)
    >>> r.paths.shape
    (201, 5, 2)
    """
    return descend_from(surface, random_starts(surface.bounds, k, seed), lr, steps, tol)


def network_restarts(
    sizes,
    X,
    y,
    seeds=range(10),
    lr=0.1,
    epochs=1000,
    batch_size=None,
    activation="tanh",
    loss="mse",
):
    r"""Train ``MLP(sizes, seed=s)`` with plain gradient descent for every seed ``s``.

    Every run sees the same data, learning rate and number of epochs; only the random
    initial weights differ (Glorot-uniform, drawn from ``seed``). With
    ``batch_size=None`` each epoch is one full-batch step.

    Parameters
    ----------
    sizes : list of int
        Layer widths of the :class:`~course_utils.nn.MLP`.
    X, y : ndarray
        Training data.
    seeds : iterable of int
        At least one seed.
    lr : float
        Learning rate of :class:`~course_utils.optimizers.SGD`.
    epochs : int
    batch_size : int, optional
        Mini-batch size (the shuffling is seeded by the same seed).
    activation, loss : str
        As in :class:`~course_utils.nn.MLP`.

    Returns
    -------
    NetworkRestarts

    Examples
    --------
    >>> from course_utils.data import make_linear_regression
    >>> d = make_linear_regression(n=20)
    >>> r = network_restarts([1, 1], d.X, d.y, seeds=[0, 1], lr=0.2, epochs=200)
    >>> bool(abs(r.losses[0] - r.losses[1]) < 1e-9)  # a convex problem: one minimum
    True
    """
    seeds = [_validate.integer("seed", s) for s in seeds]
    if not seeds:
        raise ValueError("seeds must hold at least one seed")
    lr = _validate.positive("lr", lr)
    epochs = _validate.integer("epochs", epochs, lo=0)
    losses, curves, ws, diverged = [], [], [], []
    for s in seeds:
        net = MLP(sizes, activation=activation, loss=loss, seed=s)
        h = train(net, X, y, SGD(lr=lr), batch_size=batch_size, epochs=epochs, seed=s)
        curve = np.full(epochs + 1, np.nan)
        curve[: len(h.epoch_losses)] = h.epoch_losses
        losses.append(np.inf if h.diverged else h.epoch_losses[-1])
        curves.append(curve)
        ws.append(h.w)
        diverged.append(h.diverged)
    losses = np.array(losses)
    return NetworkRestarts(
        seeds=np.array(seeds),
        losses=losses,
        epoch_losses=np.array(curves),
        w=np.array(ws),
        diverged=np.array(diverged),
        best=int(np.argmin(losses)),
    )
