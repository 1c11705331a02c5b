r"""Error surfaces :math:`E(\mathbf w)` to run optimizers on, with exact gradients and Hessians.

Every surface is a :class:`Surface`: ``value``, ``grad`` and ``hessian`` accept ``w`` of
shape ``(..., n)`` and work on every point of the leading axes at once (a contour grid is
one call). The registry ``SURFACES`` holds the book's two-dimensional examples, with
:math:`\mathbf w = (x, y)`:

``"bowl"``
    :math:`\tfrac12(\alpha_1^2 + 4\alpha_2^2)`: a well-conditioned quadratic (eigenvalues 1
    and 4, axes turned by 30°), minimum 0 at the origin.
``"ravine"``
    :math:`\tfrac12(\alpha_1^2 + 100\alpha_2^2)`: condition number :math:`\kappa = 100`,
    steep across the valley and shallow along it; gradient descent zigzags.
``"saddle"``
    :math:`x^4/4 - x^2/2 + y^2/2`: a saddle point at the origin (Hessian eigenvalues -1
    and 1) between two minima :math:`(\pm 1, 0)` with :math:`E = -1/4`.
``"rosenbrock"``
    :math:`(1-x)^2 + 100(y-x^2)^2`: a curved, flat-bottomed valley; minimum 0 at (1, 1).
``"himmelblau"``
    :math:`(x^2+y-11)^2 + (x+y^2-7)^2`: four minima, all with :math:`E = 0`.
``"wells"``
    :math:`\tfrac{1}{20}\lVert\mathbf w\rVert^2 - \sum_k d_k
    e^{-\lVert\mathbf w - \mathbf m_k\rVert^2 / (2 s_k^2)}`: four Gaussian wells of
    different depths on a gentle bowl, so one global and three local minima.
``"cliff"``
    :math:`x^2/4 + y^2/2 + 5[\zeta(20(x-1)) - \zeta(20(x-3))]` with the softplus
    :math:`\zeta(z) = \log(1+e^z)`: a gentle bowl below a wall of slope 100 and height
    200. A plain gradient step that lands on the wall is thrown far away.
``"plateau"``
    :math:`\tfrac12(\tanh(x+y) - 0.8)^2 + \tfrac12(\tanh(y-x) + 0.8)^2`: the squared
    error of a tanh unit (weight :math:`x`, bias :math:`y`) on two examples. Where the
    unit saturates the surface is flat and the gradient all but vanishes. Minimum 0 at
    :math:`(\ln 3, 0)`.

The minima listed in ``Surface.minima`` are all the known minima, the global one first.
"""

import numpy as np

from course_utils import _validate


def _frozen(a):
    a = np.array(a, dtype=float)
    a.flags.writeable = False
    return a


