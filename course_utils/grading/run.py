"""Run a graded notebook under nbval and turn the pytest results into points.

Each run happens in a fresh temporary folder holding only the graded notebook; pytest
starts with no conftest, no ini file of the surroundings and no plugin but nbval (and
the grader's watcher), and writes a JUnit XML file whose test cases are nbval's
``Cell <n>``: the n-th code cell. A check cell that passed earns its points.

pytest and nbval run in the grader's hands; only the kernel, which runs the student's
code, is sealed off under bubblewrap (:mod:`~course_utils.grading.sandbox`), so it sees
neither the graded notebook nor the report files. ``Isolation(sandbox=False)`` (the
command line's ``--unsafe-no-sandbox``) runs the kernel without it, with a private
HOME and IPYTHONDIR.

If a cell times out or the kernel dies, nbval fails every cell after it; the exercise
that did it is then replaced by its stub and the notebook runs again, so that only that
exercise loses its points.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from course_utils.grading import sandbox
from course_utils.grading import status as S

ANSI = re.compile(r"(?:\x1b|#x1B)\[[0-9;?]*[A-Za-z]")
_HEADER = re.compile(r"^(\S+)\s+Traceback \(most recent call last\)", re.M)
_EXC_LINE = re.compile(r"^([A-Za-z_][\w.]*)(?::\s?(.*))?$")
_RUNNING = threading.Lock()
_PROCESSES = set()  # process groups of the runs in flight, killed on interruption


class GraderError(RuntimeError):
    """The grader could not grade a notebook for a reason that is not the student's."""


@dataclass(frozen=True)
class Isolation:
    """How the kernel of a graded run is sealed off.

    ``sandbox``: under bubblewrap (else only a private HOME, the ``--unsafe-no-sandbox``
    mode); ``memory_mib``: the kernel's address-space limit; the CPU-time limit is the
    run's time limit.
    """

    sandbox: bool = True
    memory_mib: int = 2048

    def __post_init__(self):
        if self.sandbox and sandbox.bwrap() is None:
            raise GraderError(
                "bubblewrap (bwrap) is not installed: install it (apt-get install bubblewrap) "
                "or pass --unsafe-no-sandbox to grade without a sandbox"
            )
        if not (isinstance(self.memory_mib, int) and self.memory_mib >= 256):
            raise ValueError(f"memory_mib must be an integer ≥ 256, got {self.memory_mib!r}")


def default_isolation():
    """The sandbox where bubblewrap is installed, else a private HOME (a student's check)."""
    return Isolation(sandbox=sandbox.bwrap() is not None)


@dataclass
class Cell:
    """nbval's verdict on one code cell."""

    outcome: str  # "passed", "failed", "error", "skipped" or "xfail"
    message: str = ""  # nbval's report, colours removed
    stdout: str = ""
    kernel_died: float | None = None  # seconds into the cell

    @property
    def exception(self):
        """``(name, message)`` of the exception the cell raised, or ``(None, reason)``."""
        return exception_of(self.message)


@dataclass
class Run:
    cells: dict  # code-cell index -> Cell
    killed: bool = False  # the notebook ran past its time limit
    running: int | None = None  # the cell that was running when it was killed
    log: str = ""
    notices: list = field(default_factory=list)  # what the sandbox saw the student's code do
    unreadable: str = ""  # why the report could not be read (the student's doing), if so


@dataclass
class Result:
    """The grade of one exercise."""

    exercise: str
    points: float
    max_points: float
    status: str
    detail: str = ""
    review: list = field(default_factory=list)  # why an instructor should look at it


def exception_of(text):
    """Find the final exception in nbval's report of a failed cell."""
    text = ANSI.sub("", text)
    headers = _HEADER.findall(text)
    lines = text.splitlines()
    for n in range(len(lines) - 1, -1, -1):
        match = _EXC_LINE.match(lines[n])
        if not match:
            continue
        name = match.group(1)
        if (headers and name.split(".")[-1] == headers[-1].split(".")[-1]) or (
            not headers and re.search(r"(Error|Exception|Exit|Interrupt)$", name)
        ):
            rest = [match.group(2) or ""] + lines[n + 1 :]
            return name.split(".")[-1], "\n".join(rest).strip()
    reason = re.search(r"^Cell \d+: (.*)$", text, re.M)
    if reason:
        return None, reason.group(1).strip()
    return None, lines[-1].strip() if lines else ""


