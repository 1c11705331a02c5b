"""The course's implementations of an exercise raise while an answer runs
(``course_utils.exercises._forbid``), and are themselves again afterwards."""

import numpy as np
import pytest

from course_utils.exercises import _forbid, _plain


def _impl(x):
    return 2 * x


def _other(x):
    return x + 1


def answer(x):
    return _impl(x) + _other(x)


def test_the_implementation_raises_only_inside_the_block():
    with _forbid.without(answer, [_impl], "9.9"):
        with pytest.raises(_forbid.UsesTheCourse, match="course's _impl, which implements"):
            answer(1)
        assert _other(1) == 2  # not forbidden
    assert answer(1) == 4 and _impl(3) == 6


def test_a_closure_and_a_course_module_attribute_are_covered():
    from course_utils import schedules

    decreasing = schedules.decreasing

    def closure(x):
        return decreasing(1.0, 1.0)(x)

    with _forbid.without(closure, [decreasing], "3.9"):
        with pytest.raises(_forbid.UsesTheCourse):
            closure(1)
        with pytest.raises(_forbid.UsesTheCourse):
            schedules.decreasing(1.0, 1.0)
    assert schedules.decreasing is decreasing and closure(1) == pytest.approx(0.5)


def test_a_replay_and_a_value_are_left_alone():
    class Replayed(_plain.Answer):
        def __call__(self, x):
            return _impl(x)

    with _forbid.without(Replayed(), [_impl], "9.9"):
        assert Replayed()(2) == 4  # nothing of the student's runs in the grader
    with _forbid.without(np.ones(2), [_impl], "9.9"):
        assert _impl(2) == 4
