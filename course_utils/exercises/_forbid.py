"""Hidden checks that an answer does its own work: while the student's function runs, the
course's implementations of the exercise raise instead of answering.

A chapter that teaches a formula also imports the function that computes it (chapter 5's
``optimal_heavy_ball``, ``max_stable_lr``, ``regime``); an answer that only calls it has
worked nothing out. :func:`without` replaces each implementation, for the duration of one
block, wherever an answer could reach it: the attribute of every ``course_utils`` module
that holds it, the answer's globals (the notebook's names, aliases included) and the
cells of its closure. A call then raises :class:`UsesTheCourse`, which the checker's
``call`` reports like any error of the student's code.

In a graded run this happens in the student's kernel, where the answer runs (the
checker's argument is a :class:`~course_utils.exercises._probe.Recorder`): the record
holds the error, and the grader's replay, where no code of the student's runs, reports
it in turn. In the replay the block changes nothing. The grader's scan
(:mod:`course_utils.grading.scan`) flags the same names in the answer's source.
"""

import contextlib
import sys
import types

from course_utils.exercises import _plain


class UsesTheCourse(Exception):
    """An answer called the course's implementation of its own exercise."""


def _poison(obj, exercise):
    name = getattr(obj, "__name__", "?")

    def refuse(*args, **kwargs):
        raise UsesTheCourse(
            f"the answer calls the course's {name}, which implements exercise {exercise}: "
            "work it out with NumPy instead"
        )

    refuse.__name__ = refuse.__qualname__ = name
    return refuse


def _function(answer):
    """The student's Python function behind ``answer``, or None (a replay, a value)."""
    func = getattr(answer, "func", None) if isinstance(answer, _plain.Answer) else answer
    return func if isinstance(func, types.FunctionType) else None


@contextlib.contextmanager
def without(answer, implementations, exercise):
    """Within the block, every object of ``implementations`` raises :class:`UsesTheCourse`
    when the answer ``answer`` (a function, or the kernel's recorder of one) reaches it."""
    func = _function(answer)
    if func is None:
        yield
        return
    poisons = {id(obj): _poison(obj, exercise) for obj in implementations}
    undo = []  # (setter, old value)

    def swap(container, key, value, setter):
        undo.append((lambda v, c=container, k=key: setter(c, k, v), value))
        setter(container, key, poisons[id(value)])

    for name, module in list(sys.modules.items()):
        if name.split(".")[0] == "course_utils" and isinstance(module, types.ModuleType):
            for key, value in list(vars(module).items()):
                if id(value) in poisons:
                    swap(module, key, value, setattr)
    for key, value in list(func.__globals__.items()):
        if id(value) in poisons:
            swap(func.__globals__, key, value, dict.__setitem__)
    for cell in func.__closure__ or ():
        with contextlib.suppress(ValueError):  # an empty cell
            if id(cell.cell_contents) in poisons:
                swap(cell, "cell_contents", cell.cell_contents, setattr)
    try:
        yield
    finally:
        for setter, old in reversed(undo):
            setter(old)
