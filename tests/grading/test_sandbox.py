"""The student's kernel under bubblewrap (``course_utils.grading.sandbox``)."""

import json
import sys
import threading

import pytest

from course_utils.grading import sandbox

from .students import BOOK, ROOT


@pytest.mark.skipif(sandbox.bwrap() is None, reason="bubblewrap is not installed")
def test_the_sandbox_binds_only_what_the_kernel_needs(tmp_path):
    cmd = sandbox.bwrap_command(tmp_path, 1024)
    bound = {cmd[i + 2] for i, a in enumerate(cmd) if a in ("--bind", "--ro-bind")}
    wanted = {str(p) for p in sandbox.read_only_paths()} | {"/usr", sys.prefix}
    assert bound == wanted | {f"{sandbox.INSIDE}/ipc"}
    sized = {cmd[i + 3]: int(cmd[i + 1]) for i, a in enumerate(cmd) if a == "--size"}
    mib = 1024 * 1024
    assert sized == {"/tmp": 512 * mib, "/dev/shm": 512 * mib, sandbox.INSIDE: 256 * mib}
    assert sandbox.bwrap_command(tmp_path, 300, disk_mib=64).count(str(64 * mib)) == 1
    assert str(ROOT) not in bound and str(BOOK) not in bound
    for flag in ("--unshare-all", "--unshare-user", "--die-with-parent", "--clearenv"):
        assert flag in cmd
    assert cmd.index("--tmpfs") < min(i for i, a in enumerate(cmd) if a == "--ro-bind")


def test_the_kernel_gets_the_graders_cpu_settings_and_nothing_else(monkeypatch, tmp_path):
    """The test matrix validates under other CPU kernels through the sandbox; no other
    variable of the grader's (a token, say) reaches the student's kernel."""
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Prescott")
    monkeypatch.setenv("NPY_DISABLE_CPU_FEATURES", "X86_V4")
    monkeypatch.setenv("GRADER_TOKEN", "secret")
    env = sandbox.kernel_environment(tmp_path / "home", tmp_path / "tmp")
    assert env["OPENBLAS_CORETYPE"] == "Prescott" and env["NPY_DISABLE_CPU_FEATURES"] == "X86_V4"
    assert "GRADER_TOKEN" not in env and "secret" not in env.values()
    monkeypatch.delenv("OPENBLAS_CORETYPE")
    assert "OPENBLAS_CORETYPE" not in sandbox.kernel_environment(tmp_path, tmp_path)


def _message(kind, parent, text):
    header = json.dumps({"msg_type": kind}).encode()
    return [b"stream", b"<IDS|MSG>", b"sig", header, json.dumps({"msg_id": parent}).encode(),
            b"{}", text]  # fmt: skip


def test_the_relay_cuts_each_cells_output_at_its_limit(monkeypatch):
    """Where the kernel's output enters the grader: a cell's outputs past the limit are
    dropped, another cell's and the kernel's status messages still pass."""
    zmq = pytest.importorskip("zmq")
    context = zmq.Context()
    monkeypatch.setattr(sandbox, "OUTPUT_LIMIT", 1000)
    kernel, grader = context.socket(zmq.PUB), context.socket(zmq.SUB)
    kernel.bind("inproc://kernel")
    grader.setsockopt(zmq.SUBSCRIBE, b"")
    grader.setsockopt(zmq.RCVTIMEO, 5000)
    args = (context, "XPUB", "XSUB", "inproc://grader", "inproc://kernel")
    threading.Thread(target=sandbox._relay, args=args, daemon=True).start()
    grader.connect("inproc://grader")  # (inproc: before or after the relay binds)
    try:
        while True:  # until the subscription has reached the kernel's socket
            kernel.send_multipart(_message("status", "hello", b"ping"))
            try:
                grader.setsockopt(zmq.RCVTIMEO, 100)
                grader.recv_multipart()
                break
            except zmq.Again:
                continue
        grader.setsockopt(zmq.RCVTIMEO, 5000)
        while True:  # drain the pings
            try:
                grader.setsockopt(zmq.RCVTIMEO, 300)
                grader.recv_multipart()
            except zmq.Again:
                break
        for _ in range(10):  # 10 x 300 bytes of text from cell "a": only 2 fit in 1000 bytes
            kernel.send_multipart(_message("stream", "a", b"x" * 300))
        kernel.send_multipart(_message("status", "a", b"idle"))
        kernel.send_multipart(_message("stream", "b", b"y" * 300))
        got = []
        grader.setsockopt(zmq.RCVTIMEO, 5000)
        while len(got) < 4:
            got.append(grader.recv_multipart()[-1])
    finally:
        context.destroy(linger=0)
    assert got == [b"x" * 300, b"x" * 300, b"idle", b"y" * 300]
