"""One graded notebook under nbval, isolated (``course_utils.grading.run``)."""

import nbformat
import pytest

from course_utils.grading import report, sandbox
from course_utils.grading import run as R
from course_utils.grading import status as S
from course_utils.grading.__main__ import main

from .students import CONFTEST, needs_chapter, toy_class


@pytest.mark.slow
@needs_chapter
def test_a_loop_that_ignores_interrupts_is_killed_at_the_cell_limit(chapter):
    """The cell's limit kills the kernel (an interrupt would be ignored); the notebook's own,
    much longer, limit is never reached."""
    e1 = list(chapter.exercises)[0]
    deaf = (
        "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    print(1)\n"
    )
    answers = {**chapter.template.reference, e1: deaf}
    results = {
        ex_id: S.decide(e)
        for ex_id, e in R.grade(chapter.template, answers, cell_timeout=10, limit=600).items()
    }
    assert results[e1].status == S.TIMEOUT and results[e1].points == 0
    assert results[e1].detail == "still running after the 10 s limit"
    for ex_id, result in results.items():
        if ex_id != e1:
            assert result.status == S.PASSED, result


@pytest.mark.slow
def test_nbval_run_ignores_a_conftest_beside_the_notebook(tmp_path):
    work, meta = tmp_path / "nb", tmp_path / "meta"
    for folder in ("nb", "meta", "box/work", "box/home", "box/ipc"):
        (tmp_path / folder).mkdir(parents=True)
    sandbox.write_kernelspec(meta / "jupyter", tmp_path, 2048, 120, unsafe=sandbox.bwrap() is None)
    cells = [nbformat.v4.new_code_cell("assert 1 == 2, 'a wrong answer'")]
    nbformat.write(nbformat.v4.new_notebook(cells=cells), work / "notebook.ipynb")
    (work / "conftest.py").write_text(CONFTEST)  # makes every test pass, if loaded
    (meta / "pytest.ini").write_text("[pytest]\n")
    cells = meta / "cells.jsonl"
    cmd = R.nbval_command(work / "notebook.ipynb", cells, meta / "pytest.ini", 30)
    env = R._environment(tmp_path)
    R.subprocess.run(cmd, cwd=work, env=env, capture_output=True, timeout=120)
    assert report.read(cells)[0].outcome == "failed"
    cmd.remove("--noconftest")  # the control: without it, the planted conftest wins
    R.subprocess.run(cmd, cwd=work, env=env, capture_output=True, timeout=120)
    assert report.read(cells)[0].outcome == "passed"


def test_grading_refuses_without_bubblewrap(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sandbox, "bwrap", lambda: None)
    with pytest.raises(R.GraderError, match="--unsafe-no-sandbox"):
        R.Isolation()
    assert R.Isolation(sandbox=False).sandbox is False
    book, submissions, out = toy_class(tmp_path, ["ann"])
    assert main(["grade", str(book), str(submissions), "--out", str(out)]) == 2
    assert "bubblewrap (bwrap) is not installed" in capsys.readouterr().err
    assert not (out / "gradebook.csv").exists()


def test_isolation_rejects_a_tiny_memory_limit():
    with pytest.raises(ValueError, match="memory_mib must be an integer ≥ 256, got 10"):
        R.Isolation(sandbox=False, memory_mib=10)
