r"""Why momentum behaves as it does: the iteration matrix, its regimes, and its limits.

Along one eigen-direction of a quadratic (eigenvalue :math:`\lambda`) the error
:math:`x_k = w_k - w^*` of heavy-ball momentum obeys :math:`x_{k+1} = (1+\beta-h)\,x_k -
\beta\,x_{k-1}` with :math:`h = \eta\lambda`, a linear map of the pair :math:`(x_k,
x_{k-1})` by the **iteration matrix**

.. math::

    \mathbf T = \begin{pmatrix} 1 + \beta - h & -\beta \\ 1 & 0 \end{pmatrix},
    \qquad z^2 - (1 + \beta - h)\,z + \beta = 0 \ \text{(its eigenvalues)}.

Everything here follows from those two eigenvalues :math:`z_{1,2}`: their largest modulus
is the rate, their kind (real positive, complex, real negative) is the **regime**, and
where they meet is **critical damping**. The second half holds the limits of the theory:
the quadratic on which no first-order method beats :math:`(\sqrt\kappa-1)/(\sqrt\kappa+1)`
(Nesterov 2004), Nesterov's method tuned for quadratics, and the strongly convex function
on which the tuned heavy ball cycles for ever (Lessard, Recht & Packard 2016).
:mod:`course_utils.chapters.ch05_momentum.theory` holds the rates maximised over a whole spectrum.
"""

import itertools
import math
from typing import NamedTuple

import numpy as np

from course_utils import _validate
from course_utils.chapters.ch05_momentum.theory import Tuning, _spectrum, _values

#: The four regimes of heavy ball on one eigen-direction, in the order of :func:`regime`.
REGIMES = ("monotone", "oscillating", "sign-flipping", "divergent")


def _coefficients(lr, beta, lam, nesterov):
    r"""The pair :math:`(a, c)` of :math:`z^2 - a z + c`, broadcast over the arguments."""
    lr = _values("lr", lr, lo=0.0, lo_open=True)
    beta = _values("beta", beta, lo=0.0, hi=1.0, hi_open=True)
    lam = _values("lam", lam, lo=0.0)
    h = lr * lam
    if nesterov:
        return (1 + beta) * (1 - h), beta * (1 - h)
    return 1 + beta - h, beta + 0 * h


def iteration_matrix(lr, beta, lam, nesterov=False):
    r"""The 2×2 matrix that maps :math:`(x_k, x_{k-1})` to :math:`(x_{k+1}, x_k)`.

    Heavy ball: :math:`\begin{pmatrix} 1+\beta-\eta\lambda & -\beta \\ 1 & 0
    \end{pmatrix}`; Nesterov (torch's form): :math:`\begin{pmatrix} (1+\beta)(1-\eta\lambda)
    & -\beta(1-\eta\lambda) \\ 1 & 0 \end{pmatrix}`.

    Parameters
    ----------
    lr : float or array_like
        :math:`\eta > 0`.
    beta : float or array_like
        :math:`\beta \in [0, 1)`.
    lam : float or array_like
        Eigenvalue(s) :math:`\lambda \ge 0`; the three arguments broadcast.
    nesterov : bool
        Nesterov's matrix instead of the heavy ball's.

    Returns
    -------
    ndarray of shape (..., 2, 2)

    Examples
    --------
    >>> iteration_matrix(0.1, 0.5, 10.0).tolist()
    [[0.5, -0.5], [1.0, 0.0]]
    """
    a, c = np.broadcast_arrays(*_coefficients(lr, beta, lam, nesterov))
    T = np.zeros(a.shape + (2, 2))
    T[..., 0, 0], T[..., 0, 1], T[..., 1, 0] = a, -c, 1.0
    return T


def iteration_eigenvalues(lr, beta, lam, nesterov=False):
    r"""The eigenvalues of :func:`iteration_matrix` in closed form, larger modulus first.

    .. math::

        z_{1,2} = \tfrac12\left(a \pm \sqrt{a^2 - 4c}\right), \qquad
        a = 1 + \beta - \eta\lambda, \quad c = \beta \ \text{(heavy ball)}.

    A negative discriminant :math:`a^2 - 4c` gives a complex pair of modulus
    :math:`\sqrt c`; :math:`a^2 = 4c` a double root.

    Returns
    -------
    ndarray of shape (..., 2), complex

    Examples
    --------
    >>> iteration_eigenvalues(0.24, 0.24, 1.0).real.round(12).tolist()  # z^2 - z + 0.24
    [0.6, 0.4]
    >>> abs(iteration_eigenvalues(0.5, 0.36, 2.0)).round(12).tolist()  # complex pair
    [0.6, 0.6]
    """
    a, c = np.broadcast_arrays(*_coefficients(lr, beta, lam, nesterov))
    root = np.sqrt((a * a - 4 * c).astype(complex))
    sign = np.where(a < 0, -1.0, 1.0)  # the larger modulus adds the root to |a|
    z1 = (a + sign * root) / 2
    z2 = (a - sign * root) / 2
    return np.stack([z1, z2], axis=-1)


