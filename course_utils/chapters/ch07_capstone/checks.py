"""Checkers for chapter 7, putting it together on the handwritten digits.

- 7.1 ``check_accuracy``: classification accuracy from logits and labels.
- 7.2 ``check_train_momentum``: a training loop for mini-batch SGD with momentum; the
  visible check asks for a validation accuracy the reference loop reaches with a margin
  (the test digits stay unused, as chapter 7 teaches), the
  hidden one for the very numbers of :func:`course_utils.training.train`.
- 7.3 ``check_lr_choice``: Adam's learning rate chosen from a log grid by validation loss
  (the chaotic run at η = 1 graded as a run that never settles, not by its digits).
"""

import functools

import numpy as np

from course_utils import exercises
from course_utils.chapters.ch07_capstone.experiments import digits_split, evaluate
from course_utils.exercises._feedback import (
    call,
    check_close,
    check_equal,
    check_range,
    check_true,
    fail,
    passed,
)
from course_utils.nn import MLP

EXPECTED, __getattr__ = exercises.bind(__name__)  # stored values; hidden checks


#: The grid and protocol of exercise 7.3.
LR_GRID = (1e-4, 1e-3, 1e-2, 1e-1, 1.0)
#: 7.3 grades the runs at these rates by their digits: they settle, and their losses are
#: well conditioned (last-bit changes of the initial weights move them by < 1e-13 relative;
#: rtol is 1e-6). The run at η = 1 is chaotic: its loss depends on the last bits of every
#: product, so on the CPU (2.39 to 3.00 over seven BLAS and SIMD kernels, 2.00 to 3.50 over
#: 300 last-bit perturbations of the initial weights). It is graded by what the lesson says
#: of it, a run that never settles: a loss of at least RUNAWAY_LOSS (5x the best rate's
#: 0.206, the bound 1.0 below the lowest value seen), or no finite loss at all.
SETTLED_RATES = LR_GRID[:4]
RUNAWAY_LOSS = 1.0
SIZES = [64, 16, 10]


@functools.lru_cache(maxsize=1)
def _split():
    return digits_split()


def _net(seed=0):
    return MLP(SIZES, "tanh", "cross_entropy", seed=seed)


# --- 7.1 ------------------------------------------------------------------------------


