"""Notebook surgery: solutions, exercises, the student copy, the graded notebook
(``course_utils.grading.notebook``)."""

import copy

import nbformat
import pytest
from nbval.plugin import find_comment_markers

from course_utils.grading import book as B
from course_utils.grading import notebook as N

from .students import ROOT, answer_index, toy_notebook


def test_strip_solution_keeps_the_code_around_the_block():
    text = "def f(x):\n    y = 2\n    ### BEGIN SOLUTION\n    return x * y\n    ### END SOLUTION\n"
    assert N.strip_solution(text, "3.1") == (
        "def f(x):\n    y = 2\n"
        '    raise NotImplementedError("Replace this line with your answer to exercise 3.1")'
    )
    block = "### BEGIN SOLUTION\n{}\n### END SOLUTION"
    two = block.format("a = 1") + "\nb = 2\n" + block.format("c = 3")
    assert N.strip_solution(two, "1.2").count("NotImplementedError") == 2
    assert "b = 2" in N.strip_solution(two, "1.2") and "c = 3" not in N.strip_solution(two, "1.2")


@pytest.mark.parametrize(
    "text",
    ["### BEGIN SOLUTION\nx = 1\n", "x = 1\n### END SOLUTION\n",
     "### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION\n"],
)  # fmt: skip
def test_unbalanced_markers_are_refused(text):
    with pytest.raises(N.MarkerError):
        N.strip_solution(text)


def test_release_strips_solutions_hides_checks_and_locks_them():
    nb = toy_notebook()
    out = B.release_notebook(nb)
    sources = [N.source(c) for c in out.cells]
    assert not any("41 + 1" in s for s in sources)
    assert not any("strictly(" in s for s in sources)  # the hidden check is gone
    check = next(c for c in out.cells if N.is_check(c))
    assert check.metadata["editable"] is False and check.metadata["deletable"] is False
    assert all(c.get("outputs", []) == [] for c in out.cells)
    assert "answer_value = 41 + 1" in N.source(nb.cells[5])  # the original is untouched


def test_release_shows_the_stub_where_the_solution_was_folded():
    nb = toy_notebook()
    nb.cells[5].metadata["jupyter"] = {"source_hidden": True, "outputs_hidden": False}
    out = B.release_notebook(nb)
    answer = next(c for c in out.cells if N.is_answer(c))
    assert "NotImplementedError" in N.source(answer)
    assert answer.metadata["jupyter"] == {"outputs_hidden": False}  # only the folding goes
    assert nb.cells[5].metadata["jupyter"]["source_hidden"] is True  # the original keeps it


def test_template_keeps_setup_and_exercise_section_only():
    template = N.make_template(toy_notebook())
    # the hidden check runs last, after every answer (it brings the instructor's code)
    assert [r.kind for r in template.roles] == ["setup", "answer", "check", "other", "check"]
    assert template.roles[3].exercise == "1.1" and template.roles[4].hidden
    assert template.exercises["1.1"].max_points == 3
    markers = "# NBVAL_SKIP\n  #NBVAL_RAISES_EXCEPTION\n## NBVAL_CHECK_OUTPUT"
    built = template.build({"1.1": "answer_value = 1\n" + markers})
    assert len(list(find_comment_markers(markers))) == 3  # nbval obeys them as written…
    assert list(find_comment_markers(built.cells[1].source)) == []  # …not once neutralised
    assert built.cells[1].source.startswith("answer_value = 1\n")
    assert "NotImplementedError" in template.build({}).cells[1].source
    visible = N.make_template(toy_notebook(), visible_only=True)
    assert visible.exercises["1.1"].max_points == 2


def test_setup_falls_back_to_the_first_cell_importing_course_utils():
    nb = toy_notebook()
    del nb.cells[2].metadata["tags"]
    nb.cells.insert(1, nbformat.v4.new_code_cell("import os"))
    assert N.setup_cells(nb) == [3]


def test_student_answers_are_found_by_id():
    nb = B.release_notebook(toy_notebook())
    at = answer_index(nb, "1.1")
    nb.cells[at].metadata["tags"] = []  # tags lost: the grading id without points still counts
    nb.cells.append(copy.deepcopy(nb.cells[at]))
    assert list(N.student_answers(nb)) == ["1.1"] and len(N.student_answers(nb)["1.1"]) == 2


