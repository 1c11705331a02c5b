r"""Checkers for chapter 2, gradient information, backpropagation and restarts.

- 2.1 ``check_backward``, ``check_sigmoid_output``: the gradients of a tanh network and of
  a sigmoid output layer, on random networks.
- 2.2 ``check_counts``: how many numbers a quadratic model needs, how many forward passes
  a numerical gradient, how many weights a layered network has.
- 2.3 ``check_max_relative_error``: the gradient check's relative error.
- 2.4 ``check_restarts_needed``: the restarts that find a basin with a given confidence.
- 2.2 ``check_predict_multiply_adds``: the multiply-adds of a gradient by backpropagation
  and by central differences, predicted, then counted by running both.
"""

import math

import numpy as np

from course_utils import exercises
from course_utils.calculus import numerical_gradient
from course_utils.chapters.ch02_gradient_information import cost, counting
from course_utils.exercises._feedback import (
    call,
    check_close,
    check_equal,
    check_range,
    check_true,
    fail,
    passed,
)
from course_utils.exercises._forbid import without
from course_utils.nn import MLP

EXPECTED, __getattr__ = exercises.bind(__name__)  # stored values; hidden checks


# --- 2.1: the backward pass of a one-hidden-layer tanh network ------------------------------
_NAMES = ("dW1", "db1", "dW2", "db2")


def _random_network(n_in, n_hidden, n_out, N, seed, scale=1.0):
    """A [n_in, n_hidden, n_out] tanh network with non-zero biases, and a batch (X, y)."""
    net = MLP([n_in, n_hidden, n_out], activation="tanh", loss="mse", seed=seed)
    gen = np.random.default_rng(100 + seed)
    for p in net.params:
        p[...] = scale * (p + 0.3 * gen.normal(size=p.shape))  # biases are 0 at init
    X = gen.normal(size=(N, n_in))
    y = gen.normal(size=(N, n_out))
    return net, X, y


def _hint_backward(name, got, expected, no_prime, N):
    """A specific hint for the usual mistakes, found by comparing with known wrong answers
    (``no_prime``: the gradient without the factor σ'(z₁), for dW1 and db1)."""
    if np.allclose(got, expected * N, rtol=1e-6):
        return "the loss is a mean over the batch: divide the output error by N"
    if np.allclose(got, expected * 2, rtol=1e-6):
        return "the loss has a factor ½, so the output error is ŷ − y (no factor 2)"
    if np.allclose(got, -expected, rtol=1e-6):
        return "check the sign: the output error is ŷ − y, not y − ŷ"
    if no_prime is not None:
        wrong = np.asarray(no_prime, dtype=float)
        if np.shape(got) == np.shape(wrong) and np.allclose(got, wrong, rtol=1e-6):
            return "the hidden error needs the factor σ'(z₁) = 1 − a₁² (tanh)"
    if name == "dW1":
        return "the hidden error is the output error sent back through W₂, times the slope of tanh"
    if name == "dW2":
        return (
            "a weight's gradient is the error at its receiving end times the activation at "
            "its sending end"
        )
    return "a bias gradient is the error δ summed over the batch (axis 0)"


def _backward_cases(backward, cases, stored):
    """``stored``: per case ``{"grads": [dW1, db1, dW2, db2], "no_prime": [dW1', db1']}``."""
    if not callable(backward):
        fail("backward", "a function backward(W1, b1, W2, b2, X, y)", repr(backward))
    for (n_in, n_hidden, n_out, N, seed, scale), want in zip(cases, stored, strict=True):
        net, X, y = _random_network(n_in, n_hidden, n_out, N, seed, scale)
        expected = [np.asarray(e, dtype=float) for e in want["grads"]]
        no_prime = want["no_prime"] + [None, None]
        args = [p.copy() for p in net.params] + [X.copy(), y.copy()]
        got = call("backward", backward, *args)
        unchanged = all(
            np.array_equal(a, b) for a, b in zip(args, [*net.params, X, y], strict=True)
        )
        check_true(
            "backward",
            unchanged,
            "it changed one of its arguments in place",
            "compute new arrays (delta = delta @ W.T, not delta @= ...)",
        )
        if not isinstance(got, (tuple, list)) or len(got) != 4:
            fail("backward", "a tuple (dW1, db1, dW2, db2)", repr(type(got).__name__))
        where = f" for a [{n_in}, {n_hidden}, {n_out}] network on N = {N} examples"
        for name, g, e, wrong in zip(_NAMES, got, expected, no_prime, strict=True):
            g_arr = np.asarray(g, dtype=float) if g is not None else None
            hint = ""
            if g_arr is not None and g_arr.shape == e.shape:
                hint = _hint_backward(name, g_arr, e, wrong, N)
            check_close(name + where, g, e, rtol=1e-7, atol=1e-10, hint=hint)


