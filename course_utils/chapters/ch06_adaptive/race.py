r"""A race between optimizers on a badly scaled least-squares problem (chapter 6).

The problem has :math:`N` examples with two features of very different sizes, so the two
weights see gradients of very different scales. Its full-batch loss is a quadratic,

.. math::

    E(\mathbf w) = \frac{1}{2N}\lVert X\mathbf w - \mathbf y\rVert^2
    = E(\mathbf w^*) + \tfrac12 (\mathbf w - \mathbf w^*)^\top H (\mathbf w - \mathbf w^*),
    \qquad H = X^\top X / N,

so its contours are exact ellipses and the excess loss :math:`E(\mathbf w) - E(\mathbf w^*)`
can be drawn on a log scale. In :func:`race` every optimizer takes the same number of
steps on the same sequence of shuffled mini-batches, so the only difference between two
paths is the update rule.
"""

import functools
from typing import NamedTuple

import numpy as np

from course_utils import _validate
from course_utils.least_squares import LeastSquares, minibatch_gradients
from course_utils.optimizers import OPTIMIZERS, make_optimizer, run
from course_utils.surfaces import quadratic

#: The two ways :func:`race` can hand out learning rates.
RATE_MODES = ("same η for all", "η × default ÷ Adam's")


@functools.cache
def default_lrs():
    """torch's default learning rate of every optimizer (1e-3 for SGD and Adam, 1.0 for
    Adadelta…), as ``{name: lr}``; also importable as ``DEFAULT_LR``.

    Read from the optimizers' own defaults on first use (not at import).

    Examples
    --------
    >>> default_lrs()["Adadelta"], default_lrs()["Adam"]
    (1.0, 0.001)
    """
    return {name: cls().lr for name, cls in OPTIMIZERS.items()}


def __getattr__(name):
    """``DEFAULT_LR`` (the dict of :func:`default_lrs`), computed on first access."""
    if name == "DEFAULT_LR":
        return default_lrs()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def scaled_least_squares(n=64, scale=7.0, noise=0.5, seed=0):
    r"""Least squares with one feature ``scale`` times larger than the other.

    The inputs are :math:`x_{n1} \sim \mathcal N(0, 1)` and
    :math:`x_{n2} \sim \mathcal N(0, \text{scale}^2)`, the targets
    :math:`y_n = 2 x_{n1} + 0.3 x_{n2} + \text{noise}\cdot\varepsilon_n`. The Hessian
    :math:`H = X^\top X / N` then has diagonal entries near 1 and ``scale**2``: plain
    gradient descent needs :math:`\eta < 2/\lambda_{\max}` for the steep weight and
    crawls along the shallow one. The start is :math:`\mathbf w_0 = (-1.5, -0.6)`.

    Parameters
    ----------
    n : int
        Number of examples :math:`N \ge 2`.
    scale : float
        Size of the second feature relative to the first, > 0.
    noise : float
        Standard deviation of the noise in the targets, >= 0.
    seed : int or numpy.random.Generator
        Source of the random inputs and noise.

    Returns
    -------
    LeastSquares
        ``X``, ``y``, ``H``, ``w_star``, ``E_star`` and ``surface``, a
        :func:`course_utils.surfaces.quadratic` whose value is
        :math:`E(\mathbf w) - E(\mathbf w^*)`.

    Examples
    --------
    >>> p = scaled_least_squares()
    >>> p.X.shape, p.surface.start.tolist()
    ((64, 2), [-1.5, -0.6])
    """
    n = _validate.integer("n", n, lo=2)
    scale = _validate.positive("scale", scale)
    noise = _validate.number("noise", noise, lo=0.0)
    gen = _validate.rng(seed)
    X = gen.normal(size=(n, 2)) * np.array([1.0, scale])
    y = X @ np.array([2.0, 0.3]) + noise * gen.normal(size=n)
    H = X.T @ X / n
    w_star = np.linalg.solve(H, X.T @ y / n)
    E_star = float(0.5 * np.mean((X @ w_star - y) ** 2))
    start = np.array([-1.5, -0.6])
    lo, hi = np.minimum(start, w_star), np.maximum(start, w_star)
    pad = np.array([1.0, 0.4]) * (hi - lo).max(initial=1.0) / 3.5  # the box holds both
    bounds = tuple(zip((lo - pad).tolist(), (hi + pad).tolist(), strict=True))
    surface = quadratic(H, center=w_star, name="scaled least squares", start=start, bounds=bounds)
    surface.title = "Badly scaled least squares"
    return LeastSquares(X=X, y=y, H=H, w_star=w_star, E_star=E_star, surface=surface)


