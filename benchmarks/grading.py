"""How fast grading is: 20 submissions of one chapter, with one and with two jobs.

    .venv/bin/python benchmarks/grading.py [--chapter book/02_….ipynb] [--n 20]

The submissions are built from the instructor's notebook: most answer with the
reference solutions, some hand in the untouched student copy, some break the first
exercise. Each run grades them into an empty gradebook. Target: <= 10 s per notebook,
so that a class of 100 with seven chapters grades in under an hour.
"""

import argparse
import copy
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from course_utils.grading import book as B
from course_utils.grading import notebook as N
from course_utils.grading.gradebook import Chapter, grade_class

ROOT = Path(__file__).resolve().parents[1]


def submissions(chapter, folder, n):
    """``n`` student folders: 3 in 5 correct, 1 in 5 untouched, 1 in 5 with an error."""
    student = B.release_notebook(chapter.nb)
    answers = chapter.template.reference
    first = next(iter(answers))
    for k in range(n):
        nb = copy.deepcopy(student)
        for cell in nb.cells:
            ex_id = N.grading(cell).get("id")
            if N.is_answer(cell) and k % 5 != 3:
                cell.source = answers[ex_id]
                if k % 5 == 4 and ex_id == first:
                    cell.source = "raise ValueError('broken')\n" + cell.source
        (folder / f"student{k:03d}").mkdir(parents=True)
        nbformat.write(nb, folder / f"student{k:03d}" / chapter.name)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chapter", type=Path, default=None, help="an instructor notebook")
    parser.add_argument("--n", type=int, default=20, help="number of submissions")
    parser.add_argument("--timeout", type=float, default=30.0, help="cell time limit, s")
    args = parser.parse_args()
    paths = [args.chapter] if args.chapter else sorted((ROOT / "book").glob("0*.ipynb"))
    chapter = next((c for c in map(Chapter, paths) if c.exercises), None)
    if chapter is None:
        sys.exit("no chapter with exercises in book/")
    print(f"{chapter.name}: {len(chapter.exercises)} exercises, {args.n} submissions")
    print(f"{'jobs':>4s} {'wall s':>8s} {'s per notebook':>15s} {'100 x 7 chapters':>17s}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        book = tmp / "book"
        book.mkdir()
        nbformat.write(chapter.nb, book / chapter.name)
        submissions(chapter, tmp / "submissions", args.n)
        for jobs in (1, 2):
            start = time.perf_counter()
            graded, failures = grade_class(book, tmp / "submissions", tmp / f"grades{jobs}",
                                           args.timeout, jobs, log=lambda m: None)  # fmt: skip
            wall = time.perf_counter() - start
            per = wall / args.n
            print(f"{jobs:4d} {wall:8.1f} {per:15.2f} {700 * per / 60:13.0f} min"
                  + (f"  ({len(failures)} not graded)" if failures else ""))  # fmt: skip


if __name__ == "__main__":
    main()
