r"""Small data sets for the chapters, and the mini-batch iterator.

Everything is generated from a seed or bundled with scikit-learn: nothing is downloaded.
Regression targets have shape ``(n, 1)``; classification labels are integers of shape
``(n,)``.
"""

from typing import NamedTuple

import numpy as np

from course_utils import _validate

KINDS = ("moons", "blobs", "spirals")


class Dataset(NamedTuple):
    """A data set: inputs ``X`` of shape ``(n, d)`` and targets ``y``."""

    X: np.ndarray  #: inputs, shape (n, d)
    y: np.ndarray  #: targets, shape (n, 1) for regression, integer labels (n,) for classes
    name: str  #: a short name, e.g. "moons"
    task: str  #: "regression" or "classification"
    n_classes: int | None  #: number of classes, None for regression


def make_regression(n=200, noise=0.3, seed=0, x_min=-3.0, x_max=3.0):
    r"""A 1-D nonlinear regression problem: :math:`y = \sin(x) + \varepsilon`.

    Parameters
    ----------
    n : int
        Number of examples.
    noise : float
        Standard deviation of the Gaussian noise :math:`\varepsilon`.
    seed : int or numpy.random.Generator
    x_min, x_max : float
        The inputs are drawn uniformly from ``[x_min, x_max]``.

    Returns
    -------
    Dataset
        ``X`` and ``y`` of shape ``(n, 1)``.

    Examples
    --------
    >>> data = make_regression(n=50, seed=1)
    >>> data.X.shape, data.y.shape
    ((50, 1), (50, 1))
    """
    n = _validate.integer("n", n, lo=1)
    noise = _validate.number("noise", noise, lo=0)
    x_min = _validate.number("x_min", x_min)
    x_max = _validate.number("x_max", x_max, lo=x_min, lo_open=True)
    gen = _validate.rng(seed)
    X = gen.uniform(x_min, x_max, size=(n, 1))
    y = np.sin(X) + noise * gen.normal(size=(n, 1))
    return Dataset(X, y, "sine", "regression", None)


def make_linear_regression(n=100, w=2.0, b=-1.0, noise=0.5, seed=0):
    r"""A straight line with noise, :math:`y = w x + b + \varepsilon`, :math:`x \sim U(-2, 2)`.

    The model ``MLP([1, 1])`` has exactly the two parameters ``[w, b]``, so its error
    surface can be drawn in the plane.

    Returns
    -------
    Dataset
        ``X`` and ``y`` of shape ``(n, 1)``.

    Examples
    --------
    >>> data = make_linear_regression(n=10, noise=0.0)
    >>> bool(np.allclose(data.y, 2.0 * data.X - 1.0))
    True
    """
    n = _validate.integer("n", n, lo=1)
    w = _validate.number("w", w)
    b = _validate.number("b", b)
    noise = _validate.number("noise", noise, lo=0)
    gen = _validate.rng(seed)
    X = gen.uniform(-2.0, 2.0, size=(n, 1))
    y = w * X + b + noise * gen.normal(size=(n, 1))
    return Dataset(X, y, "line", "regression", None)


def _class_counts(n, k):
    """Split ``n`` examples into ``k`` classes as evenly as possible."""
    return [n // k + (j < n % k) for j in range(k)]


def make_classification(n=300, kind="moons", noise=0.2, seed=0, n_classes=None):
    r"""A 2-D classification problem: two moons, Gaussian blobs or interleaved spirals.

    Parameters
    ----------
    n : int
        Number of examples, split as evenly as possible between the classes and returned
        in random order.
    kind : str
        ``"moons"`` (two interleaving half circles, always 2 classes), ``"blobs"`` (one
        Gaussian cloud per class, centres on the unit circle) or ``"spirals"`` (one arm per
        class, :math:`r \in [0, 1]`).
    noise : float
        Standard deviation of the Gaussian noise added to each coordinate (for
        ``"spirals"``: to the angle, in radians).
    seed : int or numpy.random.Generator
    n_classes : int, optional
        Number of classes for ``"blobs"`` and ``"spirals"`` (default 3); must be 2 (or
        None) for ``"moons"``.

    Returns
    -------
    Dataset
        ``X`` of shape ``(n, 2)``, integer labels ``y`` of shape ``(n,)``.

    Examples
    --------
    >>> data = make_classification(n=90, kind="spirals", n_classes=3)
    >>> data.X.shape, np.bincount(data.y).tolist()
    ((90, 2), [30, 30, 30])
    """
    _validate.choice("kind", kind, KINDS)
    noise = _validate.number("noise", noise, lo=0)
    if n_classes is None:
        n_classes = 2 if kind == "moons" else 3
    n_classes = _validate.integer("n_classes", n_classes, lo=2)
    if kind == "moons" and n_classes != 2:
        raise ValueError(f"n_classes must be 2 for kind='moons', got {n_classes}")
    n = _validate.integer("n", n, lo=n_classes)
    gen = _validate.rng(seed)
    counts = _class_counts(n, n_classes)
    y = np.repeat(np.arange(n_classes), counts)
    if kind == "moons":
        t = gen.uniform(0.0, np.pi, size=n)
        X = np.where(
            (y == 0)[:, None],
            np.column_stack([np.cos(t), np.sin(t)]),  # upper half circle
            np.column_stack([1.0 - np.cos(t), 0.5 - np.sin(t)]),  # lower one, shifted
        )
        X = X + noise * gen.normal(size=(n, 2))
    elif kind == "blobs":
        angles = 2 * np.pi * np.arange(n_classes) / n_classes
        centres = np.column_stack([np.cos(angles), np.sin(angles)])
        X = centres[y] + noise * gen.normal(size=(n, 2))
    else:  # spirals: angle grows with the radius, arms rotated by 2 pi / n_classes
        r = np.concatenate([np.linspace(0.0, 1.0, c) for c in counts])
        theta = 4.0 * r + 2 * np.pi * y / n_classes + noise * gen.normal(size=n)
        X = np.column_stack([r * np.cos(theta), r * np.sin(theta)])
    order = gen.permutation(n)
    return Dataset(X[order], y[order], kind, "classification", n_classes)


def load_digits(standardize=True):
    r"""The 8×8 handwritten digits bundled with scikit-learn (1797 images, 10 classes).

    Parameters
    ----------
    standardize : bool
        If true, shift and scale each of the 64 pixel features to mean 0 and standard
        deviation 1 over the data set, :math:`x \mapsto (x - \mu)/s`. Features that are
        constant (always-blank corner pixels) become 0.

    Returns
    -------
    Dataset
        ``X`` of shape ``(1797, 64)`` (floats, pixel values 0–16 if not standardised),
        labels ``y`` of shape ``(1797,)``.
    """
    from sklearn.datasets import load_digits as _sklearn_digits  # bundled: no download

    raw = _sklearn_digits()
    X = np.asarray(raw.data, dtype=float)
    if standardize:
        mu, s = X.mean(axis=0), X.std(axis=0)
        X = (X - mu) / np.where(s > 0, s, 1.0)  # constant features: 0 / 1 = 0
    return Dataset(X, np.asarray(raw.target, dtype=int), "digits", "classification", 10)


def train_test_split(X, y, test_fraction=0.25, seed=0):
    """Split the rows of ``X`` and ``y`` at random into a training and a test part.

    The test part has ``round(test_fraction * N)`` rows (at least 1, and at least one row
    is left for training).

    Returns
    -------
    X_train, X_test, y_train, y_test : ndarray

    Examples
    --------
    >>> X, y = np.arange(20).reshape(10, 2), np.arange(10)
    >>> [a.shape for a in train_test_split(X, y, test_fraction=0.3)]
    [(7, 2), (3, 2), (7,), (3,)]
    """
    X, y = _check_pair(X, y)
    test_fraction = _validate.number(
        "test_fraction", test_fraction, lo=0, hi=1, lo_open=True, hi_open=True
    )
    N = len(X)
    if N < 2:
        raise ValueError(f"X must have at least 2 rows to split, got {N}")
    n_test = min(max(round(test_fraction * N), 1), N - 1)
    order = _validate.rng(seed).permutation(N)
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]


