"""Grade a class: every student's copy of every chapter, into a gradebook that survives.

``submissions/<student>/<notebook name>.ipynb`` is graded against the instructor's
notebook of the same name. The gradebook (``gradebook.csv``, one row per student,
notebook and exercise), the totals and the per-student feedback are rewritten
atomically after each notebook, so an interrupted run keeps every finished row, and a
re-run skips the (student, notebook) pairs already there.
"""

import csv
import dataclasses
import hashlib
import io
import os
import re
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from course_utils.grading import checks, exports
from course_utils.grading import files as F
from course_utils.grading import notebook as N
from course_utils.grading import run as R
from course_utils.grading import status as S
from course_utils.grading.scan import imported_names, scan
from course_utils.grading.status import number

FIELDS = ["student", "notebook", "exercise", "points", "max_points", "status", "detail"]


class Chapter:
    """An instructor's notebook with exercises, ready to grade copies of."""

    def __init__(self, path):
        self.path, self.name = Path(path), Path(path).name
        self.nb, _ = N.read_notebook(self.path)
        hidden = checks.instructor_modules(self.path.parent)
        self.template = N.make_template(self.nb, hidden=hidden)
        self.exercises = self.template.exercises
        setup = [self.nb.cells[i] for i in N.setup_cells(self.nb)]
        self.protected = set().union(
            *(imported_names(N.source(c)) for c in setup), {"course_utils"}
        )
        self.implemented_by = {  # the course's functions that compute an exercise's answer
            ex_id: tuple(N.grading(self.nb.cells[ex.answer]).get("implemented_by", ()))
            for ex_id, ex in N.find_exercises(self.nb).items()
            if ex.answer is not None
        }


def load_chapters(book):
    """The notebooks of ``book`` (a folder) that have exercises, by name."""
    chapters = []
    for path in sorted(Path(book).glob("*.ipynb")):
        try:
            chapters.append(Chapter(path))
        except N.InvalidNotebook as exc:
            raise ValueError(f"instructor notebook {path}: {exc}") from None
    return [c for c in chapters if c.exercises]


def _row(student, chapter, ex_id, evidence):
    """The gradebook row of one exercise: what :func:`status.decide` makes of ``evidence``."""
    points, status, detail = S.decide(evidence)
    return {"student": student, "notebook": chapter.name, "exercise": ex_id,
            "points": number(points), "max_points": number(evidence.max_points),
            "status": status, "detail": _printable(detail)}  # fmt: skip


def _printable(text):
    """``text`` as the gradebook can hold it: no NUL or other control character, no lone
    surrogate (a name that was not UTF-8)."""
    text = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() else " " for c in text)


def _unrun(student, chapter, status, detail):
    """The rows of a notebook that could not be run: ``status`` for every exercise."""
    return [_row(student, chapter, ex.id, S.Evidence(ex.max_points, missing=(status, detail)))
            for ex in chapter.exercises.values()]  # fmt: skip


_COPY = re.compile(r"^(?:Copy of |Copia de |Kopie von )?(?P<stem>.+?)(?: \(\d+\)|-Copy\d+)?$")


def candidates(folder, chapter, names):
    """The files in ``folder`` that may be the student's copy of ``chapter``, exact name first.

    Those are the exact name, a browser's or a drive's duplicates (``X (1).ipynb``,
    ``Copy of X.ipynb``, Jupyter's ``X-Copy1.ipynb``), and any notebook whose name matches
    no chapter (``names``) but which holds answers to this chapter's exercises.
    """
    stem = Path(chapter.name).stem
    exact = folder / chapter.name
    found = [exact] if exact.is_file() or exact.is_symlink() else []
    for path in sorted(folder.glob("*.ipynb")):
        if path.name in names or not (path.is_file() or path.is_symlink()):
            continue
        match = _COPY.match(path.stem)
        if match and match.group("stem") == stem:
            found.append(path)
            continue
        try:
            nb, _ = N.read_notebook(F.inside(path, folder))
        except (N.InvalidNotebook, F.Refused):
            continue
        if set(N.student_answers(nb)) & set(chapter.exercises):
            found.append(path)
    return found


