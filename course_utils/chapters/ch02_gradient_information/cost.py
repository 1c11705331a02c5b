r"""What a gradient costs: backpropagation against finite differences, measured.

For a network with :math:`W` parameters a forward pass costs :math:`O(W)` per example.
Backpropagation gets the whole gradient for about the price of two more passes, so its
cost grows like :math:`W^1`; central finite differences need :math:`2W` forward passes,
so their cost grows like :math:`W^2`. On log–log axes the measured times fall near lines
whose slopes estimate these exponents (:func:`loglog_fit`).

On a real machine the slopes come out lower for small and mid-sized networks, for two
reasons: a fixed cost per call (the Python interpreter, allocating arrays) that does not
grow with :math:`W` at all, and the activation functions, evaluated once per unit
(:math:`\propto h \approx \sqrt{W}` for hidden width :math:`h`), which cost far more per
call than a multiply–add. Both fade as the networks grow, so the slopes are fitted on the
larger networks only (``W >= W_fit``), and a large batch puts the arithmetic in front.
The exponents of the two methods differ by about one whatever the overheads: finite
differences pay one more factor of :math:`W`.

:func:`time_gradients` fits such straight lines. :func:`measure_gradient_cost`, the
experiment of chapter 2, does better: it counts the multiply-adds of each gradient
(:func:`multiply_adds`), fits every call of the loss as :math:`a + b W^k` with a fixed
cost :math:`a` (:func:`fit_offset_power_law`), and times networks large enough that the
growing term dominates, which recovers exponents close to 1 and 2.

Before timing, one large array is allocated and freed. With glibc this makes the C
allocator keep freed memory for reuse rather than hand it back to the operating system
after every call, which would otherwise add page faults (not arithmetic) to the timings.
"""

import gc
import time
from typing import NamedTuple

import numpy as np

from course_utils import _validate
from course_utils.nn import MLP

WIDTHS = (4, 6, 9, 14, 20, 28, 40, 52)  # hidden widths h of the networks [10, h, h, 1]
QUICK_WIDTHS = (4, 6, 9, 14, 20, 28)


class PowerLaw(NamedTuple):
    """The fit :math:`y \\approx c\\, x^k`."""

    k: float  #: the exponent, the slope of log y against log x
    c: float  #: the prefactor


class GradientCost(NamedTuple):
    """Measured time per gradient for networks of growing size."""

    W: np.ndarray  #: number of parameters of each network
    t_backprop: np.ndarray  #: median seconds per gradient by backpropagation
    t_numerical: np.ndarray  #: median seconds per gradient by central finite differences
    N: int  #: batch size used for every gradient
    W_fit: float  #: the slopes are fitted on the networks with W >= W_fit
    slope_backprop: float  #: fitted exponent k in t ~ W^k, backpropagation
    slope_numerical: float  #: fitted exponent k in t ~ W^k, finite differences


def loglog_fit(x, y):
    r"""Fit :math:`y \approx c\, x^k` by least squares on :math:`\log y = \log c + k \log x`.

    Parameters
    ----------
    x, y : ndarray of shape (n,)
        Positive numbers, at least two distinct values of ``x``.

    Returns
    -------
    PowerLaw
        ``k`` (the slope on log–log axes) and ``c``.

    Examples
    --------
    >>> fit = loglog_fit([1, 2, 4], [3, 12, 48])
    >>> round(fit.k, 6), round(fit.c, 6)
    (2.0, 3.0)
    """
    x = _validate.array("x", x, ndim=1)
    y = _validate.array("y", y, ndim=1)
    _validate.same_shape("x", x, "y", y)
    if np.any(x <= 0):
        raise ValueError("x must be positive to take logarithms")
    if np.any(y <= 0):
        raise ValueError("y must be positive to take logarithms")
    if len(np.unique(x)) < 2:
        raise ValueError("x must hold at least two distinct values to fit a slope")
    k, log_c = np.polyfit(np.log(x), np.log(y), 1)
    return PowerLaw(float(k), float(np.exp(log_c)))


def loglog_slope(x, y):
    r"""Return the slope :math:`k` of :math:`\log y` against :math:`\log x` (:func:`loglog_fit`).

    Examples
    --------
    >>> round(loglog_slope([10, 100, 1000], [5, 50, 500]), 6)
    1.0
    """
    return loglog_fit(x, y).k


