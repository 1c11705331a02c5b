"""What the checkers compare against, without shipping the solutions.

- The **visible checks** (the ones students run while they work) compare a student's
  answer with *data*: expected values on fixed inputs, stored in
  ``expected/chNN.json`` beside this module and read by :func:`expected`.
- The **hidden checks** are instructor-only code: ``instructor/checks/chNN.py`` in the
  course's repository, never installed with the package. A chapter's checker module
  finds them through :func:`hidden` (its module-level ``__getattr__``): in the
  instructor's checkout they are read from that folder; in a graded run the grader
  supplies them (:func:`supply`), because the sandboxed kernel cannot see the folder;
  anywhere else (a student's copy) they do not exist.

The hidden module runs in a copy of the checker module's namespace, so it uses the
checker's helpers (``call``, ``check_close``, its input builders) without imports.
Both the data and the instructor's code are regenerated and compared by
``instructor/make_expected.py`` and ``tests/exercises/test_expected.py``.
"""

import json
import re
from functools import cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
_SUPPLIED = {}  # chapter key ("ch03") -> source of its hidden checks, given by the grader
_LOADED = {}


def chapter_key(module_name):
    """``"ch03"`` for a checker module such as ``chapters.ch03_gradient_descent.checks``."""
    match = re.search(r"\bch(\d\d)", module_name)
    if not match:
        raise ValueError(f"module_name must name a chapter (chNN), got {module_name!r}")
    return f"ch{match.group(1)}"


@cache
def expected(module_name):
    """The stored expected values of a chapter's visible checks: ``{name: JSON value}``."""
    path = HERE / "expected" / f"{chapter_key(module_name)}.json"
    if not path.is_file():  # a new chapter, before instructor/make_expected.py has run
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def checker_module(key):
    """The name of chapter ``key``'s checker module, ``course_utils.chapters.chNN_*.checks``."""
    key = chapter_key(key)
    folders = sorted((HERE.parent / "chapters").glob(f"{key}_*/checks.py"))
    if len(folders) != 1:
        raise ValueError(f"key must name one chapter folder with a checks.py, got {key!r}")
    return f"course_utils.chapters.{folders[0].parent.name}.checks"


def instructor_folder():
    """``instructor/checks`` of the repository this package was installed from, if there."""
    return HERE.parents[1] / "instructor" / "checks"


def supply(key, source):
    """The grader's way in: the source of chapter ``key``'s hidden checks for this run."""
    _SUPPLIED[chapter_key(key)] = source
    _LOADED.pop(chapter_key(key), None)


def hidden(module, name):
    """Attribute ``name`` of the hidden checks of checker module ``module``.

    Raises ``AttributeError`` when the hidden checks are not available here (a student's
    installation), as a missing module attribute would.
    """
    if name.startswith("__"):
        raise AttributeError(name)
    key = chapter_key(module.__name__)
    if key not in _LOADED:
        source = _SUPPLIED.get(key)
        path = instructor_folder() / f"{key}.py"
        if source is None and path.is_file():
            source = path.read_text(encoding="utf-8")
        if source is None:
            raise AttributeError(
                f"{module.__name__} has no {name}: hidden checks run only when the "
                "instructor grades"
            )
        namespace = dict(vars(module))
        exec(compile(source, f"<hidden checks of {key}>", "exec"), namespace)  # noqa: S102
        _LOADED[key] = namespace
    try:
        return _LOADED[key][name]
    except KeyError:
        raise AttributeError(f"{module.__name__} has no {name}") from None