def test_invalid_notebooks_are_explained(tmp_path):
    cases = {"half.ipynb": '{"cells": [', "list.ipynb": "[1, 2]", "v9.ipynb": '{"nbformat": 9}'}
    for name, text in cases.items():
        (tmp_path / name).write_text(text)
    with pytest.raises(N.InvalidNotebook, match="not valid JSON"):
        N.read_notebook(tmp_path / "half.ipynb")
    with pytest.raises(N.InvalidNotebook, match="not a notebook"):
        N.read_notebook(tmp_path / "list.ipynb")
    with pytest.raises(N.InvalidNotebook, match="newer"):
        N.read_notebook(tmp_path / "v9.ipynb")
    (tmp_path / "old.ipynb").write_text(nbformat.writes(nbformat.convert(toy_notebook(), 3), 3))
    nb, notes = N.read_notebook(tmp_path / "old.ipynb")
    assert notes == ["converted from nbformat 3"] and N.student_answers(nb)


def test_a_byte_order_mark_is_accepted_and_other_encodings_are_explained(tmp_path):
    text = nbformat.writes(toy_notebook())
    (tmp_path / "bom.ipynb").write_bytes(b"\xef\xbb\xbf" + text.encode())
    nb, notes = N.read_notebook(tmp_path / "bom.ipynb")
    assert notes == [] and list(N.student_answers(nb)) == ["1.1"]
    (tmp_path / "utf16.ipynb").write_bytes(text.encode("utf-16"))
    with pytest.raises(N.InvalidNotebook, match=r"not UTF-8 text \(byte 0xff at position 0\)"):
        N.read_notebook(tmp_path / "utf16.ipynb")


def test_check_cells_become_probes_and_hidden_ones_run_last_with_the_hidden_checks():
    """A graded check cell only calls the checker's inputs in the kernel (``_probe``), with
    placeholders for the values it compares with; a hidden one brings the hidden checks'
    source (inputs and logic), never the reference code or a value."""
    nb = toy_notebook()
    hidden_cell = next(c for c in nb.cells if "hidden" in N.tags(c))
    hidden_cell.source = "ch01.check_double_hidden(answer_value)"
    template = N.make_template(nb, hidden={"ch01": "def check_double_hidden(f):\n    pass\n"})
    assert [r.kind for r in template.roles] == ["setup", "answer", "check", "other", "check"]
    assert template.roles[-1].hidden and template.exercises["1.1"].checks == [
        (2, 2, False),
        (4, 1, True),
    ]
    assert template.roles[2].check == "ch01.check_answer"
    assert template.roles[2].arguments == "_downhill_probe.arguments(answer_value)"
    built = template.build({})
    visible, last = built.cells[2].source, built.cells[-1].source
    assert visible.startswith("import course_utils.exercises._probe as _downhill_probe\n")
    assert "_downhill_probe.run('ch01.check_answer', lambda: " in visible
    assert "source=" not in visible and "def check_double_hidden" not in visible
    assert "'def check_double_hidden(f):\\n    pass\\n'" in last
    assert "'ch01.check_double_hidden'" in last
    # the placeholders have the shape of the stored values, none of their numbers
    assert "1.9999" not in visible and '"rosenbrock_eigenvalues": [NaN, NaN]' in visible
    for text in (visible, last):
        for line in (ROOT / "instructor" / "reference" / "ch01.py").read_text().splitlines():
            assert len(line.strip()) < 20 or line.strip() not in text
    assert N.make_template(nb, visible_only=True).build({}).cells[-1].source != last
    assert N.checker_call("print('✓ right')") is None
    assert N.checker_call("ch01.check_a(x)\nch01.check_b(x)") is None
    assert N.checker_call("ch01.check_a(f, g=2)") == (
        "ch01.check_a",
        "_downhill_probe.arguments(f, g=2)",
    )


def test_the_leak_check_flags_only_lines_that_appear_only_in_a_solution():
    nb = toy_notebook()
    shown = "for _ in range(epochs):"  # also in an earlier example and in course_utils
    nb.cells.insert(1, nbformat.v4.new_code_cell(f"{shown}\n    pass"))
    answer = nb.cells[answer_index(nb, "1.1")]
    answer.source = answer.source.replace("### END", f"{shown}\n    secret_step()\n### END")
    secrets = N.secret_lines(nb)
    assert "secret_step()" in secrets and shown not in secrets
    assert "for _ in range(epochs):" in N.package_lines()
    leaked = copy.deepcopy(nb)
    leaked.cells.append(nbformat.v4.new_markdown_cell("Hint: `secret_step()`\n\nsecret_step()"))
    assert N.leaked_lines(secrets, N.text_lines(N.release(leaked))) == ["secret_step()"]
    with pytest.raises(B.LeakError, match="secret_step()"):
        B.release_notebook(leaked)
    assert B.release_notebook(nb)  # the line shown elsewhere is no leak
