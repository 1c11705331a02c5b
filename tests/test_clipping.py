"""Tests of course_utils.clipping (torch's clip_grad_norm_ rule, computed by hand)."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.testing import assert_allclose

from course_utils.clipping import clip_by_global_norm, global_norm


def test_global_norm():
    assert global_norm(np.array([3.0, 4.0])) == 5.0
    assert global_norm([np.array([1.0]), np.array([[2.0], [2.0]])]) == 3.0
    assert global_norm(np.zeros(3)) == 0.0 and global_norm(np.array([])) == 0.0
    assert global_norm([np.zeros((0, 2)), np.array([-2.0])]) == 2.0


def test_global_norm_does_not_overflow_or_warn():
    assert_allclose(global_norm(np.array([1e200, 1e200])), math.sqrt(2) * 1e200)
    assert global_norm(np.array([1.0, np.inf])) == math.inf
    assert math.isnan(global_norm([np.array([1.0]), np.array([np.nan])]))


def test_clip_above_threshold():
    clipped, norm = clip_by_global_norm(np.array([3.0, 4.0]), 1.0)
    assert norm == 5.0
    assert_allclose(clipped, [3.0 / (5.0 + 1e-6), 4.0 / (5.0 + 1e-6)], rtol=1e-15)


def test_clip_at_threshold_shrinks_by_the_1e6():
    # coef = 5 / (5 + 1e-6) < 1, so torch scales even at the threshold
    clipped, _ = clip_by_global_norm(np.array([3.0, 4.0]), 5.0)
    assert_allclose(clipped, np.array([3.0, 4.0]) * 5.0 / (5.0 + 1e-6), rtol=1e-15)
    assert np.all(clipped < [3.0, 4.0])


def test_clip_below_threshold_returns_a_copy():
    g = np.array([0.3, 0.4])
    clipped, norm = clip_by_global_norm(g, 1.0)
    assert norm == pytest.approx(0.5)
    assert_allclose(clipped, g, rtol=0) and clipped is not g


def test_clip_list_and_tuple_together():
    grads = [np.array([[1.0, 2.0]]), np.array([2.0])]  # global norm 3
    clipped, norm = clip_by_global_norm(grads, 1.5)
    assert isinstance(clipped, list) and norm == 3.0
    coef = 1.5 / (3.0 + 1e-6)
    assert_allclose(clipped[0], [[coef, 2 * coef]]) and assert_allclose(clipped[1], [2 * coef])
    assert clipped[0].shape == (1, 2)
    clipped, _ = clip_by_global_norm(tuple(grads), 1.5)
    assert isinstance(clipped, tuple) and len(clipped) == 2


def test_clip_zero_and_non_finite():
    clipped, norm = clip_by_global_norm(np.zeros(2), 1.0)
    assert norm == 0.0 and np.all(clipped == 0.0)
    # torch (error_if_nonfinite=False): inf norm gives coef 0, so inf * 0 = nan, 0 elsewhere
    clipped, norm = clip_by_global_norm(np.array([np.inf, 1.0]), 1.0)
    assert norm == math.inf and math.isnan(clipped[0]) and clipped[1] == 0.0
    clipped, norm = clip_by_global_norm(np.array([np.nan, 1.0]), 1.0)
    assert math.isnan(norm) and np.all(np.isnan(clipped))


@pytest.mark.parametrize("max_norm", [0, -1.0, math.nan])
def test_max_norm_must_be_positive(max_norm):
    with pytest.raises(ValueError, match="max_norm"):
        clip_by_global_norm(np.ones(2), max_norm)


def test_grads_must_be_numbers():
    with pytest.raises(TypeError, match=r"grads\[1\]"):
        clip_by_global_norm([np.ones(2), "x"], 1.0)


@settings(max_examples=50, deadline=None)
@given(
    g=arrays(np.float64, st.sampled_from([(1,), (3,), (2, 3)]), elements=st.floats(-1e3, 1e3)),
    c=st.floats(1e-3, 1e3),
)
def test_clip_properties(g, c):
    original = g.copy()
    clipped, norm = clip_by_global_norm(g, c)
    assert_allclose(g, original, rtol=0, atol=0)  # input untouched
    assert clipped.shape == g.shape
    assert_allclose(norm, math.hypot(*g.ravel()), rtol=1e-12)  # hypot: no underflow
    coef = c / (norm + 1e-6)  # torch's rule: scale only when coef < 1
    if coef < 1:  # same direction, norm just below c
        assert_allclose(clipped, g * coef, rtol=1e-15, atol=0)
        assert global_norm(clipped) < c
        assert_allclose(global_norm(clipped), c * norm / (norm + 1e-6), rtol=1e-12)
    else:
        assert_allclose(clipped, g, rtol=0, atol=0)
