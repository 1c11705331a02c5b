"""Chapter 4, instructor only: the hidden checks, their inputs and their logic.

The module ``instructor.checks.ch04`` (see ``course_utils/exercises/_hidden.py``). In a
graded run this source enters the student's sandboxed kernel, so it holds no solution:
the values it compares with, ``HIDDEN``, are computed by ``instructor/reference/ch04.py``.
"""

import numpy as np

from course_utils import exercises
from course_utils.chapters.ch04_learning_rate import checks as ch04

HIDDEN = exercises.hidden(__name__)  # the reference's values: instructor/reference/ch04.py


def clip_cases():
    """Random vectors and thresholds, a zero gradient, and a norm equal to the threshold."""
    gen = np.random.default_rng(41)
    cases = [(gen.normal(size=n) * gen.uniform(0.1, 20.0), gen.uniform(0.5, 5.0)) for n in
             (1, 2, 3, 5, 8, 13, 50)]  # fmt: skip
    return cases + [(np.zeros(4), 1.0), (np.array([0.6, 0.8]), 1.0)]


def check_clip_by_norm_more(clip_by_norm):
    """Exercise 4.1, hidden: random vectors and thresholds, a zero gradient, norm == c."""
    ch04._check_clip_cases(clip_by_norm, clip_cases(), HIDDEN["clip_by_norm_more"])
    ch04.passed("clip_by_norm also handles random vectors, a zero gradient and ||g|| = max_norm.")


def output_cases():
    """Arrays of z, strongly saturated units, t = 0 and t = 1."""
    z = np.array([-30.0, -12.0, -1.0, 0.5, 4.0, 12.0, 30.0])
    return [(z, 1.0), (z, 0.0)]


def check_output_gradients_more(output_gradients):
    """Exercise 4.2, hidden: arrays of z, strongly saturated units, t = 0 and t = 1."""
    ch04._check_grad_cases(output_gradients, output_cases(), HIDDEN["output_gradients_more"])
    ch04.passed("output_gradients works on arrays and far into saturation.")


#: a one-step schedule, lr_min = lr, a long run
COSINE_MORE = [(0.3, 1, 0.0), (0.2, 5, 0.2), (0.05, 101, 0.001)]


def check_cosine_lr_more(cosine_lr):
    """Exercise 4.3, hidden: a one-step schedule, lr_min = lr, long runs."""
    ch04._check_cosine_cases(cosine_lr, COSINE_MORE, HIDDEN["cosine_lr_more"])
    ch04.passed("cosine_lr also handles total_steps = 1, lr_min = lr and long runs.")
