"""The chapter 5 checkers accept the reference solutions and reject typical mistakes."""

import numpy as np
import pytest

from course_utils.chapters.ch05_momentum import checks as ch05
from course_utils.exercises import ExerciseError


def heavy_ball_step(w, v, g, lr, beta):
    v = beta * v + g
    return w - lr * v, v


def optimal_momentum(H):
    lam = np.linalg.eigvalsh(H)
    r = (np.sqrt(lam[-1] / lam[0]) - 1) / (np.sqrt(lam[-1] / lam[0]) + 1)
    return 4 / (np.sqrt(lam[-1]) + np.sqrt(lam[0])) ** 2, r**2, r


def test_references_pass(capsys):
    ch05.check_heavy_ball_step(heavy_ball_step)
    ch05.check_optimal_momentum(optimal_momentum)
    ch05.check_largest_stable_lr(lambda beta, lam_max: (2 + 2 * beta) / lam_max)
    out = capsys.readouterr().out
    assert out.count("✓") == 3


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda w, v, g, lr, b: (w - lr * (b * v + (1 - b) * g), b * v + (1 - b) * g), "1 − β"),
        (lambda w, v, g, lr, b: (w - (b * v + lr * g), b * v + lr * g), "no η"),
        (lambda w, v, g, lr, b: (w - lr * g, b * v + g), "not along the gradient"),
        (lambda w, v, g, lr, b: (w - lr * v, b * v + g), "first"),
        (lambda w, v, g, lr, b: w - lr * g, "pair"),
    ],
)
def test_step_rejects_wrong_answers(wrong, hint):
    with pytest.raises(ExerciseError, match="expected") as e:
        ch05.check_heavy_ball_step(wrong)
    assert hint in str(e.value)


def test_optimal_momentum_rejects_wrong_answers():
    def diagonal(H):  # diagonal entries instead of eigenvalues
        d = np.sort(np.diag(H))
        k = d[-1] / d[0]
        r = (np.sqrt(k) - 1) / (np.sqrt(k) + 1)
        return 4 / (np.sqrt(d[-1]) + np.sqrt(d[0])) ** 2, r**2, r

    def plain_gd(H):
        lam = np.linalg.eigvalsh(H)
        k = lam[-1] / lam[0]
        return 2 / (lam[0] + lam[-1]), 0.0, (k - 1) / (k + 1)

    def beta_not_squared(H):
        lr, b, r = optimal_momentum(H)
        return lr, r, r

    for wrong, hint in [(diagonal, "eigenvalues"), (plain_gd, "plain gradient"),
                        (beta_not_squared, "modulus √β")]:  # fmt: skip
        with pytest.raises(ExerciseError, match="expected") as e:
            ch05.check_optimal_momentum(wrong)
        assert hint in str(e.value)
    with pytest.raises(ExerciseError, match="expected"):
        ch05.check_optimal_momentum(lambda H: None)
    with pytest.raises(ExerciseError, match="expected"):
        ch05.check_optimal_momentum(lambda H: ("a", "b", "c"))
    with pytest.raises(ExerciseError, match="expected"):
        ch05.check_optimal_momentum(3.0)


def test_largest_stable_lr_rejects_wrong_answers():
    with pytest.raises(ExerciseError, match="expected") as e:
        ch05.check_largest_stable_lr(lambda beta, lam_max: 2 / lam_max)
    assert "without momentum" in str(e.value)
    nesterov = lambda beta, lam_max: (2 + 2 * beta) / ((1 + 2 * beta) * lam_max)  # noqa: E731
    with pytest.raises(ExerciseError, match="expected") as e:
        ch05.check_largest_stable_lr(nesterov)
    assert "Nesterov" in str(e.value)
    with pytest.raises(ExerciseError, match="expected"):
        ch05.check_largest_stable_lr(lambda beta, lam_max: (1 + beta) / lam_max)


def regime_and_rate(lr, beta, lam):
    a = 1 + beta - lr * lam
    disc = a * a - 4 * beta
    if disc < 0:
        return "oscillating", float(np.sqrt(beta))
    rate = (abs(a) + np.sqrt(disc)) / 2
    if rate >= 1:
        return "divergent", float(rate)
    return ("monotone" if a > 0 else "sign-flipping"), float(rate)


def test_regime_reference_passes_and_reports_the_runs(capsys):
    ch05.check_regime_and_rate(regime_and_rate)
    out = capsys.readouterr().out
    assert out.startswith("✓") and out.count("sign-flipping") == 2
    assert "0.9487" in out  # √0.9, the spiral of (η, β, λ) = (0.1, 0.9, 1)


def test_regime_values_are_the_chapters():
    from course_utils.chapters.ch05_momentum.dynamics import regime
    from course_utils.chapters.ch05_momentum.theory import heavy_ball_rate

    stored = ch05.EXPECTED["regime"]
    for (lr, beta, lam), name, rate in zip(
        ch05.REGIME_CASES, stored["names"], stored["rates"], strict=True
    ):
        assert regime(lr * lam, beta) == name
        assert rate == pytest.approx(heavy_ball_rate(lr, beta, lam), rel=1e-12)
        assert ch05.measured_rate(lr, beta, lam)[0] == pytest.approx(rate, rel=0.01)
    assert set(stored["names"]) == set(ch05.REGIMES)  # every regime is asked


