"""The controls' factories: the widgets they make and the roles those carry."""

import ipywidgets as W
import pytest

from course_utils.widgets import (
    BATCH_SIZE,
    LEARNING_RATE,
    OTHER,
    ROLES,
    SECOND,
    Control,
    Explorer,
    batch_slider,
    checkbox,
    dropdown,
    float_slider,
    int_slider,
    log_slider,
    lr_slider,
    multi_select,
    selection_slider,
)


def test_lr_slider_is_log_scale_and_moves_a_tenth_of_a_decade():
    s = lr_slider(0.1, -3, 1).widget
    assert isinstance(s, W.FloatLogSlider)
    assert (s.base, s.min, s.max, s.step) == (10, -3, 1, 0.1)
    assert s.description == "learning rate η"
    with pytest.raises(ValueError, match="value"):
        lr_slider(100.0, -3, 1)
    with pytest.raises(ValueError, match="max_exp"):
        lr_slider(0.1, 1, -3)


def test_batch_slider_offers_powers_of_two_and_n():
    s = batch_slider(100).widget
    assert list(s.options) == [1, 2, 4, 8, 16, 32, 64, 100]
    assert s.value == 100
    assert s.description == "batch size B"
    with pytest.raises(ValueError, match="value"):
        batch_slider(100, value=3)


def test_the_role_is_set_where_the_control_is_made():
    assert lr_slider().role == LEARNING_RATE and batch_slider(8).role == BATCH_SIZE
    made = [
        log_slider(10.0, 0.0, 2.0, "κ"),
        selection_slider([1, 2], 1, "s"),
        float_slider(0.5, 0.0, 1.0, 0.1, "β"),
        int_slider(3, 1, 9, "k"),
        dropdown(["a", "b"], "a", "menu"),
        multi_select(["a", "b"], ["a"], "several"),
        checkbox(True, "switch"),
    ]
    assert [c.role for c in made] == [OTHER] * 7
    assert int_slider(3, 1, 9, "k", role=SECOND).role == SECOND
    controls = {"a": lr_slider(), "b": int_slider(3, 1, 9, "k", role=SECOND), "c": W.IntSlider()}
    ex = Explorer(controls, lambda fig, a, b, c: None, figsize=(2, 1), dpi=40)
    assert ex.roles == {"a": LEARNING_RATE, "b": SECOND, "c": OTHER}  # a bare widget: other
    assert all(isinstance(w, W.ValueWidget) for w in ex.controls.values())


def test_a_role_is_one_of_the_known_roles():
    assert ROLES == ("learning rate", "batch size", "second", "other")
    with pytest.raises(ValueError, match="role must be one of 'learning rate', .*got 'lr'"):
        int_slider(3, 1, 9, "k", role="lr")
    with pytest.raises(ValueError, match="role"):
        Control(W.IntSlider(), role=None)


def test_the_factories_make_the_widgets_the_chapters_used_to_build_by_hand():
    kappa = log_slider(10.0, 0.0, 2.0, "condition number κ").widget  # chapter 1
    assert isinstance(kappa, W.FloatLogSlider)
    assert (kappa.base, kappa.min, kappa.max, kappa.step, kappa.value) == (10, 0.0, 2.0, 0.1, 10.0)
    assert kappa.readout_format == ".3g" and kappa.style.description_width == "10em"
    assert kappa.layout.width == "34em"
    with pytest.raises(ValueError, match="value must be in"):
        log_slider(1000.0, 0.0, 2.0, "κ")
    clip = selection_slider(("off", 1.0, 5.0), 5.0, "clip threshold c").widget  # chapter 4
    assert isinstance(clip, W.SelectionSlider) and clip.options == ("off", 1.0, 5.0)
    assert clip.value == 5.0 and clip.description == "clip threshold c"
    with pytest.raises(ValueError, match="value must be one of"):
        selection_slider([1, 2], 3, "s")
    switch = checkbox(0, "Nesterov").widget  # chapter 5
    assert isinstance(switch, W.Checkbox) and switch.value is False and switch.indent is False