class Surface:
    r"""An error surface :math:`E(\mathbf w)` with its gradient and Hessian.

    Parameters
    ----------
    name : str
        Registry key, e.g. ``"rosenbrock"``.
    title : str
        A short human title for plots.
    formula : str
        :math:`E(\mathbf w)` in LaTeX (without dollar signs).
    value_fn, grad_fn, hessian_fn : callable
        Vectorised functions of ``w`` of shape ``(..., n)`` returning shapes ``(...)``,
        ``(..., n)`` and ``(..., n, n)``.
    start : array_like of shape (n,)
        A good default starting point.
    minima : array_like of shape (k, n)
        The known minima, the global minimum first (``k`` may be 0).
    bounds : tuple or None
        ``((xmin, xmax), (ymin, ymax))``, the plotting box of a 2-D surface.
    eigenvalues : array_like or None
        The (constant) Hessian eigenvalues of a quadratic surface, ascending.

    Notes
    -----
    The constructor also sets ``n`` (the number of weights), ``global_minimum``
    (``minima[0]``, or None) and ``min_value`` (:math:`E` there, or None). The arrays are
    read-only, so a registry surface cannot be changed by accident.

    Examples
    --------
    >>> s = SURFACES["rosenbrock"]
    >>> float(s.value([1.0, 1.0])), s.grad([1.0, 1.0]).tolist()
    (0.0, [0.0, 0.0])
    >>> s.value(np.zeros((5, 7, 2))).shape
    (5, 7)
    """

    def __init__(
        self,
        name,
        title,
        formula,
        value_fn,
        grad_fn,
        hessian_fn,
        start,
        minima,
        bounds=None,
        eigenvalues=None,
    ):
        self.name, self.title, self.formula = name, title, formula
        self._E, self._dE, self._d2E = value_fn, grad_fn, hessian_fn
        self.start = _frozen(start)
        self.n = self.start.size
        self.minima = _frozen(np.reshape(minima, (-1, self.n)))
        self.bounds = None if bounds is None else tuple(tuple(map(float, b)) for b in bounds)
        self.eigenvalues = None if eigenvalues is None else _frozen(eigenvalues)
        self.global_minimum = self.minima[0] if len(self.minima) else None
        self.min_value = None if self.global_minimum is None else float(self.value(self.minima[0]))

    def _point(self, w):
        w = _validate.array("w", w, finite=False)
        if w.ndim == 0 or w.shape[-1] != self.n:
            raise ValueError(f"w must have shape (..., {self.n}), got {w.shape}")
        return w

    # Far outside the plotting box a value may overflow to inf: that is the honest answer
    # (an optimizer's runner stops on it), so the warning is not raised.
    def value(self, w):
        """:math:`E(\\mathbf w)`, shape ``(...)`` for ``w`` of shape ``(..., n)``."""
        with np.errstate(over="ignore", invalid="ignore"):
            return self._E(self._point(w))

    def grad(self, w):
        """:math:`\\nabla E(\\mathbf w)`, shape ``(..., n)``."""
        with np.errstate(over="ignore", invalid="ignore"):
            return self._dE(self._point(w))

    def hessian(self, w):
        """The Hessian :math:`\\mathbf H(\\mathbf w)`, shape ``(..., n, n)``."""
        with np.errstate(over="ignore", invalid="ignore"):
            return self._d2E(self._point(w))

    def __call__(self, w):
        return self.value(w)

    def __repr__(self):
        return (
            f"Surface({self.name!r}, n={self.n}, start={self.start.tolist()}, "
            f"minima={self.minima.tolist()}, bounds={self.bounds})"
        )


# --- helpers for 2-D surfaces written in x = w[..., 0], y = w[..., 1] ---------------------
def _xy(fn):
    return lambda w: fn(w[..., 0], w[..., 1])


def _vec(gx, gy):
    return np.stack(np.broadcast_arrays(gx, gy), axis=-1)


def _mat(hxx, hxy, hyy):
    hxx, hxy, hyy = np.broadcast_arrays(hxx, hxy, hyy)
    return np.stack([np.stack([hxx, hxy], -1), np.stack([hxy, hyy], -1)], -2)


def _sigmoid(z):
    e = np.exp(-np.abs(z))  # never overflows
    return np.where(z >= 0, 1.0, e) / (1.0 + e)


def _softplus(z):
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


# --- quadratics -------------------------------------------------------------------------
def _check_symmetric(name, H):
    H = _validate.array(name, H, ndim=2)
    if H.shape[0] != H.shape[1] or H.size == 0:
        raise ValueError(f"{name} must be a non-empty square matrix, got shape {H.shape}")
    if np.abs(H - H.T).max() > 1e-6 * np.abs(H).max():  # the rule of calculus.eigen_analysis
        raise ValueError(f"{name} must be symmetric (|H - H^T| <= 1e-6 max|H|)")
    return (H + H.T) / 2


def _quadratic(H, center, name, title, formula, start, bounds, lam=None):
    H = _check_symmetric("H", H)
    n = H.shape[0]
    c = np.zeros(n) if center is None else _validate.array("center", center, shape=(n,))
    if start is None:
        start = c + (np.array([-4.0, 3.0]) if n == 2 else 1.0)
    start = _validate.array("start", start, shape=(n,))
    if bounds is None and n == 2:
        bounds = ((c[0] - 5, c[0] + 5), (c[1] - 5, c[1] + 5))
    lam = np.linalg.eigvalsh(H) if lam is None else np.asarray(lam, dtype=float)
    return Surface(
        name,
        title,
        formula,
        lambda w: 0.5 * np.einsum("...i,ij,...j->...", w - c, H, w - c),
        lambda w: (w - c) @ H,
        lambda w: np.broadcast_to(H, w.shape[:-1] + (n, n)).copy(),
        start,
        [c] if lam[0] >= -1e-12 * np.abs(lam).max() else np.empty((0, n)),  # H >= 0
        bounds,
        lam,
    )


