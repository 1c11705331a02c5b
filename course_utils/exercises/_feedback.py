"""Feedback for the chapters' exercises.

A chapter's checker compares a student's answer with the right one and either
prints a one-line confirmation or raises :class:`ExerciseError`, whose message
says what was expected, what came back and a hint. The grader counts a check
cell as passed exactly when it runs without raising.

In Jupyter the error shows only that message, not the checker's frames: IPython
displays an exception through its ``_render_traceback_`` when it has one. The
lines end as a traceback ends (``ExerciseError: <message>``), so the grader, which
reads the exception's name and message off nbval's report, sees what it always did.
"""

import traceback
from contextvars import ContextVar
from pathlib import Path

import numpy as np

from course_utils.exercises._log import numbers, record

_PACKAGE = str(Path(__file__).resolve().parents[1])  # frames from here are the checker's
_RED, _RESET = "\x1b[31m", "\x1b[39m"

# In a graded run the checker runs twice (``_probe``, ``_replay``). In the student's kernel
# it only calls the student's functions: while RECORDING is set there, every comparison
# passes silently and nothing is logged (the values it would compare with are
# placeholders). In the grader, a passed check's confirmation goes to CONFIRMATIONS.
RECORDING = ContextVar("downhill_recording", default=False)
CONFIRMATIONS = ContextVar("downhill_confirmations", default=None)


class ExerciseError(AssertionError):
    """A wrong answer to an exercise, with a message meant for the student.

    ``student_error`` is the exception the student's own code raised while being
    checked, if that is what went wrong; its frames (the student's, not the
    checker's) are shown above the message.
    """

    label = "ExerciseError"  # the name on the message's line, as a traceback shows it

    def __init__(self, message, student_error=None):
        super().__init__(message)
        self.student_error = student_error

    def _render_traceback_(self):
        """The lines IPython shows instead of a traceback: the message alone."""
        lines = _student_frames(self.student_error)
        first, *rest = str(self).splitlines() or [""]
        return [*lines, f"{_RED}{self.label}{_RESET}: {first}", *rest]


class NotAnswered(ExerciseError):
    """The student's function still raises the stub's ``NotImplementedError``."""

    label = "NotImplementedError"  # what the stub raised; the grader reads it as unanswered


def _student_frames(err):
    """Where the student's code raised ``err``: its frames outside this package."""
    if err is None:
        return []
    frames = [
        frame
        for frame in traceback.extract_tb(err.__traceback__)
        if not str(Path(frame.filename).resolve()).startswith(_PACKAGE)
    ]
    if not frames:
        return []
    for frame in frames:
        frame.filename = _cell_name(frame.filename)
    header = f"Your code raised {type(err).__name__} here:"
    return [header, *"".join(traceback.format_list(frames)).rstrip("\n").splitlines()]


def _cell_name(filename):
    """``Cell In[5]`` for the file name IPython gives a notebook cell's code."""
    try:
        shell = get_ipython()  # noqa: F821 - defined by IPython when it runs this
        name, label = shell.compile.format_code_name(filename)
    except (NameError, AttributeError, TypeError, ValueError):
        return filename
    return f"{name} {label}"


def _fmt(value):
    arr = np.asarray(value)
    if arr.dtype.kind in "fc" or arr.ndim:
        with np.printoptions(precision=6, suppress=False, threshold=12, edgeitems=3):
            return np.array2string(arr, separator=", ") if arr.ndim else f"{float(arr):.6g}"
    return repr(value)


def fail(what, expected, got, hint=""):
    """Raise :class:`ExerciseError` with the standard three-part message."""
    if RECORDING.get():
        return
    lines = [f"{what} is not right yet.", f"  expected: {expected}", f"  got:      {got}"]
    if hint:
        lines.append(f"  hint: {hint}")
    raise ExerciseError("\n".join(lines))


