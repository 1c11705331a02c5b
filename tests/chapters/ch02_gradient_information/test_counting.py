"""count_multiply_adds counts the products a gradient really makes (by hand and by formula)."""

import numpy as np
import pytest

from course_utils.chapters.ch02_gradient_information import cost
from course_utils.chapters.ch02_gradient_information.counting import count_multiply_adds


def test_counts_of_a_small_network_by_hand():
    # [2, 3, 1] on N = 5: the products X W1 (5·2·3 = 30) and a1 W2 (5·3·1 = 15) forward;
    # backward a1ᵀ δ2 (3·5·1 = 15), δ2 W2ᵀ (5·1·3 = 15), Xᵀ δ1 (2·5·3 = 30); W = 13
    counts = count_multiply_adds([2, 3, 1], N=5)
    assert counts == (13, 45, 45 + 15 + 15 + 30, 2 * 13 * 45)


@pytest.mark.parametrize(
    ("sizes", "N"), [([1, 1], 1), ([3, 4, 2], 10), ([2, 5, 5, 5, 3], 4), ([10, 1, 10], 2)]
)
def test_counts_agree_with_the_formula(sizes, N):
    assert count_multiply_adds(sizes, N) == cost.multiply_adds(sizes, N)


def test_the_counting_batch_leaves_the_arithmetic_alone():
    """The counted run computes the same loss and gradient as a plain one, bit for bit."""
    from course_utils.chapters.ch02_gradient_information.counting import _counted
    from course_utils.nn import MLP

    net = MLP([3, 4, 2], seed=1)
    gen = np.random.default_rng(0)
    X, y = gen.normal(size=(6, 3)), gen.normal(size=(6, 2))
    E, grads = net._loss_and_grad(net.params, X, y)
    Xc = _counted(X)
    E_c, grads_c = net._loss_and_grad(net.params, Xc, y)
    assert float(E_c) == float(E) and Xc.tally[0] == 6 * (3 * 20 - 12)
    for g, g_c in zip(grads, grads_c, strict=True):
        assert np.array_equal(np.asarray(g_c), g)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="N"):
        count_multiply_adds([2, 3, 1], N=0)
    with pytest.raises(ValueError, match="sizes"):
        count_multiply_adds([2], N=3)
