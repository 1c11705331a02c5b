r"""Momentum on a quadratic: convergence rates, the best hyperparameters, and experiments.

On a quadratic :math:`E(\mathbf w) = \tfrac12 (\mathbf w - \mathbf w^*)^\top \mathbf H
(\mathbf w - \mathbf w^*)` the gradient is linear, so gradient descent and both kinds of
momentum act on each eigen-direction of :math:`\mathbf H` (eigenvalue :math:`\lambda`)
separately. Along one direction the error :math:`x_k` of **heavy-ball momentum**
(Polyak 1964),

.. math::

    \mathbf w_{k+1} = \mathbf w_k - \eta \nabla E(\mathbf w_k)
    + \beta(\mathbf w_k - \mathbf w_{k-1}),

obeys :math:`x_{k+1} = (1 + \beta - \eta\lambda)\,x_k - \beta\,x_{k-1}`, i.e.

.. math::

    \begin{pmatrix} x_{k+1} \\ x_k \end{pmatrix} =
    \begin{pmatrix} 1 + \beta - \eta\lambda & -\beta \\ 1 & 0 \end{pmatrix}
    \begin{pmatrix} x_k \\ x_{k-1} \end{pmatrix}.

The error shrinks, per step and in the long run, by the **spectral radius** :math:`\rho`
of that matrix, the larger modulus of the roots of :math:`z^2 - (1+\beta-\eta\lambda)z +
\beta`. Plain gradient descent is :math:`\beta = 0`, :math:`\rho = |1 - \eta\lambda|`.
Nesterov's method in torch's form (see :class:`course_utils.optimizers.SGD`) gives
:math:`x_{k+1} = (1+\beta)(1-\eta\lambda)\,x_k - \beta(1-\eta\lambda)\,x_{k-1}`.

The functions below evaluate these rates (maximised over all eigenvalues), the step sizes
that minimise them and the stability limits;
:mod:`course_utils.chapters.ch05_momentum.experiments` runs
the experiments that check them.
"""

import math
from typing import NamedTuple

import numpy as np

from course_utils import _validate


def _values(name, x, lo=None, hi=None, hi_open=False, lo_open=False):
    """A float array whose entries are finite and within the interval (message names it)."""
    a = _validate.array(name, x)
    if a.size == 0:
        raise ValueError(f"{name} must not be empty")
    too_low = lo is not None and np.any(a <= lo if lo_open else a < lo)
    too_high = hi is not None and np.any(a >= hi if hi_open else a > hi)
    if too_low or too_high:
        interval = _validate._describe(lo, hi, lo_open, hi_open)
        raise ValueError(f"{name} must be in {interval}, got {a.min():g} … {a.max():g}")
    return a


def _out(x):
    return float(x) if np.ndim(x) == 0 else x


def _radius(a, c):
    r"""Largest modulus of the roots of :math:`z^2 - a z + c` (elementwise)."""
    disc = a * a - 4 * c
    real = (np.abs(a) + np.sqrt(np.maximum(disc, 0.0))) / 2
    return np.where(disc < 0, np.sqrt(np.abs(c)), real)


def _rate(lr, beta, lam, nesterov):
    lr = _values("lr", lr, lo=0.0, lo_open=True)
    beta = _values("beta", beta, lo=0.0, hi=1.0, hi_open=True)
    lam = _values("lam", lam, lo=0.0).ravel()
    lr, beta = np.broadcast_arrays(lr, beta)
    h = lr[..., None] * lam  # eta * lambda for every eigenvalue, last axis
    b = beta[..., None]
    if nesterov:
        a, c = (1 + b) * (1 - h), b * (1 - h)
    else:
        a, c = 1 + b - h, b + 0 * h
    return _out(_radius(a, c).max(axis=-1))


