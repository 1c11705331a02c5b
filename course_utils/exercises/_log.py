"""The checks' comparisons, logged for the test matrix when it asks.

A check is portable when the quantity it grades moves, from one machine to another, by far
less than the check allows. To measure that, the test matrix (``instructor/matrix.py``)
runs every chapter under several CPU kernels and package versions with the environment
variable ``DOWNHILL_CHECK_LOG`` naming a folder. Every comparison a checker makes is then
appended there as one JSON line: which chapter and check, what was compared, the value
that came back, the value it was compared with, and the tolerance or bound. Without the
variable (students, the grader) nothing is written.
"""

import json
import os
import re
import sys
from pathlib import Path

import numpy as np

from course_utils.exercises._hidden import PACKAGE

LOG_ENV = "DOWNHILL_CHECK_LOG"
# a chapter's checker module (course_utils.chapters.ch03_….checks) or its hidden checks
_CHECKERS = re.compile(rf"\.chapters\.(ch\d\d)|^{re.escape(PACKAGE)}\.(ch\d\d)$")


def _where():
    """``(chapter key, check name)`` of the checker that is comparing: the innermost frame
    of a function ``check_…`` in a chapter's checker module or in its hidden checks."""
    frame = sys._getframe(2)
    while frame is not None:
        found = _CHECKERS.search(frame.f_globals.get("__name__", ""))
        if found and frame.f_code.co_name.startswith("check_"):
            return found.group(1) or found.group(2), frame.f_code.co_name
        frame = frame.f_back
    return "", ""


def numbers(value):
    """``value`` as a flat list of floats (JSON writes nan and inf as NaN and Infinity)."""
    return np.asarray(value, dtype=float).ravel().tolist()


def record(kind, what, **data):
    """Append one comparison to the log, if ``DOWNHILL_CHECK_LOG`` names a folder.

    ``kind`` is ``"close"`` (``got``, ``expected``, ``rtol``, ``atol``), ``"range"``
    (``value``, ``low``, ``high``) or ``"equal"`` (``value``, as text).
    """
    folder = os.environ.get(LOG_ENV)
    if not folder:
        return
    chapter, check = _where()
    line = json.dumps({"chapter": chapter, "check": check, "what": what, "kind": kind, **data})
    with open(Path(folder) / f"{os.getpid()}.jsonl", "a", encoding="utf-8") as log:
        log.write(line + "\n")
