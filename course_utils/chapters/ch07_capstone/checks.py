"""Checkers for chapter 7, putting it together on the handwritten digits.

- 7.1 ``check_accuracy``: classification accuracy from logits and labels.
- 7.2 ``check_train_momentum``: a training loop for mini-batch SGD with momentum; the
  visible check asks for a validation accuracy the reference loop reaches with a margin
  (the test digits stay unused, as chapter 7 teaches), the
  hidden one for the very numbers of :func:`course_utils.training.train`.
- 7.3 ``check_lr_choice``: Adam's learning rate chosen from a log grid by validation loss.

The checkers compare with stored values (``expected/ch07.json``), computed by the
instructor's reference code (``instructor/checks/ch07.py``, also home of the hidden
checks), which is not shipped with the package.
"""

import functools
import sys

import numpy as np

from course_utils.chapters.ch07_capstone.experiments import digits_split, evaluate
from course_utils.exercises import _expected
from course_utils.exercises._feedback import call, check_close, check_equal, check_true, passed
from course_utils.nn import MLP

EXPECTED = _expected.expected(__name__)


def __getattr__(name):  # the hidden checks: instructor-only, supplied when grading
    return _expected.hidden(sys.modules[__name__], name)


#: The grid and protocol of exercise 7.3.
LR_GRID = (1e-4, 1e-3, 1e-2, 1e-1, 1.0)
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
    check_true(
        what,
        acc >= MOMENTUM_THRESHOLD,
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
    """7.3: the validation losses of Adam over ``LR_GRID`` and the rate with the lowest."""
    expected = np.array(EXPECTED["lr_choice"])
    check_close(
        "val_losses",
        val_losses,
        expected,
        rtol=1e-6,
        hint="a fresh network for every rate, the settings of the task, and the final "
        "loss on the validation digits (not the training loss)",
    )
    check_equal(
        "best_lr",
        best_lr,
        LR_GRID[int(np.argmin(expected))],
        hint="the rate to keep is the one that does best on data it was not trained on",
    )
    passed(
        f"best η = {best_lr:g}: validation loss {expected.min():.3f}, against "
        f"{expected[1]:.3f} at Adam's default 0.001."
    )
