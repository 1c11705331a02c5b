r"""Gradient clipping by global norm, with ``torch.nn.utils.clip_grad_norm_``'s rule.

All the gradients (one array, or a list of arrays such as a network's ``[W1, b1, ...]``)
are treated as one long vector :math:`g`. If its norm exceeds the threshold :math:`c`,
every array is scaled by the same factor, so the direction is kept and only the length
shrinks:

.. math::

    \|g\| = \sqrt{\textstyle\sum_i g_i^2}, \qquad
    s = \frac{c}{\|g\| + 10^{-6}}, \qquad
    g \leftarrow \begin{cases} s\, g & s < 1 \\ g & \text{otherwise} \end{cases}

The :math:`10^{-6}` (torch's) keeps the division finite when :math:`g = 0`; it makes
a clipped norm come out a hair below :math:`c`.
"""

import math

import numpy as np

from course_utils import _validate


def _arrays(grads):
    """Return (list of float arrays, True if the input was a list or tuple)."""
    if type(grads) is np.ndarray and grads.dtype == np.float64:
        return [grads], False  # already what the checks below would make of it
    if isinstance(grads, (list, tuple)):
        return [_validate.array(f"grads[{i}]", g, finite=False) for i, g in enumerate(grads)], True
    return [_validate.array("grads", grads, finite=False)], False


def global_norm(grads):
    r"""Return the Euclidean norm of all the gradients taken together, :math:`\|g\|`.

    Parameters
    ----------
    grads : ndarray or list of ndarray
        One gradient array, or several (any shapes).

    Returns
    -------
    float
        :math:`\sqrt{\sum g_i^2}` over every entry of every array. Computed with a scale
        factor, so huge finite entries (say ``1e200``) do not overflow to ``inf``;
        ``nan`` or ``inf`` entries give a ``nan`` or ``inf`` norm.

    Examples
    --------
    >>> global_norm([np.array([3.0]), np.array([[4.0]])])
    5.0
    """
    arrays, _ = _arrays(grads)
    with np.errstate(all="ignore"):
        scale = max((_max_abs(g) for g in arrays if g.size), default=0.0)
        if scale == 0.0 or not math.isfinite(scale):
            return scale  # 0 for all-zero gradients, inf or nan for non-finite ones
        return scale * math.sqrt(sum(_sum_of_squares(g / scale) for g in arrays))


# What abs(g).max() and (g**2).sum() compute, by the ufuncs those methods call: their
# wrappers cost as much as the arithmetic on a small gradient, once per step of a loop.
def _max_abs(g):
    return float(np.maximum.reduce(np.abs(g), axis=None))


def _sum_of_squares(g):
    return float(np.add.reduce(g**2, axis=None))


def clip_by_global_norm(grads, max_norm):
    r"""Scale the gradients so that their global norm is at most ``max_norm``.

    Parameters
    ----------
    grads : ndarray or list of ndarray
        One gradient array, or a list (or tuple) of arrays clipped together.
    max_norm : float
        The threshold :math:`c > 0`.

    Returns
    -------
    clipped : ndarray or list of ndarray
        New arrays, of the same kind as ``grads`` (the input is not modified).
    norm : float
        The global norm *before* clipping, as torch returns it.

    As in torch (with ``error_if_nonfinite=False``), a non-finite norm gives non-finite
    clipped values; no numpy warning is raised.

    Examples
    --------
    >>> clipped, norm = clip_by_global_norm(np.array([3.0, 4.0]), 1.0)
    >>> norm, np.round(clipped, 6)
    (5.0, array([0.6, 0.8]))
    """
    max_norm = _validate.positive("max_norm", max_norm)
    arrays, is_list = _arrays(grads)
    norm = global_norm(arrays)
    with np.errstate(all="ignore"):
        coef = max_norm / (norm + 1e-6)
        coef = min(coef, 1.0)  # torch's clamp: scale only when coef < 1 (a nan coef stays nan)
        clipped = [g * coef for g in arrays]
    if is_list:
        return type(grads)(clipped), norm
    return clipped[0], norm
