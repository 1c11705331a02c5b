"""The grader's half of every check: the verdict, decided in the grader's process.

In a graded run the student's kernel only calls the student's functions on each check's
inputs and reports what came back, as plain data (``course_utils.exercises._probe``;
:mod:`~course_utils.grading.nbval_plugin` keeps that record with the cell's report). Here
the same checker runs again against that record, with the real values it compares with
(``course_utils.exercises._replay``), and its verdict is what counts: nothing the kernel
printed, and no pass or fail of the kernel's own, decides a point.

The hidden checks and the reference code the grader uses are the instructor's beside the
book being graded (:func:`instructor_modules`); a student's kernel receives the hidden
checks only (their inputs and logic), never the reference code or a value.
"""

import re
from dataclasses import dataclass

from course_utils.exercises import _hidden, _probe, _replay


def instructor_modules(book):
    """Load the instructor's hidden checks and reference code of ``book``'s course into
    this process (they are what its verdicts compare with); return the hidden checks'
    sources, ``{chapter key: source}``, which graded kernels receive."""
    for key, text in _hidden.sources(book, _hidden.REFERENCE).items():
        _hidden.supply(key, text, _hidden.REFERENCE)
    hidden = _hidden.sources(book)
    for key, text in hidden.items():
        _hidden.supply(key, text)
    return hidden


@dataclass(frozen=True)
class Checked:
    """What a check cell of a graded run amounts to, as :func:`status.decide` reads a cell:
    ``outcome`` "passed" or "failed", ``error`` (exception name, message), ``stdout`` (a
    passed check's confirmation lines) and ``review``: why the record needs a look."""

    outcome: str
    error: tuple = (None, "")
    stdout: str = ""
    review: str = ""


def verdict(role, cell, withheld=()):
    """The :class:`Checked` of check cell ``cell`` (a ``report.Cell``; None if it did not
    run) whose role is ``role``: the checker's verdict on the cell's record. ``withheld``:
    lines (of the hidden checks) that no message may repeat."""
    if cell is None:
        return None
    if role.check is None:  # not a checker's call: validate reports it; it earns nothing
        return Checked(
            "failed",
            (
                "GradingError",
                "this check cell is not one call of a "
                "chapter's checker (chNN.check_…(…)): it cannot be graded",
            ),
        )
    if cell.record is None:  # no record: the cell broke before the checker ran
        name, text = cell.error if cell.outcome != "passed" else (None, "")
        if not name:
            text = text or "the check cell reported no result"
            return Checked("failed", ("GradingError", _scrub(text, withheld)),
                           review="the check cell reported no result")  # fmt: skip
        return Checked("failed", (name, _scrub(text, withheld)))
    key, name = role.check.split(".", 1)
    try:
        function = _probe.checker(key, name)
    except (AttributeError, LookupError) as exc:
        raise RuntimeError(f"the grader cannot find the checker {role.check}: {exc}") from None
    v = _replay.judge(cell.record, role.check, function)
    if v.passed:
        return Checked("passed", stdout="\n".join(v.confirmations))
    error_name, message = v.error
    return Checked("failed", (error_name, _scrub(message, withheld)), review=v.review)


def withheld_lines(hidden_sources):
    """The lines of the hidden checks long enough to be recognised in a message."""
    lines = set()
    for text in hidden_sources.values():
        for line in text.splitlines():
            line = _space(line)
            if len(line) >= 24:
                lines.add(line)
    return lines


def _space(text):
    return re.sub(r"\s+", " ", text).strip()


def _scrub(message, withheld):
    """``message`` with any line of the hidden checks in it withheld."""
    if not withheld:
        return message
    flat = _space(message)
    hits = [line for line in withheld if line in flat]
    if not hits:
        return message
    for line in hits:
        flat = flat.replace(line, "[withheld: text of the hidden checks]")
    return flat
