"""Checkers for chapter 6, adaptive learning rates.

- 6.1 ``check_adam_step``: one Adam step with bias correction, as a pure function, compared
  with :class:`course_utils.optimizers.Adam` over several steps.
- 6.2 ``check_first_adam_step``, ``check_adam_factor``: the size of Adam's first step, with
  and without the bias correction, and the factor between them as a function of (β₁, β₂, t).
- 6.3 ``check_adagrad_rate``: Adagrad's effective learning rate after k equal gradients,
  predicted, then confirmed by runs of Adagrad.
"""

import numpy as np

from course_utils import exercises
from course_utils.exercises._feedback import call, check_close, check_true, is_close, passed
from course_utils.optimizers import Adagrad

EXPECTED, __getattr__ = exercises.bind(__name__)  # stored values; hidden checks


def _unpack3(what, result):
    ok = isinstance(result, (tuple, list)) and len(result) == 3
    check_true(what, ok, f"got {result!r}", "return the triple (w, m, v)")
    return result


def adam_inputs(shape, steps, seed):
    """``(w0, [g_1, …, g_steps])`` of one case of the Adam checks."""
    gen = np.random.default_rng(seed)
    w = gen.normal(size=shape)
    return w, [gen.normal(size=shape) * 10.0 ** gen.uniform(-3, 1, size=shape) for _ in
               range(steps)]  # fmt: skip


def _adam_cases(cases, adam_step, label, expected):
    """Run ``adam_step`` on each case; compare w, m, v after every step with ``expected``
    (``[[(w, m, v) of step 1, …], …]``, torch's rule)."""
    for case, ((shape, steps, kw, seed), runs) in enumerate(zip(cases, expected, strict=True), 1):
        w, grads = adam_inputs(shape, steps, seed)
        m, v = np.zeros(shape), np.zeros(shape)
        for t, (g, (w_ref, m_ref, v_ref)) in enumerate(zip(grads, runs, strict=True), start=1):
            what = f"{label} case {case}, step t={t}"
            w, m, v = _unpack3(what, call(what, adam_step, w, g, m, v, t, **kw))
            hint = (
                "m and v are running means of g and g², corrected for their start at zero "
                "(t counts from 1); ε sits outside the square root"
            )
            check_close(f"{what}: m", m, m_ref, rtol=1e-9, atol=1e-12, hint=hint)
            check_close(f"{what}: v", v, v_ref, rtol=1e-9, atol=1e-14, hint=hint)
            check_close(f"{what}: w", w, w_ref, rtol=1e-9, atol=1e-12, hint=hint)