def locate(folder, chapter, names):
    """``(path, nb, notes, flags)``: the copy of ``chapter`` to grade from ``folder``.

    ``nb`` is None (and ``notes`` says why) for a file that is not a notebook; ``path`` is
    None when there is no candidate. With several candidates, the one that answers the
    most exercises is graded (the exact name wins ties) and ``flags`` names the others.
    """
    found = candidates(folder, chapter, names)
    if not found:
        return None, None, [], []
    read = []
    for path in found:
        try:
            nb, notes = N.read_notebook(F.inside(path, folder))
        except F.Refused as exc:
            read.append((path, None, [str(exc)], -1))
            continue
        except N.InvalidNotebook as exc:
            read.append((path, None, [f"{F.shown(path.name)}: {exc}"], -1))
            continue
        answers, _ = recover_answers(nb, chapter)
        stubs = chapter.template.stubs
        worked = sum(
            1 for k, v in answers.items() if k in stubs and v[-1].strip() != stubs[k].strip()
        )
        read.append((path, nb, notes, worked))
    best = max(read, key=lambda r: r[3])  # the first of equals: the exact name comes first
    path, nb, notes, _ = best
    flags = []
    others = [r for r in read if r is not best]
    if others:
        listed = ", ".join(f"{F.shown(r[0].name)} ({_answered(r[3])})" for r in others)
        flags.append((S.REVIEW, f"{len(read)} candidate files: graded {F.shown(path.name)} "
                      f"({_answered(best[3])}); not graded: {listed}"))  # fmt: skip
    if path.name != chapter.name:
        flags.append((S.RENAMED, f"graded {F.shown(path.name)} in place of {chapter.name}"))
    return path, nb, notes, flags


def _answered(n):
    if n < 0:
        return "not a notebook"
    return "no answers" if n == 0 else f"{n} answered"


def recover_answers(nb, chapter):
    """``({id: [source, ...]}, recovered ids)``: the student's answers, by grading id.

    Cells that lost their metadata (pasted into a fresh notebook, say) are found by the
    release's cells: a code cell that matches a visible check cell of the chapter word
    for word marks that exercise, and its answer is the code cell just above it.
    """
    answers = N.student_answers(nb)
    checks = {}
    for ex_id, ex in chapter.exercises.items():
        for index, _, hidden in ex.checks:
            if not hidden:
                checks.setdefault(N.source(chapter.template.cells[index]).strip(), ex_id)
    recovered = []
    code = [c for c in nb.cells if N.is_code(c) and N.source(c).strip()]
    for i, cell in enumerate(code):
        ex_id = checks.get(N.source(cell).strip())
        if ex_id is None or ex_id in answers or i == 0 or N.grading(cell):
            continue  # (a check that kept its metadata: its answer was deleted, not stripped)
        above = code[i - 1]
        if N.source(above).strip() in checks or N.grading(above).get("id"):
            continue
        answers[ex_id] = [N.source(above)]
        recovered.append(ex_id)
    return answers, recovered


def grade_copy(student, folder, chapter, names, cell_timeout=30.0, limit=None, isolation=None):
    """The gradebook rows of one student's copy of one chapter.

    Raises :class:`~course_utils.grading.run.GraderError` when the grader fails for a
    reason that is not the student's (nothing is recorded then; a re-run retries).
    """
    if Path(folder).is_symlink():
        return _unrun(student, chapter, S.INVALID_NOTEBOOK,
                      "the student's folder is a link to another place (not followed)")  # fmt: skip
    path, nb, notes, file_flags = locate(folder, chapter, names)
    if path is None:
        return _unrun(student, chapter, S.MISSING_NOTEBOOK, f"no {chapter.name} in {student}/")
    if nb is None:
        return _unrun(student, chapter, S.INVALID_NOTEBOOK, "; ".join(notes))
    found, recovered = recover_answers(nb, chapter)
    answers = {ex_id: sources[-1] for ex_id, sources in found.items()}
    findings = {
        ex_id: scan(found[ex_id][-1], chapter.protected, chapter.implemented_by.get(ex_id, ()))
        for ex_id in found
    }
    suspects = [ex_id for ex_id in chapter.exercises if findings.get(ex_id)]
    evidence = R.grade(chapter.template, answers, cell_timeout, limit, isolation, suspects)
    rows, tainted = [], None
    for ex_id in chapter.exercises:
        e, flags = evidence[ex_id], []
        if ex_id not in found:
            e = dataclasses.replace(e, missing=(S.MISSING_ANSWER, f"no answer cell with id "
                                    f"{ex_id} (deleted?): graded as unanswered"))  # fmt: skip
        else:
            if findings[ex_id]:
                flags.append((S.REVIEW, "suspicious code: " + ", ".join(findings[ex_id])))
            elif tainted:  # its checks ran after that code, which may have changed them
                flags.append((S.REVIEW, f"checked after the suspicious code of {tainted}"))
            if findings[ex_id] and not (e.aborted and e.aborted[0] in S.KEEPS_STATUS):
                tainted = tainted or ex_id  # (else it was stubbed: its code did not run)
            flags += [(S.REVIEW, note) for note in e.review]
            if ex_id in recovered:
                flags.append((S.REVIEW, "answer found by matching the released cells: its "
                              "cell had lost its grading metadata"))  # fmt: skip
            if len(found[ex_id]) > 1:
                flags.append(
                    (S.DUPLICATE_ANSWER, f"{len(found[ex_id])} answer cells with id {ex_id}; "
                     "the last one was graded")
                )  # fmt: skip
            flags += file_flags
        e = dataclasses.replace(e, flags=tuple(flags), notes=tuple(notes))
        rows.append(_row(student, chapter, ex_id, e))
    return rows


