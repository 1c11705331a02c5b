"""Validating, releasing and finding solution text (``course_utils.grading.book``; the
student edition's build is tested in ``test_editions.py``)."""

import copy

import nbformat
import pytest

from course_utils.grading import book as B
from course_utils.grading import notebook as N

from .students import BOOK, CHAPTERS, answer_index, needs_chapter, toy_notebook, wrong


@pytest.mark.slow
@needs_chapter
def test_validate_runs_solutions_and_stubs(chapter, tmp_path):
    book = tmp_path / "book"
    book.mkdir()
    nbformat.write(chapter.nb, book / chapter.name)
    lines = []
    assert B.validate(book, cell_timeout=60, log=lines.append) == 0, lines
    broken = copy.deepcopy(chapter.nb)
    e1 = list(chapter.exercises)[0]
    broken.cells[answer_index(broken, e1)].source = wrong(chapter.template.reference[e1])
    nbformat.write(broken, book / chapter.name)
    lines = []
    assert B.validate(book, cell_timeout=60, log=lines.append) >= 1
    assert any(f"reference answer to {e1} does not pass" in line for line in lines), lines


def test_leaks_are_found_in_highlighted_html(tmp_path):
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    secret = "v = beta * v + g"
    html = highlight(f"def f(v, g, beta):\n    {secret}\n", PythonLexer(), HtmlFormatter())
    assert secret not in html  # spans and escapes split it up
    (tmp_path / "page.html").write_text(html)
    assert B.find_leaks(tmp_path, {secret}) == [f"page.html: {secret}"]


def test_release_refuses_to_leak_a_solution_line():
    nb = toy_notebook()
    nb.cells.append(
        nbformat.v4.new_markdown_cell("Hint: `answer_value = 41 + 1`\n\nanswer_value = 41 + 1")
    )
    with pytest.raises(B.LeakError, match="answer_value = 41"):
        B.release_notebook(nb)


def test_structure_problems_are_named():
    nb = toy_notebook()
    assert B.structure_problems(nb, "01_toy.ipynb") == []
    nb.cells[6].metadata["tags"].append("raises-exception")
    nb.cells[7].metadata["grading"]["points"] = 0
    nb.cells[5].metadata["grading"]["id"] = "2.1"
    text = "\n".join(B.structure_problems(nb, "01_toy.ipynb"))
    assert "nbval skip/exception marker" in text
    assert "points must be a positive number" in text
    assert "chapter number 1" in text
    assert "have no answer cell" in text


def test_a_heading_announces_what_the_checks_are_worth():
    nb = toy_notebook()
    assert N.heading_points(nb) == {"1.1": 3}  # 2 visible + 1 hidden
    nb.cells[7].metadata["grading"]["points"] = 2  # the hidden check now adds 2
    assert B.structure_problems(nb, "01_toy.ipynb") == [
        "the heading of 1.1 announces 3 points, its checks are worth 4 (visible and hidden)"
    ]
    nb.cells[4].source = "## Exercises\n\n### Exercise 1.1 (half a point)\n\nDo it."
    assert B.structure_problems(nb, "01_toy.ipynb") == [
        "exercise 1.1 has no heading '### Exercise 1.1: … (N points)'"
    ]
    nb.cells[4].source = "### Exercise 1.1: one (1 point)\n\n### Exercise 1.2: x (2.5 points)"
    assert N.heading_points(nb) == {"1.1": 1, "1.2": 2.5}


def test_the_text_of_an_exercise_says_what_its_hidden_checks_add():
    nb = toy_notebook()
    nb.cells[4].source = "## Exercises\n\n### Exercise 1.1: the answer (3 points)\n\nDo it."
    assert B.structure_problems(nb, "01_toy.ipynb") == [
        "the text of 1.1 does not say what its hidden checks add (a sentence with the words "
        "'hidden check')"
    ]
    # the text runs from the heading's cell to the answer, over several Markdown cells
    nb.cells.insert(5, nbformat.v4.new_markdown_cell("At grading a hidden check adds a point."))
    assert B.structure_problems(nb, "01_toy.ipynb") == []
    assert N.exercise_text(nb, "1.1", 6).endswith("hidden check adds a point.")
    assert N.exercise_text(nb, "1.1", 6).startswith("## Exercises")
    # a sentence before the exercise's heading does not count
    nb.cells[5].source = "More text."
    nb.cells[1].source = "# Toy\n\nEach exercise has a hidden check."
    assert len(B.structure_problems(nb, "01_toy.ipynb")) == 1


def test_the_real_book_follows_the_conventions(tmp_path):
    lines = []
    assert B.validate(BOOK, run=False, log=lines.append) == 0, lines
    if CHAPTERS:
        written = B.release(BOOK, tmp_path, log=lambda m: None)
        solutions = N.secret_lines(*(c.nb for c in CHAPTERS))
        assert B.find_leaks(tmp_path, solutions) == []
        assert {p.name for p in written} >= {c.name for c in CHAPTERS}
