"""Run a graded notebook under nbval and gather what each exercise's cells did.

Each run happens in a fresh temporary folder holding only the graded notebook; pytest
starts with no conftest, no ini file of the surroundings and no plugin but nbval and the
grader's own (:mod:`~course_utils.grading.nbval_plugin`), which writes the run's report
as it goes: one record per code cell (:mod:`~course_utils.grading.report`). The records
of an exercise's cells are its :class:`~course_utils.grading.status.Evidence`, which
:func:`~course_utils.grading.status.decide` turns into points, status and detail.

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
import signal
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from course_utils.grading import checks, files, limits, report, sandbox
from course_utils.grading import status as S
from course_utils.grading.status import one_line

_RUNNING = threading.Lock()
_PROCESSES = set()  # process groups of the runs in flight, killed on interruption


class GraderError(RuntimeError):
    """The grader could not grade a notebook for a reason that is not the student's."""


_DISK_MIB = sandbox.DISK_MIB


@dataclass(frozen=True)
class Isolation:
    """How the kernel of a graded run is sealed off.

    ``sandbox``: under bubblewrap (else only a private HOME, the ``--unsafe-no-sandbox``
    mode); ``memory_mib``: the kernel's address-space limit; the CPU-time limit is the
    run's time limit.
    """

    sandbox: bool = True
    memory_mib: int = 2048
    disk_mib: int = _DISK_MIB

    def __post_init__(self):
        if self.sandbox and sandbox.bwrap() is None:
            raise GraderError(
                "bubblewrap (bwrap) is not installed: install it (apt-get install bubblewrap) "
                "or pass --unsafe-no-sandbox to grade without a sandbox"
            )
        if not (isinstance(self.memory_mib, int) and self.memory_mib >= 256):
            raise ValueError(f"memory_mib must be an integer ≥ 256, got {self.memory_mib!r}")
        if not (isinstance(self.disk_mib, int) and self.disk_mib >= 16):
            raise ValueError(f"disk_mib must be an integer ≥ 16, got {self.disk_mib!r}")


def default_isolation():
    """The sandbox where bubblewrap is installed, else a private HOME (a student's check)."""
    return Isolation(sandbox=sandbox.bwrap() is not None)


@dataclass
class Run:
    cells: dict  # code-cell index -> report.Cell
    killed: bool = False  # the notebook ran past its time limit
    running: int | None = None  # the cell that was running when it was killed
    log: str = ""
    notices: list = field(default_factory=list)  # what the sandbox saw the student's code do
    unreadable: str = ""  # why the report could not be read (the student's doing), if so


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


def nbval_command(notebook, cells, ini, cell_timeout):
    """The pytest command line that runs ``notebook`` (a path) under nbval, writing what
    each cell did to ``cells`` (a path)."""
    return [
        sys.executable, "-m", "pytest", str(notebook),
        "-p", "nbval.plugin", "-p", "course_utils.grading.nbval_plugin",
        "--nbval-lax", f"--nbval-kernel-name={sandbox.KERNEL_NAME}",
        # the plugin kills the kernel at the limit; nbval's own (an interrupt) comes after
        f"--nbval-cell-timeout={cell_timeout + 2:g}", f"--grading-cell-timeout={cell_timeout:g}",
        f"--grading-report={cells}",
        "-c", str(ini), f"--rootdir={Path(notebook).parent}", "--noconftest",
        "-p", "no:cacheprovider", "-o", "addopts=", "--color=no",
        "-W", "ignore::DeprecationWarning",
    ]  # fmt: skip


