"""Students' copies of the book's chapters, built from the instructor's notebook: the
reference answers, wrong ones, stuck ones; and a toy notebook for tests without a kernel."""

import ast
import textwrap
from pathlib import Path

import nbformat
import pytest

from course_utils.grading import book as B
from course_utils.grading import gradebook as G
from course_utils.grading import notebook as N

ROOT = Path(__file__).resolve().parents[2]
BOOK = ROOT / "book"


def _chapters():
    found = []
    for path in sorted(BOOK.glob("0*.ipynb")):
        try:
            chapter = G.Chapter(path)
        except Exception:  # a chapter being written may be unreadable for a moment
            continue
        if len(chapter.exercises) >= 2 and not B.structure_problems(chapter.nb, path.name):
            found.append(chapter)
    return found


CHAPTERS = _chapters()
needs_chapter = pytest.mark.skipif(not CHAPTERS, reason="no chapter with two exercises yet")


def released(chapter):
    return B.release_notebook(chapter.nb)


def answer_index(nb, ex_id):
    return next(i for i, c in enumerate(nb.cells) if N.is_answer(c) and N.grading(c)["id"] == ex_id)


def filled(chapter, changes=None):
    """The student copy with the reference answers in, then ``changes[id] = source``."""
    nb = released(chapter)
    answers = {**chapter.template.reference, **(changes or {})}
    for ex_id, text in answers.items():
        nb.cells[answer_index(nb, ex_id)].source = text
    return nb


def defined_names(text):
    """(functions, values) bound at the top level of an answer."""
    functions, values = [], []
    for node in ast.parse(text).body:
        if isinstance(node, ast.FunctionDef):
            functions.append(node.name)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                values += [n.id for n in ast.walk(target) if isinstance(n, ast.Name)]
    return functions, values


_PERTURB = """
def _perturbed(x):
    import numpy as _np
    if isinstance(x, bool):
        return not x
    if isinstance(x, int):
        return x + 1
    if isinstance(x, float | _np.floating):
        return 1.5 * x + 1.0
    if isinstance(x, _np.ndarray) and x.dtype.kind in "iu":
        return x + 1
    if isinstance(x, _np.ndarray) and x.dtype.kind == "f":
        return 1.5 * x + 1.0
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return type(x)(*[_perturbed(v) for v in x])
    if isinstance(x, tuple | list):
        return type(x)(_perturbed(v) for v in x)
    if isinstance(x, str):
        return x + "?"
    return x
"""


def wrong(text):
    """The reference answer with every value it defines (or returns) changed: wrong."""
    functions, values = defined_names(text)
    lines = [text, _PERTURB]
    lines += [f"{f} = (lambda _f: lambda *a, **k: _perturbed(_f(*a, **k)))({f})" for f in functions]
    lines += [f"{v} = _perturbed({v})" for v in values]
    return "\n".join(lines)


def looping(text):
    """The reference answer, but its functions (or the cell itself) never return."""
    functions, _ = defined_names(text)
    spin = "def _spin(*a, **k):\n    while True:\n        pass\n"
    if not functions:
        return text + "\n" + spin + "_spin()\n"
    return "\n".join([text, spin] + [f"{f} = _spin" for f in functions])


def grade(chapter, submissions, out, cell_timeout):
    """Grade the copies in ``submissions`` against ``chapter`` (two at a time) into ``out``,
    with the instructor's notebook in ``out``'s sibling ``book/``: ``{student: {id: row}}``."""
    book = out.parent / "book"
    book.mkdir()
    nbformat.write(chapter.nb, book / chapter.name)
    _, failures = G.grade_class(book, submissions, out, cell_timeout=cell_timeout, jobs=2,
                                log=lambda m: None)  # fmt: skip
    assert failures == []
    rows = {}
    for row in G.Gradebook(out).rows:  # read back as a resume does ('=eve' is =eve)
        rows.setdefault(row["student"], {})[row["exercise"]] = row
    return rows


def save(nb, folder, name):
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / name)


def toy_notebook():
    code, md = nbformat.v4.new_code_cell, nbformat.v4.new_markdown_cell
    cells = [
        code("print('colab')", metadata={"tags": ["remove-cell"]}),
        md("# Toy"),
        code(
            "from course_utils.chapters.ch01_error_surfaces import checks as ch01",
            metadata={"tags": ["setup"]},
        ),
        code("slow_figure()"),
        md("## Exercises\n\n### Exercise 1.1: the answer (3 points)\n\nDo it. A hidden check "
           "adds 1 point."),
        code("### BEGIN SOLUTION\nanswer_value = 41 + 1\n### END SOLUTION",
             metadata={"tags": ["answer"], "grading": {"id": "1.1"}}),
        code("ch01.check_answer(answer_value)",
             metadata={"tags": ["check"], "grading": {"id": "1.1", "points": 2}},
             outputs=[nbformat.v4.new_output("stream", text="answer_value = 41 + 1\n")]),
        code("ch01.check_answer_strictly(answer_value)",
             metadata={"tags": ["check", "hidden", "remove-cell"],
                       "grading": {"id": "1.1", "points": 1}}),
        code("helper = 1"),
        md("## Summary\n\n- done"),
        code("print('not graded')"),
    ]  # fmt: skip
    return nbformat.v4.new_notebook(cells=cells)


def toy_class(tmp_path, students):
    book = tmp_path / "book"
    book.mkdir()
    nbformat.write(toy_notebook(), book / "01_toy.ipynb")
    for student in students:
        (tmp_path / "submissions" / student).mkdir(parents=True)
    return book, tmp_path / "submissions", tmp_path / "grades"


CONFTEST = textwrap.dedent("""
    import pytest

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(item, call):
        outcome = yield
        outcome.get_result().outcome = "passed"
""")