def default_sizes(quick=False):
    """Layer sizes ``[10, h, h, 1]`` of the timed networks: W from 69 to 3381 (1149 if quick)."""
    return [[10, h, h, 1] for h in (QUICK_WIDTHS if quick else WIDTHS)]


def _median_time(f, min_time, min_repeats, max_repeats=200):
    """Median of repeated timings of ``f()``: repeat until ``min_time`` seconds have passed."""
    times, start = [], time.perf_counter()
    while len(times) < min_repeats or (
        time.perf_counter() - start < min_time and len(times) < max_repeats
    ):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def time_gradients(sizes_list=None, N=512, W_fit=300, min_time=0.1, seed=0, quick=False):
    r"""Time one gradient by backpropagation and by finite differences, for several networks.

    Each network is a ``tanh`` :class:`~course_utils.nn.MLP` with the mean squared error,
    evaluated on a fixed random batch of ``N`` examples: ``loss_and_grad`` for
    backpropagation, ``numerical_grads`` (:math:`2W` forward passes) for finite
    differences. Each time is the median of repeated runs (``time.perf_counter``),
    repeated until ``min_time`` seconds have passed, so fast networks are repeated more
    often (at least 5 times for backpropagation, 3 for finite differences).

    Parameters
    ----------
    sizes_list : list of list of int, optional
        Layer sizes of the networks; default :func:`default_sizes`.
    N : int
        Batch size.
    W_fit : float
        Fit the slopes on the networks with at least ``W_fit`` parameters (two or more).
    min_time : float
        Seconds to spend repeating each measurement.
    seed : int
        Seed of the networks and of the batch.
    quick : bool
        Smaller networks and shorter timings: about one second in all, against about
        five (on a 2-core laptop-class machine).

    Returns
    -------
    GradientCost
        ``W``, the median times ``t_backprop`` and ``t_numerical`` in seconds, and the
        fitted log–log slopes.

    Examples
    --------
    >>> cost = time_gradients([[2, 3, 1], [2, 6, 1], [2, 12, 1]], N=8, W_fit=0, min_time=0)
    >>> cost.W
    array([13, 25, 49])
    """
    if sizes_list is None:
        sizes_list = default_sizes(quick)
    N = _validate.integer("N", N, lo=1)
    W_fit = _validate.number("W_fit", W_fit, lo=0)
    min_time = _validate.number("min_time", min_time, lo=0) / (4 if quick else 1)
    nets = [MLP(sizes, activation="tanh", loss="mse", seed=seed) for sizes in sizes_list]
    if len(nets) < 2:
        raise ValueError(f"sizes_list must hold at least 2 networks, got {len(nets)}")
    W = np.array([net.n_params for net in nets])
    if np.sum(W >= W_fit) < 2:
        raise ValueError(f"W_fit must leave at least 2 networks to fit, got {W_fit:g} (W = {W})")
    gen = np.random.default_rng(seed)
    _ = np.ones(1 << 20)  # allocate and free 8 MB once: see the module docstring
    del _
    t_bp, t_fd = [], []
    gc_was_enabled = gc.isenabled()
    gc.disable()  # like timeit: no garbage collection inside a timing
    try:
        for net in nets:
            X = gen.normal(size=(N, net.sizes[0]))
            y = gen.normal(size=(N, net.sizes[-1]))
            net.loss_and_grad(X, y)  # warm-up
            t_bp.append(_median_time(lambda: net.loss_and_grad(X, y), min_time, 5))  # noqa: B023
            t_fd.append(_median_time(lambda: net.numerical_grads(X, y), min_time, 3))  # noqa: B023
    finally:
        if gc_was_enabled:
            gc.enable()
    t_bp, t_fd = np.array(t_bp), np.array(t_fd)
    fit = W >= W_fit
    return GradientCost(
        W=W,
        t_backprop=t_bp,
        t_numerical=t_fd,
        N=N,
        W_fit=W_fit,
        slope_backprop=loglog_slope(W[fit], t_bp[fit]),
        slope_numerical=loglog_slope(W[fit], t_fd[fit]),
    )


# ---------------------------------------------------------------------------------------
# Counting the work, and a fit with a fixed cost per call.
#
# The wall time of a call is a fixed cost a (the interpreter, dispatching to numpy,
# allocating arrays) plus the arithmetic, which grows like W^k. On log-log axes t = a + b W^k
# bends: flat where a dominates, slope k where b W^k does. So we fit all three numbers, and
# time networks large enough that the growing term dominates. Beside the time we count the
# multiply-adds, which follow the theory exactly.

