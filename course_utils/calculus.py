r"""Derivatives by finite differences, Taylor approximations and the Hessian's eigenvalues.

Around a point :math:`\hat{\mathbf w}` the second-order **Taylor expansion** of an error
function is

.. math::

    E(\mathbf w) \approx E(\hat{\mathbf w}) + (\mathbf w - \hat{\mathbf w})^\top \mathbf b
    + \tfrac12 (\mathbf w - \hat{\mathbf w})^\top \mathbf H (\mathbf w - \hat{\mathbf w}),
    \qquad
    \nabla E(\mathbf w) \approx \mathbf b + \mathbf H (\mathbf w - \hat{\mathbf w}),

with the gradient :math:`\mathbf b = \nabla E(\hat{\mathbf w})` and the Hessian
:math:`H_{ij} = \partial^2 E / \partial w_i \partial w_j` at :math:`\hat{\mathbf w}`. At a
minimum :math:`\mathbf w^*` the gradient vanishes, and in the orthonormal eigenvectors
:math:`\mathbf H \mathbf u_i = \lambda_i \mathbf u_i` the quadratic model reads

.. math::

    E(\mathbf w) = E(\mathbf w^*) + \tfrac12 \sum_i \lambda_i \alpha_i^2,
    \qquad \alpha_i = \mathbf u_i^\top (\mathbf w - \mathbf w^*).

Everything here takes plain callables and arrays, so it works on a ``course_utils``
surface, a network's loss, or a function a reader writes in a notebook.
"""

from typing import NamedTuple

import numpy as np

from course_utils import _validate


def _scalar(f, w):
    out = np.asarray(f(w), dtype=float)
    if out.size != 1:
        raise ValueError(f"f must return a single number, got shape {out.shape}")
    return float(out.reshape(()))


def _points(name, w, n):
    """``w`` as an array of shape (..., n) of finite numbers."""
    w = _validate.array(name, w)
    if w.ndim == 0 or w.shape[-1] != n:
        raise ValueError(f"{name} must have shape (..., {n}), got {w.shape}")
    return w


def numerical_gradient(f, w, h=1e-6):
    r"""The gradient of a scalar function by central differences.

    .. math::

        \frac{\partial E}{\partial w_i} \approx
        \frac{E(\mathbf w + h\mathbf e_i) - E(\mathbf w - h\mathbf e_i)}{2h},

    with an error of order :math:`h^2` (plus rounding of order :math:`\epsilon E / h`).
    It costs :math:`2W` evaluations of :math:`E` for :math:`W` weights.

    Parameters
    ----------
    f : callable
        Maps an array shaped like ``w`` to a number.
    w : array_like
        The point, of any shape.
    h : float
        The step, :math:`h > 0`.

    Returns
    -------
    ndarray
        Shaped like ``w``.

    Examples
    --------
    >>> g = numerical_gradient(lambda w: w[0] ** 2 + 3 * w[1], [1.0, 5.0])
    >>> np.round(g, 6).tolist()
    [2.0, 3.0]
    """
    _validate.function("f", f)
    w = _validate.array("w", w)
    h = _validate.positive("h", h)
    g = np.empty(w.size)
    for i in range(w.size):
        e = np.zeros(w.size)
        e[i] = h
        e = e.reshape(w.shape)
        g[i] = (_scalar(f, w + e) - _scalar(f, w - e)) / (2 * h)
    return g.reshape(w.shape)


def numerical_hessian(f, w, h=1e-4):
    r"""The Hessian of a scalar function by central differences, a :math:`W \times W` matrix.

    .. math::

        H_{ii} \approx \frac{E(\mathbf w + h\mathbf e_i) - 2E(\mathbf w)
        + E(\mathbf w - h\mathbf e_i)}{h^2}, \qquad
        H_{ij} \approx \frac{E_{++} - E_{+-} - E_{-+} + E_{--}}{4h^2},

    where :math:`E_{\pm\pm} = E(\mathbf w \pm h\mathbf e_i \pm h\mathbf e_j)`. Each pair
    :math:`i < j` is computed once and mirrored, so the result is exactly symmetric.

    Parameters
    ----------
    f : callable
        Maps an array shaped like ``w`` to a number.
    w : array_like
        The point, of any shape with :math:`W` elements (flattened in C order).
    h : float
        The step, :math:`h > 0`.

    Returns
    -------
    ndarray of shape (W, W)

    Examples
    --------
    >>> H = numerical_hessian(lambda w: w[0] ** 2 * w[1], [1.0, 2.0])
    >>> np.allclose(H, [[4.0, 2.0], [2.0, 0.0]], atol=1e-6)
    True
    """
    _validate.function("f", f)
    w = _validate.array("w", w)
    h = _validate.positive("h", h)
    x, n = w.ravel(), w.size

    def E(*steps):  # E(w + sum of steps), steps given as (index, +-1)
        d = np.zeros(n)
        for i, sign in steps:
            d[i] += sign * h
        return _scalar(f, (x + d).reshape(w.shape))

    H = np.empty((n, n))
    E0 = E()
    for i in range(n):
        H[i, i] = (E((i, 1)) - 2 * E0 + E((i, -1))) / h**2
        for j in range(i):
            H[i, j] = H[j, i] = (
                E((i, 1), (j, 1)) - E((i, 1), (j, -1)) - E((i, -1), (j, 1)) + E((i, -1), (j, -1))
            ) / (4 * h**2)
    return H


