"""The stored expected values of the visible checks: data, not the solutions.

A visible check (one students run while they work) calls the student's function on
inputs it builds and compares what comes back with values stored in ``expected/chNN.json``
beside this module, never with solution code. ``instructor/make_expected.py`` writes those
files from the ``expected()`` of each chapter's hidden checks (the instructor's reference
code); ``tests/exercises/test_expected.py`` fails when they are out of date.
"""

import json
import re
from functools import cache
from pathlib import Path

HERE = Path(__file__).resolve().parent


def chapter_key(module_name):
    """``"ch03"`` for a name such as ``chapters.ch03_gradient_descent.checks`` or ``ch03``."""
    match = re.search(r"\bch(\d\d)", module_name)
    if not match:
        raise ValueError(f"module_name must name a chapter (chNN), got {module_name!r}")
    return f"ch{match.group(1)}"


@cache
def expected(module_name):
    """The stored expected values of a chapter's visible checks: ``{name: JSON value}``."""
    path = HERE / "expected" / f"{chapter_key(module_name)}.json"
    if not path.is_file():  # a new chapter, before instructor/make_expected.py has run
        return {}
    return json.loads(path.read_text(encoding="utf-8"))
