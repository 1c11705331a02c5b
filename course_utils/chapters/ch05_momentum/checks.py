r"""Checkers for chapter 5, momentum and Nesterov.

- 5.1 ``check_heavy_ball_step``: one heavy-ball step in torch's form, against
  ``SGD(momentum=β)``.
- 5.2 ``check_optimal_momentum``: the best (lr, β) for a quadratic, and its rate.
- 5.3 ``check_largest_stable_lr``: the largest stable learning rate for a given β.
- 5.4 ``check_regime_and_rate``: the regime and rate of a run, confirmed by runs of SGD.
"""

import numpy as np

from course_utils import exercises
from course_utils.chapters.ch05_momentum import dynamics, theory
from course_utils.chapters.ch05_momentum.dynamics import REGIMES
from course_utils.exercises._feedback import (
    call,
    check_close,
    check_equal,
    check_true,
    fail,
    is_close,
    passed,
)
from course_utils.exercises._forbid import without
from course_utils.optimizers import SGD
from course_utils.training import Descent, gradient_oracle

EXPECTED, __getattr__ = exercises.bind(__name__)  # stored values; hidden checks

#: the chapter's functions that compute what an exercise asks for: while a check runs the
#: student's answer they raise (``_forbid.without``), and the grader's scan flags them
IMPLEMENTATIONS = {
    "5.2": (theory.optimal_heavy_ball, theory.heavy_ball_rate, theory.optimal_gd),
    "5.3": (theory.max_stable_lr, theory.stable),
    "5.4": (
        dynamics.regime,
        dynamics.critical_momentum,
        dynamics.iteration_eigenvalues,
        theory.heavy_ball_rate,
        theory.max_stable_lr,
        theory.stable,
    ),
}


def own_call(exercise, what, answer, *args):
    """``call(what, answer, *args)`` with the chapter's implementations of ``exercise``
    made to raise: the answer must work the result out itself."""
    with without(answer, IMPLEMENTATIONS[exercise], exercise):
        return call(what, answer, *args)


def _callable(name, f, signature):
    if not callable(f):
        fail(name, f"a function {signature}", repr(f))


# --- 5.1: one heavy-ball step in torch's form ----------------------------------------------
def _hint_step(w, v, g, lr, beta, got_w, got_v):
    if np.allclose(got_v, beta * v + (1 - beta) * g):
        return "torch adds the whole gradient: v ← βv + g (no factor 1 − β)"
    if np.allclose(got_v, beta * v + lr * g):
        return "in torch's form the velocity has no η in it: v ← βv + g, then w ← w − ηv"
    if np.allclose(got_w, w - lr * g):
        return "the weights move along the new velocity v, not along the gradient g"
    if np.allclose(got_w, w - lr * v):
        return "update the velocity first, then move the weights with the new velocity"
    return "the velocity collects the gradients, and the weights move along the velocity"


HEAVY_BALL_CASES = [(2, 0.2, 0.9), (3, 0.3, 0.6), (5, 0.01, 0.99), (4, 0.05, 0.2)]


def heavy_ball_inputs():
    """``[(n, lr, beta, w0, grads)]``: the starting points and three gradients of each case."""
    gen = np.random.default_rng(5)
    inputs = []
    for n, lr, beta in HEAVY_BALL_CASES:
        grads = gen.normal(size=(3, n))
        inputs.append((n, lr, beta, gen.normal(size=n), grads))
    return inputs


def check_heavy_ball_step(heavy_ball_step):
    """5.1: ``heavy_ball_step(w, v, g, lr, beta) -> (w_new, v_new)``, three steps per case,
    against torch's ``SGD(momentum=β)`` (stored values)."""
    _callable("heavy_ball_step", heavy_ball_step, "heavy_ball_step(w, v, g, lr, beta)")
    steps = EXPECTED["heavy_ball_step"]
    for (n, lr, beta, w0, grads), expected in zip(heavy_ball_inputs(), steps, strict=True):
        w, v = w0.copy(), np.zeros(n)
        for g, (p, v_ref) in zip(grads, expected, strict=True):  # three steps: v has a past
            args = (w.copy(), v.copy(), g.copy(), lr, beta)
            got = call("heavy_ball_step", heavy_ball_step, *args)
            if not isinstance(got, (tuple, list)) or len(got) != 2:
                fail("heavy_ball_step", "a pair (w_new, v_new)", repr(got))
            got_w = np.asarray(got[0], dtype=float)
            got_v = np.asarray(got[1], dtype=float)
            hint = ""
            if got_w.shape == w.shape and got_v.shape == v.shape:
                hint = _hint_step(w, v, g, lr, beta, got_w, got_v)
            where = f" (η = {lr}, β = {beta})"
            check_close("the velocity v_new" + where, got_v, v_ref, rtol=1e-10, hint=hint)
            check_close("the weights w_new" + where, got_w, p, rtol=1e-10, hint=hint)
            w, v = got_w, got_v
    passed("heavy_ball_step matches torch.optim.SGD(momentum=β) over several steps.")


