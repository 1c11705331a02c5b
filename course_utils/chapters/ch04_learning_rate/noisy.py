r"""Inexact gradients (chapter 4): a noisy-gradient model, and the bias and variance of
gradient estimates.

- :func:`noisy_gradient` turns an exact gradient :math:`\nabla E(\mathbf w)` into a seeded
  stream of noisy ones that imitate mini-batches of :math:`B` examples out of :math:`N`,

  .. math::

      \tilde{\mathbf g}(\mathbf w) = \nabla E(\mathbf w) + s_B\,\boldsymbol\xi, \qquad
      \boldsymbol\xi \sim \mathcal N(\mathbf 0, \mathbf I), \qquad
      s_B = \frac{\sigma}{\sqrt B}\sqrt{\frac{N - B}{N - 1}},

  so the noise shrinks like :math:`1/\sqrt B` and vanishes for the full batch
  :math:`B = N` (chapter 3's ``stochastic.standard_error`` gives :math:`s_B`). It lets
  a two-dimensional test surface such as ``SURFACES["cliff"]`` be descended "stochastically".
- :func:`gradient_estimates` and :func:`estimator_stats` draw real mini-batch gradients
  from per-example gradients, optionally clipped, and measure the two parts of their error:
  the **bias** :math:`\lVert \mathbb E[\hat{\mathbf g}] - \mathbf g\rVert` and the
  **variance** :math:`\mathbb E\lVert \hat{\mathbf g} - \mathbb E[\hat{\mathbf g}]\rVert^2`.
  A mini-batch mean is unbiased with variance
  :math:`\frac{\sigma^2}{B}\frac{N-B}{N-1}`; clipping it lowers the variance but adds a bias.
- :func:`small_least_squares` and :func:`sgd_run`: the chapter's two-weight stochastic
  problem and plain SGD on it with a learning-rate schedule, to watch SGD settle into a
  "noise ball" around the minimum with a constant rate and shrink it with a decaying one.
- :func:`window_means`: the mean of a noisy curve (SGD's loss per step) over windows,
  e.g. one per epoch.
"""

from typing import NamedTuple

import numpy as np

from course_utils import _validate
from course_utils.chapters.ch03_gradient_descent.stochastic import standard_error
from course_utils.least_squares import least_squares_ravine, minibatch_gradients
from course_utils.optimizers import SGD, run


def noisy_gradient(grad, sigma, batch_size, N=None, seed=0):
    r"""Return ``grad_fn(w)``: the exact gradient plus Gaussian noise of a mini-batch's size.

    Every call draws a fresh :math:`\boldsymbol\xi \sim \mathcal N(\mathbf 0, \mathbf I)`
    from a generator seeded by ``seed`` and returns
    :math:`\nabla E(\mathbf w) + s_B \boldsymbol\xi` with
    :math:`s_B = \sigma/\sqrt B` (times :math:`\sqrt{(N-B)/(N-1)}` when ``N`` is given).
    Two functions made with the same seed produce the same noise, call for call, so two
    runs (say, with and without clipping) can be compared on the same "mini-batches".

    Parameters
    ----------
    grad : callable
        ``grad(w)`` returns the exact gradient, shaped like ``w``.
    sigma : float
        :math:`\sigma \ge 0`, the spread of one example's gradient in each coordinate.
    batch_size : int
        :math:`B \ge 1` (and :math:`B \le N`).
    N : int, optional
        Size of the imagined training set; :math:`B = N` then gives the exact gradient.
    seed : int or numpy.random.Generator
        Source of the noise.

    Returns
    -------
    callable
        ``grad_fn(w)``, an ndarray shaped like ``w``; its attribute ``noise_std`` is
        :math:`s_B`.

    Examples
    --------
    >>> g = noisy_gradient(lambda w: 2 * w, sigma=1.0, batch_size=64, N=64)
    >>> g(np.array([1.0, -1.0])).tolist(), g.noise_std  # the full batch: no noise
    ([2.0, -2.0], 0.0)
    >>> noisy_gradient(lambda w: 2 * w, sigma=1.0, batch_size=4).noise_std
    0.5
    """
    if not callable(grad):
        raise TypeError(f"grad must be callable, got {type(grad).__name__}")
    sigma = _validate.number("sigma", sigma, lo=0.0)
    if N is not None:
        N = _validate.integer("N", N, lo=1)
    B = _validate.integer("batch_size", batch_size, lo=1, hi=N)
    s = standard_error(sigma, B, N)
    gen = _validate.rng(seed)

    def grad_fn(w):
        g = np.asarray(grad(w), dtype=float)
        xi = gen.standard_normal(g.shape)  # drawn even when s = 0: same stream for every B
        with np.errstate(invalid="ignore", over="ignore"):  # an infinite gradient stays inf
            return g + s * xi

    grad_fn.noise_std = s
    return grad_fn


