"""The report of a graded run, one record per code cell (``course_utils.grading.report``)."""

import pytest

from course_utils.grading import report
from course_utils.grading.report import Cell

RED, RESET = "\x1b[31m", "\x1b[39m"


def test_the_message_is_read_as_the_traceback_ends():
    rejected = {  # what the kernel sends for an ExerciseError (its _render_traceback_)
        "ename": "ExerciseError",
        "evalue": "x is not right yet.\n  expected: 1\n  got:      2",
        "traceback": [f"{RED}ExerciseError{RESET}: x is not right yet.", "  expected: 1",
                      "  got:      2"],
    }  # fmt: skip
    assert report.raised(rejected) == (
        "ExerciseError",
        "x is not right yet.\n  expected: 1\n  got:      2",
        "ExerciseError: x is not right yet.\n  expected: 1\n  got:      2",
    )
    syntax = {  # IPython's traceback of a SyntaxError names the cell, evalue a file
        "ename": "SyntaxError",
        "evalue": "invalid syntax (1797438107.py, line 1)",
        "traceback": ["  Cell In[3], line 1", "    def broken(:", "               ^",
                      f"{RED}SyntaxError{RESET}: invalid syntax"],
    }  # fmt: skip
    assert report.raised(syntax)[:2] == ("SyntaxError", "invalid syntax")
    qualified = {  # a verbose traceback, the exception named with its module, and a note
        "ename": "LinAlgError",
        "evalue": "Singular matrix",
        "traceback": [f"{RED}LinAlgError{RESET}       Traceback (most recent call last)",
                      "Cell In[8], line 2", "----> 2 np.linalg.inv(A)",
                      f"{RED}numpy.linalg.LinAlgError{RESET}: Singular matrix", "a note"],
    }  # fmt: skip
    assert report.raised(qualified)[:2] == ("LinAlgError", "Singular matrix\na note")
    bare = {"ename": "MemoryError", "evalue": "", "traceback": [f"{RED}MemoryError{RESET}: "]}
    assert report.raised(bare)[:2] == ("MemoryError", "")
    # NotAnswered shows as the stub's NotImplementedError: the message is its evalue
    stub = {"ename": "NotAnswered", "evalue": "f is not answered yet.",
            "traceback": ["NotImplementedError: f is not answered yet."]}  # fmt: skip
    assert report.raised(stub)[:2] == ("NotAnswered", "f is not answered yet.")


def test_records_map_to_code_cells(tmp_path):
    path = tmp_path / "cells.jsonl"
    cells = {
        0: Cell("passed"),
        1: Cell("failed", "Cell execution caused an exception", "ValueError", "bad", "…"),
        2: Cell("passed", stdout="✓ fine\n", kernel_died=0.5),
        3: Cell("xfail", "Kernel dead on test start"),
    }
    for index, cell in cells.items():
        report.write(path, index, cell)
    assert report.read(path) == cells
    assert [c.error for c in cells.values()] == [
        (None, ""), ("ValueError", "bad"), (None, ""), (None, "Kernel dead on test start")
    ]  # fmt: skip


@pytest.mark.parametrize(
    "text", ['{"cell": 0, "outcome": "passed"}\n{"cell": 1', '[1, 2]', '{"outcome": "passed"}',
             '{"cell": "x", "outcome": "passed"}', '{"cell": 0, "outcome": "passed", "x": 1}'],
)  # fmt: skip
def test_anything_but_cell_records_is_refused(tmp_path, text):
    (tmp_path / "cells.jsonl").write_text(text)
    with pytest.raises(ValueError, match="of the report is not a cell's record"):
        report.read(tmp_path / "cells.jsonl")
    (tmp_path / "planted").mkdir()
    with pytest.raises(OSError):
        report.read(tmp_path / "planted")