def hessian_vector_product(grad, w, v, h=1e-5):
    r"""The product :math:`\mathbf H\mathbf v` from two gradients, without forming the Hessian.

    The gradient's change along :math:`\mathbf v` is the Hessian times :math:`\mathbf v`,

    .. math::

        \mathbf H(\mathbf w)\,\mathbf v \approx \frac{\nabla E(\mathbf w + \epsilon\mathbf v)
        - \nabla E(\mathbf w - \epsilon\mathbf v)}{2\epsilon},
        \qquad \epsilon = h / \lVert\mathbf v\rVert,

    a central difference with an error of order :math:`h^2` (none on a quadratic, whose
    gradient is linear, apart from rounding). It costs two gradients, :math:`O(W)` work
    each for a network (backpropagation), whatever :math:`W`, where forming the whole
    Hessian costs :math:`W` such products and a Newton step then a :math:`W \times W`
    solve. Pearlmutter (1994) gives the product exactly at the same order of cost.

    Parameters
    ----------
    grad : callable
        ``grad(w)`` returns the gradient, shaped like ``w``.
    w, v : array_like
        The point and the direction, of one shape.
    h : float
        The length of the difference step, :math:`h > 0`.

    Returns
    -------
    ndarray shaped like ``w``

    Examples
    --------
    >>> H = np.array([[2.0, 1.0], [1.0, 3.0]])
    >>> hessian_vector_product(lambda w: H @ w, [0.5, -1.0], [1.0, 2.0]).round(9).tolist()
    [4.0, 7.0]
    """
    _validate.function("grad", grad)
    w = _validate.array("w", w)
    v = _validate.array("v", v)
    _validate.same_shape("w", w, "v", v)
    h = _validate.positive("h", h)
    size = float(np.sqrt(np.sum(v * v)))
    if size == 0.0:
        return np.zeros_like(w)
    eps = h / size
    return (np.asarray(grad(w + eps * v), float) - np.asarray(grad(w - eps * v), float)) / (2 * eps)


def numerical_jacobian(F, w, h=1e-6):
    r"""The **Jacobian** :math:`J_{ki} = \partial F_k / \partial w_i` by central differences.

    Parameters
    ----------
    F : callable
        Maps an array shaped like ``w`` to an array with :math:`m` elements.
    w : array_like
        The point, any shape with :math:`n` elements (both flattened in C order).
    h : float
        The step, :math:`h > 0`.

    Returns
    -------
    ndarray of shape (m, n)

    Examples
    --------
    >>> J = numerical_jacobian(lambda w: np.array([w[0] * w[1], w[0] + w[1]]), [2.0, 3.0])
    >>> np.round(J, 6).tolist()
    [[3.0, 2.0], [1.0, 1.0]]
    """
    _validate.function("F", F)
    w = _validate.array("w", w)
    h = _validate.positive("h", h)
    m = np.asarray(F(w), dtype=float).size
    J = np.empty((m, w.size))
    for i in range(w.size):
        e = np.zeros(w.size)
        e[i] = h
        e = e.reshape(w.shape)
        plus, minus = np.asarray(F(w + e), float).ravel(), np.asarray(F(w - e), float).ravel()
        if plus.size != m or minus.size != m:
            raise ValueError(f"F must return {m} numbers at every point")
        J[:, i] = (plus - minus) / (2 * h)
    return J


