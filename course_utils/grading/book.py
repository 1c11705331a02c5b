"""The instructor's side of the book: validate the exercises, release the student copies,
find solution text in what students see (the student edition of the book is built by
:mod:`course_utils.grading.editions`).
"""

import re
from html import unescape
from pathlib import Path

import nbformat

from course_utils.grading import checks
from course_utils.grading import notebook as N
from course_utils.grading import run as R
from course_utils.grading import status as S
from course_utils.grading.status import number


class LeakError(RuntimeError):
    """Solution text survived where students can see it."""


def notebooks(book):
    """The notebooks of folder ``book``, sorted by name."""
    return sorted(p for p in Path(book).glob("*.ipynb") if not p.name.startswith("."))


# --- validate ---------------------------------------------------------------------------------
def structure_problems(nb, name=""):
    """What breaks the exercise conventions in ``nb`` (a list of sentences)."""
    problems, answers = [], {}
    section = set(N.exercise_section(nb))
    number = name[:2].lstrip("0") if name[:2].isdigit() else None
    for i, cell in enumerate(nb.cells):
        text, meta, tags = N.source(cell), N.grading(cell), N.tags(cell)
        where = f"cell {i}"
        if (N.BEGIN in text or N.END in text) and not N.is_answer(cell):
            problems.append(f"{where}: solution markers in a cell not tagged 'answer'")
        if not (N.is_answer(cell) or N.is_check(cell)):
            continue
        ex_id = str(meta.get("id", ""))
        if not ex_id:
            problems.append(f"{where}: no grading id in its metadata")
            continue
        where = f"{where} ({'answer' if N.is_answer(cell) else 'check'} {ex_id})"
        if number and not ex_id.startswith(f"{number}."):
            problems.append(f"{where}: the id should start with the chapter number {number}.")
        if i not in section:
            problems.append(f"{where}: outside the section from '## Exercises' to '## Summary'")
        if N.is_answer(cell):
            if ex_id in answers:
                problems.append(f"{where}: a second answer cell with this id")
            answers.setdefault(ex_id, i)
            try:
                blocks = N.solution_blocks(text)
            except N.MarkerError as exc:
                problems.append(f"{where}: {exc}")
                continue
            if not blocks:
                problems.append(f"{where}: no {N.BEGIN} / {N.END} block")
            problems += [f"{where}: {p}" for p in _stub_problems(N.strip_solution(text, ex_id))]
        else:
            points = meta.get("points")
            if not isinstance(points, int | float) or isinstance(points, bool) or points <= 0:
                problems.append(f"{where}: points must be a positive number, got {points!r}")
            markers = (set(tags) & N.NBVAL_TAGS) | set(N.NBVAL_MARKER.findall(text))
            if markers:
                problems.append(f"{where}: carries an nbval skip/exception marker")
            if N.checker_call(text) is None:
                problems.append(f"{where}: a check cell must be one call of a checker, "
                                "chNN.check_…(…), which the grader can replay")  # fmt: skip
    exercises = N.find_exercises(nb)
    announced = N.heading_points(nb)
    for ex_id, ex in exercises.items():
        if ex.answer is None:
            problems.append(f"checks of {ex_id} have no answer cell")
        elif not ex.checks:
            problems.append(f"answer {ex_id} has no check cell")
        elif ex_id not in announced:
            problems.append(f"exercise {ex_id} has no heading '### Exercise {ex_id}: … "
                            "(N points)'")  # fmt: skip
        elif announced[ex_id] != ex.max_points:
            problems.append(f"the heading of {ex_id} announces {S.number(announced[ex_id])} "
                            f"points, its checks are worth {S.number(ex.max_points)} "
                            "(visible and hidden)")  # fmt: skip
        elif any(hidden for _, _, hidden in ex.checks) and not re.search(
            r"\bhidden checks?\b", N.exercise_text(nb, ex_id, ex.answer)
        ):
            problems.append(f"the text of {ex_id} does not say what its hidden checks add "
                            "(a sentence with the words 'hidden check')")  # fmt: skip
    if exercises and not N.setup_cells(nb):
        problems.append("no setup cell (tag 'setup', or a cell that imports course_utils)")
    return problems


