"""The checkers of chapter 4 accept the reference solutions and reject typical mistakes."""

import math

import numpy as np
import pytest

from course_utils.chapters.ch04_learning_rate import checks as ch04
from course_utils.exercises import ExerciseError


# --- reference solutions, written here independently of the checkers ----------------------
def clip_by_norm(g, max_norm):
    norm = np.sqrt(np.sum(g**2))
    if norm > max_norm:
        return g * (max_norm / norm)
    return g


def clip_torch_style(g, max_norm):  # torch's eps in the denominator is accepted too
    coef = max_norm / (np.sqrt(np.sum(g**2)) + 1e-6)
    return g * min(coef, 1.0)


def clip_always_rescales(g, max_norm):  # stretches short gradients up to max_norm
    return g * (max_norm / np.linalg.norm(g))


def clip_elementwise(g, max_norm):  # clips each entry: changes the direction
    return np.clip(g, -max_norm, max_norm)


def clip_in_place(g, max_norm):
    norm = np.linalg.norm(g)
    if norm > max_norm:
        g *= max_norm / norm
    return g


def output_gradients(z, t):
    a = 1.0 / (1.0 + np.exp(-z))
    return (a - t) * a * (1 - a), a - t


def output_gradients_no_sigma_prime(z, t):
    a = 1.0 / (1.0 + np.exp(-z))
    return a - t, a - t


def output_gradients_nll_times_sigma_prime(z, t):
    a = 1.0 / (1.0 + np.exp(-z))
    return (a - t) * a * (1 - a), (a - t) * a * (1 - a)


def output_gradients_wrong_sign(z, t):
    a = 1.0 / (1.0 + np.exp(-z))
    return (t - a) * a * (1 - a), t - a


def cosine_lr(t, lr, total_steps, lr_min=0.0):
    t = min(t, total_steps)
    return lr_min + 0.5 * (lr - lr_min) * (1 + math.cos(math.pi * t / total_steps))


def cosine_lr_no_cap(t, lr, total_steps, lr_min=0.0):  # rises again after total_steps
    return lr_min + 0.5 * (lr - lr_min) * (1 + math.cos(math.pi * t / total_steps))


def cosine_lr_no_half(t, lr, total_steps, lr_min=0.0):
    t = min(t, total_steps)
    return lr_min + (lr - lr_min) * math.cos(math.pi * t / total_steps)


def cosine_lr_ignores_lr_min(t, lr, total_steps, lr_min=0.0):
    t = min(t, total_steps)
    return 0.5 * lr * (1 + math.cos(math.pi * t / total_steps))


# --- the checkers ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("check", "solution"),
    [
        (ch04.check_clip_by_norm, clip_by_norm),
        (ch04.check_clip_by_norm, clip_torch_style),
        (ch04.check_clip_by_norm_more, clip_by_norm),
        (ch04.check_clip_by_norm_more, clip_torch_style),
        (ch04.check_output_gradients, output_gradients),
        (ch04.check_output_gradients_more, output_gradients),
        (ch04.check_cosine_lr, cosine_lr),
        (ch04.check_cosine_lr_more, cosine_lr),
    ],
)
def test_checker_accepts_the_reference_solution(check, solution, capsys):
    check(solution)
    assert capsys.readouterr().out.startswith("✓ ")


@pytest.mark.parametrize(
    ("check", "wrong"),
    [
        (ch04.check_clip_by_norm, clip_always_rescales),
        (ch04.check_clip_by_norm, clip_elementwise),
        (ch04.check_clip_by_norm, clip_in_place),
        (ch04.check_clip_by_norm, lambda g, c: g),
        (ch04.check_clip_by_norm_more, clip_elementwise),
        (ch04.check_output_gradients, output_gradients_no_sigma_prime),
        (ch04.check_output_gradients, output_gradients_nll_times_sigma_prime),
        (ch04.check_output_gradients, output_gradients_wrong_sign),
        (ch04.check_output_gradients, lambda z, t: output_gradients(z, t)[0]),
        (ch04.check_output_gradients_more, output_gradients_no_sigma_prime),
        (ch04.check_cosine_lr, cosine_lr_no_cap),
        (ch04.check_cosine_lr, cosine_lr_no_half),
        (ch04.check_cosine_lr, cosine_lr_ignores_lr_min),
        (ch04.check_cosine_lr_more, cosine_lr_no_cap),
    ],
)
def test_checker_rejects_a_typical_mistake(check, wrong):
    with pytest.raises(ExerciseError, match="expected"):
        check(wrong)


def test_clip_checker_catches_the_zero_gradient():
    def divides_by_zero(g, c):
        norm = np.linalg.norm(g)
        return g / norm * min(norm, c)  # 0 / 0 = nan at g = 0

    with pytest.raises(ExerciseError, match="nan or inf"):
        ch04.check_clip_by_norm_more(divides_by_zero)


def test_gradient_checker_numbers_by_hand():
    # z = 0, t = 1: a = 1/2, squared error (1/2 - 1) * 1/4 = -1/8, NLL 1/2 - 1 = -1/2
    sq, nll = ch04._output_grads(np.array(0.0), 1.0)
    assert sq == pytest.approx(-0.125)
    assert nll == pytest.approx(-0.5)


def test_unfinished_answer_fails_loudly():
    def unfinished(*args):
        raise NotImplementedError

    for check in (ch04.check_clip_by_norm, ch04.check_output_gradients, ch04.check_cosine_lr):
        with pytest.raises(ExerciseError, match="raises NotImplementedError: replace it"):
            check(unfinished)
