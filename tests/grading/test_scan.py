"""The review scan of answers that reach for the grading machinery
(``course_utils.grading.scan``)."""

import pytest

from course_utils.grading.scan import scan


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("ip = get_ipython()", "get_ipython"),
        ("import sys\nsys.modules['x'] = None", "sys.modules"),
        ("import builtins\nbuiltins.print = len", "builtins"),
        ("import os\nos._exit(0)", "os._exit"),
        ("import ctypes", "ctypes"),
        ("!pip install cheat", "shell escape"),
        ("%load_ext autoreload", "magic"),
        ("ch01.check_central_gradient = print", "changes ch01"),
        ("setattr(ch01, 'check_x', print)", "setattr on ch01"),
        (
            "import course_utils.chapters.ch01_error_surfaces.checks as c\nc.check_x = print",
            "changes c",
        ),
        ("exec('x = 1')", "exec"),
        ("ch01 = FakeChecks()", "rebinds ch01"),
        ("from IPython.core.interactiveshell import InteractiveShell", "IPython shell"),
        ("# NBVAL_SKIP\nx = 1", "nbval marker"),
    ],
)
def test_scan_flags_reaching_for_the_machinery(text, fragment):
    findings = scan(text, protected={"ch01", "course_utils"})
    assert any(fragment in f for f in findings), findings


def test_scan_leaves_ordinary_answers_alone():
    text = "def grad(w):\n    g = np.zeros_like(w)\n    g[0] = 2 * w[0]\n    return g\n"
    assert scan(text, protected={"ch01"}) == []
