"""Tests of course_utils.schedules: closed forms evaluated by hand."""

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

from course_utils.schedules import (
    SCHEDULES,
    Schedule,
    constant,
    cosine,
    decreasing,
    exponential,
    inverse_time,
    make_schedule,
    step_decay,
    warmup,
    warmup_cosine,
)


def test_constant():
    s = constant(0.3)
    assert s(0) == s(1000) == 0.3
    assert repr(s) == "constant(lr=0.3)"


def test_step_decay():
    s = step_decay(0.1, step_size=10, gamma=0.5)
    assert_allclose([s(0), s(9), s(10), s(19), s(20), s(25)], [0.1, 0.1, 0.05, 0.05, 0.025, 0.025])
    assert repr(s) == "step_decay(lr=0.1, step_size=10, gamma=0.5)"
    assert step_decay(1.0, 3)(3) == pytest.approx(0.1)  # torch's default gamma


def test_exponential():
    s = exponential(1.0, 0.5)
    assert_allclose([s(0), s(1), s(3)], [1.0, 0.5, 0.125])


def test_inverse_time():
    s = inverse_time(1.0, 0.5)
    assert_allclose([s(0), s(2), s(4)], [1.0, 0.5, 1 / 3])
    assert inverse_time(0.2, 0.0)(100) == 0.2


def test_decreasing_is_a_over_b_plus_t():
    s = decreasing(3.0, 2.0)
    assert_allclose([s(0), s(1), s(10)], [1.5, 1.0, 0.25])
    assert repr(s) == "decreasing(a=3.0, b=2.0)"
    same = inverse_time(3.0 / 2.0, 1 / 2.0)  # a/b / (1 + t/b) = a / (b + t)
    assert_allclose([s(t) for t in range(50)], [same(t) for t in range(50)], rtol=1e-15)


def test_inverse_time_robbins_monro():
    # decay 1: eta_t = 1/(1+t); partial sums grow like log N, squares stay below pi^2/6
    s = inverse_time(1.0, 1.0)
    rates = np.array([s(t) for t in range(10_000)])
    assert rates.sum() > math.log(10_000)
    assert (rates**2).sum() < math.pi**2 / 6


def test_cosine():
    s = cosine(1.0, 10)
    assert_allclose([s(0), s(5), s(10), s(20)], [1.0, 0.5, 0.0, 0.0], atol=1e-15)
    assert_allclose(cosine(1.0, 10, lr_min=0.1)(5), 0.1 + 0.9 * 0.5)
    assert_allclose(cosine(2.0, 4)(1), 2.0 * (1 + math.cos(math.pi / 4)) / 2)


def test_warmup_multiplies_the_base_schedule():
    s = warmup(constant(1.0), 4, start_factor=0.2)
    assert_allclose([s(t) for t in [0, 1, 2, 3, 4, 10]], [0.2, 0.4, 0.6, 0.8, 1.0, 1.0])
    assert warmup(constant(3.0), 2)(0) == pytest.approx(1.0)  # LinearLR's 1/3
    s = warmup(cosine(1.0, 10), 5, start_factor=0.5)
    assert_allclose(s(2), (0.5 + 0.5 * 2 / 5) * (1 + math.cos(0.2 * math.pi)) / 2)
    assert repr(warmup(constant(1.0), 4, 0.5)) == (
        "warmup(schedule=constant(lr=1.0), warmup_steps=4, start_factor=0.5)"
    )
    assert warmup(lambda t: 2.0, 2, 0.5)(1) == 1.5  # any callable base


def test_warmup_cosine():
    s = warmup_cosine(1.0, 100)
    assert s.params["warmup_steps"] == 10
    assert_allclose(s(10), (1 + math.cos(math.pi * 10 / 100)) / 2)
    assert warmup_cosine(1.0, 5).params["warmup_steps"] == 1
    assert warmup_cosine(1.0, 100, warmup_steps=20).params["warmup_steps"] == 20


def test_make_schedule_defaults():
    lr, T = 0.2, 100
    assert list(SCHEDULES) == ["constant", "step", "exponential", "1/t", "cosine", "warmup+cosine"]
    for name in SCHEDULES:
        s = make_schedule(name, lr, T)
        assert isinstance(s, Schedule) and isinstance(s(0), float)
        assert s(0) == pytest.approx(lr / 3 if name == "warmup+cosine" else lr)
    assert make_schedule("constant", lr, T)(T) == lr
    step = make_schedule("step", lr, T)  # divided by 10 after each third: 34, 68
    assert_allclose([step(33), step(34), step(68), step(99)], [lr, lr / 10, lr / 100, lr / 100])
    assert_allclose(make_schedule("exponential", lr, T)(T), lr / 100)
    assert_allclose(make_schedule("1/t", lr, T)(T), lr / 10)
    assert_allclose(make_schedule("cosine", lr, T)(T), 0.0, atol=1e-15)
    assert_allclose(make_schedule("warmup+cosine", lr, T)(T), 0.0, atol=1e-15)


def test_t_must_be_a_nonnegative_int():
    s = constant(0.1)
    with pytest.raises(ValueError, match="t must be in"):
        s(-1)
    with pytest.raises(TypeError, match="t must be an integer"):
        s(1.5)
    assert s(np.int64(3)) == 0.1


@pytest.mark.parametrize(
    "factory, kwargs, name",
    [
        (constant, dict(lr=0), "lr"),
        (step_decay, dict(lr=-1, step_size=2), "lr"),
        (step_decay, dict(lr=1, step_size=0), "step_size"),
        (step_decay, dict(lr=1, step_size=2, gamma=0), "gamma"),
        (step_decay, dict(lr=1, step_size=2, gamma=1.5), "gamma"),
        (exponential, dict(lr=1, gamma=0), "gamma"),
        (exponential, dict(lr=1, gamma=1.01), "gamma"),
        (exponential, dict(lr=0, gamma=0.5), "lr"),
        (inverse_time, dict(lr=1, decay=-0.1), "decay"),
        (inverse_time, dict(lr=-1, decay=0.1), "lr"),
        (decreasing, dict(a=0, b=1), "a"),
        (decreasing, dict(a=1, b=-1), "b"),
        (cosine, dict(lr=1, total_steps=0), "total_steps"),
        (cosine, dict(lr=1, total_steps=10, lr_min=-0.1), "lr_min"),
        (cosine, dict(lr=1, total_steps=10, lr_min=1.5), "lr_min"),
        (cosine, dict(lr=0, total_steps=10), "lr"),
        (warmup, dict(schedule=constant(1.0), warmup_steps=0), "warmup_steps"),
        (warmup, dict(schedule=constant(1.0), warmup_steps=2, start_factor=0), "start_factor"),
        (warmup, dict(schedule=constant(1.0), warmup_steps=2, start_factor=1.5), "start_factor"),
        (warmup_cosine, dict(lr=1, total_steps=0), "total_steps"),
        (make_schedule, dict(name="linear", lr=1, total_steps=10), "name must be one of"),
        (make_schedule, dict(name="cosine", lr=1, total_steps=0), "total_steps"),
        (make_schedule, dict(name="step", lr=0, total_steps=10), "lr"),
    ],
)
def test_argument_checks(factory, kwargs, name):
    with pytest.raises(ValueError, match=name):
        factory(**kwargs)


def test_warmup_needs_a_callable():
    with pytest.raises(TypeError, match="schedule"):
        warmup(0.1, 5)
