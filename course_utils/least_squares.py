r"""The linear least-squares problem the chapters share, and its mini-batch gradients.

A problem is :math:`N` examples :math:`(\mathbf x_n, y_n)` and the full-batch loss

.. math::

    E(\mathbf w) = \frac{1}{2N}\lVert\mathbf X\mathbf w - \mathbf y\rVert^2
    = E^* + \tfrac12(\mathbf w-\mathbf w^*)^\top\mathbf H(\mathbf w-\mathbf w^*),
    \qquad \mathbf H = \mathbf X^\top\mathbf X/N,

a quadratic whose Hessian is known exactly, so its contours are exact ellipses and the
excess loss :math:`E(\mathbf w) - E^*` can be drawn on a log scale. A mini-batch of
:math:`B` examples gives a noisy gradient of this same quadratic
(:func:`minibatch_gradients`, shuffled epochs; :func:`sampled_gradients`, batches drawn
with replacement, whose covariance :func:`gradient_covariance` gives). Chapters 3 to 6
build their problems as a :class:`LeastSquares` (:func:`least_squares_ravine` and
:func:`least_squares_problem` here, others in the chapters).
"""

from typing import NamedTuple

import numpy as np

from course_utils import _validate
from course_utils.data import minibatch_stream
from course_utils.surfaces import Surface, bowl, quadratic


class LeastSquares(NamedTuple):
    r"""A least-squares problem :math:`E(\mathbf w) = \frac{1}{2N}\lVert\mathbf X\mathbf w -
    \mathbf y\rVert^2 = E^* + \tfrac12(\mathbf w-\mathbf w^*)^\top\mathbf H(\mathbf w-\mathbf
    w^*)` whose Hessian :math:`\mathbf H = \mathbf X^\top\mathbf X/N` is known exactly."""

    X: np.ndarray  # (N, d) features
    y: np.ndarray  # (N,) targets
    H: np.ndarray  # (d, d) Hessian of the full-batch loss, X^T X / N
    w_star: np.ndarray  # (d,) the least-squares solution
    E_star: float  # the full-batch loss at w_star (the noise left over)
    surface: Surface  # the excess loss E(w) - E*, for contour plots and the runner


def least_squares_ravine(
    n=64, lam_min=0.2, lam_max=10.0, angle=np.pi / 6, w_star=(2.0, 1.0), noise=1.0, seed=0
):
    r"""A ravine made of data: least squares with two ill-conditioned, correlated features.

    Standard normal inputs :math:`\mathbf Z` are whitened (:math:`\mathbf Z^\top\mathbf Z/N =
    \mathbf I` exactly) and mapped to :math:`\mathbf X = \mathbf Z\,\mathrm{diag}(
    \sqrt{\lambda_{\min}}, \sqrt{\lambda_{\max}})\,\mathbf R_\theta^\top`, so that
    :math:`\mathbf H = \mathbf X^\top\mathbf X/N = \mathbf R_\theta\,\mathrm{diag}(
    \lambda_{\min}, \lambda_{\max})\,\mathbf R_\theta^\top` exactly. The targets are
    :math:`\mathbf y = \mathbf X\mathbf w^* + \boldsymbol\epsilon` with Gaussian noise
    projected orthogonal to the columns of :math:`\mathbf X`, so :math:`\mathbf w^*` is
    exactly the least-squares solution and :math:`E^* = \lVert\boldsymbol\epsilon\rVert^2
    / (2N)`. A mini-batch gives a noisy gradient of this same ravine.

    Parameters
    ----------
    n : int
        Number of examples :math:`N \ge 3`.
    lam_min, lam_max : float
        Eigenvalues of :math:`\mathbf H`, :math:`0 < \lambda_{\min} \le \lambda_{\max}`.
    angle : float
        Rotation :math:`\theta` of the shallow direction, in radians.
    w_star : array_like of shape (2,)
        The least-squares solution.
    noise : float
        Standard deviation of the noise before projection, >= 0.
    seed : int or numpy.random.Generator

    Returns
    -------
    LeastSquares

    Examples
    --------
    >>> p = least_squares_ravine(n=64, lam_min=1.0, lam_max=50.0)
    >>> np.round(np.linalg.eigvalsh(p.X.T @ p.X / 64), 10).tolist()
    [1.0, 50.0]
    """
    n = _validate.integer("n", n, lo=3)
    noise = _validate.number("noise", noise, lo=0.0)
    w_star = _validate.array("w_star", w_star, shape=(2,))
    rng = _validate.rng(seed)
    box = ((w_star[0] - 5, w_star[0] + 5), (w_star[1] - 4, w_star[1] + 4))
    start = w_star + np.array([-4.0, -1.0])
    surface = bowl(
        lam_min, lam_max, angle, center=w_star, name="least squares", start=start, bounds=box
    )
    lam, U = np.linalg.eigh(surface.hessian(w_star))
    Z = rng.standard_normal((n, 2))
    s, Q = np.linalg.eigh(Z.T @ Z / n)
    Z = Z @ Q @ np.diag(s**-0.5) @ Q.T  # now Z^T Z / n = I
    X = Z @ np.diag(np.sqrt(lam)) @ U.T
    eps = noise * rng.standard_normal(n)
    eps = eps - X @ np.linalg.solve(X.T @ X, X.T @ eps)  # orthogonal to the columns of X
    H = X.T @ X / n
    surface.title = f"Least-squares ravine (κ = {lam[1] / lam[0]:.3g})"
    E_star = float(eps @ eps / (2 * n))
    return LeastSquares(X=X, y=X @ w_star + eps, H=H, w_star=w_star, E_star=E_star, surface=surface)


