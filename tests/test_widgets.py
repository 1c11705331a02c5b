"""Every explorer of every chapter, driven over every control's range."""

import ipywidgets as W
import pytest

from course_utils.widgets import Explorer, batch_slider, lr_slider
from course_utils.widgets.sweep import control_values, explorer_factories, settings

FACTORIES = explorer_factories()


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_every_setting_draws_without_error_or_warning(name):
    explorer = FACTORIES[name]()
    assert isinstance(explorer, Explorer)
    assert explorer.last_error is None, explorer.last_error
    assert explorer.last_warnings == []
    seen = {bytes(explorer.image.value)}
    for values in settings(explorer, n=4):
        explorer.set(**values)
        assert explorer.last_error is None, f"{values}: {explorer.last_error!r}"
        assert explorer.last_warnings == [], f"{values}: {explorer.last_warnings}"
        assert bytes(explorer.image.value).startswith(b"\x89PNG")
        seen.add(bytes(explorer.image.value))
    assert len(seen) > 2, "the figure never changed when the controls moved"


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_display_carries_live_widget_and_static_png(name):
    explorer = FACTORIES[name]()
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["image/png"].startswith("iVBORw0KGgo")  # base64 of the PNG signature


def test_lr_slider_is_log_scale_and_moves_a_tenth_of_a_decade():
    s = lr_slider(0.1, -3, 1)
    assert isinstance(s, W.FloatLogSlider)
    assert (s.base, s.min, s.max, s.step) == (10, -3, 1, 0.1)
    assert s.description == "learning rate η"
    with pytest.raises(ValueError, match="value"):
        lr_slider(100.0, -3, 1)
    with pytest.raises(ValueError, match="max_exp"):
        lr_slider(0.1, 1, -3)


def test_batch_slider_offers_powers_of_two_and_n():
    s = batch_slider(100)
    assert list(s.options) == [1, 2, 4, 8, 16, 32, 64, 100]
    assert s.value == 100
    assert s.description == "batch size B"
    with pytest.raises(ValueError, match="value"):
        batch_slider(100, value=3)


def test_explorer_shows_a_message_instead_of_a_traceback():
    def draw(fig, x):
        if x > 0.5:
            raise RuntimeError("boom")
        fig.add_subplot().plot([0, x])

    ex = Explorer({"x": W.FloatSlider(value=0.0, min=0, max=1)}, draw)
    ex.set(x=1.0)
    assert isinstance(ex.last_error, RuntimeError)
    assert bytes(ex.image.value).startswith(b"\x89PNG")
    ex.set(x=0.2)
    assert ex.last_error is None
    with pytest.raises(ValueError, match="control name"):
        ex.set(y=1)
    with pytest.raises(ValueError, match="controls"):
        Explorer({}, draw)


def test_explorer_records_warnings():
    import warnings

    def draw(fig, x):
        warnings.warn("careful", stacklevel=1)
        fig.add_subplot().plot([0, x])

    ex = Explorer({"x": W.FloatSlider(value=0.0, min=0, max=1)}, draw)
    assert ex.last_warnings == ["careful"]


def test_sweep_values_cover_the_ends():
    assert control_values(lr_slider(0.1, -3, 1), n=3) == pytest.approx([1e-3, 0.1, 10.0])
    assert control_values(W.IntSlider(min=1, max=9), n=3) == [1, 5, 9]
    sel = W.SelectMultiple(options=["a", "b"])
    assert control_values(sel) == [(), ("a",), ("b",), ("a", "b")]
    with pytest.raises(TypeError, match="Text"):
        control_values(W.Text())