def _batch_indices(gen, N, B, trials):
    """``trials`` rows of ``B`` distinct indices out of ``N``, uniformly at random."""
    keys = gen.random((trials, N))  # the B smallest keys of a row: a uniform random subset
    return np.argpartition(keys, B - 1, axis=1)[:, :B]


def gradient_estimates(G, batch_size, trials=1000, clip_norm=None, seed=0):
    r"""Draw ``trials`` mini-batch gradients from per-example gradients ``G``.

    Each estimate is :math:`\hat{\mathbf g} = \frac1B \sum_{n \in \mathcal B} \mathbf g_n`
    over a batch :math:`\mathcal B` of :math:`B` distinct rows of ``G`` chosen uniformly at
    random, then, if ``clip_norm`` is given, clipped to that norm by the rule of
    :func:`course_utils.clipping.clip_by_global_norm` (each estimate on its own, as a
    training step would; here vectorised over the estimates).

    Parameters
    ----------
    G : ndarray of shape (N, W)
        Per-example gradients :math:`\mathbf g_n` (their mean is the full gradient).
    batch_size : int
        :math:`B \in [1, N]`.
    trials : int
        Number of estimates, :math:`\ge 1`.
    clip_norm : float, optional
        Clipping threshold :math:`c > 0`.
    seed : int or numpy.random.Generator
        Source of the random batches.

    Returns
    -------
    ndarray of shape (trials, W)

    Examples
    --------
    >>> G = np.array([[3.0, 0.0], [-1.0, 0.0]])
    >>> gradient_estimates(G, 2, trials=2).tolist()  # B = N: the full gradient every time
    [[1.0, 0.0], [1.0, 0.0]]
    """
    G = _validate.array("G", G, ndim=2)
    N = len(G)
    if N == 0:
        raise ValueError("G must have at least one row")
    B = _validate.integer("batch_size", batch_size, lo=1, hi=N)
    trials = _validate.integer("trials", trials, lo=1)
    if clip_norm is not None:
        clip_norm = _validate.positive("clip_norm", clip_norm)
    g_hat = G[_batch_indices(_validate.rng(seed), N, B, trials)].mean(axis=1)
    if clip_norm is not None:
        norms = np.sqrt(np.sum(g_hat**2, axis=1))
        coef = np.minimum(clip_norm / (norms + 1e-6), 1.0)  # torch's rule, row by row
        g_hat = g_hat * coef[:, None]
    return g_hat


class EstimatorStats(NamedTuple):
    r"""Bias and variance of mini-batch gradient estimates, one entry per batch size."""

    B: np.ndarray  # the batch sizes
    bias: np.ndarray  # ||mean of the estimates - g||
    variance: np.ndarray  # mean ||g_hat - mean of the estimates||^2 (trace of the covariance)
    mc_error: np.ndarray  # sqrt(variance / trials): the sampling error of the measured mean
    predicted_variance: np.ndarray  # sigma^2 / B (N - B) / (N - 1), unclipped theory
    sigma: float  # spread of one example's gradient, sqrt(mean_n ||g_n - g||^2)
    g: np.ndarray  # the full gradient, mean of the rows of G
    trials: int  # estimates drawn per batch size


