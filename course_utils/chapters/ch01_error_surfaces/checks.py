r"""Checkers for the exercises of chapter 1 (error surfaces, Taylor expansion, Hessian).

Each checker computes the right answer on its own, from closed forms written out here
(never from the student's code or from the package's finite differences), and tests a
student's function at several inputs, so that no single lucky number passes.
"""

import numpy as np

from course_utils.exercises._feedback import call, check_close, check_true, fail, passed


# --- test functions with their gradients, written out by hand -------------------------------
def _f_exp_sin(w):
    return np.exp(w[0]) * np.sin(w[1]) + w[0] * w[1] ** 2


def _g_exp_sin(w):
    return np.array([np.exp(w[0]) * np.sin(w[1]) + w[1] ** 2,
                     np.exp(w[0]) * np.cos(w[1]) + 2 * w[0] * w[1]])  # fmt: skip


def _f_rosenbrock(w):
    return (1 - w[0]) ** 2 + 100 * (w[1] - w[0] ** 2) ** 2


def _g_rosenbrock(w):
    return np.array([-2 * (1 - w[0]) - 400 * w[0] * (w[1] - w[0] ** 2), 200 * (w[1] - w[0] ** 2)])


def _f_log3(w):
    return np.log(1 + w @ w) + w[0] * w[1] * w[2]


def _g_log3(w):
    return 2 * w / (1 + w @ w) + np.array([w[1] * w[2], w[0] * w[2], w[0] * w[1]])


def _f_cubic5(w):
    return np.sum(np.arange(1, 6) * w**3) / 3 + np.sum(w[:-1] * w[1:])


def _g_cubic5(w):
    g = np.arange(1, 6) * w**2
    g[:-1] += w[1:]
    g[1:] += w[:-1]
    return g


_CASES = [  # (name, f, grad, points)
    ("exp(w1) sin(w2) + w1 w2²", _f_exp_sin, _g_exp_sin, [[0.3, -1.2], [1.5, 2.0], [-2.0, 0.4]]),
    ("Rosenbrock", _f_rosenbrock, _g_rosenbrock, [[-1.5, 2.0], [0.5, 0.5]]),
    ("log(1 + ‖w‖²) + w1 w2 w3", _f_log3, _g_log3, [[0.5, -1.0, 2.0]]),
]
_HIDDEN_CASES = [
    ("Σ k w_k³/3 + Σ w_k w_k+1 (5 weights)", _f_cubic5, _g_cubic5,
     [[1.0, -2.0, 0.5, 3.0, -1.5], [0.0, 0.0, 0.0, 0.0, 0.0]]),
    ("log(1 + ‖w‖²) + w1 w2 w3", _f_log3, _g_log3, [[-3.0, 0.25, 1.0], [10.0, -10.0, 5.0]]),
    ("exp(w1) sin(w2) + w1 w2²", _f_exp_sin, _g_exp_sin, [[3.0, 0.1]]),
]  # fmt: skip


def _gradient_cases(central_gradient, cases, hs):
    if not callable(central_gradient):
        fail("central_gradient", "a function central_gradient(f, w, h)", repr(central_gradient))
    for name, f, grad, points in cases:
        for p in points:
            for h in hs:
                w = np.array(p, dtype=float)
                got = call("central_gradient", central_gradient, f, w, h=h)
                check_true(
                    "central_gradient",
                    np.array_equal(w, np.array(p, dtype=float)),
                    f"it changed its argument w (now {w.tolist()}, was {p})",
                    "perturb a copy of w, e.g. w_plus = w.copy(); w_plus[i] += h",
                )
                # a central difference with h = 1e-4 is within ~1e-5 relative of the truth on
                # these functions; a forward difference is off by ~h/2 times the curvature
                check_close(
                    f"central_gradient of {name} at w = {p} with h = {h:g}",
                    got,
                    grad(np.array(p, dtype=float)),
                    rtol=2e-6,
                    atol=1e-6,
                    hint="divide E(w + h e_i) - E(w - h e_i) by 2h, one coordinate i at a time",
                )


def check_central_gradient(central_gradient):
    """Exercise 1.1: ``central_gradient(f, w, h=1e-5)`` on three functions, at six points."""
    _gradient_cases(central_gradient, _CASES, hs=(1e-4, 1e-6))
    passed("central_gradient matches the analytic gradients of 3 functions at 6 points.")


def check_central_gradient_hidden(central_gradient):
    """Exercise 1.1, hidden: 5 weights, a zero gradient, large coordinates, default h."""
    _gradient_cases(central_gradient, _HIDDEN_CASES, hs=(1e-4,))
    w = np.array([0.2, -0.7])
    got = call("central_gradient", central_gradient, _f_exp_sin, w)  # the default h
    check_close("central_gradient with its default h", got, _g_exp_sin(w), rtol=1e-7, atol=1e-8,
                hint="keep the default step h = 1e-5")  # fmt: skip
    passed("central_gradient also works in 3 and 5 dimensions and with its default step.")


