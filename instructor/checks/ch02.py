"""Chapter 2, instructor only: the reference computations and the hidden checks.

The module ``instructor.checks.ch02`` (see ``course_utils/exercises/_hidden.py``).
"""

import math

import numpy as np

from course_utils.chapters.ch02_gradient_information import checks as ch02


# --- reference computations (the solutions: never shipped as checker code) ----------------
def _backward(case):
    n_in, n_hidden, n_out, N, seed, scale = case
    net, X, y = ch02._random_network(n_in, n_hidden, n_out, N, seed, scale)
    _, grads = net.loss_and_grad(X, y)
    W1, b1, W2, b2 = net.params
    a1 = np.tanh(X @ W1 + b1)
    delta2 = (a1 @ W2 + b2 - y) / N
    no_prime = delta2 @ W2.T  # the hidden error without sigma'(z): a usual mistake
    return {"grads": [g.tolist() for g in grads],
            "no_prime": [(X.T @ no_prime).tolist(), no_prime.sum(axis=0).tolist()]}  # fmt: skip


def _sigmoid_output(case):
    """Per gradient (dW, db): the right one and two usual mistakes, as the checker's hints use."""
    a_prev, W, b, t = ch02.sigmoid_layer_inputs(*case)
    y_hat = 1.0 / (1.0 + np.exp(-(a_prev @ W + b)))
    out = []
    for slope, key in (
        (y_hat * (1 - y_hat), "grad"),
        (1.0, "linear"),
        (1 - y_hat**2, "tanh_slope"),
    ):
        delta = (y_hat - t) * slope / len(t)
        out.append({key: [(a_prev.T @ delta).tolist(), delta.sum(axis=0).tolist()]})
    return [{key: d[key][k] for d in out for key in d} for k in (0, 1)]


def _mlp_params(sizes):
    return sum((n_in + 1) * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True))


def _restarts(p, confidence):
    if p >= 1.0:
        return 1
    return math.ceil(math.log(1.0 - confidence) / math.log(1.0 - p))


def expected():
    """The expected values of the visible checks, as JSON data."""
    W = _mlp_params(ch02.COUNT_SIZES[-1])
    return {
        "backward": [_backward(case) for case in ch02.BACKWARD_CASES],
        "sigmoid_output": [_sigmoid_output(case) for case in ch02.SIGMOID_CASES],
        "counts": {
            "quadratic": [W_ + W_ * (W_ + 1) // 2 for W_ in ch02.COUNT_WEIGHTS],
            "passes": [2 * W_ for W_ in ch02.COUNT_WEIGHTS],
            "mlp_params": [_mlp_params(sizes) for sizes in ch02.COUNT_SIZES],
            "big_quadratic": W * (W + 3) // 2,
            "big_passes": 2 * W,
        },
        "restarts_needed": [_restarts(p, c) for p, c in ch02.RESTART_CASES],
    }


# --- hidden checks --------------------------------------------------------------------------
def check_backward_hidden(backward):
    """Exercise 2.1, hidden: one example, a wide network, saturated units (large weights)."""
    cases = [(2, 3, 1, 1, 3, 1.0), (4, 16, 3, 20, 4, 1.0), (2, 6, 2, 10, 5, 4.0)]
    stored = [_backward(case) for case in cases]
    ch02._backward_cases(backward, cases, stored)
    ch02.passed("backward also works for N = 1, for 3 outputs and with saturated tanh units.")


def check_max_relative_error_hidden(max_relative_error):
    """Exercise 2.3, hidden: a weight E ignores (0/0), and a network's loss."""
    net, X, y = ch02._random_network(2, 4, 1, 6, 7)

    def f_net(w):
        return net.flat_loss_and_grad(w, X, y)[0]

    def g_net(w):
        return net.flat_loss_and_grad(w, X, y)[1]

    w_net = net.get_flat()
    cases = [
        (
            "E(w) = w₁² + w₂² (w₃ is ignored)",
            lambda v: v[0] ** 2 + v[1] ** 2,
            lambda v: np.array([2 * v[0], 2 * v[1], 0.0]),
            [1.0, -0.5, 3.0],
            0.0,
            1e-6,
        ),
        ("a network's loss", f_net, g_net, w_net, 0.0, 1e-7),
        (
            "a network's loss with the gradient halved",
            f_net,
            lambda v: 0.5 * g_net(v),
            w_net,
            1 / 3,
            1e-4,
        ),
    ]
    ch02._relative_error_cases(max_relative_error, cases)
    ch02.passed("max_relative_error handles a zero component and checks a network's gradient.")
