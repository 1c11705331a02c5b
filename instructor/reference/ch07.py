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


def expected():
    """The expected values of the visible checks, as JSON data."""
    return {
        "accuracy": [_accuracy(*case) for case in ch07.ACCURACY_CASES],
        "lr_choice": _reference_val_losses(),
    }


def hidden():
    """The values of the hidden checks, as JSON data."""
    split = ch07._split()
    return {
        "accuracy": [_accuracy(*case) for case in checks.ACCURACY_MORE],
        "accuracy_of_a_network": float(ch07._net().accuracy(split.X_val, split.y_val)),
        "train_momentum": [_momentum_w(s) for s in checks.MOMENTUM_SETTINGS],
    }
