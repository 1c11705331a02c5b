"""Students' files read without trusting them (``course_utils.grading.files``)."""

import csv
import io
import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from course_utils.grading import files as F
from course_utils.grading import gradebook as G


def test_names_that_are_not_utf8_or_printable_become_text():
    assert F.shown(os.fsdecode(b"Jos\xe9")) == "Jos\\xe9"
    assert F.shown("Zoë") == "Zoë"
    assert F.shown("a\nb\x00") == "a\\nb\\x00"


@given(st.text())
def test_a_cell_reads_back_exactly_what_was_written(text):
    assert F.from_cell(F.to_cell(text)) == text
    stored = F.to_cell(text)
    assert not stored.startswith(F._FORMULA)  # a spreadsheet runs none of it


def test_formula_prefixes_are_quoted_and_quotes_kept_apart():
    assert F.to_cell("=eve") == "'=eve" and F.from_cell("'=eve") == "=eve"
    assert F.to_cell("'=eve") == "''=eve" and F.from_cell("''=eve") == "'=eve"
    assert F.to_cell("'plain") == "'plain" and F.from_cell("'plain") == "'plain"
    assert F.to_cell("-1 point") == "'-1 point"


def test_file_names_fit_any_file_system():
    long = "x" * 300
    name = F.file_name(long, ".md")
    assert len(name.encode()) <= 200 + 3 and name.endswith(".md")
    assert F.file_name(long) != F.file_name("x" * 299)  # a digest keeps them apart
    assert F.file_name("ann", ".md") == "ann.md"
    assert "/" not in F.file_name("a/b") and not F.file_name(".hidden").startswith(".")


def test_links_out_of_the_folder_are_refused(tmp_path):
    folder, outside = tmp_path / "eve", tmp_path / "book.ipynb"
    folder.mkdir()
    outside.write_text("{}")
    (folder / "01.ipynb").symlink_to(outside)
    with pytest.raises(F.Refused, match="outside the student's folder"):
        F.inside(folder / "01.ipynb", folder)
    (folder / "real.ipynb").write_text("{}")
    (folder / "02.ipynb").symlink_to(folder / "real.ipynb")  # inside: followed
    assert F.inside(folder / "02.ipynb", folder) == (folder / "real.ipynb").resolve()
    (folder / "loop.ipynb").symlink_to(folder / "loop.ipynb")
    with pytest.raises(F.Refused, match="leads nowhere"):
        F.inside(folder / "loop.ipynb", folder)


def test_remove_deletes_a_tree_deeper_than_recursion_and_paths_allow(tmp_path):
    root = tmp_path / "work"
    fd = os.open(tmp_path, os.O_RDONLY)
    os.mkdir("work", dir_fd=fd)
    os.close(fd)
    fd = os.open(root, os.O_RDONLY)
    for _ in range(1500):  # 1500 levels: a path of 3000+ bytes, past Python's recursion
        os.mkdir("dd", dir_fd=fd)
        new = os.open("dd", os.O_RDONLY, dir_fd=fd)
        with open(os.open("f", os.O_WRONLY | os.O_CREAT, dir_fd=fd), "w") as f:
            f.write("x")
        os.close(fd)
        fd = new
    os.symlink(str(tmp_path / "keep"), "link", dir_fd=fd)
    os.close(fd)
    (tmp_path / "keep").mkdir()
    (tmp_path / "keep" / "precious").write_text("y")
    F.remove(root)
    assert not root.exists() and (tmp_path / "keep" / "precious").read_text() == "y"
    F.remove(root)  # gone already: no error


def test_the_gradebook_reads_back_what_it_wrote(tmp_path):
    names = ["=eve", "+bob", "-dan", "@cy", os.fsdecode(b"Jos\xe9"), "x" * 250, 'a,b\n"c"']
    gradebook = G.Gradebook(tmp_path)
    rows = [
        {
            "student": F.shown(n),
            "notebook": "01.ipynb",
            "exercise": "1.1",
            "points": 1,
            "max_points": 2,
            "status": "failed",
            "detail": '=HYPERLINK("x")',
        }
        for n in names
    ]
    gradebook.add(rows)
    gradebook.write(students=[r["student"] for r in rows])
    again = G.Gradebook(tmp_path)
    assert again.pairs() == {(F.shown(n), "01.ipynb") for n in names}
    assert [r["detail"] for r in again.rows] == ['=HYPERLINK("x")'] * len(names)
    text = (tmp_path / "gradebook.csv").read_text()
    for row in csv.reader(io.StringIO(text)):
        assert not any(cell.startswith(F._FORMULA) for cell in row)
    assert len(list((tmp_path / "feedback").iterdir())) == len(names)
