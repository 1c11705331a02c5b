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


_FIVE_TWO = ("optimal_heavy_ball", "heavy_ball_rate", "optimal_gd")


@pytest.mark.parametrize(
    "text",
    [
        "def optimal_momentum(H):\n    lam = np.linalg.eigvalsh(H)\n"
        "    return optimal_heavy_ball(lam[0], lam[-1])\n",
        "f = optimal_heavy_ball\ndef optimal_momentum(H):\n    return f(1, 9)\n",
        "from course_utils.chapters.ch05_momentum import theory as t\n"
        "def optimal_momentum(H):\n    return t.optimal_heavy_ball(1, 9)\n",
        "def optimal_momentum(H):\n"
        "    from course_utils.chapters.ch05_momentum.theory import optimal_heavy_ball as o\n"
        "    return o(1, 9)\n",
    ],
)
def test_scan_flags_the_functions_that_implement_the_exercise(text):
    findings = scan(text, protected={"ch05", "optimal_heavy_ball"}, implemented_by=_FIVE_TWO)
    assert any("implements this exercise" in f for f in findings), findings


def test_scan_leaves_a_worked_answer_and_its_own_names_alone():
    text = (
        "def optimal_momentum(H):\n    lam = np.linalg.eigvalsh(H)\n"
        "    def heavy_ball_rate(k):\n        return (k ** 0.5 - 1) / (k ** 0.5 + 1)\n"
        "    rate = heavy_ball_rate(lam[-1] / lam[0])\n"
        "    return 4 / (lam[-1] ** 0.5 + lam[0] ** 0.5) ** 2, rate ** 2, rate\n"
    )
    assert scan(text, protected={"ch05"}, implemented_by=_FIVE_TWO) == []
    assert scan("x = optimal_heavy_ball", protected={"ch05"}) == []  # not this exercise's


# --- a function's own names shadow the notebook's: scope, not spelling -----------------------
_SETUP = {"course_utils", "ch05", "theory", "regime", "cost", "split", "ch01"}


@pytest.mark.parametrize(
    "text",
    [
        # a local variable named like a setup import (chapter 5 imports theory and regime)
        "def escape_steps(x0, lr, mu, radius):\n    theory = 1 + lr * mu\n    return theory\n",
        "def regime_and_rate(lr, beta, lam):\n    regime = 'monotone'\n    return regime, 0.5\n",
        # an argument and a local dict named like chapter 2's cost and chapter 7's split
        "def f(split, n):\n    split.X = n\n    cost = {}\n    cost['a'] = 1\n    return cost\n",
        "g = lambda ch01: ch01.check\n",
        "def f():\n    for ch01 in range(3):\n        pass\n    return ch01\n",
    ],
)
def test_scan_leaves_local_names_that_shadow_the_setup_alone(text):
    assert scan(text, protected=_SETUP, implemented_by=("regime",)) == []


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("def f():\n    global ch01\n    ch01 = 3\n", "rebinds ch01"),
        # g's global reaches past f's argument of the same name
        (
            "def f(ch01):\n    def g():\n        global ch01\n        ch01.check = print\n"
            "    return g\n",
            "changes ch01",
        ),  # fmt: skip
        # a comprehension's variable does not make the name local to the function
        ("def f():\n    [ch01 for ch01 in range(3)]\n    ch01.check = print\n", "changes ch01"),
        # a default value is evaluated outside the function
        ("def f(x=ch01._secret):\n    return x\n", "private name _secret"),
        # a name local to one function is the setup's import in another
        (
            "def a():\n    regime = 1\n    return regime\n\n\ndef b(lr, beta):\n"
            "    return regime(lr, beta)\n",
            "implements this exercise",
        ),  # fmt: skip
        ("ch01 = 1\n", "rebinds ch01"),
    ],
)
def test_scan_still_flags_the_notebooks_names_reached_from_a_function(text, fragment):
    findings = scan(text, protected=_SETUP, implemented_by=("regime",))
    assert any(fragment in f for f in findings), findings