GRAD_INPUTS = 64  #: inputs of the timed networks [64, h, 1]
BACKPROP_WIDTHS = (64, 96, 128, 192, 256, 384, 512, 768, 1024)  # W = 4225 ... 67585
NUMERICAL_WIDTHS = (8, 12, 16, 24, 32, 48, 64, 96, 128)  # W = 529 ... 8449
QUICK_BACKPROP_WIDTHS = (64, 128, 256, 512, 1024)  # W = 4225 ... 67585
QUICK_NUMERICAL_WIDTHS = (8, 16, 32, 64)  # W = 529 ... 4225


class OffsetPowerLaw(NamedTuple):
    """The fit :math:`y \\approx a + b\\, x^k`: a fixed part and a growing part."""

    a: float  #: the fixed part (for a time, the cost per call that does not grow)
    b: float  #: the prefactor of the growing part
    k: float  #: the exponent of the growing part
    at_bound: bool = False  #: True when k stopped at an end of the range searched (no estimate)


class MultiplyAdds(NamedTuple):
    """Multiply-adds of the matrix products of one gradient (see :func:`multiply_adds`)."""

    W: int  #: number of parameters
    forward: int  #: one forward pass
    backprop: int  #: one forward and one backward pass
    numerical: int  #: central finite differences, 2W forward passes


class CostRuns(NamedTuple):
    """Measured time per gradient of one method over networks of growing size."""

    sizes: list  #: layer sizes of each network
    W: np.ndarray  #: number of parameters of each network
    multiply_adds: np.ndarray  #: counted multiply-adds per gradient
    calls: np.ndarray  #: calls per gradient, 1 (backprop) or 2W forward passes (finite diff.)
    t: np.ndarray  #: median seconds per gradient
    t_call: np.ndarray  #: median seconds per call, t itself or one forward pass
    fit: OffsetPowerLaw  #: t_call = a + b W^k, with a the fixed cost of one call
    slope: float  #: the exponent of the cost of a gradient, k or 1 + k for 2W calls
    measured: float = float("nan")  #: log-log slope of t between the two largest networks


class GradientCostModel(NamedTuple):
    """Backpropagation and finite differences, timed and counted (:func:`measure_gradient_cost`)."""

    N: int  #: batch size of every gradient
    backprop: CostRuns  #: fit of t against W, slope = k (theory 1)
    numerical: CostRuns  #: fit of one forward pass, slope = 1 + k (theory 2)


def multiply_adds(sizes, N):
    r"""Count the multiply-adds of one gradient of an :class:`~course_utils.nn.MLP`.

    Only the matrix products are counted: they are the work that grows with the number of
    weights (biases, activations and the loss add :math:`O(N \sum_l n_l)`, fewer terms).
    With :math:`S = \sum_{l=1}^{L} n_{l-1} n_l` weights in the matrices and a batch of
    :math:`N` examples,

    * a forward pass computes :math:`a_{l-1} W_l` in every layer: :math:`N S`;
    * backpropagation adds :math:`a_{l-1}^\top \delta_l` in every layer and
      :math:`\delta_l W_l^\top` in every layer but the first:
      :math:`N S + N (2S - n_0 n_1) = N (3S - n_0 n_1)`;
    * central finite differences make :math:`2W` forward passes: :math:`2 W N S`.

    Parameters
    ----------
    sizes : list of int
        Layer widths ``[n_0, ..., n_L]``.
    N : int
        Batch size.

    Returns
    -------
    MultiplyAdds

    Examples
    --------
    >>> multiply_adds([2, 3, 1], N=5)
    MultiplyAdds(W=13, forward=45, backprop=105, numerical=1170)
    """
    n = MLP(sizes).sizes  # validates sizes
    N = _validate.integer("N", N, lo=1)
    S = sum(a * b for a, b in zip(n[:-1], n[1:], strict=True))
    W = S + sum(n[1:])
    return MultiplyAdds(W, N * S, N * (3 * S - n[0] * n[1]), 2 * W * N * S)


def _best_ab(x_k, y):
    """(a, b, relative residual) of y ~ a + b x_k, least squares in y's relative error."""
    A = np.column_stack([np.ones_like(x_k), x_k]) / y[:, None]
    (a, b), *_ = np.linalg.lstsq(A, np.ones_like(y), rcond=None)
    if a < 0:  # a fixed cost cannot be negative: fit b alone
        a, b = 0.0, float(np.sum(x_k / y) / np.sum((x_k / y) ** 2))
    r = (a + b * x_k) / y - 1
    return float(a), float(b), float(r @ r)


