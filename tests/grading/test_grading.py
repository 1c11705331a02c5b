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
import hashlib
import json
import os
import re
import sys
import textwrap
import time
import types
from pathlib import Path

import nbformat
import pytest
from nbval.plugin import find_comment_markers

from course_utils.grading import book as B
from course_utils.grading import gradebook as G
from course_utils.grading import notebook as N
from course_utils.grading import run as R
from course_utils.grading import sandbox
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


def build_class(chapter, root, grades=None):
    """One folder per scenario; returns ``{student: {exercise: (points, status)}}``.

    ``grades``: the folder the gradebook will be written to (the attacks aim at it).
    """
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
    attacks(chapter, student, grades or root.parent / "grades")
    real_files(chapter, root, expect)
    return expect


_CHEAT = """
import course_utils.exercises.{module} as _c
for _n in dir(_c):
    if _n.startswith("check"):
        setattr(_c, _n, lambda *a, **k: print("✓ checked"))
"""


def attacks(chapter, student, grades):
    """Students whose code goes for the grading machinery (each runs in the sandbox)."""
    ids, ref = list(chapter.exercises), chapter.template.reference
    e1, e2 = ids[0], ids[1]
    full = {i: G.number(chapter.exercises[i].max_points) for i in ids}
    module = re.search(r"ch\d\d", " ".join(sorted(chapter.protected))).group(0)
    review_all = {i: (full[i], S.REVIEW) for i in ids}
    # an IPython startup file that would make every check pass in every later kernel
    startup = textwrap.dedent(f"""
        from pathlib import Path
        _d = Path.home() / ".ipython" / "profile_default" / "startup"
        _d.mkdir(parents=True, exist_ok=True)
        (_d / "00-cheat.py").write_text({_CHEAT.format(module=module)!r})
    """)
    student("aa_startup_file", filled(chapter, {e1: ref[e1] + startup}), review_all)
    # two honest students graded after it keep exactly their own points
    student("zz_honest_correct", filled(chapter))
    student("zz_honest_wrong", filled(chapter, {e1: wrong(ref[e1])}), {e1: (0, S.FAILED)})
    # a background process that outlives the kernel and rewrites the gradebook later
    daemon = textwrap.dedent(f"""
        import subprocess, sys
        _code = ("import time, pathlib; time.sleep(4); "
                 "pathlib.Path({str(grades / "gradebook.csv")!r}).write_text('HACKED')")
        subprocess.Popen([sys.executable, "-c", _code], start_new_session=True,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    """)
    student("background_process", filled(chapter, {e1: ref[e1] + daemon}), review_all)
    # a directory planted where the grader's report is expected (pytest's --junitxml)
    plant = textwrap.dedent("""
        import os
        try:
            _args = open(f"/proc/{os.getppid()}/cmdline").read().split("\\0")
            os.makedirs(next(a.split("=", 1)[1] for a in _args if a.startswith("--junitxml=")))
        except Exception:
            pass
    """)
    student("plant_report", filled(chapter, {e1: ref[e1] + plant}), review_all)
    # snooping: the instructor's notebook and hidden checks, other students, the grades
    top = Path(grades).parent
    targets = [str(chapter.path.resolve()), str(ROOT / "instructor" / "checks"), str(grades),
               str(top / "book"), str(top / "submissions")]  # fmt: skip
    hidden = sorted({name for cell in chapter.nb.cells if "hidden" in N.tags(cell)
                     for name in re.findall(r"\.(check_\w+)\(", N.source(cell))})  # fmt: skip
    assert hidden, "the chapter has hidden checks to snoop on"
    snoop = textwrap.dedent(f"""
        import os
        for _p in {targets!r}:
            if os.path.exists(_p):
                raise RuntimeError("could see " + _p)
        from course_utils.exercises import {module} as _m
        if [n for n in {hidden!r} if hasattr(_m, n)]:
            raise RuntimeError("the hidden checks are importable")
    """)
    student("snoop", filled(chapter, {e1: ref[e1] + snoop}), review_all)
    # a write outside the work folder (into the course package): blocked, flagged on e2
    outside = "\nimport course_utils\nopen(course_utils.__path__[0] + '/evil.py', 'w')\n"
    student("write_outside", filled(chapter, {e2: ref[e2] + outside}), {e2: (full[e2], S.REVIEW)})
    student("memory_hog", filled(chapter, {e1: "_x = bytearray(8 * 1024**3)\n" + ref[e1]}),
            {e1: (0, S.ERROR)})  # fmt: skip