def critical_momentum(h):
    r"""The momentum at which the two eigenvalues meet: :math:`\beta_c = (1 - \sqrt h)^2`.

    The discriminant :math:`(1+\beta-h)^2 - 4\beta` vanishes when :math:`1 + \beta - h =
    \pm 2\sqrt\beta`, i.e. :math:`(1 \mp \sqrt\beta)^2 = h`, so :math:`\sqrt\beta = |1 -
    \sqrt h|`. For :math:`h < 1` this is **critical damping**: less momentum leaves two
    real positive eigenvalues (the error decays without oscillating), more makes them a
    complex pair (it spirals). At :math:`\beta_c` the double eigenvalue is :math:`1 -
    \sqrt h`, the fastest rate any :math:`\beta` gives this direction (gradient descent
    alone: :math:`1 - h`). For :math:`1 < h < 4` the same curve separates the complex pair
    from two negative eigenvalues (the error flips sign every step).

    Parameters
    ----------
    h : float or array_like
        :math:`\eta\lambda \in [0, 4]` (beyond 4, :math:`\beta_c \ge 1`).

    Returns
    -------
    float or ndarray

    Examples
    --------
    >>> critical_momentum(0.25), critical_momentum(2.25)
    (0.25, 0.25)
    """
    h = _values("h", h, lo=0.0, hi=4.0)
    out = (1 - np.sqrt(h)) ** 2
    return float(out) if out.ndim == 0 else out


def regime(h, beta):
    r"""Classify heavy ball on one eigen-direction by the eigenvalues of its matrix.

    With :math:`h = \eta\lambda > 0` and :math:`\beta \in [0, 1)`:

    - ``"monotone"``: :math:`h \le 1` and :math:`\beta \le (1-\sqrt h)^2`, two real
      positive eigenvalues; the error changes sign at most once;
    - ``"oscillating"``: :math:`\beta > (1-\sqrt h)^2`, a complex pair of modulus
      :math:`\sqrt\beta`; the error spirals;
    - ``"sign-flipping"``: :math:`h > 1`, :math:`\beta \le (\sqrt h-1)^2` and
      :math:`h < 2 + 2\beta`, two real negative eigenvalues; the error alternates in sign;
    - ``"divergent"``: :math:`h \ge 2 + 2\beta`, an eigenvalue :math:`\le -1`.

    Parameters
    ----------
    h : float or array_like
        :math:`\eta\lambda > 0`.
    beta : float or array_like
        :math:`\beta \in [0, 1)`, broadcast against ``h``.

    Returns
    -------
    str or ndarray of str
        One of :data:`REGIMES` per entry.

    Examples
    --------
    >>> [regime(h, 0.1) for h in (0.2, 1.0, 2.1, 2.3)]
    ['monotone', 'oscillating', 'sign-flipping', 'divergent']
    """
    h = _values("h", h, lo=0.0, lo_open=True)
    beta = _values("beta", beta, lo=0.0, hi=1.0, hi_open=True)
    h, beta = np.broadcast_arrays(h, beta)
    real = beta <= (1 - np.sqrt(h)) ** 2
    monotone, oscillating, flipping, divergent = REGIMES
    out = np.select(
        [h >= 2 + 2 * beta, ~real, h <= 1], [divergent, oscillating, monotone], default=flipping
    )
    return str(out) if out.ndim == 0 else out


