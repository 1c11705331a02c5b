"""A graded check, the student's half: call the student's functions, report plain data.

In a graded run every check cell becomes one call of :func:`run`. In the student's
(sandboxed) kernel it runs the chapter's checker as a student's self-check would, with
two differences: the checker sees placeholders instead of the values it compares with
(``_expected.stand_in``: the kernel never holds an expected value), and every comparison
passes silently (``_feedback.RECORDING``). So the checker only builds its inputs and calls
the student's functions; each function is wrapped in a :class:`Recorder` that writes down
what each call was asked (:func:`~course_utils.exercises._plain.fingerprint`) and what it
returned or raised (:func:`~course_utils.exercises._plain.encode`). The record is shown
as one display output of type :data:`MIME`, JSON text, and nothing here decides a point:
the grader replays the checker against that record in its own process
(:mod:`~course_utils.exercises._replay`).

A student's code can change anything in this process, this module included; all it can
change is the record, which is only ever data that the grader judges.
"""

import importlib
import json
import warnings
from pathlib import Path

import numpy as np

from course_utils.exercises import _expected, _feedback, _hidden, _plain

MIME = "application/x.downhill-check+json"
VERSION = 1
_CHAPTERS = Path(__file__).resolve().parents[1] / "chapters"


def checker_module(key):
    """The visible checker module of chapter ``key``: ``course_utils.chapters.chNN_….checks``."""
    key = _expected.chapter_key(key)
    found = sorted(p.name for p in _CHAPTERS.glob(f"{key}_*") if (p / "checks.py").is_file())
    if not found:
        raise LookupError(f"no chapter package for {key}")
    return importlib.import_module(f"course_utils.chapters.{found[0]}.checks")


def checker(key, name):
    """The checker function ``name`` of chapter ``key`` (visible, or hidden where supplied)."""
    return getattr(checker_module(key), name)


def arguments(*args, **kwargs):
    """What a check cell passes its checker, as ``(args, kwargs)``."""
    return args, kwargs


def error_data(err):
    """An exception as plain data: its class's name, its bases' names, its message."""
    names = [getattr(k, "__name__", "?") for k in type(err).__mro__]
    return {"type": _plain._text(names[0], 100), "bases": [_plain._text(n, 100) for n in names],
            "message": _plain._text(err, 2000)}  # fmt: skip


def _state(value):
    """What an argument holds that a call may change in place: a fingerprint."""
    try:
        return _plain.fingerprint(value)
    except Exception:  # noqa: BLE001 - an argument that cannot be read: never "changed"
        return None


def _after(value):
    """The plain data an argument holds after a call changed it in place."""
    if isinstance(value, np.random.Generator):
        return {"rng": json.loads(json.dumps(value.bit_generator.state, default=int))}
    try:
        return {"value": _plain.encode(value)}
    except _plain.TooLarge as exc:
        return {"too_large": str(exc)}


class Recorder(_plain.Answer):
    """A student's function as the checker calls it in the kernel: every call, its inputs'
    fingerprint, and what it returned or raised, appended to ``calls``."""

    def __init__(self, index, func, calls):
        self.answer_index, self.func, self.calls = index, func, calls

    def __repr__(self):
        return _plain.safe_repr(self.func)

    def __call__(self, *args, **kwargs):
        entry = {"answer": self.answer_index, "inputs": _plain.fingerprint((args, kwargs))}
        self.calls.append(entry)
        flat = [*args, *kwargs.values()]
        before = [_state(a) for a in flat]
        try:
            result = self.func(*args, **kwargs)
        except BaseException as err:
            if isinstance(err, KeyboardInterrupt):
                raise
            entry["raised"] = error_data(err)
            entry["changed"] = self._changed(flat, before)
            raise
        try:
            entry["result"] = _plain.encode(result)
        except _plain.TooLarge as exc:
            entry["too_large"] = str(exc)
        entry["changed"] = self._changed(flat, before)
        return result

    @staticmethod
    def _changed(flat, before):
        changed = {}
        for n, (value, state) in enumerate(zip(flat, before, strict=True)):
            if state is not None and _state(value) != state:
                changed[str(n)] = _after(value)
        return changed


def _answers(args, kwargs, calls):
    """The check's arguments as the checker gets them, and as the record describes them."""
    described, index = [], 0

    def wrap(value):
        nonlocal index
        if callable(value):
            described.append({"function": _plain.safe_repr(value)})
            index += 1
            return Recorder(index - 1, value, calls)
        try:
            described.append({"value": _plain.encode(value)})
        except _plain.TooLarge as exc:
            described.append({"too_large": str(exc)})
        index += 1
        return value

    wrapped = [wrap(a) for a in args]
    names = list(kwargs)
    wrapped_kw = {name: wrap(kwargs[name]) for name in names}
    return wrapped, wrapped_kw, described, names


def record(check, arguments_of, expected="{}", hidden="{}", source=None):
    """Run the checker ``check`` (``"ch03.check_sgd_epoch"``) on what ``arguments_of()``
    returns, recording; return the record as JSON text.

    ``expected`` and ``hidden``: the placeholders of the chapter's values (JSON text);
    ``source``: the hidden checks' source, for a hidden check.
    """
    key, name = check.split(".", 1)
    out = {"version": VERSION, "check": check, "answers": [], "keywords": [], "calls": []}
    try:
        if source is not None:
            _hidden.supply(key, source)
        args, kwargs = arguments_of()
        function = checker(key, name)
    except Exception as err:  # noqa: BLE001 - a name the answer did not define, say
        out["arguments_error"] = error_data(err)
        return _plain.dumps(out)
    calls = out["calls"]
    wrapped, wrapped_kw, out["answers"], out["keywords"] = _answers(args, kwargs, calls)
    stand_in = {("visible", key): json.loads(expected), ("hidden", key): json.loads(hidden)}
    token = _feedback.RECORDING.set(True)
    try:
        with _expected.stand_in(stand_in), warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            function(*wrapped, **wrapped_kw)
    except BaseException as err:
        if isinstance(err, KeyboardInterrupt):
            raise
        out["stopped"] = error_data(err)
    finally:
        _feedback.RECORDING.reset(token)
    try:
        return _plain.dumps(out)
    except _plain.TooLarge as exc:
        return _plain.dumps({"version": VERSION, "check": check, "too_large": str(exc)})


def run(check, arguments_of, expected="{}", hidden="{}", source=None):
    """What a graded check cell calls: :func:`record`, shown as one output of type
    :data:`MIME` (outside IPython, returned)."""
    text = record(check, arguments_of, expected, hidden, source)
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        return text
    if get_ipython() is None:
        return text
    display({MIME: text}, raw=True)
    return None
