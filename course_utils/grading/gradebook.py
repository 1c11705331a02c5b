"""Grade a class: every student's copy of every chapter, into a gradebook that survives.

``submissions/<student>/<notebook name>.ipynb`` is graded against the instructor's
notebook of the same name. The gradebook (``gradebook.csv``, one row per student,
notebook and exercise), the totals and the per-student feedback are rewritten
atomically after each notebook, so an interrupted run keeps every finished row, and a
re-run skips the (student, notebook) pairs already there.
"""

import csv
import io
import os
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from course_utils.grading import notebook as N
from course_utils.grading import run as R
from course_utils.grading import status as S
from course_utils.grading.scan import imported_names, scan

FIELDS = ["student", "notebook", "exercise", "points", "max_points", "status", "detail"]


class Chapter:
    """An instructor's notebook with exercises, ready to grade copies of."""

    def __init__(self, path):
        self.path, self.name = Path(path), Path(path).name
        self.nb, _ = N.read_notebook(self.path)
        self.template = N.make_template(self.nb)
        self.exercises = self.template.exercises
        setup = [self.nb.cells[i] for i in N.setup_cells(self.nb)]
        self.protected = set().union(
            *(imported_names(N.source(c)) for c in setup), {"course_utils"}
        )


def load_chapters(book):
    """The notebooks of ``book`` (a folder) that have exercises, by name."""
    chapters = []
    for path in sorted(Path(book).glob("*.ipynb")):
        try:
            chapters.append(Chapter(path))
        except N.InvalidNotebook as exc:
            raise ValueError(f"instructor notebook {path}: {exc}") from None
    return [c for c in chapters if c.exercises]


def number(x):
    """Points as written in the gradebook: ``3`` rather than ``3.0``."""
    x = round(float(x), 3)
    return int(x) if x == int(x) else x


def _rows(student, chapter, status, detail, points=None):
    return [
        {"student": student, "notebook": chapter.name, "exercise": ex.id,
         "points": number(0 if points is None else points[ex.id]),
         "max_points": number(ex.max_points), "status": status, "detail": detail}
        for ex in chapter.exercises.values()
    ]  # fmt: skip


def locate(folder, chapter, names):
    """``(path, renamed)`` of the student's copy of ``chapter`` in ``folder``, or ``(None, False)``.

    A notebook whose name matches no chapter (``names``) but whose grading ids are
    this chapter's counts as a renamed copy (the best match wins).
    """
    exact = folder / chapter.name
    if exact.is_file():
        return exact, False
    best, best_overlap = None, 0
    for path in sorted(folder.glob("*.ipynb")):
        if path.name in names:
            continue
        try:
            nb, _ = N.read_notebook(path)
        except N.InvalidNotebook:
            continue
        overlap = len(set(N.student_answers(nb)) & set(chapter.exercises))
        if overlap > best_overlap:
            best, best_overlap = path, overlap
    return best, best is not None


def grade_copy(student, folder, chapter, names, cell_timeout=30.0, limit=None):
    """The gradebook rows of one student's copy of one chapter.

    Raises :class:`~course_utils.grading.run.GraderError` when the grader fails for a
    reason that is not the student's (nothing is recorded then; a re-run retries).
    """
    path, renamed = locate(folder, chapter, names)
    if path is None:
        return _rows(student, chapter, S.MISSING_NOTEBOOK, f"no {chapter.name} in {folder.name}/")
    try:
        nb, notes = N.read_notebook(path)
    except N.InvalidNotebook as exc:
        return _rows(student, chapter, S.INVALID_NOTEBOOK, f"{path.name}: {exc}")
    found = N.student_answers(nb)
    answers = {ex_id: sources[-1] for ex_id, sources in found.items()}
    results = R.grade(chapter.template, answers, cell_timeout, limit)
    if renamed:
        notes.append(f"graded {path.name} in place of {chapter.name}")
    rows, tainted = [], None
    for ex_id, ex in chapter.exercises.items():
        result, flags = results[ex_id], []
        if ex_id not in found:
            status, points = S.MISSING_ANSWER, 0
            detail = f"no answer cell with id {ex_id} (deleted?): graded as unanswered"
        else:
            findings = scan(found[ex_id][-1], chapter.protected)
            if findings:
                flags.append((S.REVIEW, "suspicious code: " + ", ".join(findings)))
            elif tainted:  # its checks ran after that code, which may have changed them
                flags.append((S.REVIEW, f"checked after the suspicious code of {tainted}"))
            if findings and result.status not in S.KEEPS_STATUS:  # (else it was stubbed)
                tainted = tainted or ex_id
            if len(found[ex_id]) > 1:
                flags.append(
                    (S.DUPLICATE_ANSWER, f"{len(found[ex_id])} answer cells with id {ex_id}; "
                     "the last one was graded")
                )  # fmt: skip
            if renamed:
                flags.append((S.RENAMED, ""))
            status, points, detail = result.status, result.points, result.detail
            if flags and status not in S.KEEPS_STATUS:
                outcome = f"outcome: {status} ({number(points)}/{number(ex.max_points)})"
                detail = outcome + (f": {detail}" if detail else "")
                status = flags[0][0]
            detail = "; ".join([note for _, note in flags if note] + ([detail] if detail else []))
        detail = "; ".join(notes + ([detail] if detail else []))
        rows.append(
            {"student": student, "notebook": chapter.name, "exercise": ex_id,
             "points": number(points), "max_points": number(ex.max_points),
             "status": status, "detail": detail}
        )  # fmt: skip
    return rows


