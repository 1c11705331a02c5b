"""Chapter 2, instructor only: the reference computations.

The module ``instructor.reference.ch02`` (see ``course_utils/exercises/_hidden.py``):
``expected()``, the stored values of the visible checks, and ``hidden()``, the values of
the hidden checks (``instructor/checks/ch02.py``). It never enters a student's kernel.
"""

import math

import numpy as np

from course_utils.chapters.ch02_gradient_information import checks as ch02
from course_utils.exercises import _hidden

checks = _hidden.module("ch02")  # the hidden checks: their inputs


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


def _multiply_adds(sizes, N):
    """(backpropagation, central differences): the matrix products' multiply-adds, N·S for
    a forward pass, N(3S − n₀n₁) with backpropagation, 2W forward passes by differences."""
    S = sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True))
    return [N * (3 * S - sizes[0] * sizes[1]), 2 * _mlp_params(sizes) * N * S]


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
        "predict_multiply_adds": [_multiply_adds(*case) for case in ch02.COST_CASES],
    }


def hidden():
    """The values of the hidden checks, as JSON data: the gradients of the hidden networks,
    and the relative error each gradient of exercise 2.3's hidden cases has (0 for a right
    one, 1/3 for a gradient off by a factor 2 or 1/2)."""
    return {
        "backward": [_backward(case) for case in checks.BACKWARD_CASES],
        "max_relative_error": [0.0, 0.0, 1 / 3],
        "predict_multiply_adds": [_multiply_adds(*case) for case in checks.COST_MORE],
    }
