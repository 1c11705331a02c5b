"""Releasing and grading the book's exercises (``course_utils.grading``).

The scenario tests take a real chapter of ``book/``, build one student folder per
way of handing in (right, wrong, untouched, cheating, crashing, broken…) from the
instructor's notebook, grade them all in one run, and assert each exercise's points
and status in the gradebook. The expected points come from the instructor's check
cells: full marks for an exercise answered with the reference solution, none for one
that is wrong, unanswered, stuck or crashed.
"""

import ast
import copy
import csv
import json
import os
import re
import textwrap
from pathlib import Path

import nbformat
import pytest
from nbval.plugin import find_comment_markers

from course_utils.grading import book as B
from course_utils.grading import gradebook as G
from course_utils.grading import notebook as N
from course_utils.grading import run as R
from course_utils.grading import status as S
from course_utils.grading.__main__ import main
from course_utils.grading.scan import scan

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


@pytest.fixture(scope="module")
def chapter():
    if not CHAPTERS:
        pytest.skip("no chapter with two exercises in book/ yet")
    return CHAPTERS[0]


# --- building students' copies ----------------------------------------------------------------
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


def save(nb, folder, name):
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / name)


def build_class(chapter, root):
    """One folder per scenario; returns ``{student: {exercise: (points, status)}}``."""
    name, ids = chapter.name, list(chapter.exercises)
    e1, e2 = ids[0], ids[1]
    ref = chapter.template.reference
    full = {i: (G.number(chapter.exercises[i].max_points), S.PASSED) for i in ids}
    expect = {}

    def student(who, nb, changes=None, filename=name):
        save(nb, root / who, filename)
        expect[who] = {**full, **(changes or {})}

    student("correct", filled(chapter))
    expect["untouched"] = {i: (0, S.UNANSWERED) for i in ids}
    save(released(chapter), root / "untouched", name)
    student("wrong", filled(chapter, {e1: wrong(ref[e1])}), {e1: (0, S.FAILED)})

    nb = filled(chapter, {e1: wrong(ref[e1])})  # wrong, but "re-run" with faked outputs
    for i, cell in enumerate(nb.cells):
        if N.is_code(cell):
            cell.execution_count = i + 1
            if N.is_check(cell):
                cell.outputs = [nbformat.v4.new_output("stream", text="✓ all right.\n")]
    student("wrong_saved", nb, {e1: (0, S.FAILED)})

    nb = filled(chapter, {e1: wrong(ref[e1])})
    for cell in nb.cells:
        if N.is_code(cell):
            cell.outputs, cell.execution_count = [], None
    student("wrong_cleared", nb, {e1: (0, S.FAILED)})

    nb = filled(chapter, {e1: wrong(ref[e1])})
    for cell in nb.cells:
        if N.is_check(cell) and N.grading(cell)["id"] == e1:
            cell.source = 'print("✓ right answer.")'
    student("check_edited", nb, {e1: (0, S.FAILED)})

    nb = filled(chapter, {e1: wrong(ref[e1])})
    nb.cells = [c for c in nb.cells if not (N.is_check(c) and N.grading(c)["id"] == e1)]
    student("check_deleted", nb, {e1: (0, S.FAILED)})

    nb = filled(chapter, {e2: wrong(ref[e2])})
    for cell in nb.cells:
        if N.is_check(cell):
            cell.metadata["grading"]["points"] = 100
    student("points_changed", nb, {e2: (0, S.FAILED)})

    student("conftest", filled(chapter, {e1: wrong(ref[e1])}), {e1: (0, S.FAILED)})
    (root / "conftest" / "conftest.py").write_text(CONFTEST)
    module = re.search(r"ch\d\d", " ".join(sorted(chapter.protected))).group(0)
    package = next((ROOT / "course_utils" / "chapters").glob(f"{module}_*")).name
    fake = root / "conftest" / "course_utils" / "chapters" / package
    fake.mkdir(parents=True)
    for folder in (fake, fake.parent, fake.parent.parent):
        (folder / "__init__.py").write_text("")
    (fake / "checks.py").write_text("def __getattr__(name):\n    return lambda *a, **k: None\n")

    detail_timeout = {e1: (0, S.TIMEOUT)}
    student("infinite_loop", filled(chapter, {e1: looping(ref[e1])}), detail_timeout)
    crash = ref[e2] + "\nimport os\n\nos._exit(1)\n"
    student("os_exit", filled(chapter, {e2: crash}), {e2: (0, S.CRASHED)})
    student("raises", filled(chapter, {e1: "raise ValueError('oops')\n" + ref[e1]}),
            {e1: (0, S.ERROR)})  # fmt: skip

    (root / "invalid_json").mkdir()
    text = json.dumps(filled(chapter))
    (root / "invalid_json" / name).write_text(text[: len(text) // 2])
    expect["invalid_json"] = {i: (0, S.INVALID_NOTEBOOK) for i in ids}

    (root / "missing").mkdir()
    (root / "missing" / "notes.txt").write_text("I forgot to upload it")
    expect["missing"] = {i: (0, S.MISSING_NOTEBOOK) for i in ids}

    nb = filled(chapter)
    at = answer_index(nb, e1)
    nb.cells.insert(at, nbformat.v4.new_markdown_cell("My working:"))
    nb.cells.insert(at + 1, nbformat.v4.new_code_cell("scratch = 1 / 0  # a scratch cell"))
    nb.cells.append(nbformat.v4.new_code_cell("print('the end')"))
    student("extra_cells", nb)

    noisy = "import sys\nimport warnings\n\nprint('debugging…', file=sys.stderr)\n"
    noisy += "warnings.warn('a warning from my answer')\nprint('a stray print')\n"
    student("stderr", filled(chapter, {i: noisy + ref[i] for i in ids}))

    nb = filled(chapter)
    (root / "nbformat3").mkdir()
    (root / "nbformat3" / name).write_text(nbformat.writes(nbformat.convert(nb, 3), version=3))
    expect["nbformat3"] = full

    nb = filled(chapter)
    del nb.cells[answer_index(nb, e1)]
    student("answer_deleted", nb, {e1: (0, S.MISSING_ANSWER)})

    nb = filled(chapter)
    stub = copy.deepcopy(nb.cells[answer_index(nb, e1)])
    stub.source, stub.id = chapter.template.stubs[e1], "a-copied-cell"
    nb.cells.insert(answer_index(nb, e1), stub)  # the stub above the answer: the last one counts
    student("answer_duplicated", nb, {e1: (full[e1][0], S.DUPLICATE_ANSWER)})

    student("renamed", filled(chapter), {i: (full[i][0], S.RENAMED) for i in ids},
            filename=f"Copy of {name}")  # fmt: skip

    cheat = f"for _n in dir({module}):\n    if _n.startswith('check'):\n"
    cheat += f"        setattr({module}, _n, lambda *a, **k: print('✓'))\n"
    # the patched checkers pass everything after it: all of those exercises need a look
    cheats = {i: wrong(ref[i]) + ("\n" + cheat if i == e1 else "") for i in ids}
    student("monkeypatch", filled(chapter, cheats), {i: (full[i][0], S.REVIEW) for i in ids})
    student("syntax_error", filled(chapter, {e1: "def broken(:\n    pass\n"}), {e1: (0, S.ERROR)})
    return expect


CONFTEST = textwrap.dedent("""
    import pytest

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(item, call):
        outcome = yield
        outcome.get_result().outcome = "passed"
""")


@pytest.fixture(scope="module")
def graded(chapter, tmp_path_factory):
    """Grade the whole class once: ``(expected, {student: {exercise: row}}, out)``."""
    root = tmp_path_factory.mktemp("grading")
    expect = build_class(chapter, root / "submissions")
    book = root / "book"
    book.mkdir()
    nbformat.write(chapter.nb, book / chapter.name)
    out = root / "grades"
    graded, failures = G.grade_class(book, root / "submissions", out, cell_timeout=15, jobs=2,
                                     log=lambda m: None)  # fmt: skip
    assert failures == []
    rows = {}
    with (out / "gradebook.csv").open(newline="") as f:
        for row in csv.DictReader(f):
            rows.setdefault(row["student"], {})[row["exercise"]] = row
    return expect, rows, out


SCENARIOS = ["correct", "untouched", "wrong", "wrong_saved", "wrong_cleared", "check_edited",
             "check_deleted", "points_changed", "conftest", "infinite_loop", "os_exit", "raises",
             "invalid_json", "missing", "extra_cells", "stderr", "nbformat3", "answer_deleted",
             "answer_duplicated", "renamed", "monkeypatch", "syntax_error"]  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("student", SCENARIOS)
def test_scenario_gets_exactly_its_points(graded, student):
    expect, rows, _ = graded
    got = {ex: (float(r["points"]), r["status"]) for ex, r in rows[student].items()}
    want = {ex: (float(points), status) for ex, (points, status) in expect[student].items()}
    assert got == want, {ex: r["detail"] for ex, r in rows[student].items()}


@pytest.mark.slow
def test_details_say_what_happened(graded, chapter):
    _, rows, out = graded
    e1, e2 = list(chapter.exercises)[:2]
    assert "expected" in rows["wrong"][e1]["detail"]
    assert rows["correct"][e1]["detail"].startswith("✓")
    assert "limit" in rows["infinite_loop"][e1]["detail"]
    assert "kernel died" in rows["os_exit"][e2]["detail"]
    assert "os._exit" in rows["os_exit"][e2]["detail"]  # the review note stays in the detail
    assert "ValueError: oops" in rows["raises"][e1]["detail"]
    assert "not valid JSON" in rows["invalid_json"][e1]["detail"]
    assert "converted from nbformat 3" in rows["nbformat3"][e1]["detail"]
    assert f"graded Copy of {chapter.name}" in rows["renamed"][e1]["detail"]
    assert "setattr" in rows["monkeypatch"][e1]["detail"]
    assert f"after the suspicious code of {e1}" in rows["monkeypatch"][e2]["detail"]
    assert "SyntaxError" in rows["syntax_error"][e1]["detail"]
    assert (
        "outcome: failed" in rows["answer_duplicated"][e1]["detail"]
        or "outcome: passed" in (rows["answer_duplicated"][e1]["detail"])
    )
    with (out / "totals.csv").open(newline="") as f:
        totals = {
            r["student"]: (float(r["points"]), float(r["max_points"])) for r in csv.DictReader(f)
        }
    best = sum(ex.max_points for ex in chapter.exercises.values())
    assert totals["correct"] == (best, best)
    assert totals["missing"] == (0, best)
    assert totals["wrong"] == (best - chapter.exercises[e1].max_points, best)
    feedback = (out / "feedback" / "wrong.md").read_text()
    assert f"## {chapter.name}" in feedback and "expected" in feedback
    assert set(p.stem for p in (out / "feedback").glob("*.md")) == set(SCENARIOS)


@pytest.mark.slow
def test_a_rerun_grades_only_what_is_new(graded, chapter, tmp_path):
    expect, rows, out = graded
    work = tmp_path / "grades"
    work.mkdir()
    for name in ("gradebook.csv", "totals.csv"):
        (work / name).write_bytes((out / name).read_bytes())
    submissions = tmp_path / "submissions"
    (submissions / "late").mkdir(parents=True)  # only this student is new: no kernel needed
    book = tmp_path / "book"
    book.mkdir()
    nbformat.write(chapter.nb, book / chapter.name)
    for student in SCENARIOS:
        (submissions / student).mkdir()
    graded_now, _ = G.grade_class(book, submissions, work, cell_timeout=10, log=lambda m: None)
    assert graded_now == 1
    with (work / "gradebook.csv").open(newline="") as f:
        students = {r["student"] for r in csv.DictReader(f)}
    assert students == set(SCENARIOS) | {"late"}


# --- one notebook, by hand --------------------------------------------------------------------
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


@pytest.mark.slow
@needs_chapter
def test_a_loop_that_ignores_interrupts_is_cut_by_the_notebook_limit(chapter):
    e1 = list(chapter.exercises)[0]
    deaf = (
        "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    print(1)\n"
    )
    answers = {**chapter.template.reference, e1: deaf}
    results = R.grade(chapter.template, answers, cell_timeout=10, limit=30)
    assert results[e1].status == S.TIMEOUT and results[e1].points == 0
    for ex_id, result in results.items():
        if ex_id != e1:
            assert result.status == S.PASSED, result


@pytest.mark.slow
def test_nbval_run_ignores_a_conftest_beside_the_notebook(tmp_path):
    work, meta = tmp_path / "work", tmp_path / "meta"
    work.mkdir()
    meta.mkdir()
    cells = [nbformat.v4.new_code_cell("assert 1 == 2, 'a wrong answer'")]
    nbformat.write(nbformat.v4.new_notebook(cells=cells), work / "notebook.ipynb")
    (work / "conftest.py").write_text(CONFTEST)  # makes every test pass, if loaded
    (meta / "pytest.ini").write_text("[pytest]\n")
    junit = meta / "junit.xml"
    cmd = R.nbval_command(work / "notebook.ipynb", junit, meta / "pytest.ini", 30)
    env = R._environment()
    R.subprocess.run(cmd, cwd=work, env=env, capture_output=True, timeout=120)
    assert R.parse_junit(junit)[0].outcome == "failed"
    cmd.remove("--noconftest")  # the control: without it, the planted conftest wins
    R.subprocess.run(cmd, cwd=work, env=env, capture_output=True, timeout=120)
    assert R.parse_junit(junit)[0].outcome == "passed"


@pytest.mark.slow
@needs_chapter
def test_student_edition_has_no_solution_text(tmp_path):
    out = B.build_student_book(ROOT, tmp_path / "student", execute=False, log=lambda m: None)
    solutions = N.secret_lines(*(c.nb for c in CHAPTERS))
    assert B.find_leaks(out, solutions) == []
    page = (out / "book" / f"{CHAPTERS[0].path.stem}.html").read_text()
    assert "NotImplementedError" in page
    downloads = list(out.rglob("*.ipynb"))
    assert downloads, "the book offers its notebooks for download"


def test_leaks_are_found_in_highlighted_html(tmp_path):
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    secret = "v = beta * v + g"
    html = highlight(f"def f(v, g, beta):\n    {secret}\n", PythonLexer(), HtmlFormatter())
    assert secret not in html  # spans and escapes split it up
    (tmp_path / "page.html").write_text(html)
    assert B.find_leaks(tmp_path, {secret}) == [f"page.html: {secret}"]


# --- notebook surgery -------------------------------------------------------------------------
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


def _toy_notebook():
    code, md = nbformat.v4.new_code_cell, nbformat.v4.new_markdown_cell
    cells = [
        code("print('colab')", metadata={"tags": ["remove-cell"]}),
        md("# Toy"),
        code(
            "from course_utils.chapters.ch01_error_surfaces import checks as ch01",
            metadata={"tags": ["setup"]},
        ),
        code("slow_figure()"),
        md("## Exercises\n\nDo it."),
        code("### BEGIN SOLUTION\nanswer_value = 41 + 1\n### END SOLUTION",
             metadata={"tags": ["answer"], "grading": {"id": "1.1"}}),
        code("check(answer_value)",
             metadata={"tags": ["check"], "grading": {"id": "1.1", "points": 2}},
             outputs=[nbformat.v4.new_output("stream", text="answer_value = 41 + 1\n")]),
        code("strict(answer_value)", metadata={"tags": ["check", "hidden", "remove-cell"],
                                               "grading": {"id": "1.1", "points": 1}}),
        code("helper = 1"),
        md("## Summary\n\n- done"),
        code("print('not graded')"),
    ]  # fmt: skip
    return nbformat.v4.new_notebook(cells=cells)


def test_release_strips_solutions_hides_checks_and_locks_them():
    nb = _toy_notebook()
    out = B.release_notebook(nb)
    sources = [N.source(c) for c in out.cells]
    assert not any("41 + 1" in s for s in sources)
    assert not any("strict(" in s for s in sources)  # the hidden check is gone
    check = next(c for c in out.cells if N.is_check(c))
    assert check.metadata["editable"] is False and check.metadata["deletable"] is False
    assert all(c.get("outputs", []) == [] for c in out.cells)
    assert "answer_value = 41 + 1" in N.source(nb.cells[5])  # the original is untouched


def test_release_shows_the_stub_where_the_solution_was_folded():
    nb = _toy_notebook()
    nb.cells[5].metadata["jupyter"] = {"source_hidden": True, "outputs_hidden": False}
    out = B.release_notebook(nb)
    answer = next(c for c in out.cells if N.is_answer(c))
    assert "NotImplementedError" in N.source(answer)
    assert answer.metadata["jupyter"] == {"outputs_hidden": False}  # only the folding goes
    assert nb.cells[5].metadata["jupyter"]["source_hidden"] is True  # the original keeps it


def test_release_refuses_to_leak_a_solution_line():
    nb = _toy_notebook()
    nb.cells.append(
        nbformat.v4.new_markdown_cell("Hint: `answer_value = 41 + 1`\n\nanswer_value = 41 + 1")
    )
    with pytest.raises(B.LeakError, match="answer_value = 41"):
        B.release_notebook(nb)


def test_release_writes_every_notebook(tmp_path):
    book, dest = tmp_path / "book", tmp_path / "release"
    book.mkdir()
    nbformat.write(_toy_notebook(), book / "01_toy.ipynb")
    assert main(["release", str(book), str(dest)]) == 0
    assert (dest / "01_toy.ipynb").exists()
    nb = _toy_notebook()
    nb.cells[5].source = "### BEGIN SOLUTION\nanswer_value = 42\n"  # never closed
    nbformat.write(nb, book / "01_toy.ipynb")
    assert main(["release", str(book), str(dest)]) == 1


def test_template_keeps_setup_and_exercise_section_only():
    template = N.make_template(_toy_notebook())
    assert [r.kind for r in template.roles] == ["setup", "answer", "check", "check", "other"]
    assert template.roles[4].exercise == "1.1"
    assert template.exercises["1.1"].max_points == 3
    markers = "# NBVAL_SKIP\n  #NBVAL_RAISES_EXCEPTION\n## NBVAL_CHECK_OUTPUT"
    built = template.build({"1.1": "answer_value = 1\n" + markers})
    assert len(list(find_comment_markers(markers))) == 3  # nbval obeys them as written…
    assert list(find_comment_markers(built.cells[1].source)) == []  # …not once neutralised
    assert built.cells[1].source.startswith("answer_value = 1\n")
    assert "NotImplementedError" in template.build({}).cells[1].source
    visible = N.make_template(_toy_notebook(), visible_only=True)
    assert visible.exercises["1.1"].max_points == 2


def test_setup_falls_back_to_the_first_cell_importing_course_utils():
    nb = _toy_notebook()
    del nb.cells[2].metadata["tags"]
    nb.cells.insert(1, nbformat.v4.new_code_cell("import os"))
    assert N.setup_cells(nb) == [3]


def test_structure_problems_are_named():
    nb = _toy_notebook()
    assert B.structure_problems(nb, "01_toy.ipynb") == []
    nb.cells[6].metadata["tags"].append("raises-exception")
    nb.cells[7].metadata["grading"]["points"] = 0
    nb.cells[5].metadata["grading"]["id"] = "2.1"
    text = "\n".join(B.structure_problems(nb, "01_toy.ipynb"))
    assert "nbval skip/exception marker" in text
    assert "points must be a positive number" in text
    assert "chapter number 1" in text
    assert "have no answer cell" in text


def test_student_answers_are_found_by_id():
    nb = B.release_notebook(_toy_notebook())
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
    (tmp_path / "old.ipynb").write_text(nbformat.writes(nbformat.convert(_toy_notebook(), 3), 3))
    nb, notes = N.read_notebook(tmp_path / "old.ipynb")
    assert notes == ["converted from nbformat 3"] and N.student_answers(nb)


# --- the review scan --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("ip = get_ipython()", "get_ipython"),
        ("import sys\nsys.modules['x'] = None", "sys.modules"),
        ("import builtins\nbuiltins.print = len", "builtins"),
        ("import os\nos._exit(0)", "os._exit"),
        ("import ctypes", "ctypes"),
        ("!pip install cheat", "shell escape"),
        ("%load_ext autoreload", "magic"),
        ("ch01.check_central_gradient = print", "changes ch01"),
        ("setattr(ch01, 'check_x', print)", "setattr on ch01"),
        (
            "import course_utils.chapters.ch01_error_surfaces.checks as c\nc.check_x = print",
            "changes c",
        ),
        ("exec('x = 1')", "exec"),
        ("# NBVAL_SKIP\nx = 1", "nbval marker"),
    ],
)
def test_scan_flags_reaching_for_the_machinery(text, fragment):
    findings = scan(text, protected={"ch01", "course_utils"})
    assert any(fragment in f for f in findings), findings