def quadratic(H, center=None, name="quadratic", *, title="Quadratic", start=None, bounds=None):
    r"""The quadratic surface :math:`E(\mathbf w) = \tfrac12 (\mathbf w-\mathbf c)^\top
    \mathbf H (\mathbf w-\mathbf c)` in any dimension :math:`n`.

    Its gradient is :math:`\mathbf H(\mathbf w - \mathbf c)` and its Hessian is
    :math:`\mathbf H` everywhere. When :math:`\mathbf H` is positive (semi-)definite the
    centre :math:`\mathbf c` is the minimum; otherwise ``minima`` is empty.

    Parameters
    ----------
    H : array_like of shape (n, n)
        A symmetric matrix.
    center : array_like of shape (n,), optional
        The stationary point :math:`\mathbf c` (default: the origin).
    name, title : str
        The surface's name and title.
    start : array_like of shape (n,), optional
        Default :math:`\mathbf c + (-4, 3)` in 2-D and :math:`\mathbf c + \mathbf 1` otherwise.
    bounds : tuple, optional
        Plotting box; by default :math:`\mathbf c \pm 5` in 2-D.

    Returns
    -------
    Surface
        With ``eigenvalues`` set to those of :math:`\mathbf H`, ascending.

    Examples
    --------
    >>> s = quadratic([[2.0, 0.0], [0.0, 8.0]], center=[1.0, 1.0])
    >>> float(s.value([2.0, 2.0])), s.eigenvalues.tolist()
    (5.0, [2.0, 8.0])
    """
    formula = r"\tfrac{1}{2}(\mathbf{w}-\mathbf{c})^\top \mathbf{H}\,(\mathbf{w}-\mathbf{c})"
    return _quadratic(H, center, name, title, formula, start, bounds)


def bowl(
    lam_min=1.0,
    lam_max=10.0,
    angle=0.0,
    *,
    center=None,
    name="bowl",
    title=None,
    start=None,
    bounds=None,
):
    r"""A 2-D quadratic bowl with Hessian eigenvalues ``lam_min`` and ``lam_max``.

    .. math::

        E(\mathbf w) = \tfrac12\left(\lambda_{\min}\alpha_1^2 + \lambda_{\max}\alpha_2^2\right),
        \qquad \alpha_i = \mathbf u_i^\top(\mathbf w - \mathbf c),

    where :math:`\mathbf u_1 = (\cos\theta, \sin\theta)` (the shallow direction) and
    :math:`\mathbf u_2 = (-\sin\theta, \cos\theta)` (the steep one), i.e.
    :math:`\mathbf H = \mathbf R_\theta\,\mathrm{diag}(\lambda_{\min}, \lambda_{\max})\,
    \mathbf R_\theta^\top`. The condition number is
    :math:`\kappa = \lambda_{\max}/\lambda_{\min}` and gradient descent is stable while
    :math:`\eta < 2/\lambda_{\max}`.

    Parameters
    ----------
    lam_min, lam_max : float
        The eigenvalues, :math:`0 < \lambda_{\min} \le \lambda_{\max}`.
    angle : float
        :math:`\theta`, the rotation of the axes in radians.
    center, name, title, start, bounds
        As in :func:`quadratic`; the title defaults to "Quadratic bowl (κ = ...)".

    Returns
    -------
    Surface

    Examples
    --------
    >>> s = bowl(1.0, 100.0)
    >>> s.eigenvalues.tolist(), s.hessian([0.0, 0.0]).tolist()
    ([1.0, 100.0], [[1.0, 0.0], [0.0, 100.0]])
    """
    lam_min = _validate.positive("lam_min", lam_min)
    lam_max = _validate.number("lam_max", lam_max, lo=lam_min)
    angle = _validate.number("angle", angle)
    R = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    H = R @ np.diag([lam_min, lam_max]) @ R.T
    formula = (
        rf"\tfrac{{1}}{{2}}\left({lam_min:g}\,\alpha_1^2 + {lam_max:g}\,\alpha_2^2\right),"
        r"\quad \alpha_i = \mathbf{u}_i^\top(\mathbf{w}-\mathbf{c})"
    )
    title = f"Quadratic bowl (κ = {lam_max / lam_min:g})" if title is None else title
    return _quadratic(H, center, name, title, formula, start, bounds, [lam_min, lam_max])


