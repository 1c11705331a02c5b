"""The statuses of the gradebook's rows, one per (student, notebook, exercise), and the
one policy that decides them (:func:`decide`).

The first six say how the exercise itself went; the others say why the grader could
not grade it, or flag it for an instructor's look while still giving the points the
checks awarded (the outcome is then in the detail).
"""

import re
from dataclasses import dataclass
from typing import NamedTuple

PASSED = "passed"  # every check cell passed
FAILED = "failed"  # a checker rejected the answer; detail = its message
UNANSWERED = "unanswered"  # the stub's NotImplementedError is still there (or NotAnswered)
ERROR = "error"  # the answer raised (or raised while being checked)
TIMEOUT = "timeout"  # a cell of this exercise ran past the cell time limit
CRASHED = "crashed"  # the kernel died in this exercise (os._exit, segfault, memory)
REVIEW = "review"  # the answer reaches for the grading machinery; points as computed
DUPLICATE_ANSWER = "duplicate_answer"  # several answer cells with one id: the last is graded
RENAMED = "renamed"  # graded from a notebook whose file name differs
MISSING_ANSWER = "missing_answer"  # the answer cell was deleted: 0 points
MISSING_NOTEBOOK = "missing_notebook"  # no notebook of this chapter in the student's folder
INVALID_NOTEBOOK = "invalid_notebook"  # not readable as a notebook: 0 points

OUTCOMES = (PASSED, FAILED, UNANSWERED, ERROR, TIMEOUT, CRASHED)
ALL = OUTCOMES + (
    REVIEW, DUPLICATE_ANSWER, RENAMED, MISSING_ANSWER, MISSING_NOTEBOOK, INVALID_NOTEBOOK
)  # fmt: skip

# A flag replaces the outcome in the status column unless the outcome is one of these
# (points lost for a reason that needs no second look).
KEEPS_STATUS = (TIMEOUT, CRASHED)

# Exceptions that mean "the checker rejected the answer" rather than "the code broke".
REJECTIONS = {"ExerciseError", "AssertionError"}
# Exceptions that mean "not answered yet": the stub's, or a checker that met the stub.
STUBS = {"NotImplementedError", "NotAnswered"}


@dataclass(frozen=True)
class Evidence:
    """What the grader knows of one exercise of one student's notebook.

    ``checks`` and ``answer`` hold what the cells did (records with ``outcome``,
    ``error`` = (exception name, message) and ``stdout``, as
    :class:`~course_utils.grading.report.Cell`; None for a cell that did not run).
    """

    max_points: float
    checks: tuple = ()  # ((points, cell), …): the check cells, in order
    answer: object = None  # the answer cell
    aborted: tuple = ()  # (TIMEOUT or CRASHED or ERROR, detail): the answer was stubbed
    missing: tuple = ()  # (MISSING_ANSWER, _NOTEBOOK or INVALID_NOTEBOOK, detail): no run
    review: tuple = ()  # what the run saw that calls for a look; the gradebook flags it
    flags: tuple = ()  # ((REVIEW, DUPLICATE_ANSWER or RENAMED, note), …), the first decides
    notes: tuple = ()  # about the file as a whole ("converted from nbformat 3")


class Grade(NamedTuple):
    points: float
    status: str
    detail: str


def decide(evidence):
    """The :class:`Grade` of one exercise: README's table of statuses, in one place.

    - Nothing to run (``missing``): no points, that status.
    - A stubbed answer (``aborted``: it timed out, crashed, or left the report unreadable):
      no points, that status.
    - Otherwise the checks decide: the points of those that passed; ``passed`` when all
      did (detail: their ``✓`` lines), else ``unanswered`` when the stub's error shows,
      ``error`` when the answer cell raised, ``failed`` when a checker rejected the answer
      (detail: its message), ``error`` when the answer raised while being checked.
    - A flag replaces that status, unless it is ``timeout`` or ``crashed``: the first
      flag's status, the outcome and its points in the detail. Every flag's note, then
      the outcome's detail, make the detail; the file's notes come first.
    """
    e = evidence
    if e.missing:
        status, detail = e.missing
        return Grade(0, status, _join(*e.notes, detail))
    points, status, detail = (0, *e.aborted) if e.aborted else _outcome(e)
    if e.flags and status not in KEEPS_STATUS:
        outcome = f"outcome: {status} ({number(points)}/{number(e.max_points)})"
        detail = outcome + (f": {detail}" if detail else "")
        status = e.flags[0][0]
    notes = dict.fromkeys(note for _, note in e.flags if note)
    return Grade(points, status, _join(*e.notes, *notes, detail))


def _outcome(e):
    """``(points, status, detail)`` from what the check cells and the answer cell did."""
    points = sum(p for p, cell in e.checks if cell is not None and cell.outcome == "passed")
    failing = [cell for _, cell in e.checks if cell is None or cell.outcome != "passed"]
    if not failing:
        ticks = [line.strip() for _, cell in e.checks for line in cell.stdout.splitlines()]
        return points, PASSED, one_line("\n".join(t for t in ticks if t.startswith("✓")))
    errors = [cell.error if cell else (None, "the check did not run") for cell in failing]
    answer = e.answer.error if e.answer is not None and e.answer.outcome != "passed" else None
    if any(name in STUBS for name, _ in [*errors, answer or (None, "")]):
        return points, UNANSWERED, "not answered yet: the stub still raises NotImplementedError"
    if answer:
        name, text = answer
        return points, ERROR, one_line(f"the answer cell raised {name or 'an error'}: {text}")
    name, text = errors[0]
    if name in REJECTIONS:
        return points, FAILED, one_line(text)
    return points, ERROR, one_line(f"{name or 'error'} while checking: {text}")


def _join(*parts):
    return "; ".join(part for part in parts if part)


def number(x):
    """Points as written in the gradebook: ``3`` rather than ``3.0``."""
    x = round(float(x), 3)
    return int(x) if x == int(x) else x


def one_line(text, limit=400):
    """``text`` on one line (line breaks become " | "), at most ``limit`` characters."""
    parts = [re.sub(r"\s+", " ", line).strip() for line in str(text).splitlines()]
    line = " | ".join(p for p in parts if p)
    return line if len(line) <= limit else line[: limit - 1] + "…"