def test_scan_leaves_ordinary_answers_alone():
    text = "def grad(w):\n    g = np.zeros_like(w)\n    g[0] = 2 * w[0]\n    return g\n"
    assert scan(text, protected={"ch01"}) == []


# --- reading pytest's results -----------------------------------------------------------------
def test_exception_is_read_from_an_ipython_traceback():
    report = (
        "Notebook cell execution failed\nCell 3: Cell execution caused an exception\n\n"
        "Input:\ncheck(x)\n\nTraceback:\n\n\x1b[31m-----\x1b[39m\n"
        "\x1b[31mExerciseError\x1b[39m          Traceback (most recent call last)\n"
        "Cell In[1], line 1\n----> 1 check(x)\n\n"
        "\x1b[31mExerciseError\x1b[39m: x is not right yet.\n  expected: 1\n  got:      2\n"
    )
    assert R.exception_of(report) == (
        "ExerciseError",
        "x is not right yet.\n  expected: 1\n  got:      2",
    )
    timeout = "Notebook cell execution failed\nCell 5: Timeout of 4 seconds exceeded executing cell"
    assert R.exception_of(timeout) == (None, "Timeout of 4 seconds exceeded executing cell")


def test_junit_cases_map_to_code_cells(tmp_path):
    xml = tmp_path / "junit.xml"
    xml.write_text(
        '<testsuites><testsuite name="pytest">'
        '<testcase classname="notebook.ipynb" name="Cell 0" />'
        '<testcase classname="notebook.ipynb" name="Cell 1"><failure message="m">'
        "#x1B[31mValueError#x1B[39m: bad</failure></testcase>"
        '<testcase classname="notebook.ipynb" name="Cell 2"><properties>'
        '<property name="stdout" value="✓ fine" /><property name="kernel_died" value="0.50" />'
        "</properties></testcase>"
        '<testcase classname="notebook.ipynb" name="Cell 3"><skipped type="pytest.xfail" '
        'message="Previous cell timed out" /></testcase>'
        "</testsuite></testsuites>"
    )
    cells = R.parse_junit(xml)
    assert [cells[i].outcome for i in range(4)] == ["passed", "failed", "passed", "xfail"]
    assert cells[1].exception == ("ValueError", "bad")
    assert cells[2].stdout == "✓ fine" and cells[2].kernel_died == 0.5


