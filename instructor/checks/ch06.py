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