# --- 5.2: the best learning rate and momentum for a quadratic --------------------------------
_HESSIANS = [
    np.diag([1.0, 9.0]),
    np.array([[5.0, 4.0], [4.0, 5.0]]),  # eigenvalues 1 and 9, not on the diagonal
    np.array([[2.0, 0.5, 0.0], [0.5, 3.0, 1.0], [0.0, 1.0, 40.0]]),
    np.array([[10.0, -3.0], [-3.0, 1.5]]),
]


def _hint_tuning(H, got, wrong_diag):
    lam = np.linalg.eigvalsh(H)
    if np.allclose(got, wrong_diag, rtol=1e-6):
        return "use the eigenvalues of H (np.linalg.eigvalsh), not its diagonal entries"
    k = lam[-1] / lam[0]
    if np.allclose(got, (2 / (lam[0] + lam[-1]), 0.0, (k - 1) / (k + 1)), rtol=1e-6):
        return "those are the best values of plain gradient descent; this asks for momentum"
    if np.isclose(got[1], got[2], rtol=1e-6):
        return "with the best tuning the error spirals in every direction, at the modulus √β"
    return "only the extreme eigenvalues of H matter: tune so that both converge at the same rate"


def check_optimal_momentum(optimal_momentum):
    """5.2: ``optimal_momentum(H) -> (lr, beta, rate)`` for several Hessians."""
    _callable("optimal_momentum", optimal_momentum, "optimal_momentum(H)")
    stored = EXPECTED["optimal_momentum"]
    for H, expected, wrong in zip(_HESSIANS, stored["right"], stored["diagonal"], strict=True):
        got = own_call("5.2", "optimal_momentum", optimal_momentum, H.copy())
        if not isinstance(got, (tuple, list)) or len(got) != 3:
            fail("optimal_momentum", "a tuple (lr, beta, rate)", repr(got))
        try:
            got = tuple(float(x) for x in got)
        except (TypeError, ValueError):
            fail("optimal_momentum", "three numbers (lr, beta, rate)", repr(got))
        check_close(
            f"(lr, beta, rate) for H = {H.tolist()}",
            got,
            expected,
            rtol=1e-8,
            hint=_hint_tuning(H, got, wrong),
        )
    lam = np.linalg.eigvalsh(_HESSIANS[2])
    steps_gd = np.log(1e-6) / np.log((lam[-1] / lam[0] - 1) / (lam[-1] / lam[0] + 1))
    steps_hb = np.log(1e-6) / np.log(stored["right"][2][2])
    passed(
        f"optimal_momentum is right. For the 3×3 H (κ = {lam[-1] / lam[0]:.1f}) a million-fold "
        f"reduction takes ≈ {steps_gd:.0f} steps of tuned GD, ≈ {steps_hb:.0f} with momentum."
    )


# --- 5.3: the stability limit -----------------------------------------------------------------
STABLE_CASES = [(0.0, 4.0), (0.9, 100.0), (0.5, 10.0), (0.99, 2.5), (0.3, 0.7)]


def check_largest_stable_lr(largest_stable_lr):
    """5.3: ``largest_stable_lr(beta, lam_max)``, the supremum of stable learning rates."""
    _callable("largest_stable_lr", largest_stable_lr, "largest_stable_lr(beta, lam_max)")
    stored = EXPECTED["largest_stable_lr"]
    for (beta, lam_max), expected in zip(STABLE_CASES, stored, strict=True):
        got = own_call("5.3", "largest_stable_lr", largest_stable_lr, beta, lam_max)
        hint = (
            "find where an eigenvalue of the iteration matrix of the steepest direction reaches −1"
        )
        if np.isscalar(got) and np.isclose(got, 2 / lam_max) and beta > 0:
            hint = "2/λmax is the limit without momentum; momentum raises it"
        elif np.isscalar(got) and np.isclose(got, (2 + 2 * beta) / ((1 + 2 * beta) * lam_max)):
            hint = "that is Nesterov's limit; this asks for the heavy ball"
        check_close(f"largest_stable_lr({beta}, {lam_max})", got, expected, hint=hint)
    passed("largest_stable_lr is right: with β = 0.9 the step may be 1.9 times larger than 2/λmax.")


