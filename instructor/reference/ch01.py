"""Chapter 1, instructor only: the reference computations.

The module ``instructor.reference.ch01`` (see ``course_utils/exercises/_hidden.py``):
``expected()``, the stored values of the visible checks, and ``hidden()``, the values of
the hidden checks (``instructor/checks/ch01.py``). Only the instructor's processes run it;
it never enters a student's kernel.
"""

import numpy as np

from course_utils.chapters.ch01_error_surfaces import checks as ch01
from course_utils.exercises import _hidden

checks = _hidden.module("ch01")  # the hidden checks: their inputs


# --- gradients written out by hand (the reference of exercise 1.1) ------------------------
def _g_exp_sin(w):
    return np.array([np.exp(w[0]) * np.sin(w[1]) + w[1] ** 2,
                     np.exp(w[0]) * np.cos(w[1]) + 2 * w[0] * w[1]])  # fmt: skip


def _g_rosenbrock(w):
    return np.array([-2 * (1 - w[0]) - 400 * w[0] * (w[1] - w[0] ** 2), 200 * (w[1] - w[0] ** 2)])


def _g_log3(w):
    return 2 * w / (1 + w @ w) + np.array([w[1] * w[2], w[0] * w[2], w[0] * w[1]])


def _g_cubic5(w):
    g = np.arange(1, 6) * w**2
    g[:-1] += w[1:]
    g[1:] += w[:-1]
    return g


_GRADIENTS = {ch01._f_exp_sin: _g_exp_sin, ch01._f_rosenbrock: _g_rosenbrock,
              ch01._f_log3: _g_log3, checks._f_cubic5: _g_cubic5}  # fmt: skip


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


def _newton(surface, w_hat):
    w = np.asarray(w_hat, dtype=float)
    return w - np.linalg.solve(surface.hessian(w), surface.grad(w))


def _predict(lams, lr, tol, max_steps=20_000):
    """(gradient descent's steps, Newton's steps) to ‖w_k‖ ≤ tol ‖w_0‖ on ½ Σ λᵢ wᵢ² from
    w_0 = 1, by multiplying out the factors 1 − ηλᵢ one step at a time; Newton's step
    lands on the minimum of a quadratic."""
    w = np.ones(len(lams))
    goal = tol * np.sqrt(len(lams))
    for k in range(1, max_steps + 1):
        w = w * (1 - lr * np.asarray(lams))
        norm = np.sqrt(w @ w)
        if norm <= goal:
            return [k, 1]
        if norm > 1e100:  # diverged
            break
    return [None, 1]


def step_margin(lams, lr, tol):
    """How far the count is from changing: the smallest |log(‖w_k‖ / goal)| of the last
    two steps around the crossing (large for a count that no rounding can move)."""
    k, _ = _predict(lams, lr, tol)
    if k is None:
        return float(np.log(np.max(np.abs(1 - lr * np.asarray(lams)))))
    f = np.abs(1 - lr * np.asarray(lams))
    goal = tol * np.sqrt(len(lams))
    with np.errstate(divide="ignore"):
        logs = [np.log(np.sqrt(np.sum(f ** (2 * j))) / goal) for j in (k - 1, k)]
    return float(min(abs(x) for x in logs if np.isfinite(x)))


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
        "predict_steps": [_predict(*case) for case in ch01.STEP_CASES],
    }


def hidden():
    """The values of the hidden checks, as JSON data."""
    return {
        "central_gradient": _gradients(checks.HIDDEN_CASES),
        "central_gradient_default_h": _g_exp_sin(np.array(checks.DEFAULT_H_POINT)).tolist(),
        "newton_step": [_newton(q, w).tolist() for _, q, w in checks.newton_inputs()],
        "predict_steps": [_predict(*case) for case in checks.STEP_MORE],
    }
