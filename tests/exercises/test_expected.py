"""The checkers ship data, not solutions; the data is what the instructor's code computes."""

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from course_utils.chapters.ch03_gradient_descent import checks as ch03
from course_utils.exercises import _expected, _hidden
from course_utils.grading import notebook as N

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "course_utils"


def _make_expected():
    spec = importlib.util.spec_from_file_location("make_expected", ROOT / "instructor" /
                                                  "make_expected.py")  # fmt: skip
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_stored_expected_values_are_those_of_the_reference_code():
    """... up to another CPU's rounding (``make_expected.RTOL``), not byte for byte: the
    stored files were written on one machine, and this test runs on any."""
    make = _make_expected()
    computed = make.computed()
    assert set(computed) == {f"ch0{n}" for n in range(1, 8)}
    for key, data in computed.items():
        stored = json.loads((_expected.HERE / "expected" / f"{key}.json").read_text())
        assert make.differences(stored, data) == [], key


def test_a_stored_value_is_out_of_date_when_it_changes_beyond_rounding():
    differences = _make_expected().differences
    stored = {"a": [1.0, 2, "x"], "b": {"c": 0.25}}
    assert differences(stored, {"a": [1.0 + 4e-13, 2, "x"], "b": {"c": 0.25 + 1e-15}}) == []
    assert differences(stored, {"a": [1.0 + 4e-12, 2, "x"], "b": {"c": 0.25}}) == [
        "/a[0]: stored 1.0, computed 1.000000000004"
    ]
    assert differences(stored, {"a": [1.0, 3, "x"], "b": {"c": 0.25}}) == [
        "/a[1]: stored 2, computed 3"
    ]
    assert differences(stored, {"a": [1.0, 2.0, "x"], "b": {"c": 0.25}}) == []  # 2 == 2.0
    assert differences(stored, {"a": [1.0, 2, "y"], "b": {"c": 0.25}})[0].startswith("/a[2]")
    assert differences(stored, {"a": [1.0, 2], "b": {"c": 0.25}}) == ["/a: 3 entries != 2"]
    assert differences(stored, {"a": [1.0, 2, "x"]}) == ["/: keys ['a', 'b'] != ['a']"]


def _solution_blocks(nb):
    for cell in nb.cells:
        lines = N.source(cell).splitlines()
        for begin, end in N.solution_blocks(N.source(cell)):
            yield [line.strip() for line in lines[begin + 1 : end] if line.strip()]


def test_no_solution_ships_in_the_package_line_for_line():
    """No two consecutive lines of any solution appear in the installed package's
    checkers (before, exercise 3.1's solution was a private helper of its checker)."""
    shipped = set()
    checkers = [*PACKAGE.glob("exercises/*.py"), *PACKAGE.glob("chapters/ch0*/checks.py")]
    assert len(checkers) >= 7 + 3
    for path in checkers:
        shipped.update(line.strip() for line in path.read_text().splitlines())
    copied = []
    for path in sorted((ROOT / "book").glob("0*.ipynb")):
        nb, _ = N.read_notebook(path)
        for block in _solution_blocks(nb):
            for a, b in zip(block, block[1:], strict=False):
                if a in shipped and b in shipped:
                    copied.append((path.name, a, b))
    assert copied == []


def test_hidden_checks_are_the_instructors_not_the_packages(monkeypatch):
    # as a fresh process finds them (a test before this one may have replayed a check as
    # the grader does, which supplies the modules from their source)
    monkeypatch.setattr(_hidden, "_SUPPLIED", {})
    for name in ("instructor.checks.ch03", "instructor.reference.ch03"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    monkeypatch.setattr(_hidden, "_HIDDEN", {})
    checkers = sorted((PACKAGE / "chapters").glob("ch0*/checks.py"))
    assert len(checkers) == 7
    for path in checkers:
        text = path.read_text()
        assert "def check_" in text and "_hidden(" not in text
        assert "EXPECTED, __getattr__ = exercises.bind(__name__)" in text
    # in this checkout they come from instructor/checks, an ordinary module of its own
    hidden = ch03.check_sgd_epoch_more
    assert hidden.__code__.co_filename == str(ROOT / "instructor" / "checks" / "ch03.py")
    assert hidden.__module__ == "instructor.checks.ch03"
    # ... and the reference code is another module, which a graded kernel never receives
    reference = _hidden.module("ch03", _hidden.REFERENCE)
    assert reference.__file__ == str(ROOT / "instructor" / "reference" / "ch03.py")
    assert callable(reference.expected) and callable(reference.hidden)


def test_the_hidden_checks_hold_no_reference_code():
    """What travels into a graded kernel compares with ``HIDDEN`` (values): it neither
    defines nor imports the reference computations."""
    for key, text in _hidden.sources().items():
        assert "HIDDEN = exercises.hidden(__name__)" in text, key
        assert "def expected(" not in text and "def hidden(" not in text, key
        imports = [line for line in text.splitlines() if line.startswith(("import", "from"))]
        assert not [line for line in imports if "reference" in line or "_hidden" in line], key
        references = _hidden.sources(package=_hidden.REFERENCE)
        assert key in references and "def hidden(" in references[key], key


SUPPLIED = """
from course_utils.chapters.ch03_gradient_descent.checks import STEPS_CASES


def check_training_steps_edge(f):
    return "supplied" if STEPS_CASES else None
"""


def test_without_the_instructor_folder_hidden_checks_do_not_exist(monkeypatch, tmp_path):
    monkeypatch.setattr(_hidden, "_CHECKOUT", tmp_path)
    monkeypatch.setattr(_hidden, "_SUPPLIED", {})
    monkeypatch.delitem(sys.modules, "instructor.checks.ch03", raising=False)
    with pytest.raises(AttributeError, match="hidden checks run only when the instructor grades"):
        ch03.check_sgd_epoch_more  # noqa: B018
    assert not hasattr(ch03, "check_training_steps_edge")
    assert _hidden.sources() == {} and _hidden.module("ch03") is None
    _hidden.supply("ch03", SUPPLIED)  # the grader's way in: a module made from the source
    assert ch03.check_training_steps_edge(None) == "supplied"
    assert _hidden.module("ch03").__name__ == "instructor.checks.ch03"
    assert not hasattr(ch03, "check_sgd_epoch_more")  # only what the grader supplied


def test_the_instructors_folder_is_found_beside_the_book_or_in_the_checkout(tmp_path):
    assert _hidden.folder() == ROOT / "instructor" / "checks"
    assert _hidden.folder(ROOT / "book") == ROOT / "instructor" / "checks"
    assert _hidden.folder(tmp_path / "book") == ROOT / "instructor" / "checks"  # none there
    (tmp_path / "instructor" / "checks").mkdir(parents=True)
    (tmp_path / "instructor" / "checks" / "ch09.py").write_text("x = 1\n")
    assert _hidden.folder(tmp_path / "book") == tmp_path / "instructor" / "checks"
    assert _hidden.sources(tmp_path / "book") == {"ch09": "x = 1\n"}
    assert set(_hidden.sources()) == {f"ch0{n}" for n in range(1, 8)}
    assert set(_hidden.sources(package=_hidden.REFERENCE)) == {f"ch0{n}" for n in range(1, 8)}


def test_chapter_key_names_the_chapter():
    assert _expected.chapter_key("course_utils.chapters.ch03_gradient_descent.checks") == "ch03"
    assert _expected.chapter_key("instructor.checks.ch03") == "ch03"
    with pytest.raises(ValueError, match="module_name must name a chapter"):
        _expected.chapter_key("course_utils.exercises._feedback")