def real_files(chapter, root, expect):
    """Students whose files are odd but honest: the answers must still be found."""
    name, ids = chapter.name, list(chapter.exercises)
    full = {i: (G.number(chapter.exercises[i].max_points), S.PASSED) for i in ids}
    (root / "bom").mkdir()
    (root / "bom" / name).write_bytes(b"\xef\xbb\xbf" + nbformat.writes(filled(chapter)).encode())
    expect["bom"] = full
    nb = filled(chapter)  # pasted into a fresh notebook: every cell lost its metadata
    for cell in nb.cells:
        cell.metadata = {}
    save(nb, root / "lost_metadata", name)
    expect["lost_metadata"] = {i: (full[i][0], S.REVIEW) for i in ids}
    stem = Path(name).stem
    save(released(chapter), root / "duplicates", name)  # blank; the work is in "(1)"
    save(filled(chapter), root / "duplicates", f"{stem} (1).ipynb")
    save(released(chapter), root / "duplicates", f"Copy of {name}")
    expect["duplicates"] = {i: (full[i][0], S.REVIEW) for i in ids}
    (root / "latin1").mkdir()
    text = nbformat.writes(filled(chapter, {ids[0]: chapter.template.reference[ids[0]] + "# é\n"}))
    (root / "latin1" / name).write_bytes(text.encode("latin-1", errors="replace"))
    expect["latin1"] = {i: (0, S.INVALID_NOTEBOOK) for i in ids}


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
    out = root / "grades"
    expect = build_class(chapter, root / "submissions", out)
    book = root / "book"
    book.mkdir()
    nbformat.write(chapter.nb, book / chapter.name)
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
             "answer_duplicated", "renamed", "monkeypatch", "syntax_error",
             "aa_startup_file", "zz_honest_correct", "zz_honest_wrong", "background_process",
             "plant_report", "snoop", "write_outside", "memory_hog",
             "bom", "lost_metadata", "duplicates", "latin1"]  # fmt: skip


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
    assert (
        "home folder (.ipython/profile_default/startup/00-cheat.py)"
        in (rows["aa_startup_file"][e1]["detail"])
    )
    assert "runs processes" in rows["background_process"][e1]["detail"]
    assert "reads the process table" in rows["plant_report"][e1]["detail"]
    assert "outcome: passed" in rows["snoop"][e1]["detail"]  # it saw nothing it looked for
    assert "blocked a write outside its work folder" in rows["write_outside"][e2]["detail"]
    assert "MemoryError" in rows["memory_hog"][e1]["detail"]
    assert "lost its grading metadata" in rows["lost_metadata"][e1]["detail"]
    stem = Path(chapter.name).stem
    assert (f"3 candidate files: graded {stem} (1).ipynb" in rows["duplicates"][e1]["detail"]
            and f"{chapter.name} (no answers), Copy of {chapter.name} (no answers)"
            in rows["duplicates"][e1]["detail"])  # fmt: skip
    assert "not UTF-8 text" in rows["latin1"][e1]["detail"]
    feedback = (out / "feedback" / "wrong.md").read_text()
    assert f"## {chapter.name}" in feedback and "expected" in feedback
    assert set(p.stem for p in (out / "feedback").glob("*.md")) == set(SCENARIOS)


@pytest.mark.slow
def test_a_background_process_cannot_touch_the_gradebook(graded):
    _, rows, out = graded
    before = (out / "gradebook.csv").read_bytes()
    time.sleep(6)  # the process would have written after 4 s, had it outlived its sandbox
    after = (out / "gradebook.csv").read_bytes()
    assert after == before and b"HACKED" not in after
    assert (out / ".gradebook.sha256").read_text().strip() == hashlib.sha256(after).hexdigest()


@pytest.mark.slow
def test_a_rerun_grades_only_what_is_new(graded, chapter, tmp_path):
    expect, rows, out = graded
    work = tmp_path / "grades"
    work.mkdir()
    for name in ("gradebook.csv", "totals.csv", ".gradebook.sha256"):
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
    work, meta = tmp_path / "nb", tmp_path / "meta"
    for folder in ("nb", "meta", "box/work", "box/home", "box/ipc"):
        (tmp_path / folder).mkdir(parents=True)
    sandbox.write_kernelspec(meta / "jupyter", tmp_path, 2048, 120, unsafe=sandbox.bwrap() is None)
    cells = [nbformat.v4.new_code_cell("assert 1 == 2, 'a wrong answer'")]
    nbformat.write(nbformat.v4.new_notebook(cells=cells), work / "notebook.ipynb")
    (work / "conftest.py").write_text(CONFTEST)  # makes every test pass, if loaded
    (meta / "pytest.ini").write_text("[pytest]\n")
    junit = meta / "junit.xml"
    cmd = R.nbval_command(work / "notebook.ipynb", junit, meta / "pytest.ini", 30)
    env = R._environment(tmp_path)
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


