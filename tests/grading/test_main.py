"""The command line, ``python -m course_utils.grading`` (``course_utils.grading.__main__``)."""

import os
import re

import nbformat
import pytest

from course_utils.grading import gradebook as G
from course_utils.grading.__main__ import main

from .students import ROOT, filled, needs_chapter, save, toy_notebook, wrong


@pytest.mark.slow
@needs_chapter
def test_self_check_scores_the_visible_checks(chapter, tmp_path, capsys):
    nb = filled(chapter, {list(chapter.exercises)[0]: wrong(chapter.template.reference[
        list(chapter.exercises)[0]])})  # fmt: skip
    save(nb, tmp_path, chapter.name)
    assert main(["check", str(tmp_path / chapter.name), "--timeout", "20"]) == 1
    out = capsys.readouterr().out
    visible = sum(
        p for ex in chapter.exercises.values() for _, p, hidden in ex.checks if not hidden
    )
    first = chapter.exercises[list(chapter.exercises)[0]]
    lost = sum(p for _, p, hidden in first.checks if not hidden)
    assert f"Score: {G.number(visible - lost)}/{G.number(visible)}" in out
    assert "failed" in out and "expected" in out
    # what each exercise's hidden checks add, so that its heading's total is explained
    hidden = {k: sum(p for _, p, h in ex.checks if h) for k, ex in chapter.exercises.items()}
    for ex_id, more in hidden.items():
        worth = chapter.exercises[ex_id].max_points
        said = f"hidden checks add {G.number(more)} more at grading ({G.number(worth)} in all)"
        assert (said in out) == (more > 0), (ex_id, out)
    total = sum(hidden.values())
    assert total > 0  # chapter 1 has hidden checks, so the last line must say how many
    assert f"Hidden checks add {G.number(total)} more at grading." in out


def test_release_writes_every_notebook(tmp_path):
    book, dest = tmp_path / "book", tmp_path / "release"
    book.mkdir()
    nbformat.write(toy_notebook(), book / "01_toy.ipynb")
    assert main(["release", str(book), str(dest)]) == 0
    assert (dest / "01_toy.ipynb").exists()
    nb = toy_notebook()
    nb.cells[5].source = "### BEGIN SOLUTION\nanswer_value = 42\n"  # never closed
    nbformat.write(nb, book / "01_toy.ipynb")
    assert main(["release", str(book), str(dest)]) == 1


@pytest.mark.parametrize(
    "argv",
    [
        ["grade", "no/such/book", "no/such/subs", "--out", "g"],
        ["grade", ".", ".", "--out", "g", "--jobs", "0"],
        ["grade", ".", ".", "--out", "g", "--jobs", "two"],
        ["grade", ".", ".", "--out", "g", "--timeout", "-1"],
        ["grade", ".", "."],
        ["release", "no/such/book", "release"],
        ["validate", "no/such/book"],
        ["check", "no/such/notebook.ipynb"],
        ["frobnicate"],
    ],
)
def test_bad_arguments_exit_with_code_2_and_a_message(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_grade_refuses_a_book_without_exercises(tmp_path, capsys):
    (tmp_path / "book").mkdir()
    (tmp_path / "subs").mkdir()
    argv = ["grade", str(tmp_path / "book"), str(tmp_path / "subs"), "--out", str(tmp_path / "g")]
    assert main(argv) == 2
    assert "no notebook with exercises" in capsys.readouterr().err


def test_makefile_has_the_instructor_targets():
    makefile = (ROOT / "Makefile").read_text()
    for target in ("release:", "grade:", "student-book:"):
        assert re.search(rf"^{target}", makefile, re.M), target
    assert os.path.exists(ROOT / "benchmarks" / "grading.py")
