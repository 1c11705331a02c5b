"""Tests of course_utils.nn: backpropagation against finite differences and hand calculations."""

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from course_utils.nn import ACTIVATIONS, LOSSES, MLP, _sigmoid


def flat(arrays):
    return np.concatenate([a.ravel() for a in arrays])


def random_problem(sizes, loss, seed, N):
    gen = np.random.default_rng(seed)
    X = gen.normal(size=(N, sizes[0]))
    if loss == "mse":
        y = gen.normal(size=(N, sizes[-1]))
    else:
        y = gen.integers(0, sizes[-1], size=N)
    return X, y


def hidden_drives(net, X):
    """Pre-activations of the hidden layers, computed independently of MLP._forward."""
    sigma = ACTIVATIONS[net.activation].sigma
    a, drives = X, []
    for W, b in zip(net.params[0:-2:2], net.params[1:-2:2], strict=True):
        z = a @ W + b
        drives.append(z)
        a = sigma(z)
    return drives


# --- backpropagation against central finite differences ------------------------------------


@settings(max_examples=50, deadline=None)
@given(
    activation=st.sampled_from(sorted(ACTIVATIONS)),
    loss=st.sampled_from(sorted(LOSSES)),
    widths=st.lists(st.integers(1, 4), min_size=0, max_size=3),
    n_in=st.integers(1, 4),
    n_out=st.integers(1, 4),
    N=st.integers(1, 5),
    seed=st.integers(0, 2**16),
)
def test_backprop_matches_finite_differences(activation, loss, widths, n_in, n_out, N, seed):
    if loss == "cross_entropy":
        n_out = max(n_out, 2)
    sizes = [n_in, *widths, n_out]
    net = MLP(sizes, activation=activation, loss=loss, seed=seed)
    for p in net.params[1::2]:  # nonzero biases, so their gradient paths are exercised
        p += np.random.default_rng(seed + 1).normal(scale=0.5, size=p.shape)
    X, y = random_problem(sizes, loss, seed, N)
    if activation == "relu":  # keep every drive away from the kink at 0
        assume(all(np.min(np.abs(z)) > 1e-4 for z in hidden_drives(net, X)))
    _, grads = net.loss_and_grad(X, y)
    numeric = net.numerical_grads(X, y, h=1e-6)
    assert [g.shape for g in grads] == [p.shape for p in net.params]
    assert [g.shape for g in numeric] == [p.shape for p in net.params]
    g, g_num = flat(grads), flat(numeric)
    scale = max(np.linalg.norm(g), np.linalg.norm(g_num), 1e-3)
    assert np.linalg.norm(g - g_num) / scale < 1e-6


def test_numerical_grads_leave_the_model_unchanged():
    net = MLP([2, 3, 1], seed=4)
    X, y = random_problem(net.sizes, "mse", 0, 5)
    w = net.get_flat()
    net.numerical_grads(X, y)
    assert np.array_equal(net.get_flat(), w)


# --- known answers, computed by hand --------------------------------------------------------


def test_one_hidden_unit_by_hand():
    # x -> z1 = w1 x + b1 -> a1 = tanh(z1) -> y_hat = w2 a1 + b2, E = 1/2 (y_hat - y)^2
    w1, b1, w2, b2, x, y = 0.5, 0.1, -0.3, 0.2, 2.0, 1.0
    net = MLP([1, 1, 1], activation="tanh")
    net.set_flat([w1, b1, w2, b2])
    z1 = w1 * x + b1  # 1.1
    a1 = math.tanh(z1)
    y_hat = w2 * a1 + b2
    E = 0.5 * (y_hat - y) ** 2
    dE_dyhat = y_hat - y
    dE_dz1 = dE_dyhat * w2 * (1 - a1**2)  # chain rule through y_hat and tanh
    expected = [x * dE_dz1, dE_dz1, a1 * dE_dyhat, dE_dyhat]  # dW1, db1, dW2, db2
    assert_allclose(net.forward([[x]]), [[y_hat]], rtol=1e-14)
    loss, grads = net.loss_and_grad([[x]], [[y]])
    assert_allclose(loss, E, rtol=1e-14)
    assert_allclose(flat(grads), expected, rtol=1e-12)
    assert [g.shape for g in grads] == [(1, 1), (1,), (1, 1), (1,)]


