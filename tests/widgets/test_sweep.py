"""The values a sweep sets each control to."""

import ipywidgets as W
import pytest

from course_utils.widgets import lr_slider
from course_utils.widgets.sweep import control_values


def test_sweep_values_cover_the_ends():
    assert control_values(lr_slider(0.1, -3, 1).widget, n=3) == pytest.approx([1e-3, 0.1, 10.0])
    assert control_values(W.IntSlider(min=1, max=9), n=3) == [1, 5, 9]
    sel = W.SelectMultiple(options=["a", "b"])
    assert control_values(sel) == [(), ("a",), ("b",), ("a", "b")]
    with pytest.raises(TypeError, match="Text"):
        control_values(W.Text())