def gd_rate(lr, lam):
    r"""Convergence rate of gradient descent on a quadratic, :math:`\max_i |1 - \eta\lambda_i|`.

    Parameters
    ----------
    lr : float or ndarray
        Learning rate(s) :math:`\eta > 0`.
    lam : float or array_like
        The eigenvalues :math:`\lambda_i \ge 0` of the Hessian.

    Returns
    -------
    float or ndarray
        :math:`\rho` for each learning rate; the run converges when :math:`\rho < 1`.

    Examples
    --------
    >>> gd_rate(0.1, [1.0, 10.0])
    0.9
    """
    return _rate(lr, 0.0, lam, nesterov=False)


def heavy_ball_rate(lr, beta, lam):
    r"""Convergence rate of heavy-ball momentum on a quadratic.

    The spectral radius of :math:`\begin{pmatrix} 1+\beta-\eta\lambda & -\beta \\ 1 & 0
    \end{pmatrix}`, maximised over the eigenvalues :math:`\lambda`. When the roots of
    :math:`z^2 - (1+\beta-\eta\lambda) z + \beta` are complex (the error spirals), both have
    modulus :math:`\sqrt\beta`; when they are real, the larger is
    :math:`\tfrac12\left(|a| + \sqrt{a^2 - 4\beta}\right)` with :math:`a = 1+\beta-\eta\lambda`.

    Parameters
    ----------
    lr : float or ndarray
        :math:`\eta > 0`.
    beta : float or ndarray
        :math:`\beta \in [0, 1)`, broadcast against ``lr``.
    lam : float or array_like
        Eigenvalues :math:`\lambda_i \ge 0` of the Hessian.

    Returns
    -------
    float or ndarray
        :math:`\rho(\eta, \beta)`, shaped like ``lr`` and ``beta`` broadcast.

    Examples
    --------
    >>> round(heavy_ball_rate(0.25, 0.25, [1.0, 4.0, 9.0]), 12)  # |roots| = sqrt(beta)
    0.5
    >>> round(heavy_ball_rate(0.1, 0.25, 1.0), 4)  # real roots
    0.8589
    """
    return _rate(lr, beta, lam, nesterov=False)


def nesterov_rate(lr, beta, lam):
    r"""Convergence rate of Nesterov momentum on a quadratic.

    The largest modulus of the roots of :math:`z^2 - (1+\beta)(1-\eta\lambda)\,z +
    \beta(1-\eta\lambda)`, maximised over the eigenvalues :math:`\lambda`.

    Parameters
    ----------
    lr, beta, lam
        As in :func:`heavy_ball_rate`.

    Returns
    -------
    float or ndarray

    Examples
    --------
    >>> nesterov_rate(0.1, 0.5, 10.0)  # eta * lambda = 1: one step reaches the minimum
    0.0
    """
    return _rate(lr, beta, lam, nesterov=True)


def max_stable_lr(beta, lam_max, nesterov=False):
    r"""The largest stable learning rate for momentum :math:`\beta` (a supremum: use less).

    Heavy ball is stable exactly while :math:`0 < \eta\lambda_{\max} < 2 + 2\beta` (both
    roots inside the unit circle: :math:`|\beta| < 1` and :math:`|1+\beta-\eta\lambda| <
    1+\beta`). Nesterov's method is stable while :math:`\eta\lambda_{\max} <
    (2+2\beta)/(1+2\beta)`. With :math:`\beta = 0` both give :math:`2/\lambda_{\max}`.

    Parameters
    ----------
    beta : float or ndarray
        :math:`\beta \in [0, 1)`.
    lam_max : float
        The largest eigenvalue of the Hessian, :math:`> 0`.
    nesterov : bool
        Nesterov's stability limit instead of the heavy ball's.

    Returns
    -------
    float or ndarray

    Examples
    --------
    >>> max_stable_lr(0.9, 100.0)
    0.038
    """
    beta = _values("beta", beta, lo=0.0, hi=1.0, hi_open=True)
    lam_max = _validate.positive("lam_max", lam_max)
    limit = (2 + 2 * beta) / (1 + 2 * beta) if nesterov else 2 + 2 * beta
    return _out(limit / lam_max)