def test_one_hidden_unit_sigmoid_and_relu_by_hand():
    x, y = 1.5, -0.5
    for activation, s, ds in [
        (
            "sigmoid",
            lambda z: 1 / (1 + math.exp(-z)),
            lambda z: math.exp(-z) / (1 + math.exp(-z)) ** 2,
        ),
        ("relu", lambda z: max(z, 0.0), lambda z: 1.0 if z > 0 else 0.0),
    ]:
        for w1 in (0.8, -0.8):
            net = MLP([1, 1, 1], activation=activation)
            net.set_flat([w1, 0.3, 2.0, -0.1])
            z1 = w1 * x + 0.3
            y_hat = 2.0 * s(z1) - 0.1
            d = y_hat - y
            _, grads = net.loss_and_grad([[x]], [y])
            assert_allclose(flat(grads), [x * d * 2.0 * ds(z1), d * 2.0 * ds(z1), s(z1) * d, d])


def test_linear_regression_gradient_closed_form():
    gen = np.random.default_rng(1)
    x, y = gen.normal(size=20), gen.normal(size=20)
    w, b = 0.7, -0.2
    net = MLP([1, 1])
    assert net.n_params == 2
    net.set_flat([w, b])
    r = w * x + b - y
    loss, g = net.flat_loss_and_grad(np.array([w, b]), x[:, None], y)
    assert_allclose(loss, 0.5 * np.mean(r**2), rtol=1e-13)
    assert_allclose(g, [np.mean(r * x), np.mean(r)], rtol=1e-12)


def test_gradient_vanishes_at_least_squares_solution():
    gen = np.random.default_rng(2)
    x = gen.normal(size=30)
    y = 3.0 * x - 1.0 + 0.1 * gen.normal(size=30)
    A = np.column_stack([x, np.ones_like(x)])
    w_star = np.linalg.lstsq(A, y, rcond=None)[0]
    _, g = MLP([1, 1]).flat_loss_and_grad(w_star, x[:, None], y)
    assert_allclose(g, 0.0, atol=1e-12)


@pytest.mark.parametrize("K", [2, 3, 10])
def test_cross_entropy_of_zero_logits_is_log_K(K):
    net = MLP([3, 4, K], loss="cross_entropy")
    net.set_flat(np.zeros(net.n_params))
    X = np.random.default_rng(0).normal(size=(8, 3))
    y = np.arange(8) % K
    loss, grads = net.loss_and_grad(X, y)
    assert_allclose(loss, math.log(K), rtol=1e-14)
    # dE/db_out = mean(softmax - onehot) = 1/K - (fraction of labels equal to k)
    freq = np.bincount(y, minlength=K) / 8
    assert_allclose(grads[-1], 1.0 / K - freq, atol=1e-15)


def test_cross_entropy_by_hand_and_stable_for_huge_logits():
    net = MLP([1, 3], loss="cross_entropy")
    net.set_flat([1.0, 2.0, 3.0, 0.0, 0.0, 0.0])  # logits = [x, 2x, 3x]
    x = 1.0
    expected = -(2.0 - math.log(math.exp(1) + math.exp(2) + math.exp(3)))  # label 1
    assert_allclose(net.loss([[x]], [1]), expected, rtol=1e-14)
    x = 1000.0  # exp(3000) overflows; the shifted log-softmax does not
    loss, grads = net.loss_and_grad([[x]], [2])
    assert_allclose(loss, -math.log(1 / (1 + math.exp(-1000) + math.exp(-2000))), atol=1e-12)
    assert np.all(np.isfinite(flat(grads)))