def eigen_errors(lr, beta, lam, x0, steps, nesterov=False):
    r"""The error along each eigen-direction over a run started at rest.

    Iterates :math:`x_{k+1} = a\,x_k - c\,x_{k-1}` (the first row of
    :func:`iteration_matrix`) for every eigenvalue at once, from :math:`x_{-1} = x_0`: a
    zero velocity, as torch's first step :math:`\mathbf w_1 = \mathbf w_0 - \eta\mathbf g_0`.
    torch's Nesterov step adds :math:`\beta\mathbf v_1 = \beta\mathbf g_0` to its first
    step, :math:`x_1 = (1 - (1+\beta)\eta\lambda)\,x_0`; the recursion follows from there.

    Parameters
    ----------
    lr, beta : float
        :math:`\eta > 0` and :math:`\beta \in [0, 1)`.
    lam : array_like of shape (n,)
        Eigenvalues :math:`\lambda_i \ge 0`.
    x0 : array_like of shape (n,)
        The starting error in the eigenbasis, :math:`\mathbf U^\top(\mathbf w_0 - \mathbf w^*)`.
    steps : int
        Number of steps, >= 0.
    nesterov : bool
        Nesterov's recursion instead of the heavy ball's.

    Returns
    -------
    ndarray of shape (steps + 1, n)
        :math:`x_{k,i}`; the loss is :math:`\sum_i \tfrac12\lambda_i x_{k,i}^2`.

    Examples
    --------
    >>> eigen_errors(0.5, 0.5, [1.0], [1.0], 3)[:, 0].tolist()  # a = 1, c = 0.5
    [1.0, 0.5, 0.0, -0.25]
    """
    lam = _values("lam", lam, lo=0.0).ravel()
    x0 = _validate.array("x0", x0, shape=(len(lam),))
    steps = _validate.integer("steps", steps, lo=0)
    a, c = _coefficients(lr, beta, lam, nesterov)
    first = _validate.positive("lr", lr) * lam * ((1 + beta) if nesterov else 1.0)
    xs = [x0, (1 - first) * x0]
    with np.errstate(all="ignore"):
        for _ in range(steps - 1):
            xs.append(a * xs[-1] - c * xs[-2])
    return np.array(xs[: steps + 1])


def optimal_nesterov(lam_min, lam_max):
    r"""The best constant :math:`(\eta, \beta)` for Nesterov's method on a quadratic.

    .. math::

        \eta^* = \frac{4}{3\lambda_{\max} + \lambda_{\min}}, \qquad
        \beta^* = \frac{\sqrt{3\kappa+1} - 2}{\sqrt{3\kappa+1} + 2}, \qquad
        \rho^* = 1 - \frac{2}{\sqrt{3\kappa + 1}}

    (Lessard, Recht & Packard 2016), slower than the heavy ball's
    :math:`1 - 2/(\sqrt\kappa + 1)`: for large :math:`\kappa` it needs about
    :math:`\sqrt 3` times as many steps.

    Examples
    --------
    >>> t = optimal_nesterov(1.0, 5.0)  # sqrt(3 kappa + 1) = 4
    >>> round(t.lr, 12), round(t.beta, 12), round(t.rate, 12)
    (0.25, 0.333333333333, 0.5)
    """
    lam_min, lam_max, kappa = _spectrum(lam_min, lam_max)
    s = math.sqrt(3 * kappa + 1)
    return Tuning(4 / (3 * lam_max + lam_min), (s - 2) / (s + 2), 1 - 2 / s)


# --- the lower bound: a quadratic on which every first-order method is slow ------------
class ChainQuadratic(NamedTuple):
    r""":math:`E(\mathbf w) = \tfrac12\mathbf w^\top\mathbf H\mathbf w - \mathbf b^\top
    \mathbf w` with a tridiagonal :math:`\mathbf H` (Nesterov 2004, §2.1.4)."""

    H: np.ndarray  # (n, n) Hessian, eigenvalues inside (lam_min, kappa * lam_min)
    b: np.ndarray  # (n,) linear term, a multiple of e_1
    w_star: np.ndarray  # (n,) the minimum, w*_i close to q^i
    q: float  # (sqrt(kappa) - 1) / (sqrt(kappa) + 1)


