"""The checkers of chapter 7 accept the reference solutions and reject typical mistakes."""

import numpy as np
import pytest

from course_utils.chapters.ch07_capstone import checks as ch07
from course_utils.chapters.ch07_capstone.experiments import digits_split
from course_utils.data import minibatches
from course_utils.exercises import ExerciseError
from course_utils.nn import MLP
from course_utils.optimizers import Adam
from course_utils.training import train

# --- 7.1: accuracy from logits ------------------------------------------------------------


def accuracy_ok(logits, y):
    return float(np.mean(np.argmax(logits, axis=1) == y))


def accuracy_loop(logits, y):  # a plain loop is just as right
    hits = 0
    for row, label in zip(logits, y, strict=True):
        hits += int(max(range(len(row)), key=lambda k: row[k]) == label)
    return hits / len(y)


def accuracy_argmin(logits, y):
    return float(np.mean(np.argmin(logits, axis=1) == y))


def accuracy_count(logits, y):  # the number of hits, not the fraction
    return int(np.sum(np.argmax(logits, axis=1) == y))


def accuracy_wrong_axis(logits, y):
    return float(np.mean(np.argmax(logits, axis=0)[: len(y)] == y))


def accuracy_error_rate(logits, y):
    return 1.0 - accuracy_ok(logits, y)


@pytest.mark.parametrize("func", [accuracy_ok, accuracy_loop])
def test_accuracy_checks_accept_right_answers(func, capsys):
    ch07.check_accuracy(func)
    ch07.check_accuracy_hidden(func)
    assert capsys.readouterr().out.count("✓") == 2


@pytest.mark.parametrize(
    "func", [accuracy_argmin, accuracy_count, accuracy_wrong_axis, accuracy_error_rate]
)
def test_accuracy_check_rejects_typical_mistakes(func):
    with pytest.raises(ExerciseError, match="expected"):
        ch07.check_accuracy(func)


def test_accuracy_check_reports_an_unfinished_answer():
    def unfinished(logits, y):
        raise NotImplementedError

    with pytest.raises(ExerciseError, match="NotImplementedError"):
        ch07.check_accuracy(unfinished)


# --- 7.2: the momentum loop ---------------------------------------------------------------


def momentum_ok(model, X, y, lr, beta, batch_size, epochs, seed=0):
    w = model.get_flat()
    v = np.zeros_like(w)
    rng = np.random.default_rng(seed)
    for _ in range(epochs):
        for Xb, yb in minibatches(X, y, batch_size, rng):
            _, g = model.flat_loss_and_grad(w, Xb, yb)
            v = beta * v + g
            w = w - lr * v
    return w


def momentum_no_momentum(model, X, y, lr, beta, batch_size, epochs, seed=0):
    return momentum_ok(model, X, y, lr, 0.0, batch_size, epochs, seed)


def momentum_wrong_sign(model, X, y, lr, beta, batch_size, epochs, seed=0):
    w = model.get_flat()
    v = np.zeros_like(w)
    rng = np.random.default_rng(seed)
    for _ in range(epochs):
        for Xb, yb in minibatches(X, y, batch_size, rng):
            _, g = model.flat_loss_and_grad(w, Xb, yb)
            v = beta * v - g  # ascends: the loss grows
            w = w - lr * v
    return w


def momentum_one_epoch(model, X, y, lr, beta, batch_size, epochs, seed=0):
    return momentum_ok(model, X, y, lr, beta, batch_size, 1, seed)


def momentum_fresh_rng_each_epoch(model, X, y, lr, beta, batch_size, epochs, seed=0):
    w = model.get_flat()  # every epoch visits the batches in the same order
    v = np.zeros_like(w)
    for _ in range(epochs):
        for Xb, yb in minibatches(X, y, batch_size, np.random.default_rng(seed)):
            _, g = model.flat_loss_and_grad(w, Xb, yb)
            v = beta * v + g
            w = w - lr * v
    return w


def momentum_returns_model(model, X, y, lr, beta, batch_size, epochs, seed=0):
    momentum_ok(model, X, y, lr, beta, batch_size, epochs, seed)
    return model


def test_momentum_checks_accept_the_reference(capsys):
    ch07.check_train_momentum(momentum_ok)
    ch07.check_train_momentum_hidden(momentum_ok)
    assert capsys.readouterr().out.count("✓") == 2


@pytest.mark.parametrize(
    "func", [momentum_no_momentum, momentum_wrong_sign, momentum_one_epoch, momentum_returns_model]
)
def test_momentum_check_rejects_loops_that_do_not_train_well(func):
    with pytest.raises(ExerciseError, match="expected"):
        ch07.check_train_momentum(func)


