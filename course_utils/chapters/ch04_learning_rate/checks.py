r"""Checkers for the exercises of chapter 4 (the learning rate and the landscape).

Each checker calls the student's function on fixed inputs and compares the results with
stored expected values (``expected/ch04.json``: data, not the solutions), then prints one
line on success or raises :class:`~course_utils.exercises.ExerciseError` with the
expected value, the value that came back and a hint. The hidden checks are the
instructor's (``instructor/checks/ch04.py``), found through ``__getattr__``.
"""

import sys

import numpy as np

from course_utils.exercises import _expected
from course_utils.exercises._feedback import call, check_close, fail, passed

EXPECTED = _expected.expected(__name__)


def __getattr__(name):  # the hidden checks: instructor-only, supplied when grading
    return _expected.hidden(sys.modules[__name__], name)


# --- exercise 4.1: clipping by norm ------------------------------------------------------
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
    "with a = sigma(z): for E = (a - t)^2 / 2 the chain rule gives (a - t) * a * (1 - a), "
    "since sigma'(z) = a (1 - a); for E = -t log a - (1 - t) log(1 - a) the factor a (1 - a) "
    "cancels and dE/dz = a - t"
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
    "eta_t = lr_min + (lr - lr_min) * (1 + cos(pi * min(t, T) / T)) / 2: it starts at lr "
    "(t = 0), is halfway at t = T/2, reaches lr_min at t = T and stays there"
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