def chain_quadratic(kappa, n=200, lam_min=1.0):
    r"""Nesterov's worst quadratic for first-order methods, cut to :math:`n` dimensions.

    .. math::

        \mathbf H = \frac{L - \mu}{4}\,\mathbf A + \mu\,\mathbf I, \qquad
        \mathbf b = \frac{L - \mu}{4}\,\mathbf e_1, \qquad
        \mathbf A = \mathrm{tridiag}(-1, 2, -1),

    with :math:`\mu = \lambda_{\min}`, :math:`L = \kappa\mu`. The eigenvalues of
    :math:`\mathbf A` lie in :math:`(0, 4)`, so those of :math:`\mathbf H` lie in
    :math:`(\mu, L)`. Because :math:`\mathbf H` is tridiagonal and :math:`\mathbf b \propto
    \mathbf e_1`, a method that starts at :math:`\mathbf 0` and moves only along the
    gradients it has seen can make coordinate :math:`k+1` non-zero at step :math:`k+1` at
    the earliest (see :func:`span_floor`). In infinite dimensions the minimum is
    :math:`w^*_i = q^i`, :math:`q = (\sqrt\kappa-1)/(\sqrt\kappa+1)`; with :math:`n` much
    larger than the number of steps the cut changes nothing that a run can see.

    Parameters
    ----------
    kappa : float
        Condition number :math:`\kappa > 1`.
    n : int
        Dimension, >= 2.
    lam_min : float
        :math:`\mu > 0`.

    Returns
    -------
    ChainQuadratic

    Examples
    --------
    >>> c = chain_quadratic(9.0, n=60)  # q = 0.5
    >>> c.w_star[:4].round(6).tolist()
    [0.5, 0.25, 0.125, 0.0625]
    """
    kappa = _validate.number("kappa", kappa, lo=1.0, lo_open=True)
    n = _validate.integer("n", n, lo=2)
    mu = _validate.positive("lam_min", lam_min)
    s = (kappa * mu - mu) / 4
    A = 2 * np.eye(n) - np.eye(n, k=1) - np.eye(n, k=-1)
    H = s * A + mu * np.eye(n)
    b = np.zeros(n)
    b[0] = s
    q = (math.sqrt(kappa) - 1) / (math.sqrt(kappa) + 1)
    return ChainQuadratic(H, b, np.linalg.solve(H, b), q)


def span_floor(w_star, steps):
    r"""The smallest relative error any first-order method can have on
    :func:`chain_quadratic` after each step, starting from :math:`\mathbf 0`.

    After :math:`k` steps only the first :math:`k` coordinates can be non-zero, so
    :math:`\lVert\mathbf w_k - \mathbf w^*\rVert \ge \lVert(w^*_{k+1}, w^*_{k+2},
    \dots)\rVert`. With :math:`w^*_i = q^i` that is exactly :math:`q^k\lVert\mathbf
    w^*\rVert`, the lower bound of Nesterov (2004, Theorem 2.1.13).

    Parameters
    ----------
    w_star : array_like of shape (n,)
    steps : int
        In :math:`[0, n]`.

    Returns
    -------
    ndarray of shape (steps + 1,)
        :math:`\lVert\mathbf w^*_{k+1:}\rVert / \lVert\mathbf w^*\rVert`, k = 0 … steps.

    Examples
    --------
    >>> span_floor([0.5, 0.25, 0.125], 3).round(4).tolist()
    [1.0, 0.488, 0.2182, 0.0]
    """
    w_star = _validate.array("w_star", w_star, ndim=1)
    steps = _validate.integer("steps", steps, lo=0, hi=len(w_star))
    tail = np.sqrt(np.cumsum((w_star**2)[::-1])[::-1])  # tail[k] = ||w*[k:]||
    return np.append(tail, 0.0)[: steps + 1] / tail[0]


# --- heavy ball can fail beyond quadratics ---------------------------------------------
#: The (slope, intercept) of the gradient of Lessard, Recht and Packard's (2016) function
#: on x < 1, 1 <= x < 2 and x >= 2; the function is 1-strongly convex and 25-smooth.
LESSARD_PIECES = ((25.0, 0.0), (1.0, 24.0), (25.0, -24.0))
_LESSARD_BREAKS = (1.0, 2.0)
_LESSARD_OFFSETS = (0.0, -12.0, 36.0)  # makes the value continuous, E(0) = 0


def lessard_grad(x):
    r"""Gradient of Lessard, Recht & Packard's piecewise quadratic,

    .. math::

        E'(x) = \begin{cases} 25x & x < 1 \\ x + 24 & 1 \le x < 2 \\ 25x - 24 & x \ge 2
        \end{cases},

    continuous and increasing with slope between :math:`m = 1` and :math:`L = 25`, so
    :math:`E` is 1-strongly convex and 25-smooth, with its minimum :math:`E(0) = 0`.

    Examples
    --------
    >>> lessard_grad([0.5, 1.0, 2.0, 3.0]).tolist()
    [12.5, 25.0, 26.0, 51.0]
    """
    x = np.asarray(x, dtype=float)
    piece = np.searchsorted(_LESSARD_BREAKS, x, side="right")
    slope, icpt = np.array(LESSARD_PIECES).T
    return slope[piece] * x + icpt[piece]