class Gradebook:
    """``gradebook.csv``, ``totals.csv``, ``canvas.csv``, ``moodle.csv`` (:mod:`exports`) and
    ``feedback/<student>.md`` in folder ``out``."""

    def __init__(self, out, fresh=False):
        self.out = Path(out)
        self.path = self.out / "gradebook.csv"
        self.seal = self.out / ".gradebook.sha256"
        self.rows = []
        if self.path.exists() and not fresh:
            text = self.path.read_bytes()
            sealed = self.seal.read_text().strip() if self.seal.is_file() else None
            if sealed != hashlib.sha256(text).hexdigest():
                why = "has no checksum beside it" if sealed is None else "was changed"
                raise ValueError(
                    f"{self.path} {why} since the grader wrote it: it was not written by "
                    "this grader or was edited, so it is not resumed; --fresh regrades all"
                )
            reader = csv.DictReader(io.StringIO(text.decode("utf-8"), newline=""))
            if reader.fieldnames != FIELDS:
                raise ValueError(f"{self.path} is not a gradebook (columns {reader.fieldnames})")
            self.rows = [{k: F.from_cell(v) for k, v in row.items()} for row in reader]

    def pairs(self):
        return {(r["student"], r["notebook"]) for r in self.rows}

    def add(self, rows):
        self.rows.extend(rows)  # sorted when written

    def write(self, students=()):
        """Rewrite the CSV files and the feedback of ``students``, each atomically."""
        self.out.mkdir(parents=True, exist_ok=True)
        self.rows.sort(
            key=lambda r: (r["student"], r["notebook"], N.exercise_id_key(r["exercise"]))
        )
        text = _csv(FIELDS, self.rows)
        _atomic(self.path, text)
        _atomic(self.seal, hashlib.sha256(text.encode("utf-8")).hexdigest() + "\n")
        totals = {}
        for r in self.rows:
            got, best = totals.get(r["student"], (0.0, 0.0))
            totals[r["student"]] = (got + float(r["points"]), best + float(r["max_points"]))
        lines = [{"student": s, "points": number(p), "max_points": number(m)}
                 for s, (p, m) in sorted(totals.items())]  # fmt: skip
        _atomic(self.out / "totals.csv", _csv(["student", "points", "max_points"], lines))
        _atomic(self.out / "canvas.csv", exports.canvas(self.rows))
        _atomic(self.out / "moodle.csv", exports.moodle(self.rows))
        mine = {}
        for r in self.rows:
            mine.setdefault(r["student"], []).append(r)
        for student in students:
            _atomic(self.out / "feedback" / F.file_name(student, ".md"),
                    self.feedback(student, mine.get(student, [])))  # fmt: skip

    def feedback(self, student, rows=None):
        """The Markdown feedback of one student (``rows``: theirs, if known): per notebook,
        per exercise."""
        if rows is None:
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
        writer.writerow({k: F.to_cell(v) for k, v in row.items()})
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
    """``[(student, folder)]``: the student folders in ``submissions`` (hidden ones skipped),
    each with the name it has in the gradebook (:func:`files.shown`; a name that two
    folders would share gets ``#2``, ``#3``… in their order). A link in place of a folder
    is listed too: :func:`grade_copy` refuses it."""
    out, seen = [], {}
    for path in sorted(Path(submissions).iterdir(), key=lambda p: os.fsencode(p.name)):
        if path.name[0] in "._" or not (path.is_dir() or path.is_symlink()):
            continue
        name = F.shown(path.name)
        seen[name] = seen.get(name, 0) + 1
        out.append((name if seen[name] == 1 else f"{name}#{seen[name]}", path))
    return out


