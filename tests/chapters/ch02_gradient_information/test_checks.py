"""The checkers of chapter 2 accept the reference solutions and reject typical mistakes."""

import math

import numpy as np
import pytest

from course_utils.chapters.ch02_gradient_information import checks as ch02
from course_utils.exercises import ExerciseError


# --- reference solutions, written here independently of the checkers ------------------------
def backward(W1, b1, W2, b2, X, y):
    N = len(X)
    a1 = np.tanh(X @ W1 + b1)
    delta2 = (a1 @ W2 + b2 - y) / N
    delta1 = (delta2 @ W2.T) * (1 - a1**2)
    return X.T @ delta1, delta1.sum(axis=0), a1.T @ delta2, delta2.sum(axis=0)


def backward_no_sigma_prime(W1, b1, W2, b2, X, y):
    N = len(X)
    a1 = np.tanh(X @ W1 + b1)
    delta2 = (a1 @ W2 + b2 - y) / N
    delta1 = delta2 @ W2.T
    return X.T @ delta1, delta1.sum(axis=0), a1.T @ delta2, delta2.sum(axis=0)


def backward_sum_not_mean(W1, b1, W2, b2, X, y):
    return tuple(g * len(X) for g in backward(W1, b1, W2, b2, X, y))


def backward_in_place(W1, b1, W2, b2, X, y):
    W1 *= 1.0  # harmless ...
    y -= 0.0
    X += 1e-3  # ... but this changes the caller's X
    return backward(W1, b1, W2, b2, X, y)


def quadratic_numbers(W):
    return W * (W + 3) // 2


def central_difference_passes(W):
    return 2 * W


def mlp_params(sizes):
    return sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:], strict=True))


def max_relative_error(f, grad, w, h=1e-6):
    a = np.asarray(grad(w), dtype=float)
    n = np.zeros_like(w)
    for i in range(w.size):
        e = np.zeros_like(w)
        e[i] = h
        n[i] = (f(w + e) - f(w - e)) / (2 * h)
    size = np.abs(a) + np.abs(n)
    rel = np.divide(np.abs(a - n), size, out=np.zeros_like(size), where=size > 0)
    return rel.max()


def restarts_needed(p, confidence=0.99):
    if p >= 1:
        return 1
    return math.ceil(math.log(1 - confidence) / math.log(1 - p))


# --- 2.1 ---------------------------------------------------------------------------------------
def test_backward_accepts_the_reference(capsys):
    ch02.check_backward(backward)
    ch02.check_backward_hidden(backward)
    assert capsys.readouterr().out.count("✓") == 2


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (backward_no_sigma_prime, "σ'"),
        (backward_sum_not_mean, "divide the output error by N"),
        (lambda *args: tuple(-g for g in backward(*args)), "sign"),
        (lambda *args: backward(*args)[:3], "tuple"),
        (lambda *args: None, "tuple"),
    ],
)
def test_backward_rejects_typical_mistakes(wrong, hint):
    with pytest.raises(ExerciseError, match="expected") as err:
        ch02.check_backward(wrong)
    assert hint in str(err.value)


def test_backward_rejects_changing_the_arguments():
    with pytest.raises(ExerciseError, match="in place"):
        ch02.check_backward(backward_in_place)


def test_backward_rejects_a_wrong_bias_gradient():
    def mean_bias(*args):
        dW1, db1, dW2, db2 = backward(*args)
        return dW1, db1 / len(args[4]), dW2, db2

    with pytest.raises(ExerciseError, match="expected"):
        ch02.check_backward(mean_bias)


# --- 2.2 ---------------------------------------------------------------------------------------
def test_counts_accept_the_reference(capsys):
    ch02.check_counts(quadratic_numbers, central_difference_passes, mlp_params)
    assert "269,322" in capsys.readouterr().out  # 200,960 + 65,792 + 2,570


