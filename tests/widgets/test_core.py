"""Every explorer of every chapter, driven over every control's range."""

import asyncio
import io
import sys
import threading
import types

import ipywidgets as W
import numpy as np
import pytest
from PIL import Image

from course_utils.widgets import Explorer, batch_slider, lr_slider
from course_utils.widgets.explorer import PIXEL_RATIO
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
    assert control_values(lr_slider(0.1, -3, 1).widget, n=3) == pytest.approx([1e-3, 0.1, 10.0])
    assert control_values(W.IntSlider(min=1, max=9), n=3) == [1, 5, 9]
    sel = W.SelectMultiple(options=["a", "b"])
    assert control_values(sel) == [(), ("a",), ("b",), ("a", "b")]
    with pytest.raises(TypeError, match="Text"):
        control_values(W.Text())


# --- the fast redraw: setup once, dynamic artists blitted over a cached background ---------
def _pixels(png):
    return np.asarray(Image.open(io.BytesIO(bytes(png))).convert("RGB"))


def _plain_render(explorer):
    """The figure drawn the ordinary way, every artist in one pass, as RGB pixels."""
    fig = explorer.figure
    layers = explorer._layers
    layered = layers.dynamic + layers.covering
    for artist in layered:
        artist.set_animated(False)
    try:
        fig.canvas.draw()
        rgba = np.asarray(fig.canvas.buffer_rgba())
        return rgba[..., :3].copy()
    finally:
        for artist in layered:
            artist.set_animated(True)
        layers.background = None  # the canvas now differs from the cached background


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_blitted_image_is_exactly_what_a_full_draw_shows(name):
    explorer = FACTORIES[name]()
    for i, values in enumerate(settings(explorer, n=3)):
        explorer.set(**values)
        if i % 3 == 0:  # a third of them: the check costs a full draw
            assert np.array_equal(_pixels(explorer.image.value), _plain_render(explorer)), values


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_after_a_sweep_the_image_is_that_of_a_fresh_explorer(name):
    """Nothing of an earlier setting is left behind: the same settings, the same PNG."""
    explorer = FACTORIES[name]()
    sweep = list(settings(explorer, n=3))
    for values in sweep:
        explorer.set(**values)
    for values in (sweep[len(sweep) // 2], sweep[0]):
        explorer.set(**values)
        fresh = FACTORIES[name]()
        fresh.set(**values)
        assert bytes(explorer.image.value) == bytes(fresh.image.value), values


def _two_panels(fig):
    left, right = fig.subplots(1, 2)
    fig.subplots_adjust(wspace=0.4)  # room between the panels: each can be redrawn alone
    left.set(xlim=(0, 1), ylim=(0, 1), title="static")
    left.plot([0, 1], [0.5, 0.5], color="0.5", zorder=1)  # under the dynamic artists
    left.legend(handles=left.lines[:1], labels=["static legend"], loc="upper left")
    right.set_xlim(0, 1)  # the y limits follow the data (autoscale)
    return left, right


def test_setup_runs_once_and_draw_only_adds_what_changes():
    calls = {"setup": 0}

    def setup(fig):
        calls["setup"] += 1
        return _two_panels(fig)

    def draw(axes, x):
        left, right = axes
        left.plot([0, x], [0, x], color="C1", lw=3)
        right.plot([0, 1], [0, 10 * x + 1])
        left.text(0.5, 0.1, f"x = {x:.2f}")
        left.figure.suptitle(f"suptitle {x:.2f}")

    ex = Explorer({"x": W.FloatSlider(value=0.2, min=0, max=1)}, draw, setup=setup)
    left, right = ex.figure.axes
    for x in (0.5, 0.9, 0.1):
        ex.set(x=x)
        assert calls["setup"] == 1
        assert len(left.lines) == 2 and len(right.lines) == 1  # the old ones are gone
        assert [t.get_text() for t in left.texts] == [f"x = {x:.2f}"]
        assert f"suptitle {x:.2f}" in [t.get_text() for t in ex.figure.texts]
        # autoscaled to the data [0, 10x + 1] plus the 5 % margin: nothing of earlier draws
        assert right.get_ylim()[1] == pytest.approx(1.05 * (10 * x + 1))
        assert np.array_equal(_pixels(ex.image.value), _plain_render(ex))
        ex.refresh()  # with the background cached again


def test_only_the_axes_that_changed_is_drawn_again(monkeypatch):
    from course_utils.widgets import drawing

    full = []
    original = drawing._Background._draw_all
    monkeypatch.setattr(
        drawing._Background, "_draw_all", lambda self, *a: (full.append(1), original(self, *a))
    )

    def draw(axes, x):
        axes[1].plot([0, 1], [0, x + 1])  # changes the right panel's y limits

    ex = Explorer({"x": W.FloatSlider(value=0.0, min=0, max=1)}, draw, setup=_two_panels)
    assert len(full) == 1  # the first picture
    ex.set(x=0.7)
    assert len(full) == 1 and ex.figure.axes[1].get_ylim()[1] > 1.7
    assert np.array_equal(_pixels(ex.image.value), _plain_render(ex))


def test_a_failing_draw_with_setup_shows_a_message_then_recovers():
    calls = {"setup": 0}

    def setup(fig):
        calls["setup"] += 1
        return fig.add_subplot()

    def draw(ax, x):
        if x > 0.5:
            raise RuntimeError("boom")
        ax.plot([0, x])

    ex = Explorer({"x": W.FloatSlider(value=0.0, min=0, max=1)}, draw, setup=setup)
    ex.set(x=1.0)
    assert isinstance(ex.last_error, RuntimeError)
    assert "boom" in " ".join(t.get_text() for t in ex.figure.texts)
    ex.set(x=0.2)
    assert ex.last_error is None and calls["setup"] == 2  # laid out afresh
    assert len(ex.figure.axes) == 1 and len(ex.figure.axes[0].lines) == 1


def test_draw_may_not_add_axes():
    def draw(fig_or_axes, x):
        fig_or_axes.figure.add_subplot(2, 2, 4)

    ex = Explorer(
        {"x": W.FloatSlider(value=0.0, min=0, max=1)}, draw, setup=lambda f: f.add_subplot(2, 2, 1)
    )
    assert isinstance(ex.last_error, RuntimeError)
    assert "create every Axes in setup()" in str(ex.last_error)


def test_sliders_follow_the_drag_and_the_picture_is_sharp_at_its_natural_size():
    def draw(fig, x, kind):
        fig.add_subplot().plot([0, x])

    slow = W.FloatSlider(value=0.5, min=0, max=1, continuous_update=False)
    kind = W.Dropdown(options=["a", "b"], value="a")
    ex = Explorer({"x": slow, "kind": kind}, draw, figsize=(8.0, 4.0), dpi=90, pixel_ratio=2)
    assert slow.continuous_update is True  # the explorer decides: the picture follows
    assert not kind.has_trait("continuous_update")
    assert ex.image.layout.width == "720px"  # 8 in at 90 CSS px per inch, never stretched
    assert ex.image.layout.max_width == "100%" and ex.image.layout.height == "auto"
    assert Image.open(io.BytesIO(ex.image.value)).size == (1440, 720)  # 2 px per CSS px
    still = W.FloatSlider(value=0.5, min=0, max=1)
    ex = Explorer({"x": still, "kind": kind}, draw, pixel_ratio=1, continuous_update=False)
    assert still.continuous_update is False
    assert Image.open(io.BytesIO(ex.image.value)).size == (675, 378)  # (7.5, 4.2) in at 90
    for factory in (lr_slider, lambda: batch_slider(64)):
        assert factory().widget.continuous_update is True
    with pytest.raises(ValueError, match="pixel_ratio"):
        Explorer({"x": still, "kind": kind}, draw, pixel_ratio=4)


def test_explorers_are_drawn_at_one_pixel_per_css_pixel_while_the_book_is_built(monkeypatch):
    from course_utils.widgets import frames

    def make():
        return Explorer({"lr": lr_slider(0.1)}, lambda fig, lr: None, figsize=(2, 1), dpi=50)

    monkeypatch.setenv(frames.ENV, "0")
    assert make().pixel_ratio == PIXEL_RATIO == 2
    assert make().figure.dpi == 100
    monkeypatch.setenv(frames.ENV, "1")
    assert make().pixel_ratio == 1 and make().figure.dpi == 50


def _counting_explorer():
    drawn = []

    def draw(ax, x):
        drawn.append(x)
        ax.plot([0, x], color="C0")  # a colour of its own: the cycle would move on each draw

    ex = Explorer(
        {"x": W.FloatSlider(value=0.0, min=0, max=1)}, draw, setup=lambda f: f.add_subplot()
    )
    drawn.clear()
    return ex, drawn


def _in_a_thread_of_its_own(scenario):
    """Run ``scenario()`` in a new thread, so that no event loop of the test process's
    main thread (Playwright's, after the browser tests) is running there."""
    failures = []

    def run():
        try:
            scenario()
        except BaseException as err:  # noqa: BLE001 - handed back to the test
            failures.append(err)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if failures:
        raise failures[0]


@pytest.fixture
def as_in_a_kernel(monkeypatch):
    """What ``explorer._kernel_loop`` looks for: ipykernel's application, initialised."""
    from ipykernel.kernelapp import IPKernelApp

    monkeypatch.setattr(IPKernelApp, "initialized", classmethod(lambda cls: True))


def test_outside_a_kernel_every_change_is_drawn_at_once():
    ex, drawn = _counting_explorer()

    async def with_a_loop():  # some other event loop running: still drawn at once
        ex.controls["x"].value = 0.6
        assert drawn == [0.3, 0.6]

    def scenario():
        ex.controls["x"].value = 0.3
        assert drawn == [0.3]
        asyncio.run(with_a_loop())

    _in_a_thread_of_its_own(scenario)


def test_in_a_kernel_changes_are_drawn_once_the_message_is_handled(as_in_a_kernel):
    """As in a kernel (its event loop running): the change returns at once, and one
    redraw, scheduled on the loop, draws the latest value of all that came before it ran."""
    ex, drawn = _counting_explorer()
    first = bytes(ex.image.value)

    async def messages():
        ex.controls["x"].value = 0.3  # a message from the browser: no drawing yet
        ex.controls["x"].value = 0.6  # another, before the loop got to the redraw
        assert drawn == [] and bytes(ex.image.value) == first
        await asyncio.sleep(0)  # the loop runs what is scheduled
        assert drawn == [0.6]
        ex.controls["x"].value = 0.9
        await asyncio.sleep(0)
        assert drawn == [0.6, 0.9]

    _in_a_thread_of_its_own(lambda: asyncio.run(messages()))
    fresh, _ = _counting_explorer()
    fresh.set(x=0.9)
    assert bytes(ex.image.value) == bytes(fresh.image.value)


def test_set_draws_at_once_even_in_a_kernel(as_in_a_kernel):
    ex, drawn = _counting_explorer()

    async def cell():
        ex.set(x=0.4)
        assert drawn == [0.4]
        await asyncio.sleep(0)
        assert drawn == [0.4]  # nothing left over

    _in_a_thread_of_its_own(lambda: asyncio.run(cell()))


def test_in_colab_changes_are_drawn_at_once(as_in_a_kernel, monkeypatch):
    """Colab shows a widget's update only while the kernel handles a message."""
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    ex, drawn = _counting_explorer()

    async def message():
        ex.controls["x"].value = 0.3
        assert drawn == [0.3]

    _in_a_thread_of_its_own(lambda: asyncio.run(message()))


def test_in_a_real_kernel_a_cell_s_change_is_drawn_when_the_cell_has_run():
    """The same in an IPython kernel, started as JupyterLab starts one."""
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3")
    try:
        printed = []

        def run(code):
            reply = client.execute_interactive(
                code,
                timeout=120,
                output_hook=lambda msg: printed.append(msg["content"].get("text", "")),
            )
            assert reply["content"]["status"] == "ok", reply["content"]

        run(
            "import ipywidgets as W\n"
            "from course_utils.widgets import Explorer\n"
            "ex = Explorer({'x': W.FloatSlider(value=0.0, min=0, max=1)},\n"
            "              lambda ax, x: ax.plot([0, x], color='C0'),\n"
            "              setup=lambda fig: fig.add_subplot())\n"
            "before = bytes(ex.image.value)\n"
            "ex.controls['x'].value = 0.5\n"
            "print('during', bytes(ex.image.value) == before)"
        )
        run("print('after', bytes(ex.image.value) != before)")
        assert "".join(printed).split() == ["during", "True", "after", "True"]
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