def minibatches(X, y, batch_size, rng, shuffle=True, drop_last=False):
    """Iterate once over the data (one epoch) in mini-batches of ``batch_size`` rows.

    With ``shuffle`` the rows are visited in a fresh random order, so each row appears in
    exactly one batch; the last batch is smaller when ``batch_size`` does not divide ``N``,
    unless ``drop_last`` drops it.

    Parameters
    ----------
    X, y : ndarray
        Same number of rows ``N``.
    batch_size : int
        In ``[1, N]``. ``batch_size = N`` gives one full batch (batch gradient descent),
        ``batch_size = 1`` single examples (stochastic gradient descent).
    rng : numpy.random.Generator or int
        Source of the shuffling (may be None when ``shuffle`` is false).
    shuffle : bool
    drop_last : bool

    Returns
    -------
    iterator of (X_batch, y_batch)

    Examples
    --------
    >>> X, y = np.arange(10).reshape(5, 2), np.arange(5)
    >>> [yb.tolist() for _, yb in minibatches(X, y, 2, rng=0, shuffle=False)]
    [[0, 1], [2, 3], [4]]
    """
    X, y = _check_pair(X, y)
    N = len(X)
    batch_size = _validate.integer("batch_size", batch_size, lo=1, hi=N)
    if shuffle or rng is not None:
        try:
            rng = _validate.rng(rng)
        except TypeError:
            raise TypeError(
                f"rng must be a numpy.random.Generator or an int seed, got {type(rng).__name__}"
            ) from None
    order = rng.permutation(N) if shuffle else np.arange(N)
    stop = N - N % batch_size if drop_last else N
    return ((X[idx], y[idx]) for idx in _chunks(order[:stop], batch_size))


def minibatch_stream(X, y, batch_size, rng):
    """Mini-batches without end: :func:`minibatches` of one shuffled epoch after another.

    Each epoch draws its permutation from ``rng`` when its first batch is asked for, so
    a consumer that stops after any batch has drawn exactly what it used.

    Examples
    --------
    >>> X, y = np.arange(3)[:, None], np.arange(3)
    >>> stream = minibatch_stream(X, y, 2, np.random.default_rng(0))
    >>> [len(next(stream)[1]) for _ in range(5)]  # epochs of 2 + 1 examples
    [2, 1, 2, 1, 2]
    """
    while True:
        yield from minibatches(X, y, batch_size, rng, shuffle=True)


def _chunks(order, size):
    for start in range(0, len(order), size):
        yield order[start : start + size]


def batch_sizes(N):
    """Batch sizes for a slider: the powers of two below ``N``, then ``N`` itself.

    Examples
    --------
    >>> batch_sizes(100)
    [1, 2, 4, 8, 16, 32, 64, 100]
    >>> batch_sizes(64)
    [1, 2, 4, 8, 16, 32, 64]
    """
    N = _validate.integer("N", N, lo=1)
    sizes = [2**k for k in range(N.bit_length()) if 2**k < N]
    return sizes + [N]


def _check_pair(X, y):
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim == 0 or y.ndim == 0:
        raise ValueError("X and y must be arrays with one row per example")
    if len(X) != len(y):
        raise ValueError(f"X and y must have the same number of rows, got {len(X)} and {len(y)}")
    if len(X) == 0:
        raise ValueError("X must have at least one row")
    return X, y