@pytest.mark.parametrize(
    "q, c, m, hint",
    [
        (lambda W: W + W * W, central_difference_passes, mlp_params, "symmetric"),
        (lambda W: W * (W + 1) // 2, central_difference_passes, mlp_params, "expected"),
        (quadratic_numbers, lambda W: W, mlp_params, "E(w + h"),
        (quadratic_numbers, lambda W: W + 1, mlp_params, "expected"),
        (
            quadratic_numbers,
            central_difference_passes,
            lambda s: sum(a * b for a, b in zip(s[:-1], s[1:], strict=True)),
            "biases",
        ),
        (lambda W: W * (W + 3) / 2 + 0.5, central_difference_passes, mlp_params, "whole"),
    ],
)
def test_counts_reject_typical_mistakes(q, c, m, hint):
    with pytest.raises(ExerciseError, match="expected") as err:
        ch02.check_counts(q, c, m)
    assert hint in str(err.value)


def test_counts_accept_floats_that_are_whole_numbers():
    ch02.check_counts(lambda W: W * (W + 3) / 2, lambda W: 2.0 * W, mlp_params)


# --- 2.3 ---------------------------------------------------------------------------------------
def test_max_relative_error_accepts_the_reference(capsys):
    ch02.check_max_relative_error(max_relative_error)
    ch02.check_max_relative_error_hidden(max_relative_error)
    assert capsys.readouterr().out.count("✓") == 2


def forward_difference(f, grad, w, h=1e-6):
    a = np.asarray(grad(w), dtype=float)
    n = np.array([(f(w + h * e) - f(w)) / h for e in np.eye(w.size)])
    return np.max(np.abs(a - n) / (np.abs(a) + np.abs(n)))


@pytest.mark.parametrize(
    "wrong",
    [
        lambda f, g, w, h=1e-6: 0.0,  # never flags anything
        lambda f, g, w, h=1e-6: np.max(np.abs(g(w) - g(w))),  # compares the gradient with itself
        lambda f, g, w, h=1e-6: max_relative_error(f, g, w, h) * 2,  # |a-n| / mean(|a|, |n|)
        forward_difference,  # error O(h): about 1e-6 relative, too large for the check
    ],
)
def test_max_relative_error_rejects_wrong_versions(wrong):
    with pytest.raises(ExerciseError, match="expected"):
        ch02.check_max_relative_error(wrong)


def test_max_relative_error_hidden_rejects_nan_on_zero_components():
    def no_guard(f, grad, w, h=1e-6):
        with np.errstate(invalid="ignore"):
            a = np.asarray(grad(w), dtype=float)
            n = np.array([(f(w + h * e) - f(w - h * e)) / (2 * h) for e in np.eye(w.size)])
            return np.max(np.abs(a - n) / (np.abs(a) + np.abs(n)))  # 0/0 = nan

    ch02.check_max_relative_error(no_guard)  # the visible check has no zero component
    with pytest.raises(ExerciseError, match="expected"):
        ch02.check_max_relative_error_hidden(no_guard)


# --- 2.4 ---------------------------------------------------------------------------------------
def test_restarts_needed_accepts_the_reference(capsys):
    ch02.check_restarts_needed(restarts_needed)
    assert "14 random starts" in capsys.readouterr().out  # log(0.01)/log(0.71) = 13.4


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (
            lambda p, confidence=0.99: (
                math.floor(math.log(1 - confidence) / math.log(1 - p)) if p < 1 else 1
            ),
            "round up",
        ),
        (lambda p, confidence=0.99: math.ceil(confidence / p), "expected"),
        (lambda p, confidence=0.99: 1, "expected"),
    ],
)
def test_restarts_needed_rejects_typical_mistakes(wrong, hint):
    with pytest.raises(ExerciseError, match="expected") as err:
        ch02.check_restarts_needed(wrong)
    assert hint in str(err.value)


def test_checkers_reject_non_functions():
    for checker in (ch02.check_backward, ch02.check_max_relative_error, ch02.check_restarts_needed):
        with pytest.raises(ExerciseError, match="expected"):
            checker(None)
    with pytest.raises(ExerciseError, match="expected"):
        ch02.check_counts(None, central_difference_passes, mlp_params)


# --- 2.1, second part: a sigmoid output layer --------------------------------------------------
def _sigmoid_layer(slope):
    def grads(a_prev, W, b, t):
        y_hat = 1.0 / (1.0 + np.exp(-(a_prev @ W + b)))
        delta = (y_hat - t) * slope(y_hat) / len(t)
        return a_prev.T @ delta, delta.sum(axis=0)

    return grads


sigmoid_output_grads = _sigmoid_layer(lambda y: y * (1 - y))


def test_sigmoid_output_reference_passes(capsys):
    ch02.check_sigmoid_output(sigmoid_output_grads)
    out = capsys.readouterr().out
    # the saturated layer's most wrong unit: output 0.9996 for target 0, sigma' = 0.0004
    assert "ŷ = 0.9996 for the target 0" in out and "σ' = 0.0004" in out


