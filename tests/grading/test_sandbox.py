"""The student's kernel under bubblewrap (``course_utils.grading.sandbox``)."""

import sys

import pytest

from course_utils.grading import sandbox

from .students import BOOK, ROOT


@pytest.mark.skipif(sandbox.bwrap() is None, reason="bubblewrap is not installed")
def test_the_sandbox_binds_only_what_the_kernel_needs(tmp_path):
    cmd = sandbox.bwrap_command(tmp_path, 1024)
    bound = {cmd[i + 2] for i, a in enumerate(cmd) if a in ("--bind", "--ro-bind")}
    wanted = {str(p) for p in sandbox.read_only_paths()} | {"/usr", sys.prefix}
    assert bound == wanted | {f"{sandbox.INSIDE}/{name}" for name in ("work", "home", "ipc")}
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