def _stub_problems(text):
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        compile(TransformerManager().transform_cell(text), "<answer>", "exec")
    except SyntaxError as exc:
        return [f"with its solution stripped it is not valid Python ({exc.msg}, line {exc.lineno})"]
    return []


def validate(book, cell_timeout=120.0, run=True, log=print):
    """Check every notebook of ``book``; return the number of problems found.

    Structure first (ids, markers, points, tags); then, unless ``run`` is False, the
    graded notebook runs twice: with the reference solutions every check must pass,
    and with the stubs (an untouched student copy) none may.
    """
    total = 0
    for path in notebooks(book):
        try:
            nb, _ = N.read_notebook(path)
        except N.InvalidNotebook as exc:
            log(f"{path.name}: {exc}")
            total += 1
            continue
        problems = structure_problems(nb, path.name)
        template = N.make_template(nb, hidden=checks.instructor_modules(book))
        if run and template.exercises and not problems:
            problems += _run_problems(template, cell_timeout)
        for problem in problems:
            log(f"{path.name}: {problem}")
        if not problems and template.exercises:
            points = sum(ex.max_points for ex in template.exercises.values())
            log(f"{path.name}: {len(template.exercises)} exercises, {number(points)} points: ok")
        total += len(problems)
    return total


def _run_problems(template, cell_timeout):
    problems = []
    try:
        solved = R.grade(template, template.reference, cell_timeout)
        stubbed = R.grade(template, {}, cell_timeout)
    except R.GraderError as exc:
        return [str(exc)]
    for ex_id, evidence in solved.items():
        _, status, detail = S.decide(evidence)
        if status != S.PASSED:
            problems.append(f"the reference answer to {ex_id} does not pass its checks "
                            f"({status}: {detail})")  # fmt: skip
    for ex_id, evidence in stubbed.items():
        points = S.decide(evidence).points
        if points:
            problems.append(f"an untouched copy earns {points} points on {ex_id}")
    return problems


# --- release ----------------------------------------------------------------------------------
def release_notebook(nb):
    """The student copy of ``nb``; raises :class:`LeakError` if solution text survives."""
    out = N.release(nb)
    leaks = N.leaked_lines(N.secret_lines(nb), N.text_lines(out))
    if leaks:
        raise LeakError("solution text survives the release: " + "; ".join(leaks[:5]))
    return out


def release(book, dest, log=print):
    """Write the student copy of every notebook of ``book`` into ``dest``."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for path in notebooks(book):
        nb, _ = N.read_notebook(path)
        try:
            out = release_notebook(nb)
        except (LeakError, N.MarkerError) as exc:
            raise LeakError(f"{path.name}: {exc}") from None
        nbformat.write(out, dest / path.name)
        n = len(N.find_exercises(out))
        log(f"{dest / path.name}: {n} exercises" if n else f"{dest / path.name}")
        written.append(dest / path.name)
    return written


# --- leaks ------------------------------------------------------------------------------------
def find_leaks(folder, solutions):
    """``"file: line"`` for each solution line (or marker) found in the files of ``folder``."""
    wanted = set(solutions) | {N.BEGIN, N.END}
    leaks = []
    for path in sorted(Path(folder).rglob("*")):
        if not path.is_file() or path.suffix not in {
            ".html",
            ".ipynb",
            ".txt",
            ".md",
            ".py",
            ".js",
        }:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix == ".html":
            text = unescape(_TAG.sub("", text))
        elif path.suffix == ".ipynb":
            try:
                text = "\n".join(N.text_lines(nbformat.reads(text, as_version=4)))
            except Exception:  # not a notebook after all: search the raw text
                pass
        found = wanted & {line.strip() for line in text.splitlines()}
        leaks += [f"{path.relative_to(folder)}: {line}" for line in sorted(found)]
    return leaks


_TAG = re.compile(r"<[^>]*>")
