"""A graded check, the grader's half: the checker runs again, here, against the record.

The student's kernel sent a record (:mod:`~course_utils.exercises._probe`): for each of the
check's arguments, a value or "a function"; for each call the checker made of a student's
function, what it was asked and what it returned or raised, all plain data. :func:`judge`
runs the same checker in the grader's process with the real values to compare with. Each
function of the student's is a :class:`Replay`: called, it checks that the checker asks
what the kernel's checker asked (the inputs' fingerprint), writes back what the call
changed in its arguments, and returns the recorded result (or raises the recorded error).
No code of the student's runs here, and nothing the kernel printed counts: the verdict is
what this checker says.
"""

import re
import warnings
from dataclasses import dataclass

import numpy as np

from course_utils.exercises import _feedback, _plain
from course_utils.exercises._feedback import ExerciseError


@dataclass(frozen=True)
class Verdict:
    """What a check decided: ``passed``; else the error as ``(name, message)``, the name
    being what a traceback would show (``ExerciseError``, ``NotImplementedError``, …);
    ``confirmations``: a passed check's lines (``✓ …``); ``review``: why the record itself
    needs an instructor's look (it was not in the grader's format), if it does."""

    passed: bool
    error: tuple = (None, "")
    confirmations: tuple = ()
    review: str = ""


class _Unanswerable(BaseException):
    """The record cannot answer the checker's call (a BaseException, so that no ``except
    Exception`` of a checker's catches it)."""


def _student_error(data):
    """The exception a student's function raised, rebuilt from its record: the class's
    name and message only (``NotImplementedError`` stays itself: it means "unanswered")."""
    names = [str(n) for n in data.get("bases", [])] or [str(data.get("type", "Exception"))]
    message = str(data.get("message", ""))
    if "NotImplementedError" in names:
        return NotImplementedError(message)
    name = re.sub(r"\W", "_", str(data.get("type", "Exception")))[:100] or "Exception"
    kind = type(name if name.isidentifier() else "StudentError", (Exception,), {})
    return kind(message)


def _write_back(value, after):
    """Put into ``value`` (an argument of the checker's) what the call left in it."""
    if "rng" in after and isinstance(value, np.random.Generator):
        try:
            value.bit_generator.state = after["rng"]
        except (TypeError, ValueError, KeyError):
            pass
        return
    if isinstance(value, np.ndarray):
        new = _plain.decode(after["value"]) if "value" in after else None
        if isinstance(new, np.ndarray) and new.shape == value.shape:
            value[...] = new.astype(value.dtype, copy=False)
        elif value.dtype.kind in "fc":
            value[...] = np.nan  # changed, but not readable here: not what it was
        return
    new = _plain.decode(after["value"]) if "value" in after else None
    if isinstance(value, list) and isinstance(new, list):
        value[:] = new
    elif isinstance(value, dict) and isinstance(new, dict):
        value.clear()
        value.update(new)


class Replay(_plain.Answer):
    """A student's function, in the grader: answers each call from the record."""

    def __init__(self, index, text, calls):
        self.answer_index, self.text, self.calls = index, text, calls

    def __repr__(self):
        return self.text

    def __call__(self, *args, **kwargs):
        if not self.calls:
            raise _Unanswerable("the check asked more of your function than your kernel did")
        entry = self.calls.pop(0)
        if entry.get("answer") != self.answer_index or entry.get("inputs") != _plain.fingerprint(
            (args, kwargs)
        ):
            raise _Unanswerable("the check's questions differ from those your kernel answered")
        flat = [*args, *kwargs.values()]
        for n, after in (entry.get("changed") or {}).items():
            if str(n).isdigit() and int(n) < len(flat) and isinstance(after, dict):
                _write_back(flat[int(n)], after)
        if "raised" in entry:
            raise _student_error(entry["raised"])
        if "too_large" in entry:
            raise _plain.TooLarge(f"your function returned too much data ({entry['too_large']})")
        return _plain.decode(entry["result"])


def _arguments(rec, calls):
    answers = rec.get("answers")
    names = rec.get("keywords", [])
    if not isinstance(answers, list) or not isinstance(names, list) or len(names) > len(answers):
        raise ValueError("no answers in the record")
    values = []
    for index, answer in enumerate(answers):
        if "function" in answer:
            values.append(Replay(index, str(answer["function"]), calls))
        elif "value" in answer:
            values.append(_plain.decode(answer["value"]))
        else:
            raise _plain.TooLarge(answer.get("too_large", "an answer too large to check"))
    split = len(values) - len(names)
    return values[:split], dict(zip(map(str, names), values[split:], strict=True))


def judge(text, check, function):
    """The :class:`Verdict` of checker ``function`` (named ``check``, ``"ch03.check_…"``)
    on the record ``text`` that a graded kernel sent (None: it sent none)."""
    try:
        rec = _plain.loads(text)
        if not isinstance(rec, dict) or rec.get("check") != check or rec.get("version") != 1:
            raise ValueError("a record of another check")
        if "too_large" in rec:
            return Verdict(False, ("ValueError", f"your answers are too large to check "
                                   f"({rec['too_large']})"))  # fmt: skip
        if "arguments_error" in rec:
            return Verdict(
                False,
                (
                    str(rec["arguments_error"].get("type", "Exception"))[:100],
                    str(rec["arguments_error"].get("message", ""))[:2000],
                ),
            )
        calls = list(rec.get("calls", []))
        if not all(isinstance(c, dict) for c in calls):
            raise ValueError("malformed calls")
        args, kwargs = _arguments(rec, calls)
    except _plain.TooLarge as exc:
        return Verdict(False, ("ValueError", f"your answer is too large to check ({exc})"))
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
        reason = f"the check's record from your kernel is not the grader's ({exc})"
        return Verdict(False, ("GradingError", reason), review=reason)
    confirmations = []
    token = _feedback.CONFIRMATIONS.set(confirmations)
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            function(*args, **kwargs)
    except ExerciseError as err:
        return Verdict(False, (err.label, str(err)))
    except _Unanswerable as exc:
        stopped = rec.get("stopped") or {}
        if stopped:
            why = f"{stopped.get('type', 'an error')}: {stopped.get('message', '')}"
            return Verdict(False, ("RuntimeError", f"the check stopped in your kernel ({why})"))
        return Verdict(False, ("RuntimeError", str(exc)))
    except Exception as err:  # noqa: BLE001 - the checker met data it could not handle
        return Verdict(False, (type(err).__name__, _plain._text(err, 2000)))
    finally:
        _feedback.CONFIRMATIONS.reset(token)
    return Verdict(True, confirmations=tuple(confirmations))