def taylor_approximation(f, w_hat, w, order=2, grad=None, hessian=None):
    r"""The first- or second-order **Taylor expansion** of ``f`` around ``w_hat``, at ``w``.

    .. math::

        \tilde E(\mathbf w) = E(\hat{\mathbf w}) + (\mathbf w - \hat{\mathbf w})^\top \mathbf b
        \;\Big[+ \tfrac12 (\mathbf w - \hat{\mathbf w})^\top \mathbf H
        (\mathbf w - \hat{\mathbf w})\Big]_{\text{order } 2}.

    Its error shrinks like :math:`\lVert\mathbf w - \hat{\mathbf w}\rVert^{2}` (order 1)
    or :math:`\lVert\mathbf w - \hat{\mathbf w}\rVert^{3}` (order 2) for a smooth ``f``.

    Parameters
    ----------
    f : callable
        :math:`E`, called once at ``w_hat`` (and near it when derivatives are estimated).
    w_hat : array_like of shape (n,)
        The expansion point :math:`\hat{\mathbf w}`.
    w : array_like of shape (..., n)
        Where to evaluate; the leading axes are kept, so a contour grid is one call.
    order : {1, 2}
        Keep terms up to this order.
    grad, hessian : callable, optional
        :math:`\nabla E` and :math:`\mathbf H` as functions of a point; by default
        :func:`numerical_gradient` and :func:`numerical_hessian` of ``f``.

    Returns
    -------
    ndarray of shape (...)

    Examples
    --------
    >>> cube = lambda w: w[..., 0] ** 3
    >>> float(taylor_approximation(cube, [1.0], [1.5], grad=lambda w: 3 * w**2,
    ...                            hessian=lambda w: np.diag(6 * w)))
    3.25
    """
    _validate.function("f", f)
    _validate.function("grad", grad, optional=True)
    _validate.function("hessian", hessian, optional=True)
    w_hat = _validate.array("w_hat", w_hat, ndim=1)
    n = w_hat.size
    w = _points("w", w, n)
    order = _validate.integer("order", order, lo=1, hi=2)
    b = numerical_gradient(f, w_hat) if grad is None else grad(w_hat)
    b = _validate.array("grad(w_hat)", b, shape=(n,))
    delta = w - w_hat
    out = _scalar(f, w_hat) + delta @ b
    if order == 2:
        H = numerical_hessian(f, w_hat) if hessian is None else hessian(w_hat)
        H = _validate.array("hessian(w_hat)", H, shape=(n, n))
        out = out + 0.5 * np.einsum("...i,ij,...j->...", delta, H, delta)
    return out


def taylor_gradient(b, H, w_hat, w):
    r"""The gradient of the quadratic model: :math:`\nabla E(\mathbf w) \approx \mathbf b +
    \mathbf H (\mathbf w - \hat{\mathbf w})`.

    Parameters
    ----------
    b : array_like of shape (n,)
        The gradient at :math:`\hat{\mathbf w}`.
    H : array_like of shape (n, n)
        The Hessian at :math:`\hat{\mathbf w}`.
    w_hat : array_like of shape (n,)
        The expansion point.
    w : array_like of shape (..., n)
        Where to evaluate.

    Returns
    -------
    ndarray of shape (..., n)

    Examples
    --------
    >>> taylor_gradient([1.0, 0.0], [[2.0, 0.0], [0.0, 4.0]], [0.0, 0.0], [1.0, 1.0]).tolist()
    [3.0, 4.0]
    """
    b = _validate.array("b", b, ndim=1)
    n = b.size
    H = _validate.array("H", H, shape=(n, n))
    w_hat = _validate.array("w_hat", w_hat, shape=(n,))
    return b + (_points("w", w, n) - w_hat) @ H.T


class Eigen(NamedTuple):
    r"""Eigen-decomposition :math:`\mathbf H = \mathbf U \Lambda \mathbf U^\top`."""

    values: np.ndarray  # lambda_i, ascending
    vectors: np.ndarray  # u_i in column i, orthonormal


def _symmetric(H):
    H = _validate.array("H", H, ndim=2)
    if H.shape[0] != H.shape[1] or H.size == 0:
        raise ValueError(f"H must be a non-empty square matrix, got shape {H.shape}")
    if np.abs(H - H.T).max() > 1e-6 * np.abs(H).max():
        raise ValueError("H must be symmetric (|H - H^T| <= 1e-6 max|H|)")
    return (H + H.T) / 2