# --- the registry's non-quadratic surfaces --------------------------------------------
def _saddle():
    return Surface(
        "saddle",
        "Saddle between two minima",
        r"\tfrac{1}{4}x^4 - \tfrac{1}{2}x^2 + \tfrac{1}{2}y^2",
        _xy(lambda x, y: x**4 / 4 - x**2 / 2 + y**2 / 2),
        _xy(lambda x, y: _vec(x**3 - x, y)),
        _xy(lambda x, y: _mat(3 * x**2 - 1, 0.0, 1.0)),
        start=[0.001, 1.5],  # close to the saddle's stable direction: GD stalls, then escapes
        minima=[[1.0, 0.0], [-1.0, 0.0]],  # equally deep
        bounds=((-2.0, 2.0), (-2.0, 2.0)),
    )


def _rosenbrock():
    return Surface(
        "rosenbrock",
        "Rosenbrock valley",
        r"(1-x)^2 + 100\,(y-x^2)^2",
        _xy(lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2),
        _xy(lambda x, y: _vec(2 * (x - 1) - 400 * x * (y - x**2), 200 * (y - x**2))),
        _xy(lambda x, y: _mat(2 - 400 * y + 1200 * x**2, -400 * x, 200.0)),
        start=[-1.5, 2.0],
        minima=[[1.0, 1.0]],
        bounds=((-2.0, 2.0), (-1.0, 3.0)),
    )


def _himmelblau_grad(x, y):
    u, r = x**2 + y - 11, x + y**2 - 7
    return _vec(4 * x * u + 2 * r, 2 * u + 4 * y * r)


