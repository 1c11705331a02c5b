"""The statuses of the gradebook's rows, one per (student, notebook, exercise).

The first six say how the exercise itself went; the others say why the grader could
not grade it, or flag it for an instructor's look while still giving the points the
checks awarded (the outcome is then in the detail).
"""

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