_KW = {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
ADAM_CASES = [((3,), 5, _KW, 1), ((2, 2), 5, {**_KW, "lr": 0.1}, 2)]


def check_adam_step(adam_step):
    """6.1: ``adam_step(w, g, m, v, t, lr, beta1, beta2, eps) -> (w, m, v)`` is torch's Adam."""
    _adam_cases(ADAM_CASES, adam_step, "adam_step", EXPECTED["adam_step"])
    passed("adam_step matches course_utils.optimizers.Adam over 5 steps, with bias correction.")


def check_first_adam_step(first_step, first_step_uncorrected):
    """6.2: Adam's first step (m = v = 0, default betas and eps) with and without correction,
    for g = (4e-3, -250, 7) and lr = 0.01."""
    expected, expected_raw = EXPECTED["first_adam_step"]
    check_close(
        "first_step",
        first_step,
        expected,
        rtol=1e-4,
        hint="the bias correction divides each moment by 1 − β^t: what are m̂ and v̂ after one "
        "step, in terms of g?",
    )
    check_close(
        "first_step_uncorrected",
        first_step_uncorrected,
        expected_raw,
        rtol=1e-4,
        hint="without the correction, m₁ and v₁ keep the weights 1 − β₁ and 1 − β₂ they "
        "gave g and g²; the step divides one by the square root of the other",
    )
    passed("first_step and first_step_uncorrected are right; now compare their sizes with lr.")


#: (beta1, beta2, t) of the visible check of ``adam_factor``; the page plots only β₁ = 0.9
FACTOR_CASES = [(0.8, 0.99, 1), (0.9, 0.999, 10), (0.5, 0.9, 3), (0.99, 0.9, 2), (0.0, 0.999, 5)]


def factor_cases(adam_factor, cases, stored):
    """Compare ``adam_factor(beta1, beta2, t)`` with ``stored`` for each of ``cases``."""
    hint = (
        "after t equal gradients g from m₀ = v₀ = 0, m_t and v_t are what fractions of g and "
        "g²? The correction divides them by 1 − β₁ᵗ and 1 − β₂ᵗ; ε is negligible"
    )
    for (beta1, beta2, t), want in zip(cases, stored, strict=True):
        got = call("adam_factor", adam_factor, beta1, beta2, t)
        check_close(f"adam_factor({beta1}, {beta2}, {t})", got, want, rtol=1e-6, hint=hint)


def check_adam_factor(adam_factor):
    """6.2, the question: ``adam_factor(beta1, beta2, t)``, how many times larger than the
    corrected step the uncorrected one is at step t of a constant gradient."""
    factor_cases(adam_factor, FACTOR_CASES, EXPECTED["adam_factor"])
    passed(
        "adam_factor is right: the factor depends on the betas and t only, never on g, and "
        "it tends to 1 as t grows."
    )


def adagrad_cases():
    """``[(lr, g, k)]`` of exercise 6.3's check (the rate of torch's Adagrad in step k)."""
    gen = np.random.default_rng(6)
    cases = [(0.1, 2.0, 1), (0.5, -0.3, 7), (1.0, 1e-3, 100), (0.01, 50.0, 2500)]
    return cases + [(0.2, gen.normal(size=3) * 10.0 ** gen.uniform(-2, 2, size=3), 17)]


def check_adagrad_rate(adagrad_effective_lr, k_tenth):
    """6.3: ``adagrad_effective_lr(lr, g, k, eps)`` and the step at which the rate is a tenth."""
    for (lr, g, k), expected in zip(adagrad_cases(), EXPECTED["adagrad_rate"], strict=True):
        g = np.asarray(g, dtype=float)
        what = f"adagrad_effective_lr(lr={lr}, g={np.round(g, 4).tolist()}, k={k})"
        got = call(what, adagrad_effective_lr, lr, g, k)
        check_close(
            what,
            got,
            expected,
            rtol=1e-9,
            hint="G sums the squared gradients of all k steps so far, including step k",
        )
    check_close(
        "k_tenth",
        k_tenth,
        100,
        hint="how does the effective rate scale with the number of equal gradients seen?",
    )
    lines = [f"{'step':>5} {'your rate':>10} {'the run':>10}"]
    for k in (1, 10, int(k_tenth)):  # confirm by a run: the rate that multiplied g in step k
        mine = float(np.ravel(call("adagrad_effective_lr", adagrad_effective_lr, 0.5, 2.0, k))[0])
        ran = adagrad_run_rate(0.5, 2.0, k)
        check_true(f"a run of Adagrad(lr=0.5) with g = 2, step {k}",
                   is_close(f"the rate in step {k} against a run", mine, ran, rtol=1e-9),
                   f"your rate {mine:.6g}, the run's {ran:.6g}")  # fmt: skip
        lines.append(f"{k:>5} {mine:>10.5f} {ran:>10.5f}")
    passed("adagrad_effective_lr matches runs of torch's Adagrad, and the rate is a tenth after "
           "100 steps:\n" + "\n".join(lines))  # fmt: skip


def adagrad_run_rate(lr, g, k):
    """The rate that multiplied ``g`` in step ``k`` of a run of torch's Adagrad that saw
    ``g`` at every step: ``(w_{k-1} - w_k) / g``."""
    opt = Adagrad(lr=lr)
    w = np.zeros(1)
    state = opt.init(w)
    for _ in range(k):
        w_prev = w
        w, state = opt.step(w, np.array([g]), state)
    return float((w_prev - w)[0] / g)
