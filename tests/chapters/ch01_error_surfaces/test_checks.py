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