BACKWARD_CASES = [(1, 3, 1, 5, 0, 1.0), (2, 4, 1, 8, 1, 1.0), (3, 5, 2, 6, 2, 1.0)]


def check_backward(backward):
    """Exercise 2.1: the four gradients of a [n_in, h, n_out] tanh network, three networks."""
    _backward_cases(backward, BACKWARD_CASES, EXPECTED["backward"])
    passed("backward agrees with MLP.loss_and_grad on 3 random networks, all 4 gradients.")


# --- 2.1, second part: the output layer with a sigmoid ------------------------------------
#: ``(N, n_in, n_out, seed, scale)``; the last case has large weights (saturated outputs).
SIGMOID_CASES = [(4, 3, 1, 0, 1.0), (6, 2, 2, 1, 1.0), (5, 4, 3, 2, 1.0), (3, 3, 1, 5, 4.0)]


def sigmoid_layer_inputs(N, n_in, n_out, seed, scale):
    """``(a_prev, W, b, t)``: activations in (−1, 1), weights and biases, targets in {0, 1}."""
    gen = np.random.default_rng(20 + seed)
    a_prev = np.tanh(gen.normal(size=(N, n_in)))
    W = scale * gen.normal(size=(n_in, n_out))
    b = scale * gen.normal(size=n_out) / 2
    t = (gen.uniform(size=(N, n_out)) < 0.5).astype(float)
    return a_prev, W, b, t


def sigmoid_layer_loss(a_prev, W, b, t):
    """:math:`E = \\frac1N \\sum_n \\tfrac12 \\lVert \\sigma(\\mathbf a_n \\mathbf W +
    \\mathbf b) - \\mathbf t_n \\rVert^2`, the loss whose gradient the exercise asks for."""
    y_hat = 1.0 / (1.0 + np.exp(-(a_prev @ W + b)))
    return float(0.5 * np.sum((y_hat - t) ** 2) / len(t))


def sigmoid_layer_numeric(a_prev, W, b, t):
    """``(dW, db)`` of :func:`sigmoid_layer_loss` by central differences."""

    def of_W(x):
        return sigmoid_layer_loss(a_prev, x.reshape(W.shape), b, t)

    def of_b(x):
        return sigmoid_layer_loss(a_prev, W, x, t)

    return numerical_gradient(of_W, W.ravel().copy()).reshape(W.shape), numerical_gradient(
        of_b, b.copy()
    )


def _hint_sigmoid(got, want):
    if np.allclose(got, np.asarray(want["linear"]), rtol=1e-6):
        return (
            "that is the rule of a linear output; here the output passes through σ, and the "
            "chain rule adds one factor to the output error"
        )
    if np.allclose(got, np.asarray(want["tanh_slope"]), rtol=1e-6):
        return "1 − ŷ² is the slope of tanh; the logistic sigmoid's slope, written in ŷ, differs"
    return ""


