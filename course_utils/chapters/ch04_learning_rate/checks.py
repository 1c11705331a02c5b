r"""Checkers for chapter 4, the learning rate and the landscape.

- 4.1 ``check_clip_by_norm``: clipping a gradient to a maximum norm.
- 4.2 ``check_output_gradients``: dE/dz of a sigmoid unit under the squared error and the
  NLL (the one that vanishes in saturation, the one that does not).
- 4.3 ``check_cosine_lr``: the cosine schedule at every step.
- 4.4 ``check_escape_steps``, ``check_exponential_reach``: predictions (the step that
  leaves a saddle, the distance a decaying rate still covers), confirmed by runs.
"""

import math

import numpy as np

from course_utils import exercises
from course_utils.exercises._feedback import (
    call,
    check_close,
    check_equal,
    check_true,
    fail,
    is_close,
    is_equal,
    passed,
)
from course_utils.optimizers import SGD, run
from course_utils.schedules import exponential

EXPECTED, __getattr__ = exercises.bind(__name__)  # stored values; hidden checks


# --- exercise 4.1: clipping by norm ------------------------------------------------------
_HINT_41 = (
    "clipping keeps the direction of g and only shortens it, and only when it is longer "
    "than max_norm; short gradients are left alone"
)


def _call_clip(clip_by_norm, g, c):
    g_in = g.copy()
    with np.errstate(all="ignore"):
        got = call("clip_by_norm", clip_by_norm, g_in, c)
    if not np.array_equal(g_in, g):
        fail(
            "clip_by_norm",
            "the input gradient left unchanged",
            "g was modified in place",
            "return a new array, e.g. g * scale, rather than g *= scale",
        )
    return got


def _check_clip_cases(clip_by_norm, cases, expected):
    for (g, c), want in zip(cases, expected, strict=True):
        norm = float(np.linalg.norm(g))
        what = f"clip_by_norm(g with ||g|| = {norm:.4g}, max_norm={c:g})"
        got = _call_clip(clip_by_norm, g, c)
        check_close(what, got, want, rtol=1e-5, atol=1e-9, hint=_HINT_41)


CLIP_CASES = [
    (np.array([3.0, 4.0]), 1.0),  # norm 5: clipped to norm 1
    (np.array([3.0, 4.0]), 10.0),  # below the threshold: unchanged
    (np.array([0.3, -0.4]), 1.0),  # small: not stretched
    (np.array([-60.0, 80.0, 0.0]), 5.0),
    (np.array([1.0, -2.0, 2.0, -4.0]), 2.5),
    (np.array([100.0]), 0.1),
]


def check_clip_by_norm(clip_by_norm):
    """Exercise 4.1: clip a gradient vector to a maximum norm."""
    _check_clip_cases(clip_by_norm, CLIP_CASES, EXPECTED["clip_by_norm"])
    passed("clip_by_norm shortens long gradients to max_norm and leaves short ones alone.")


# --- exercise 4.2: saturation of a sigmoid output -----------------------------------------
_HINT_42 = (
    "apply the chain rule through a = sigma(z): dE/dz = dE/da * da/dz, and write sigma'(z) "
    "with a; for one of the two losses a factor cancels"
)


def _check_grad_cases(output_gradients, cases, expected):
    for (z, t), (sq, nll) in zip(cases, expected, strict=True):
        z_arr = np.asarray(z, dtype=float)
        with np.errstate(all="ignore"):
            got = call("output_gradients", output_gradients, z_arr.copy(), t)
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            fail("output_gradients", "a pair (dE_squared, dE_nll)", repr(got), _HINT_42)
        where = f"z = {np.round(z_arr, 3).tolist()}, t = {t}"
        check_close(f"dE/dz of the squared error at {where}", got[0], sq, 1e-6, 1e-12, _HINT_42)
        check_close(f"dE/dz of the NLL at {where}", got[1], nll, 1e-6, 1e-12, _HINT_42)


OUTPUT_CASES = [(0.0, 1.0), (2.0, 1.0), (-2.0, 1.0), (-6.0, 1.0), (6.0, 1.0), (1.5, 0.0),
                (-3.0, 0.0)]  # fmt: skip


def check_output_gradients(output_gradients):
    """Exercise 4.2: dE/dz of a sigmoid unit under the squared error and under the NLL."""
    _check_grad_cases(output_gradients, OUTPUT_CASES, EXPECTED["output_gradients"])
    sq, nll = EXPECTED["output_gradients"][OUTPUT_CASES.index((-6.0, 1.0))]
    passed(
        f"at z = -6 with t = 1 the squared error gives dE/dz = {float(sq):.2e}, "
        f"the NLL {float(nll):.4f}: only the NLL still pushes a confidently wrong unit."
    )


# --- exercise 4.3: cosine annealing --------------------------------------------------------
_HINT_43 = (
    "the rate starts at lr (t = 0), is halfway between lr and lr_min at t = T/2, reaches "
    "lr_min at t = T and stays there afterwards"
)


def _check_cosine_cases(cosine_lr, cases, expected_runs):
    for (lr, T, lr_min), expected in zip(cases, expected_runs, strict=True):
        ts = list(range(0, T + 6))
        got = [call("cosine_lr", cosine_lr, t, lr, T, lr_min) for t in ts]
        what = f"cosine_lr(t, lr={lr:g}, total_steps={T}, lr_min={lr_min:g}) for t = 0..{T + 5}"
        check_close(what, got, expected, 1e-9, 1e-12, _HINT_43)


COSINE_CASES = [(0.1, 20, 0.0), (0.5, 7, 0.0), (1.0, 12, 0.1)]


