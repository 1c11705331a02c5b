import numpy as np
import pytest

from course_utils import _validate


def test_number_accepts_reals_in_range_and_names_the_argument_otherwise():
    assert _validate.number("lr", 1) == 1.0
    assert _validate.number("beta", 0.0, lo=0, hi=1, hi_open=True) == 0.0
    with pytest.raises(ValueError, match=r"beta must be in \[0, 1\), got 1"):
        _validate.number("beta", 1.0, lo=0, hi=1, hi_open=True)
    with pytest.raises(ValueError, match=r"lr must be in \(0, inf\], got 0"):
        _validate.positive("lr", 0.0)
    with pytest.raises(ValueError, match="lr must be finite"):
        _validate.number("lr", float("nan"))
    with pytest.raises(TypeError, match="lr must be a real number, got str"):
        _validate.number("lr", "0.1")
    with pytest.raises(TypeError, match="flag must be a real number, got bool"):
        _validate.number("flag", True)


def test_integer_choice_and_rng():
    assert _validate.integer("epochs", np.int64(3), lo=0) == 3
    with pytest.raises(ValueError, match=r"batch_size must be in \[1, 10\], got 11"):
        _validate.integer("batch_size", 11, lo=1, hi=10)
    with pytest.raises(TypeError, match="steps must be an integer, got float"):
        _validate.integer("steps", 3.0)
    assert _validate.choice("loss", "mse", ["mse", "cross_entropy"]) == "mse"
    with pytest.raises(ValueError, match="loss must be one of 'mse', 'cross_entropy', got 'l1'"):
        _validate.choice("loss", "l1", ["mse", "cross_entropy"])
    g = np.random.default_rng(1)
    assert _validate.rng(g) is g
    assert _validate.rng(5).integers(1000) == np.random.default_rng(5).integers(1000)
    with pytest.raises(TypeError, match="seed"):
        _validate.rng(None)


def test_array_checks_rank_shape_and_finiteness():
    a = _validate.array("w", [1, 2], ndim=1)
    assert a.dtype == float and a.shape == (2,)
    assert _validate.array("X", np.zeros((3, 2)), shape=(None, 2)).shape == (3, 2)
    with pytest.raises(ValueError, match="w must have 1 dimension"):
        _validate.array("w", [[1.0]], ndim=1)
    with pytest.raises(ValueError, match=r"X must have shape \(any, 2\), got \(3, 3\)"):
        _validate.array("X", np.zeros((3, 3)), shape=(None, 2))
    with pytest.raises(ValueError, match="X must have shape"):
        _validate.array("X", np.zeros(3), shape=(None, 2))
    with pytest.raises(ValueError, match="w0 must contain only finite"):
        _validate.array("w0", [1.0, np.inf])
    assert np.isnan(_validate.array("w", [np.nan], finite=False))[0]
    with pytest.raises(TypeError, match="w must be an array of numbers"):
        _validate.array("w", ["a"])
    _validate.same_shape("params", np.zeros(2), "grad", np.ones(2))
    with pytest.raises(ValueError, match=r"grad must have the same shape as params"):
        _validate.same_shape("params", np.zeros(2), "grad", np.ones(3))
