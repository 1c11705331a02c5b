"""The checking kit for the exercises: feedback (expected / got / hint) and safe calls in
``_feedback``; each chapter's checks live in ``course_utils.chapters.chNN_<slug>.checks``,
which binds what they compare against in one line::

    EXPECTED, __getattr__ = exercises.bind(__name__)
"""

from course_utils.exercises import _expected, _hidden
from course_utils.exercises._feedback import ExerciseError
from course_utils.exercises._hidden import hidden

__all__ = ["ExerciseError", "bind", "hidden"]


def bind(module_name):
    """``(EXPECTED, __getattr__)`` of the checker module ``module_name`` of a chapter.

    ``EXPECTED`` holds the stored values its visible checks compare with (JSON data,
    :func:`~course_utils.exercises._expected.expected`). ``__getattr__``, the checker
    module's own, hands on the attributes of the chapter's hidden checks (the module
    ``instructor.checks.chNN``, :mod:`~course_utils.exercises._hidden`), so that
    ``ch03.check_sgd_epoch_more`` exists where the instructor grades and raises
    ``AttributeError`` anywhere else, as a missing module attribute would.

    Both halves are plain: data (a :class:`~course_utils.exercises._expected.Values`
    mapping), and a module that imports what it uses. So a graded run can call the
    student's functions in the student's kernel with placeholders in place of the values
    (``_probe``) and compare what they returned in the grader's process (``_replay``).
    """
    key = _expected.chapter_key(module_name)

    def __getattr__(name):  # the hidden checks: instructor-only, supplied when grading
        if name.startswith("__"):
            raise AttributeError(name)
        hidden = _hidden.module(key)
        if hidden is None:
            raise AttributeError(
                f"{module_name} has no {name}: hidden checks run only when the instructor grades"
            )
        try:
            return getattr(hidden, name)
        except AttributeError:
            raise AttributeError(f"{module_name} has no {name}") from None

    return _expected.expected(key), __getattr__