def test_momentum_hidden_check_insists_on_the_conventions():
    with pytest.raises(ExerciseError, match="expected"):
        ch07.check_train_momentum_hidden(momentum_fresh_rng_each_epoch)
    with pytest.raises(ExerciseError, match="expected"):
        ch07.check_train_momentum_hidden(momentum_no_momentum)


def test_the_visible_threshold_leaves_a_margin_both_ways():
    split = digits_split()
    net = MLP([64, 16, 10], "tanh", "cross_entropy", seed=0)
    kw = dict(ch07.MOMENTUM_SETTING)
    ok = momentum_ok(net, split.X_train, split.y_train, **kw)
    plain = momentum_no_momentum(net, split.X_train, split.y_train, **kw)

    def acc(w):
        net.set_flat(w)
        return net.accuracy(split.X_val, split.y_val)  # graded on validation, not test

    assert acc(ok) >= ch07.MOMENTUM_THRESHOLD + 0.03  # 96.4 %
    assert acc(plain) <= ch07.MOMENTUM_THRESHOLD - 0.03  # 89.0 %
    fresh = MLP([64, 16, 10], "tanh", "cross_entropy", seed=0)
    one_epoch = momentum_one_epoch(fresh, split.X_train, split.y_train, **kw)
    assert acc(one_epoch) <= ch07.MOMENTUM_THRESHOLD - 0.02  # 90.2 %


def test_momentum_check_never_looks_at_the_test_digits(monkeypatch):
    import course_utils.chapters.ch07_capstone.checks as module

    real = module._split

    class NoTest:
        def __init__(self, split):
            self._split = split

        def __getattr__(self, name):
            if name.endswith("_test"):
                raise AssertionError("the visible check used the test digits")
            return getattr(self._split, name)

    monkeypatch.setattr(module, "_split", lambda: NoTest(real()))
    ch07.check_train_momentum(momentum_ok)


# --- 7.3: choosing Adam's learning rate ---------------------------------------------------


def sweep(use="val"):
    split = digits_split()
    losses = []
    for lr in ch07.LR_GRID:
        net = MLP([64, 16, 10], "tanh", "cross_entropy", seed=0)
        h = train(net, split.X_train, split.y_train, Adam(lr=lr), batch_size=32, epochs=3,
                  seed=0, X_val=split.X_val, y_val=split.y_val)  # fmt: skip
        losses.append(h.val_losses[-1] if use == "val" else h.epoch_losses[-1])
    return losses


def test_lr_choice_accepts_the_reference(capsys):
    losses = sweep()
    best = ch07.LR_GRID[int(np.argmin(losses))]
    assert best not in (ch07.LR_GRID[0], ch07.LR_GRID[-1])  # an interior optimum
    ch07.check_lr_choice(losses, best)
    assert "✓" in capsys.readouterr().out


def test_lr_choice_rejects_training_losses_and_wrong_picks():
    losses = sweep()
    with pytest.raises(ExerciseError, match="expected"):
        ch07.check_lr_choice(sweep("train"), ch07.LR_GRID[int(np.argmin(losses))])
    with pytest.raises(ExerciseError, match="expected"):
        ch07.check_lr_choice(losses, 1e-3)  # Adam's default, not the grid's best
    with pytest.raises(ExerciseError, match="expected"):
        ch07.check_lr_choice(losses, ch07.LR_GRID[int(np.argmax(losses))])
    with pytest.raises(ExerciseError, match="expected"):
        ch07.check_lr_choice(None, 1e-2)


def test_lr_choice_grades_the_run_at_eta_1_by_its_lesson_not_its_digits():
    losses = sweep()
    best = ch07.LR_GRID[int(np.argmin(losses))]
    for runaway in (1.0, 2.4, 3.5, 1e6, float("nan"), float("inf")):  # any machine's value
        ch07.check_lr_choice([*losses[:4], runaway], best)
    with pytest.raises(
        ExerciseError, match=r"at least 1 \(its digits vary from machine to machine\); got 0.321"
    ):
        ch07.check_lr_choice([*losses[:4], losses[3]], best)  # η = 0.1's run in its place
    with pytest.raises(ExerciseError, match="5 losses, one per rate of lrs"):
        ch07.check_lr_choice(losses[:4], best)


def _nudged(net, seed):
    """``net`` with every initial weight moved by one unit in its last place, up or down."""
    gen = np.random.default_rng(seed)
    for p in net.params:
        p[...] = p * (1 + gen.choice([-1.0, 1.0], size=p.shape) * 2.0**-52)
    return net


