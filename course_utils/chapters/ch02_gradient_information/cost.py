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