def passed(message):
    """Print the confirmation of a passed check."""
    if RECORDING.get():
        return
    sink = CONFIRMATIONS.get()
    if sink is not None:
        sink.append(f"✓ {message}")
    else:
        print(f"✓ {message}")


def check_close(what, got, expected, rtol=1e-6, atol=1e-9, hint=""):
    """Check that ``got`` matches ``expected`` elementwise within the tolerances.

    The comparison is :math:`|g - e| \\le \\text{atol} + \\text{rtol}\\,|e|`, as in
    ``numpy.isclose``. Wrong shapes, ``None`` (an unfinished answer) and values
    that are not numbers fail with a message rather than an exception of numpy's.
    """
    if RECORDING.get():
        return
    if got is None:
        fail(what, _fmt(expected), "None", hint or "the answer cell has not returned a value")
    try:
        g = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        fail(what, _fmt(expected), repr(got), hint or "the answer must be a number or an array")
    e = np.asarray(expected, dtype=float)
    if g.shape != e.shape:
        fail(what, f"shape {e.shape}", f"shape {g.shape}", hint)
    if not np.all(np.isfinite(g)):
        extra = f"; {hint}" if hint else ""
        fail(what, _fmt(e), _fmt(g), "the answer contains nan or inf" + extra)
    if not is_close(what, g, e, rtol=rtol, atol=atol):
        fail(what, _fmt(e), _fmt(g), hint)


def is_close(what, got, expected, rtol=1e-6, atol=1e-9):
    """Whether the numbers ``got`` match ``expected`` within the tolerances (as
    :func:`check_close` compares them), for a checker that words its own message."""
    if RECORDING.get():
        return True
    record("close", what, got=numbers(got), expected=numbers(expected), rtol=rtol, atol=atol)
    return bool(np.allclose(got, expected, rtol=rtol, atol=atol))


def check_equal(what, got, expected, hint=""):
    """Check that ``got == expected`` (strings, integers, labels)."""
    if RECORDING.get():
        return
    if not is_equal(what, got, expected):
        fail(what, repr(expected), repr(got), hint)


def is_equal(what, got, expected):
    """Whether ``got == expected``, for a checker that words its own message."""
    if RECORDING.get():
        return True
    record("equal", what, value=repr(got), expected=repr(expected))
    return bool(got == expected)


def check_range(what, value, low=-np.inf, high=np.inf, detail="", hint=""):
    """Check that the number ``value`` lies in ``[low, high]``; ``detail`` says what was seen.

    For a quantity graded by what the lesson is about rather than by its digits: a
    validation accuracy above a threshold, the loss of a run that ran away.
    """
    if RECORDING.get():
        return
    record("range", what, value=float(value), low=float(low), high=float(high))
    check_true(what, bool(low <= value <= high), detail, hint)


def check_true(what, condition, detail, hint=""):
    """Check a property that has no single expected value; ``detail`` says what was seen."""
    if RECORDING.get():
        return
    if not condition:
        lines = [f"{what} is not right yet.", f"  {detail}"]
        if hint:
            lines.append(f"  hint: {hint}")
        raise ExerciseError("\n".join(lines))


def call(what, func, *args, **kwargs):
    """Call a student's function and return its result; turn any failure into feedback.

    A value that is not a function, the stub's ``NotImplementedError`` and any
    exception the student's code raises all become an :class:`ExerciseError` that
    says what happened, instead of a traceback from inside the checker.
    """
    check_true(what, callable(func), f"expected a function; got {func!r}, which is not a function")
    try:
        return func(*args, **kwargs)
    except NotImplementedError:
        problem = "the function raises NotImplementedError: replace it by your code"
        raise NotAnswered(f"{what} is not answered yet.\n  {problem}") from None
    except Exception as err:  # a student's bug: report it as feedback, with their frames
        problem = f"calling it raised {type(err).__name__}: {err}"
        error = err
    message = f"{what} is not right yet.\n  expected a result; {problem}"
    raise ExerciseError(message, student_error=error)