def one_line(text, limit=400):
    """``text`` on one line (line breaks become " | "), at most ``limit`` characters."""
    parts = [re.sub(r"\s+", " ", line).strip() for line in str(text).splitlines()]
    line = " | ".join(p for p in parts if p)
    return line if len(line) <= limit else line[: limit - 1] + "…"


# --- one run ----------------------------------------------------------------------------------
def _environment(tmp):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_CORE_"))}
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "IPYTHONDIR"):
        env.pop(name, None)
    for name in ("PYTHONPATH", "PYTHONSTARTUP", "PYTHONSAFEPATH"):
        env.pop(name, None)
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(name, "1")  # several notebooks at once: one core each
    env.update(
        MPLBACKEND="Agg",
        PYTHONUNBUFFERED="1",
        PYTHONDONTWRITEBYTECODE="1",
        PYTEST_DISABLE_PLUGIN_AUTOLOAD="1",
        JUPYTER_PLATFORM_DIRS="1",
        PYDEVD_DISABLE_FILE_VALIDATION="1",
        HOME=str(tmp / "meta" / "home"),
        JUPYTER_PATH=str(tmp / "meta" / "jupyter"),
        JUPYTER_RUNTIME_DIR=str(tmp / "meta" / "runtime"),
        JUPYTER_CONFIG_DIR=str(tmp / "meta" / "config"),
    )
    return env


def nbval_command(notebook, junit, ini, cell_timeout):
    """The pytest command line that runs ``notebook`` (a path) under nbval."""
    return [
        sys.executable, "-m", "pytest", str(notebook),
        "-p", "nbval.plugin", "-p", "course_utils.grading.nbval_plugin",
        "--nbval-lax", f"--nbval-kernel-name={sandbox.KERNEL_NAME}",
        f"--nbval-cell-timeout={cell_timeout:g}",
        "-c", str(ini), f"--rootdir={Path(notebook).parent}", "--noconftest",
        "-p", "no:cacheprovider", "-o", "addopts=", "-o", "junit_family=xunit1",
        f"--junitxml={junit}", "-v", "--color=no", "-W", "ignore::DeprecationWarning",
    ]  # fmt: skip


def run_notebook(nb, cell_timeout, limit, isolation=None):
    """Run ``nb`` under nbval in a fresh folder; return a :class:`Run`."""
    isolation = isolation or default_isolation()
    tmp = Path(tempfile.mkdtemp(prefix="downhill-grade-"))
    try:
        for folder in ("nb", "meta/home", "meta/runtime", "meta/config", "box/work",
                       "box/home", "box/ipc"):  # fmt: skip
            (tmp / folder).mkdir(parents=True)
        notebook = tmp / "nb" / "notebook.ipynb"
        junit, ini = tmp / "meta" / "junit.xml", tmp / "meta" / "pytest.ini"
        nbformat.write(nb, notebook)
        ini.write_text("[pytest]\n")
        sandbox.write_kernelspec(tmp / "meta" / "jupyter", tmp, isolation.memory_mib, limit + 5,
                                 unsafe=not isolation.sandbox)  # fmt: skip
        cmd = nbval_command(notebook, junit, ini, cell_timeout)
        proc = subprocess.Popen(
            cmd, cwd=notebook.parent, env=_environment(tmp), stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True, errors="replace",
            start_new_session=True,
        )  # fmt: skip
        with _RUNNING:
            _PROCESSES.add(proc)
        killed = False
        try:
            log, _ = proc.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            killed = True
            _kill(proc)
            log, _ = proc.communicate()
        finally:
            _kill(proc)  # the kernel too, should it outlive pytest
            _kill_launcher(tmp)
            with _RUNNING:
                _PROCESSES.discard(proc)
        notices = _notices(tmp / "box" / "home")
        if killed:
            cells = parse_verbose(log)
            started = re.findall(r"Cell (\d+)", log.splitlines()[-1] if log.strip() else "")
            running = int(started[-1]) if started else max(cells, default=-1) + 1
            cells.pop(running, None)
            return Run(cells, True, running, log, notices)
        if not junit.exists():  # pytest itself failed: not the student's doing
            raise GraderError(f"pytest wrote no results (exit {proc.returncode}): {log[-1500:]}")
        try:  # something in its place, or garbled: only the student's code could do that
            cells = parse_junit(junit)
        except (OSError, ET.ParseError, ValueError) as exc:
            reason = f"{type(exc).__name__}: {one_line(exc, 200)}"
            return Run({}, log=log, notices=notices, unreadable=reason)
        return Run(cells, False, None, log, notices)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _notices(home):
    """What the student's code left in its private home folder (nothing, if honest)."""
    found = sorted(str(p.relative_to(home)) for p in home.rglob("*") if not p.is_dir())
    if not found:
        return []
    shown = ", ".join(found[:3]) + (f" and {len(found) - 3} more" if len(found) > 3 else "")
    return [f"wrote into its home folder ({shown})"]


