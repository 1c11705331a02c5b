"""A check in two processes: the student's kernel records, the grader replays
(``course_utils.exercises._probe``, ``_replay``, ``_plain``). Here both halves run in this
process; the record between them is the JSON text a graded kernel would send."""

import json

import numpy as np
import pytest

from course_utils.chapters.ch01_error_surfaces import checks as ch01
from course_utils.chapters.ch03_gradient_descent import checks as ch03
from course_utils.exercises import ExerciseError, _expected, _hidden, _plain, _probe, _replay


def _placeholders(key):
    values = _expected.placeholders(dict(_expected.expected(key)))
    hidden = _hidden.hidden(key) if _hidden.module(key) is not None else {}
    return json.dumps(values), json.dumps(_expected.placeholders(dict(hidden)))


def graded(check, *answers):
    """The grader's verdict on ``answers``, the checker having run first as in a kernel."""
    key, name = check.split(".")
    expected, hidden = _placeholders(key)
    source = _hidden.sources().get(key) if name not in dir(_probe.checker_module(key)) else None
    text = _probe.record(check, lambda: _probe.arguments(*answers), expected, hidden, source)
    assert "reference" not in text
    return _replay.judge(text, check, _probe.checker(key, name)), text


def self_checked(function, *answers):
    try:
        function(*answers)
    except ExerciseError as err:
        return str(err)
    return None


def central_gradient(f, w, h=1e-5):
    g = np.zeros_like(w)
    for i in range(len(w)):
        e = np.zeros_like(w)
        e[i] = h
        g[i] = (f(w + e) - f(w - e)) / (2 * h)
    return g


def test_a_right_answer_passes_with_the_self_checks_confirmation(capsys):
    verdict, _ = graded("ch01.check_central_gradient", central_gradient)
    ch01.check_central_gradient(central_gradient)
    assert verdict.passed and verdict.confirmations == (capsys.readouterr().out.strip(),)


def test_a_wrong_answer_gets_the_self_checks_message_word_for_word():
    def off(f, w, h=1e-5):
        return central_gradient(f, w, h) * 1.01

    verdict, _ = graded("ch01.check_central_gradient", off)
    assert verdict.error == ("ExerciseError", self_checked(ch01.check_central_gradient, off))

    def in_place(f, w, h=1e-5):
        g = central_gradient(f, w, h)
        w += 1.0  # changes its argument: the grader sees it too
        return g

    verdict, _ = graded("ch01.check_central_gradient", in_place)
    message = self_checked(ch01.check_central_gradient, in_place)
    assert "changed its argument" in message and verdict.error == ("ExerciseError", message)


def test_the_stub_and_a_students_exception_keep_their_meaning():
    def stub(f, w, h=1e-5):
        raise NotImplementedError("Replace this line with your answer")

    verdict, _ = graded("ch01.check_central_gradient", stub)
    assert verdict.error[0] == "NotImplementedError"  # the grader reads it as unanswered

    def broken(f, w, h=1e-5):
        return {}["missing"]

    verdict, _ = graded("ch01.check_central_gradient", broken)
    assert verdict.error[0] == "ExerciseError" and "calling it raised KeyError" in verdict.error[1]


def test_values_and_named_tuples_cross_as_data():
    H = np.array([[802.0, -400.0], [-400.0, 200.0]])
    lam = np.linalg.eigvalsh(H)
    assert graded("ch01.check_rosenbrock_curvature", lam, 2 / lam[1])[0].passed
    from course_utils.calculus import eigen_analysis

    eigen = eigen_analysis(H)  # an Eigen named tuple: its .vectors is the hint's clue
    verdict, _ = graded("ch01.check_rosenbrock_curvature", eigen, 2 / lam[1])
    assert verdict.error == (
        "ExerciseError",
        self_checked(ch01.check_rosenbrock_curvature, eigen, 2 / lam[1]),
    )