# --- the class gradebook, without a kernel ----------------------------------------------------
def _toy_class(tmp_path, students):
    book = tmp_path / "book"
    book.mkdir()
    nbformat.write(_toy_notebook(), book / "01_toy.ipynb")
    for student in students:
        (tmp_path / "submissions" / student).mkdir(parents=True)
    return book, tmp_path / "submissions", tmp_path / "grades"


def test_an_interrupted_run_keeps_its_finished_rows(tmp_path, monkeypatch):
    book, submissions, out = _toy_class(tmp_path, ["ann", "bob", "cy"])
    calls, interrupted = [], []
    real = G.grade_copy

    def grade_copy(student, *args):
        calls.append(student)
        if student == "bob" and not interrupted:
            interrupted.append(student)
            raise KeyboardInterrupt
        return real(student, *args)

    monkeypatch.setattr(G, "grade_copy", grade_copy)
    with pytest.raises(KeyboardInterrupt):
        G.grade_class(book, submissions, out, jobs=1, log=lambda m: None)
    with (out / "gradebook.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["student"], r["status"], r["max_points"]) for r in rows] == [
        ("ann", S.MISSING_NOTEBOOK, "3")
    ]
    calls.clear()
    graded, _ = G.grade_class(book, submissions, out, jobs=1, log=lambda m: None)
    assert calls == ["bob", "cy"] and graded == 2  # ann was not graded again
    graded, _ = G.grade_class(book, submissions, out, jobs=1, fresh=True, log=lambda m: None)
    assert graded == 3
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


