"""One memory and process limit for a whole sandbox: a control group per graded run.

A limit per process (``RLIMIT_AS``) lets a student's code hold many times its memory in
forked children and in tmpfs files (``/dev/shm``, ``/tmp``), and nothing caps the number
of processes. A *control group* (cgroup) of the kernel counts them all: every process of
the sandbox and every page it wrote to a tmpfs. :func:`create` makes one per run, with

- ``memory``: the run's memory limit (``memory.max``, v1 ``memory.limit_in_bytes``),
  swap included; past it the kernel's out-of-memory killer ends a process of the group,
  and the grader reports the exercise ``crashed``;
- ``pids``: at most :data:`TASKS` processes and threads (``pids.max``).

The sandbox's launcher moves bwrap into it before bwrap starts (:func:`join`), so
everything the student's code starts is inside. :func:`Group.remove` kills what is left
and deletes the group. The unified hierarchy (cgroup v2) is used where it delegates the
memory and pids controllers to this process, else the legacy one (v1: Debian 10, many
containers; this development machine) where it is writable; systemd's own route,
``systemd-run --user --scope -p MemoryMax=…`` for a user without write access, needs a
running systemd and is not used. Where none can be made (a non-root user on a system
without delegation), :func:`create` returns None and the run keeps the per-process
limits of :func:`course_utils.grading.sandbox.limit`, the size-limited tmpfs folders,
and ``RLIMIT_NPROC``; ``grade`` says so once at its start.
"""

import os
import signal
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
TASKS = 256  # processes and threads of one sandbox (a kernel has about a dozen threads)
_PREFIX = "downhill-"


@dataclass(frozen=True)
class Group:
    """A run's control group: its folder in each hierarchy it lives in."""

    version: int  # 2 or 1
    paths: tuple  # v2: (path,); v1: (memory path, pids path)

    def remove(self):
        """Kill every process still in the group, then delete it."""
        kill = self.paths[0] / "cgroup.kill"
        if self.version == 2 and kill.exists():
            _write(kill, "1")
        for _ in range(50):
            pids = set()
            for path in self.paths:
                pids |= _pids(path)
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            time.sleep(0.02)
        for path in self.paths:
            for _ in range(50):
                try:
                    path.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:  # still emptying
                    time.sleep(0.02)

    def peak_memory(self):
        """The most memory the group held, in bytes (None if the kernel does not say)."""
        name = "memory.peak" if self.version == 2 else "memory.max_usage_in_bytes"
        try:
            return int((self.paths[0] / name).read_text())
        except (OSError, ValueError):
            return None

    def out_of_memory(self):
        """Whether the group's memory limit was reached (a process killed or refused)."""
        try:
            if self.version == 2:
                text = (self.paths[0] / "memory.events").read_text()
                events = dict(line.split() for line in text.splitlines())
                return int(events.get("oom_kill", 0)) > 0 or int(events.get("max", 0)) > 0
            return int((self.paths[0] / "memory.failcnt").read_text()) > 0
        except (OSError, ValueError):
            return False


def _write(path, text):
    try:
        Path(path).write_text(text)
        return True
    except OSError:
        return False


def _pids(path):
    try:
        return {int(p) for p in (path / "cgroup.procs").read_text().split()}
    except (OSError, ValueError):
        return set()


def _own(hierarchy, controller=None):
    """This process's cgroup folder in a hierarchy (``/proc/self/cgroup``)."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        number, names, path = line.split(":", 2)
        if (controller is None and number == "0") or (controller in names.split(",")):
            return hierarchy / path.lstrip("/")
    return None


def _v2_parent():
    """A v2 folder under which this process may make groups with memory and pids."""
    unified = ROOT if (ROOT / "cgroup.controllers").exists() else ROOT / "unified"
    try:
        offered = set((unified / "cgroup.controllers").read_text().split())
    except OSError:
        return None
    if not {"memory", "pids"} <= offered:  # the controllers are bound to v1 hierarchies
        return None
    for parent in (_own(unified), unified / "downhill"):
        if parent is None:
            continue
        try:
            parent.mkdir(exist_ok=True)
            wanted = {"memory", "pids"}
            if not wanted <= set((parent / "cgroup.controllers").read_text().split()):
                continue
            enabled = set((parent / "cgroup.subtree_control").read_text().split())
            if wanted <= enabled or _write(parent / "cgroup.subtree_control", "+memory +pids"):
                return parent
        except OSError:
            continue
    return None


def create(memory_mib, tasks=TASKS):
    """A fresh :class:`Group` holding at most ``memory_mib`` MiB and ``tasks`` tasks, or
    None where this machine gives this process no control group to make."""
    name = _PREFIX + uuid.uuid4().hex[:12]
    memory = str(int(memory_mib) * 1024 * 1024)
    parent = _v2_parent()
    if parent is not None:
        path = parent / name
        try:
            path.mkdir()
        except OSError:
            path = None
        if path is not None:
            group = Group(2, (path,))
            if _write(path / "memory.max", memory) and _write(path / "pids.max", str(tasks)):
                _write(path / "memory.swap.max", "0")
                _write(path / "memory.oom.group", "0")
                return group
            group.remove()
    memory_root, pids_root = _own(ROOT / "memory", "memory"), _own(ROOT / "pids", "pids")
    if memory_root is None or pids_root is None:
        return None
    made = []
    try:
        for root in (memory_root, pids_root):
            (root / name).mkdir()
            made.append(root / name)
    except OSError:
        Group(1, tuple(made)).remove()
        return None
    group = Group(1, tuple(made))
    ok = _write(made[0] / "memory.limit_in_bytes", memory)
    _write(made[0] / "memory.memsw.limit_in_bytes", memory)  # no swap beyond it, where counted
    ok = ok and _write(made[1] / "pids.max", str(tasks))
    if not ok:
        group.remove()
        return None
    return group


def join(paths):
    """Move this process into the groups at ``paths`` (in a child, before ``exec``)."""
    for path in paths:
        Path(path, "cgroup.procs").write_text(str(os.getpid()))


def describe():
    """One line: what limits a sandbox gets on this machine."""
    group = create(256)
    if group is None:
        return ("no control group available (not root, no delegated cgroup): memory is "
                "limited per process, processes by RLIMIT_NPROC")  # fmt: skip
    group.remove()
    where = ", ".join(str(p) for p in group.paths)
    return f"cgroup v{group.version} per sandbox (memory and process limits) under {where}"
