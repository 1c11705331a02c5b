"""Chapter 1, instructor only: the hidden checks, their inputs and their logic.

The module ``instructor.checks.ch01`` (see ``course_utils/exercises/_hidden.py``). In a
graded run this source enters the student's sandboxed kernel, which calls the student's
functions on these inputs, so it holds no solution: the values it compares with,
``HIDDEN``, are computed by ``instructor/reference/ch01.py`` in the grader's process.
"""

import numpy as np

from course_utils import exercises
from course_utils.chapters.ch01_error_surfaces import checks as ch01

HIDDEN = exercises.hidden(__name__)  # the reference's values: instructor/reference/ch01.py


def _f_cubic5(w):
    return np.sum(np.arange(1, 6) * w**3) / 3 + np.sum(w[:-1] * w[1:])


HIDDEN_CASES = [
    ("Σ k w_k³/3 + Σ w_k w_k+1 (5 weights)", _f_cubic5,
     [[1.0, -2.0, 0.5, 3.0, -1.5], [0.0, 0.0, 0.0, 0.0, 0.0]]),
    ("log(1 + ‖w‖²) + w1 w2 w3", ch01._f_log3, [[-3.0, 0.25, 1.0], [10.0, -10.0, 5.0]]),
    ("exp(w1) sin(w2) + w1 w2²", ch01._f_exp_sin, [[3.0, 0.1]]),
]  # fmt: skip
DEFAULT_H_POINT = [0.2, -0.7]


def check_central_gradient_hidden(central_gradient):
    """Exercise 1.1, hidden: 5 weights, a zero gradient, large coordinates, default h."""
    ch01._gradient_cases(central_gradient, HIDDEN_CASES, (1e-4,), HIDDEN["central_gradient"])
    w = np.array(DEFAULT_H_POINT)
    got = ch01.call("central_gradient", central_gradient, ch01._f_exp_sin, w)  # the default h
    ch01.check_close("central_gradient with its default h", got,
                     HIDDEN["central_gradient_default_h"], rtol=1e-7, atol=1e-8,
                     hint="keep the default step h = 1e-5")  # fmt: skip
    ch01.passed("central_gradient also works in 3 and 5 dimensions and with its default step.")


def newton_inputs():
    """``[(name, surface, w_hat)]``: a 3-D quadratic, and a quadratic whose centre is a saddle."""
    rng = np.random.default_rng(1)
    A = rng.normal(size=(3, 3))
    q3 = ch01._Quadratic(A @ A.T + 3 * np.eye(3), [0.5, -1.0, 2.0])
    saddle = ch01._Quadratic([[2.0, 0.0], [0.0, -1.0]], [3.0, 3.0])  # a saddle at (3, 3)
    return [("a 3-D quadratic", q3, [1.0, 1.0, 1.0]),
            ("a saddle-shaped quadratic", saddle, [0.0, 0.0])]  # fmt: skip


def check_newton_step_hidden(newton_step):
    """Exercise 1.3, hidden: three weights, and a quadratic whose centre is a saddle."""
    cases = [(*case, want) for case, want in
             zip(newton_inputs(), HIDDEN["newton_step"], strict=True)]  # fmt: skip
    ch01._newton_cases(newton_step, cases)
    ch01.passed("newton_step works in 3-D, and (rightly) jumps to a saddle when the model has one.")


#: (lams, lr, tol) the page never shows: the best fixed rate, a flat middle direction,
#: κ = 1000, a rate that lands in one step and one that diverges
STEP_MORE = [
    ((1.0, 50.0), 2 / 51, 1e-5),
    ((0.2, 1.0, 7.0), 0.25, 1e-3),
    ((1.0, 1000.0), 0.0019, 1e-2),
    ((2.0, 2.0), 0.5, 1e-8),
    ((1.0, 10.0), 0.25, 0.1),
]


def check_predict_steps_hidden(predict_steps):
    """1.4 (hidden): other curvatures, rates and tolerances (predictions only)."""
    ch01.step_cases(predict_steps, STEP_MORE, HIDDEN["predict_steps"], confirm=False)
    ch01.passed("predict_steps also predicts cases the page never shows.")
