"""Chapter 1, instructor only: the reference computations and the hidden checks.

The module ``instructor.checks.ch01`` (see ``course_utils/exercises/_hidden.py``).
"""

import numpy as np

from course_utils.chapters.ch01_error_surfaces import checks as ch01


# --- gradients written out by hand (the reference of exercise 1.1) ------------------------
def _g_exp_sin(w):
    return np.array([np.exp(w[0]) * np.sin(w[1]) + w[1] ** 2,
                     np.exp(w[0]) * np.cos(w[1]) + 2 * w[0] * w[1]])  # fmt: skip


def _g_rosenbrock(w):
    return np.array([-2 * (1 - w[0]) - 400 * w[0] * (w[1] - w[0] ** 2), 200 * (w[1] - w[0] ** 2)])


def _g_log3(w):
    return 2 * w / (1 + w @ w) + np.array([w[1] * w[2], w[0] * w[2], w[0] * w[1]])


def _f_cubic5(w):
    return np.sum(np.arange(1, 6) * w**3) / 3 + np.sum(w[:-1] * w[1:])


def _g_cubic5(w):
    g = np.arange(1, 6) * w**2
    g[:-1] += w[1:]
    g[1:] += w[:-1]
    return g


_GRADIENTS = {ch01._f_exp_sin: _g_exp_sin, ch01._f_rosenbrock: _g_rosenbrock,
              ch01._f_log3: _g_log3, _f_cubic5: _g_cubic5}  # fmt: skip


def _gradients(cases):
    return [[_GRADIENTS[f](np.array(p, dtype=float)).tolist() for p in points]
            for _, f, points in cases]  # fmt: skip


def _rosenbrock_newton(w_hat):
    # the 2x2 solve written out with the explicit inverse [[d, -b], [-c, a]] / det
    x, y = w_hat
    a, b, d = 2 - 400 * y + 1200 * x**2, -400 * x, 200.0
    g = _g_rosenbrock(np.array(w_hat, float))
    det = a * d - b * b
    return np.array(w_hat) - np.array([d * g[0] - b * g[1], -b * g[0] + a * g[1]]) / det


def expected():
    """The expected values of the visible checks, as JSON data.

    The Hessian of Rosenbrock's function at (1, 1) is ``[[802, -400], [-400, 200]]``:
    trace 1002, determinant 400, so :math:`\\lambda = 501 \\mp \\sqrt{501^2 - 400}`.
    """
    root = np.sqrt(501.0**2 - 400.0)
    return {
        "gradients": _gradients(ch01.GRADIENT_CASES),
        "rosenbrock_eigenvalues": [501.0 - root, 501.0 + root],
        "newton_rosenbrock": [_rosenbrock_newton(w).tolist() for w in ch01.NEWTON_STARTS],
    }


# --- hidden checks --------------------------------------------------------------------------
_HIDDEN_CASES = [
    ("Σ k w_k³/3 + Σ w_k w_k+1 (5 weights)", _f_cubic5,
     [[1.0, -2.0, 0.5, 3.0, -1.5], [0.0, 0.0, 0.0, 0.0, 0.0]]),
    ("log(1 + ‖w‖²) + w1 w2 w3", ch01._f_log3, [[-3.0, 0.25, 1.0], [10.0, -10.0, 5.0]]),
    ("exp(w1) sin(w2) + w1 w2²", ch01._f_exp_sin, [[3.0, 0.1]]),
]  # fmt: skip


def check_central_gradient_hidden(central_gradient):
    """Exercise 1.1, hidden: 5 weights, a zero gradient, large coordinates, default h."""
    ch01._gradient_cases(central_gradient, _HIDDEN_CASES, (1e-4,), _gradients(_HIDDEN_CASES))
    w = np.array([0.2, -0.7])
    got = ch01.call("central_gradient", central_gradient, ch01._f_exp_sin, w)  # the default h
    ch01.check_close("central_gradient with its default h", got, _g_exp_sin(w), rtol=1e-7,
                     atol=1e-8, hint="keep the default step h = 1e-5")  # fmt: skip
    ch01.passed("central_gradient also works in 3 and 5 dimensions and with its default step.")


def check_newton_step_hidden(newton_step):
    """Exercise 1.3, hidden: three weights, and a quadratic whose centre is a saddle."""
    rng = np.random.default_rng(1)
    A = rng.normal(size=(3, 3))
    q3 = ch01._Quadratic(A @ A.T + 3 * np.eye(3), [0.5, -1.0, 2.0])
    saddle = ch01._Quadratic([[2.0, 0.0], [0.0, -1.0]], [3.0, 3.0])  # a saddle at (3, 3)
    cases = [
        ("a 3-D quadratic", q3, [1.0, 1.0, 1.0], [0.5, -1.0, 2.0]),
        ("a saddle-shaped quadratic", saddle, [0.0, 0.0], [3.0, 3.0]),
    ]
    ch01._newton_cases(newton_step, cases)
    ch01.passed("newton_step works in 3-D, and (rightly) jumps to a saddle when the model has one.")