def fit_offset_power_law(x, y, k_range=(0.1, 4.0)):
    r"""Fit :math:`y \approx a + b\, x^k` with :math:`a \ge 0`, :math:`b > 0`.

    Minimises the sum of squared *relative* errors :math:`\sum_i (\hat y_i / y_i - 1)^2`,
    so that small and large values count alike (as on log–log axes). For a fixed
    :math:`k` the model is linear in :math:`a, b`, solved by least squares; :math:`k` is
    found on a grid of step 0.001 over ``k_range`` and refined by golden-section search.

    Parameters
    ----------
    x, y : ndarray of shape (n,)
        Positive numbers, at least three distinct values of ``x``.
    k_range : (float, float)
        Where to look for the exponent.

    Returns
    -------
    OffsetPowerLaw
        With ``at_bound`` set when :math:`k` ends within 0.01 of an end of ``k_range``:
        the data did not pin the exponent down (noisy timings, or too few sizes where the
        growing part dominates), and the number is the search's edge, not an estimate.

    Examples
    --------
    >>> x = np.array([1.0, 10.0, 100.0, 1000.0])
    >>> fit = fit_offset_power_law(x, 5.0 + 0.01 * x**2)
    >>> round(fit.a, 6), round(fit.b, 6), round(fit.k, 6)
    (5.0, 0.01, 2.0)
    """
    x = _validate.array("x", x, ndim=1)
    y = _validate.array("y", y, ndim=1)
    _validate.same_shape("x", x, "y", y)
    if np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("x and y must be positive")
    if len(np.unique(x)) < 3:
        raise ValueError("x must hold at least three distinct values to fit a, b and k")
    lo, hi = (_validate.number("k_range", k, lo=0, lo_open=True) for k in k_range)
    if not lo < hi:
        raise ValueError(f"k_range must be (low, high) with low < high, got {k_range}")
    scale = x.max()  # fit in x / scale so that x^k stays of order 1

    def residual(k):
        return _best_ab((x / scale) ** k, y)[2]

    grid = np.arange(lo, hi + 5e-4, 1e-3)
    i = int(np.argmin([residual(k) for k in grid]))
    left, right = grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)]
    g = (np.sqrt(5) - 1) / 2
    for _ in range(60):  # golden-section search on [left, right]
        c, d = right - g * (right - left), left + g * (right - left)
        if residual(c) < residual(d):
            right = d
        else:
            left = c
    k = (left + right) / 2
    a, b, _ = _best_ab((x / scale) ** k, y)
    at_bound = bool(k - lo < 0.01 or hi - k < 0.01)
    return OffsetPowerLaw(a, float(b / scale**k), float(k), at_bound)


def gradient_cost_sizes(quick=False):
    """Layer sizes ``[64, h, 1]`` timed by :func:`measure_gradient_cost`: (backprop, numerical).

    Backpropagation is timed on W = 4225 ... 67585 (9 networks, quick: 5), where the
    arithmetic outweighs the fixed cost of a call and the weights still fit in a fast
    cache; finite differences on W = 529 ... 8449 (quick: ... 4225), where one gradient
    takes at most a second or two.
    """
    bp = QUICK_BACKPROP_WIDTHS if quick else BACKPROP_WIDTHS
    fd = QUICK_NUMERICAL_WIDTHS if quick else NUMERICAL_WIDTHS
    return [[GRAD_INPUTS, h, 1] for h in bp], [[GRAD_INPUTS, h, 1] for h in fd]


ROUNDS = 5  #: rounds over all networks of :func:`measure_gradient_cost`


def _interleaved(fns, min_time, rounds, min_repeats):
    """Median over ``rounds`` rounds of the median time of each of ``fns`` in that round.

    Each round visits every function once, so a burst of load from other programs slows
    one round of all sizes rather than every repetition of one size.
    """
    times = np.empty((rounds, len(fns)))
    for r in range(rounds):
        for i, f in enumerate(fns):
            times[r, i] = _median_time(f, min_time / rounds, min_repeats)
    return np.median(times, axis=0)


