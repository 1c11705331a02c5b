"""Tests of weight-space symmetry (chapters.ch01_error_surfaces.symmetry), the chord test of
convexity (calculus.chord) and their two figures (plotting.plot_chord, plotting.plot_plane).

The oracles are independent of the code under test: the network is evaluated by its
formula written out here, and the midpoints between symmetric copies are compared with
smaller networks built by hand (a unit switched off, two units merged).
"""

from itertools import permutations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.axes import Axes
from numpy.testing import assert_allclose

from course_utils.calculus import chord, numerical_hessian
from course_utils.chapters.ch01_error_surfaces.symmetry import (
    PlaneLosses,
    count_distinct,
    loss_function,
    loss_on_plane,
    n_symmetries,
    symmetric_copies,
    tiny_minimum,
    transform_units,
)
from course_utils.nn import MLP
from course_utils.plotting import plot_chord, plot_plane
from course_utils.surfaces import SURFACES

X = np.linspace(-2.0, 2.0, 9)[:, None]


def random_params(M, seed=0, n_in=1, n_out=1):
    gen = np.random.default_rng(seed)
    return [
        gen.normal(size=(n_in, M)),
        gen.normal(size=M),
        gen.normal(size=(M, n_out)),
        gen.normal(size=n_out),
    ]


def output(params, X, sigma=np.tanh):
    """y = sigma(X W1 + b1) W2 + b2, written out unit by unit (no matrix products)."""
    W1, b1, W2, b2 = params
    y = np.tile(b2, (len(X), 1))
    for j in range(len(b1)):
        a_j = sigma(sum(X[:, i] * W1[i, j] for i in range(W1.shape[0])) + b1[j])
        y += a_j[:, None] * W2[j][None, :]
    return y


def test_n_symmetries_is_m_factorial_times_two_to_the_m():
    assert [n_symmetries(M) for M in range(6)] == [1, 2, 8, 48, 384, 3840]
    with pytest.raises(ValueError, match="M must be in"):
        n_symmetries(-1)


def test_transform_units_moves_in_weights_bias_and_out_weights_together():
    params = random_params(3, n_in=2, n_out=2)
    new = transform_units(params, perm=[2, 0, 1], signs=[1, -1, 1])
    W1, b1, W2, b2 = params
    # unit 0 of the new network is old unit 2, unit 1 is old unit 0 flipped, unit 2 old 1
    assert_allclose(new[0], np.column_stack([W1[:, 2], -W1[:, 0], W1[:, 1]]), rtol=0)
    assert_allclose(new[1], [b1[2], -b1[0], b1[1]], rtol=0)
    assert_allclose(new[2], np.vstack([W2[2], -W2[0], W2[1]]), rtol=0)
    assert_allclose(new[3], b2, rtol=0)
    assert new[3] is not b2  # copies, and the input is untouched
    assert_allclose(params[1], b1, rtol=0)


@pytest.mark.parametrize("M", [1, 2, 3])
def test_every_symmetric_copy_computes_the_same_function(M):
    params = random_params(M, seed=M, n_in=2, n_out=2)
    X2 = np.random.default_rng(9).normal(size=(7, 2))
    y = output(params, X2)
    copies = [
        transform_units(params, perm, signs)
        for perm in permutations(range(M))
        for signs in np.array(np.meshgrid(*[[1, -1]] * M)).reshape(M, -1).T
    ]
    assert len(copies) == n_symmetries(M)
    for c in copies:  # the same numbers summed in another order: equal to round-off
        assert_allclose(output(c, X2), y, rtol=0, atol=1e-14)


@pytest.mark.parametrize("M", [1, 2, 3, 4])
def test_symmetric_copies_are_m_factorial_two_to_the_m_distinct_points(M):
    params = random_params(M, seed=10 + M)
    rows = symmetric_copies(params)
    W = 3 * M + 1
    assert rows.shape == (n_symmetries(M), W)
    assert_allclose(rows[0], np.concatenate([p.ravel() for p in params]), rtol=0)
    assert count_distinct(rows) == n_symmetries(M)
    net = MLP([1, M, 1], seed=0)
    y = np.sin(X)
    losses = [net.flat_loss_and_grad(w, X, y)[0] for w in rows]
    assert_allclose(losses, losses[0], rtol=1e-13)


