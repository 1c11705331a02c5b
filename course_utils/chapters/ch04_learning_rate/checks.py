r"""Checkers for the exercises of chapter 4 (the learning rate and the landscape).

Each checker computes the right answer on its own, calls the student's function on
several inputs, and prints one line on success or raises
:class:`~course_utils.exercises.ExerciseError` with the expected value, the value that
came back and a hint.
"""

import math

import numpy as np

from course_utils.exercises._feedback import call, check_close, fail, passed
from course_utils.schedules import cosine


# --- exercise 4.1: clipping by norm ------------------------------------------------------
def _clip(g, c):
    """g scaled to norm c if its norm exceeds c, else g itself."""
    norm = math.sqrt(float(np.sum(g * g)))
    return g if norm <= c else g * (c / norm)


_HINT_41 = (
    "compute the norm ||g|| = sqrt(sum of g_i^2); if it is larger than max_norm return "
    "g * (max_norm / ||g||), otherwise return g unchanged (short gradients are not stretched, "
    "and the direction is never changed)"
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


def _check_clip_cases(clip_by_norm, cases):
    for g, c in cases:
        norm = float(np.linalg.norm(g))
        what = f"clip_by_norm(g with ||g|| = {norm:.4g}, max_norm={c:g})"
        got = _call_clip(clip_by_norm, g, c)
        check_close(what, got, _clip(g, c), rtol=1e-5, atol=1e-9, hint=_HINT_41)


def check_clip_by_norm(clip_by_norm):
    """Exercise 4.1: clip a gradient vector to a maximum norm."""
    cases = [
        (np.array([3.0, 4.0]), 1.0),  # norm 5: clipped to norm 1
        (np.array([3.0, 4.0]), 10.0),  # below the threshold: unchanged
        (np.array([0.3, -0.4]), 1.0),  # small: not stretched
        (np.array([-60.0, 80.0, 0.0]), 5.0),
        (np.array([1.0, -2.0, 2.0, -4.0]), 2.5),
        (np.array([100.0]), 0.1),
    ]
    _check_clip_cases(clip_by_norm, cases)
    passed("clip_by_norm shortens long gradients to max_norm and leaves short ones alone.")


def check_clip_by_norm_more(clip_by_norm):
    """Exercise 4.1, hidden: random vectors and thresholds, a zero gradient, norm == c."""
    gen = np.random.default_rng(41)
    cases = [(gen.normal(size=n) * gen.uniform(0.1, 20.0), gen.uniform(0.5, 5.0)) for n in
             (1, 2, 3, 5, 8, 13, 50)]  # fmt: skip
    cases += [(np.zeros(4), 1.0), (np.array([0.6, 0.8]), 1.0)]
    _check_clip_cases(clip_by_norm, cases)
    passed("clip_by_norm also handles random vectors, a zero gradient and ||g|| = max_norm.")


# --- exercise 4.2: saturation of a sigmoid output -----------------------------------------
def _sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0, e) / (1.0 + e)


def _output_grads(z, t):
    s = _sigmoid(z)
    return (s - t) * s * (1.0 - s), s - t


_HINT_42 = (
    "with a = sigma(z): for E = (a - t)^2 / 2 the chain rule gives (a - t) * a * (1 - a), "
    "since sigma'(z) = a (1 - a); for E = -t log a - (1 - t) log(1 - a) the factor a (1 - a) "
    "cancels and dE/dz = a - t"
)


def _check_grad_cases(output_gradients, cases):
    for z, t in cases:
        z_arr = np.asarray(z, dtype=float)
        with np.errstate(all="ignore"):
            got = call("output_gradients", output_gradients, z_arr.copy(), t)
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            fail("output_gradients", "a pair (dE_squared, dE_nll)", repr(got), _HINT_42)
        sq, nll = _output_grads(z_arr, t)
        where = f"z = {np.round(z_arr, 3).tolist()}, t = {t}"
        check_close(f"dE/dz of the squared error at {where}", got[0], sq, 1e-6, 1e-12, _HINT_42)
        check_close(f"dE/dz of the NLL at {where}", got[1], nll, 1e-6, 1e-12, _HINT_42)


def check_output_gradients(output_gradients):
    """Exercise 4.2: dE/dz of a sigmoid unit under the squared error and under the NLL."""
    cases = [(0.0, 1.0), (2.0, 1.0), (-2.0, 1.0), (-6.0, 1.0), (6.0, 1.0), (1.5, 0.0),
             (-3.0, 0.0)]  # fmt: skip
    _check_grad_cases(output_gradients, cases)
    sq, nll = _output_grads(np.array(-6.0), 1.0)
    passed(
        f"at z = -6 with t = 1 the squared error gives dE/dz = {float(sq):.2e}, "
        f"the NLL {float(nll):.4f}: only the NLL still pushes a confidently wrong unit."
    )


def check_output_gradients_more(output_gradients):
    """Exercise 4.2, hidden: arrays of z, strongly saturated units, t = 0 and t = 1."""
    z = np.array([-30.0, -12.0, -1.0, 0.5, 4.0, 12.0, 30.0])
    _check_grad_cases(output_gradients, [(z, 1.0), (z, 0.0)])
    passed("output_gradients works on arrays and far into saturation.")


# --- exercise 4.3: cosine annealing --------------------------------------------------------
_HINT_43 = (
    "eta_t = lr_min + (lr - lr_min) * (1 + cos(pi * min(t, T) / T)) / 2: it starts at lr "
    "(t = 0), is halfway at t = T/2, reaches lr_min at t = T and stays there"
)


def _check_cosine_cases(cosine_lr, cases):
    for lr, T, lr_min in cases:
        ts = list(range(0, T + 6))
        got = [call("cosine_lr", cosine_lr, t, lr, T, lr_min) for t in ts]
        expected = [cosine(lr, T, lr_min)(t) for t in ts]
        what = f"cosine_lr(t, lr={lr:g}, total_steps={T}, lr_min={lr_min:g}) for t = 0..{T + 5}"
        check_close(what, got, expected, 1e-9, 1e-12, _HINT_43)


def check_cosine_lr(cosine_lr):
    """Exercise 4.3: the cosine schedule, compared with ``schedules.cosine`` at every step."""
    _check_cosine_cases(cosine_lr, [(0.1, 20, 0.0), (0.5, 7, 0.0), (1.0, 12, 0.1)])
    passed("cosine_lr anneals from lr to lr_min in total_steps steps and then stays there.")


def check_cosine_lr_more(cosine_lr):
    """Exercise 4.3, hidden: a one-step schedule, lr_min = lr, long runs."""
    _check_cosine_cases(cosine_lr, [(0.3, 1, 0.0), (0.2, 5, 0.2), (0.05, 101, 0.001)])
    passed("cosine_lr also handles total_steps = 1, lr_min = lr and long runs.")
