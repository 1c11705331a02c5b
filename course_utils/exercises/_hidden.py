"""The hidden checks: instructor-only modules, found in one place.

A chapter's hidden checks and the reference code behind its stored values are the module
``instructor.checks.chNN``, the file ``instructor/checks/chNN.py`` of the course's
repository, which is never installed with the package. It is an ordinary module: it
imports what it uses (the chapter's checker helpers, numpy, the core) and nothing is
copied into it. :func:`module` loads it from one of two places:

- the source the grader handed over (:func:`supply`): a graded run's kernel, sealed off
  in its sandbox, cannot see the instructor's folder;
- otherwise the instructor's folder (:func:`folder`), if there is one: in the instructor's
  checkout, where the book and ``instructor/make_expected.py`` run them.

Anywhere else (a student's installation) there are no hidden checks.
"""

import importlib.abc
import importlib.util
import sys
from pathlib import Path

from course_utils.exercises._expected import chapter_key

PACKAGE = "instructor.checks"  # the hidden checks of chapter "ch03" are instructor.checks.ch03
_CHECKOUT = Path(__file__).resolve().parents[2]  # the repository the package was installed from
_SUPPLIED = {}  # chapter key -> source of its hidden checks, given by the grader


def folder(book=None):
    """The folder of the instructor's hidden checks: ``instructor/checks`` beside the
    instructor's ``book`` folder when it has one, else in the checkout this package was
    installed from (it need not exist)."""
    if book is not None:
        beside = Path(book).resolve().parent / "instructor" / "checks"
        if beside.is_dir():
            return beside
    return _CHECKOUT / "instructor" / "checks"


def sources(book=None):
    """``{"ch03": source, …}``: every chapter's hidden checks in :func:`folder`."""
    found = sorted(folder(book).glob("ch[0-9][0-9].py"))
    return {path.stem: path.read_text(encoding="utf-8") for path in found}


def supply(key, source):
    """The grader's way in: the source of chapter ``key``'s hidden checks for this run."""
    key = chapter_key(key)
    if _SUPPLIED.get(key) != source:
        _SUPPLIED[key] = source
        sys.modules.pop(f"{PACKAGE}.{key}", None)  # loaded again, from this source


class _Supplied(importlib.abc.InspectLoader):
    """Loads a module from the source text the grader supplied."""

    def __init__(self, source):
        self.source = source

    def get_source(self, fullname):
        return self.source

    def get_code(self, fullname):
        return self.source_to_code(self.source, f"<{fullname}, supplied by the grader>")


def module(key):
    """The hidden checks of chapter ``key`` (``"ch03"``) as a module, or None where there
    are none (a student's installation)."""
    key = chapter_key(key)
    name = f"{PACKAGE}.{key}"
    if name in sys.modules:
        return sys.modules[name]
    path = folder() / f"{key}.py"
    if key in _SUPPLIED:
        spec = importlib.util.spec_from_loader(name, _Supplied(_SUPPLIED[key]))
    elif path.is_file():
        spec = importlib.util.spec_from_file_location(name, path)
    else:
        return None
    hidden = importlib.util.module_from_spec(spec)
    sys.modules[name] = hidden  # as an import does, before the module runs
    try:
        spec.loader.exec_module(hidden)
    except BaseException:
        del sys.modules[name]
        raise
    return hidden
