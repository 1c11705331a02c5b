from pathlib import Path

import numpy as np
import pytest

from course_utils.exercises import ExerciseError
from course_utils.exercises._feedback import check_close, check_equal, check_true, passed


def test_check_close_accepts_within_tolerance(capsys):
    check_close("the gradient", [1.0, 2.0 + 1e-9], np.array([1.0, 2.0]))
    passed("gradient is right")
    assert capsys.readouterr().out == "✓ gradient is right\n"


@pytest.mark.parametrize(
    ("got", "fragment"),
    [
        (None, "got:      None"),
        ("abc", "got:      'abc'"),
        ([1.0, 2.0, 3.0], "expected: shape (2,)"),
        ([1.0, np.nan], "nan or inf"),
        ([1.0, 2.1], "expected: [1., 2.]"),
    ],
)
def test_check_close_explains_what_is_wrong(got, fragment):
    with pytest.raises(ExerciseError) as err:
        check_close("the gradient", got, [1.0, 2.0], hint="use central differences")
    assert fragment in str(err.value)
    assert str(err.value).startswith("the gradient is not right yet.")


def test_check_equal_and_check_true():
    check_equal("label", "saddle", "saddle")
    with pytest.raises(ExerciseError, match="expected: 'minimum'"):
        check_equal("label", "saddle", "minimum", hint="look at the signs")
    check_true("noise", True, "")
    with pytest.raises(ExerciseError, match="ratio was 1.0"):
        check_true("noise", False, "the ratio was 1.0", hint="use a larger batch")
    assert issubclass(ExerciseError, AssertionError)


def test_call_turns_a_students_failure_into_feedback():
    from course_utils.exercises._feedback import call

    assert call("the sum", lambda a, b: a + b, 2, b=3) == 5
    with pytest.raises(ExerciseError, match="not a function"):
        call("the sum", 5)

    def stub():
        raise NotImplementedError

    with pytest.raises(ExerciseError, match="raises NotImplementedError"):
        call("the sum", stub)
    with pytest.raises(ExerciseError, match="raised ZeroDivisionError: division by zero"):
        call("the ratio", lambda: 1 / 0)


def _student_checkers():
    """Every chapter checker that takes a single function written by the student."""
    import importlib
    import inspect

    import course_utils.chapters

    found = []
    chapters = sorted(p.name for p in Path(course_utils.chapters.__path__[0]).glob("ch0*"))
    for n, chapter in enumerate(chapters, start=1):
        module = importlib.import_module(f"course_utils.chapters.{chapter}.checks")
        for name, func in inspect.getmembers(module, inspect.isfunction):
            params = list(inspect.signature(func).parameters)
            if (
                name.startswith("check_")
                and func.__module__ == module.__name__
                and len(params) == 1
            ):
                found.append(pytest.param(func, params[0], id=f"ch{n:02d}.{name}"))
    return found


@pytest.mark.parametrize(("checker", "what"), _student_checkers())
def test_a_stub_or_a_crash_becomes_feedback_not_a_traceback(checker, what):
    def stub(*args, **kwargs):
        raise NotImplementedError

    def crash(*args, **kwargs):
        raise ValueError("shapes (3,) and (2,) not aligned")

    with pytest.raises(ExerciseError, match="NotImplementedError: replace it by your code"):
        checker(stub)
    with pytest.raises(ExerciseError, match=r"raised ValueError: shapes \(3,\) and \(2,\)"):
        checker(crash)


def _shown(err):
    """What Jupyter shows for ``err`` (IPython's ``_render_traceback_``), colours removed."""
    import re

    return re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(err._render_traceback_()))


def _read(err):
    """``(name, message)`` as the grader reads them from the kernel's error message."""
    from course_utils.grading.report import raised

    output = {"ename": type(err).__name__, "evalue": str(err),
              "traceback": err._render_traceback_()}  # fmt: skip
    return raised(output)[:2]


def test_jupyter_shows_only_the_message_and_the_grader_reads_it_as_before():
    from course_utils.exercises._feedback import NotAnswered, call

    with pytest.raises(ExerciseError) as err:
        check_equal("label", "saddle", "minimum", hint="look at the signs")
    shown = _shown(err.value)
    assert shown == (
        "ExerciseError: label is not right yet.\n"
        "  expected: 'minimum'\n  got:      'saddle'\n  hint: look at the signs"
    )
    assert _read(err.value) == ("ExerciseError", str(err.value))  # as from a traceback

    def stub():
        raise NotImplementedError

    with pytest.raises(NotAnswered) as err:
        call("the sum", stub)
    shown = _shown(err.value)
    assert "Traceback" not in shown and "_feedback" not in shown
    assert shown.startswith("NotImplementedError: the sum is not answered yet.")
    # the grader counts NotImplementedError (the stub's) and NotAnswered alike: unanswered
    assert _read(err.value) == ("NotAnswered", str(err.value))


def test_a_bug_in_the_students_code_shows_the_students_frames_only():
    from course_utils.exercises._feedback import call

    def helper(x):
        return x / 0

    def student(x):
        return helper(x) + 1

    with pytest.raises(ExerciseError) as err:
        call("the ratio", student, 2.0)
    assert isinstance(err.value.student_error, ZeroDivisionError)
    lines = _shown(err.value).splitlines()
    assert lines[0] == "Your code raised ZeroDivisionError here:"
    frames = [line.strip() for line in lines if line.lstrip().startswith("File ")]
    assert [f.rsplit(", in ", 1)[1] for f in frames] == ["student", "helper"]
    assert all("test_feedback.py" in f for f in frames)  # none of the checker's
    assert lines[-2:] == [
        "ExerciseError: the ratio is not right yet.",
        "  expected a result; calling it raised ZeroDivisionError: float division by zero",
    ]
    assert _read(err.value) == ("ExerciseError", str(err.value))
