"""Chapter 6, instructor only: the hidden checks, their inputs and their logic.

The module ``instructor.checks.ch06`` (see ``course_utils/exercises/_hidden.py``). In a
graded run this source enters the student's sandboxed kernel, so it holds no solution:
the values it compares with, ``HIDDEN``, are computed by ``instructor/reference/ch06.py``.
"""

from course_utils import exercises
from course_utils.chapters.ch06_adaptive import checks as ch06

HIDDEN = exercises.hidden(__name__)  # the reference's values: instructor/reference/ch06.py

#: other betas, a large eps (its place matters) and 30 steps
ADAM_MORE = [
    ((4,), 30, {"lr": 0.05, "beta1": 0.5, "beta2": 0.9, "eps": 0.1}, 11),
    ((2, 3), 30, {"lr": 0.3, "beta1": 0.0, "beta2": 0.99, "eps": 1e-3}, 12),
]


def check_adam_step_hidden(adam_step):
    """6.1 (hidden): other betas, a large eps (its place matters) and 30 steps."""
    ch06._adam_cases(ADAM_MORE, adam_step, "adam_step", HIDDEN["adam_step"])
    ch06.passed("adam_step also matches with other betas and a large eps, over 30 steps.")


#: (beta1, beta2, t) the page never shows: β₂ closer to 1, a long run, small betas
FACTOR_MORE = [
    (0.95, 0.9999, 1),
    (0.9, 0.98, 7),
    (0.7, 0.995, 50),
    (0.3, 0.6, 4),
    (0.9, 0.999, 1000),
]


def check_adam_factor_hidden(adam_factor):
    """6.2 (hidden): the factor at betas and steps the page never shows."""
    ch06.factor_cases(adam_factor, FACTOR_MORE, HIDDEN["adam_factor"])
    ch06.passed("adam_factor also holds for betas and steps the page never shows.")