def eigen_analysis(H):
    r"""The **eigenvalues** and orthonormal **eigenvectors** of a symmetric matrix.

    Solves :math:`\mathbf H \mathbf u_i = \lambda_i \mathbf u_i` with
    :math:`\mathbf u_i^\top \mathbf u_j = \delta_{ij}`. A matrix counts as symmetric when
    :math:`\max|\mathbf H - \mathbf H^\top| \le 10^{-6} \max|\mathbf H|` (so finite-difference
    Hessians pass); its symmetric part is decomposed. Each eigenvector's sign is fixed so
    that its first non-negligible entry is positive, which makes results reproducible.

    Parameters
    ----------
    H : array_like of shape (n, n)

    Returns
    -------
    Eigen
        ``values`` ascending, ``vectors`` with :math:`\mathbf u_i` in column ``i``.

    Examples
    --------
    >>> lam, U = eigen_analysis([[2.0, 1.0], [1.0, 2.0]])
    >>> np.round(lam, 12).tolist(), np.round(U * np.sqrt(2), 12).tolist()
    ([1.0, 3.0], [[1.0, 1.0], [-1.0, 1.0]])
    """
    values, U = np.linalg.eigh(_symmetric(H))
    first = np.argmax(np.abs(U) > 1e-8, axis=0)  # first non-negligible entry of each column
    U = U * np.where(U[first, np.arange(U.shape[1])] < 0, -1.0, 1.0)
    return Eigen(values, U)


def classify_stationary_point(H, tol=1e-8):
    r"""Classify a stationary point from the eigenvalues of its Hessian.

    With eigenvalues counted as positive when :math:`\lambda > \mathrm{tol}` and negative
    when :math:`\lambda < -\mathrm{tol}`:

    * ``"saddle"`` if there are both (even if another eigenvalue is zero);
    * ``"minimum"`` if all are positive (:math:`\mathbf H` is **positive definite**);
    * ``"maximum"`` if all are negative;
    * ``"inconclusive"`` otherwise: some :math:`|\lambda| \le \mathrm{tol}` and the rest
      share one sign, so the second-order test says nothing (:math:`x^4` and :math:`x^3`
      both have a zero second derivative at 0).

    Parameters
    ----------
    H : array_like of shape (n, n)
        A symmetric Hessian.
    tol : float
        Eigenvalues with :math:`|\lambda| \le \mathrm{tol}` count as zero, :math:`\ge 0`.

    Returns
    -------
    str

    Examples
    --------
    >>> classify_stationary_point([[-1.0, 0.0], [0.0, 1.0]])
    'saddle'
    """
    tol = _validate.number("tol", tol, lo=0.0)
    lam = eigen_analysis(H).values
    pos, neg = np.any(lam > tol), np.any(lam < -tol)
    if pos and neg:
        return "saddle"
    if np.all(lam > tol):
        return "minimum"
    if np.all(lam < -tol):
        return "maximum"
    return "inconclusive"


def eigen_coordinates(H, w, w_star):
    r"""The coordinates :math:`\alpha_i = \mathbf u_i^\top (\mathbf w - \mathbf w^*)` of
    :math:`\mathbf w` in the eigenbasis of :math:`\mathbf H`, centred at :math:`\mathbf w^*`.

    So :math:`\mathbf w - \mathbf w^* = \sum_i \alpha_i \mathbf u_i`, and for a quadratic
    with minimum :math:`\mathbf w^*`,
    :math:`E(\mathbf w) = E(\mathbf w^*) + \tfrac12\sum_i \lambda_i \alpha_i^2`. The order
    of the :math:`\alpha_i` is that of :func:`eigen_analysis` (ascending :math:`\lambda_i`).

    Parameters
    ----------
    H : array_like of shape (n, n)
        A symmetric matrix.
    w : array_like of shape (..., n)
        Points.
    w_star : array_like of shape (n,)
        The new origin.

    Returns
    -------
    ndarray of shape (..., n)

    Examples
    --------
    >>> eigen_coordinates([[1.0, 0.0], [0.0, 9.0]], [3.0, 1.0], [1.0, 1.0]).tolist()
    [2.0, 0.0]
    """
    lam, U = eigen_analysis(H)
    w_star = _validate.array("w_star", w_star, shape=(lam.size,))
    return (_points("w", w, lam.size) - w_star) @ U