def test_a_grader_failure_is_reported_not_recorded(tmp_path, monkeypatch):
    book, submissions, out = _toy_class(tmp_path, ["ann"])

    def grade_copy(*args):
        raise R.GraderError("the setup cell failed: ImportError")

    monkeypatch.setattr(G, "grade_copy", grade_copy)
    graded, failures = G.grade_class(book, submissions, out, log=lambda m: None)
    assert graded == 0 and failures == [
        ("ann", "01_toy.ipynb", "the setup cell failed: ImportError")
    ]
    assert (out / "gradebook.csv").read_text().strip() == ",".join(G.FIELDS)


# --- the command line -------------------------------------------------------------------------
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
        ["student-book", "--root", "no/such/repo"],
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


def test_the_real_book_follows_the_conventions(tmp_path):
    lines = []
    assert B.validate(BOOK, run=False, log=lines.append) == 0, lines
    if CHAPTERS:
        written = B.release(BOOK, tmp_path, log=lambda m: None)
        solutions = N.secret_lines(*(c.nb for c in CHAPTERS))
        assert B.find_leaks(tmp_path, solutions) == []
        assert {p.name for p in written} >= {c.name for c in CHAPTERS}


def test_makefile_has_the_instructor_targets():
    makefile = (ROOT / "Makefile").read_text()
    for target in ("release:", "grade:", "student-book:"):
        assert re.search(rf"^{target}", makefile, re.M), target
    assert os.path.exists(ROOT / "benchmarks" / "grading.py")