# --- 1.2: the Hessian at the minimum of Rosenbrock's valley ---------------------------------
def check_rosenbrock_curvature(lam, eta_max):
    r"""Exercise 1.2: the Hessian's eigenvalues at :math:`(1, 1)` (ascending) and
    :math:`2/\lambda_{\max}`.

    The Hessian there is ``[[802, -400], [-400, 200]]``: trace 1002, determinant 400, so
    :math:`\lambda = 501 \mp \sqrt{501^2 - 400}`.
    """
    root = np.sqrt(501.0**2 - 400.0)
    expected = np.array([501.0 - root, 501.0 + root])
    if hasattr(lam, "vectors"):  # an Eigen result of eigen_analysis
        fail("lam", expected.tolist(), "an Eigen tuple", "keep only its .values")
    try:
        got = np.asarray(lam, dtype=float)
    except (TypeError, ValueError):
        got = None
    if got is not None and got.shape == (2,):
        if np.allclose(got[::-1], expected, rtol=1e-6):
            fail("lam", expected.tolist(), got.tolist(), "list the eigenvalues in ascending order")
        if np.allclose(np.sort(got), [200.0, 802.0]):
            fail("lam", expected.tolist(), got.tolist(),
                 "those are the diagonal entries of H; H has off-diagonal entries too")  # fmt: skip
    check_close("lam (the Hessian's eigenvalues at w* = (1, 1))", lam, expected, rtol=1e-6,
                hint="H = [[1200x² − 400y + 2, −400x], [−400x, 200]] at (1, 1)")  # fmt: skip
    check_close(
        "eta_max",
        eta_max,
        2 / expected[1],
        rtol=1e-6,
        hint="the step along u_i is multiplied by 1 − η λ_i; which λ_i limits η?",
    )
    kappa, shrink = expected[1] / expected[0], 2 * expected[0] / expected[1]
    passed(
        f"both eigenvalues are positive: a minimum, with condition number {kappa:.0f}. "
        f"Gradient descent needs η < {2 / expected[1]:.5f}, and then the shallow direction "
        f"shrinks by at most {shrink:.2%} a step."
    )


# --- 1.3: one Newton step --------------------------------------------------------------------
class _Quadratic:
    """A test surface E = ½ (w − c)ᵀ H (w − c) + E0, with grad and hessian, any n."""

    def __init__(self, H, c, E0=0.0):
        self.H, self.c, self.E0 = np.asarray(H, float), np.asarray(c, float), E0

    def value(self, w):
        d = np.asarray(w, float) - self.c
        return 0.5 * d @ self.H @ d + self.E0

    def grad(self, w):
        return self.H @ (np.asarray(w, float) - self.c)

    def hessian(self, w):
        return self.H.copy()


class _Rosenbrock:
    def value(self, w):
        return _f_rosenbrock(np.asarray(w, float))

    def grad(self, w):
        return _g_rosenbrock(np.asarray(w, float))

    def hessian(self, w):
        x, y = w
        return np.array([[2 - 400 * y + 1200 * x**2, -400 * x], [-400 * x, 200.0]])


def _newton_cases(newton_step, cases):
    if not callable(newton_step):
        fail("newton_step", "a function newton_step(surface, w_hat)", repr(newton_step))
    for name, surface, w_hat, expected in cases:
        w = np.array(w_hat, dtype=float)
        got = call("newton_step", newton_step, surface, w)
        check_true("newton_step", np.array_equal(w, np.array(w_hat, dtype=float)),
                   f"it changed its argument w_hat (now {w.tolist()}, was {w_hat})")  # fmt: skip
        check_close(
            f"newton_step on {name} from ŵ = {w_hat}",
            got,
            expected,
            rtol=1e-8,
            atol=1e-10,
            hint="solve H δ = −b for the step δ (np.linalg.solve) and return ŵ + δ",
        )


def _rosenbrock_newton(w_hat):
    # the 2x2 solve written out with the explicit inverse [[d, -b], [-c, a]] / det
    x, y = w_hat
    a, b, d = 2 - 400 * y + 1200 * x**2, -400 * x, 200.0
    g = _g_rosenbrock(np.array(w_hat, float))
    det = a * d - b * b
    return np.array(w_hat) - np.array([d * g[0] - b * g[1], -b * g[0] + a * g[1]]) / det


def check_newton_step(newton_step):
    """Exercise 1.3: one Newton step on a quadratic (lands on its centre) and on Rosenbrock."""
    q = _Quadratic([[3.0, 1.0], [1.0, 2.0]], [1.0, -2.0], E0=0.5)
    cases = [
        ("a quadratic with centre (1, −2)", q, [4.0, 3.0], [1.0, -2.0]),
        ("the same quadratic", q, [-0.5, 0.25], [1.0, -2.0]),
        ("Rosenbrock", _Rosenbrock(), [-1.5, 2.0], _rosenbrock_newton([-1.5, 2.0])),
        ("Rosenbrock", _Rosenbrock(), [0.5, -0.5], _rosenbrock_newton([0.5, -0.5])),
    ]
    _newton_cases(newton_step, cases)
    passed("newton_step jumps to the minimum of a quadratic in one step, and agrees on Rosenbrock.")


def check_newton_step_hidden(newton_step):
    """Exercise 1.3, hidden: three weights, and a quadratic whose centre is a saddle."""
    rng = np.random.default_rng(1)
    A = rng.normal(size=(3, 3))
    q3 = _Quadratic(A @ A.T + 3 * np.eye(3), [0.5, -1.0, 2.0])
    saddle = _Quadratic([[2.0, 0.0], [0.0, -1.0]], [3.0, 3.0])  # a saddle at (3, 3)
    cases = [
        ("a 3-D quadratic", q3, [1.0, 1.0, 1.0], [0.5, -1.0, 2.0]),
        ("a saddle-shaped quadratic", saddle, [0.0, 0.0], [3.0, 3.0]),
    ]
    _newton_cases(newton_step, cases)
    passed("newton_step works in 3-D, and (rightly) jumps to a saddle when the model has one.")
