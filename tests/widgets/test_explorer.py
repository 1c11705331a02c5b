"""Every explorer of every chapter, driven over every control's range; what an explorer
shows when a draw fails; its picture's size; and when it redraws (at once, or just after
the kernel's current message)."""

import asyncio
import io
import sys
import threading
import types

import ipywidgets as W
import pytest
from PIL import Image

from course_utils.widgets import Explorer, batch_slider, lr_slider
from course_utils.widgets.explorer import PIXEL_RATIO
from course_utils.widgets.sweep import explorer_factories, settings

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


def test_while_the_book_is_built_only_a_page_explorer_draws_at_one_pixel_per_css_pixel(
    monkeypatch,
):
    """A page explorer's picture is only its still (the page computes the rest); the frames
    of the others are the live explorer's pictures, two image pixels per CSS pixel."""
    from course_utils.chapters.ch05_momentum.explorers import explore_momentum
    from course_utils.widgets import frames

    def make():
        return Explorer({"lr": lr_slider(0.1)}, lambda fig, lr: None, figsize=(2, 1), dpi=50)

    monkeypatch.setenv(frames.ENV, "0")
    assert make().pixel_ratio == PIXEL_RATIO == 2
    assert make().figure.dpi == 100
    monkeypatch.setenv(frames.ENV, "1")
    assert make().pixel_ratio == 2 and make().figure.dpi == 100
    computed = explore_momentum()
    assert computed.page is not None and computed.pixel_ratio == 1


# --- when to redraw: at once, or just after the kernel's current message ------------------
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
