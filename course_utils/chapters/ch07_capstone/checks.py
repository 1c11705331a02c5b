"""Checkers for chapter 7, putting it together on the handwritten digits.

- 7.1 ``check_accuracy``: classification accuracy from logits and labels.
- 7.2 ``check_train_momentum``: a training loop for mini-batch SGD with momentum; the
  visible check asks for a validation accuracy the reference loop reaches with a margin
  (the test digits stay unused, as chapter 7 teaches), the
  hidden one for the very numbers of :func:`course_utils.training.train`.
- 7.3 ``check_lr_choice``: Adam's learning rate chosen from a log grid by validation loss
  (the chaotic run at η = 1 graded as a run that never settles, not by its digits).
- 7.4 ``check_clocks``: the updates of an epoch and the examples of a budget of updates,
  counted; which batch size wins on each clock and where the knee is, predicted, then run.
"""

import functools
import math

import numpy as np

from course_utils import exercises
from course_utils.chapters.ch07_capstone.experiments import digits_split, evaluate, run_updates
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
from course_utils.optimizers import SGD
from course_utils.training import train

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


# --- 7.4 ------------------------------------------------------------------------------

#: The race of 7.4: plain SGD at one rate from the same start, one epoch or a fixed number
#: of updates for each batch size (1011 is the whole training set).
CLOCK_BATCHES = (4, 32, 256, 1011)
CLOCK_SETTING = {"lr": 0.3, "epochs": 1, "updates": 20}
#: The knee: the smallest batch whose training loss after the updates is within this
#: fraction of the full batch's. Measured at the setting: 27 % above for B = 4, 2.0 % for
#: B = 32, 0.04 % below for 256, so no rounding moves the knee (nor any other answer: the
#: losses after one epoch are 0.134, 0.515, 1.51 and 2.03).
KNEE_WITHIN = 0.05
#: ``(N, B, epochs, updates)`` of the counts: the chapter's training set
CLOCK_CASES = [(1011, B, CLOCK_SETTING["epochs"], CLOCK_SETTING["updates"]) for B in CLOCK_BATCHES]


def clock_cases(clock_counts, cases, stored):
    """Compare ``clock_counts(N, B, epochs, updates)`` with ``stored`` (pairs); return the
    answers."""
    if not callable(clock_counts):
        fail("clock_counts", "a function clock_counts(N, B, epochs, updates)", repr(clock_counts))
    answers = []
    for (N, B, epochs, updates), (n_updates, n_examples) in zip(cases, stored, strict=True):
        where = f"clock_counts({N}, {B}, {epochs}, {updates})"
        with without(clock_counts, _runners(), "7.4"):
            got = call("clock_counts", clock_counts, N, B, epochs, updates)
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            fail(where, "a pair (updates, examples)", repr(got))
        check_equal(f"the updates in {epochs} epoch(s), {where}", got[0], n_updates,
                    hint="an epoch visits every example once, in batches of B; the last batch "
                    "is smaller when B does not divide N")  # fmt: skip
        check_equal(f"the examples processed in {updates} updates, {where}", got[1], n_examples,
                    hint="count whole epochs (N examples each) and then the batches of B left "
                    "over; a batch at the end of an epoch may be smaller")  # fmt: skip
        answers.append(got)
    return answers


#: what runs the race: it raises while the student's counts run
def _runners():
    return (run_updates, train)


def clock_losses(lr, epochs, updates, batches=CLOCK_BATCHES):
    """Training losses of ``SGD(lr)`` from the chapter's 64-16-10 start, for each batch
    size: after ``epochs`` epochs and after ``updates`` updates (two lists)."""
    split = _split()
    N = len(split.X_train)

    def loss_after(B, n):
        r = run_updates(_net(), split.X_train, split.y_train, SGD(lr=lr), B, n, split.X_val,
                        split.y_val, eval_every=n, seed=0)  # fmt: skip
        return float(r.train_loss[-1])

    per_epoch = [loss_after(B, epochs * math.ceil(N / B)) for B in batches]
    per_update = [loss_after(B, updates) for B in batches]
    return per_epoch, per_update