def estimator_stats(G, batch_sizes, trials=2000, clip_norm=None, seed=0):
    r"""Measure the bias and variance of (clipped) mini-batch gradients for several :math:`B`.

    With the estimates :math:`\hat{\mathbf g}_1, \dots, \hat{\mathbf g}_M` of
    :func:`gradient_estimates` and their mean :math:`\bar{\mathbf g}`:

    .. math::

        \text{bias} = \lVert \bar{\mathbf g} - \mathbf g\rVert, \qquad
        \text{variance} = \frac1M \sum_{m} \lVert \hat{\mathbf g}_m - \bar{\mathbf g}\rVert^2,

    and the mean squared error :math:`\mathbb E\lVert\hat{\mathbf g} - \mathbf g\rVert^2`
    is bias² + variance. Without clipping theory gives bias 0 and variance
    :math:`\frac{\sigma^2}{B}\frac{N-B}{N-1}`, :math:`\sigma^2 = \frac1N\sum_n\lVert
    \mathbf g_n - \mathbf g\rVert^2`; the measured bias of an unbiased estimate is of the
    order of ``mc_error``, not exactly 0.

    Parameters
    ----------
    G : ndarray of shape (N, W)
        Per-example gradients.
    batch_sizes : sequence of int
        Batch sizes in :math:`[1, N]`.
    trials : int
        Estimates per batch size, :math:`\ge 2`.
    clip_norm : float, optional
        Clip every estimate to this norm.
    seed : int or numpy.random.Generator
        Source of the random batches.

    Returns
    -------
    EstimatorStats

    Examples
    --------
    >>> G = np.array([[3.0], [-1.0]])  # g = 1; one example gives 3 or -1
    >>> r = estimator_stats(G, [2], trials=10)
    >>> r.bias.tolist(), r.variance.tolist()  # B = N: exact
    ([0.0], [0.0])
    """
    G = _validate.array("G", G, ndim=2)
    if len(G) == 0:
        raise ValueError("G must have at least one row")
    N = len(G)
    Bs = np.array([_validate.integer("batch size", B, lo=1, hi=N) for B in batch_sizes], dtype=int)
    trials = _validate.integer("trials", trials, lo=2)
    gen = _validate.rng(seed)
    g = G.mean(axis=0)
    sigma = float(np.sqrt(np.mean(np.sum((G - g) ** 2, axis=1))))
    bias, var = [], []
    for B in Bs:
        est = gradient_estimates(G, int(B), trials, clip_norm, gen)
        mean = est.mean(axis=0)
        bias.append(float(np.sqrt(np.sum((mean - g) ** 2))))
        var.append(float(np.mean(np.sum((est - mean) ** 2, axis=1))))
    var = np.array(var)
    return EstimatorStats(
        B=Bs,
        bias=np.array(bias),
        variance=var,
        mc_error=np.sqrt(var / trials),
        predicted_variance=np.asarray(standard_error(sigma, Bs, N)) ** 2,
        sigma=sigma,
        g=g,
        trials=trials,
    )


