"""A pytest plugin the grader loads beside nbval: the run's report, written as it happens.

``-p course_utils.grading.nbval_plugin --grading-report=PATH``: as soon as a notebook cell
has run, one JSON line says what it did (:mod:`~course_utils.grading.report`): pytest's
outcome, nbval's reason, the exception the kernel reported, what the cell printed (a
passed check's confirmation line), and the seconds into the cell at which the kernel
process was seen to exit (``os._exit``, a segfault, the out-of-memory killer), which
tells a crash apart from a loop that ignores nbval's interrupt.

It also enforces each cell's time limit (``--grading-cell-timeout``): a cell still running
at the limit has its kernel killed (the whole sandbox goes with it), not interrupted, so a
loop that ignores interrupts stops there too; the report says so (``timed_out``), and a
kernel that was dead before a cell ran (``dead_at_start``), as facts the plugin saw.
A check cell's record (``course_utils.exercises._probe.MIME``, what the student's
functions returned) is kept whole, up to a size limit; the grader's verdict is made of it.
nbval runs the cells.
"""

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from course_utils.grading import report

MIME = "application/x.downhill-check+json"  # course_utils.exercises._probe.MIME
RECORD_LIMIT = 16 * 1024 * 1024  # characters of a check's record kept (the probe's: 8 MiB)
_DIED = pytest.StashKey[float]()  # when the kernel died during the cell
_SEEN = pytest.StashKey[tuple]()  # (outcome, reason) from the phase that decided the outcome
_TIMED_OUT = pytest.StashKey[bool]()  # the plugin killed the kernel at the cell's time limit
_DEAD = pytest.StashKey[bool]()  # the kernel was dead when the cell was to run


def pytest_addoption(parser):
    what = "write what each notebook cell did to PATH, one JSON line a cell"
    parser.addoption("--grading-report", metavar="PATH", help=what)
    parser.addoption("--grading-cell-timeout", type=float, default=None, metavar="SECONDS",
                     help="kill the kernel of a cell still running after SECONDS")  # fmt: skip


def pytest_sessionstart(session):
    path = session.config.getoption("grading_report")
    if path:
        Path(path).write_text("", encoding="utf-8")


def _exited(pid):
    """Whether process ``pid`` (a child of this one) has exited, without reaping it."""
    try:
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:
        return True
    except (AttributeError, OSError):  # no waitid on this platform
        return False


def _watch(pid, stop, died, start):
    while not stop.wait(0.1):
        if _exited(pid):
            died.append(time.monotonic() - start)
            return


def kill_kernel(pid):
    """Kill the kernel's launcher and its whole process group (the sandbox dies with it)."""
    try:
        group = os.getpgid(pid)
        if group != os.getpgid(0):
            os.killpg(group, signal.SIGKILL)
        else:
            os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _limit(pid, seconds, done, fired):
    if not done.wait(seconds):
        fired.append(True)
        kill_kernel(pid)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    kernel = getattr(getattr(item, "parent", None), "kernel", None)
    manager = getattr(kernel, "km", None)
    pid = getattr(getattr(manager, "provisioner", None), "pid", None)
    stop, died, fired = threading.Event(), [], []
    if kernel is not None and hasattr(item, "cell_num") and not kernel.is_alive():
        item.stash[_DEAD] = True
    if pid:
        watcher = threading.Thread(
            target=_watch, args=(pid, stop, died, time.monotonic()), daemon=True
        )
        watcher.start()
        seconds = item.config.getoption("grading_cell_timeout", None)
        if seconds:
            threading.Thread(target=_limit, args=(pid, seconds, stop, fired), daemon=True).start()
    try:
        return (yield)
    finally:
        stop.set()
        if fired:
            item.stash[_TIMED_OUT] = True
        if died and not fired:
            item.stash[_DIED] = died[0]


def _outcome(rep):
    """The cell's outcome as this phase's report tells it (None: a passed setup or
    teardown, which says nothing). A failed setup or teardown is pytest's ``error``."""
    xfail = hasattr(rep, "wasxfail")
    if rep.skipped:
        return "xfail" if xfail else "skipped"
    if rep.when == "call":
        return "passed" if rep.passed else "skipped" if xfail else "failed"
    return "error" if rep.failed else None


@pytest.hookimpl(wrapper=True, tryfirst=True)  # the outermost: the report as pytest logs it
def pytest_runtest_makereport(item, call):
    rep = yield
    path = item.config.getoption("grading_report")
    if not path or not hasattr(item, "cell_num"):
        return rep
    outcome = _outcome(rep)
    if outcome is not None:
        item.stash[_SEEN] = (outcome, _reason(rep, call))
    if call.when == "teardown":
        report.write(path, item.cell_num, _cell(item, *item.stash.get(_SEEN, ("passed", ""))))
    return rep


def _reason(rep, call):
    """nbval's word on a cell that did not pass ("Timeout of 30 seconds exceeded executing
    cell"); pytest's whole report when the cell could not even be set up or torn down."""
    if call.excinfo is None:
        return ""
    return str(call.excinfo.value) if rep.when == "call" else rep.longreprtext


def _cell(item, outcome, reason):
    outputs = getattr(item, "test_outputs", None) or []
    errors = [out for out in outputs if out.get("output_type") == "error"]
    name, message, traceback = report.raised(errors[-1]) if errors else (None, "", "")
    stdout = "".join(
        out.get("text", "")
        for out in outputs
        if out.get("output_type") == "stream" and out.get("name") == "stdout"
    )
    records = [out.get("data", {}).get(MIME) for out in outputs
               if out.get("output_type") in ("display_data", "execute_result")]  # fmt: skip
    records = [r for r in records if isinstance(r, str)]
    record = records[-1] if records and len(records[-1]) <= RECORD_LIMIT else None
    return report.Cell(
        outcome,
        reason=reason[-4000:],
        exception=name,
        message=message[-4000:],
        traceback=traceback[-8000:],
        stdout=stdout[-2000:],
        kernel_died=item.stash.get(_DIED, None),
        record=record,
        timed_out=item.stash.get(_TIMED_OUT, False),
        dead_at_start=item.stash.get(_DEAD, False),
    )