# --- 5.4: predict the regime and the rate, then run --------------------------------------
#: ``(lr, beta, lam)``: two cases of every regime, none near a boundary.
REGIME_CASES = [
    (0.1, 0.3, 1.0),  # ηλ = 0.1, critical β = 0.468
    (0.01, 0.5, 4.0),  # ηλ = 0.04, critical β = 0.64
    (0.1, 0.9, 1.0),
    (0.5, 0.3, 1.0),  # ηλ = 0.5, critical β = 0.086
    (0.3, 0.5, 5.0),  # ηλ = 1.5
    (0.9, 0.01, 2.0),  # ηλ = 1.8, (√1.8 − 1)² = 0.117
    (0.19, 0.05, 10.0),  # ηλ = 1.9, (√1.9 − 1)² = 0.143
    (0.25, 0.2, 10.0),  # ηλ = 2.5, 2 + 2β = 2.4
    (1.0, 0.5, 3.2),  # ηλ = 3.2, 2 + 2β = 3
]


def _hint_regime(case, got):
    h = case[0] * case[2]
    right = EXPECTED["regime"]["names"][REGIME_CASES.index(case)]
    if got == "monotone" and right == "oscillating":
        return (
            "beyond critical damping the two eigenvalues of the iteration matrix are no longer real"
        )
    if got == "oscillating" and right == "monotone":
        return (
            "compare β with the momentum at which the two eigenvalues of the iteration matrix meet"
        )
    if right == "divergent":
        return "ask when one eigenvalue of the iteration matrix reaches −1"
    if right == "sign-flipping":
        return f"with ηλ = {h:g} > 1 and real eigenvalues, what is their sign?"
    return "the regime is the kind of the two eigenvalues of the 2×2 iteration matrix"


def _hint_rate(case, got):
    lr, beta, lam = case
    if np.isclose(got, abs(1 - lr * lam)):
        return "that is the rate without momentum; with it, the error follows a 2×2 matrix"
    if np.isclose(got, np.sqrt(beta)):
        return "√β is the modulus of the eigenvalues only when they form a complex pair"
    return "the rate is the spectral radius of the iteration matrix: its largest |eigenvalue|"


def measured_rate(lr, beta, lam, steps=300, window=50):
    r"""The rate of ``SGD(lr, momentum=beta)`` on :math:`E = \tfrac12\lambda w^2`, measured.

    Runs the optimizer from :math:`w_0 = 1` and compares the largest :math:`|w_k|` of the
    last ``window`` steps with that of the ``window`` steps ending halfway: their ratio, as
    a factor per step, is the rate (the maximum over a window follows the envelope of a
    spiralling error, too). Returns ``(rate, ws)``, ``ws`` the weights of the run.
    """
    run = Descent(SGD(lr=lr, momentum=beta), gradient_oracle(lambda w: lam * w), [1.0], rule=None)
    ws = np.abs(np.array([1.0] + [float(step.w[0]) for step in run.take(steps)]))
    half = steps // 2
    early, late = ws[half - window + 1 : half + 1].max(), ws[-window:].max()
    return float((late / early) ** (1 / (steps - half))), ws


def _sign_changes(ws):
    s = np.sign(ws[ws != 0])
    return int(np.sum(s[1:] != s[:-1]))


def check_regime_and_rate(regime_and_rate):
    """5.4: ``regime_and_rate(lr, beta, lam) -> (name, rate)``, confirmed by runs of SGD."""
    _callable("regime_and_rate", regime_and_rate, "regime_and_rate(lr, beta, lam)")
    stored = EXPECTED["regime"]
    lines = [f"{'η':>5} {'β':>5} {'λ':>5} {'regime':>14} {'your rate':>10} {'measured':>9}"]
    for case, name, rate in zip(REGIME_CASES, stored["names"], stored["rates"], strict=True):
        lr, beta, lam = case
        got = own_call("5.4", "regime_and_rate", regime_and_rate, lr, beta, lam)
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            fail("regime_and_rate", "a pair (regime name, rate)", repr(got))
        where = f"regime_and_rate(lr={lr}, beta={beta}, lam={lam}), ηλ = {lr * lam:g},"
        got_name, got_rate = got
        if got_name not in REGIMES:
            fail(f"the regime of {where}", f"one of {REGIMES}", repr(got_name))
        check_equal(f"the regime of {where}", got_name, name, _hint_regime(case, got_name))
        try:
            hint = _hint_rate(case, float(got_rate))
        except (TypeError, ValueError):
            hint = "the rate is a number: the factor by which the error shrinks per step"
        check_close(f"the rate of {where}", got_rate, rate, rtol=1e-6, hint=hint)
        measured, _ = measured_rate(lr, beta, lam)
        check_true(
            f"the run of SGD(lr={lr}, momentum={beta}) on E = λw²/2 with λ = {lam}",
            is_close(f"the rate of {where} against a run", measured, float(got_rate), 0.01, 1e-8),
            f"your rate {float(got_rate):.4f}, measured {measured:.4f}",
        )
        lines.append(f"{lr:>5g} {beta:>5g} {lam:>5g} {name:>14} {float(got_rate):>10.4f} "
                     f"{measured:>9.4f}")  # fmt: skip
    passed("every regime and rate is right, and runs of SGD(momentum) agree:\n" + "\n".join(lines))