def stable(lr, beta, lam_max, nesterov=False):
    r"""Whether momentum with :math:`(\eta, \beta)` converges on a quadratic, i.e.
    :math:`\eta <` :func:`max_stable_lr` :math:`(\beta, \lambda_{\max})`.

    Examples
    --------
    >>> stable(0.03, 0.9, 100.0), stable(0.04, 0.9, 100.0)
    (True, False)
    """
    lr = _values("lr", lr, lo=0.0, lo_open=True)
    ok = lr < max_stable_lr(beta, lam_max, nesterov)
    return bool(ok) if np.ndim(ok) == 0 else ok


class Tuning(NamedTuple):
    """The best hyperparameters for a quadratic and the rate they give."""

    lr: float  # eta
    beta: float  # momentum (0 for gradient descent)
    rate: float  # rho, the factor by which the error shrinks per step


def _spectrum(lam_min, lam_max):
    lam_min = _validate.positive("lam_min", lam_min)
    lam_max = _validate.number("lam_max", lam_max, lo=lam_min)
    return lam_min, lam_max, lam_max / lam_min


def optimal_gd(lam_min, lam_max):
    r"""The step that minimises :func:`gd_rate`: :math:`\eta^* = 2/(\lambda_{\min} +
    \lambda_{\max})`, with rate :math:`\rho^* = (\kappa-1)/(\kappa+1)`,
    :math:`\kappa = \lambda_{\max}/\lambda_{\min}`.

    At :math:`\eta^*` the two extreme directions shrink equally fast,
    :math:`1 - \eta^*\lambda_{\min} = -(1 - \eta^*\lambda_{\max})`.

    Examples
    --------
    >>> optimal_gd(1.0, 9.0)
    Tuning(lr=0.2, beta=0.0, rate=0.8)
    """
    lam_min, lam_max, kappa = _spectrum(lam_min, lam_max)
    return Tuning(2 / (lam_min + lam_max), 0.0, (kappa - 1) / (kappa + 1))


def optimal_heavy_ball(lam_min, lam_max):
    r"""The :math:`(\eta, \beta)` that minimise :func:`heavy_ball_rate` (Polyak 1964).

    .. math::

        \eta^* = \frac{4}{(\sqrt{\lambda_{\max}} + \sqrt{\lambda_{\min}})^2}, \qquad
        \beta^* = \left(\frac{\sqrt\kappa - 1}{\sqrt\kappa + 1}\right)^2, \qquad
        \rho^* = \sqrt{\beta^*} = \frac{\sqrt\kappa - 1}{\sqrt\kappa + 1}.

    They make the roots complex (modulus :math:`\sqrt\beta`) for every
    :math:`\lambda \in [\lambda_{\min}, \lambda_{\max}]`: that needs
    :math:`(1-\sqrt\beta)^2 \le \eta\lambda \le (1+\sqrt\beta)^2`, and the smallest
    :math:`\beta` that fits the whole spectrum makes both ends equalities.

    Examples
    --------
    >>> optimal_heavy_ball(1.0, 9.0)
    Tuning(lr=0.25, beta=0.25, rate=0.5)
    """
    lam_min, lam_max, kappa = _spectrum(lam_min, lam_max)
    rate = (math.sqrt(kappa) - 1) / (math.sqrt(kappa) + 1)
    lr = 4 / (math.sqrt(lam_max) + math.sqrt(lam_min)) ** 2
    return Tuning(lr, rate**2, rate)


def predicted_steps(rate, tol=1e-6):
    r"""The smallest :math:`k` with :math:`\rho^k \le` ``tol``: :math:`\lceil \ln \text{tol}
    / \ln\rho \rceil` (1 if :math:`\rho = 0`). For :math:`\rho \to 1` this grows like
    :math:`\ln(1/\text{tol})/(1-\rho)`.

    Examples
    --------
    >>> predicted_steps(0.5, 1e-3)
    10
    """
    rate = _validate.number("rate", rate, lo=0.0, hi=1.0, hi_open=True)
    tol = _validate.number("tol", tol, lo=0.0, hi=1.0, lo_open=True, hi_open=True)
    if rate == 0.0:
        return 1
    k = math.log(tol) / math.log(rate)
    return max(1, math.ceil(k - 1e-9))  # guard against k = 9.999999999 for an exact power
