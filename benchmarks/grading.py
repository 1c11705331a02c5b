"""How fast grading is, with the bubblewrap sandbox and without it (``--unsafe-no-sandbox``),
and on a Dask cluster.

    .venv/bin/python benchmarks/grading.py [--chapter book/02_….ipynb] [--n 10] [--repeats 3]
    .venv/bin/python benchmarks/grading.py --dask [--n 12] [--repeats 2]

The submissions are built from the instructor's notebook: most answer with the
reference solutions, some hand in the untouched student copy, some break the first
exercise. Each run grades them into an empty gradebook, with one and with two jobs;
the two modes alternate (sandbox, none, sandbox, none, …) so that a busy machine slows
both alike, and the table shows the median of the repeats. Targets: <= 10 s per
notebook (a class of 100 with seven chapters grades in under an hour), and the sandbox
adds at most 20 %.

With ``--dask`` it compares, in the sandbox, notebooks per second of the local threads
(``--jobs 1`` and ``2``) and of a Dask LocalCluster of 1 and 2 single-threaded worker
processes (the cluster started before the clock runs, as a standing cluster would be),
alternating; it prints medians, the spread (min-max) and the time a class of 10,000
students with 7 chapters would take at that rate per worker.
"""

import argparse
import copy
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from course_utils.grading import book as B
from course_utils.grading import notebook as N
from course_utils.grading.gradebook import Chapter, grade_class
from course_utils.grading.run import Isolation

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


def dask_table(chapter, tmp, n, repeats, timeout):
    """Notebooks per second: local threads against Dask workers, in the sandbox."""
    from distributed import Client, LocalCluster

    book = tmp / "book"
    per = {}
    clusters = {w: LocalCluster(n_workers=w, threads_per_worker=1, processes=True,
                                dashboard_address=None) for w in (1, 2)}  # fmt: skip
    clients = {w: Client(c) for w, c in clusters.items()}
    try:
        for run in range(repeats):
            for mode, jobs in (("threads", 1), ("dask", 1), ("threads", 2), ("dask", 2)):
                out = tmp / f"grades-{mode}-{jobs}-{run}"
                scheduler = clients[jobs] if mode == "dask" else None
                start = time.perf_counter()
                _, failures = grade_class(book, tmp / "submissions", out, timeout, jobs,
                                          log=lambda m: None, scheduler=scheduler)  # fmt: skip
                if failures:
                    sys.exit(f"{mode}: {len(failures)} not graded: {failures[0]}")
                per.setdefault((mode, jobs), []).append(n / (time.perf_counter() - start))
    finally:
        for w in clusters:
            clients[w].close()
            clusters[w].close()
    print(f"{'mode':>8s} {'workers':>7s} {'nb/s median':>11s} {'min-max':>13s} "
          f"{'10,000 x 7 on 1 such worker':>28s}")  # fmt: skip
    for (mode, jobs), rates in per.items():
        rate = statistics.median(rates)
        hours = 70_000 / (rate / jobs) / 3600
        print(f"{mode:>8s} {jobs:7d} {rate:11.3f} {min(rates):6.3f}-{max(rates):6.3f} "
              f"{hours:24.0f} h")  # fmt: skip


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chapter", type=Path, default=None, help="an instructor notebook")
    parser.add_argument("--n", type=int, default=10, help="number of submissions")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each mode")
    parser.add_argument("--timeout", type=float, default=30.0, help="cell time limit, s")
    parser.add_argument("--dask", action="store_true", help="threads against Dask workers")
    args = parser.parse_args()
    paths = [args.chapter] if args.chapter else sorted((ROOT / "book").glob("0*.ipynb"))
    chapter = next((c for c in map(Chapter, paths) if c.exercises), None)
    if chapter is None:
        sys.exit("no chapter with exercises in book/")
    modes = {"sandbox": Isolation(sandbox=True), "none": Isolation(sandbox=False)}
    print(f"{chapter.name}: {len(chapter.exercises)} exercises, {args.n} submissions, "
          f"median of {args.repeats} runs per mode")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        book = tmp / "book"
        book.mkdir()
        nbformat.write(chapter.nb, book / chapter.name)
        submissions(chapter, tmp / "submissions", args.n)
        if args.dask:
            dask_table(chapter, tmp, args.n, args.repeats, args.timeout)
            return
        per = {(mode, jobs): [] for mode in modes for jobs in (1, 2)}
        for run in range(args.repeats):
            for jobs in (1, 2):
                for mode, isolation in modes.items():
                    out = tmp / f"grades-{mode}-{jobs}-{run}"
                    start = time.perf_counter()
                    _, failures = grade_class(book, tmp / "submissions", out, args.timeout, jobs,
                                              log=lambda m: None, isolation=isolation)  # fmt: skip
                    if failures:
                        sys.exit(f"{mode}: {len(failures)} not graded: {failures[0]}")
                    per[mode, jobs].append((time.perf_counter() - start) / args.n)
    print(f"{'jobs':>4s} {'sandbox s/nb':>13s} {'none s/nb':>10s} {'ratio':>6s} "
          f"{'100 x 7 chapters (sandbox)':>27s}")  # fmt: skip
    for jobs in (1, 2):
        box = statistics.median(per["sandbox", jobs])
        none = statistics.median(per["none", jobs])
        ratios = [a / b for a, b in zip(per["sandbox", jobs], per["none", jobs], strict=True)]
        print(f"{jobs:4d} {box:13.2f} {none:10.2f} {statistics.median(ratios):6.2f} "
              f"{700 * box / 60:23.0f} min")  # fmt: skip


if __name__ == "__main__":
    main()
