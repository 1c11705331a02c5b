"""The grader's pytest plugin writes what each cell did as it happens
(``course_utils.grading.nbval_plugin``): a real run under nbval, with a kernel."""

import nbformat
import pytest

from course_utils.grading import report, sandbox
from course_utils.grading import run as R

CELLS = [
    "from course_utils.exercises._feedback import call, check_equal",
    "print('✓ right')\nprint('a stray print')",
    "check_equal('label', 'saddle', 'minimum', hint='look at the signs')",
    "def stub():\n    raise NotImplementedError\ncall('the sum', stub)",
    "raise ValueError('oops')",
    "def broken(:\n    pass",
    "import os\nos._exit(1)",
    "print('never')",
]


@pytest.mark.slow
def test_each_cell_is_recorded_with_the_exception_the_kernel_reported(tmp_path):
    for folder in ("nb", "meta", "box/work", "box/home", "box/ipc"):
        (tmp_path / folder).mkdir(parents=True)
    sandbox.write_kernelspec(tmp_path / "meta" / "jupyter", tmp_path, 2048, 120, unsafe=True)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    nbformat.write(nb, tmp_path / "nb" / "notebook.ipynb")
    (tmp_path / "meta" / "pytest.ini").write_text("[pytest]\n")
    cells = tmp_path / "meta" / "cells.jsonl"
    cells.write_text("left over from an earlier run\n")  # the plugin starts the report afresh
    cmd = R.nbval_command(tmp_path / "nb" / "notebook.ipynb", cells, tmp_path / "meta" /
                          "pytest.ini", 3)  # fmt: skip
    R.subprocess.run(cmd, cwd=tmp_path / "nb", env=R._environment(tmp_path), timeout=120,
                     capture_output=True)  # fmt: skip
    got = report.read(cells)
    assert list(got) == list(range(len(CELLS)))
    assert [c.outcome for c in got.values()] == ["passed"] * 2 + ["failed"] * 5 + ["xfail"]
    assert got[1].stdout == "✓ right\na stray print\n"
    assert got[2].error == (
        "ExerciseError",
        "label is not right yet.\n  expected: 'minimum'\n  got:      'saddle'\n"
        "  hint: look at the signs",
    )
    assert got[3].error == (
        "NotAnswered",
        "the sum is not answered yet.\n"
        "  the function raises NotImplementedError: replace it by your code",
    )
    assert got[4].error == ("ValueError", "oops") and "ValueError: oops" in got[4].traceback
    assert got[4].reason == "Cell execution caused an exception"
    assert got[5].error == ("SyntaxError", "invalid syntax")
    # the kernel died at once; nbval waited for it until the cell's time limit
    assert got[6].kernel_died is not None and got[6].kernel_died < 3
    assert got[6].exception is None and "exceeded while executing cell" in got[6].reason
    assert got[7].reason == "Kernel dead on test start"
    assert all(c.kernel_died is None for i, c in got.items() if i != 6)
