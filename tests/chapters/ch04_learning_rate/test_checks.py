"""The checkers of chapter 4 accept the reference solutions and reject typical mistakes."""

import math

import numpy as np
import pytest

from course_utils.chapters.ch04_learning_rate import checks as ch04
from course_utils.exercises import ExerciseError, _hidden


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
    reference = _hidden.module("ch04", _hidden.REFERENCE)  # instructor/reference/ch04.py
    sq, nll = reference._output_grads(np.array(0.0), 1.0)
    assert sq == pytest.approx(-0.125)
    assert nll == pytest.approx(-0.5)


def test_unfinished_answer_fails_loudly():
    def unfinished(*args):
        raise NotImplementedError

    for check in (ch04.check_clip_by_norm, ch04.check_output_gradients, ch04.check_cosine_lr):
        with pytest.raises(ExerciseError, match="raises NotImplementedError: replace it"):
            check(unfinished)


def escape_steps(x0, lr, mu, radius):
    return math.floor(math.log(radius / abs(x0)) / math.log(1 + lr * mu)) + 1


def exponential_reach(lr, gamma, slope, start):
    return slope * lr * gamma**start / (1 - gamma)


def test_predictions_pass_and_are_confirmed_by_runs(capsys):
    ch04.check_escape_steps(escape_steps)
    ch04.check_exponential_reach(exponential_reach)
    out = capsys.readouterr().out
    assert "predicted  114, run  114" in out  # x0 = 1e-5, growth 1.1: ln(5e4)/ln(1.1) = 113.5
    assert "predicted  10.0000, run  10.0000" in out  # 0.1 / (1 - 0.99)


def test_the_runs_agree_with_the_stored_predictions():
    runs = [ch04.saddle_run(*case) for case in ch04.ESCAPE_CASES]
    assert runs == ch04.EXPECTED["escape_steps"] == [114, 42, 38, 77, 201, 1]
    reach = [ch04.exponential_run(*case) for case in ch04.REACH_CASES]
    assert reach == pytest.approx(ch04.EXPECTED["exponential_reach"], rel=1e-9)
    assert ch04.EXPECTED["exponential_reach"][0] == pytest.approx(10.0, rel=1e-12)


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda x0, lr, mu, r: escape_steps(x0, lr, 1.0, r), "curvature of the repelling"),
        (lambda x0, lr, mu, r: math.log(r / abs(x0)) / math.log(1 + lr * mu), "whole steps"),
        (lambda x0, lr, mu, r: escape_steps(x0, lr, mu, r) - 1, "same factor"),
        (lambda x0, lr, mu, r: "soon", "whole number"),
    ],
)
def test_escape_steps_rejects_wrong_answers(wrong, hint):
    with pytest.raises(ExerciseError, match="expected") as e:
        ch04.check_escape_steps(wrong)
    assert hint in str(e.value)


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda lr, g, s, t: s * lr / (1 - g), "no longer starts at η"),  # ignores start
        (lambda lr, g, s, t: lr * g**t / (1 - g), "sum the steps"),
        (lambda lr, g, s, t: s * lr * g**t, "add up"),
        (lambda lr, g, s, t: None, "None"),
    ],
)
def test_exponential_reach_rejects_wrong_answers(wrong, hint):
    with pytest.raises(ExerciseError, match="expected") as e:
        ch04.check_exponential_reach(wrong)
    assert hint in str(e.value)


def test_escape_check_confirms_by_running(monkeypatch):
    monkeypatch.setattr(ch04, "saddle_run", lambda *case: 7)
    with pytest.raises(ExerciseError, match="the run took 7"):
        ch04.check_escape_steps(escape_steps)


def test_every_escape_step_count_is_far_from_a_tie():
    """A whole-number answer is well conditioned when the quantity it rounds lies far from
    an integer: log(r/|x0|)/log(1 + ημ) sits at least 0.04 from the next step, so no CPU's
    rounding (1e-15 relative) can move a step count or the run that confirms it."""
    for x0, lr, mu, radius in ch04.ESCAPE_CASES:
        steps = math.log(radius / abs(x0)) / math.log(1 + lr * mu)
        assert min(steps % 1, 1 - steps % 1) > 0.04, (x0, lr, mu, radius)
