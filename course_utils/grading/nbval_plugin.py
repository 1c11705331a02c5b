"""A pytest plugin the grader loads beside nbval (``-p course_utils.grading.nbval_plugin``).

It adds two facts to each notebook cell's test report, which the JUnit XML file
carries as properties:

- ``stdout``: what the cell printed (a passed check's confirmation line);
- ``kernel_died``: seconds into the cell at which the kernel process was seen to
  exit (``os._exit``, a segfault, the out-of-memory killer), telling a crash apart
  from a loop that ignores nbval's interrupt.

It only watches: nbval runs the cells and decides pass or fail.
"""

import os
import threading
import time

import pytest


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


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    kernel = getattr(getattr(item, "parent", None), "kernel", None)
    manager = getattr(kernel, "km", None)
    pid = getattr(getattr(manager, "provisioner", None), "pid", None)
    stop, died = threading.Event(), []
    if pid:
        watcher = threading.Thread(
            target=_watch, args=(pid, stop, died, time.monotonic()), daemon=True
        )
        watcher.start()
    try:
        return (yield)
    finally:
        stop.set()
        if died:
            item.user_properties.append(("kernel_died", f"{died[0]:.2f}"))
        text = "".join(
            out.get("text", "")
            for out in getattr(item, "test_outputs", None) or []
            if out.get("output_type") == "stream" and out.get("name") == "stdout"
        )
        if text:
            item.user_properties.append(("stdout", text[-2000:]))
