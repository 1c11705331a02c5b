r"""Checkers for chapter 1, error surfaces, Taylor expansion and the Hessian.

- 1.1 ``check_central_gradient``: central differences against hand-written gradients of
  three functions at six points (no single lucky number passes).
- 1.2 ``check_rosenbrock_curvature``: the Hessian's eigenvalues at Rosenbrock's minimum
  and the largest stable learning rate.
- 1.3 ``check_newton_step``: one Newton step, on a quadratic and on Rosenbrock's valley.
- 1.4 ``check_predict_steps``: the steps gradient descent and Newton need on a quadratic,
  predicted, then run.
"""

import numpy as np

from course_utils import exercises
from course_utils.chapters.ch01_error_surfaces import newton
from course_utils.exercises._feedback import (
    call,
    check_close,
    check_equal,
    check_true,
    fail,
    passed,
)
from course_utils.exercises._forbid import without
from course_utils.optimizers import SGD, run
from course_utils.second_order import Newton
from course_utils.surfaces import quadratic
from course_utils.training import Descent

EXPECTED, __getattr__ = exercises.bind(__name__)  # stored values; hidden checks


# --- test functions (their gradients are the instructor's) ----------------------------------
def _f_exp_sin(w):
    return np.exp(w[0]) * np.sin(w[1]) + w[0] * w[1] ** 2


def _f_rosenbrock(w):
    return (1 - w[0]) ** 2 + 100 * (w[1] - w[0] ** 2) ** 2


def _f_log3(w):
    return np.log(1 + w @ w) + w[0] * w[1] * w[2]


GRADIENT_CASES = [  # (name, f, points)
    ("exp(w1) sin(w2) + w1 w2²", _f_exp_sin, [[0.3, -1.2], [1.5, 2.0], [-2.0, 0.4]]),
    ("Rosenbrock", _f_rosenbrock, [[-1.5, 2.0], [0.5, 0.5]]),
    ("log(1 + ‖w‖²) + w1 w2 w3", _f_log3, [[0.5, -1.0, 2.0]]),
]
GRADIENT_STEPS = (1e-4, 1e-6)


def _gradient_cases(central_gradient, cases, hs, gradients):
    """``gradients``: per case, the true gradient at each of its points."""
    if not callable(central_gradient):
        fail("central_gradient", "a function central_gradient(f, w, h)", repr(central_gradient))
    for (name, f, points), grads in zip(cases, gradients, strict=True):
        for p, grad in zip(points, grads, strict=True):
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
                    grad,
                    rtol=2e-6,
                    atol=1e-6,
                    hint="a partial derivative moves one weight at a time, a little both ways, "
                    "and compares the two values of E",
                )


def check_central_gradient(central_gradient):
    """Exercise 1.1: ``central_gradient(f, w, h=1e-5)`` on three functions, at six points."""
    _gradient_cases(central_gradient, GRADIENT_CASES, GRADIENT_STEPS, EXPECTED["gradients"])
    passed("central_gradient matches the analytic gradients of 3 functions at 6 points.")


# --- 1.2: the Hessian at the minimum of Rosenbrock's valley ---------------------------------
def check_rosenbrock_curvature(lam, eta_max):
    r"""Exercise 1.2: the Hessian's eigenvalues at :math:`(1, 1)` (ascending) and
    :math:`2/\lambda_{\max}`.

    The expected eigenvalues are stored (``EXPECTED["rosenbrock_eigenvalues"]``).
    """
    expected = np.array(EXPECTED["rosenbrock_eigenvalues"])
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
                hint="differentiate E twice (∂²E/∂w₁², ∂²E/∂w₁∂w₂, ∂²E/∂w₂²), then "
                     "evaluate at w* = (1, 1)")  # fmt: skip
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
    """Rosenbrock's valley as a surface for newton_step (an input of the check)."""

    def value(self, w):
        return _f_rosenbrock(np.asarray(w, float))

    def grad(self, w):
        x, y = np.asarray(w, float)
        return np.array([-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)])

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
            hint="the model's gradient is b + H(w − ŵ): the answer is the w where it vanishes, an "
            "absolute point, not the step towards it",
        )


NEWTON_STARTS = ([-1.5, 2.0], [0.5, -0.5])  # Rosenbrock's starting points