def lessard_value(x):
    r""":math:`E(x)`, whose derivative is :func:`lessard_grad`: :math:`\tfrac{25}{2}x^2`,
    :math:`\tfrac12 x^2 + 24x - 12`, :math:`\tfrac{25}{2}x^2 - 24x + 36` on the three pieces.

    Examples
    --------
    >>> lessard_value([1.0, 2.0]).tolist()
    [12.5, 38.0]
    """
    x = np.asarray(x, dtype=float)
    piece = np.searchsorted(_LESSARD_BREAKS, x, side="right")
    slope, icpt = np.array(LESSARD_PIECES).T
    return slope[piece] * x**2 / 2 + icpt[piece] * x + np.array(_LESSARD_OFFSETS)[piece]


def lessard_cycles(lr=1 / 9, beta=4 / 9, period=3):
    r"""Every cycle of the heavy ball on :func:`lessard_value` of the given period,
    found by algebra rather than by running.

    Assign each point :math:`p_j` of a cycle to one of the three pieces,
    :math:`E'(p_j) = s_j p_j + c_j`. The cycle conditions :math:`p_{j+1} = p_j - \eta
    E'(p_j) + \beta(p_j - p_{j-1})` (indices mod the period) are then linear; solve them
    for every assignment and keep the solutions whose points really lie on their pieces.
    The defaults are the tuning of
    :func:`course_utils.chapters.ch05_momentum.theory.optimal_heavy_ball` for
    :math:`[m, L] = [1, 25]`.

    Returns
    -------
    list of ndarray
        Each cycle once, rotated to start at its largest point; the fixed point 0 (the
        minimum) is left out. :func:`cycle_radius` tells which ones attract.

    Examples
    --------
    >>> [c.round(4).tolist() for c in lessard_cycles()]
    [[1.8961, 0.5794, -1.6152], [2.1159, 0.6465, -1.8024]]
    """
    lr = _validate.positive("lr", lr)
    beta = _validate.number("beta", beta, lo=0.0, hi=1.0, hi_open=True)
    period = _validate.integer("period", period, lo=2, hi=6)
    found = []
    for pieces in itertools.product(range(3), repeat=period):
        M, rhs = np.zeros((period, period)), np.zeros(period)
        for j, piece in enumerate(pieces):
            s, c = LESSARD_PIECES[piece]
            M[j, (j + 1) % period] += 1.0  # p_{j+1} - (1 + beta - lr s) p_j + beta p_{j-1}
            M[j, j] -= 1 + beta - lr * s
            M[j, (j - 1) % period] += beta
            rhs[j] = -lr * c
        if abs(np.linalg.det(M)) < 1e-12:
            continue
        p = np.linalg.solve(M, rhs)
        on_piece = np.searchsorted(_LESSARD_BREAKS, p, side="right") == np.array(pieces)
        if on_piece.all() and np.ptp(p) > 1e-9:
            p = np.roll(p, -int(np.argmax(p)))
            if not any(np.allclose(p, q) for q in found):
                found.append(p)
    return found


def cycle_radius(cycle, lr=1 / 9, beta=4 / 9):
    r"""Whether a cycle of :func:`lessard_cycles` attracts nearby runs.

    Near the cycle every point stays on its piece, so a small deviation is multiplied by
    the heavy ball's iteration matrix with that piece's curvature :math:`s_j`, once per
    point. The cycle attracts when the product :math:`\mathbf T(s_p)\cdots\mathbf T(s_1)`
    has spectral radius below 1 (each factor has determinant :math:`\beta`, so a complex
    pair has modulus :math:`\beta^{p/2}`).

    Parameters
    ----------
    cycle : array_like of shape (p,)
    lr, beta : float

    Returns
    -------
    float
        The spectral radius of the product.

    Examples
    --------
    >>> [round(cycle_radius(c), 4) for c in lessard_cycles()]  # (4/9)^(3/2) = 0.2963
    [2.933, 0.2963]
    """
    cycle = _validate.array("cycle", cycle, ndim=1)
    M = np.eye(2)
    for p in cycle:
        s = LESSARD_PIECES[int(np.searchsorted(_LESSARD_BREAKS, p, side="right"))][0]
        M = iteration_matrix(lr, beta, s) @ M
    return float(np.max(np.abs(np.linalg.eigvals(M))))
