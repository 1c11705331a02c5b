"""The controls' factories (``course_utils.widgets.controls``, used through the kit's public
API): the widgets they make and the roles those carry."""

import ipywidgets as W
import pytest

from course_utils import widgets as w


def test_lr_slider_is_log_scale_and_moves_a_tenth_of_a_decade():
    s = w.lr_slider(0.1, -3, 1).widget
    assert isinstance(s, W.FloatLogSlider)
    assert (s.base, s.min, s.max, s.step) == (10, -3, 1, 0.1)
    assert s.description == "learning rate η"
    with pytest.raises(ValueError, match="value"):
        w.lr_slider(100.0, -3, 1)
    with pytest.raises(ValueError, match="max_exp"):
        w.lr_slider(0.1, 1, -3)


def test_batch_slider_offers_powers_of_two_and_n():
    s = w.batch_slider(100).widget
    assert list(s.options) == [1, 2, 4, 8, 16, 32, 64, 100]
    assert s.value == 100
    assert s.description == "batch size B"
    with pytest.raises(ValueError, match="value"):
        w.batch_slider(100, value=3)


def test_the_role_is_set_where_the_control_is_made():
    assert w.lr_slider().role == w.LEARNING_RATE and w.batch_slider(8).role == w.BATCH_SIZE
    made = [
        w.log_slider(10.0, 0.0, 2.0, "κ"),
        w.selection_slider([1, 2], 1, "s"),
        w.float_slider(0.5, 0.0, 1.0, 0.1, "β"),
        w.int_slider(3, 1, 9, "k"),
        w.dropdown(["a", "b"], "a", "menu"),
        w.multi_select(["a", "b"], ["a"], "several"),
        w.checkbox(True, "switch"),
    ]
    assert [c.role for c in made] == [w.OTHER] * 7
    assert w.int_slider(3, 1, 9, "k", role=w.SECOND).role == w.SECOND
    controls = {
        "a": w.lr_slider(),
        "b": w.int_slider(3, 1, 9, "k", role=w.SECOND),
        "c": W.IntSlider(),
    }
    ex = w.Explorer(controls, lambda fig, a, b, c: None, figsize=(2, 1), dpi=40)
    assert ex.roles == {"a": w.LEARNING_RATE, "b": w.SECOND, "c": w.OTHER}  # a bare widget: other
    assert all(isinstance(widget, W.ValueWidget) for widget in ex.controls.values())


def test_a_role_is_one_of_the_known_roles():
    assert w.ROLES == ("learning rate", "batch size", "second", "other")
    with pytest.raises(ValueError, match="role must be one of 'learning rate', .*got 'lr'"):
        w.int_slider(3, 1, 9, "k", role="lr")
    with pytest.raises(ValueError, match="role"):
        w.Control(W.IntSlider(), role=None)


def test_the_factories_make_the_widgets_the_chapters_used_to_build_by_hand():
    kappa = w.log_slider(10.0, 0.0, 2.0, "condition number κ").widget  # chapter 1
    assert isinstance(kappa, W.FloatLogSlider)
    assert (kappa.base, kappa.min, kappa.max, kappa.step, kappa.value) == (10, 0.0, 2.0, 0.1, 10.0)
    assert kappa.readout_format == ".3g" and kappa.style.description_width == "10em"
    assert kappa.layout.width == "34em"
    with pytest.raises(ValueError, match="value must be in"):
        w.log_slider(1000.0, 0.0, 2.0, "κ")
    clip = w.selection_slider(("off", 1.0, 5.0), 5.0, "clip threshold c").widget  # chapter 4
    assert isinstance(clip, W.SelectionSlider) and clip.options == ("off", 1.0, 5.0)
    assert clip.value == 5.0 and clip.description == "clip threshold c"
    with pytest.raises(ValueError, match="value must be one of"):
        w.selection_slider([1, 2], 3, "s")
    switch = w.checkbox(0, "Nesterov").widget  # chapter 5
    assert isinstance(switch, W.Checkbox) and switch.value is False and switch.indent is False
