r"""Experiments with momentum: measured rates, grid searches, Nesterov's two forms, and a
ravine made of data for mini-batch runs.

These check the predictions of :mod:`course_utils.chapters.ch05_momentum.theory` by running the real
optimizers of :mod:`course_utils.optimizers` (or, for a grid search, the same update
vectorised over many hyperparameters at once).
"""

from typing import NamedTuple

import numpy as np

from course_utils import _validate
from course_utils.chapters.ch05_momentum.theory import _values
from course_utils.least_squares import minibatch_gradients
from course_utils.optimizers import SGD, run


class Convergence(NamedTuple):
    r"""How fast a run approached the minimum :math:`\mathbf w^*`."""

    steps: int | None  # first k with e_k <= tol (None: not within max_steps, or diverged)
    errors: np.ndarray  # e_k = ||w_k - w*|| / ||w_0 - w*||, k = 0, 1, ..., K
    rate: float  # measured rate: (e_K / e_{K/2})^(1 / (K - K/2)), over the second half
    diverged: bool  # the run left the box |w| <= bound or became non-finite


def converge(optimizer, surface, w0=None, tol=1e-6, max_steps=100_000, bound=1e6):
    r"""Run ``optimizer`` on ``surface`` until :math:`\lVert\mathbf w_k - \mathbf w^*\rVert
    \le \text{tol}\,\lVert\mathbf w_0 - \mathbf w^*\rVert` and measure the rate.

    The measured rate is the geometric mean of the error ratio over the second half of the
    run, :math:`(e_K / e_{\lfloor K/2 \rfloor})^{1/(K - \lfloor K/2 \rfloor)}`, which
    forgets the start-up and can be compared with
    :func:`~course_utils.chapters.ch05_momentum.theory.gd_rate` or
    :func:`~course_utils.chapters.ch05_momentum.theory.heavy_ball_rate`.

    Parameters
    ----------
    optimizer : Optimizer
        One of :mod:`course_utils.optimizers`' optimizers, e.g. ``SGD(lr, momentum)``; it
        runs in :func:`course_utils.optimizers.run` (``until`` the tolerance is met).
    surface : Surface
        Has ``grad(w)`` and a ``global_minimum`` :math:`\mathbf w^*` (e.g. ``surfaces.bowl``).
    w0 : array_like, optional
        Starting point (default ``surface.start``), not the minimum itself.
    tol : float
        Relative error to reach, in (0, 1).
    max_steps : int
        Give up after this many steps.
    bound : float
        Coordinates larger than this count as divergence.

    Returns
    -------
    Convergence

    Examples
    --------
    >>> c = converge(SGD(lr=0.2), bowl(1.0, 9.0), tol=1e-3)  # rate 0.8
    >>> c.steps, round(c.rate, 6)
    (31, 0.8)
    """
    w_star = _validate.array("surface.global_minimum", surface.global_minimum)
    w = _validate.array("w0", surface.start if w0 is None else w0)
    tol = _validate.number("tol", tol, lo=0.0, hi=1.0, lo_open=True, hi_open=True)
    max_steps = _validate.integer("max_steps", max_steps, lo=1)
    bound = _validate.positive("bound", bound)
    e0 = float(np.linalg.norm(w - w_star))
    if e0 == 0.0:
        raise ValueError("w0 must differ from the minimum")

    def error(w):
        return float(np.linalg.norm(w - w_star)) / e0

    path = run(optimizer, surface.grad, w, max_steps, bound=bound, until=lambda w: error(w) <= tol)
    errors, diverged = [error(w) for w in path.points], path.diverged
    e = np.array(errors)
    K = len(e) - 1
    half = K // 2
    rate = float((e[K] / e[half]) ** (1 / (K - half))) if K and e[half] > 0 else float("nan")
    reached = not diverged and e[-1] <= tol
    return Convergence(K if reached else None, e, rate, diverged)


class GridSearch(NamedTuple):
    """The loss after ``steps`` steps for every pair (learning rate, momentum)."""

    lrs: np.ndarray  # (n_lr,) the learning rates tried, eta
    betas: np.ndarray  # (n_beta,) the momenta tried, beta
    losses: np.ndarray  # (n_beta, n_lr) E(w_steps); nan where the run diverged
    diverged: np.ndarray  # (n_beta, n_lr) bool
    loss0: float  # E(w_0), the starting loss
    steps: int


