"""Argument checks shared by every public function of ``course_utils``.

Each check raises ``ValueError`` (or ``TypeError`` for the wrong kind of object)
with a message that names the argument, the allowed values and what was given,
for example ``ValueError("lr must be > 0, got -0.1")``.
"""

import math
from numbers import Integral, Real

import numpy as np


def _describe(lo, hi, lo_open, hi_open):
    left = "(" if lo_open else "["
    right = ")" if hi_open else "]"
    lo_s = "-inf" if lo is None else f"{lo:g}"
    hi_s = "inf" if hi is None else f"{hi:g}"
    return f"{left}{lo_s}, {hi_s}{right}"


def number(name, value, lo=None, hi=None, lo_open=False, hi_open=False):
    """Return ``value`` as a float after checking it is a finite real in the interval.

    ``lo``/``hi`` of ``None`` mean unbounded; ``lo_open``/``hi_open`` exclude the ends.
    """
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    too_low = lo is not None and (value <= lo if lo_open else value < lo)
    too_high = hi is not None and (value >= hi if hi_open else value > hi)
    if too_low or too_high:
        raise ValueError(f"{name} must be in {_describe(lo, hi, lo_open, hi_open)}, got {value:g}")
    return value


def positive(name, value):
    """Return ``value`` as a float after checking ``value > 0``."""
    return number(name, value, lo=0.0, lo_open=True)


def integer(name, value, lo=None, hi=None):
    """Return ``value`` as an int after checking ``lo <= value <= hi``."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    value = int(value)
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise ValueError(f"{name} must be in {_describe(lo, hi, False, False)}, got {value}")
    return value


def choice(name, value, allowed):
    """Return ``value`` after checking it is one of ``allowed`` (a list, tuple or dict)."""
    if value not in allowed:
        options = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"{name} must be one of {options}, got {value!r}")
    return value


def array(name, value, ndim=None, shape=None, finite=True):
    """Return ``value`` as a float ndarray, checking its rank, shape and finiteness.

    ``shape`` may contain ``None`` for an axis of any length.
    """
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be an array of numbers: {err}") from None
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimension(s), got shape {arr.shape}")
    if shape is not None:
        ok = arr.ndim == len(shape) and all(
            s is None or s == n for s, n in zip(shape, arr.shape, strict=True)
        )
        if not ok:
            want = "(" + ", ".join("any" if s is None else str(s) for s in shape) + ")"
            raise ValueError(f"{name} must have shape {want}, got {arr.shape}")
    if finite and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must contain only finite numbers (no nan or inf)")
    return arr


def same_shape(name_a, a, name_b, b):
    """Check that two arrays have the same shape."""
    shape_a = a.shape if isinstance(a, np.ndarray) else np.shape(a)
    shape_b = b.shape if isinstance(b, np.ndarray) else np.shape(b)
    if shape_a != shape_b:
        raise ValueError(f"{name_b} must have the same shape as {name_a}: {shape_b} != {shape_a}")


def function(name, f, optional=False):
    """Return ``f`` after checking it is callable (or None, when ``optional``)."""
    if not (callable(f) or (optional and f is None)):
        kind = "callable or None" if optional else "callable"
        raise TypeError(f"{name} must be {kind}, got {type(f).__name__}")
    return f


def rng(seed):
    """Return a ``numpy.random.Generator`` from a seed or an existing generator."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or isinstance(seed, bool) or not isinstance(seed, Integral):
        raise TypeError(
            f"seed must be an int or a numpy.random.Generator, got {type(seed).__name__}"
        )
    return np.random.default_rng(int(seed))