def _sigmoid_cases(sigmoid_output_grads, cases, stored):
    if not callable(sigmoid_output_grads):
        fail("sigmoid_output_grads", "a function sigmoid_output_grads(a_prev, W, b, t)",
             repr(sigmoid_output_grads))  # fmt: skip
    for case, want in zip(cases, stored, strict=True):
        N = case[0]
        args = sigmoid_layer_inputs(*case)
        copies = [a.copy() for a in args]
        got = call("sigmoid_output_grads", sigmoid_output_grads, *copies)
        check_true(
            "sigmoid_output_grads",
            all(np.array_equal(a, c) for a, c in zip(args, copies, strict=True)),
            "it changed one of its arguments in place",
            "compute new arrays instead of updating the inputs",
        )
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            fail("sigmoid_output_grads", "a pair (dW, db)", repr(type(got).__name__))
        where = f" of a sigmoid output layer ({N} examples, {case[1]} → {case[2]} units)"
        for name, g, w in zip(("dW", "db"), got, want, strict=True):
            e = np.asarray(w["grad"], dtype=float)
            hint = (
                "δ is ∂E/∂(drive) of the output units; a weight's gradient pairs it with its input"
            )
            if g is not None and np.shape(g) == e.shape:
                g_arr = np.asarray(g, dtype=float)
                if np.allclose(g_arr, N * e, rtol=1e-6):
                    hint = "the loss is a mean over the N examples"
                elif np.allclose(g_arr, -e, rtol=1e-6):
                    hint = "the gradient points uphill: the output error is ŷ − t, not t − ŷ"
                else:
                    hint = _hint_sigmoid(g_arr, w) or hint
            check_close(name + where, g, e, rtol=1e-7, atol=1e-12, hint=hint)
        # confirm with finite differences of the loss, computed here
        for name, g, n in zip(("dW", "db"), got, sigmoid_layer_numeric(*args), strict=True):
            check_close(f"{name}{where}, against finite differences", g, n, rtol=1e-5,
                        atol=1e-9)  # fmt: skip


def check_sigmoid_output(sigmoid_output_grads):
    """Exercise 2.1, second part: (dW, db) of a sigmoid output layer under the squared error."""
    _sigmoid_cases(sigmoid_output_grads, SIGMOID_CASES, EXPECTED["sigmoid_output"])
    a_prev, W, b, t = sigmoid_layer_inputs(*SIGMOID_CASES[-1])
    y_hat = 1.0 / (1.0 + np.exp(-(a_prev @ W + b)))
    slope = y_hat * (1.0 - y_hat)
    worst = np.argmin(np.where(np.abs(y_hat - t) > 0.5, slope, np.inf))
    passed(
        "sigmoid_output_grads agrees with the stored gradients and with finite differences. "
        f"In the saturated layer one output is ŷ = {y_hat.flat[worst]:.4f} for the target "
        f"{t.flat[worst]:.0f}: badly wrong, yet σ' = {slope.flat[worst]:.4f} scales its error "
        "down; chapter 4 calls this saturation."
    )


# --- 2.2: counting ---------------------------------------------------------------------------
def _as_int(what, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer, float, np.floating)):
        fail(what, "a whole number", repr(value))
    if value != math.floor(value):
        fail(what, "a whole number", repr(value), "a count has no fractional part")
    return int(value)


COUNT_WEIGHTS = (1, 2, 3, 10, 1000, 10**6)
COUNT_SIZES = ([1, 1], [1, 12, 1], [2, 3, 4, 5], [784, 256, 256, 10])


def check_counts(quadratic_numbers, central_difference_passes, mlp_params):
    """Exercise 2.2: W(W+3)/2 numbers, 2W forward passes, and W of a layered network."""
    for f, name in (
        (quadratic_numbers, "quadratic_numbers"),
        (central_difference_passes, "central_difference_passes"),
        (mlp_params, "mlp_params"),
    ):
        if not callable(f):
            fail(name, "a function", repr(f))
    stored = EXPECTED["counts"]
    for W, quadratic, passes in zip(COUNT_WEIGHTS, stored["quadratic"], stored["passes"],
                                    strict=True):  # fmt: skip
        got = _as_int(f"quadratic_numbers({W})", quadratic_numbers(W))
        hint = "count W entries of b plus the entries of H on and above its diagonal"
        if got == W + W * W:
            hint = "H is symmetric: H_ij = H_ji are one number, not two"
        check_equal(f"quadratic_numbers({W})", got, quadratic, hint)
        got = _as_int(f"central_difference_passes({W})", central_difference_passes(W))
        check_equal(
            f"central_difference_passes({W})",
            got,
            passes,
            "each of the W components needs E(w + h eᵢ) and E(w − h eᵢ)",
        )
    for sizes, expected in zip(COUNT_SIZES, stored["mlp_params"], strict=True):
        got = _as_int(f"mlp_params({sizes})", mlp_params(list(sizes)))
        check_equal(
            f"mlp_params({sizes})",
            got,
            expected,
            "each layer has an (n_in × n_out) weight matrix and n_out biases",
        )
    W = stored["mlp_params"][-1]
    passed(
        f"all counts right. For the [784, 256, 256, 10] network, W = {W:,}: its quadratic "
        f"model has {stored['big_quadratic']:.2e} numbers, and one finite-difference gradient "
        f"costs {stored['big_passes']:,} forward passes."
    )