def _runs(sizes_list, N, numerical, min_time, gen, fd_rounds=3):
    nets = [MLP(sizes, activation="tanh", loss="mse", seed=0) for sizes in sizes_list]
    if len(nets) < 3:
        raise ValueError(f"each list of sizes must hold at least 3 networks, got {len(nets)}")
    data = [(gen.normal(size=(N, n.sizes[0])), gen.normal(size=(N, n.sizes[-1]))) for n in nets]
    if numerical:  # one of the 2W calls: the forward pass numerical_grads makes
        calls = [lambda n=n, d=d: n._loss(n.params, *d) for n, d in zip(nets, data, strict=True)]
        whole = [lambda n=n, d=d: n.numerical_grads(*d) for n, d in zip(nets, data, strict=True)]
        for f in whole[:1] + calls:
            f()  # warm-up
        t_call = _interleaved(calls, min_time, ROUNDS, 3)
        t = _interleaved(whole, min_time, fd_rounds, 1)
    else:
        calls = [lambda n=n, d=d: n.loss_and_grad(*d) for n, d in zip(nets, data, strict=True)]
        for f in calls:
            f()  # warm-up
        t_call = t = _interleaved(calls, min_time, ROUNDS, 3)
    counts = [multiply_adds(net.sizes, N) for net in nets]
    W = np.array([c.W for c in counts])
    fit = fit_offset_power_law(W, t_call)
    return CostRuns(
        sizes=[net.sizes for net in nets],
        W=W,
        multiply_adds=np.array([c.numerical if numerical else c.backprop for c in counts]),
        calls=2 * W if numerical else np.ones_like(W),
        t=t,
        t_call=t_call,
        fit=fit,
        slope=fit.k + (1.0 if numerical else 0.0),
        measured=loglog_slope(W[-2:], t[-2:]),
    )


def measure_gradient_cost(sizes=None, N=64, min_time=0.05, seed=0, quick=False):
    r"""Time and count one gradient by backpropagation and by finite differences.

    Each network is a ``tanh`` :class:`~course_utils.nn.MLP` with the mean squared error
    on a fixed random batch of ``N`` examples. A call of the loss costs a fixed amount
    :math:`a` (Python, numpy's dispatch, allocation) plus arithmetic that grows with the
    number of weights, so the time of one call is fitted as :math:`a + b W^k`
    (:func:`fit_offset_power_law`):

    * backpropagation makes one call per gradient: :math:`t = a + b W^k`, theory
      :math:`k = 1`;
    * central finite differences make :math:`2W` calls, forward passes, per gradient:
      :math:`t = 2W (a + b W^k)`. The fit is made on the median time of one of these
      passes (``t_call``), and the exponent of the whole gradient is :math:`1 + k`,
      theory 2. The whole gradient is timed as well (``t``): on a quiet machine
      ``t`` is close to ``2 W t_call``; on a busy one it is larger, because a call that
      lasts a second is interrupted by other programs far more often than one that
      lasts microseconds, and a median of single passes sees through that.

    Beside the times, :func:`multiply_adds` counts the work exactly. Times are medians
    over 5 rounds (3 for a whole finite-difference gradient, 1 if ``quick``); each round
    visits every network once and takes the median of at least 3 calls (1 whole
    gradient), repeated until ``min_time / rounds`` seconds have passed. Garbage
    collection is off while timing.

    Parameters
    ----------
    sizes : (list, list), optional
        Layer sizes for backpropagation and for finite differences, at least 3 networks
        each; default :func:`gradient_cost_sizes`.
    N : int
        Batch size.
    min_time : float
        Seconds to spend repeating each measurement.
    seed : int
        Seed of the batches (the networks use seed 0).
    quick : bool
        Fewer and smaller networks, and each whole finite-difference gradient (only a
        check: the fit uses single passes) timed in one round instead of three:
        about a second in all on a quiet 2-core machine with one BLAS thread, instead of
        about 6 (several times longer on a busy machine).

    Returns
    -------
    GradientCostModel
    """
    sizes_bp, sizes_fd = gradient_cost_sizes(quick) if sizes is None else sizes
    N = _validate.integer("N", N, lo=1)
    min_time = _validate.number("min_time", min_time, lo=0)
    gen = np.random.default_rng(_validate.integer("seed", seed))
    _ = np.ones(1 << 20)  # allocate and free 8 MB once: see the module docstring
    del _
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        backprop = _runs(sizes_bp, N, False, min_time, gen)
        numerical = _runs(sizes_fd, N, True, min_time, gen, fd_rounds=1 if quick else 3)
    finally:
        if gc_was_enabled:
            gc.enable()
    return GradientCostModel(N, backprop, numerical)