def _kill_launcher(tmp):
    """Kill the process group of the kernel's launcher (and so the sandbox)."""
    try:
        pgid = int((tmp / "meta" / "launcher.pgid").read_text())
    except (OSError, ValueError):
        return
    if pgid > 1:
        try:
            os.killpg(pgid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def _kill(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def kill_all():
    """Kill every run in flight (on Ctrl-C)."""
    with _RUNNING:
        for proc in list(_PROCESSES):
            _kill(proc)


def parse_junit(path):
    """``{code-cell index: Cell}`` from pytest's JUnit XML file."""
    cells = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        match = re.fullmatch(r"Cell (\d+)", case.get("name", ""))
        if not match:
            continue
        outcome, message = "passed", ""
        for child in case:
            if child.tag in ("failure", "error"):
                outcome, message = (
                    ("failed" if child.tag == "failure" else "error"),
                    (child.text or child.get("message", "")),
                )
            elif child.tag == "skipped":
                outcome = "xfail" if child.get("type") == "pytest.xfail" else "skipped"
                message = child.get("message", "")
        props = {p.get("name"): p.get("value", "") for p in case.iter("property")}
        died = props.get("kernel_died")
        cells[int(match.group(1))] = Cell(
            outcome, ANSI.sub("", message), props.get("stdout", ""),
            float(died) if died else None,
        )  # fmt: skip
    return cells


def parse_verbose(log):
    """Outcomes from pytest's ``-v`` lines (used when the run was killed: no XML then)."""
    words = {"PASSED": "passed", "FAILED": "failed", "ERROR": "error", "XFAIL": "xfail",
             "XPASS": "passed", "SKIPPED": "skipped"}  # fmt: skip
    cells = {}
    for match in re.finditer(r"Cell (\d+) (PASSED|FAILED|ERROR|XFAIL|XPASS|SKIPPED)", log):
        cells[int(match.group(1))] = Cell(words[match.group(2)])
    return cells


# --- from a run to grades ---------------------------------------------------------------------
def find_abort(run, cell_timeout):
    """``(cell, status, detail)`` for the first cell that timed out or crashed, else None."""
    if run.killed:
        return run.running, S.TIMEOUT, "the notebook ran past its time limit (stuck here)"
    for index in sorted(run.cells):
        cell = run.cells[index]
        text = cell.message
        if cell.kernel_died is not None and cell.kernel_died < cell_timeout:
            return index, S.CRASHED, "the kernel died (os._exit, a segfault, out of memory…)"
        if "exceeded executing cell" in text:
            return index, S.TIMEOUT, f"still running after the {cell_timeout:g} s limit"
        if "Failed to interrupt kernel" in text or "waiting for output" in text:
            return (
                index,
                S.TIMEOUT,
                (f"still running after the {cell_timeout:g} s limit and deaf to interrupts"),
            )
        if "Kernel dead on test start" in text:
            return max(index - 1, 0), S.CRASHED, "the kernel died after this cell"
        if cell.outcome == "error":  # pytest's setup or teardown failed: not a cell's doing
            raise GraderError(f"nbval could not run cell {index}: {one_line(text, 600)}")
    return None


def grade(template, answers, cell_timeout=30.0, limit=None, isolation=None, suspects=()):
    """Grade ``answers`` (``{id: source}``) in ``template``; ``{id: Result}``.

    ``suspects``: the exercises whose answers reach for the machinery, in order; should
    the run's report be unreadable (only the student's code can do that), they are
    graded ``error`` one after the other until the report reads again.

    Raises :class:`GraderError` when the setup cells fail or time out (never the
    student's doing: nothing of theirs has run yet).
    """
    if limit is None:
        limit = notebook_limit(template, cell_timeout)
    isolation = isolation or default_isolation()
    aborted, suspects = {}, [s for s in suspects if s in template.exercises]
    for _ in range(2 * len(template.exercises) + 1):
        nb = template.build(answers, stubbed=aborted)
        run = run_notebook(nb, cell_timeout, limit, isolation)
        if run.unreadable:
            detail = (f"the grader's report of this notebook could not be read "
                      f"({run.unreadable}): the answers' code tampered with it")  # fmt: skip
            left = [s for s in suspects if s not in aborted] or [
                ex for ex in template.exercises if ex not in aborted
            ]
            aborted[left[0]] = (S.ERROR, detail)
            if len(aborted) == len(template.exercises):
                break
            continue
        for index, role in enumerate(template.roles):
            cell = run.cells.get(index)
            if (
                role.kind == "setup"
                and not run.killed
                and (cell is None or cell.outcome != "passed")
            ):
                reason = cell.exception if cell else (None, "it did not run")
                raise GraderError(f"the setup cell failed: {one_line(reason[1], 600)}")
        abort = find_abort(run, cell_timeout)
        if abort is None:
            break
        index, status, detail = abort
        role = template.roles[index] if index is not None and index < len(template.roles) else None
        if role is None or role.exercise is None or role.exercise in aborted:
            raise GraderError(f"a run stopped in cell {index} and could not be isolated ({detail})")
        aborted[role.exercise] = (status, detail)
    results = {}
    for ex_id, ex in template.exercises.items():
        result = _result(ex, run, aborted.get(ex_id))
        if aborted.get(ex_id, ("",))[0] == S.ERROR:
            result.review.append("the grader's report could not be read after this answer ran")
        result.review += run.notices
        results[ex_id] = result
    return results


def notebook_limit(template, cell_timeout):
    """The default time limit of one run: a minute to start, plus every cell at its limit."""
    return 60 + (cell_timeout + 5) * len(template.cells)


def _result(ex, run, aborted):
    max_points = ex.max_points
    if aborted:
        return Result(ex.id, 0, max_points, *aborted)
    result = _outcome(ex, run)
    answer = run.cells.get(ex.answer)
    if answer is not None and answer.outcome != "passed" and _BLOCKED.search(answer.message):
        result.review.append("the sandbox blocked a write outside its work folder")
    return result


# what a write outside the sandbox's work folder (or /tmp, or its home) raises
_BLOCKED = re.compile(r"Read-only file system|Permission denied: '/(?!sandbox/|tmp/)")


def _outcome(ex, run):
    max_points = ex.max_points
    checks = [(points, run.cells.get(index)) for index, points, _ in ex.checks]
    points = sum(p for p, cell in checks if cell is not None and cell.outcome == "passed")
    failing = [cell for _, cell in checks if cell is None or cell.outcome != "passed"]
    if not failing:
        ticks = [line for _, cell in checks for line in cell.stdout.splitlines()]
        detail = one_line("\n".join(t.strip() for t in ticks if t.strip().startswith("✓")))
        return Result(ex.id, points, max_points, S.PASSED, detail)
    excs = [cell.exception if cell else (None, "the check did not run") for cell in failing]
    answer = run.cells.get(ex.answer)
    answer_exc = answer.exception if answer is not None and answer.outcome != "passed" else None
    stub = {"NotImplementedError", "NotAnswered"}  # the latter: a checker met the stub
    if any(name in stub for name, _ in excs + [answer_exc or (None, "")]):
        detail = "not answered yet: the stub still raises NotImplementedError"
        return Result(ex.id, points, max_points, S.UNANSWERED, detail)
    if answer_exc:
        name, text = answer_exc
        detail = f"the answer cell raised {name or 'an error'}: {text}"
        return Result(ex.id, points, max_points, S.ERROR, one_line(detail))
    name, text = excs[0]
    if name in S.REJECTIONS:
        return Result(ex.id, points, max_points, S.FAILED, one_line(text))
    detail = f"{name or 'error'} while checking: {text}"
    return Result(ex.id, points, max_points, S.ERROR, one_line(detail))
