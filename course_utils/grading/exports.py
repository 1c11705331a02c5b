"""The totals in the CSV files that learning platforms import: Canvas and Moodle.

``make grade`` writes both beside ``totals.csv``; one column per graded notebook and one
for the course total, one row per student, the student named by the submission folder's
name, which should be the student's login on the platform.

- **Canvas** (Canvas Instructor Guide, "How do I import grades in the Gradebook?"): the
  columns ``Student``, ``ID``, ``SIS User ID``, ``SIS Login ID``, ``Section``, then one
  column per assignment; a second row whose ``Student`` is ``Points Possible`` gives each
  assignment's maximum. Canvas matches a row by ``ID`` (its own user number, which the
  grader does not know: left empty) or by the SIS identifiers: the folder name goes in
  ``SIS Login ID``. A column whose title names no existing assignment becomes a new one.
- **Moodle** (Moodle documentation, "Grade import", CSV file): one column that identifies
  the user, mapped on import to the user field it holds (here ``Username``), and one
  column per grade item, each mapped to an item of the course's gradebook on import.

Text cells that a spreadsheet would run as formulas are quoted as in ``gradebook.csv``.
"""

import csv
import io

from course_utils.grading.files import to_cell

#: The columns Canvas's gradebook import requires, before the assignments', in its order.
CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
CANVAS_POINTS_ROW = "Points Possible"
#: The column that identifies the user in the Moodle file (mapped to "username").
MOODLE_USER = "Username"


def _table(rows):
    """``(students, notebooks, points, best)`` from gradebook rows: points and maxima per
    (student, notebook), and each notebook's maximum."""
    points, best = {}, {}
    for r in rows:
        key = (r["student"], r["notebook"])
        points[key] = points.get(key, 0.0) + float(r["points"])
        best.setdefault(r["notebook"], {}).setdefault(r["student"], 0.0)
        best[r["notebook"]][r["student"]] += float(r["max_points"])
    notebooks = sorted(best)
    maxima = {n: max(best[n].values()) for n in notebooks}
    students = sorted({r["student"] for r in rows})
    return students, notebooks, points, maxima


def _number(x):
    x = round(float(x), 3)
    return str(int(x)) if x == int(x) else str(x)


def _title(notebook):
    return f"Downhill {notebook.removesuffix('.ipynb')}"


def _write(header, lines):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for line in lines:
        writer.writerow([to_cell(x) if isinstance(x, str) else x for x in line])
    return buffer.getvalue()


def canvas(rows):
    """The Canvas gradebook import CSV of the gradebook ``rows``."""
    students, notebooks, points, maxima = _table(rows)
    titles = [_title(n) for n in notebooks] + ["Downhill total"]
    total = sum(maxima.values())
    lines = [[CANVAS_POINTS_ROW, "", "", "", "", *[_number(maxima[n]) for n in notebooks],
              _number(total)]]  # fmt: skip
    for s in students:
        marks = [points.get((s, n), 0.0) for n in notebooks]
        lines.append([s, "", "", s, "", *map(_number, marks), _number(sum(marks))])
    return _write(CANVAS_COLUMNS + titles, lines)


def moodle(rows):
    """The Moodle grade import CSV of the gradebook ``rows``."""
    students, notebooks, points, _ = _table(rows)
    titles = [_title(n) for n in notebooks] + ["Downhill total"]
    lines = []
    for s in students:
        marks = [points.get((s, n), 0.0) for n in notebooks]
        lines.append([s, *map(_number, marks), _number(sum(marks))])
    return _write([MOODLE_USER, *titles], lines)