def test_mse_definition():
    net = MLP([2, 2])  # y_hat = x W + b
    net.set_flat([1.0, 2.0, 3.0, 4.0, 0.5, -0.5])
    X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    y = np.array([[1.0, 1.0], [0.0, 0.0], [4.0, 6.0]])
    y_hat = np.array([[1.5, 1.5], [3.5, 3.5], [4.5, 5.5]])
    assert_allclose(net.forward(X), y_hat)
    # 1/2 ||.||^2 per row: 0.25, 12.25, 0.25 -> batch mean 12.75 / 3
    assert_allclose(net.loss(X, y), 12.75 / 3, rtol=1e-14)


def test_mse_accepts_1d_targets_for_one_output():
    net = MLP([2, 3, 1], seed=1)
    X, y = random_problem(net.sizes, "mse", 1, 6)
    loss_2d, g_2d = net.loss_and_grad(X, y)
    loss_1d, g_1d = net.loss_and_grad(X, y.ravel())
    assert loss_1d == loss_2d
    assert_allclose(flat(g_1d), flat(g_2d))


def test_sigmoid_is_stable_and_correct():
    z = np.array([-1000.0, -30.0, -1.0, 0.0, 1.0, 30.0, 1000.0])
    s = _sigmoid(z)  # the pytest config turns any overflow warning into an error
    assert_allclose(s[1:-1], [1 / (1 + math.exp(-t)) for t in z[1:-1]], rtol=1e-15)
    assert s[0] == 0.0 and s[-1] == 1.0
    net = MLP([1, 2, 1], activation="sigmoid")
    assert np.all(np.isfinite(net.loss_and_grad([[1e6], [-1e6]], [0.0, 1.0])[1][0]))


def test_glorot_uniform_initialisation():
    net = MLP([100, 50, 10], seed=0)
    for W, b, (n_in, n_out) in zip(
        net.params[::2], net.params[1::2], [(100, 50), (50, 10)], strict=True
    ):
        r = math.sqrt(6 / (n_in + n_out))
        assert W.shape == (n_in, n_out) and b.shape == (n_out,)
        assert np.all(np.abs(W) <= r) and np.abs(W).max() > 0.9 * r
        assert_allclose(W.var(), r**2 / 3, rtol=0.15)  # variance of U(-r, r)
        assert np.all(b == 0)


# --- determinism, flat parameters ------------------------------------------------------------


def test_seeded_determinism():
    a, b, c = MLP([3, 5, 2], seed=7), MLP([3, 5, 2], seed=7), MLP([3, 5, 2], seed=8)
    assert np.array_equal(a.get_flat(), b.get_flat())
    assert not np.array_equal(a.get_flat(), c.get_flat())
    d = MLP([3, 5, 2], seed=np.random.default_rng(7))
    assert np.array_equal(a.get_flat(), d.get_flat())


def test_flat_round_trip_and_order():
    net = MLP([2, 3, 1], seed=0)
    assert net.n_params == 2 * 3 + 3 + 3 * 1 + 1
    w = np.arange(net.n_params, dtype=float)
    net.set_flat(w)
    assert_allclose(net.params[0], [[0, 1, 2], [3, 4, 5]])
    assert_allclose(net.params[1], [6, 7, 8])
    assert_allclose(net.params[3], [12])
    out = net.get_flat()
    assert_allclose(out, w)
    out[0] = 99.0  # get_flat returns a copy
    assert net.params[0][0, 0] == 0.0


def test_flat_loss_and_grad_does_not_change_the_model():
    net = MLP([2, 4, 3], activation="relu", loss="cross_entropy", seed=3)
    X, y = random_problem(net.sizes, "cross_entropy", 3, 7)
    w0 = net.get_flat()
    w = w0 + 0.1
    loss, g = net.flat_loss_and_grad(w, X, y)
    assert np.array_equal(net.get_flat(), w0)
    net.set_flat(w)
    loss_at_w, grads_at_w = net.loss_and_grad(X, y)
    assert loss == loss_at_w
    assert_allclose(g, flat(grads_at_w))