# --- SGD on a small least-squares problem, with a schedule ---------------------------------
def small_least_squares(seed=0):
    r"""The chapter's stochastic problem: least squares with :math:`N = 64` examples, 2 weights.

    :func:`~course_utils.least_squares.least_squares_ravine` with Hessian eigenvalues
    0.5 and 6 (:math:`\kappa = 12`, so gradient descent is stable for :math:`\eta < 1/3`),
    solution :math:`\mathbf w^* = (2, 1)` and target noise of standard deviation 1, so a
    single example's gradient does not vanish at :math:`\mathbf w^*`.

    Returns
    -------
    LeastSquares
        ``X``, ``y``, ``H``, ``w_star``, ``E_star`` and ``surface`` (the excess loss
        :math:`E(\mathbf w) - E^*`, for contours).

    Examples
    --------
    >>> p = small_least_squares()
    >>> p.X.shape, np.round(np.linalg.eigvalsh(p.H), 12).tolist()
    ((64, 2), [0.5, 6.0])
    """
    p = least_squares_ravine(n=64, lam_min=0.5, lam_max=6.0, noise=1.0, seed=seed)
    p.surface.title = "Least squares, N = 64 (κ = 12)"
    return p


def sgd_run(
    problem,
    lr,
    batch_size=None,
    steps=300,
    schedule=None,
    clip_norm=None,
    seed=0,
    w0=None,
    bound=1e3,
):
    r"""Plain mini-batch SGD on a least-squares ``problem``, optionally with a schedule.

    The batches come from shuffled epochs (:func:`~course_utils.least_squares.minibatch_gradients`,
    seeded by ``seed``); step :math:`t` uses the learning rate ``schedule(t)`` (or ``lr``)
    and :func:`course_utils.optimizers.run` records the path and stops cleanly on
    divergence.

    Parameters
    ----------
    problem : LeastSquares
        E.g. :func:`small_least_squares`; ``problem.surface`` is the excess loss.
    lr : float
        :math:`\eta > 0` (ignored where ``schedule`` is given).
    batch_size : int, optional
        :math:`B \in [1, N]`, default :math:`N` (batch gradient descent).
    steps : int
        Number of updates, :math:`\ge 0`.
    schedule : callable, optional
        ``schedule(t)`` gives :math:`\eta_t` (see :mod:`course_utils.schedules`).
    clip_norm : float, optional
        Clip each mini-batch gradient to this norm.
    seed : int
        Seeds the shuffling.
    w0 : array_like of shape (2,), optional
        Start; default ``problem.surface.start``.
    bound : float
        A coordinate larger than this in size counts as divergence.

    Returns
    -------
    Trajectory
        ``losses`` holds the full-batch excess loss :math:`E(\mathbf w_t) - E^*`.

    Examples
    --------
    >>> p = small_least_squares()
    >>> traj = sgd_run(p, lr=0.3, steps=200)  # batch gradient descent, eta < 1/3
    >>> bool(traj.losses[-1] < 1e-12), traj.diverged
    (True, False)
    """
    w0 = problem.surface.start if w0 is None else _validate.array("w0", w0, shape=(2,))
    grad_fn = minibatch_gradients(problem, batch_size, seed)
    return run(
        SGD(lr=lr),
        grad_fn,
        w0,
        steps,
        loss_fn=problem.surface.value,
        schedule=schedule,
        clip_norm=clip_norm,
        bound=bound,
    )


def window_means(values, size):
    r"""Average ``values`` over consecutive windows of ``size`` entries (a partial last
    window is dropped), to see the trend of a noisy curve such as SGD's loss per step.

    Parameters
    ----------
    values : array_like of shape (n,)
        E.g. the loss at every step.
    size : int
        Window length, :math:`1 \le` ``size`` :math:`\le n`.

    Returns
    -------
    centres : ndarray of shape (n // size,)
        The middle index of each window, :math:`(k + \tfrac12)\,\text{size} - \tfrac12`.
    means : ndarray of shape (n // size,)
        The mean of each window.

    Examples
    --------
    >>> window_means([1.0, 3.0, 5.0, 7.0, 9.0], 2)
    (array([0.5, 2.5]), array([2., 6.]))
    """
    x = _validate.array("values", values, ndim=1)
    size = _validate.integer("size", size, lo=1, hi=max(len(x), 1))
    k = len(x) // size
    centres = (np.arange(k) + 0.5) * size - 0.5
    return centres, x[: k * size].reshape(k, size).mean(axis=1)