def test_a_sign_flip_is_a_symmetry_of_tanh_but_not_of_the_sigmoid():
    params = random_params(2, seed=3)
    flipped = transform_units(params, signs=[-1, 1])
    assert_allclose(output(flipped, X), output(params, X), rtol=0, atol=1e-15)
    sigmoid = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    assert np.max(np.abs(output(flipped, X, sigmoid) - output(params, X, sigmoid))) > 1e-2


def test_midpoint_of_a_flipped_copy_switches_the_unit_off():
    # Halfway between w and its copy with unit 1 flipped, unit 1's in-weights, bias and
    # out-weights are all zero: the network equals the one with unit 1 removed.
    params = random_params(3, seed=4)
    flipped = transform_units(params, signs=[1, -1, 1])
    mid = [(p + q) / 2 for p, q in zip(params, flipped, strict=True)]
    assert_allclose(mid[0][:, 1], 0.0, atol=0)
    assert_allclose([mid[1][1], mid[2][1, 0]], 0.0, atol=0)
    keep = [0, 2]
    smaller = [params[0][:, keep], params[1][keep], params[2][keep], params[3]]
    assert_allclose(output(mid, X), output(smaller, X), rtol=0, atol=1e-15)


def test_midpoint_of_a_swapped_copy_merges_the_two_units():
    # Halfway between w and its copy with units 0 and 2 swapped, both units have the
    # averaged in-weights and bias: one unit with the summed out-weight does the same.
    params = random_params(3, seed=5)
    swapped = transform_units(params, perm=[2, 1, 0])
    mid = [(p + q) / 2 for p, q in zip(params, swapped, strict=True)]
    W1, b1, W2, b2 = params
    merged = [
        np.column_stack([(W1[:, 0] + W1[:, 2]) / 2, W1[:, 1]]),
        np.array([(b1[0] + b1[2]) / 2, b1[1]]),
        np.vstack([W2[0] + W2[2], W2[1]]),
        b2,
    ]
    assert_allclose(output(mid, X), output(merged, X), rtol=1e-14, atol=1e-14)


def test_transform_units_of_a_second_hidden_layer():
    net = MLP([2, 3, 4, 1], seed=1)
    X2 = np.random.default_rng(2).normal(size=(5, 2))
    y = net.forward(X2)
    new = transform_units(net.params, perm=[3, 1, 0, 2], signs=[-1, 1, -1, 1], layer=2)
    assert_allclose(new[0], net.params[0], rtol=0)  # layer 1 untouched
    assert_allclose(new[2], net.params[2][:, [3, 1, 0, 2]] * [-1, 1, -1, 1], rtol=0)
    net.params = new
    assert_allclose(net.forward(X2), y, rtol=0, atol=1e-14)


def test_transform_units_validation():
    params = random_params(3)
    with pytest.raises(ValueError, match="perm must be a permutation of 0..2"):
        transform_units(params, perm=[0, 0, 1])
    with pytest.raises(ValueError, match="signs must hold 3 entries, each"):
        transform_units(params, signs=[1, 2, 1])
    with pytest.raises(ValueError, match="layer must be in"):
        transform_units(params, layer=2)
    with pytest.raises(ValueError, match="params must be a list"):
        transform_units(params[:2])
    with pytest.raises(ValueError, match="do not fit together"):
        transform_units([params[0], params[1], params[2][:2], params[3]])
    with pytest.raises(ValueError, match="at most 7 units"):
        symmetric_copies(random_params(8))


def test_count_distinct():
    pts = np.array([[0.0, 1.0], [0.0, 1.0 + 1e-12], [1.0, 0.0], [1.0, 0.0]])
    assert count_distinct(pts) == 2
    assert count_distinct(pts, tol=0.0) == 3
    assert count_distinct(pts, tol=2.0) == 1


def test_loss_on_plane_of_a_linear_function_is_exact():
    f = lambda w: float(np.array([1.0, -2.0, 0.5]) @ w) + 3.0  # noqa: E731
    w0, w1, w2 = np.zeros(3), np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 2.0])
    plane = loss_on_plane(f, w0, w1, w2, n=5, pad=0.5)
    assert isinstance(plane, PlaneLosses)
    assert_allclose(plane.alpha, [-0.5, 0.0, 0.5, 1.0, 1.5])
    A, B = np.meshgrid(plane.alpha, plane.beta)  # rows: beta
    assert_allclose(plane.E, 3.0 + 1.0 * A + (-2.0 + 1.0) * B, atol=1e-14)
    with pytest.raises(ValueError, match="w1 must have the same shape as w0"):
        loss_on_plane(f, w0, np.zeros(2), w2)
    with pytest.raises(TypeError, match="f must be callable"):
        loss_on_plane(None, w0, w1, w2)


