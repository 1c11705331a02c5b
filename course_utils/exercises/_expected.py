"""The values the checks compare with: data, not the solutions.

A visible check (one students run while they work) calls the student's function on
inputs it builds and compares what comes back with values stored in ``expected/chNN.json``
beside this module, never with solution code. A hidden check compares with the values of
the instructor's reference code (``instructor/reference/chNN.py``, its ``hidden()``),
which only the instructor's machine computes. ``instructor/make_expected.py`` writes the
stored files from the reference's ``expected()``; ``tests/exercises/test_expected.py``
fails when they are out of date.

Both reach a checker module as a :class:`Values` mapping (``EXPECTED`` and ``HIDDEN``).
In a graded run the student's kernel holds neither: while it calls the student's
functions (``_probe``) each mapping shows :func:`placeholders` instead, values of the
same shape that are all NaN and zero, and the grader compares with the real ones in its
own process (``_replay``).
"""

import contextlib
import json
import math
import re
import threading
from collections.abc import Mapping
from contextvars import ContextVar
from pathlib import Path

HERE = Path(__file__).resolve().parent
_STAND_IN = ContextVar("downhill_stand_in", default=None)  # {(kind, key): placeholders}


def chapter_key(module_name):
    """``"ch03"`` for a name such as ``chapters.ch03_gradient_descent.checks`` or ``ch03``."""
    match = re.search(r"\bch(\d\d)", module_name)
    if not match:
        raise ValueError(f"module_name must name a chapter (chNN), got {module_name!r}")
    return f"ch{match.group(1)}"


class Values(Mapping):
    """The values of one chapter's checks (``kind``: ``"visible"`` or ``"hidden"``),
    loaded on first use; inside :func:`stand_in`, the placeholders given there."""

    def __init__(self, key, kind, load):
        self.key, self.kind, self._load = key, kind, load
        self._values, self._lock = None, threading.Lock()

    def _data(self):
        stand_in = _STAND_IN.get()
        if stand_in is not None:
            return stand_in.get((self.kind, self.key), {})
        with self._lock:
            if self._values is None:
                self._values = self._load()
        return self._values

    def __getitem__(self, name):
        return self._data()[name]

    def __iter__(self):
        return iter(self._data())

    def __len__(self):
        return len(self._data())

    def __repr__(self):
        return f"<{self.kind} values of {self.key}>"


_VISIBLE = {}


def _stored(key):
    path = HERE / "expected" / f"{key}.json"
    if not path.is_file():  # a new chapter, before instructor/make_expected.py has run
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def expected(module_name):
    """The stored expected values of a chapter's visible checks: ``{name: JSON value}``."""
    key = chapter_key(module_name)
    if key not in _VISIBLE:
        _VISIBLE[key] = Values(key, "visible", lambda: _stored(key))
    return _VISIBLE[key]


def placeholders(values):
    """``values`` (JSON data) with every number made NaN (integers 0, booleans False) and
    every string empty: the shape a checker walks, none of the values it compares with."""
    if isinstance(values, Mapping):
        return {k: placeholders(v) for k, v in values.items()}
    if isinstance(values, list | tuple):
        return [placeholders(v) for v in values]
    if isinstance(values, bool):
        return False
    if isinstance(values, int):
        return 0
    if isinstance(values, float):
        return math.nan
    if isinstance(values, str):
        return ""
    return None


@contextlib.contextmanager
def stand_in(values):
    """While inside: the :class:`Values` of ``(kind, key)`` show ``values[(kind, key)]``."""
    token = _STAND_IN.set(dict(values))
    try:
        yield
    finally:
        _STAND_IN.reset(token)
