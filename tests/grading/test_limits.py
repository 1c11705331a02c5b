"""One control group holds a whole sandbox (``course_utils.grading.limits``): forked children
and tmpfs pages count against one memory limit, and the number of tasks is capped.

Each test starts a small Python program inside a fresh group, as the sandbox's launcher
puts bwrap in one, and reads what the program could hold. Where this machine gives no
control group (a user without root and without delegation), the grader falls back to
per-process limits, which these tests do not describe: they say so and stop."""

import json
import subprocess
import sys
import tempfile
import textwrap

import pytest

from course_utils.grading import limits

MIB = 1024 * 1024


def _group(memory_mib, tasks=limits.TASKS):
    group = limits.create(memory_mib, tasks)
    if group is None:
        pytest.skip("no control group can be made here: " + limits.describe())
    return group


def _run_inside(group, code):
    """Run ``code`` in a Python process that joined ``group``; its last line, as JSON."""
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        preexec_fn=lambda: limits.join(group.paths),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


# 100 MiB in a tmpfs file, then three children that each write 100 MiB of their own and hold
# it for a second: 400 MiB in all, which a 256 MiB group cannot hold. The children ask to be
# the out-of-memory killer's first choice (oom_score_adj 1000), so the parent lives to count.
_HOG = """
import json, os, sys, time

tmpfs = {tmpfs!r}
with open(os.path.join(tmpfs, "fill.bin"), "wb") as f:
    f.write(b"x" * (100 * 1024 * 1024))
children = []
for _ in range(3):
    pid = os.fork()
    if pid == 0:
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write("1000")
        held = b"y" * (100 * 1024 * 1024)
        time.sleep(1.0)
        os._exit(0)
    children.append(pid)
ends = []
for pid in children:
    _, status = os.waitpid(pid, 0)
    ends.append("held" if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
                else f"signal {{os.WTERMSIG(status)}}" if os.WIFSIGNALED(status) else "other")
print(json.dumps(ends))
"""


def test_children_and_tmpfs_pages_share_one_memory_limit():
    """Under a 256 MiB group, 100 MiB of tmpfs and three children of 100 MiB each cannot all
    be held: the kernel kills children (SIGKILL) until the whole group fits."""
    group = _group(256)
    try:
        with tempfile.TemporaryDirectory(dir="/dev/shm") as tmpfs:
            ends = _run_inside(group, _HOG.format(tmpfs=tmpfs))
            assert group.out_of_memory()
            peak = group.peak_memory()
    finally:
        group.remove()
    assert len(ends) == 3 and "signal 9" in ends, ends  # 400 MiB were never all held
    assert ends.count("held") <= 1, ends  # 100 + 2 x 100 MiB and Python's own exceed 256
    assert peak is None or peak <= 256 * MIB


def test_a_roomy_group_holds_the_same_program_whole():
    """The control for the test above: with 1024 MiB every child holds its 100 MiB."""
    group = _group(1024)
    try:
        with tempfile.TemporaryDirectory(dir="/dev/shm") as tmpfs:
            ends = _run_inside(group, _HOG.format(tmpfs=tmpfs))
        assert not group.out_of_memory()
    finally:
        group.remove()
    assert ends == ["held", "held", "held"]


def test_the_number_of_tasks_is_capped():
    """300 forks in a group of 40 tasks: the forks past the cap fail, none outlives the group."""
    group = _group(256, tasks=40)
    try:
        made = _run_inside(
            group,
            """
            import json, os, time
            made = 0
            pids = []
            for _ in range(300):
                try:
                    pid = os.fork()
                except OSError:
                    break
                if pid == 0:
                    time.sleep(3)
                    os._exit(0)
                pids.append(pid)
            print(json.dumps(len(pids)))
            """,
        )
        assert 0 < made < 40
    finally:
        group.remove()
    assert not group.paths[0].exists()
