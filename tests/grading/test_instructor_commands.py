"""The instructor's three commands, end to end, on a fresh copy of the repository.

The copy holds exactly the files git tracks (no ``_build/``, ``release/`` or ``grades/``
left over from earlier runs); it borrows this checkout's environment, so that the test
does not spend a minute installing it again (``make -o`` keeps make from rebuilding it).
"""

import csv
import os
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest

from course_utils.grading import notebook as N
from course_utils.grading import sandbox
from course_utils.grading import status as S

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("git") is None, reason="git is needed to list the files"),
    pytest.mark.skipif(not (ROOT / ".git").exists(), reason="not a git checkout"),
]


def fresh_copy(dest):
    """Copy the files git tracks (as they are in the working tree) into ``dest``."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                           check=True).stdout.decode().split("\0")  # fmt: skip
    for name in filter(None, files):
        if (ROOT / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, dest / name)
    (dest / ".venv").symlink_to(ROOT / ".venv")
    return dest


def make(repo, *args):
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("MAKEFLAGS", None)
    done = subprocess.run(["make", "-o", ".venv/.installed", *args], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=3600)  # fmt: skip
    assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]
    return done.stdout + done.stderr


@pytest.mark.skipif(sandbox.bwrap() is None, reason="make grade needs bubblewrap")
def test_release_student_book_and_grade_on_a_fresh_copy(tmp_path):
    repo = fresh_copy(tmp_path / "repo")
    out = make(repo, "release")
    assert "all exercises are valid" in out
    released = sorted(p.name for p in (repo / "release").glob("*.ipynb"))
    assert released == sorted(p.name for p in (repo / "book").glob("*.ipynb"))

    out = make(repo, "student-book")
    assert "no solution text found" in out
    assert (repo / "_build" / "student" / "html" / "index.html").is_file()

    # one student: the released chapter 3 with the reference answers in, the rest missing
    name = "03_gradient_descent.ipynb"
    instructor, _ = N.read_notebook(repo / "book" / name)
    template = N.make_template(instructor)
    student, _ = N.read_notebook(repo / "release" / name)
    for cell in student.cells:
        if N.is_answer(cell):
            cell.source = template.reference[N.grading(cell)["id"]]
    (repo / "submissions" / "ada").mkdir(parents=True)
    nbformat.write(student, repo / "submissions" / "ada" / name)
    make(repo, "grade", "JOBS=1")
    with (repo / "grades" / "gradebook.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    mine = {r["exercise"]: (r["points"], r["status"]) for r in rows if r["notebook"] == name}
    assert mine == {
        "3.1": ("3", S.PASSED),
        "3.2": ("2", S.PASSED),
        "3.3": ("2", S.PASSED),
        "3.4": ("3", S.PASSED),
    }
    others = {r["status"] for r in rows if r["notebook"] != name}
    assert others == {S.MISSING_NOTEBOOK}
    assert (repo / "grades" / ".gradebook.sha256").is_file()
