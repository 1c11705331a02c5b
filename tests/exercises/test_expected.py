"""The checkers ship data, not solutions; the data is what the instructor's code computes."""

import importlib.util
import json
from pathlib import Path

import pytest

from course_utils.chapters.ch03_gradient_descent import checks as ch03
from course_utils.exercises import _expected
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


def test_hidden_checks_are_the_instructors_not_the_packages():
    checkers = sorted((PACKAGE / "chapters").glob("ch0*/checks.py"))
    assert len(checkers) == 7
    for path in checkers:
        text = path.read_text()
        assert "def check_" in text and "_hidden(" not in text.replace("_expected.hidden(", "")
    # in this checkout they come from instructor/checks; elsewhere they do not exist
    assert ch03.check_sgd_epoch_more.__code__.co_filename == "<hidden checks of ch03>"


def test_without_the_instructor_folder_hidden_checks_do_not_exist(monkeypatch, tmp_path):
    monkeypatch.setattr(_expected, "instructor_folder", lambda: tmp_path)
    monkeypatch.setattr(_expected, "_LOADED", {})
    monkeypatch.setattr(_expected, "_SUPPLIED", {})
    with pytest.raises(AttributeError, match="hidden checks run only when the instructor grades"):
        ch03.check_sgd_epoch_more  # noqa: B018
    assert not hasattr(ch03, "check_training_steps_edge")
    _expected.supply("ch03", "def check_training_steps_edge(f):\n    return 'supplied'\n")
    assert ch03.check_training_steps_edge(None) == "supplied"  # the grader's way in


def test_chapter_key_names_the_chapter():
    assert _expected.chapter_key("course_utils.chapters.ch03_gradient_descent.checks") == "ch03"
    with pytest.raises(ValueError, match="module_name must name a chapter"):
        _expected.chapter_key("course_utils.exercises._feedback")