# --- the sandbox and the grader's own files ---------------------------------------------------
def test_grading_refuses_without_bubblewrap(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sandbox, "bwrap", lambda: None)
    with pytest.raises(R.GraderError, match="--unsafe-no-sandbox"):
        R.Isolation()
    assert R.Isolation(sandbox=False).sandbox is False
    book, submissions, out = _toy_class(tmp_path, ["ann"])
    assert main(["grade", str(book), str(submissions), "--out", str(out)]) == 2
    assert "bubblewrap (bwrap) is not installed" in capsys.readouterr().err
    assert not (out / "gradebook.csv").exists()


def test_isolation_rejects_a_tiny_memory_limit():
    with pytest.raises(ValueError, match="memory_mib must be an integer ≥ 256, got 10"):
        R.Isolation(sandbox=False, memory_mib=10)


@pytest.mark.skipif(sandbox.bwrap() is None, reason="bubblewrap is not installed")
def test_the_sandbox_binds_only_what_the_kernel_needs(tmp_path):
    cmd = sandbox.bwrap_command(tmp_path, 1024)
    bound = {cmd[i + 2] for i, a in enumerate(cmd) if a in ("--bind", "--ro-bind")}
    wanted = {str(p) for p in sandbox.read_only_paths()} | {"/usr", sys.prefix}
    assert bound == wanted | {f"{sandbox.INSIDE}/{name}" for name in ("work", "home", "ipc")}
    assert str(ROOT) not in bound and str(BOOK) not in bound
    for flag in ("--unshare-all", "--unshare-user", "--die-with-parent", "--clearenv"):
        assert flag in cmd
    assert cmd.index("--tmpfs") < min(i for i, a in enumerate(cmd) if a == "--ro-bind")


def test_the_kernel_gets_the_graders_cpu_settings_and_nothing_else(monkeypatch, tmp_path):
    """The test matrix validates under other CPU kernels through the sandbox; no other
    variable of the grader's (a token, say) reaches the student's kernel."""
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Prescott")
    monkeypatch.setenv("NPY_DISABLE_CPU_FEATURES", "X86_V4")
    monkeypatch.setenv("GRADER_TOKEN", "secret")
    env = sandbox.kernel_environment(tmp_path / "home", tmp_path / "tmp")
    assert env["OPENBLAS_CORETYPE"] == "Prescott" and env["NPY_DISABLE_CPU_FEATURES"] == "X86_V4"
    assert "GRADER_TOKEN" not in env and "secret" not in env.values()
    monkeypatch.delenv("OPENBLAS_CORETYPE")
    assert "OPENBLAS_CORETYPE" not in sandbox.kernel_environment(tmp_path, tmp_path)


def test_a_resume_refuses_a_gradebook_it_did_not_write(tmp_path):
    book, submissions, out = _toy_class(tmp_path, ["ann"])
    iso = R.Isolation(sandbox=False)
    G.grade_class(book, submissions, out, log=lambda m: None, isolation=iso)
    text = (out / "gradebook.csv").read_text()
    assert G.grade_class(book, submissions, out, log=lambda m: None, isolation=iso)[0] == 0
    (out / "gradebook.csv").write_text(text.replace(",0,3,", ",3,3,"))  # full marks, by hand
    with pytest.raises(ValueError, match="was changed since the grader wrote it"):
        G.grade_class(book, submissions, out, log=lambda m: None, isolation=iso)
    (out / ".gradebook.sha256").unlink()
    with pytest.raises(ValueError, match="has no checksum beside it"):
        G.grade_class(book, submissions, out, log=lambda m: None, isolation=iso)
    graded, _ = G.grade_class(book, submissions, out, fresh=True, log=lambda m: None,
                              isolation=iso)  # fmt: skip
    assert graded == 1 and (out / "gradebook.csv").read_text() == text