def _decided(per_epoch, per_update, excess, run):
    """Put what decides the race's answers through ``check_range`` (true by construction),
    so that the test matrix logs how far each answer is from changing on another CPU."""
    best, worst, knee = (CLOCK_BATCHES.index(B) for B in run)
    for i, B in enumerate(CLOCK_BATCHES):
        if i != best:
            check_range(f"the race: loss after an epoch, B = {B}", per_epoch[i],
                        low=per_epoch[best])  # fmt: skip
        if i != worst:
            check_range(f"the race: loss after the updates, B = {B}", per_update[i],
                        high=per_update[worst])  # fmt: skip
        if i <= knee:
            bounds = {"high": KNEE_WITHIN} if i == knee else {"low": KNEE_WITHIN}
            check_range(f"the race: excess over the full batch, B = {B}", excess[i], **bounds)


def _batch_size(what, value):
    if isinstance(value, bool) or value not in CLOCK_BATCHES:
        fail(what, f"one of the batch sizes {CLOCK_BATCHES}", repr(value))
    return int(value)


def check_clocks(clock_counts, best_per_epoch, worst_per_update, knee):
    """7.4: the counts of both clocks, and three predictions, each confirmed by the race."""
    counts = clock_cases(clock_counts, CLOCK_CASES, EXPECTED["clock_counts"])
    stored = EXPECTED["clocks"]
    names = ("best_per_epoch", "worst_per_update", "knee")
    got = [_batch_size(n, v) for n, v in zip(names, (best_per_epoch, worst_per_update, knee),
                                                strict=True)]  # fmt: skip
    hints = (
        "an epoch is one update for the full batch and N/B updates for a batch of B",
        "with the same number of steps, which batch's gradient is the noisiest?",
        "the noise of a batch falls like 1/√B (chapter 3); past the critical batch size a "
        "larger batch no longer buys a lower loss per update",
    )
    for name, g, want, hint in zip(names, got, stored, hints, strict=True):
        check_equal(name, g, want, hint=hint)
    lr, epochs, updates = CLOCK_SETTING["lr"], CLOCK_SETTING["epochs"], CLOCK_SETTING["updates"]
    per_epoch, per_update = clock_losses(lr, epochs, updates)
    full = per_update[-1]
    excess = [u / full - 1 for u in per_update]
    run = (
        CLOCK_BATCHES[int(np.argmin(per_epoch))],
        CLOCK_BATCHES[int(np.argmax(per_update))],
        next(B for B, x in zip(CLOCK_BATCHES, excess, strict=True) if x <= KNEE_WITHIN),
    )
    _decided(per_epoch, per_update, excess, run)
    for name, g, r in zip(names, got, run, strict=True):
        check_equal(f"{name}, in the race", g, r)
    lines = [f"{'B':>5} {'updates':>8} {'loss':>7} {'examples':>9} {'loss':>7} "
             f"{'vs full':>8}", f"{'':>5} {'in ' + str(epochs) + ' epoch':>16} "
             f"{'in ' + str(updates) + ' updates':>17}"]  # fmt: skip
    for B, (n_upd, n_ex), e, u, x in zip(CLOCK_BATCHES, counts, per_epoch,
                                         per_update, excess, strict=True):  # fmt: skip
        lines.append(f"{B:>5} {n_upd:>8} {e:>7.3f} {n_ex:>9} {u:>7.3f} {x:>+8.2%}")
    passed(f"SGD at η = {lr:g} from the same start agrees with every prediction: per epoch the "
           f"smallest batch wins, per update the noisiest loses, and from B = {run[2]} on a "
           f"larger batch buys (almost) nothing per update:\n" + "\n".join(lines))  # fmt: skip
