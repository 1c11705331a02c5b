"""The checkers of chapter 1 accept the reference solutions and reject typical mistakes."""

import numpy as np
import pytest

from course_utils.chapters.ch01_error_surfaces import checks as ch01
from course_utils.exercises import ExerciseError


# --- reference solutions, written here independently of the checkers ------------------------
def central_gradient(f, w, h=1e-5):
    w = np.asarray(w, dtype=float)
    g = np.zeros_like(w)
    for i in range(w.size):
        e = np.zeros_like(w)
        e[i] = h
        g[i] = (f(w + e) - f(w - e)) / (2 * h)
    return g


def forward_gradient(f, w, h=1e-5):
    w = np.asarray(w, dtype=float)
    return np.array([(f(w + h * e) - f(w)) / h for e in np.eye(w.size)])


def gradient_missing_half(f, w, h=1e-5):
    return 2 * central_gradient(f, w, h)


def gradient_in_place(f, w, h=1e-5):
    g = np.zeros_like(w)
    for i in range(w.size):
        w[i] += h
        plus = f(w)
        w[i] -= 2 * h
        g[i] = (plus - f(w)) / (2 * h)
        w[i] += h * 1.000001  # not quite restored
    return g


def newton_step(surface, w_hat):
    w_hat = np.asarray(w_hat, dtype=float)
    return w_hat - np.linalg.solve(surface.hessian(w_hat), surface.grad(w_hat))


def newton_wrong_sign(surface, w_hat):
    w_hat = np.asarray(w_hat, dtype=float)
    return w_hat + np.linalg.solve(surface.hessian(w_hat), surface.grad(w_hat))


def gradient_step(surface, w_hat):
    return np.asarray(w_hat, dtype=float) - 0.01 * surface.grad(w_hat)


LAM = [501 - np.sqrt(501**2 - 400), 501 + np.sqrt(501**2 - 400)]


def test_central_gradient_checkers_accept_the_reference(capsys):
    ch01.check_central_gradient(central_gradient)
    ch01.check_central_gradient_hidden(central_gradient)
    assert capsys.readouterr().out.count("✓") == 2


@pytest.mark.parametrize("wrong", [forward_gradient, gradient_missing_half, gradient_in_place])
def test_central_gradient_checker_rejects(wrong):
    with pytest.raises(ExerciseError, match="expected|changed"):
        ch01.check_central_gradient(wrong)


def test_central_gradient_checker_message_says_expected():
    with pytest.raises(ExerciseError, match="expected"):
        ch01.check_central_gradient(forward_gradient)
    with pytest.raises(ExerciseError, match="expected"):
        ch01.check_central_gradient(None)


def test_rosenbrock_curvature_checker(capsys):
    ch01.check_rosenbrock_curvature(LAM, 2 / LAM[1])
    assert "✓" in capsys.readouterr().out
    for lam, eta in [
        (LAM[::-1], 2 / LAM[1]),  # descending
        ([200.0, 802.0], 2 / 802),  # the diagonal of H
        (LAM, 2 / LAM[0]),  # limited by the wrong eigenvalue
        (LAM, 1 / LAM[1]),  # 1/λ instead of 2/λ
    ]:
        with pytest.raises(ExerciseError, match="expected"):
            ch01.check_rosenbrock_curvature(lam, eta)


def test_newton_checkers(capsys):
    ch01.check_newton_step(newton_step)
    ch01.check_newton_step_hidden(newton_step)
    assert capsys.readouterr().out.count("✓") == 2
    for wrong in (newton_wrong_sign, gradient_step):
        with pytest.raises(ExerciseError, match="expected"):
            ch01.check_newton_step(wrong)


# --- 1.4: predict the step counts of Newton and gradient descent -----------------------------
def predict_steps(lams, lr, tol):
    factors = np.abs(1 - lr * np.asarray(lams, dtype=float))
    if factors.max() >= 1:
        return None, 1
    k = 1
    while np.sum(factors ** (2 * k)) > tol**2 * len(factors):
        k += 1
    return k, 1


def test_predict_steps_reference_passes_and_shows_the_runs(capsys):
    ch01.check_predict_steps(predict_steps)
    ch01.check_predict_steps_hidden(predict_steps)
    out = capsys.readouterr().out
    assert out.count("✓") == 2 and "892    892" in out


def test_predicted_counts_are_far_from_changing():
    """Every stored count is at least 4e-4 (in log of the distance) from the next one, so
    no CPU's rounding moves it (the runs multiply the same factors 2240 times at most)."""
    from course_utils.exercises import _hidden

    reference = _hidden.module("ch01", _hidden.REFERENCE)
    for case in ch01.STEP_CASES + reference.checks.STEP_MORE:
        assert reference.step_margin(*case) > 4e-4, case
    # the stored values by hand: 0.9^k ≤ 1e-3 √2 first at k = 63 (0.9^62 = 1.46e-3)
    assert ch01.EXPECTED["predict_steps"][0] == [63, 1]
    assert 0.9**63 <= 1e-3 * np.sqrt(2) < 0.9**62


def _slowest_only(lams, lr, tol):
    f = np.abs(1 - lr * np.asarray(lams, dtype=float)).max()
    return (None if f >= 1 else int(np.ceil(np.log(tol) / np.log(f)))), 1


def _by_running(lams, lr, tol):
    from course_utils.chapters.ch01_error_surfaces import newton
    from course_utils.optimizers import SGD

    surface = ch01.step_surface(lams)
    return newton.steps_to_reach(SGD(lr=lr), surface, tol=tol, max_steps=20_000), 1


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (_slowest_only, "1 − ηλᵢ"),
        (lambda lams, lr, tol: (predict_steps(lams, lr, tol)[0], 0), "the function itself"),
        (lambda lams, lr, tol: (predict_steps(lams, lr, tol)[0], None), "the function itself"),
        (_by_running, "implements exercise 1.4"),
    ],
)
def test_predict_steps_rejects_wrong_and_running_answers(wrong, message):
    with pytest.raises(ExerciseError, match=message):
        ch01.check_predict_steps(wrong)
    with pytest.raises(ExerciseError):
        ch01.check_predict_steps_hidden(wrong)