def test_a_byte_order_mark_is_accepted_and_other_encodings_are_explained(tmp_path):
    text = nbformat.writes(_toy_notebook())
    (tmp_path / "bom.ipynb").write_bytes(b"\xef\xbb\xbf" + text.encode())
    nb, notes = N.read_notebook(tmp_path / "bom.ipynb")
    assert notes == [] and list(N.student_answers(nb)) == ["1.1"]
    (tmp_path / "utf16.ipynb").write_bytes(text.encode("utf-16"))
    with pytest.raises(N.InvalidNotebook, match=r"not UTF-8 text \(byte 0xff at position 0\)"):
        N.read_notebook(tmp_path / "utf16.ipynb")


def test_answers_are_recovered_from_cells_that_lost_their_metadata():
    nb = _toy_notebook()
    template = N.make_template(nb, visible_only=True)
    chapter = types.SimpleNamespace(exercises=template.exercises, template=template)
    student = B.release_notebook(nb)
    at = answer_index(student, "1.1")
    student.cells[at].source = "answer_value = 42\n"
    for cell in student.cells:
        cell.metadata = {}
    answers, recovered = G.recover_answers(student, chapter)
    assert answers == {"1.1": ["answer_value = 42\n"]} and recovered == ["1.1"]


def test_several_candidate_files_grade_the_one_with_answers(tmp_path):
    nb = _toy_notebook()
    template = N.make_template(nb, visible_only=True)
    chapter = types.SimpleNamespace(name="01_toy.ipynb", exercises=template.exercises,
                                    template=template)  # fmt: skip
    blank = B.release_notebook(nb)
    worked = copy.deepcopy(blank)
    worked.cells[answer_index(worked, "1.1")].source = "answer_value = 42\n"
    save(blank, tmp_path, "01_toy.ipynb")
    save(worked, tmp_path, "01_toy (1).ipynb")
    save(blank, tmp_path, "Copy of 01_toy.ipynb")
    (tmp_path / "01_toy-Copy1.ipynb").write_text("{ not json")
    (tmp_path / "02_other.ipynb").write_text("{}")  # another chapter's file: not a candidate
    path, got, notes, flags = G.locate(tmp_path, chapter, {"01_toy.ipynb", "02_other.ipynb"})
    assert path.name == "01_toy (1).ipynb" and notes == []
    assert flags == [
        (S.REVIEW, "4 candidate files: graded 01_toy (1).ipynb (1 answered); not graded: "
         "01_toy.ipynb (no answers), 01_toy-Copy1.ipynb (not a notebook), "
         "Copy of 01_toy.ipynb (no answers)"),
        (S.RENAMED, "graded 01_toy (1).ipynb in place of 01_toy.ipynb"),
    ]  # fmt: skip
    assert G.locate(tmp_path / "nothing", chapter, set())[0] is None


def test_hidden_checks_run_last_and_carry_the_instructors_code():
    nb = _toy_notebook()
    hidden_cell = next(c for c in nb.cells if "hidden" in N.tags(c))
    hidden_cell.source = "ch01.check_double_hidden(answer_value)"
    template = N.make_template(nb, hidden={"ch01": "def check_double_hidden(f):\n    pass\n"})
    assert [r.kind for r in template.roles] == ["setup", "answer", "check", "other", "check"]
    assert template.roles[-1].hidden and template.exercises["1.1"].checks == [
        (2, 2, False),
        (4, 1, True),
    ]
    built = template.build({})
    last = built.cells[-1].source
    assert last.startswith("from course_utils.exercises import _hidden as _grader\n")
    assert "_grader.supply('ch01', 'def check_double_hidden(f):\\n    pass\\n')" in last
    assert last.endswith("ch01.check_double_hidden(answer_value)")
    assert all("supply" not in c.source for c in built.cells[:-1])
    assert N.make_template(nb, visible_only=True).build({}).cells[-1].source != last


def test_the_leak_check_flags_only_lines_that_appear_only_in_a_solution():
    nb = _toy_notebook()
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


@pytest.mark.slow
@needs_chapter
def test_a_planted_report_lands_on_its_student_without_the_sandbox(chapter, tmp_path):
    """Without the sandbox the kernel can find the report's path in the process table and
    put a directory there: that exercise gets ``error`` + ``review``, the rest is graded."""
    ids, ref = list(chapter.exercises), chapter.template.reference
    plant = textwrap.dedent("""
        import os
        _args = open(f"/proc/{os.getppid()}/cmdline").read().split("\\0")
        os.makedirs(next(a.split("=", 1)[1] for a in _args if a.startswith("--junitxml=")))
    """)
    save(filled(chapter, {ids[0]: ref[ids[0]] + plant}), tmp_path / "mallory", chapter.name)
    rows = G.grade_copy("mallory", tmp_path / "mallory", chapter, {chapter.name}, 15, None,
                        R.Isolation(sandbox=False))  # fmt: skip
    got = {r["exercise"]: (float(r["points"]), r["status"]) for r in rows}
    assert got == {i: (0.0 if i == ids[0] else float(chapter.exercises[i].max_points), S.REVIEW)
                   for i in ids}  # fmt: skip
    first = rows[0]["detail"]
    assert "report could not be read" in first and "outcome: error (0/" in first
    assert all(f"after the suspicious code of {ids[0]}" in r["detail"] for r in rows[1:])


