"""The checkers of chapter 6 accept the reference solutions and reject typical mistakes."""

import numpy as np
import pytest

from course_utils.chapters.ch06_adaptive import checks as ch06
from course_utils.exercises import ExerciseError


# --- 6.1: one Adam step --------------------------------------------------------------------
def adam_step(w, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def adam_no_bias_correction(w, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    return w - lr * m / (np.sqrt(v) + eps), m, v


def adam_eps_inside_root(w, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return w - lr * m_hat / np.sqrt(v_hat + eps), m, v


def adam_t_from_zero(w, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    return adam_step(w, g, m, v, t + 1, lr, beta1, beta2, eps)


def adam_returns_w_only(w, g, m, v, t, **kw):
    return adam_step(w, g, m, v, t, **kw)[0]


def adam_unfinished(*args, **kw):
    raise NotImplementedError


def test_adam_step_accepts_reference():
    ch06.check_adam_step(adam_step)
    ch06.check_adam_step_hidden(adam_step)


@pytest.mark.parametrize(
    "wrong", [adam_no_bias_correction, adam_t_from_zero, adam_returns_w_only, adam_unfinished]
)
def test_adam_step_rejects_mistakes(wrong):
    with pytest.raises(ExerciseError, match="expected|not right|not answered"):
        ch06.check_adam_step(wrong)


def test_adam_step_messages_say_expected():
    with pytest.raises(ExerciseError, match="expected"):
        ch06.check_adam_step(adam_no_bias_correction)


def test_hidden_check_catches_eps_inside_the_root():
    with pytest.raises(ExerciseError, match="expected"):
        ch06.check_adam_step_hidden(adam_eps_inside_root)


# --- 6.2: the first Adam step --------------------------------------------------------------
G = np.array([4e-3, -250.0, 7.0])


def test_first_step_accepts_reference():
    lr = 0.01
    first = -lr * G / (np.abs(G) + 1e-8)  # m_hat = g, v_hat = g^2
    raw = -lr * 0.1 * G / (np.sqrt(0.001) * np.abs(G) + 1e-8)
    ch06.check_first_adam_step(first, raw)


def test_first_step_rejects_mistakes():
    lr = 0.01
    first = -lr * np.sign(G)
    raw = -lr * 0.1 / np.sqrt(0.001) * np.sign(G)
    with pytest.raises(ExerciseError, match="expected"):
        ch06.check_first_adam_step(-first, raw)  # wrong sign
    with pytest.raises(ExerciseError, match="expected"):
        ch06.check_first_adam_step(first, first)  # uncorrected = corrected
    with pytest.raises(ExerciseError, match="expected"):
        ch06.check_first_adam_step(-lr * G, raw)  # plain gradient step


def adam_factor(beta1, beta2, t):
    return (1 - beta1**t) / np.sqrt(1 - beta2**t)


def test_factor_accepts_the_function_of_the_betas_and_t(capsys):
    ch06.check_adam_factor(adam_factor)
    ch06.check_adam_factor_hidden(adam_factor)
    assert capsys.readouterr().out.count("✓") == 2
    # the stored values agree with the closed form at points computed independently
    assert ch06.EXPECTED["adam_factor"][0] == pytest.approx(0.2 / np.sqrt(0.01), rel=1e-12)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda b1, b2, t: (1 - b1) / np.sqrt(1 - b2),  # the t = 1 value, printed on the page
        lambda b1, b2, t: np.sqrt(10.0),  # the page's number
        lambda b1, b2, t: np.sqrt(1 - b2**t) / (1 - b1**t),  # upside down
        lambda b1, b2, t: (1 - b1**t) / (1 - b2**t),  # no square root
    ],
)
def test_factor_rejects_numbers_read_off_the_page(wrong):
    with pytest.raises(ExerciseError, match="m_t and v_t"):
        ch06.check_adam_factor(wrong)
    with pytest.raises(ExerciseError, match="expected"):
        ch06.check_adam_factor_hidden(wrong)


# --- 6.3: Adagrad's effective rate ----------------------------------------------------------
def adagrad_lr(lr, g, k, eps=1e-10):
    return lr / (np.sqrt(k) * np.abs(np.asarray(g, dtype=float)) + eps)


def adagrad_lr_over_k(lr, g, k, eps=1e-10):  # 1/k instead of 1/sqrt(k)
    return lr / (k * np.abs(np.asarray(g, dtype=float)) + eps)


def adagrad_lr_k_minus_one(lr, g, k, eps=1e-10):  # forgets the current gradient
    return lr / (np.sqrt(max(k - 1, 1)) * np.abs(np.asarray(g, dtype=float)) + eps)


def test_adagrad_rate_accepts_reference():
    ch06.check_adagrad_rate(adagrad_lr, 100)


@pytest.mark.parametrize("wrong", [adagrad_lr_over_k, adagrad_lr_k_minus_one])
def test_adagrad_rate_rejects_wrong_functions(wrong):
    with pytest.raises(ExerciseError, match="expected"):
        ch06.check_adagrad_rate(wrong, 100)


@pytest.mark.parametrize("k_tenth", [10, 99, None])
def test_adagrad_rate_rejects_wrong_k(k_tenth):
    with pytest.raises(ExerciseError, match="expected"):
        ch06.check_adagrad_rate(adagrad_lr, k_tenth)


def test_adagrad_rate_reports_a_crash_as_feedback():
    with pytest.raises(ExerciseError, match="raised ZeroDivisionError"):
        ch06.check_adagrad_rate(lambda lr, g, k, eps=1e-10: 1 / 0, 100)
    with pytest.raises(ExerciseError, match="not a function"):
        ch06.check_adagrad_rate(0.1, 100)
