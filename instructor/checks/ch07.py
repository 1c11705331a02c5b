"""Chapter 7, instructor only: the hidden checks, their inputs and their logic.

The module ``instructor.checks.ch07`` (see ``course_utils/exercises/_hidden.py``). In a
graded run this source enters the student's sandboxed kernel, so it holds no solution:
the values it compares with, ``HIDDEN``, are computed by ``instructor/reference/ch07.py``.
"""

from course_utils import exercises
from course_utils.chapters.ch07_capstone import checks as ch07

HIDDEN = exercises.hidden(__name__)  # the reference's values: instructor/reference/ch07.py

#: one row, many rows (``(N, K, seed)``)
ACCURACY_MORE = [(1, 10, 5), (1, 4, 6), (999, 10, 7), (3, 100, 8)]


def check_accuracy_hidden(accuracy_from_logits):
    """7.1 (hidden): one row, many rows, and the accuracy of a real network."""
    ch07._accuracy_cases(ACCURACY_MORE, accuracy_from_logits, HIDDEN["accuracy"])
    split = ch07._split()
    logits = ch07._net().forward(split.X_val)
    got = ch07.call("accuracy_from_logits", accuracy_from_logits, logits, split.y_val.copy())
    ch07.check_close("accuracy_from_logits of an untrained network on the validation digits",
                     got, HIDDEN["accuracy_of_a_network"], rtol=1e-12)  # fmt: skip
    ch07.passed("accuracy_from_logits also works for single rows and a real network's logits.")


MOMENTUM_SETTINGS = [
    {"lr": 0.05, "beta": 0.9, "batch_size": 32, "epochs": 2, "seed": 0},
    {"lr": 0.1, "beta": 0.5, "batch_size": 100, "epochs": 3, "seed": 7},
]


def check_train_momentum_hidden(train_momentum):
    """7.2 (hidden): the very parameters of ``train(..., SGD(lr, momentum=beta))``."""
    for setting, w_ref in zip(MOMENTUM_SETTINGS, HIDDEN["train_momentum"], strict=True):
        what = f"train_momentum with {setting}"
        _, w = ch07._student_w(train_momentum, setting, what)
        ch07.check_close(
            what,
            w,
            w_ref,
            rtol=1e-7,
            atol=1e-9,
            hint="these numbers come out only with one generator for the whole run (not one "
            "per epoch) and a velocity that starts at rest",
        )
    ch07.passed("train_momentum reproduces course_utils.training.train with SGD(momentum=β).")


#: (N, B, epochs, updates) the page never shows: batches that divide N and batches that
#: do not, a budget that ends inside an epoch, one example a batch, one batch an epoch
CLOCK_MORE = [(10, 4, 3, 5), (12, 4, 2, 7), (100, 1, 1, 250), (60, 60, 4, 3), (1011, 100, 2, 25)]


def check_clock_counts_hidden(clock_counts):
    """7.4 (hidden): the two clocks' counts on other data sets and batch sizes."""
    ch07.clock_cases(clock_counts, CLOCK_MORE, HIDDEN["clock_counts"])
    ch07.passed("clock_counts also counts data sets and batches the page never shows.")
