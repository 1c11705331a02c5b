"""Chapter 7, instructor only: the reference computations and the hidden checks.

The module ``instructor.checks.ch07`` (see ``course_utils/exercises/_hidden.py``).
"""

from course_utils.chapters.ch07_capstone import checks as ch07
from course_utils.optimizers import SGD, Adam
from course_utils.training import train


# --- reference computations (the solutions: never shipped as checker code) ----------------
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


def expected():
    """The expected values of the visible checks, as JSON data."""
    return {
        "accuracy": [_accuracy(*case) for case in ch07.ACCURACY_CASES],
        "lr_choice": _reference_val_losses(),
    }


# --- hidden checks --------------------------------------------------------------------------
def check_accuracy_hidden(accuracy_from_logits):
    """7.1 (hidden): one row, many rows, and the accuracy of a real network."""
    cases = [(1, 10, 5), (1, 4, 6), (999, 10, 7), (3, 100, 8)]
    ch07._accuracy_cases(cases, accuracy_from_logits, [_accuracy(*case) for case in cases])
    split = ch07._split()
    model = ch07._net()
    logits = model.forward(split.X_val)
    got = ch07.call("accuracy_from_logits", accuracy_from_logits, logits, split.y_val.copy())
    ch07.check_close("accuracy_from_logits of an untrained network on the validation digits",
                     got, model.accuracy(split.X_val, split.y_val), rtol=1e-12)  # fmt: skip
    ch07.passed("accuracy_from_logits also works for single rows and a real network's logits.")


def check_train_momentum_hidden(train_momentum):
    """7.2 (hidden): the very parameters of ``train(..., SGD(lr, momentum=beta))``."""
    split = ch07._split()
    settings = [
        {"lr": 0.05, "beta": 0.9, "batch_size": 32, "epochs": 2, "seed": 0},
        {"lr": 0.1, "beta": 0.5, "batch_size": 100, "epochs": 3, "seed": 7},
    ]
    for setting in settings:
        what = f"train_momentum with {setting}"
        _, w = ch07._student_w(train_momentum, setting, what)
        h = train(ch07._net(), split.X_train, split.y_train,
                  SGD(lr=setting["lr"], momentum=setting["beta"]),
                  batch_size=setting["batch_size"], epochs=setting["epochs"],
                  seed=setting["seed"])  # fmt: skip
        ch07.check_close(
            what,
            w,
            h.w,
            rtol=1e-7,
            atol=1e-9,
            hint="these numbers come out only with one generator for the whole run (not one "
            "per epoch) and a velocity that starts at rest",
        )
    ch07.passed("train_momentum reproduces course_utils.training.train with SGD(momentum=β).")
