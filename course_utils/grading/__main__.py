"""Command line: ``python -m course_utils.grading <command> …`` (``--help`` for each).

Exit codes: 0 done, 1 problems found (or a score below full for ``check``), 2 bad
arguments, 130 interrupted.
"""

import argparse
import sys
from pathlib import Path

try:
    from course_utils.grading import book as B
    from course_utils.grading import limits
    from course_utils.grading import notebook as N
    from course_utils.grading import run as R
    from course_utils.grading import status as S
    from course_utils.grading.gradebook import grade_class
    from course_utils.grading.status import number
except ModuleNotFoundError as exc:  # the core package alone, without the grading extra
    sys.exit(f"{exc}: the grading commands need the grading extra: "
             "pip install '.[grading]' in the course's repository")  # fmt: skip


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number ≥ 1, got {text!r}")
    return value


def _positive_float(text):
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number of seconds > 0, got {text!r}")
    return value


def parser():
    p = argparse.ArgumentParser(prog="python -m course_utils.grading", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True, metavar="command")
    v = sub.add_parser("validate", help="check the book's exercises (ids, markers, solutions)")
    v.add_argument("book", type=Path, help="folder of instructor notebooks, e.g. book/")
    v.add_argument("--timeout", type=_positive_float, default=120.0, help="per cell, s")
    v.add_argument("--no-run", action="store_true", help="check the structure only")
    r = sub.add_parser("release", help="write the student copies of the notebooks")
    r.add_argument("book", type=Path, help="folder of instructor notebooks, e.g. book/")
    r.add_argument("dest", type=Path, help="folder for the student copies, e.g. release/")
    c = sub.add_parser("check", help="a student's self-check: run the visible checks")
    c.add_argument("notebook", type=Path, help="your copy of a chapter, e.g. 03_….ipynb")
    c.add_argument("--timeout", type=_positive_float, default=60.0, help="per cell, s")
    g = sub.add_parser("grade", help="grade submissions/<student>/<notebook>.ipynb")
    g.add_argument("book", type=Path, help="folder of instructor notebooks, e.g. book/")
    g.add_argument("submissions", type=Path, help="one folder per student")
    g.add_argument("--out", type=Path, required=True, help="folder for the gradebook")
    g.add_argument("--timeout", type=_positive_float, default=30.0, help="per cell, s")
    g.add_argument("--notebook-timeout", type=_positive_float, default=None,
                   help="per notebook run, s (default: 60 + every cell at its limit)")  # fmt: skip
    g.add_argument("--jobs", type=_positive_int, default=1, help="notebooks graded at once")
    g.add_argument("--fresh", action="store_true", help="regrade everything")
    g.add_argument("--memory", type=_positive_int, default=2048,
                   help="memory limit of each sandbox, MiB (default 2048)")  # fmt: skip
    g.add_argument(
        "--disk",
        type=_positive_int,
        default=256,
        help="size of each sandbox's work and home folders, MiB (default 256)",
    )
    g.add_argument(
        "--dask",
        action="store_true",
        help="grade as tasks of a Dask cluster: a local one of --jobs workers",
    )
    g.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="... or the running cluster at ADDRESS (tcp://host:8786)",
    )
    g.add_argument("--unsafe-no-sandbox", action="store_true",
                   help="grade without bubblewrap (student code sees this machine)")  # fmt: skip
    return p


def main(argv=None):
    p = parser()
    args = p.parse_args(argv)
    for name in ("book", "submissions"):
        folder = getattr(args, name, None)
        if folder is not None and not folder.is_dir():
            p.error(f"{name} folder {str(folder)!r} does not exist")
    if args.command == "check" and not args.notebook.is_file():
        p.error(f"notebook {str(args.notebook)!r} does not exist")
    try:
        return COMMANDS[args.command](args)
    except N.InvalidNotebook as exc:
        print(f"error: an instructor notebook cannot be read: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130


def _validate(args):
    problems = B.validate(args.book, args.timeout, run=not args.no_run)
    print(f"{problems} problem(s)" if problems else "all exercises are valid")
    return 1 if problems else 0


def _release(args):
    try:
        B.release(args.book, args.dest)
    except B.LeakError as exc:
        print(f"release failed: {exc}", file=sys.stderr)
        return 1
    return 0


def _check(args):
    try:
        nb, _ = N.read_notebook(args.notebook)
    except N.InvalidNotebook as exc:
        print(f"{args.notebook.name}: {exc}", file=sys.stderr)
        return 1
    template = N.make_template(nb, visible_only=True)
    if not template.exercises:
        print(f"{args.notebook.name} has no exercises to check")
        return 0
    print(f"Checking {args.notebook.name} (the checks you can see)…", flush=True)
    answers = {k: v[-1] for k, v in N.student_answers(nb).items()}
    try:
        results = R.grade(template, answers, args.timeout)
    except R.GraderError as exc:
        print(f"could not run the notebook: {exc}", file=sys.stderr)
        return 1
    announced = N.heading_points(nb)
    got = best = hidden = 0
    for ex_id, evidence in results.items():
        points, status, detail = S.decide(evidence)
        got, best = got + points, best + evidence.max_points
        more = announced.get(ex_id, evidence.max_points) - evidence.max_points
        hidden += max(more, 0)
        score = f"{number(points)}/{number(evidence.max_points)} points"
        if more > 0:
            score += (f" on the visible checks; hidden checks add {number(more)} more "
                      f"at grading ({number(announced[ex_id])} in all)")  # fmt: skip
        print(f"\nExercise {ex_id}: {status}, {score}")
        for line in detail.split(" | "):
            if line:
                print(f"    {line}")
    print(f"\nScore: {number(got)}/{number(best)} points on the checks you can see.", end=" ")
    print(f"Hidden checks add {number(hidden)} more at grading." if hidden else
          "There are no hidden checks.")  # fmt: skip
    return 0 if got == best else 1


def _grade(args):
    def log(message):
        print(message, file=sys.stderr, flush=True)

    try:
        isolation = R.Isolation(
            sandbox=not args.unsafe_no_sandbox, memory_mib=args.memory, disk_mib=args.disk
        )
        log(f"resource limits: {limits.describe()}")
        if args.unsafe_no_sandbox:
            log("warning: --unsafe-no-sandbox: the students' code runs with this machine in "
                "view (only HOME and IPYTHONDIR are private)")  # fmt: skip
        graded, failures = grade_class(
            args.book, args.submissions, args.out, args.timeout, args.jobs, args.fresh,
            args.notebook_timeout, log, isolation, args.scheduler, args.dask,
        )  # fmt: skip
    except (ValueError, R.GraderError) as exc:
        log(f"error: {exc}")
        return 2
    except KeyboardInterrupt:
        log(f"interrupted: {args.out / 'gradebook.csv'} keeps every notebook graded so far; "
            "run the same command again to grade the rest")  # fmt: skip
        return 130
    log(f"graded {graded} notebooks: {args.out / 'gradebook.csv'}, {args.out / 'totals.csv'}, "
        f"{args.out / 'feedback'}/")  # fmt: skip
    for student, name, reason in failures:
        log(f"not graded (run again to retry): {student} {name}: {reason}")
    return 1 if failures else 0


COMMANDS = {"validate": _validate, "release": _release, "check": _check, "grade": _grade}

if __name__ == "__main__":
    sys.exit(main())
