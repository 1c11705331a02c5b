r"""Stationary points of an error surface, found by Newton's method on the gradient.

Setting the gradient of the quadratic model around :math:`\hat{\mathbf w}` to zero,
:math:`\mathbf b + \mathbf H(\mathbf w - \hat{\mathbf w}) = \mathbf 0`, gives the Newton step

.. math::

    \mathbf w = \hat{\mathbf w} - \mathbf H^{-1}\mathbf b .

Repeated, it converges quickly to a nearby point where :math:`\nabla E = \mathbf 0`, whatever
its kind: a minimum, a maximum or a saddle point. That makes it a poor optimizer on a
non-convex surface but a good tool for listing all the stationary points of a small one,
started from many points. Each point found is classified from its Hessian's eigenvalues.
"""

from typing import NamedTuple

import numpy as np

from course_utils import _validate
from course_utils.calculus import classify_stationary_point, eigen_analysis


class StationaryPoint(NamedTuple):
    """A point where the gradient vanishes, with its value, curvature and kind."""

    w: np.ndarray  # the point
    E: float  # E(w)
    eigenvalues: np.ndarray  # of the Hessian at w, ascending
    kind: str  # "minimum" | "maximum" | "saddle" | "inconclusive"


def newton_stationary(surface, w0, steps=50, tol=1e-9):
    r"""Iterate the Newton step :math:`\mathbf w \leftarrow \mathbf w - \mathbf H^{-1}\nabla E`.

    Parameters
    ----------
    surface : object
        Has ``grad(w)`` and ``hessian(w)`` (e.g. a ``Surface``).
    w0 : array_like of shape (n,)
        The starting point.
    steps : int
        The largest number of Newton steps, :math:`\ge 1`.
    tol : float
        Success when :math:`\lVert\nabla E(\mathbf w)\rVert \le` ``tol``.

    Returns
    -------
    ndarray of shape (n,) or None
        The stationary point reached, or ``None`` when the iteration met a singular
        Hessian, left the finite numbers, or had not converged after ``steps`` steps.

    Examples
    --------
    >>> from course_utils.surfaces import quadratic
    >>> newton_stationary(quadratic([[2.0, 0.0], [0.0, 5.0]], center=[1.0, -1.0]), [7.0, 3.0])
    array([ 1., -1.])
    """
    w = _validate.array("w0", w0, ndim=1)
    steps = _validate.integer("steps", steps, lo=1)
    tol = _validate.positive("tol", tol)
    with np.errstate(all="ignore"):
        for _ in range(steps + 1):
            g = np.asarray(surface.grad(w), dtype=float)
            if not np.all(np.isfinite(g)):
                return None
            if np.linalg.norm(g) <= tol:
                return w
            try:
                w = w - np.linalg.solve(np.asarray(surface.hessian(w), dtype=float), g)
            except np.linalg.LinAlgError:  # a singular Hessian: no Newton step
                return None
            if not np.all(np.isfinite(w)):
                return None
    return None


def find_stationary_points(surface, starts, steps=50, tol=1e-9, atol=1e-6):
    r"""Run :func:`newton_stationary` from every start and classify the distinct points found.

    Parameters
    ----------
    surface : object
        Has ``value(w)``, ``grad(w)`` and ``hessian(w)``.
    starts : array_like of shape (k, n)
        Starting points, e.g. a grid over the plotting box.
    steps, tol : int, float
        As in :func:`newton_stationary`.
    atol : float
        Two points closer than this in every coordinate count as the same point.

    Returns
    -------
    list of StationaryPoint
        Sorted by kind (minima, saddles, maxima, inconclusive), then by :math:`E`.

    Examples
    --------
    >>> from course_utils.surfaces import SURFACES
    >>> pts = find_stationary_points(SURFACES["saddle"], [[-2.0, 1.0], [0.1, 0.5], [2.0, -1.0]])
    >>> [((p.w.round(6) + 0.0).tolist(), p.kind) for p in pts]  # + 0.0: no "-0.0"
    [([-1.0, 0.0], 'minimum'), ([1.0, 0.0], 'minimum'), ([0.0, 0.0], 'saddle')]
    """
    starts = _validate.array("starts", starts, ndim=2)
    atol = _validate.positive("atol", atol)
    found = []
    for w0 in starts:
        w = newton_stationary(surface, w0, steps, tol)
        if w is not None and not any(np.allclose(w, p, rtol=0, atol=atol) for p in found):
            found.append(w)
    order = {"minimum": 0, "saddle": 1, "maximum": 2, "inconclusive": 3}
    points = []
    for w in found:
        H = np.asarray(surface.hessian(w), dtype=float)
        points.append(
            StationaryPoint(
                w, float(surface.value(w)), eigen_analysis(H).values, classify_stationary_point(H)
            )
        )
    return sorted(points, key=lambda p: (order[p.kind], p.E, *p.w))