# --- 2.3: gradient checking ------------------------------------------------------------------
def _f_mix(w):
    return np.sum(np.sin(w)) + w[0] * w[1] ** 2 + 0.5 * np.sum(w**2)


def _g_mix(w):
    g = np.cos(w) + w
    g[0] += w[1] ** 2
    g[1] += 2 * w[0] * w[1]
    return g


def _call_check(max_relative_error, f, grad, w, what):
    w = np.array(w, dtype=float)
    got = call(what, max_relative_error, f, grad, w.copy())
    try:
        return float(got)
    except (TypeError, ValueError):
        fail(what, "a single number (the largest relative error)", repr(got))


def _relative_error_cases(max_relative_error, cases):
    if not callable(max_relative_error):
        fail(
            "max_relative_error",
            "a function max_relative_error(f, grad, w, h=1e-6)",
            repr(max_relative_error),
        )
    for label, f, grad, w, expected, tol in cases:
        what = f"max_relative_error for {label}"
        got = _call_check(max_relative_error, f, grad, w, what)
        if expected == 0.0:
            hint = (
                "compare with central differences (f(w + h eᵢ) − f(w − h eᵢ)) / 2h; a "
                "component where both are exactly 0 has error 0"
            )
            detail = f"expected a value below {tol:g} (a correct gradient), got {got:.3g}"
            check_true(what, got >= 0.0, detail, hint)  # a size, never negative
            check_range(what, got, high=tol, detail=detail, hint=hint)
        else:
            check_close(
                what,
                got,
                expected,
                rtol=0,
                atol=tol,
                hint="compare each component of the claimed gradient with its central difference, "
                "relative to their sizes, and report the worst component",
            )


def check_max_relative_error(max_relative_error):
    """Exercise 2.3: small for a right gradient, 1/3 for a doubled one, 1 for a flipped sign."""
    w = [0.3, -1.2, 0.8, 2.0]

    def flipped(v):
        g = _g_mix(v)
        g[2] = -g[2]
        return g

    cases = [
        ("the right gradient", _f_mix, _g_mix, w, 0.0, 1e-8),
        ("a gradient twice too large", _f_mix, lambda v: 2 * _g_mix(v), w, 1 / 3, 1e-5),
        ("a gradient with one sign flipped", _f_mix, flipped, w, 1.0, 1e-5),
        ("a gradient missing a factor 1/2", lambda v: 0.5 * _f_mix(v), _g_mix, w, 1 / 3, 1e-5),
    ]
    _relative_error_cases(max_relative_error, cases)
    passed("max_relative_error passes a right gradient and flags a factor 2 (1/3) and a sign (1).")


# --- 2.4: how many restarts? -----------------------------------------------------------------
RESTART_CASES = [(0.29, 0.99), (0.5, 0.99), (0.01, 0.99), (0.5, 0.9), (0.05, 0.5), (1.0, 0.99)]