# --- the prediction exercises, graded end to end ---------------------------------------------
_ESCAPE_RIGHT = """
def escape_steps(x0, lr, mu, radius):
    return math.floor(math.log(radius / abs(x0)) / math.log(1 + lr * mu)) + 1
"""
_ESCAPE_WITHOUT_MU = """
def escape_steps(x0, lr, mu, radius):  # the chapter's 1 + eta, which holds only for mu = 1
    return math.floor(math.log(radius / abs(x0)) / math.log(1 + lr)) + 1
"""
_REACH_RIGHT = """
def exponential_reach(lr, gamma, slope, start):
    return slope * lr * gamma**start / (1 - gamma)
"""
_REACH_FROM_ZERO = """
def exponential_reach(lr, gamma, slope, start):  # forgets that the rate has decayed
    return slope * lr / (1 - gamma)
"""
_REGIME_RIGHT = """
def regime_and_rate(lr, beta, lam):
    a = 1 + beta - lr * lam
    disc = a * a - 4 * beta
    if disc < 0:
        return "oscillating", float(np.sqrt(beta))
    rate = (abs(a) + np.sqrt(disc)) / 2
    if rate >= 1:
        return "divergent", float(rate)
    return ("monotone" if a > 0 else "sign-flipping"), float(rate)
"""
_REGIME_GD = """
def regime_and_rate(lr, beta, lam):  # plain gradient descent's answer: momentum ignored
    h = lr * lam
    if h >= 2:
        return "divergent", abs(1 - h)
    return ("monotone" if h < 1 else "sign-flipping"), abs(1 - h)
"""
PREDICTIONS = {
    "04_learning_rate_and_landscape.ipynb": ("4.4", {
        "right": (_ESCAPE_RIGHT + _REACH_RIGHT, 3, S.PASSED),
        "escape_wrong": (_ESCAPE_WITHOUT_MU + _REACH_RIGHT, 1, S.FAILED),  # 1 of 3 points
        "reach_wrong": (_ESCAPE_RIGHT + _REACH_FROM_ZERO, 2, S.FAILED),  # 2 of 3 points
    }),
    "05_momentum.ipynb": ("5.4", {
        "right": (_REGIME_RIGHT, 3, S.PASSED),
        "gd_rate": (_REGIME_GD, 0, S.FAILED),
    }),
}  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(PREDICTIONS))
def test_prediction_exercises_are_graded_exactly(name, tmp_path):
    chapter = G.Chapter(BOOK / name)
    ex_id, students = PREDICTIONS[name]
    full = {i: (float(G.number(e.max_points)), S.PASSED) for i, e in chapter.exercises.items()}
    assert full[ex_id][0] == 3
    for who, (answer, _, _) in students.items():
        save(filled(chapter, {ex_id: answer}), tmp_path / "submissions" / who, name)
    book = tmp_path / "book"
    book.mkdir()
    nbformat.write(chapter.nb, book / name)
    out = tmp_path / "grades"
    _, failures = G.grade_class(book, tmp_path / "submissions", out, cell_timeout=60, jobs=2,
                                log=lambda m: None)  # fmt: skip
    assert failures == []
    rows = {}
    with (out / "gradebook.csv").open(newline="") as f:
        for row in csv.DictReader(f):
            rows.setdefault(row["student"], {})[row["exercise"]] = row
    for who, (_, points, status) in students.items():
        got = {ex: (float(r["points"]), r["status"]) for ex, r in rows[who].items()}
        assert got == {**full, ex_id: (float(points), status)}, (who, rows[who][ex_id]["detail"])
    # the feedback a student reads names the idea that was missed
    if name.startswith("04"):
        assert "repelling direction" in rows["escape_wrong"][ex_id]["detail"]
    else:
        assert "without momentum" in rows["gd_rate"][ex_id]["detail"]