def grid_search(H, w0, lrs, betas, steps=100, center=None, nesterov=False):
    r"""Trial and error, all at once: momentum SGD for every :math:`(\eta, \beta)` pair.

    Runs torch's update (:class:`course_utils.optimizers.SGD` with ``momentum=beta``) on
    :math:`E(\mathbf w) = \tfrac12(\mathbf w-\mathbf c)^\top\mathbf H(\mathbf w-\mathbf c)`
    for every pair at once (vectorised), and records the loss after ``steps`` steps. A run
    counts as **diverged** when its final loss is not below the starting loss or it
    overflowed; its loss is then ``nan`` (a masked cell in a heat map).

    Parameters
    ----------
    H : array_like of shape (n, n)
        Symmetric positive semi-definite Hessian.
    w0 : array_like of shape (n,)
        Starting point.
    lrs, betas : array_like
        1-D grids of :math:`\eta > 0` and :math:`\beta \in [0, 1)`.
    steps : int
        Number of updates, >= 1.
    center : array_like of shape (n,), optional
        The minimum :math:`\mathbf c` (default: the origin).
    nesterov : bool
        Nesterov's update instead of the heavy ball (for ``beta = 0`` both are plain GD).

    Returns
    -------
    GridSearch

    Examples
    --------
    >>> g = grid_search([[1.0, 0], [0, 9.0]], [1.0, 1.0], [0.1, 0.25], [0.0, 0.25], steps=5)
    >>> g.diverged.tolist()  # eta = 0.25 needs beta > 0.125 on lambda_max = 9
    [[False, True], [False, False]]
    """
    H = _validate.array("H", H, ndim=2)
    n = H.shape[0]
    if H.shape != (n, n) or not np.allclose(H, H.T):
        raise ValueError(f"H must be a symmetric square matrix, got shape {H.shape}")
    c = np.zeros(n) if center is None else _validate.array("center", center, shape=(n,))
    w0 = _validate.array("w0", w0, shape=(n,))
    lrs = _values("lrs", lrs, lo=0.0, lo_open=True).ravel()
    betas = _values("betas", betas, lo=0.0, hi=1.0, hi_open=True).ravel()
    steps = _validate.integer("steps", steps, lo=1)
    eta, b = lrs[None, :, None], betas[:, None, None]
    x = np.broadcast_to(w0 - c, (len(betas), len(lrs), n)).copy()  # error w - c
    vel = np.zeros_like(x)
    loss0 = float(0.5 * (w0 - c) @ H @ (w0 - c))
    with np.errstate(all="ignore"):
        for _ in range(steps):
            g = x @ H
            vel = b * vel + g  # torch: momentum_buffer (its first step is g: vel starts at 0)
            x = x - eta * (g + b * vel if nesterov else vel)
        loss = 0.5 * np.einsum("...i,ij,...j->...", x, H, x)
    diverged = ~np.isfinite(loss) | (loss >= loss0)
    return GridSearch(lrs, betas, np.where(diverged, np.nan, loss), diverged, loss0, steps)


def nesterov_lookahead(grad_fn, w0, lr, beta, steps):
    r"""Nesterov's method in its original look-ahead form, with torch's velocity.

    .. math::

        \mathbf v_{k+1} = \beta \mathbf v_k + \nabla E(\mathbf w_k - \eta\beta\mathbf v_k),
        \qquad \mathbf w_{k+1} = \mathbf w_k - \eta \mathbf v_{k+1},
        \qquad \mathbf v_0 = \mathbf 0.

    The gradient is taken at the look-ahead point :math:`\tilde{\mathbf w}_k = \mathbf w_k
    - \eta\beta\mathbf v_k`, where the velocity alone would carry the weights. Those
    look-ahead points obey :math:`\tilde{\mathbf w}_{k+1} = \tilde{\mathbf w}_k -
    \eta(\nabla E(\tilde{\mathbf w}_k) + \beta\mathbf v_{k+1})`, which is torch's
    ``nesterov=True`` update: torch stores :math:`\tilde{\mathbf w}` as the parameters
    (the change of variables of Bengio, Boulanger-Lewandowski & Pascanu 2013, who write it
    with :math:`\eta` inside :math:`\mathbf v`).

    Parameters
    ----------
    grad_fn : callable
        ``grad_fn(w)`` returns :math:`\nabla E(\mathbf w)`.
    w0 : array_like
        Starting point.
    lr, beta : float
        :math:`\eta > 0`, :math:`\beta \in [0, 1)`.
    steps : int
        Number of steps, >= 0.

    Returns
    -------
    w : ndarray of shape (steps + 1, *w0.shape)
        The iterates :math:`\mathbf w_k`.
    lookahead : ndarray of shape (steps + 1, *w0.shape)
        The look-ahead points :math:`\tilde{\mathbf w}_k`.

    Examples
    --------
    >>> w, la = nesterov_lookahead(lambda w: w, [1.0], lr=0.5, beta=0.5, steps=2)
    >>> w[:, 0].tolist(), la[:, 0].tolist()
    ([1.0, 0.5, 0.125], [1.0, 0.25, -0.0625])
    """
    w = _validate.array("w0", w0)
    lr = _validate.positive("lr", lr)
    beta = _validate.number("beta", beta, lo=0.0, hi=1.0, hi_open=True)
    steps = _validate.integer("steps", steps, lo=0)
    vel = np.zeros_like(w)
    ws, ahead = [w], [w]
    for _ in range(steps):
        vel = beta * vel + np.asarray(grad_fn(w - lr * beta * vel), dtype=float)
        w = w - lr * vel
        ws.append(w)
        ahead.append(w - lr * beta * vel)
    return np.array(ws), np.array(ahead)


