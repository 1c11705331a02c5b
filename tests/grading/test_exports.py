"""The totals as Canvas and Moodle import them (``course_utils.grading.exports``)."""

import csv
import io

from course_utils.grading import exports
from course_utils.grading import gradebook as G


def _rows():
    def row(student, notebook, exercise, points, best):
        return {"student": student, "notebook": notebook, "exercise": exercise,
                "points": points, "max_points": best, "status": "passed", "detail": ""}  # fmt: skip

    return [row("ann", "01_a.ipynb", "1.1", 2, 3), row("ann", "01_a.ipynb", "1.2", 2, 2),
            row("ann", "02_b.ipynb", "2.1", 0.5, 1), row("=bob", "01_a.ipynb", "1.1", 3, 3),
            row("=bob", "01_a.ipynb", "1.2", 0, 2)]  # fmt: skip


def _read(text):
    return list(csv.reader(io.StringIO(text)))


def test_canvas_has_its_documented_columns_and_a_points_possible_row():
    table = _read(exports.canvas(_rows()))
    # Canvas Instructor Guide, "How do I import grades in the Gradebook?": Student, ID,
    # SIS User ID, SIS Login ID, Section, then the assignments
    assert table[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                        "Downhill 01_a", "Downhill 02_b", "Downhill total"]  # fmt: skip
    assert table[1] == ["Points Possible", "", "", "", "", "5", "1", "6"]
    assert table[2] == ["'=bob", "", "", "'=bob", "", "3", "0", "3"]  # quoted as a formula
    assert table[3] == ["ann", "", "", "ann", "", "4", "0.5", "4.5"]
    assert len(table) == 4


def test_moodle_has_a_user_column_and_one_per_grade_item():
    table = _read(exports.moodle(_rows()))
    assert table[0] == ["Username", "Downhill 01_a", "Downhill 02_b", "Downhill total"]
    assert table[1:] == [["'=bob", "3", "0", "3"], ["ann", "4", "0.5", "4.5"]]


def test_make_grade_writes_them_beside_the_totals(tmp_path):
    gradebook = G.Gradebook(tmp_path)
    gradebook.add(_rows())
    gradebook.write()
    assert (tmp_path / "canvas.csv").read_text() == exports.canvas(gradebook.rows)
    assert (tmp_path / "moodle.csv").read_text() == exports.moodle(gradebook.rows)
    totals = {r["student"]: r["points"] for r in csv.DictReader((tmp_path / "totals.csv").open())}
    moodle = {r["Username"]: r["Downhill total"]
              for r in csv.DictReader(io.StringIO(exports.moodle(gradebook.rows)))}  # fmt: skip
    assert totals == moodle
