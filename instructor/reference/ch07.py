"""Chapter 7, instructor only: the reference computations.

The module ``instructor.reference.ch07`` (see ``course_utils/exercises/_hidden.py``):
``expected()``, the stored values of the visible checks, and ``hidden()``, the values of
the hidden checks (``instructor/checks/ch07.py``). It never enters a student's kernel.
"""

from course_utils.chapters.ch07_capstone import checks as ch07
from course_utils.exercises import _hidden
from course_utils.optimizers import SGD, Adam
from course_utils.training import train

checks = _hidden.module("ch07")  # the hidden checks: their inputs


def _accuracy(N, K, seed):
    logits, y = ch07.accuracy_inputs(N, K, seed)
    return sum(int(logits[n].argmax() == y[n]) for n in range(N)) / N


def _reference_val_losses():
    split = ch07._split()
    losses = []
    for lr in ch07.SETTLED_RATES:  # the run at η = 1 is chaotic: no digits of it are stored
        h = train(ch07._net(), split.X_train, split.y_train, Adam(lr=lr), batch_size=32, epochs=3,
                  seed=0, X_val=split.X_val, y_val=split.y_val)  # fmt: skip
        losses.append(float(h.val_losses[-1]))
    return losses


def _momentum_w(setting):
    split = ch07._split()
    h = train(ch07._net(), split.X_train, split.y_train,
              SGD(lr=setting["lr"], momentum=setting["beta"]), batch_size=setting["batch_size"],
              epochs=setting["epochs"], seed=setting["seed"])  # fmt: skip
    return h.w.tolist()


def _clock_counts(N, B, epochs, updates):
    """(updates in `epochs` epochs, examples in `updates` updates), stepping through the
    batches one at a time: ⌈N/B⌉ batches an epoch, the last one N − B(⌈N/B⌉ − 1) rows."""
    sizes = [min(B, N - start) for start in range(0, N, B)]  # the batches of one epoch
    return [epochs * len(sizes), sum(sizes[k % len(sizes)] for k in range(updates))]


def _clocks():
    """The race's answers: the batch with the lowest loss after one epoch (train, epoch by
    epoch), the one with the highest after the updates, and the knee."""
    split = ch07._split()
    s = ch07.CLOCK_SETTING
    per_epoch = [train(ch07._net(), split.X_train, split.y_train, SGD(lr=s["lr"]),
                       batch_size=B, epochs=s["epochs"], seed=0).epoch_losses[-1]
                 for B in ch07.CLOCK_BATCHES]  # fmt: skip
    per_update = ch07.clock_losses(s["lr"], s["epochs"], s["updates"])[1]
    full = per_update[-1]
    knee = next(B for B, u in zip(ch07.CLOCK_BATCHES, per_update, strict=True)
                if u <= (1 + ch07.KNEE_WITHIN) * full)  # fmt: skip
    batches = ch07.CLOCK_BATCHES
    return [batches[per_epoch.index(min(per_epoch))], batches[per_update.index(max(per_update))],
            knee]  # fmt: skip


def clock_margins():
    """How far each answer of the race is from changing: the relative gaps that decide it."""
    s = ch07.CLOCK_SETTING
    per_epoch, per_update = ch07.clock_losses(s["lr"], s["epochs"], s["updates"])
    e, u = sorted(per_epoch), sorted(per_update)
    excess = [x / per_update[-1] - 1 for x in per_update]
    return {"best_per_epoch": e[1] / e[0] - 1, "worst_per_update": u[-1] / u[-2] - 1,
            "knee": min(abs(x - ch07.KNEE_WITHIN) for x in excess)}  # fmt: skip


def expected():
    """The expected values of the visible checks, as JSON data."""
    return {
        "accuracy": [_accuracy(*case) for case in ch07.ACCURACY_CASES],
        "lr_choice": _reference_val_losses(),
        "clock_counts": [_clock_counts(*case) for case in ch07.CLOCK_CASES],
        "clocks": _clocks(),
    }


def hidden():
    """The values of the hidden checks, as JSON data."""
    split = ch07._split()
    return {
        "accuracy": [_accuracy(*case) for case in checks.ACCURACY_MORE],
        "accuracy_of_a_network": float(ch07._net().accuracy(split.X_val, split.y_val)),
        "train_momentum": [_momentum_w(s) for s in checks.MOMENTUM_SETTINGS],
        "clock_counts": [_clock_counts(*case) for case in checks.CLOCK_MORE],
    }