def check_restarts_needed(restarts_needed):
    """Exercise 2.4: the smallest K with 1 - (1 - p)^K >= confidence, at several p."""
    if not callable(restarts_needed):
        fail(
            "restarts_needed",
            "a function restarts_needed(p, confidence=0.99)",
            repr(restarts_needed),
        )
    stored = EXPECTED["restarts_needed"]
    for (p, c), expected in zip(RESTART_CASES, stored, strict=True):
        got = _as_int(
            f"restarts_needed({p}, confidence={c})",
            call("restarts_needed", restarts_needed, p, confidence=c),
        )
        hint = "all K starts miss with probability (1 − p)^K; how small must that be?"
        if got == expected - 1:
            hint = f"with K = {got} the chance is only {1 - (1 - p) ** got:.4f}: round up"
        check_equal(f"restarts_needed({p}, confidence={c})", got, expected, hint)
    passed(
        f"restarts_needed is right: with p = 0.29, {stored[0]} random starts find "
        "the global well with 99 % probability."
    )


# --- 2.2, second part: predict the multiply-adds of a gradient, then count them by running -------
#: ``(sizes, N)``: none of them is timed or counted on the page
COST_CASES = [([3, 4, 2], 10), ([5, 8, 8, 1], 7), ([1, 1], 3), ([4, 6, 3, 2], 16)]


#: what computes the answer of 2.2: it raises while the prediction runs
def _cost_counters():
    return (cost.multiply_adds, cost.measure_gradient_cost, counting.count_multiply_adds)


def cost_cases(predict_multiply_adds, cases, stored, confirm=True):
    """Compare ``predict_multiply_adds(sizes, N) -> (backprop, numerical)`` with ``stored``;
    with ``confirm``, count both by running them and show the counts beside."""
    if not callable(predict_multiply_adds):
        fail("predict_multiply_adds", "a function predict_multiply_adds(sizes, N)",
             repr(predict_multiply_adds))  # fmt: skip
    lines = [f"{'sizes':>14} {'N':>3} {'W':>4} {'backprop':>9} {'counted':>9} "
             f"{'finite diff.':>12} {'counted':>9} {'ratio':>6}"]  # fmt: skip
    for (sizes, N), (bp, fd) in zip(cases, stored, strict=True):
        where = f"predict_multiply_adds({sizes}, {N})"
        with without(predict_multiply_adds, _cost_counters(), "2.2"):
            got = call("predict_multiply_adds", predict_multiply_adds, list(sizes), N)
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            fail(where, "a pair (backprop, numerical)", repr(got))
        names = ("backprop", "numerical")
        got = [_as_int(f"{name}, {where}", g) for name, g in zip(names, got, strict=True)]
        check_equal(f"the multiply-adds of backpropagation, {where}", got[0], bp,
                    hint="one forward pass makes N·S, the backward pass a_{l-1}ᵀδ_l in every "
                    "layer and δ_l W_lᵀ in every layer but the first")  # fmt: skip
        check_equal(f"the multiply-adds of central differences, {where}", got[1], fd,
                    hint="2W forward passes, W counting the biases too, each of N·S "
                    "multiply-adds (S: the entries of the weight matrices)")  # fmt: skip
        if confirm:
            run = counting.count_multiply_adds(sizes, N)
            check_equal(f"the multiply-adds counted in a run of backpropagation, {where}",
                        got[0], run.backprop)  # fmt: skip
            check_equal(f"the multiply-adds counted in a run of central differences, {where}",
                        got[1], run.numerical)  # fmt: skip
            lines.append(f"{str(list(sizes)):>14} {N:>3} {run.W:>4} {got[0]:>9,} "
                         f"{run.backprop:>9,} {got[1]:>12,} {run.numerical:>9,} "
                         f"{run.numerical / run.backprop:>6.1f}")  # fmt: skip
    return lines


def check_predict_multiply_adds(predict_multiply_adds):
    """2.2, second part: ``predict_multiply_adds(sizes, N) -> (backprop, numerical)``,
    then both counted in a run."""
    lines = cost_cases(predict_multiply_adds, COST_CASES, EXPECTED["predict_multiply_adds"])
    passed("every prediction matches the multiply-adds counted in a run; the ratio grows "
           "with W and does not depend on N:\n" + "\n".join(lines))  # fmt: skip