def test_predict_and_accuracy():
    net = MLP([1, 2], loss="cross_entropy")
    net.set_flat([1.0, -1.0, 0.0, 0.0])  # logits [x, -x]: class 0 for x > 0
    X = np.array([[2.0], [-1.0], [3.0], [-0.5]])
    assert np.array_equal(net.predict(X), [0, 1, 0, 1])
    assert net.accuracy(X, [0, 1, 1, 1]) == 0.75
    assert net.accuracy(X, np.array([0.0, 1.0, 0.0, 1.0])) == 1.0  # integral floats
    reg = MLP([1, 1])
    reg.set_flat([2.0, 1.0])
    assert_allclose(reg.predict([[1.0], [2.0]]), [[3.0], [5.0]])


def test_repr():
    assert repr(MLP([2, 3, 1])) == "MLP([2, 3, 1], activation='tanh', loss='mse')"


# --- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize("sizes", [[3], [], [2, 0, 1], [2, -1], [2.0, 1], [2, True], "21", 3])
def test_bad_sizes(sizes):
    with pytest.raises(ValueError, match="sizes"):
        MLP(sizes)


def test_bad_names():
    with pytest.raises(ValueError, match="activation must be one of 'tanh', 'sigmoid', 'relu'"):
        MLP([1, 1], activation="softplus")
    with pytest.raises(ValueError, match="loss must be one of 'mse', 'cross_entropy'"):
        MLP([1, 1], loss="hinge")
    with pytest.raises(TypeError, match="seed"):
        MLP([1, 1], seed=1.5)


def test_bad_X():
    net = MLP([2, 1])
    for X in (np.ones(2), np.ones((3, 3)), np.ones((0, 2)), [[1.0, np.nan]], [[np.inf, 0.0]]):
        with pytest.raises(ValueError, match="X"):
            net.forward(X)
    with pytest.raises(ValueError, match="X"):
        net.loss(np.ones((2, 3)), np.ones((2, 1)))


def test_bad_y_mse():
    net, X = MLP([2, 2]), np.ones((3, 2))
    for y in (np.ones((2, 2)), np.ones(3), np.ones((3, 1)), [[0, 0], [0, 0], [0, np.nan]]):
        with pytest.raises(ValueError, match="y"):
            net.loss(X, y)
    with pytest.raises(ValueError, match="y"):
        MLP([2, 1]).loss(X, np.ones(4))


def test_bad_y_cross_entropy():
    net, X = MLP([2, 3], loss="cross_entropy"), np.ones((3, 2))
    bad = [np.zeros((3, 1), int), [0, 1], [0, 1, 3], [0, -1, 2], [0.5, 1, 2], [0, 1, np.nan]]
    for y in bad + [["a", "b", "c"]]:
        with pytest.raises(ValueError, match="y"):
            net.loss_and_grad(X, y)


def test_bad_flat_vectors_and_h():
    net = MLP([2, 3, 1])
    X, y = np.ones((2, 2)), np.ones((2, 1))
    for w in (
        np.zeros(net.n_params - 1),
        np.zeros((net.n_params, 1)),
        np.full(net.n_params, np.nan),
    ):
        with pytest.raises(ValueError, match="w"):
            net.set_flat(w)
        with pytest.raises(ValueError, match="w"):
            net.flat_loss_and_grad(w, X, y)
    for h in (0.0, -1e-6):
        with pytest.raises(ValueError, match="h"):
            net.numerical_grads(X, y, h=h)


def test_accuracy_needs_a_classifier():
    with pytest.raises(ValueError, match="loss"):
        MLP([2, 1]).accuracy(np.ones((2, 2)), np.ones((2, 1)))
