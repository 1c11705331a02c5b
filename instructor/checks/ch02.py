"""Chapter 2, instructor only: the hidden checks, their inputs and their logic.

The module ``instructor.checks.ch02`` (see ``course_utils/exercises/_hidden.py``). In a
graded run this source enters the student's sandboxed kernel, so it holds no solution:
the values it compares with, ``HIDDEN``, are computed by ``instructor/reference/ch02.py``.
"""

import numpy as np

from course_utils import exercises
from course_utils.chapters.ch02_gradient_information import checks as ch02

HIDDEN = exercises.hidden(__name__)  # the reference's values: instructor/reference/ch02.py

#: one example, a wide network, saturated units (large weights)
BACKWARD_CASES = [(2, 3, 1, 1, 3, 1.0), (4, 16, 3, 20, 4, 1.0), (2, 6, 2, 10, 5, 4.0)]


def check_backward_hidden(backward):
    """Exercise 2.1, hidden: one example, a wide network, saturated units (large weights)."""
    ch02._backward_cases(backward, BACKWARD_CASES, HIDDEN["backward"])
    ch02.passed("backward also works for N = 1, for 3 outputs and with saturated tanh units.")


def check_max_relative_error_hidden(max_relative_error):
    """Exercise 2.3, hidden: a weight E ignores (0/0), and a network's loss."""
    net, X, y = ch02._random_network(2, 4, 1, 6, 7)

    def f_net(w):
        return net.flat_loss_and_grad(w, X, y)[0]

    def g_net(w):
        return net.flat_loss_and_grad(w, X, y)[1]

    w_net = net.get_flat()
    want = HIDDEN["max_relative_error"]
    cases = [
        (
            "E(w) = w₁² + w₂² (w₃ is ignored)",
            lambda v: v[0] ** 2 + v[1] ** 2,
            lambda v: np.array([2 * v[0], 2 * v[1], 0.0]),
            [1.0, -0.5, 3.0],
            want[0],
            1e-6,
        ),
        ("a network's loss", f_net, g_net, w_net, want[1], 1e-7),
        (
            "a network's loss with the gradient halved",
            f_net,
            lambda v: 0.5 * g_net(v),
            w_net,
            want[2],
            1e-4,
        ),
    ]
    ch02._relative_error_cases(max_relative_error, cases)
    ch02.passed("max_relative_error handles a zero component and checks a network's gradient.")


#: (sizes, N) the page never shows: a one-unit bottleneck, a deep narrow network, a wide
#: first layer, one example
COST_MORE = [([10, 1, 10], 2), ([2, 5, 5, 5, 3], 4), ([7, 2, 9], 11), ([6, 12, 1], 1)]


def check_predict_multiply_adds_hidden(predict_multiply_adds):
    """2.2 (hidden): other networks and batch sizes (predictions only)."""
    ch02.cost_cases(predict_multiply_adds, COST_MORE, HIDDEN["predict_multiply_adds"],
                    confirm=False)  # fmt: skip
    ch02.passed("predict_multiply_adds also counts networks the page never shows.")