class Gradebook:
    """``gradebook.csv``, ``totals.csv`` and ``feedback/<student>.md`` in folder ``out``."""

    def __init__(self, out, fresh=False):
        self.out = Path(out)
        self.path = self.out / "gradebook.csv"
        self.rows = []
        if self.path.exists() and not fresh:
            with self.path.open(newline="", encoding="utf-8") as f:
                reader = csv.DictReader(f)
                if reader.fieldnames != FIELDS:
                    raise ValueError(
                        f"{self.path} is not a gradebook (columns {reader.fieldnames})"
                    )
                self.rows = list(reader)

    def pairs(self):
        return {(r["student"], r["notebook"]) for r in self.rows}

    def add(self, rows):
        self.rows.extend(rows)
        self.rows.sort(
            key=lambda r: (r["student"], r["notebook"], N.exercise_id_key(r["exercise"]))
        )

    def write(self, students=()):
        """Rewrite the CSV files and the feedback of ``students``, each atomically."""
        self.out.mkdir(parents=True, exist_ok=True)
        _atomic(self.path, _csv(FIELDS, self.rows))
        totals = {}
        for r in self.rows:
            got, best = totals.get(r["student"], (0.0, 0.0))
            totals[r["student"]] = (got + float(r["points"]), best + float(r["max_points"]))
        lines = [{"student": s, "points": number(p), "max_points": number(m)}
                 for s, (p, m) in sorted(totals.items())]  # fmt: skip
        _atomic(self.out / "totals.csv", _csv(["student", "points", "max_points"], lines))
        for student in students:
            _atomic(self.out / "feedback" / f"{student}.md", self.feedback(student))

    def feedback(self, student):
        """The Markdown feedback of one student: per notebook, per exercise."""
        rows = [r for r in self.rows if r["student"] == student]
        got = sum(float(r["points"]) for r in rows)
        best = sum(float(r["max_points"]) for r in rows)
        text = [f"# Feedback for {student}", "", f"Total: {number(got)} / {number(best)} points."]
        for name in dict.fromkeys(r["notebook"] for r in rows):
            mine = [r for r in rows if r["notebook"] == name]
            p = sum(float(r["points"]) for r in mine)
            m = sum(float(r["max_points"]) for r in mine)
            text += ["", f"## {name}: {number(p)} / {number(m)} points", ""]
            for r in mine:
                text.append(f"- **Exercise {r['exercise']}**: {r['status']}, "
                            f"{r['points']} / {r['max_points']} points")  # fmt: skip
                text += [f"  {part}" for part in r["detail"].split(" | ") if part]
        return "\n".join(text) + "\n"


def _csv(fields, rows):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for row in rows:  # a spreadsheet would run a cell starting with = + - @ as a formula
        row = {k: ("'" + v if isinstance(v, str) and v[:1] in "=+-@" and v else v)
               for k, v in row.items()}  # fmt: skip
        writer.writerow(row)
    return buffer.getvalue()


def _atomic(path, text):
    """Write ``text`` to ``path`` so that readers see the old file or the new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("w", encoding="utf-8", newline="") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def students_in(submissions):
    """The student folders in ``submissions`` (hidden folders are skipped)."""
    return sorted(p for p in Path(submissions).iterdir() if p.is_dir() and p.name[0] not in "._")


def grade_class(book, submissions, out, cell_timeout=30.0, jobs=1, fresh=False, limit=None,
                log=print):  # fmt: skip
    """Grade every student folder in ``submissions`` against the notebooks of ``book``.

    Returns ``(graded, failures)``: the number of notebooks graded in this run and a
    list of ``(student, notebook, reason)`` the grader could not grade (not recorded).
    """
    chapters = load_chapters(book)
    if not chapters:
        raise ValueError(f"{book} holds no notebook with exercises")
    names = {c.name for c in chapters}
    gradebook = Gradebook(out, fresh)
    done = gradebook.pairs()
    folders = students_in(submissions)
    for path in sorted(Path(submissions).iterdir()):
        if not path.is_dir() and not path.name.startswith("."):
            log(f"ignored {path}: submissions/ holds one folder per student")
    tasks = [(f, c) for f in folders for c in chapters if (f.name, c.name) not in done]
    if done:
        log(f"{len(done)} notebooks already in {gradebook.path} (--fresh regrades them): "
            f"{len(tasks)} to grade")  # fmt: skip
    gradebook.write()
    failures, graded = [], 0
    pool = ThreadPoolExecutor(max_workers=jobs)
    try:
        futures = {}
        for folder, chapter in tasks:
            args = (folder.name, folder, chapter, names, cell_timeout, limit)
            futures[pool.submit(_timed, *args)] = (folder.name, chapter.name)
        for future in as_completed(futures):
            student, name = futures[future]
            try:
                rows, seconds = future.result()
            except Exception as exc:  # the grader's failure, not the student's: retry later
                reason = str(exc) if isinstance(exc, R.GraderError) else f"internal error {exc!r}"
                failures.append((student, name, reason))
                log(f"NOT GRADED {student} {name}: {reason}")
                continue
            gradebook.add(rows)
            gradebook.write(students=[student])
            graded += 1
            got = number(sum(r["points"] for r in rows))
            best = number(sum(r["max_points"] for r in rows))
            flags = sorted({r["status"] for r in rows} - {S.PASSED})
            log(f"[{graded + len(failures)}/{len(tasks)}] {student} {name}: {got}/{best} "
                f"{' '.join(flags)} ({seconds:.1f} s)")  # fmt: skip
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        R.kill_all()
        raise
    pool.shutdown()
    return graded, failures


def _timed(*args):
    start = time.perf_counter()
    rows = grade_copy(*args)
    return rows, time.perf_counter() - start