def _ipc_folder(tmp):
    """The folder the kernel's sockets live in, bound into the sandbox (writable there): in
    /dev/shm where there is one, so that what a student's code writes into it is memory,
    counted by the run's control group, not the grading machine's disk."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        folder = Path(tempfile.mkdtemp(prefix="downhill-ipc-", dir=shm))
        (tmp / "box" / "ipc").symlink_to(folder)
        return folder
    (tmp / "box" / "ipc").mkdir()
    return None


def run_notebook(nb, cell_timeout, limit, isolation=None):
    """Run ``nb`` under nbval in a fresh folder; return a :class:`Run`."""
    isolation = isolation or default_isolation()
    tmp = Path(tempfile.mkdtemp(prefix="downhill-grade-"))
    shm, group = None, None
    try:
        for folder in ("nb", "meta/home", "meta/runtime", "meta/config", "box/work",
                       "box/home"):  # fmt: skip
            (tmp / folder).mkdir(parents=True)
        shm = _ipc_folder(tmp)
        group = limits.create(isolation.memory_mib)
        notebook = tmp / "nb" / "notebook.ipynb"
        cells, ini = tmp / "meta" / "cells.jsonl", tmp / "meta" / "pytest.ini"
        nbformat.write(nb, notebook)
        ini.write_text("[pytest]\n")
        sandbox.write_kernelspec(tmp / "meta" / "jupyter", tmp, isolation.memory_mib, limit + 5,
                                 unsafe=not isolation.sandbox,
                                 cgroups=group.paths if group else (),
                                 disk_mib=isolation.disk_mib)  # fmt: skip
        cmd = nbval_command(notebook, cells, ini, cell_timeout)
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
            if group is not None:
                group.remove()
                group = None
            with _RUNNING:
                _PROCESSES.discard(proc)
        notices = [] if isolation.sandbox else _notices(tmp / "box" / "home")
        if not cells.exists():  # pytest itself failed: not the student's doing
            raise GraderError(f"pytest wrote no results (exit {proc.returncode}): {log[-1500:]}")
        try:  # something in its place, or garbled: only the student's code could do that
            done = report.read(cells)
        except (OSError, ValueError) as exc:
            reason = f"{type(exc).__name__}: {one_line(exc, 200)}"
            return Run({}, log=log[-20000:], notices=notices, unreadable=reason)
        if killed:  # cells run in order: the one after the last that finished was running
            return Run(done, True, max(done, default=-1) + 1, log[-20000:], notices)
        return Run(done, False, None, log[-20000:], notices)
    finally:
        if group is not None:
            group.remove()
        files.remove(tmp)
        if shm is not None:
            files.remove(shm)


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


# --- from a run to grades ---------------------------------------------------------------------
def find_abort(run, cell_timeout):
    """``(cell, status, detail)`` for the first cell that timed out or crashed, else None.

    Read from what the grader saw (the plugin's flags), never from a message: a student's
    code may raise ``RuntimeError("Kernel dead on test start")`` itself.
    """
    if run.killed:
        return run.running, S.TIMEOUT, "the notebook ran past its time limit (stuck here)"
    for index in sorted(run.cells):
        cell = run.cells[index]
        if cell.timed_out:
            return index, S.TIMEOUT, f"still running after the {cell_timeout:g} s limit"
        if cell.dead_at_start:
            return max(index - 1, 0), S.CRASHED, "the kernel died after this cell"
        if cell.kernel_died is not None:
            return index, S.CRASHED, "the kernel died (os._exit, a segfault, out of memory…)"
        if cell.outcome == "error":  # pytest's setup or teardown failed: not a cell's doing
            raise GraderError(f"nbval could not run cell {index}: {one_line(cell.reason, 600)}")
    return None


def grade(template, answers, cell_timeout=30.0, limit=None, isolation=None, suspects=()):
    """Run ``answers`` (``{id: source}``) in ``template``: ``{id: status.Evidence}``.

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
                reason = cell.error if cell else (None, "it did not run")
                raise GraderError(f"the setup cell failed: {one_line(reason[1], 600)}")
        abort = find_abort(run, cell_timeout)
        if abort is None:
            break
        index, status, detail = abort
        role = template.roles[index] if index is not None and index < len(template.roles) else None
        if role is None or role.exercise is None or role.exercise in aborted:
            raise GraderError(f"a run stopped in cell {index} and could not be isolated ({detail})")
        aborted[role.exercise] = (status, detail)
    withheld = checks.withheld_lines(template.hidden)
    return {
        ex_id: _evidence(ex, run, aborted.get(ex_id), template.roles, withheld)
        for ex_id, ex in template.exercises.items()
    }


def notebook_limit(template, cell_timeout):
    """The default time limit of one run: a minute to start, plus every cell at its limit."""
    return 60 + (cell_timeout + 5) * len(template.cells)


# what a write outside the sandbox's work folder (or /tmp, or its home) raises
_BLOCKED = re.compile(r"Read-only file system|Permission denied: '/(?!sandbox/|tmp/)")


def _evidence(ex, run, aborted, roles, withheld=()):
    """What the run tells of exercise ``ex``: its answer cell, the verdict of each check
    (decided here, :func:`checks.verdict`), or why it was stubbed, and what calls for an
    instructor's look."""
    answer = run.cells.get(ex.answer)
    review = []
    if aborted is None and answer is not None and answer.outcome != "passed":
        if _BLOCKED.search(answer.traceback):
            review.append("the sandbox blocked a write outside its work folder")
    if aborted is not None and aborted[0] == S.ERROR:
        review.append("the grader's report could not be read after this answer ran")
    verdicts = []
    for index, points, _ in ex.checks:
        checked = None if aborted else checks.verdict(roles[index], run.cells.get(index), withheld)
        if checked is not None and checked.review:
            review.append(checked.review)
        verdicts.append((points, checked))
    return S.Evidence(
        ex.max_points,
        checks=tuple(verdicts),
        answer=answer,
        aborted=aborted or (),
        review=tuple(dict.fromkeys((*review, *run.notices))),
    )