def _himmelblau():
    return Surface(
        "himmelblau",
        "Himmelblau's function",
        r"(x^2+y-11)^2 + (x+y^2-7)^2",
        _xy(lambda x, y: (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2),
        _xy(_himmelblau_grad),
        _xy(lambda x, y: _mat(12 * x**2 + 4 * y - 42, 4 * (x + y), 4 * x + 12 * y**2 - 26)),
        start=[-0.5, -1.5],  # near the local maximum (-0.2708, -0.9230)
        # Four global minima (E = 0), the roots of the gradient; tests re-derive them.
        minima=[
            [3.0, 2.0],
            [-2.805118086952745, 3.131312518250573],
            [-3.779310253377747, -3.283185991286170],
            [3.584428340330492, -1.848126526964404],
        ],
        bounds=((-5.0, 5.0), (-5.0, 5.0)),
    )


_WELL_M = np.array([[2.0, 1.5], [-2.0, 2.0], [-1.8, -2.0], [2.2, -1.8]])  # centres m_k
_WELL_D = np.array([2.0, 1.5, 1.2, 0.8])  # depths d_k
_WELL_S = np.array([0.8, 0.7, 0.9, 0.6])  # widths s_k


def _wells_parts(w):
    d = w[..., None, :] - _WELL_M  # (..., k, 2): w - m_k
    g = _WELL_D * np.exp(-np.sum(d**2, axis=-1) / (2 * _WELL_S**2))  # (..., k), >= 0
    return d, g


def _wells_value(w):
    return 0.05 * np.sum(w**2, axis=-1) - np.sum(_wells_parts(w)[1], axis=-1)


def _wells_grad(w):
    d, g = _wells_parts(w)
    return 0.1 * w + np.sum((g / _WELL_S**2)[..., None] * d, axis=-2)


def _wells_hessian(w):
    d, g = _wells_parts(w)
    outer = d[..., :, None] * d[..., None, :] / (_WELL_S**2)[:, None, None]
    return 0.1 * np.eye(2) + np.sum((g / _WELL_S**2)[..., None, None] * (np.eye(2) - outer), -3)


def _wells():
    return Surface(
        "wells",
        "Wells of different depths",
        r"\tfrac{1}{20}\lVert\mathbf{w}\rVert^2 - \sum_{k=1}^{4} d_k\,"
        r"e^{-\lVert\mathbf{w}-\mathbf{m}_k\rVert^2/(2 s_k^2)}",
        _wells_value,
        _wells_grad,
        _wells_hessian,
        start=[1.0, -1.0],  # gradient descent from here settles in the shallowest well
        # Found by Newton's method from the well centres, deepest first (tests check them).
        minima=[
            [1.9376986336893014, 1.4532733752790525],
            [-1.936198381597634, 1.9360903469779145],
            [-1.6841944071501105, -1.8713254148129448],
            [2.1030000575378374, -1.7195142401189245],
        ],
        bounds=((-4.0, 4.0), (-4.0, 4.0)),
    )


def _cliff_value(x, y):
    return x**2 / 4 + y**2 / 2 + 5 * (_softplus(20 * (x - 1)) - _softplus(20 * (x - 3)))


def _cliff_grad(x, y):  # zeta' = sigmoid
    return _vec(x / 2 + 100 * (_sigmoid(20 * (x - 1)) - _sigmoid(20 * (x - 3))), y)


def _cliff_hessian(x, y):  # sigmoid' = sigmoid (1 - sigmoid)
    s1, s3 = _sigmoid(20 * (x - 1)), _sigmoid(20 * (x - 3))
    return _mat(0.5 + 2000 * (s1 * (1 - s1) - s3 * (1 - s3)), 0.0, 1.0)


def _cliff():
    return Surface(
        "cliff",
        "Gentle bowl below a cliff",
        r"\tfrac{1}{4}x^2 + \tfrac{1}{2}y^2 + 5\left[\zeta(20(x-1)) - \zeta(20(x-3))\right],"
        r"\quad \zeta(z) = \log(1+e^z)",
        _xy(_cliff_value),
        _xy(_cliff_grad),
        _xy(_cliff_hessian),
        start=[5.0, 2.0],  # on top of the cliff: the way down is over the edge
        # the wall's exponential tail moves the minimum a hair left of the origin
        minima=[[-4.122273249966882e-07, 0.0]],
        bounds=((-9.0, 6.0), (-4.0, 4.0)),
    )


def _plateau_value(x, y, t=0.8):
    return 0.5 * (np.tanh(x + y) - t) ** 2 + 0.5 * (np.tanh(y - x) + t) ** 2


def _plateau_pq(x, y, t=0.8):
    """First and second derivatives of E in p = x + y and q = y - x (E separates in them)."""
    A, B = np.tanh(x + y), np.tanh(y - x)  # 1 - tanh^2 is exactly 0 once saturated
    Ep, Eq = (A - t) * (1 - A**2), (B + t) * (1 - B**2)
    Epp = (1 - A**2) * ((1 - A**2) - 2 * A * (A - t))
    Eqq = (1 - B**2) * ((1 - B**2) - 2 * B * (B + t))
    return Ep, Eq, Epp, Eqq


def _plateau_grad(x, y):
    Ep, Eq, _, _ = _plateau_pq(x, y)
    return _vec(Ep - Eq, Ep + Eq)  # chain rule: dp/dx = 1, dq/dx = -1, dp/dy = dq/dy = 1


def _plateau_hessian(x, y):
    _, _, Epp, Eqq = _plateau_pq(x, y)
    return _mat(Epp + Eqq, Epp - Eqq, Epp + Eqq)


def _plateau():
    return Surface(
        "plateau",
        "Plateau of a saturated tanh unit",
        r"\tfrac{1}{2}(\tanh(x+y) - 0.8)^2 + \tfrac{1}{2}(\tanh(y-x) + 0.8)^2",
        _xy(_plateau_value),
        _xy(_plateau_grad),
        _xy(_plateau_hessian),
        start=[-3.0, -0.5],  # saturated with the wrong sign
        minima=[[np.log(3.0), 0.0]],  # tanh(x + y) = 0.8 and tanh(y - x) = -0.8
        bounds=((-4.0, 3.0), (-3.5, 3.5)),
    )


#: The book's surfaces by name (see the module's description above).
SURFACES = {
    "bowl": bowl(1.0, 4.0, np.pi / 6, name="bowl"),
    "ravine": bowl(
        1.0,
        100.0,
        np.pi / 6,
        name="ravine",
        title="Ravine (κ = 100)",
        start=[-4.0, -1.0],
        bounds=((-5.0, 5.0), (-4.0, 4.0)),
    ),
    "saddle": _saddle(),
    "rosenbrock": _rosenbrock(),
    "himmelblau": _himmelblau(),
    "wells": _wells(),
    "cliff": _cliff(),
    "plateau": _plateau(),
}


def get_surface(name_or_surface):
    """Return a registered surface by name, or the given :class:`Surface` unchanged.

    Parameters
    ----------
    name_or_surface : str or Surface
        A key of :data:`SURFACES` or a surface.

    Returns
    -------
    Surface

    Examples
    --------
    >>> get_surface("ravine").eigenvalues.tolist()
    [1.0, 100.0]
    """
    if isinstance(name_or_surface, Surface):
        return name_or_surface
    if not isinstance(name_or_surface, str):
        raise TypeError(
            f"name_or_surface must be a str or a Surface, got {type(name_or_surface).__name__}"
        )
    return SURFACES[_validate.choice("name_or_surface", name_or_surface, SURFACES)]
