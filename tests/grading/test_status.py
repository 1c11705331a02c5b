"""The grading policy (``course_utils.grading.status.decide``), one row of README's status
table and its precedence after another."""

import pytest

from course_utils.grading import status as S
from course_utils.grading.report import Cell

RAN = "Cell execution caused an exception"  # nbval's reason for a cell that raised
RIGHT = Cell("passed", stdout="✓ central_gradient matches.\n")
HIDDEN = Cell("passed", stdout="a stray print\n  ✓ it also works in 5 dimensions.\n")
REJECTED = Cell("failed", RAN, "ExerciseError", "lam is not right yet.\n  expected: 1\n  got:  2")
ASSERTED = Cell("failed", RAN, "AssertionError", "a wrong answer")
STUB = Cell("failed", RAN, "NotImplementedError", "Replace this line with your answer to 1.1")
MET_STUB = Cell("failed", RAN, "NotAnswered", "f is not answered yet.")
OOPS = Cell("failed", RAN, "ValueError", "oops")
NAME = Cell("failed", RAN, "NameError", "name 'f' is not defined")
BROKE = Cell("failed", RAN, "TypeError", "unsupported operand")
SILENT = Cell("failed", "Timeout of 5 seconds exceeded waiting for output.")  # raised nothing
BOTH = ((2, RIGHT), (1, HIDDEN))  # a visible and a hidden check, both passed: 3 of 3 points
TICKS = "✓ central_gradient matches. | ✓ it also works in 5 dimensions."
WHY = "lam is not right yet. | expected: 1 | got: 2"  # REJECTED's message on one line
LIMIT = "still running after the 30 s limit"
SUSPICIOUS = (S.REVIEW, "suspicious code: calls exec (line 2)")
TWICE = (S.DUPLICATE_ANSWER, "2 answer cells with id 1.1; the last one was graded")
RENAMED = (S.RENAMED, "graded Copy of 01.ipynb in place of 01.ipynb")
V3 = "converted from nbformat 3"