def momentum_path(problem, lr, beta=0.0, batch_size=None, steps=80, nesterov=False, seed=0,
                  w0=None, bound=1e4):  # fmt: skip
    r"""Mini-batch SGD with momentum on a least-squares problem, for a fixed number of
    updates.

    Each update draws the next batch of ``batch_size`` examples (reshuffled every epoch:
    :func:`course_utils.least_squares.minibatch_gradients`), computes the batch gradient
    :math:`\mathbf g = \mathbf X_B^\top(\mathbf X_B\mathbf w - \mathbf y_B)/B` and applies
    :class:`course_utils.optimizers.SGD` ``(lr, momentum=beta, nesterov=nesterov)``. The
    number of updates is ``steps`` whatever the batch size, so small batches see fewer
    examples.

    Parameters
    ----------
    problem : LeastSquares
        From :func:`~course_utils.least_squares.least_squares_ravine`.
    lr : float
        :math:`\eta > 0`.
    beta : float
        :math:`\beta \in [0, 1)`; with 0 the run is plain SGD and ``nesterov`` is ignored.
    batch_size : int, optional
        :math:`B \in [1, N]`, default :math:`N` (full batch).
    steps : int
        Number of updates, >= 0.
    nesterov : bool
        Nesterov momentum.
    seed : int or numpy.random.Generator
        Seeds the shuffling.
    w0 : array_like of shape (2,), optional
        Start (default ``problem.surface.start``).
    bound : float
        A coordinate of :math:`\mathbf w` larger than this counts as divergence.

    Returns
    -------
    Trajectory
        What :func:`course_utils.optimizers.run` records (this is ``run`` with the batch
        gradients above and the excess loss): ``points`` (k+1, 2); ``losses`` the full-batch
        **excess** loss :math:`E(\mathbf w_k) - E^*` at each point; ``diverged_at`` the
        index of the update whose result was rejected (not recorded), or None.
    """
    X, y = problem.X, problem.y
    N = len(X)
    B = N if batch_size is None else _validate.integer("batch_size", batch_size, lo=1, hi=N)
    beta = _validate.number("beta", beta, lo=0.0, hi=1.0, hi_open=True)
    opt = SGD(lr=lr, momentum=beta, nesterov=bool(nesterov) and beta > 0)
    w0 = _validate.array("w0", problem.surface.start if w0 is None else w0, shape=(2,))
    if B == N:  # a full batch is the same whatever the order: skip the shuffle

        def grad_fn(w):
            return X.T @ (X @ w - y) / N

    else:
        grad_fn = minibatch_gradients(problem, B, seed)

    def excess(w):
        d = w - problem.w_star
        return float(0.5 * d @ problem.H @ d)

    return run(opt, grad_fn, w0, steps, loss_fn=excess, bound=bound)


class TuningStep(NamedTuple):
    """One move of a search that tunes one hyperparameter at a time."""

    lr: float  # eta
    beta: float  # momentum
    loss: float  # the grid's loss at (lr, beta)


def one_at_a_time(grid, beta=0.9, rounds=2):
    r"""Tune :math:`\eta` and :math:`\beta` one at a time on a :class:`GridSearch`.

    Start at the momentum closest to ``beta``; pick the learning rate with the lowest loss
    in that row; then, holding that :math:`\eta`, the momentum with the lowest loss in its
    column; and so on for ``rounds`` rounds. Each move can only improve the loss, but it
    moves along one axis, while the good pairs lie on a diagonal band (roughly constant
    :math:`\eta/(1-\beta)`), so the search creeps along the band.

    Parameters
    ----------
    grid : GridSearch
        From :func:`grid_search`; diverged cells (``nan``) are never chosen.
    beta : float
        The starting momentum, in :math:`[0, 1)`.
    rounds : int
        Number of (learning rate, momentum) rounds, >= 1.

    Returns
    -------
    list of TuningStep
        One entry per move, :math:`2 \times` ``rounds`` in all.

    Examples
    --------
    >>> losses = np.array([[4.0, 3.0, 5.0], [2.0, 1.5, 0.5]])  # rows: beta = 0, 0.5
    >>> g = GridSearch(np.array([0.1, 0.2, 0.4]), np.array([0.0, 0.5]), losses,
    ...                np.zeros((2, 3), bool), 10.0, 5)
    >>> [tuple(s) for s in one_at_a_time(g, beta=0.0, rounds=2)]
    [(0.2, 0.0, 3.0), (0.2, 0.5, 1.5), (0.4, 0.5, 0.5), (0.4, 0.5, 0.5)]
    """
    beta = _validate.number("beta", beta, lo=0.0, hi=1.0, hi_open=True)
    rounds = _validate.integer("rounds", rounds, lo=1)
    loss = np.where(np.isnan(grid.losses), np.inf, grid.losses)
    i = int(np.argmin(np.abs(grid.betas - beta)))
    steps = []
    for _ in range(rounds):
        j = int(np.argmin(loss[i]))
        steps.append(TuningStep(float(grid.lrs[j]), float(grid.betas[i]), float(loss[i, j])))
        i = int(np.argmin(loss[:, j]))
        steps.append(TuningStep(float(grid.lrs[j]), float(grid.betas[i]), float(loss[i, j])))
    return steps
