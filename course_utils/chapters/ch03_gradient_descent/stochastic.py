r"""Numerics of chapter 3: the loss that mini-batches estimate, and how noisy they are.

- :func:`least_squares_surface`: the full-batch loss of the two-parameter linear model
  :math:`\hat y = w x + b` as a :class:`~course_utils.surfaces.Surface`, so that a path
  in the :math:`(w, b)` plane can be drawn on its contours. For the mean squared error
  the loss is an exact quadratic,

  .. math::

      E(w, b) = \frac{1}{2N}\sum_{n=1}^N (w x_n + b - y_n)^2
              = E^\star + \tfrac12 (\theta - \theta^\star)^\top \mathbf H
                (\theta - \theta^\star),
      \qquad \mathbf H = \begin{pmatrix} \overline{x^2} & \bar x \\ \bar x & 1
      \end{pmatrix},

  with :math:`\theta = (w, b)`, so a whole contour grid costs a few array operations.
- :func:`per_example_gradients` and :func:`gradient_noise`: the spread of mini-batch
  gradients around the full gradient, measured, next to :func:`standard_error`, the
  prediction :math:`\sigma/\sqrt B` (times the finite-population correction).
- :class:`SineRegression`: the one-parameter model :math:`\hat y = \sin(w x)`, whose loss
  has several local minima, to compare batch and stochastic gradient descent on a bumpy
  landscape.
"""

from typing import NamedTuple

import numpy as np

from course_utils import _validate
from course_utils.optimizers import SGD, run
from course_utils.surfaces import Surface


def _column(name, X):
    X = _validate.array(name, X)
    if X.ndim == 2 and X.shape[1] == 1:
        X = X[:, 0]
    if X.ndim != 1 or len(X) == 0:
        raise ValueError(f"{name} must have shape (N,) or (N, 1) with N >= 1, got {X.shape}")
    return X


def least_squares_surface(X, y, start=None, bounds=None, half_width=3.0):
    r"""The mean-squared-error loss :math:`E(w, b)` of :math:`\hat y = w x + b` on ``(X, y)``.

    .. math::

        E(w, b) = \frac{1}{2N}\sum_{n=1}^N (w x_n + b - y_n)^2,

    the loss of ``nn.MLP([1, 1])`` (flat parameters ``[w, b]``), written with the
    averages :math:`\bar x, \overline{x^2}, \bar y, \overline{xy}, \overline{y^2}` so it
    is vectorised over any grid of :math:`(w, b)` points. The Hessian is the constant
    :math:`\mathbf H = \begin{pmatrix}\overline{x^2} & \bar x\\ \bar x & 1\end{pmatrix}`
    (its ``eigenvalues`` are stored on the surface) and the minimum
    :math:`\theta^\star` solves :math:`\mathbf H \theta^\star = (\overline{xy}, \bar y)`.

    Parameters
    ----------
    X : ndarray of shape (N,) or (N, 1)
        Inputs :math:`x_n`.
    y : ndarray of shape (N,) or (N, 1)
        Targets :math:`y_n`.
    start : array_like of shape (2,), optional
        Default starting point; default :math:`\theta^\star + (-2, 2)`.
    bounds : tuple, optional
        Plotting box ``((w_min, w_max), (b_min, b_max))``; default
        :math:`\theta^\star \pm` ``half_width``.
    half_width : float
        Half the side of the default plotting box.

    Returns
    -------
    Surface
        ``minima`` holds :math:`\theta^\star` (empty if all :math:`x_n` are equal, when the
        minimum is a whole line) and ``min_value`` is :math:`E^\star`.

    Examples
    --------
    >>> s = least_squares_surface([0.0, 1.0, 2.0], [1.0, 3.0, 5.0])  # y = 2x + 1 exactly
    >>> s.minima[0].round(12).tolist(), round(s.min_value, 12)
    ([2.0, 1.0], 0.0)
    >>> float(s.value([0.0, 0.0]))  # (1 + 9 + 25) / 6
    5.833333333333333
    """
    x = _column("X", X)
    t = _column("y", y)
    if len(t) != len(x):
        raise ValueError(f"y must have one entry per row of X ({len(x)}), got {len(t)}")
    mx, mxx, my, mxy, myy = (float(np.mean(a)) for a in (x, x * x, t, x * t, t * t))
    H = np.array([[mxx, mx], [mx, 1.0]])
    det = mxx - mx * mx  # the variance of x
    if det > 1e-12 * max(mxx, 1.0):
        theta = np.linalg.solve(H, [mxy, my])
        minima = theta[None, :]
    else:
        theta, minima = np.array([0.0, my]), np.empty((0, 2))
    half_width = _validate.positive("half_width", half_width)
    if bounds is None:
        bounds = [(c - half_width, c + half_width) for c in theta]
    start = (
        theta + np.array([-2.0, 2.0])
        if start is None
        else _validate.array("start", start, shape=(2,))
    )

    def value(p):
        w, b = p[..., 0], p[..., 1]
        return 0.5 * (w * w * mxx + 2 * w * b * mx + b * b - 2 * w * mxy - 2 * b * my + myy)

    def grad(p):
        w, b = p[..., 0], p[..., 1]
        return np.stack([w * mxx + b * mx - mxy, w * mx + b - my], axis=-1)

    def hessian(p):
        return np.broadcast_to(H, p.shape[:-1] + (2, 2)).copy()

    return Surface(
        "least_squares",
        f"Full-batch loss E(w, b), N = {len(x)}",
        r"\frac{1}{2N}\sum_n (w x_n + b - y_n)^2",
        value,
        grad,
        hessian,
        start,
        minima,
        bounds,
        np.linalg.eigvalsh(H),
    )