def _spiral_for_every_complex_pair(lr, beta, lam):  # calls a spiral monotone
    name, rate = regime_and_rate(lr, beta, lam)
    return ("monotone", rate) if name == "oscillating" else (name, rate)


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (_spiral_for_every_complex_pair, "no longer real"),
        (lambda lr, b, lam: ("oscillating" if b > 0 else "monotone", 0.5), "meet"),
        (
            lambda lr, b, lam: (regime_and_rate(lr, b, lam)[0], abs(1 - lr * lam)),
            "without momentum",
        ),
        (lambda lr, b, lam: (regime_and_rate(lr, b, lam)[0], np.sqrt(b)), "complex pair"),
        (lambda lr, b, lam: ("stable", 0.5), "one of"),
        (lambda lr, b, lam: "monotone", "pair"),
    ],
)
def test_regime_rejects_wrong_answers(wrong, hint):
    with pytest.raises(ExerciseError, match="expected") as e:
        ch05.check_regime_and_rate(wrong)
    assert hint in str(e.value)


def test_regime_check_confirms_by_running(monkeypatch):
    # a rate that agrees with the stored value but not with the optimizer is caught by
    # the run: pretend the optimizer measured something else
    monkeypatch.setattr(ch05, "measured_rate", lambda lr, beta, lam: (0.5, None))
    with pytest.raises(ExerciseError, match="measured 0.5000"):
        ch05.check_regime_and_rate(regime_and_rate)


# --- answers that do not do the work (issue 20): the hidden checks and the poisoned helpers ---
from course_utils.chapters.ch05_momentum import theory  # noqa: E402
from course_utils.chapters.ch05_momentum.dynamics import regime  # noqa: E402
from course_utils.chapters.ch05_momentum.theory import (  # noqa: E402
    heavy_ball_rate,
    max_stable_lr,
    optimal_heavy_ball,
)
from tests.exercises.test_replay import graded  # noqa: E402


def largest_stable_lr(beta, lam_max):
    return (2 + 2 * beta) / lam_max


def test_hidden_checks_pass_the_references_in_both_processes(capsys):
    ch05.check_optimal_momentum_hidden(optimal_momentum)
    ch05.check_largest_stable_lr_hidden(largest_stable_lr)
    ch05.check_regime_and_rate_hidden(regime_and_rate)
    assert capsys.readouterr().out.count("✓") == 3
    for check, answer in [
        ("ch05.check_optimal_momentum_hidden", optimal_momentum),
        ("ch05.check_largest_stable_lr_hidden", largest_stable_lr),
        ("ch05.check_regime_and_rate_hidden", regime_and_rate),
        ("ch05.check_regime_and_rate", regime_and_rate),
    ]:
        verdict, _ = graded(check, answer)
        assert verdict.passed, verdict


def _via_helper(H):
    lam = np.linalg.eigvalsh(H)
    lr, beta = optimal_heavy_ball(lam[0], lam[-1])
    return lr, beta, heavy_ball_rate(lr, beta, lam[-1])


def _via_module(beta, lam_max):
    return theory.max_stable_lr(beta, lam_max)


def _via_local_import(beta, lam_max):
    from course_utils.chapters.ch05_momentum.theory import max_stable_lr as m

    return m(beta, lam_max)


def _make_closure():
    helper = max_stable_lr

    def answer(beta, lam_max):
        return helper(beta, lam_max)

    return answer


def _via_regime(lr, beta, lam):
    return regime(lr * lam, beta), float(heavy_ball_rate(lr, beta, lam))


@pytest.mark.parametrize(
    ("checks", "answer"),
    [
        (["check_optimal_momentum", "check_optimal_momentum_hidden"], _via_helper),
        (["check_largest_stable_lr", "check_largest_stable_lr_hidden"], _via_module),
        (["check_largest_stable_lr", "check_largest_stable_lr_hidden"], _via_local_import),
        (["check_largest_stable_lr", "check_largest_stable_lr_hidden"], _make_closure()),
        (["check_regime_and_rate", "check_regime_and_rate_hidden"], _via_regime),
    ],
)
def test_answers_built_from_the_chapters_functions_fail(checks, answer):
    for name in checks:
        with pytest.raises(ExerciseError, match="implements exercise 5.[234]"):
            getattr(ch05, name)(answer)
        verdict, text = graded(f"ch05.{name}", answer)
        assert not verdict.passed and "implements exercise" in verdict.error[1], verdict
    # and the chapter's functions are themselves again afterwards
    assert theory.max_stable_lr(0.5, 1.0) == 3.0 and max_stable_lr(0.5, 1.0) == 3.0
    assert regime(0.1, 0.9) == "oscillating"


def _lookup(cases, values):
    table = {tuple(np.ravel(c).round(12)): v for c, v in zip(cases, values, strict=True)}
    return lambda *args: table[tuple(np.concatenate([np.ravel(a) for a in args]).round(12))]


def test_a_table_of_the_pages_answers_passes_only_the_visible_checks(capsys):
    """The stored values of the visible checks, looked up: the hidden inputs are unseen."""
    stored = ch05.EXPECTED
    tuning = _lookup(ch05._HESSIANS, [tuple(v) for v in stored["optimal_momentum"]["right"]])
    stable = _lookup([np.array(c) for c in ch05.STABLE_CASES], stored["largest_stable_lr"])
    regimes = _lookup(
        [np.array(c) for c in ch05.REGIME_CASES],
        list(zip(stored["regime"]["names"], stored["regime"]["rates"], strict=True)),
    )
    for visible, hidden, answer in [
        (ch05.check_optimal_momentum, ch05.check_optimal_momentum_hidden, tuning),
        (ch05.check_largest_stable_lr, ch05.check_largest_stable_lr_hidden, stable),
        (ch05.check_regime_and_rate, ch05.check_regime_and_rate_hidden, regimes),
    ]:
        visible(answer)
        with pytest.raises(ExerciseError):
            hidden(answer)