def race_lrs(names, lr, mode=RATE_MODES[0]):
    r"""The learning rate each optimizer gets in a race.

    With ``mode = RATE_MODES[0]`` every optimizer gets :math:`\eta`; with ``RATE_MODES[1]``
    optimizer :math:`k` gets :math:`\eta\, d_k / d_\text{Adam}`, where :math:`d_k` is
    torch's default learning rate (:func:`default_lrs`): Adadelta then gets :math:`1000\,\eta`,
    Adagrad and RMSProp :math:`10\,\eta`, Adamax and Nadam :math:`2\,\eta`.

    Parameters
    ----------
    names : sequence of str
        Keys of ``optimizers.OPTIMIZERS``.
    lr : float
        :math:`\eta > 0`.
    mode : str
        One of ``RATE_MODES``.

    Returns
    -------
    dict
        Name -> learning rate.

    Examples
    --------
    >>> race_lrs(["Adam", "Adadelta"], 0.01, RATE_MODES[1])
    {'Adam': 0.01, 'Adadelta': 10.0}
    """
    lr = _validate.positive("lr", lr)
    scaled = _validate.choice("mode", mode, RATE_MODES) == RATE_MODES[1]
    out = {}
    for name in names:
        _validate.choice("names", name, list(OPTIMIZERS))
        out[name] = lr * default_lrs()[name] / default_lrs()["Adam"] if scaled else lr
    return out


def race(names, lr, batch_size=None, steps=80, mode=RATE_MODES[0], seed=0, problem=None):
    r"""Run each named optimizer on the same mini-batches and record its path.

    Every optimizer uses torch's default hyperparameters apart from the learning rate,
    starts at ``problem.surface.start`` and takes ``steps`` steps; step :math:`k` of every
    optimizer uses the same mini-batch
    (:func:`~course_utils.least_squares.minibatch_gradients` with the same seed).

    Parameters
    ----------
    names : sequence of str
        Keys of ``optimizers.OPTIMIZERS`` (may be empty).
    lr : float
        Learning rate, shared or scaled per optimizer as ``mode`` says (:func:`race_lrs`).
    batch_size : int, optional
        Mini-batch size :math:`B`; default the whole training set.
    steps : int
        Steps per optimizer, >= 0.
    mode : str
        One of ``RATE_MODES``.
    seed : int
        Seeds the shuffling (the same for every optimizer).
    problem : LeastSquares, optional
        Default ``scaled_least_squares()``.

    Returns
    -------
    dict
        Name -> ``optimizers.Trajectory``, whose ``losses`` are the full-batch excess loss
        :math:`E(\mathbf w) - E(\mathbf w^*)` at every point. A run that blows up stops
        with ``diverged=True`` (see ``optimizers.run``).

    Examples
    --------
    >>> runs = race(["SGD", "Adam"], lr=0.1, batch_size=8, steps=20)
    >>> runs["SGD"].diverged, runs["Adam"].diverged, runs["Adam"].steps
    (True, False, 20)
    """
    problem = scaled_least_squares() if problem is None else problem
    if not isinstance(problem, LeastSquares):
        raise TypeError(f"problem must be a LeastSquares, got {type(problem).__name__}")
    lrs = race_lrs(names, lr, mode)
    steps = _validate.integer("steps", steps, lo=0)
    surface = problem.surface
    runs = {}
    for name, lr_k in lrs.items():
        grad_fn = minibatch_gradients(problem, batch_size, seed)
        opt = make_optimizer(name, lr=lr_k)
        runs[name] = run(opt, grad_fn, surface.start, steps, loss_fn=surface.value)
    return runs