def accuracy_inputs(N, K, seed):
    """``(logits, y)`` of one case: N rows of K logits, about half of them right."""
    gen = np.random.default_rng(seed)
    logits = gen.normal(size=(N, K)) * 3.0
    y = gen.integers(0, K, size=N)
    y[: N // 2] = logits[: N // 2].argmax(axis=1)  # about half right, not all
    return logits, y


def _accuracy_cases(cases, accuracy_from_logits, expected_values):
    for (N, K, seed), expected in zip(cases, expected_values, strict=True):
        logits, y = accuracy_inputs(N, K, seed)
        what = f"accuracy_from_logits on {N} rows of {K} logits (seed {seed})"
        got = call(what, accuracy_from_logits, logits.copy(), y.copy())
        hint = (
            "the predicted class of a row is the position of its largest logit; the "
            "accuracy is a fraction (not a number of rows)"
        )
        check_close(what, got, expected, rtol=1e-12, atol=1e-12, hint=hint)


ACCURACY_CASES = [(20, 10, 1), (7, 3, 2), (10, 10, 3), (50, 2, 4)]


def check_accuracy(accuracy_from_logits):
    """7.1: ``accuracy_from_logits(logits, y)`` is the fraction of correct argmax classes."""
    _accuracy_cases(ACCURACY_CASES, accuracy_from_logits, EXPECTED["accuracy"])
    passed("accuracy_from_logits agrees on four sets of logits, square ones included.")


# --- 7.2 ------------------------------------------------------------------------------

#: The visible check's setting, and the validation accuracy it demands (the reference loop
#: reaches 96.4 %, plain SGD in the same setting 89.0 %).
MOMENTUM_SETTING = {"lr": 0.05, "beta": 0.9, "batch_size": 32, "epochs": 5, "seed": 0}
MOMENTUM_THRESHOLD = 0.93


def _student_w(train_momentum, setting, what):
    split, model = _split(), _net()
    w = call(what, train_momentum, model, split.X_train, split.y_train, **setting)
    try:
        w = np.asarray(w, dtype=float)
    except (TypeError, ValueError):
        check_true(what, False, f"expected an array of numbers; got {type(w).__name__}")
    check_true(
        what,
        w.shape == (model.n_params,),
        f"expected the flat parameters, shape ({model.n_params},); got shape {w.shape}",
        "return w, the vector that model.get_flat() gave you, after all the updates",
    )
    check_true(what, bool(np.all(np.isfinite(w))), "expected finite numbers; got nan or inf",
               "check the sign: w ← w − lr · v, with v ← β v + g")  # fmt: skip
    return split, w


def check_train_momentum(train_momentum):
    """7.2: the student's momentum loop reaches the validation accuracy the reference reaches."""
    setting = MOMENTUM_SETTING
    what = "train_momentum(model, X, y, lr=0.05, beta=0.9, batch_size=32, epochs=5)"
    split, w = _student_w(train_momentum, setting, what)
    acc = evaluate(_net(), w, split.X_val, split.y_val).accuracy
    check_range(
        what,
        acc,
        MOMENTUM_THRESHOLD,
        1.0,
        f"expected a validation accuracy of at least {MOMENTUM_THRESHOLD:.0%}; got {acc:.1%}",
        "a loop that trains well lowers the training loss epoch after epoch: check the "
        "direction of each step, that the velocity remembers past gradients, and that every "
        "epoch visits every batch",
    )
    passed(
        f"your loop trains the 64-16-10 network to {acc:.1%} validation accuracy in 5 "
        "epochs; the test digits are still unused, kept for one final report."
    )


# --- 7.3 ------------------------------------------------------------------------------


def check_lr_choice(val_losses, best_lr):
    """7.3: the validation losses of Adam over ``LR_GRID`` and the rate with the lowest.

    The rates of ``SETTLED_RATES`` are compared with the stored losses, the last rate by
    ``RUNAWAY_LOSS`` (see there why).
    """
    expected = np.array(EXPECTED["lr_choice"])
    hint = (
        "a fresh network for every rate, the settings of the task, and the final loss on the "
        "validation digits (not the training loss)"
    )
    try:
        got = np.asarray(val_losses, dtype=float)
    except (TypeError, ValueError):
        got = None
    if got is None or got.shape != (len(LR_GRID),):
        shape = "not numbers" if got is None else f"shape {got.shape}"
        fail("val_losses", f"{len(LR_GRID)} losses, one per rate of lrs", shape, hint)
    rates = ", ".join(f"{lr:g}" for lr in SETTLED_RATES)
    check_close(f"val_losses at η = {rates}", got[: len(SETTLED_RATES)], expected, rtol=1e-6,
                hint=hint)  # fmt: skip
    runaway = got[len(SETTLED_RATES)]
    if np.isfinite(runaway):  # no finite loss at all is a run that ran away, too
        check_range(
            f"val_losses at η = {LR_GRID[-1]:g}",
            runaway,
            low=RUNAWAY_LOSS,
            detail=f"expected a run that never settles, with a loss of at least "
            f"{RUNAWAY_LOSS:g} (its digits vary from machine to machine); got {runaway:.3f}",
            hint="at η = 1 each of Adam's steps moves every weight by about 1; is this entry "
            "the run at η = 1, on a fresh network?",
        )
    check_equal(
        "best_lr",
        best_lr,
        LR_GRID[int(np.argmin(expected))],
        hint="the rate to keep is the one that does best on data it was not trained on",
    )
    passed(
        f"best η = {best_lr:g}: validation loss {expected.min():.3f}, against "
        f"{expected[1]:.3f} at Adam's default 0.001 and {runaway:.1f} at η = 1, where the run "
        "never settles."
    )