class GradientCheck(NamedTuple):
    """The outcome of :func:`gradient_check`."""

    analytic: np.ndarray  # the gradient under test
    numeric: np.ndarray  # its central-difference estimate
    max_abs_error: float  # max |a - n|
    max_rel_error: float  # max |a - n| / (|a| + |n|)
    passed: bool


def gradient_check(f, grad, w, h=1e-6, rtol=1e-5, *, atol=1e-8):
    r"""**Gradient checking**: compare an analytic gradient with finite differences.

    For each component, with :math:`a` analytic and :math:`n` numeric,

    .. math::

        \text{abs. error} = |a - n|, \qquad
        \text{rel. error} = \frac{|a - n|}{\max(|a| + |n|,\ \text{tiny})},

    where tiny is the smallest positive double (so two zeros give 0). The relative error
    lies in :math:`[0, 1]`; it is 1 when the two disagree in sign or one is zero. The check
    passes when every component has :math:`|a - n| \le \mathrm{atol} +
    \mathrm{rtol}\,(|a| + |n|)`: ``atol`` forgives the rounding noise of components that
    are zero, whose relative error is meaningless.

    Parameters
    ----------
    f : callable
        The function :math:`E`.
    grad : callable
        Its claimed gradient, returning an array shaped like ``w``.
    w : array_like
        The point, of any shape.
    h : float
        The finite-difference step.
    rtol, atol : float
        Relative and absolute tolerances, both :math:`\ge 0`.

    Returns
    -------
    GradientCheck

    Examples
    --------
    >>> gradient_check(lambda w: np.sum(w**2), lambda w: 2 * w, [1.0, -2.0]).passed
    True
    >>> gradient_check(lambda w: np.sum(w**2), lambda w: w, [1.0, -2.0]).passed
    False
    """
    _validate.function("grad", grad)
    w = _validate.array("w", w)
    rtol = _validate.number("rtol", rtol, lo=0.0)
    atol = _validate.number("atol", atol, lo=0.0)
    numeric = numerical_gradient(f, w, h)
    analytic = np.asarray(grad(w), dtype=float)
    _validate.same_shape("w", w, "grad(w)", analytic)
    err, size = np.abs(analytic - numeric), np.abs(analytic) + np.abs(numeric)
    rel = err / np.maximum(size, np.finfo(float).tiny)
    return GradientCheck(
        analytic,
        numeric,
        float(err.max(initial=0.0)),
        float(rel.max(initial=0.0)),
        bool(np.all(err <= atol + rtol * size)),
    )


class Chord(NamedTuple):
    r"""A function on the segment from :math:`\mathbf a` to :math:`\mathbf b` and its chord."""

    t: np.ndarray  #: positions in [0, 1], the point (1 - t) a + t b for each
    E: np.ndarray  #: the function's values at those points
    chord: np.ndarray  #: the straight line (1 - t) E(a) + t E(b)
    gap: float  #: the largest E - chord, never positive on any segment of a convex E


def chord(f, a, b, num=101):
    r"""Compare a function with its **chord** between two points: the test of convexity.

    A function is **convex** when every chord lies on or above the graph,

    .. math::

        E\bigl((1 - t)\,\mathbf a + t\,\mathbf b\bigr) \le (1 - t)\,E(\mathbf a) + t\,E(\mathbf b)
        \qquad \text{for all } \mathbf a, \mathbf b \text{ and } t \in [0, 1].

    One segment with a positive ``gap`` proves that ``f`` is not convex; no finite number
    of segments proves that it is (for that, check that the Hessian is positive
    semi-definite everywhere).

    Parameters
    ----------
    f : callable
        ``f(w)`` returns a scalar.
    a, b : array_like of the same shape
        The ends of the segment.
    num : int
        Number of points, ends included (at least 2).

    Returns
    -------
    Chord

    Examples
    --------
    >>> c = chord(lambda w: float(w @ w), [-1.0, 0.0], [1.0, 0.0], num=3)
    >>> c.E.tolist(), c.chord.tolist(), c.gap
    ([1.0, 0.0, 1.0], [1.0, 1.0, 1.0], 0.0)
    """
    _validate.function("f", f)
    a = _validate.array("a", a)
    b = _validate.array("b", b)
    _validate.same_shape("a", a, "b", b)
    num = _validate.integer("num", num, lo=2)
    t = np.linspace(0.0, 1.0, num)
    E = np.array([_scalar(f, (1 - s) * a + s * b) for s in t])
    line = (1 - t) * E[0] + t * E[-1]
    return Chord(t, E, line, float(np.max(E - line)))