def check_newton_step(newton_step):
    """Exercise 1.3: one Newton step on a quadratic (lands on its centre) and on Rosenbrock."""
    q = _Quadratic([[3.0, 1.0], [1.0, 2.0]], [1.0, -2.0], E0=0.5)
    steps = EXPECTED["newton_rosenbrock"]
    cases = [
        ("a quadratic with centre (1, −2)", q, [4.0, 3.0], [1.0, -2.0]),
        ("the same quadratic", q, [-0.5, 0.25], [1.0, -2.0]),
        ("Rosenbrock", _Rosenbrock(), NEWTON_STARTS[0], steps[0]),
        ("Rosenbrock", _Rosenbrock(), NEWTON_STARTS[1], steps[1]),
    ]
    _newton_cases(newton_step, cases)
    passed("newton_step jumps to the minimum of a quadratic in one step, and agrees on Rosenbrock.")


# --- 1.4: predict Newton's and gradient descent's step counts, then run -----------------------
#: ``(lams, lr, tol)``: E = ½ Σ λᵢ wᵢ² from w₀ = (1, …, 1); no count near a boundary
STEP_CASES = [
    ((1.0, 10.0), 0.1, 1e-3),  # factors 0.9 and 0
    ((2.0, 5.0, 20.0), 0.05, 1e-4),  # 0.9, 0.75, 0
    ((1.0, 100.0), 0.015, 1e-6),  # 0.985 and 0.5
    ((0.5, 4.0), 0.6, 1e-2),  # 0.7 and 1.4: diverges
    ((3.0,), 0.25, 0.5),  # one weight, factor 0.25
]


def step_surface(lams):
    """The quadratic ``E = ½ Σ λᵢ wᵢ²`` starting at ``(1, …, 1)``."""
    return quadratic(np.diag(np.asarray(lams, dtype=float)), start=np.ones(len(lams)))


def _run_steps(lams, lr, tol):
    """The counts of runs of gradient descent and of Newton's method (None: never)."""
    surface = step_surface(lams)
    gd = newton.steps_to_reach(SGD(lr=lr), surface, tol=tol, max_steps=20_000)
    return gd, newton.steps_to_reach(Newton(surface.hessian), surface, tol=tol)


#: what computes the answer of 1.4 by running: it raises while the prediction runs
def _step_runners():
    return (newton.steps_to_reach, newton.descend, run, Descent, SGD, Newton)


def step_cases(predict_steps, cases, stored, confirm=True):
    """Compare ``predict_steps(lams, lr, tol) -> (gd, newton)`` with ``stored``; with
    ``confirm``, run both methods and show the runs beside the predictions."""
    lines = [f"{'λ':>16} {'η':>6} {'tol':>6} {'GD':>6} {'run':>6} {'Newton':>6} {'run':>4}"]
    for (lams, lr, tol), (gd, nt) in zip(cases, stored, strict=True):
        where = f"predict_steps({list(lams)}, {lr}, {tol})"
        with without(predict_steps, _step_runners(), "1.4"):
            got = call("predict_steps", predict_steps, lams, lr, tol)
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            fail(where, "a pair (gd_steps, newton_steps)", repr(got))
        check_equal(f"the steps of gradient descent, {where}", got[0], gd,
                    hint="each coordinate is multiplied by 1 − ηλᵢ at every step; the distance "
                    "is the norm of all of them; None if one never shrinks")  # fmt: skip
        check_equal(f"the steps of Newton's method, {where}", got[1], nt,
                    hint="on a quadratic the model is the function itself")  # fmt: skip
        if confirm:
            run_gd, run_nt = _run_steps(lams, lr, tol)
            check_equal(f"a run of gradient descent, {where}", got[0], run_gd)
            check_equal(f"a run of Newton's method, {where}", got[1], run_nt)
            lines.append(f"{str(list(lams)):>16} {lr:>6g} {tol:>6g} {str(gd):>6} "
                         f"{str(run_gd):>6} {nt:>6} {run_nt:>4}")  # fmt: skip
    return lines


def check_predict_steps(predict_steps):
    """1.4: ``predict_steps(lams, lr, tol) -> (gd_steps, newton_steps)``, then both run."""
    if not callable(predict_steps):
        fail("predict_steps", "a function predict_steps(lams, lr, tol)", repr(predict_steps))
    lines = step_cases(predict_steps, STEP_CASES, EXPECTED["predict_steps"])
    passed("every prediction matches the runs (None: never within 20 000 steps):\n"
           + "\n".join(lines))  # fmt: skip