def check_cosine_lr(cosine_lr):
    """Exercise 4.3: the cosine schedule at every step, from t = 0 to total_steps + 5."""
    _check_cosine_cases(cosine_lr, COSINE_CASES, EXPECTED["cosine_lr"])
    passed("cosine_lr anneals from lr to lr_min in total_steps steps and then stays there.")


# --- exercise 4.4: predict, then run --------------------------------------------------------
#: ``(x0, lr, mu, radius)``: starts near the stable manifold of E = (y² − μx²)/2.
ESCAPE_CASES = [(1e-5, 0.1, 1.0, 0.5), (0.01, 0.1, 1.0, 0.5), (1e-3, 0.05, 4.0, 1.0),
                (-2e-4, 0.2, 0.5, 0.3), (1e-8, 0.01, 10.0, 2.0), (0.3, 0.5, 2.0, 0.5)]  # fmt: skip


def saddle_run(x0, lr, mu, radius, steps=10_000):
    """Gradient descent on :math:`E = \\tfrac12(y^2 - \\mu x^2)` from :math:`(x_0, 1)` until
    :math:`|x| > r`; the number of steps it took (``None`` if it never got there)."""
    grad = lambda w: np.array([-mu * w[0], w[1]])  # noqa: E731
    traj = run(SGD(lr=lr), grad, np.array([x0, 1.0]), steps, until=lambda w: abs(w[0]) > radius)
    escaped = abs(traj.points[-1][0]) > radius
    return len(traj.points) - 1 if escaped else None


def _hint_escape(x0, lr, mu, radius, got):
    def first(factor):
        return math.floor(math.log(radius / abs(x0)) / math.log(factor)) + 1

    if isinstance(got, bool) or not isinstance(got, (int, float, np.integer, np.floating)):
        return "the answer is a whole number of steps"
    if got == first(1 + lr):
        return "the growth per step depends on the curvature of the repelling direction, too"
    if got == math.log(radius / abs(x0)) / math.log(1 + lr * mu):
        return "count whole steps: the first step after which |x| is beyond the radius"
    return (
        "along the repelling direction gradient descent multiplies x by the same factor at "
        "every step; which factor, for a curvature of −μ?"
    )


def check_escape_steps(escape_steps):
    """Exercise 4.4a: the step at which descent leaves a saddle, confirmed by running."""
    lines = []
    for case, want in zip(ESCAPE_CASES, EXPECTED["escape_steps"], strict=True):
        x0, lr, mu, radius = case
        got = call("escape_steps", escape_steps, x0, lr, mu, radius)
        what = f"escape_steps(x0={x0:g}, lr={lr:g}, mu={mu:g}, radius={radius:g})"
        check_equal(what, got, want, _hint_escape(*case, got))
        measured = saddle_run(*case)
        ran = is_equal(f"{what}, against a run", measured, got)
        check_true(what, ran, f"your prediction {got}, the run took {measured}")
        lines.append(f"x0 = {x0:<6g} η = {lr:<5g} μ = {mu:<4g} r = {radius:<4g}: "
                     f"predicted {got:>4}, run {measured:>4}")  # fmt: skip
    passed("every prediction matches a run of gradient descent:\n" + "\n".join(lines))


#: ``(lr, gamma, slope, start)`` for the distance an exponential schedule can still cover.
REACH_CASES = [(0.1, 0.99, 1.0, 0), (0.1, 0.99, 1.0, 100), (0.05, 0.9, 3.0, 0),
               (0.5, 0.95, 0.2, 20), (0.01, 0.995, 10.0, 500)]  # fmt: skip


def exponential_run(lr, gamma, slope, start, tol=1e-13):
    """Gradient descent with :math:`\\eta_t = \\eta\\gamma^t` on the line :math:`E = s\\,w`,
    run until the rate is below ``tol`` times its first value: the distance covered from
    step ``start`` on."""
    steps = start + math.ceil(math.log(tol) / math.log(gamma))
    traj = run(SGD(lr=lr), lambda w: np.full_like(w, slope), np.zeros(1), steps,
               schedule=exponential(lr, gamma), bound=1e12)  # fmt: skip
    return float(abs(traj.points[-1][0] - traj.points[start][0]))


def _hint_reach(lr, gamma, slope, start, got):
    if np.isclose(got, slope * lr / (1 - gamma)) and start > 0:
        return "from step `start` on, the schedule no longer starts at η"
    if np.isclose(got, slope * lr * gamma**start * (1 - gamma)) or np.isclose(
        got, lr * gamma**start / (1 - gamma)
    ):
        return "sum the steps: each moves the weights by the rate of that step times the slope"
    return "each step moves the weights by η_t times the slope; add up all the steps that remain"


def check_exponential_reach(exponential_reach):
    """Exercise 4.4b: the distance an exponential schedule can still cover, confirmed by runs."""
    lines = []
    for case, want in zip(REACH_CASES, EXPECTED["exponential_reach"], strict=True):
        lr, gamma, slope, start = case
        got = call("exponential_reach", exponential_reach, lr, gamma, slope, start)
        what = f"exponential_reach(lr={lr:g}, gamma={gamma:g}, slope={slope:g}, start={start})"
        try:
            hint = _hint_reach(*case, float(got))
        except (TypeError, ValueError):
            hint = "the answer is a distance: one number"
        check_close(what, got, want, rtol=1e-9, hint=hint)
        measured = exponential_run(*case)
        ran = is_close(f"{what}, against a run", measured, float(got), rtol=1e-9, atol=1e-8)
        check_true(what, ran, f"your prediction {float(got):.6g}, the run covered {measured:.6g}")
        lines.append(f"η = {lr:<5g} γ = {gamma:<6g} slope {slope:<4g} from step {start:<4}: "
                     f"predicted {float(got):8.4f}, run {measured:8.4f}")  # fmt: skip
    passed("the runs stop where you said they would:\n" + "\n".join(lines))