# (what happened, Evidence's fields, (points, status, detail))
TABLE = [
    ("every check passed", dict(checks=BOTH), (3, S.PASSED, TICKS)),
    ("no checks at all", dict(), (0, S.PASSED, "")),
    ("a checker rejected the answer", dict(checks=((2, REJECTED), (1, HIDDEN))),
     (1, S.FAILED, WHY)),
    ("an assert rejected it", dict(checks=((2, ASSERTED),)), (0, S.FAILED, "a wrong answer")),
    ("the stub is still there", dict(checks=((2, NAME),), answer=STUB),
     (0, S.UNANSWERED, "not answered yet: the stub still raises NotImplementedError")),
    ("a checker met the stub", dict(checks=((2, MET_STUB), (1, MET_STUB)), answer=RIGHT),
     (0, S.UNANSWERED, "not answered yet: the stub still raises NotImplementedError")),
    ("the stub wins over a rejection", dict(checks=((2, REJECTED), (1, STUB))),
     (0, S.UNANSWERED, "not answered yet: the stub still raises NotImplementedError")),
    ("the answer cell raised", dict(checks=((2, NAME), (1, HIDDEN)), answer=OOPS),
     (1, S.ERROR, "the answer cell raised ValueError: oops")),
    ("the answer cell raised, and a checker rejected", dict(checks=((2, REJECTED),), answer=OOPS),
     (0, S.ERROR, "the answer cell raised ValueError: oops")),
    ("the answer cell failed without an exception", dict(checks=((2, NAME),), answer=SILENT),
     (0, S.ERROR, "the answer cell raised an error: " + SILENT.reason)),
    ("the answer raised while being checked", dict(checks=((2, BROKE),)),
     (0, S.ERROR, "TypeError while checking: unsupported operand")),
    ("a check that did not run", dict(checks=((2, RIGHT), (1, None))),
     (2, S.ERROR, "error while checking: the check did not run")),
    ("timed out: stubbed", dict(checks=BOTH, aborted=(S.TIMEOUT, LIMIT)), (0, S.TIMEOUT, LIMIT)),
    ("crashed: stubbed", dict(checks=BOTH, aborted=(S.CRASHED, "the kernel died")),
     (0, S.CRASHED, "the kernel died")),
    ("the report was unreadable after it", dict(aborted=(S.ERROR, "could not be read")),
     (0, S.ERROR, "could not be read")),
    ("a flag replaces passed, the outcome goes into the detail",
     dict(checks=BOTH, flags=(SUSPICIOUS,)),
     (3, S.REVIEW, f"{SUSPICIOUS[1]}; outcome: passed (3/3): {TICKS}")),
    ("a flag replaces failed, points as the checks said",
     dict(checks=((2, REJECTED), (1.5, HIDDEN)), flags=(SUSPICIOUS,)),
     (1.5, S.REVIEW, f"{SUSPICIOUS[1]}; outcome: failed (1.5/3.5): {WHY}")),
    ("a flag over an outcome without detail", dict(checks=(), flags=(SUSPICIOUS,)),
     (0, S.REVIEW, f"{SUSPICIOUS[1]}; outcome: passed (0/0)")),
    ("several answer cells", dict(checks=BOTH, flags=(TWICE,)),
     (3, S.DUPLICATE_ANSWER, f"{TWICE[1]}; outcome: passed (3/3): {TICKS}")),
    ("a renamed file", dict(checks=BOTH, flags=(RENAMED,)),
     (3, S.RENAMED, f"{RENAMED[1]}; outcome: passed (3/3): {TICKS}")),
    ("review, then duplicate_answer, then renamed: the first flag decides",
     dict(checks=BOTH, flags=(SUSPICIOUS, TWICE, RENAMED)),
     (3, S.REVIEW, f"{SUSPICIOUS[1]}; {TWICE[1]}; {RENAMED[1]}; outcome: passed (3/3): {TICKS}")),
    ("duplicate_answer before renamed", dict(checks=BOTH, flags=(TWICE, RENAMED)),
     (3, S.DUPLICATE_ANSWER, f"{TWICE[1]}; {RENAMED[1]}; outcome: passed (3/3): {TICKS}")),
    ("a note said twice is written once", dict(checks=BOTH, flags=(SUSPICIOUS, SUSPICIOUS)),
     (3, S.REVIEW, f"{SUSPICIOUS[1]}; outcome: passed (3/3): {TICKS}")),
    ("timeout wins over review, the note stays",
     dict(checks=BOTH, aborted=(S.TIMEOUT, LIMIT), flags=(SUSPICIOUS, RENAMED)),
     (0, S.TIMEOUT, f"{SUSPICIOUS[1]}; {RENAMED[1]}; {LIMIT}")),
    ("crashed wins over duplicate_answer",
     dict(aborted=(S.CRASHED, "the kernel died"), flags=(TWICE,)),
     (0, S.CRASHED, f"{TWICE[1]}; the kernel died")),
    ("an error (unreadable report) does not win over review",
     dict(aborted=(S.ERROR, "could not be read"), flags=(SUSPICIOUS,)),
     (0, S.REVIEW, f"{SUSPICIOUS[1]}; outcome: error (0/0): could not be read")),
    ("the file's notes come first", dict(checks=BOTH, notes=(V3,), flags=(RENAMED,)),
     (3, S.RENAMED, f"{V3}; {RENAMED[1]}; outcome: passed (3/3): {TICKS}")),
    ("the answer cell was deleted: no points, flags do not matter",
     dict(checks=BOTH, missing=(S.MISSING_ANSWER, "no answer cell with id 1.1"), notes=(V3,),
          flags=(RENAMED,)),
     (0, S.MISSING_ANSWER, f"{V3}; no answer cell with id 1.1")),
    ("no copy of the chapter", dict(missing=(S.MISSING_NOTEBOOK, "no 01.ipynb in ann/")),
     (0, S.MISSING_NOTEBOOK, "no 01.ipynb in ann/")),
    ("not a notebook", dict(missing=(S.INVALID_NOTEBOOK, "not valid JSON (…)")),
     (0, S.INVALID_NOTEBOOK, "not valid JSON (…)")),
]  # fmt: skip


@pytest.mark.parametrize(("fields", "grade"), [row[1:] for row in TABLE], ids=[r[0] for r in TABLE])
def test_decide_follows_the_status_table(fields, grade):
    max_points = sum(points for points, _ in fields.get("checks", ()))
    assert S.decide(S.Evidence(max_points, **fields)) == grade


def test_the_table_covers_every_status():
    assert {grade[1] for _, _, grade in TABLE} == set(S.ALL)


def test_points_and_lines_are_written_as_in_the_gradebook():
    assert (S.number(3.0), S.number(1.5), S.number(2 / 3)) == (3, 1.5, 0.667)
    assert S.one_line("a\n\n  b   c\n") == "a | b c"
    assert S.one_line("x" * 500, limit=10) == "x" * 9 + "…"
