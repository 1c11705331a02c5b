"""Checkers for chapter 6, adaptive learning rates.

- 6.1 ``check_adam_step``: one Adam step with bias correction, as a pure function, compared
  with :class:`course_utils.optimizers.Adam` over several steps.
- 6.2 ``check_first_adam_step``: the size of Adam's first step, with and without the bias
  correction.
- 6.3 ``check_adagrad_rate``: Adagrad's effective learning rate after k equal gradients.
"""

import numpy as np

from course_utils.exercises._feedback import call, check_close, check_true, passed
from course_utils.optimizers import Adagrad, Adam


def _unpack3(what, result):
    ok = isinstance(result, (tuple, list)) and len(result) == 3
    check_true(what, ok, f"got {result!r}", "return the triple (w, m, v)")
    return result


def _adam_cases(cases, adam_step, label):
    """Run ``adam_step`` and torch's rule side by side; compare w, m, v after every step."""
    for case, (shape, steps, kw, seed) in enumerate(cases, start=1):
        gen = np.random.default_rng(seed)
        w = gen.normal(size=shape)
        m, v = np.zeros(shape), np.zeros(shape)
        opt = Adam(lr=kw["lr"], betas=(kw["beta1"], kw["beta2"]), eps=kw["eps"])
        w_ref, state = w.copy(), opt.init(w)
        for t in range(1, steps + 1):
            g = gen.normal(size=shape) * 10.0 ** gen.uniform(-3, 1, size=shape)
            w_ref, state = opt.step(w_ref, g, state)
            what = f"{label} case {case}, step t={t}"
            w, m, v = _unpack3(what, call(what, adam_step, w, g, m, v, t, **kw))
            hint = (
                "m and v are running means of g and g²; divide them by 1 - β1^t and "
                "1 - β2^t (t counts from 1), then w ← w - lr · m̂ / (√v̂ + eps)"
            )
            check_close(f"{what}: m", m, state.m, rtol=1e-9, atol=1e-12, hint=hint)
            check_close(f"{what}: v", v, state.v, rtol=1e-9, atol=1e-14, hint=hint)
            check_close(f"{what}: w", w, w_ref, rtol=1e-9, atol=1e-12, hint=hint)


def check_adam_step(adam_step):
    """6.1: ``adam_step(w, g, m, v, t, lr, beta1, beta2, eps) -> (w, m, v)`` is torch's Adam."""
    kw = {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
    cases = [((3,), 5, kw, 1), ((2, 2), 5, {**kw, "lr": 0.1}, 2)]
    _adam_cases(cases, adam_step, "adam_step")
    passed("adam_step matches course_utils.optimizers.Adam over 5 steps, with bias correction.")


def check_adam_step_hidden(adam_step):
    """6.1 (hidden): other betas, a large eps (its place matters) and 30 steps."""
    cases = [
        ((4,), 30, {"lr": 0.05, "beta1": 0.5, "beta2": 0.9, "eps": 0.1}, 11),
        ((2, 3), 30, {"lr": 0.3, "beta1": 0.0, "beta2": 0.99, "eps": 1e-3}, 12),
    ]
    _adam_cases(cases, adam_step, "adam_step")
    passed("adam_step also matches with other betas and a large eps, over 30 steps.")


def check_first_adam_step(first_step, first_step_uncorrected, lr=0.01, g=(4e-3, -250.0, 7.0)):
    """6.2: Adam's first step (m = v = 0, default betas and eps) with and without correction."""
    g = np.asarray(g, dtype=float)
    b1, b2, eps = 0.9, 0.999, 1e-8
    m, v = (1 - b1) * g, (1 - b2) * g**2
    expected = -lr * (m / (1 - b1)) / (np.sqrt(v / (1 - b2)) + eps)
    expected_raw = -lr * m / (np.sqrt(v) + eps)
    check_close(
        "first_step",
        first_step,
        expected,
        rtol=1e-4,
        hint="after one step m̂ = g and v̂ = g², so the step is -lr·g/(|g| + eps): "
        "about lr in size, whatever |g| is, with the sign opposite to g",
    )
    check_close(
        "first_step_uncorrected",
        first_step_uncorrected,
        expected_raw,
        rtol=1e-4,
        hint="without correction m = (1-β1) g and v = (1-β2) g², so the ratio m/√v is "
        "(1-β1)/√(1-β2) = 0.1/√0.001 in size",
    )
    passed(
        f"Adam's first step is about lr = {lr} per coordinate (sign opposite to g); without "
        f"the correction it would be {(1 - b1) / np.sqrt(1 - b2):.3g} times larger."
    )


def check_adagrad_rate(adagrad_effective_lr, k_tenth):
    """6.3: ``adagrad_effective_lr(lr, g, k, eps)`` and the step at which the rate is a tenth."""
    gen = np.random.default_rng(6)
    cases = [(0.1, 2.0, 1), (0.5, -0.3, 7), (1.0, 1e-3, 100), (0.01, 50.0, 2500)]
    cases += [(0.2, gen.normal(size=3) * 10.0 ** gen.uniform(-2, 2, size=3), 17)]
    for lr, g, k in cases:
        opt = Adagrad(lr=lr)
        g = np.asarray(g, dtype=float)
        w, state = np.zeros_like(g), opt.init(np.zeros_like(g))
        for _ in range(k):  # the k-th step of torch's Adagrad, with the same g every time
            w_prev = w
            w, state = opt.step(w, g, state)
        expected = (w_prev - w) / g  # the rate that multiplied g in step k
        what = f"adagrad_effective_lr(lr={lr}, g={np.round(g, 4).tolist()}, k={k})"
        got = call(what, adagrad_effective_lr, lr, g, k)
        check_close(
            what,
            got,
            expected,
            rtol=1e-9,
            hint="after k equal gradients G = k·g², and the rate is lr / (√G + eps)",
        )
    check_close(
        "k_tenth",
        k_tenth,
        100,
        hint="the rate falls like 1/√k: for a tenth of the first rate, √k = 10",
    )
    passed("adagrad_effective_lr matches torch's Adagrad; the rate is a tenth after 100 steps.")
