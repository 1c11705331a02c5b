"""The package's import graph, read from the source: layers, no cycles, numpy-only numerics.

Also: importing a module does no numerical work (no random draw, no optimizer built).

Layers, lowest first: ``_validate``; the numerics core (numpy only); ``plotting``; the
kits (``widgets``, ``exercises``), ``grading`` and ``saved_widgets`` (a Jupyter server
extension); ``chapters``. A module may import its own layer or a lower one, a chapter
only itself or an earlier chapter.
"""

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "course_utils"
CORE = [
    "_validate",
    "surfaces",
    "calculus",
    "optimizers",
    "schedules",
    "clipping",
    "nn",
    "data",
    "training",
    "least_squares",
    "second_order",
    "line_search",
]
NUMERICS_IMPORTS = {"numpy", "math", "numbers", "typing", "sklearn"}  # sklearn: bundled digits


def module_name(path):
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(path):
    """Every module ``path`` imports (absolute names), at any depth of its code."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {name for name in found if name}


def internal(path):
    """The package's own modules that ``path`` imports."""
    return {name for name in imports(path) if name in MODULES and name != "course_utils"}


def layer(name):
    """(rank, chapter number) of a module: lower ranks may not import higher ones."""
    parts = name.split(".")
    if len(parts) == 1:
        return (5, 0)  # the package's __init__ re-exports the core
    if parts[1] == "_validate":
        return (0, 0)
    if parts[1] in CORE:
        return (1, 0)
    if parts[1] == "plotting":
        return (2, 0)
    if parts[1] in ("widgets", "exercises", "grading", "saved_widgets"):
        return (3, 0)
    if parts[1] == "chapters":
        return (4, int(parts[2][2:4]) if len(parts) > 2 else 0)
    raise AssertionError(f"{name} belongs to no layer: add it to tests/test_layers.py")


@pytest.mark.parametrize("name", sorted(MODULES))
def test_a_module_imports_only_its_own_layer_or_lower(name):
    here = layer(name)
    for other in internal(MODULES[name]):
        there = layer(other)
        assert there <= here, f"{name} (layer {here}) imports {other} (layer {there})"


def test_the_core_never_imports_a_chapter_and_numerics_import_only_numpy():
    for name in (f"course_utils.{m}" for m in CORE):
        outside = {i.split(".")[0] for i in imports(MODULES[name])} - NUMERICS_IMPORTS
        assert outside <= {"course_utils", "__future__"}, f"{name} imports {outside}"
        assert not any(".chapters" in i for i in imports(MODULES[name])), name


def test_no_import_cycles():
    graph = {name: internal(path) - {name} for name, path in MODULES.items()}
    done, on_path = set(), []

    def visit(name):
        if name in on_path:
            cycle = on_path[on_path.index(name) :] + [name]
            raise AssertionError("import cycle: " + " -> ".join(cycle))
        if name in done:
            return
        on_path.append(name)
        for other in sorted(graph[name]):
            if not other.startswith(name + "."):  # a package importing its own module
                visit(other)
        on_path.pop()
        done.add(name)

    for name in sorted(graph):
        visit(name)


def test_the_layer_rules_catch_a_bad_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from course_utils.chapters.ch05_momentum.theory import gd_rate\n")
    assert internal(bad) == {"course_utils.chapters.ch05_momentum.theory"}
    assert layer("course_utils.chapters.ch05_momentum.theory") > layer("course_utils.training")
    assert layer("course_utils.chapters.ch04_learning_rate.noisy") < layer(
        "course_utils.chapters.ch05_momentum.theory"
    )


# Run in a fresh interpreter: every random generator of numpy and every optimizer's
# constructor raise, then every module of the package is imported (``__main__`` modules,
# which run a command, excepted). Problems, optimizers and tables must be built on first
# use (e.g. a functools.cache'd function), not when a notebook merely imports a name.
NO_WORK_AT_IMPORT = """
import importlib, pkgutil, sys
import numpy as np

def refuse(what):
    def fail(*args, **kwargs):
        raise AssertionError(what + " called at import time")
    return fail

for name in ("default_rng", "RandomState", "seed", "rand", "randn", "normal", "uniform",
             "random", "randint", "choice", "permutation", "shuffle"):
    setattr(np.random, name, refuse("numpy.random." + name))
import course_utils.optimizers as optimizers
optimizers.Optimizer.__init__ = refuse("an optimizer's constructor")

import course_utils
failures = []
for info in pkgutil.walk_packages(course_utils.__path__, "course_utils."):
    if info.name.endswith("__main__"):
        continue
    try:
        importlib.import_module(info.name)
    except AssertionError as err:
        failures.append(f"{info.name}: {err}")
print("\\n".join(failures))
sys.exit(1 if failures else 0)
"""


def test_importing_any_module_does_no_numerical_work():
    done = subprocess.run(
        [sys.executable, "-c", NO_WORK_AT_IMPORT],
        capture_output=True,
        text=True,
        cwd=PACKAGE.parent,
        env={**os.environ, "MPLBACKEND": "Agg"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == ""