def minibatch_gradients(problem, batch_size=None, seed=0):
    r"""Return ``grad_fn(w)`` that gives the gradient of the next mini-batch at each call.

    The batches come from shuffled epochs (``data.minibatch_stream`` with a generator seeded by
    ``seed``), one after another, so two optimizers given two such functions with the
    same seed see exactly the same batches. The batch gradient is
    :math:`\frac1B X_B^\top (X_B \mathbf w - \mathbf y_B)`.

    Parameters
    ----------
    problem : LeastSquares
        The problem (its ``X`` and ``y``).
    batch_size : int, optional
        :math:`B` in [1, N]; default N (full batch).
    seed : int
        Seeds the shuffling.

    Returns
    -------
    callable
    """
    X, y = problem.X, problem.y
    B = len(X) if batch_size is None else _validate.integer("batch_size", batch_size, 1, len(X))
    stream = minibatch_stream(X, y, B, _validate.rng(seed))

    def grad_fn(w):
        Xb, yb = next(stream)
        return Xb.T @ (Xb @ w - yb) / len(Xb)

    return grad_fn


def least_squares_problem(X, y, start=None):
    r"""The :class:`LeastSquares` problem of any data: features ``X`` (N, d), targets ``y``.

    :math:`\mathbf w^*` solves the normal equations :math:`\mathbf H\mathbf w^* =
    \mathbf X^\top\mathbf y/N` (``X`` must have full column rank), :math:`E^*` is the
    loss there and ``surface`` the excess loss :math:`\tfrac12(\mathbf w -
    \mathbf w^*)^\top\mathbf H(\mathbf w - \mathbf w^*)`, starting at ``start`` (default
    :math:`\mathbf w^* + \mathbf 1`).

    Examples
    --------
    >>> p = least_squares_problem([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]], [1.0, 4.0, 3.0])
    >>> p.w_star.round(12).tolist(), round(p.E_star, 12)  # y = X (1, 2) exactly
    ([1.0, 2.0], 0.0)
    """
    X = _validate.array("X", X, ndim=2)
    y = _validate.array("y", y).reshape(-1)
    if len(y) != len(X):
        raise ValueError(f"y must have one entry per row of X ({len(X)}), got {len(y)}")
    N, d = X.shape
    H = X.T @ X / N
    if np.linalg.matrix_rank(H) < d:
        raise ValueError(f"X must have full column rank ({d}), got rank {np.linalg.matrix_rank(H)}")
    w_star = np.linalg.solve(H, X.T @ y / N)
    r = X @ w_star - y
    start = w_star + 1.0 if start is None else _validate.array("start", start, shape=(d,))
    surface = quadratic(H, center=w_star, name="least squares", title="Least squares",
                        start=start)  # fmt: skip
    return LeastSquares(X=X, y=y, H=H, w_star=w_star, E_star=float(r @ r / (2 * N)),
                        surface=surface)  # fmt: skip


def sampled_gradients(problem, batch_size=1, seed=0):
    r"""Return ``grad_fn(w)``: the gradient of a batch drawn with replacement at each call.

    Each call draws :math:`B` indices independently and uniformly from the :math:`N`
    examples (the sampling of stochastic approximation theory, e.g. Bottou, Curtis &
    Nocedal 2018) and returns :math:`\frac1B X_B^\top(X_B\mathbf w - \mathbf y_B)`. The
    estimate is unbiased with covariance :math:`\boldsymbol\Sigma(\mathbf w)/B`
    (:func:`gradient_covariance`). ``w`` may also be a ``(K, d)`` array of :math:`K`
    points, for :math:`K` independent runs side by side: each row gets its own batch.

    Parameters
    ----------
    problem : LeastSquares
    batch_size : int
        :math:`B \ge 1` (it may exceed :math:`N`).
    seed : int or numpy.random.Generator

    Returns
    -------
    callable
    """
    X, y = problem.X, problem.y
    B = _validate.integer("batch_size", batch_size, lo=1)
    gen = _validate.rng(seed)

    def grad_fn(w):
        W = np.atleast_2d(w)
        idx = gen.integers(len(X), size=(len(W), B))
        Xb = X[idx]  # (K, B, d)
        r = np.einsum("kbd,kd->kb", Xb, W) - y[idx]
        G = np.einsum("kbd,kb->kd", Xb, r) / B
        return G.reshape(np.shape(w))

    return grad_fn


def gradient_covariance(problem, w):
    r"""The covariance :math:`\boldsymbol\Sigma(\mathbf w)` of one example's gradient.

    .. math::

        \boldsymbol\Sigma(\mathbf w) = \frac1N\sum_{n=1}^N (\mathbf g_n - \mathbf g)
        (\mathbf g_n - \mathbf g)^\top, \qquad
        \mathbf g_n = \mathbf x_n(\mathbf x_n^\top\mathbf w - y_n), \quad
        \mathbf g = \nabla E(\mathbf w),

    so that a batch of :math:`B` examples drawn with replacement has covariance
    :math:`\boldsymbol\Sigma/B`, and its trace is the mean squared distance of one
    example's gradient from the full one (chapter 3's :math:`\sigma^2`).

    Examples
    --------
    >>> p = least_squares_problem([[1.0], [1.0]], [0.0, 2.0])  # w* = 1: g_n = -1, +1
    >>> gradient_covariance(p, p.w_star).tolist()
    [[1.0]]
    """
    w = _validate.array("w", w, shape=(problem.X.shape[1],))
    G = problem.X * (problem.X @ w - problem.y)[:, None]
    D = G - G.mean(axis=0)
    return D.T @ D / len(G)
