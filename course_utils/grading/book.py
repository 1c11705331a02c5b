"""The instructor's side of the book: validate the exercises, release the student copies,
build the student edition of the book.
"""

import re
import shutil
import subprocess
import sys
import tempfile
from html import unescape
from pathlib import Path

import nbformat
import yaml

from course_utils.exercises import _hidden
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
    exercises = N.find_exercises(nb)
    for ex_id, ex in exercises.items():
        if ex.answer is None:
            problems.append(f"checks of {ex_id} have no answer cell")
        elif not ex.checks:
            problems.append(f"answer {ex_id} has no check cell")
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
        template = N.make_template(nb, hidden=_hidden.sources(book))
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


# --- the student edition of the book ----------------------------------------------------------
def build_student_book(root, out, execute=True, log=print):
    """Build the book from the released notebooks into ``out`` and check it for solutions.

    The source tree is a temporary copy of ``root``'s ``_config.yml``, ``_toc.yml`` and
    ``book/`` (with its Sphinx extensions, ``book/_ext``), every notebook replaced by its
    student copy. With ``execute``, the chapters run at build time (answer and check
    cells may raise there: their errors are allowed and their outputs removed); without
    it, no cell runs.
    Returns the folder of the HTML.
    """
    root, out = Path(root), Path(out).resolve()
    instructor = []
    with tempfile.TemporaryDirectory(prefix="downhill-student-") as tmp:
        src = Path(tmp) / "src"
        shutil.copytree(root / "book", src / "book", ignore=shutil.ignore_patterns("*.ipynb"))
        shutil.copy(root / "_toc.yml", src / "_toc.yml")
        config = yaml.safe_load((root / "_config.yml").read_text())
        config.setdefault("execute", {})["execute_notebooks"] = "force" if execute else "off"
        sphinx = config.get("sphinx", {}).get("config", {})  # paths relative to root, kept
        if "html_extra_path" in sphinx:
            sphinx["html_extra_path"] = [str((root / p).resolve())
                                         for p in sphinx["html_extra_path"]]  # fmt: skip
        (src / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False))
        for path in notebooks(root / "book"):
            nb, _ = N.read_notebook(path)
            instructor.append(nb)
            nbformat.write(_for_the_book(release_notebook(nb)), src / "book" / path.name)
        jb = Path(sys.executable).with_name("jupyter-book")
        if not jb.is_file():
            raise RuntimeError(f"jupyter-book is not installed beside {sys.executable} "
                               "(pip install -r requirements.txt)")  # fmt: skip
        cmd = [str(jb), "build", str(src), "--builder", "html", "--keep-going"]
        log("building the student edition (" + ("executing the chapters" if execute else
            "without executing") + ")…")  # fmt: skip
        done = subprocess.run(cmd, capture_output=True, text=True, errors="replace")
        if done.returncode != 0:
            raise RuntimeError(f"jupyter-book failed:\n{(done.stdout + done.stderr)[-4000:]}")
        if out.exists():
            shutil.rmtree(out)
        shutil.copytree(src / "_build" / "html", out)
    leaks = find_leaks(out, N.secret_lines(*instructor))
    if leaks:
        raise LeakError("solution text in the student edition:\n" + "\n".join(leaks[:20]))
    log(f"student edition: {out / 'index.html'} (no solution text found)")
    return out


def _for_the_book(nb):
    """Tag the cells that raise in a student copy so that the executed book shows no error."""
    for cell in nb.cells:
        if N.is_answer(cell) or N.is_check(cell):
            tags = cell.metadata.setdefault("tags", [])
            tags += [t for t in ("raises-exception", "remove-output") if t not in tags]
    return nb


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