def grade_class(book, submissions, out, cell_timeout=30.0, jobs=1, fresh=False, limit=None,
                log=print, isolation=None, scheduler=None, dask=False):  # fmt: skip
    """Grade every student folder in ``submissions`` against the notebooks of ``book``.

    Every kernel runs under bubblewrap unless ``isolation`` says otherwise. ``jobs``
    notebooks are graded at once, in threads of this process; with ``dask`` (or a
    ``scheduler`` address or client) as tasks of a Dask cluster instead
    (:mod:`~course_utils.grading.cluster`). Returns ``(graded, failures)``: the number of
    notebooks graded in this run and a list of ``(student, notebook, reason)`` the grader
    could not grade (not recorded). Only this process writes the gradebook, after each
    notebook, atomically and with its SHA-256 checksum in ``.gradebook.sha256``; a resume
    refuses a gradebook whose checksum does not match.
    """
    isolation = isolation or R.Isolation()  # refuses when bubblewrap is missing
    chapters = load_chapters(book)
    if not chapters:
        raise ValueError(f"{book} holds no notebook with exercises")
    names = {c.name for c in chapters}
    gradebook = Gradebook(out, fresh)
    done = gradebook.pairs()
    folders = students_in(submissions)
    for path in sorted(Path(submissions).iterdir()):
        if not (path.is_dir() or path.is_symlink()) and not path.name.startswith("."):
            log(f"ignored {F.shown(str(path))}: submissions/ holds one folder per student")
    tasks = [(s, f, c) for s, f in folders for c in chapters if (s, c.name) not in done]
    if done:
        log(f"{len(done)} notebooks already in {gradebook.path} (--fresh regrades them): "
            f"{len(tasks)} to grade")  # fmt: skip
    gradebook.write()
    writes = _Writes(gradebook)
    failures, graded = [], 0
    if dask or scheduler is not None:
        from course_utils.grading import cluster

        results = cluster.run(timed, Chapter, tasks, Path(book).resolve(), names,
                              cell_timeout, limit, isolation, scheduler, jobs)  # fmt: skip
    else:
        results = _threads(tasks, names, cell_timeout, limit, isolation, jobs)
    try:
        for student, name, outcome in results:
            if isinstance(outcome, BaseException):  # the grader's failure: retry later
                exc = outcome
                reason = str(exc) if isinstance(exc, R.GraderError) else f"internal error {exc!r}"
                failures.append((student, name, reason))
                log(f"NOT GRADED {student} {name}: {reason}")
                continue
            rows, seconds = outcome
            gradebook.add(rows)
            writes.after(student)
            graded += 1
            got = number(sum(float(r["points"]) for r in rows))
            best = number(sum(float(r["max_points"]) for r in rows))
            flags = sorted({r["status"] for r in rows} - {S.PASSED})
            log(f"[{graded + len(failures)}/{len(tasks)}] {student} {name}: {got}/{best} "
                f"{' '.join(flags)} ({seconds:.1f} s)")  # fmt: skip
    except BaseException:
        results.close()
        R.kill_all()
        writes.flush()  # what was graded is kept
        raise
    writes.flush()
    return graded, failures


class _Writes:
    """When the coordinator rewrites the gradebook: after each notebook, unless the last
    write was so recent that writing would take more than a tenth of its time. A class's
    first notebooks are written one by one; 70,000 notebooks make a gradebook of 42 MB,
    which takes seconds to write, and then each write holds the notebooks of a while (an
    interruption loses none: :meth:`flush` runs on the way out)."""

    SHARE = 0.1  # at most this share of the coordinator's time goes into writing

    def __init__(self, gradebook):
        self.gradebook, self.pending, self.due = gradebook, [], 0.0

    def after(self, student):
        self.pending.append(student)
        if time.monotonic() >= self.due:
            self.flush()

    def flush(self):
        if not self.pending:
            return
        start = time.monotonic()
        self.gradebook.write(students=list(dict.fromkeys(self.pending)))
        self.pending = []
        end = time.monotonic()
        self.due = end + (end - start) * (1 / self.SHARE - 1)


def _threads(tasks, names, cell_timeout, limit, isolation, jobs):
    """Grade ``tasks`` in ``jobs`` threads of this process; yield as in ``cluster.run``."""
    pool = ThreadPoolExecutor(max_workers=jobs)
    try:
        futures = {}
        for student, folder, chapter in tasks:
            args = (student, folder, chapter, names, cell_timeout, limit, isolation)
            futures[pool.submit(timed, *args)] = (student, chapter.name)
        for future in as_completed(futures):
            student, name = futures[future]
            try:
                yield student, name, future.result()
            except Exception as exc:  # noqa: BLE001 - reported by the coordinator
                yield student, name, exc
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()


def timed(student, folder, chapter, *args):
    """``(rows, seconds)`` of one copy. Whatever goes wrong with the copy itself becomes its
    rows' ``error``; only the grader's own failure (:class:`run.GraderError`) is raised."""
    start = time.perf_counter()
    try:
        rows = grade_copy(student, folder, chapter, *args)
    except R.GraderError:
        raise
    except Exception as exc:  # noqa: BLE001 - the copy broke the grader: that copy's error
        why = f"{type(exc).__name__}: {status_text(exc)}"
        rows = _unrun(student, chapter, S.ERROR, f"the grader could not grade this copy ({why})")
    return rows, time.perf_counter() - start


def status_text(exc):
    return _printable(S.one_line(exc, 300))