def test_lr_choice_grades_only_well_conditioned_quantities():
    """Nudging the initial weights in their last bit (what another CPU's rounding does)
    moves the settled runs' losses by far less than rtol = 1e-6, and leaves the run at
    η = 1 far above the bound whatever it does to its digits."""
    split, stored = digits_split(), np.array(ch07.EXPECTED["lr_choice"])
    for lr, want in zip(ch07.SETTLED_RATES, stored, strict=True):
        for seed in (1, 2):
            net = _nudged(MLP([64, 16, 10], "tanh", "cross_entropy", seed=0), seed)
            h = train(net, split.X_train, split.y_train, Adam(lr=lr), batch_size=32, epochs=3,
                      seed=0, X_val=split.X_val, y_val=split.y_val)  # fmt: skip
            assert abs(h.val_losses[-1] - want) <= 1e-10 * want, lr
    runaway = []
    for seed in range(1, 31):
        net = _nudged(MLP([64, 16, 10], "tanh", "cross_entropy", seed=0), seed)
        h = train(net, split.X_train, split.y_train, Adam(lr=1.0), batch_size=32, epochs=3,
                  seed=0, X_val=split.X_val, y_val=split.y_val)  # fmt: skip
        runaway.append(h.val_losses[-1])
    assert np.ptp(runaway) > 0.3  # chaotic: the digits are the CPU's, not the lesson's
    assert min(runaway) >= 1.5 * ch07.RUNAWAY_LOSS


# --- 7.4: two clocks and a knee --------------------------------------------------------------
def clock_counts(N, B, epochs, updates):
    batches = [min(B, N - start) for start in range(0, N, B)]  # one epoch, by hand
    return epochs * len(batches), sum(batches[k % len(batches)] for k in range(updates))


def test_clock_counts_by_hand():
    # 1011 digits in batches of 256: 256, 256, 256, 243; 20 updates are 5 whole epochs
    assert clock_counts(1011, 256, 1, 20) == (4, 5 * 1011)
    assert clock_counts(10, 4, 3, 5) == (9, 4 + 4 + 2 + 4 + 4)


def test_clocks_accept_the_reference_and_show_the_race(capsys):
    ch07.check_clocks(clock_counts, 4, 4, 32)
    ch07.check_clock_counts_hidden(clock_counts)
    out = capsys.readouterr().out
    assert out.count("✓") == 2 and "from B = 32 on" in out
    assert "  256        4" in out and "5055" in out


def _counts_without_the_short_batch(N, B, epochs, updates):  # examples = updates · B
    return epochs * -(-N // B), updates * B


def _counts_by_floor(N, B, epochs, updates):  # drops the short last batch
    return epochs * (N // B), clock_counts(N, B, epochs, updates)[1]


def _counts_by_training(N, B, epochs, updates):  # asks train() how many steps an epoch has
    split = digits_split()
    h = train(MLP([64, 2, 10], "tanh", "cross_entropy"), split.X_train[:N], split.y_train[:N],
              Adam(), batch_size=B, epochs=1)  # fmt: skip
    return epochs * h.steps_per_epoch, clock_counts(N, B, epochs, updates)[1]


@pytest.mark.parametrize(
    ("counts", "predictions", "message"),
    [
        (_counts_without_the_short_batch, (4, 4, 32), "may be smaller"),
        (_counts_by_floor, (4, 4, 32), "the last batch"),
        (_counts_by_training, (4, 4, 32), "implements exercise 7.4"),
        (clock_counts, (1011, 4, 32), "best_per_epoch"),  # per update's winner, per epoch
        (clock_counts, (4, 1011, 32), "worst_per_update"),  # the epoch's loser
        (clock_counts, (4, 4, 256), "knee"),  # the full batch's neighbour only
        (clock_counts, (4, 4, 5), "one of the batch sizes"),
        (clock_counts, (4, 4, True), "one of the batch sizes"),
    ],
)
def test_clocks_reject_wrong_counts_and_predictions(counts, predictions, message):
    with pytest.raises(ExerciseError, match=message):
        ch07.check_clocks(counts, *predictions)


def test_the_hidden_counts_need_the_short_batch():
    with pytest.raises(ExerciseError, match="may be smaller"):
        ch07.check_clock_counts_hidden(_counts_without_the_short_batch)


def test_the_race_is_far_from_changing_its_answers():
    """Each answer is decided by a gap far above any CPU's rounding: the losses of one
    epoch differ by a factor of 3.8 at least, the noisiest batch is 25 % above the next,
    and every batch's excess over the full batch is 2.5 points or more from the 5 % line."""
    from course_utils.exercises import _hidden

    margins = _hidden.module("ch07", _hidden.REFERENCE).clock_margins()
    assert margins["best_per_epoch"] > 2.5
    assert margins["worst_per_update"] > 0.2
    assert margins["knee"] > 0.025