def sparse_features(n=2000, freq=(0.5, 0.05, 0.005), noise=0.5, seed=0):
    r"""Least squares with binary features that are present at very different rates.

    Feature :math:`j` of example :math:`n` is 1 with probability ``freq[j]`` and 0
    otherwise (think of a word that appears in a sentence, or not); the targets are
    :math:`y_n = \sum_j x_{nj} + \text{noise}\cdot\varepsilon_n`, so every true weight is
    1. A rare feature contributes to few gradients: with one learning rate for all weights
    its weight learns slowly. The start is :math:`\mathbf w_0 = \mathbf 0`.

    Parameters
    ----------
    n : int
        Number of examples :math:`N \ge 2`.
    freq : sequence of float
        Probability in (0, 1] that each feature is present; at least one.
    noise : float
        Standard deviation of the noise in the targets, >= 0.
    seed : int or numpy.random.Generator
        Source of the random features and noise.

    Returns
    -------
    LeastSquares
        As :func:`scaled_least_squares`; ``surface`` is a quadratic in ``len(freq)``
        dimensions (no plotting box when that is not 2). If a feature never occurs,
        ``w_star`` is the minimum-norm solution (0 for that weight).

    Examples
    --------
    >>> p = sparse_features(n=1000, freq=(0.5, 0.01))
    >>> p.X.shape, sorted(set(p.X.ravel().tolist()))
    ((1000, 2), [0.0, 1.0])
    """
    n = _validate.integer("n", n, lo=2)
    freq = _validate.array("freq", freq)
    if freq.ndim != 1 or len(freq) == 0 or np.any(freq <= 0) or np.any(freq > 1):
        raise ValueError(f"freq must be a non-empty sequence of numbers in (0, 1], got {freq}")
    noise = _validate.number("noise", noise, lo=0.0)
    gen = _validate.rng(seed)
    X = (gen.random((n, len(freq))) < freq).astype(float)
    y = X.sum(axis=1) + noise * gen.normal(size=n)
    H = X.T @ X / n
    w_star = np.linalg.pinv(H) @ (X.T @ y / n)
    E_star = float(0.5 * np.mean((X @ w_star - y) ** 2))
    start = np.zeros(len(freq))
    surface = quadratic(H, center=w_star, name="sparse features", start=start)
    surface.title = "Sparse binary features"
    return LeastSquares(X=X, y=y, H=H, w_star=w_star, E_star=E_star, surface=surface)


class LrSearch(NamedTuple):
    """What :func:`lr_search` found: the best rate of the grid and every run's final loss."""

    lr: float  # the grid's best learning rate
    grid: np.ndarray  # the learning rates tried
    final: np.ndarray  # final loss of each run (inf where the run diverged)
    trajectory: object  # the optimizers.Trajectory at the best rate


def lr_search(name, surface, grid, steps=150):
    r"""Pick the learning rate with the lowest final loss from a grid, for one optimizer.

    For every :math:`\eta` in ``grid`` the optimizer (torch's defaults otherwise) takes
    ``steps`` full-gradient steps from ``surface.start``; a run that diverges counts as
    infinitely bad. The best rate is the one with the lowest :math:`E` after the last
    step (the first of equal ones). This is the fairest simple comparison of optimizers:
    same start, same budget, each with the rate that suits it.

    Parameters
    ----------
    name : str
        A key of ``optimizers.OPTIMIZERS``.
    surface : Surface
        Has ``grad``, ``value`` and ``start`` (e.g. ``surfaces.SURFACES["ravine"]``).
    grid : sequence of float
        Learning rates to try, all > 0 (typically ``np.logspace(-3, 1, 9)``).
    steps : int
        Steps per run, >= 1.

    Returns
    -------
    LrSearch
        ``lr``, ``grid``, ``final`` and the ``trajectory`` at the best rate. If every run
        diverged, ``lr`` is nan and ``trajectory`` the run at the smallest rate.

    Examples
    --------
    >>> from course_utils.surfaces import bowl
    >>> s = lr_search("SGD", bowl(1.0, 10.0), [0.01, 0.1, 0.3])  # stable for eta < 0.2
    >>> float(s.lr), bool(np.isinf(s.final[2]))
    (0.1, True)
    """
    _validate.choice("name", name, list(OPTIMIZERS))
    grid = _validate.array("grid", grid, ndim=1)
    if len(grid) == 0 or np.any(grid <= 0):
        raise ValueError(f"grid must hold at least one learning rate, all > 0, got {grid}")
    steps = _validate.integer("steps", steps, lo=1)
    runs = []
    for lr in grid:
        opt = make_optimizer(name, lr=float(lr))
        runs.append(run(opt, surface.grad, surface.start, steps, loss_fn=surface.value))
    final = np.array([np.inf if t.diverged else t.losses[-1] for t in runs])
    if np.all(np.isinf(final)):
        return LrSearch(np.nan, grid, final, runs[int(np.argmin(grid))])
    best = int(np.argmin(final))
    return LrSearch(float(grid[best]), grid, final, runs[best])