def test_tiny_minimum_is_a_minimum():
    m = tiny_minimum()
    f = loss_function(m.net, m.X, m.y)
    assert m.grad_norm < 1e-10
    assert_allclose(f(m.w), m.loss, rtol=1e-14)
    assert_allclose(m.net.get_flat(), m.w, rtol=0)
    lam = np.linalg.eigvalsh(numerical_hessian(f, m.w))
    assert lam.min() > 0  # positive definite: a strict local minimum
    # the error there is below the noise variance's share, 1/2 * 0.05^2 = 1.25e-3
    assert 0 < m.loss < 1.25e-3


def test_between_two_symmetric_minima_the_error_rises_and_curves_down():
    m = tiny_minimum()
    f = loss_function(m.net, m.X, m.y)
    flipped = np.concatenate([p.ravel() for p in transform_units(m.net.params, signs=[-1, 1, 1])])
    c = chord(f, m.w, flipped, num=21)
    assert_allclose(c.E[[0, -1]], m.loss, rtol=1e-12)
    assert_allclose(c.E, c.E[::-1], rtol=1e-10)  # the flip maps the line onto itself
    assert c.gap > 100 * m.loss
    # at the midpoint the Hessian has a negative eigenvalue: E is not convex there
    assert np.linalg.eigvalsh(numerical_hessian(f, (m.w + flipped) / 2)).min() < 0


def test_chord_of_a_convex_quadratic_never_lies_below():
    f = lambda w: float(w[0] ** 2 + w[0] * w[1] + w[1] ** 2)  # noqa: E731  H = [[2,1],[1,2]]
    gen = np.random.default_rng(0)
    gaps = [chord(f, *gen.normal(size=(2, 2)), num=11).gap for _ in range(50)]
    assert max(gaps) <= 1e-12 and min(gaps) >= -1e-12  # the ends: gap 0


def test_chord_of_a_concave_parabola_has_the_exact_gap():
    # E = -w^2 on [-1, 1]: E(t) = -(2t - 1)^2, chord -1, largest gap 1 at t = 1/2
    c = chord(lambda w: -float(w[0] ** 2), [-1.0], [1.0], num=5)
    assert_allclose(c.t, [0, 0.25, 0.5, 0.75, 1])
    assert_allclose(c.E, [-1, -0.25, 0, -0.25, -1])
    assert_allclose(c.chord, -1.0)
    assert c.gap == 1.0


def test_chord_between_two_global_minima_of_himmelblau_rises():
    h = SURFACES["himmelblau"]
    c = chord(h.value, h.minima[0], h.minima[1])
    assert_allclose(c.chord, 0.0, atol=1e-9)  # both ends are global minima, E = 0
    assert c.gap > 10


def test_chord_validation():
    with pytest.raises(ValueError, match="b must have the same shape as a"):
        chord(lambda w: 0.0, [0.0, 1.0], [1.0])
    with pytest.raises(ValueError, match="num must be in"):
        chord(lambda w: 0.0, [0.0], [1.0], num=1)
    with pytest.raises(TypeError, match="f must be callable"):
        chord(3.0, [0.0], [1.0])


def test_plot_chord_and_plot_plane_return_axes():
    c = chord(lambda w: -float(w[0] ** 2), [-1.0], [1.0], num=11)
    ax = plot_chord(c, label="E")
    assert isinstance(ax, Axes)
    assert len(ax.lines) == 2 and len(ax.collections) == 1  # curve, chord, shaded gap
    assert_allclose(ax.lines[1].get_ydata(), -1.0)
    plane = loss_on_plane(lambda w: float(w @ w) + 1e-3, [0.0, 0.0], [1.0, 0.0], [0.0, 1.0], n=7)
    ax = plot_plane(plane, labels=("a", "b", "c"))
    assert isinstance(ax, Axes)
    assert [t.get_text() for t in ax.texts] == ["a", "b", "c"]
    assert len(ax.lines) == 3
    plt.close("all")


def test_plot_chord_without_chord_label_or_shading():
    c = chord(lambda w: -float(w[0] ** 2), [-1.0], [1.0], num=11)
    ax = plot_chord(c, label="E", chord_label=None, shade=False)
    assert len(ax.collections) == 0
    assert [t.get_text() for t in ax.legend().get_texts()] == ["E"]
    plt.close("all")
