"""The instructor's modules of a chapter, found in one place: its hidden checks and its
reference code. Neither is installed with the package.

- ``instructor/checks/chNN.py``, the module ``instructor.checks.chNN``: the hidden checks,
  their inputs and their logic. In a graded run its source travels into the student's
  sandboxed kernel (which calls the student's functions on those inputs), so it holds no
  solution: it compares with ``HIDDEN = exercises.hidden(__name__)``, values.
- ``instructor/reference/chNN.py``, the module ``instructor.reference.chNN``: the reference
  code, ``expected()`` (the visible checks' stored values) and ``hidden()`` (the values of
  the hidden checks). Only the instructor's processes run it: the grader, the book in the
  instructor's checkout, ``instructor/make_expected.py``. It never enters a student's kernel.

Both are ordinary modules that import what they use. :func:`module` loads one from the
source handed over with :func:`supply` (the grader hands the hidden checks to the graded
kernel, which cannot see the instructor's folder), else from the instructor's folder
(:func:`folder`), if there is one. Anywhere else (a student's installation) there are none.
"""

import importlib.abc
import importlib.util
import json
import sys
from pathlib import Path

from course_utils.exercises._expected import Values, chapter_key

PACKAGE = "instructor.checks"  # the hidden checks of chapter "ch03" are instructor.checks.ch03
REFERENCE = "instructor.reference"  # ... and its reference code instructor.reference.ch03
_CHECKOUT = Path(__file__).resolve().parents[2]  # the repository the package was installed from
_SUPPLIED = {}  # (package, chapter key) -> source, given by the grader
_HIDDEN = {}  # chapter key -> its HIDDEN values


def folder(book=None):
    """The folder of the instructor's hidden checks: ``instructor/checks`` beside the
    instructor's ``book`` folder when it has one, else in the checkout this package was
    installed from (it need not exist)."""
    if book is not None:
        beside = Path(book).resolve().parent / "instructor" / "checks"
        if beside.is_dir():
            return beside
    return _CHECKOUT / "instructor" / "checks"


def sources(book=None, package=PACKAGE):
    """``{"ch03": source, …}``: every chapter's hidden checks in :func:`folder` (or, with
    ``package=REFERENCE``, its reference code, in the folder beside it)."""
    where = folder(book) if package == PACKAGE else folder(book).parent / "reference"
    found = sorted(where.glob("ch[0-9][0-9].py"))
    return {path.stem: path.read_text(encoding="utf-8") for path in found}


def supply(key, source, package=PACKAGE):
    """The grader's way in: the source of chapter ``key``'s hidden checks (or reference
    code) for this process."""
    key = chapter_key(key)
    if _SUPPLIED.get((package, key)) != source:
        _SUPPLIED[(package, key)] = source
        sys.modules.pop(f"{package}.{key}", None)  # loaded again, from this source
        if package == REFERENCE:
            _HIDDEN.pop(key, None)


class _Supplied(importlib.abc.InspectLoader):
    """Loads a module from the source text the grader supplied."""

    def __init__(self, source):
        self.source = source

    def get_source(self, fullname):
        return self.source

    def get_code(self, fullname):
        return self.source_to_code(self.source, f"<{fullname}, supplied by the grader>")


def module(key, package=PACKAGE):
    """The hidden checks of chapter ``key`` (``"ch03"``) as a module (or, with
    ``package=REFERENCE``, its reference code), or None where there are none (a student's
    installation, a graded kernel for the reference code)."""
    key = chapter_key(key)
    name = f"{package}.{key}"
    if name in sys.modules:
        return sys.modules[name]
    path = folder() / f"{key}.py"
    if package != PACKAGE:
        path = folder().parent / "reference" / f"{key}.py"
    if (package, key) in _SUPPLIED:
        spec = importlib.util.spec_from_loader(name, _Supplied(_SUPPLIED[(package, key)]))
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


def _reference_values(key):
    reference = module(key, REFERENCE)
    if reference is None:
        raise KeyError(f"the values of {key}'s hidden checks are the instructor's: "
                       "instructor/reference is not here")  # fmt: skip
    return json.loads(json.dumps(reference.hidden()))  # plain data, as the stored values


def hidden(module_name):
    """``HIDDEN`` of a chapter's hidden checks: the values its reference code's ``hidden()``
    computes (:class:`~course_utils.exercises._expected.Values`, loaded on first use)."""
    key = chapter_key(module_name)
    if key not in _HIDDEN:
        _HIDDEN[key] = Values(key, "hidden", lambda: _reference_values(key))
    return _HIDDEN[key]
