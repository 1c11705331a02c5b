"""Chapter 3, instructor only: the hidden checks, their inputs and their logic.

The module ``instructor.checks.ch03`` (see ``course_utils/exercises/_hidden.py``). In a
graded run this source enters the student's sandboxed kernel, so it holds no solution:
the values it compares with, ``HIDDEN``, are computed by ``instructor/reference/ch03.py``.
"""

import numpy as np

from course_utils import exercises
from course_utils.chapters.ch03_gradient_descent import checks as ch03

HIDDEN = exercises.hidden(__name__)  # the reference's values: instructor/reference/ch03.py


def _sine_grad(w, Xb, yb):
    """Gradient of the mean of 1/2 (sin(w x) - y)^2 over a batch: a non-linear model."""
    z = w[0] * Xb[:, 0]
    return np.array([np.mean((np.sin(z) - yb) * np.cos(z) * Xb[:, 0])])


SINE_EPOCHS = 3


def sine_run():
    """``(X, y, w0, lr, batch_size, seed)`` of the hidden run of exercise 3.1."""
    X, y, _ = ch03._problem(9, 7)
    return X, y, np.array([1.2]), 0.3, 4, 11


def check_sgd_epoch_more(sgd_epoch):
    """Exercise 3.1, hidden: a non-linear model, several epochs with one generator."""
    X, y, w_got, lr, B, seed = sine_run()
    gen_got = np.random.default_rng(seed)
    for epoch, w_ref in zip(range(SINE_EPOCHS), HIDDEN["sgd_epoch_more"], strict=True):
        w_got = np.asarray(
            ch03.call("sgd_epoch", sgd_epoch, _sine_grad, w_got, X, y, lr, B, gen_got), dtype=float
        )
        ch03.check_close(
            f"w after epoch {epoch + 1} (sine model, N=9, batch_size=4)",
            w_got,
            w_ref,
            1e-10,
            1e-12,
            "use the generator passed in, one permutation per epoch",
        )
    ch03.passed("sgd_epoch also works for a non-linear model over several epochs.")


#: edge cases of exercise 3.3: B = N, B = N - 1, a single epoch, zero epochs
STEPS_EDGE = [(7, 7, 1, True), (7, 6, 4, False), (7, 6, 4, True), (1, 1, 3, False),
              (9, 2, 0, False)]  # fmt: skip


def check_training_steps_edge(training_steps):
    """Exercise 3.3, hidden: edge cases (B = N, B = N - 1, a single epoch, zero epochs)."""
    ch03._check_steps(training_steps, STEPS_EDGE, HIDDEN["training_steps_edge"])
    ch03.passed("training_steps handles the edge cases too.")


#: ((kind, n, size, seed), lr, batch_size) the page never shows: four features, B = 2
FLOOR_MORE = [(("random", 80, 4, 6), 0.02, 4), (("line", 60, 0.5, 7), 0.01, 2)]


def check_noise_floor_hidden(noise_floor):
    """3.4 (hidden): other data, rates and batch sizes (predictions only)."""
    ch03.floor_cases(noise_floor, FLOOR_MORE, HIDDEN["noise_floor"], confirm=False)
    ch03.passed("noise_floor also predicts floors for data the page never shows.")