def test_a_chain_of_calls_with_one_generator_replays_exactly():
    """Exercise 3.1's hidden check feeds each epoch's result and the same generator into
    the next call: the grader follows the generator's state from the record."""

    def sgd_epoch(grad_fn, w, X, y, lr, batch_size, rng):
        idx = rng.permutation(len(X))
        for k in range(0, len(X), batch_size):
            b = idx[k : k + batch_size]
            w = w - lr * grad_fn(w, X[b], y[b])
        return w

    verdict, text = graded("ch03.check_sgd_epoch_more", sgd_epoch)
    assert verdict.passed, verdict
    assert len(json.loads(text)["calls"]) == 3

    def fresh_rng(grad_fn, w, X, y, lr, batch_size, rng):
        return sgd_epoch(grad_fn, w, X, y, lr, batch_size, np.random.default_rng(11))

    verdict, _ = graded("ch03.check_sgd_epoch_more", fresh_rng)
    assert verdict.error == ("ExerciseError", self_checked(ch03.check_sgd_epoch_more, fresh_rng))


class _Oracle:
    """An answer that reads the checker's expected value out of the checker's frames."""

    def __array__(self, dtype=None, copy=None):
        try:
            raise ZeroDivisionError
        except ZeroDivisionError as e:
            frame = e.__traceback__.tb_frame
        while frame is not None:
            for key in ("expected", "grad"):
                value = frame.f_locals.get(key)
                if value is not None and not callable(value) and not isinstance(value, str):
                    found = np.asarray(value, dtype=float)
                    return found if dtype is None else found.astype(dtype)
            frame = frame.f_back
        return np.zeros(1)


def test_an_oracle_passes_a_check_in_its_own_process_but_not_a_graded_one():
    def oracle(f, w, h=1e-5):
        return _Oracle()

    assert self_checked(ch01.check_central_gradient, oracle) is None  # the attack is real
    verdict, _ = graded("ch01.check_central_gradient", oracle)
    assert not verdict.passed and "nan" in verdict.error[1]  # it found placeholders only


def test_a_forged_record_answers_nothing_it_was_not_asked():
    text = _probe.record("ch01.check_central_gradient", lambda: _probe.arguments(central_gradient),
                         _placeholders("ch01")[0])  # fmt: skip
    rec = json.loads(text)
    rec["calls"] = [{**c, "inputs": "0" * 32} for c in rec["calls"]]  # answers to other inputs
    verdict = _replay.judge(json.dumps(rec), "ch01.check_central_gradient",
                            ch01.check_central_gradient)  # fmt: skip
    assert not verdict.passed and "differ" in verdict.error[1]
    rec["calls"] = []  # ✓ claimed, nothing recorded
    verdict = _replay.judge(json.dumps(rec), "ch01.check_central_gradient",
                            ch01.check_central_gradient)  # fmt: skip
    assert not verdict.passed
    for junk in ("[" * 100_000, '{"check": "ch01.check_other", "version": 1}', None, "{}"):
        verdict = _replay.judge(junk, "ch01.check_central_gradient", ch01.check_central_gradient)
        assert not verdict.passed and verdict.review


def test_plain_data_round_trips_and_carries_no_objects():
    values = [
        1,
        2.5,
        float("nan"),
        True,
        None,
        "é",
        (1, 2),
        [np.float32(1.5)],
        np.arange(6, dtype=np.int32).reshape(2, 3),
        {"a": np.array([1 + 2j])},
        range(3),
    ]
    back = _plain.decode(_plain.encode(values))
    assert _plain.fingerprint(back[:10]) == _plain.fingerprint(values[:10])
    assert back[-1] == [0, 1, 2]

    class Evil:
        def __repr__(self):
            return "Evil()"

    opaque = _plain.decode(_plain.encode(Evil()))
    assert isinstance(opaque, _plain.Opaque) and repr(opaque) == "Evil()"
    with pytest.raises(_plain.TooLarge):
        nested = []
        for _ in range(100):
            nested = [nested]
        _plain.encode(nested)