class SGDPath(NamedTuple):
    """The iterates of :func:`linear_sgd`."""

    path: np.ndarray  # (T+1, 2): w^(0), ..., w^(T), rows (w, b)
    steps_per_epoch: int  # ceil(N / B)
    diverged_at: int | None  # the step that failed (then T == diverged_at), or None


def linear_sgd(X, y, w0, lr, batch_size, epochs, seed=0, shuffle=True, bound=1e6):
    r"""Mini-batch gradient descent on :math:`\hat y = w x + b`.

    The same algorithm as :func:`course_utils.training.train` with
    ``MLP([1, 1])`` and ``SGD(lr=lr)`` (and the same random order for the same ``seed``),
    run by :func:`course_utils.optimizers.run` with the line's batch gradient: every epoch
    visits the examples in the order ``rng.permutation(N)`` (or ``0, …, N-1`` when
    ``shuffle`` is false) in batches of ``batch_size``, and every batch makes one step

    .. math::

        \begin{pmatrix} w \\ b \end{pmatrix} \leftarrow
        \begin{pmatrix} w \\ b \end{pmatrix} - \eta\, \frac1B \sum_{n \in \text{batch}}
        (w x_n + b - y_n) \begin{pmatrix} x_n \\ 1 \end{pmatrix}.

    Training stops at the first step whose result is not finite or exceeds ``bound``
    (``run``'s rule).

    Parameters
    ----------
    X, y : ndarray of shape (N,) or (N, 1)
        The training set.
    w0 : array_like of shape (2,)
        Start :math:`(w, b)`.
    lr : float
        :math:`\eta > 0`.
    batch_size : int
        :math:`B \in [1, N]`.
    epochs : int
        Passes through the data.
    seed : int or numpy.random.Generator
        Source of the shuffling.
    shuffle : bool
        Draw a fresh random order every epoch (otherwise the stored order every time).
    bound : float
        Parameters larger than this in absolute value count as divergence.

    Returns
    -------
    SGDPath

    Examples
    --------
    >>> X, y = np.array([1.0, 2.0]), np.array([1.0, 2.0])
    >>> r = linear_sgd(X, y, [0.0, 0.0], lr=0.5, batch_size=2, epochs=1)
    >>> r.path.tolist()  # gradient at 0: mean of -y x and -y = (-2.5, -1.5)
    [[0.0, 0.0], [1.25, 0.75]]
    """
    x, t = _column("X", X), _column("y", y)
    if len(t) != len(x):
        raise ValueError(f"y must have one entry per row of X ({len(x)}), got {len(t)}")
    N = len(x)
    w = _validate.array("w0", w0, shape=(2,)).copy()
    lr = _validate.positive("lr", lr)
    B = _validate.integer("batch_size", batch_size, lo=1, hi=N)
    epochs = _validate.integer("epochs", epochs, lo=0)
    bound = _validate.positive("bound", bound)
    gen = _validate.rng(seed) if shuffle else None
    per_epoch = -(-N // B)

    def batches():
        for _ in range(epochs):
            order = gen.permutation(N) if shuffle else np.arange(N)
            for start in range(0, N, B):
                yield order[start : start + B]

    stream = batches()

    def grad_fn(w):
        idx = next(stream)
        xb = x[idx]
        r = w[0] * xb + w[1] - t[idx]
        return np.array([r @ xb, r.sum()]) / len(idx)

    path = run(SGD(lr=lr), grad_fn, w, epochs * per_epoch, bound=bound)
    return SGDPath(path.points, per_epoch, path.diverged_at)


def per_example_gradients(model, w, X, y):
    r"""The gradients :math:`\nabla E_n(w)` of every example's own loss, one row each.

    Their mean is the full-batch gradient :math:`\nabla E(w) = \frac1N \sum_n \nabla
    E_n(w)`, and the mean of any ``B`` rows is a mini-batch gradient.

    Parameters
    ----------
    model : object
        Has ``flat_loss_and_grad(w, X, y)`` (e.g. :class:`course_utils.nn.MLP`).
    w : ndarray of shape (W,)
        Flat parameters.
    X, y : ndarray
        The training set, ``N`` rows.

    Returns
    -------
    ndarray of shape (N, W)

    Examples
    --------
    >>> from course_utils.nn import MLP
    >>> X, y = np.array([[1.0], [2.0]]), np.array([0.0, 0.0])
    >>> per_example_gradients(MLP([1, 1]), np.array([1.0, 0.0]), X, y).tolist()
    [[1.0, 1.0], [4.0, 2.0]]
    """
    if len(X) == 0 or len(X) != len(y):
        raise ValueError(f"X and y must have the same N >= 1 rows, got {len(X)} and {len(y)}")
    rows = [model.flat_loss_and_grad(w, X[n : n + 1], y[n : n + 1])[1] for n in range(len(X))]
    return np.array(rows)


def standard_error(sigma, B, N=None):
    r"""The spread :math:`\sigma_B` of a mean of ``B`` samples of spread :math:`\sigma`.

    .. math::

        \sigma_B = \frac{\sigma}{\sqrt B}\quad\text{(independent draws)},\qquad
        \sigma_B = \frac{\sigma}{\sqrt B}\sqrt{\frac{N - B}{N - 1}}
        \quad\text{(B distinct examples out of N)}.

    The square root is the finite-population correction: a batch of all ``N`` examples
    is the full batch itself, with no noise at all.

    Parameters
    ----------
    sigma : float or ndarray
        The spread of one sample, :math:`\sigma \ge 0`.
    B : int or ndarray of int
        Batch size(s), :math:`1 \le B` (and :math:`B \le N`).
    N : int, optional
        Population size for sampling without replacement.

    Returns
    -------
    float or ndarray

    Examples
    --------
    >>> standard_error(1.0, 4)
    0.5
    >>> standard_error(1.0, [1, 10], N=10).tolist()
    [1.0, 0.0]
    """
    sigma = np.asarray(sigma, dtype=float)
    B = np.asarray(B)
    if B.dtype.kind not in "iu" or np.any(B < 1):
        raise ValueError(f"B must hold integers >= 1, got {B.tolist()}")
    if np.any(sigma < 0) or not np.all(np.isfinite(sigma)):
        raise ValueError("sigma must be finite and >= 0")
    se = sigma / np.sqrt(B)
    if N is not None:
        N = _validate.integer("N", N, lo=1)
        if np.any(B > N):
            raise ValueError(f"B must be <= N = {N}, got {B.tolist()}")
        se = se * (np.sqrt((N - B) / (N - 1)) if N > 1 else 0.0)
    return float(se) if se.ndim == 0 else se


class GradientNoise(NamedTuple):
    r"""Measured spread of mini-batch gradients around the full gradient."""

    B: np.ndarray  # the batch sizes
    spread: np.ndarray  # measured sqrt(mean ||g_B - g||^2) over the trials
    predicted: np.ndarray  # standard_error(sigma, B, N)
    sigma: float  # spread of one example's gradient, sqrt(mean_n ||g_n - g||^2)
    g: np.ndarray  # the full-batch gradient, mean of the rows of G
    trials: int  # mini-batches drawn for each B


def gradient_noise(G, batch_sizes, trials=1000, seed=0):
    r"""Draw mini-batches of distinct examples and measure how far their gradient strays.

    For each batch size :math:`B`, ``trials`` batches of :math:`B` distinct rows of ``G``
    are drawn uniformly at random; each gives a mini-batch gradient
    :math:`g_B = \frac1B\sum_{n \in \text{batch}} g_n`, and the spread is the root mean
    square :math:`\sqrt{\operatorname{mean}\lVert g_B - g\rVert^2}` around the full
    gradient :math:`g`. Theory (:func:`standard_error`) predicts
    :math:`\frac{\sigma}{\sqrt B}\sqrt{\frac{N-B}{N-1}}` with
    :math:`\sigma^2 = \frac1N\sum_n \lVert g_n - g\rVert^2`.

    Parameters
    ----------
    G : ndarray of shape (N, W)
        Per-example gradients (:func:`per_example_gradients`).
    batch_sizes : sequence of int
        Batch sizes in :math:`[1, N]`.
    trials : int
        Mini-batches drawn per batch size.
    seed : int or numpy.random.Generator
        Source of the random batches.

    Returns
    -------
    GradientNoise

    Examples
    --------
    >>> G = np.array([[1.0], [-1.0], [1.0], [-1.0]])  # every row is 1 away from g = 0
    >>> r = gradient_noise(G, [1, 4], trials=500)
    >>> r.sigma, np.round(r.spread, 12).tolist()  # B = N is the full batch: no noise
    (1.0, [1.0, 0.0])
    """
    G = _validate.array("G", G, ndim=2)
    N = len(G)
    if N == 0:
        raise ValueError("G must have at least one row")
    Bs = np.array([_validate.integer("batch size", B, lo=1, hi=N) for B in batch_sizes], dtype=int)
    trials = _validate.integer("trials", trials, lo=1)
    gen = _validate.rng(seed)
    g = G.mean(axis=0)
    sigma = float(np.sqrt(np.mean(np.sum((G - g) ** 2, axis=1))))
    spread = []
    for B in Bs:
        keys = gen.random((trials, N))  # a random subset: the B smallest keys of each row
        idx = np.argpartition(keys, B - 1, axis=1)[:, :B]
        g_B = G[idx].mean(axis=1)
        spread.append(np.sqrt(np.mean(np.sum((g_B - g) ** 2, axis=1))))
    return GradientNoise(Bs, np.array(spread), standard_error(sigma, Bs, N), sigma, g, trials)


class SineRegression:
    r"""The one-parameter model :math:`\hat y = \sin(w x)` with the mean squared error.

    .. math::

        E(w) = \frac1N \sum_{n=1}^N \tfrac12\left(\sin(w x_n) - y_n\right)^2,\qquad
        \frac{dE}{dw} = \frac1N \sum_{n=1}^N \left(\sin(w x_n) - y_n\right)\cos(w x_n)\,x_n.

    Fitting a frequency gives a bumpy loss with several local minima, yet the model has
    the interface of :func:`course_utils.training.train` (``get_flat``, ``set_flat``,
    ``flat_loss_and_grad``), so batch and stochastic gradient descent can be compared
    on it.

    Parameters
    ----------
    w : float
        The starting frequency.

    Examples
    --------
    >>> m = SineRegression(w=1.0)
    >>> X, y = np.array([[0.0], [np.pi / 2]]), np.array([0.0, 0.0])
    >>> E, g = m.flat_loss_and_grad(np.array([1.0]), X, y)
    >>> round(E, 12), np.round(g, 12).tolist()  # sin(pi/2) = 1, cos(pi/2) = 0
    (0.25, [0.0])
    """

    n_params = 1

    def __init__(self, w=0.0):
        self.w = np.array([_validate.number("w", w)])

    def __repr__(self):
        return f"SineRegression(w={self.w[0]:g})"

    def get_flat(self):
        """A copy of the parameter vector ``[w]``."""
        return self.w.copy()

    def set_flat(self, w):
        """Set the parameter vector ``[w]``."""
        self.w = _validate.array("w", w, shape=(1,)).copy()

    def flat_loss_and_grad(self, w, X, y):
        """Return ``(E, g)`` on the batch ``(X, y)`` at ``w`` (shape (1,)); ``g`` has shape (1,)."""
        x, t = _column("X", X), _column("y", y)
        z = w[0] * x
        r = np.sin(z) - t
        return float(0.5 * np.mean(r * r)), np.array([np.mean(r * np.cos(z) * x)])

    @staticmethod
    def loss_curve(ws, X, y):
        r"""The full loss :math:`E(w)` at every entry of ``ws`` (vectorised), same shape."""
        ws = _validate.array("ws", ws)
        x, t = _column("X", X), _column("y", y)
        r = np.sin(ws[..., None] * x) - t
        return 0.5 * np.mean(r * r, axis=-1)


def make_sine_data(n=64, w=2.0, noise=0.1, x_max=3.0, seed=0):
    r"""Data for :class:`SineRegression`: :math:`x_n \sim U(0, x_{\max})`,
    :math:`y_n = \sin(w x_n) + \varepsilon_n`, :math:`\varepsilon_n \sim N(0, \text{noise}^2)`.

    Returns
    -------
    tuple of ndarray
        ``X`` of shape (n, 1) and ``y`` of shape (n,).

    Examples
    --------
    >>> X, y = make_sine_data(n=5, noise=0.0)
    >>> np.allclose(y, np.sin(2.0 * X[:, 0]))
    True
    """
    n = _validate.integer("n", n, lo=1)
    w = _validate.number("w", w)
    noise = _validate.number("noise", noise, lo=0.0)
    x_max = _validate.positive("x_max", x_max)
    gen = _validate.rng(seed)
    x = gen.uniform(0.0, x_max, size=n)
    return x[:, None], np.sin(w * x) + noise * gen.normal(size=n)