def test_sigmoid_output_stored_values_match_finite_differences():
    for case, stored in zip(ch02.SIGMOID_CASES, ch02.EXPECTED["sigmoid_output"], strict=True):
        dW, db = ch02.sigmoid_layer_numeric(*ch02.sigmoid_layer_inputs(*case))
        np.testing.assert_allclose(stored[0]["grad"], dW, rtol=1e-6, atol=1e-10)
        np.testing.assert_allclose(stored[1]["grad"], db, rtol=1e-6, atol=1e-10)


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (_sigmoid_layer(lambda y: 1.0), "rule of a linear output"),
        (_sigmoid_layer(lambda y: 1 - y**2), "slope of tanh"),
        (_sigmoid_layer(lambda y: -y * (1 - y)), "not t − ŷ"),
        (_sigmoid_layer(lambda y: len(y) * y * (1 - y)), "mean over the N examples"),
        (lambda a, W, b, t: sigmoid_output_grads(a, W, b, t)[0], "pair"),
    ],
)
def test_sigmoid_output_rejects_wrong_answers(wrong, hint):
    with pytest.raises(ExerciseError, match="expected") as e:
        ch02.check_sigmoid_output(wrong)
    assert hint in str(e.value)


def test_sigmoid_output_rejects_changing_the_arguments():
    def in_place(a_prev, W, b, t):
        dW, db = sigmoid_output_grads(a_prev, W, b, t)
        t -= 1.0
        return dW, db

    with pytest.raises(ExerciseError, match="in place"):
        ch02.check_sigmoid_output(in_place)


def test_every_restart_count_is_far_from_a_tie():
    """K = ⌈log(1 − c)/log(1 − p)⌉ is well conditioned: the quotient sits at least 0.2
    from an integer in every case (p = 1 needs a single start)."""
    for p, c in ch02.RESTART_CASES:
        if p < 1:
            k = math.log(1 - c) / math.log(1 - p)
            assert min(k % 1, 1 - k % 1) > 0.2, (p, c)


# --- 2.2, second part: predict the multiply-adds of a gradient, then count them ------------------
def predict_multiply_adds(sizes, N):
    layers = list(zip(sizes[:-1], sizes[1:], strict=True))
    S = sum(a * b for a, b in layers)
    W = sum((a + 1) * b for a, b in layers)
    return N * (3 * S - sizes[0] * sizes[1]), 2 * W * N * S


def test_predict_multiply_adds_reference_passes_and_shows_the_counts(capsys):
    ch02.check_predict_multiply_adds(predict_multiply_adds)
    ch02.check_predict_multiply_adds_hidden(predict_multiply_adds)
    out = capsys.readouterr().out
    assert out.count("✓") == 2
    # [5, 8, 8, 1] on N = 7 by hand: S = 40 + 64 + 8 = 112, W = 112 + 17 = 129;
    # backprop 7 (336 - 40) = 2072, differences 2 * 129 * 7 * 112 = 202272
    assert "2,072     2,072      202,272   202,272   97.6" in out


def _three_products_everywhere(sizes, N):  # forgets that layer 1 sends no error back
    return predict_multiply_adds(sizes, N)[0] + N * sizes[0] * sizes[1], predict_multiply_adds(
        sizes, N
    )[1]


def _weights_without_biases(sizes, N):  # 2S passes instead of 2W
    S = sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True))
    return predict_multiply_adds(sizes, N)[0], 2 * S * N * S


def _by_the_course(sizes, N):
    from course_utils.chapters.ch02_gradient_information import cost

    counts = cost.multiply_adds(sizes, N)
    return counts.backprop, counts.numerical


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (_three_products_everywhere, "every layer but the first"),
        (_weights_without_biases, "the biases too"),
        (lambda sizes, N: predict_multiply_adds(sizes, N)[::-1], "backpropagation"),
        (lambda sizes, N: predict_multiply_adds(sizes, N)[0], "a pair"),
        (_by_the_course, "implements exercise 2.2"),
    ],
)
def test_predict_multiply_adds_rejects_wrong_and_borrowed_answers(wrong, message):
    with pytest.raises(ExerciseError, match=message):
        ch02.check_predict_multiply_adds(wrong)
    with pytest.raises(ExerciseError):
        ch02.check_predict_multiply_adds_hidden(wrong)
