"""The static book's explorers: frames over a grid of up to three controls, in a wide and a
narrow layout, and the HTML around them."""

import base64
import io
import json
import re
from html.parser import HTMLParser

import ipywidgets as W
import numpy as np
import pytest
from PIL import Image

from course_utils.widgets import (
    BATCH_SIZE,
    LEARNING_RATE,
    OTHER,
    SECOND,
    Explorer,
    batch_slider,
    checkbox,
    dropdown,
    float_slider,
    frames,
    int_slider,
    lr_slider,
)
from course_utils.widgets.sweep import explorer_factories

FACTORIES = explorer_factories()


def _pixels(png):
    return np.asarray(Image.open(io.BytesIO(bytes(png))).convert("RGB")).astype(int)


def _toy(controls):
    def draw(fig, **values):
        ax = fig.add_subplot()
        ax.plot([0, 1], [0, len(str(values))])

    return Explorer(controls, draw, figsize=(2, 1.5), dpi=40)


# --- which controls, which values ------------------------------------------------------
def test_the_learning_rate_comes_first_then_the_batch_size_then_a_second_control():
    beta = float_slider(0.5, 0, 1, 0.1, "momentum β", role=SECOND)
    ex = _toy({"beta": beta, "B": batch_slider(8), "eta": lr_slider(0.1, -2, 0)})
    assert ex.roles == {"beta": SECOND, "B": BATCH_SIZE, "eta": LEARNING_RATE}
    assert frames.frame_controls(ex) == ["eta", "B", "beta"]
    ex = _toy({"beta": beta, "eta": lr_slider(0.1, -2, 0), "k": int_slider(3, 1, 9, "k")})
    assert frames.frame_controls(ex) == ["eta", "beta"]
    gamma = float_slider(0.5, 0, 1, 0.1, "γ", role=SECOND)
    ex = _toy({"gamma": gamma, "beta": beta, "B": batch_slider(8), "eta": lr_slider(0.1, -2, 0)})
    assert frames.frame_controls(ex) == ["eta", "B", "gamma"]  # three at most


def test_the_role_decides_not_the_label_nor_the_kind_of_widget():
    # labelled like a learning rate and a batch size, but with other roles
    ex = _toy({"k": int_slider(3, 1, 9, "learning rate η"), "b": batch_slider(8),
               "m": dropdown(["a", "b"], "a", "batch size B", role=SECOND)})  # fmt: skip
    assert frames.frame_controls(ex) == ["b", "m"]
    # a bare widget has the role "other": held at its default
    ex = _toy({"lr": lr_slider(0.1, -2, 0), "x": W.FloatSlider(description="batch size")})
    assert ex.roles["x"] == OTHER
    assert frames.frame_controls(ex) == ["lr"]
    ex = _toy({"lr": lr_slider(0.1, -2, 0), "on": checkbox(False, "on")})
    assert frames.frame_controls(ex) == ["lr"]


def test_without_a_learning_rate_the_first_three_second_controls():
    ex = _toy({"m": dropdown(["a", "b"], "a", "menu"),
               "K": int_slider(8, 1, 40, "starts K", role=SECOND),
               "seed": int_slider(0, 0, 20, "seed", role=SECOND),
               "x": int_slider(0, 0, 20, "x", role=SECOND),
               "y": int_slider(0, 0, 20, "y", role=SECOND)})  # fmt: skip
    assert frames.frame_controls(ex) == ["K", "seed", "x"]


def test_learning_rates_are_nine_slider_positions_plus_the_default():
    # 30 steps of 0.1 from 1e-3 to 1: positions round(30 k / 8) = 0 4 8 11 15 19 22 26 30
    values = frames.frame_values(lr_slider(0.1, -3.0, 0.0).widget)
    exponents = [-3.0, -2.6, -2.2, -1.9, -1.5, -1.1, -1.0, -0.8, -0.4, 0.0]
    np.testing.assert_allclose(values, [10.0**e for e in exponents], rtol=1e-12)
    assert 0.1 in values  # the default, exactly
    # a default between two positions is added as it is, next to its neighbours
    values = frames.frame_values(lr_slider(0.15, -3.0, 0.5).widget)
    assert 0.15 in values and len(values) == 10 and values == sorted(values)


def test_other_values():
    assert frames.frame_values(batch_slider(20, value=4).widget) == [1, 2, 4, 8, 16, 20]
    assert frames.frame_values(dropdown(["x", "y", "z"], "y", "d").widget) == ["x", "y", "z"]
    # 99 steps: round(99 k / 4) = 0 25 50 74 99, and the default 0.8
    beta = frames.frame_values(float_slider(0.8, 0.0, 0.99, 0.01, "momentum β").widget)
    np.testing.assert_allclose(beta, [0.0, 0.25, 0.5, 0.74, 0.8, 0.99])
    # 39 steps: round(39 k / 4) = 0 10 20 29 39 (19.5 rounds to even), so K = 1 11 21 30 40
    assert frames.frame_values(int_slider(8, 1, 40, "K").widget) == [1, 8, 11, 21, 30, 40]
    with pytest.raises(TypeError, match="Checkbox"):
        frames.frame_values(W.Checkbox())


def test_an_explorer_may_list_the_values_of_its_frames():
    # the values the text names, in place of the default grid; the default always added
    lr, menu = lr_slider(0.1, -3.0, 0.0), dropdown(["x", "y", "z"], "y", "d", role=SECOND)
    ex = Explorer({"lr": lr, "B": batch_slider(20, value=4), "m": menu},
                  lambda fig, **v: None, figsize=(2, 1.5), dpi=40,
                  frame_values={"lr": (0.5, 0.003, 0.45), "B": (1, 20),
                                "m": ("z", "x")})  # fmt: skip
    got = [
        frames.frame_values(ex.controls[n], values=ex.frame_values.get(n)) for n in "lr B m".split()
    ]
    assert got == [[0.003, 0.1, 0.45, 0.5], [1, 4, 20], ["x", "y", "z"]]  # options keep their order
    rendered = frames.render_frames(ex)
    assert rendered.values == got and len(rendered.pngs) == 4 * 3 * 3
    assert rendered.narrow is None  # no setup: nothing to stack
    with pytest.raises(ValueError, match="frame_values name"):  # held at its default: no frames
        Explorer({"lr": lr_slider(0.1, -3.0, 0.0), "k": int_slider(3, 1, 9, "k")},
                 lambda fig, **v: None, frame_values={"k": (1, 2)})  # fmt: skip
    with pytest.raises(ValueError, match="frame value of lr"):  # off the slider's range
        Explorer({"lr": lr_slider(0.1, -3.0, 0.0)}, lambda fig, **v: None,
                 frame_values={"lr": (2.0,)})  # fmt: skip
    with pytest.raises(ValueError, match="frame value of B"):
        Explorer({"B": batch_slider(20, value=4)}, lambda fig, **v: None,
                 frame_values={"B": (3,)})  # fmt: skip


def test_every_explorer_of_chapters_2_to_7_spans_learning_rate_and_batch_size():
    with_batch = 0
    for name, factory in FACTORIES.items():
        ex = factory()
        batch = [n for n, role in ex.roles.items() if role == BATCH_SIZE]
        if batch:
            with_batch += 1
            assert frames.frame_controls(ex)[:2] == ["lr", batch[0]], name
    assert with_batch >= 7


# --- the frames are the live explorer's pictures ---------------------------------------
FRAMED = sorted(name for name, factory in FACTORIES.items() if factory().page is None)


def _stops(control):
    """Every value the live control can take."""
    if isinstance(control, (W.SelectionSlider, W.Dropdown)):
        return list(control.options)
    if isinstance(control, W.IntSlider):
        return list(range(control.min, control.max + 1, control.step))
    return None  # a continuous slider: its frames are steps of it (test_explore_text.py)


@pytest.mark.parametrize("name", FRAMED)
def test_the_frames_reach_every_stop_of_the_live_controls_they_span(name):
    """A menu, a batch size, the epochs, the seed: the static page reaches every value the
    live control reaches. The number of random starts K (1-40) has frames at both ends and
    at the values the text names (1, 20), as the learning rate has (test_explore_text.py)."""
    ex = FACTORIES[name]()
    for control_name in frames.frame_controls(ex):
        control = ex.controls[control_name]
        stops = _stops(control)
        values = frames.frame_values(control, values=ex.frame_values.get(control_name))
        if control.description == "random starts K":
            assert values[0] == control.min and values[-1] == control.max and 20 in values
        elif stops is not None:
            assert values == stops, (name, control.description)


def _fewer(values, default):
    """Both ends, the middle and the default of a control's frame values."""
    return sorted({values[0], values[len(values) // 2], values[-1], default}, key=values.index)


@pytest.mark.parametrize("name", FRAMED)
def test_each_frame_is_pixel_for_pixel_the_live_picture(name, monkeypatch):
    """Every frame equals what another explorer, moved through the grid backwards, shows
    (as the book is built, and as the live explorer draws: at two image pixels per CSS
    pixel), in both layouts: the wide one, and the narrow one of a phone. To keep the test
    short the grid is cut to the ends, the middle and the default of each control; the
    build draws the whole grid, and fails on a frame that draws with an error or a
    warning (``render_frames``)."""
    monkeypatch.setenv(frames.ENV, "1")
    ex = FACTORIES[name]()
    assert ex.pixel_ratio == 2
    default = bytes(ex.image.value)
    names = frames.frame_controls(ex)
    full = [frames.frame_values(ex.controls[n], values=ex.frame_values.get(n)) for n in names]
    ex.frame_values = {n: _fewer(v, ex.values[n]) for n, v in zip(names, full, strict=True)}
    names, values, pngs, narrow = frames.render_frames(ex)
    assert bytes(ex.image.value) == default  # left as it was
    assert len(pngs) == len(narrow) == np.prod([len(v) for v in values]) >= 9
    live, live_narrow = FACTORIES[name](), FACTORIES[name]().narrow_copy()
    points = list(np.ndindex(*[len(v) for v in values]))
    for k in reversed(range(len(points))):
        live.set(**{n: v[i] for n, v, i in zip(names, values, points[k], strict=True)})
        assert live.last_error is None and live.last_warnings == []
        assert pngs[k] == bytes(live.image.value), points[k]
        for control, value in zip(live_narrow.controls.values(), live.values.values(), strict=True):
            control.value = value
        live_narrow.refresh()
        assert narrow[k] == bytes(live_narrow.image.value), points[k]
    start = [v.index(ex.values[n]) for n, v in zip(names, values, strict=True)]
    assert pngs[points.index(tuple(start))] == default


def test_a_frame_that_does_not_draw_cleanly_stops_the_build():
    def draw(fig, lr):
        if lr > 0.5:
            raise ValueError("too large")
        fig.add_subplot().plot([0, 1], [0, lr])

    ex = Explorer({"lr": lr_slider(0.1, -1.0, 0.0)}, draw, figsize=(2, 1.5), dpi=40)
    with pytest.raises(RuntimeError, match="did not draw cleanly.*too large"):
        frames.render_frames(ex)
    assert ex.values == {"lr": 0.1} and ex.last_error is None  # left as it was


def test_the_narrow_copy_shares_the_controls_and_draws_when_told():
    from matplotlib.text import Text

    ex = FACTORIES["ch07_capstone.explore_digits"]()
    copy = ex.narrow_copy()
    assert copy.controls == ex.controls  # the same widgets
    ex.set(optimizer="Adam")  # the copy does not follow by itself ...
    assert "optimizer: SGD+momentum" in [t.get_text() for t in copy.figure.texts][-1]
    copy.refresh()  # ... but draws the controls' values when told
    assert any(t.get_text().startswith("Adam on") for t in copy.figure.findobj(Text))
    assert copy.narrow_copy() is copy  # stacked once, not twice
    with pytest.raises(ValueError, match="narrow=True needs setup"):
        Explorer({"lr": lr_slider(0.1, -1.0, 0.0)}, lambda fig, **v: None, narrow=True)


@pytest.mark.parametrize("name", FRAMED)
def test_the_narrow_layout_stacks_the_panels_with_no_small_type(name):
    """Type of 7.5 pt or more, 9.4 px at 90 px per inch: 9.4 CSS px in a phone's
    358-px column, where the narrow picture (355 px) shows at its natural size."""
    from matplotlib.text import Text

    from course_utils.widgets import narrow as kit

    ex = FACTORIES[name]()
    copy = ex.narrow_copy()
    copy.figure.canvas.draw()  # every tick label made
    texts = copy.figure.findobj(Text)
    width, height = copy.figure.get_size_inches()
    assert width == kit.WIDTH and height > 2 * kit.HEIGHT
    boxes = [ax.get_position() for ax in copy.figure.axes]
    assert len(boxes) == 2 and boxes[0].y0 > boxes[1].y1  # one above the other
    shown = [t for t in texts if t.get_visible() and t.get_text().strip()]
    assert min(t.get_fontsize() for t in shown) >= kit.MIN_POINTS
    image = Image.open(io.BytesIO(bytes(copy.image.value)))
    assert image.size[0] == int(kit.WIDTH * ex.dpi * ex.pixel_ratio)


def test_a_frame_is_stored_as_a_lossless_webp_of_a_palette_that_looks_the_same():
    ex = FACTORIES[sorted(FACTORIES)[0]]()
    png = bytes(ex.image.value)
    small = frames.compact(png)
    image = Image.open(io.BytesIO(small))
    assert image.format == "WEBP" and image.size == Image.open(io.BytesIO(png)).size
    a, b = _pixels(png), _pixels(small)
    assert len(np.unique(b.reshape(-1, 3), axis=0)) <= 256  # the palette's colours, exactly
    assert len(small) < 0.4 * len(png)
    assert np.abs(a - b).mean() < 1.0
    assert (np.abs(a - b).sum(axis=-1) == 0).mean() > 0.8  # most pixels exact, white too
    assert tuple(b[1, 1]) == tuple(a[1, 1]) == (255, 255, 255)
    quantized = (
        Image.open(io.BytesIO(png))
        .convert("RGB")
        .quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    )
    assert np.array_equal(b, np.asarray(quantized.convert("RGB")))  # lossless: the palette's


# --- the HTML ----------------------------------------------------------------------------
class _Parse(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []
        self.data = {}
        self._tag = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._tag = tag

    def handle_data(self, data):
        self.data.setdefault(self._tag, []).append(data)


def _payload(text):
    return json.loads(re.search(r'<script type="application/json">(.*?)</script>', text)[1])


def test_static_html_is_self_contained_with_labelled_range_inputs():
    ex = _toy({"lr": lr_slider(0.1, -2.0, 0.0), "B": batch_slider(4, value=2),
               "other": float_slider(0.3, 0, 1, 0.1, "momentum β")})  # fmt: skip
    text = frames.static_html(ex)
    parsed = _Parse()
    parsed.feed(text)
    inputs = [a for t, a in parsed.tags if t == "input"]
    assert [a["type"] for a in inputs] == ["range", "range"]
    assert [a["aria-label"] for a in inputs] == ["learning rate η", "batch size B"]
    # 20 steps: positions round(20 k / 8) = 0 2 5 8 10 12 15 18 20, 0.1 is position 10
    assert [(a["min"], a["max"], a["value"]) for a in inputs] == [("0", "8", "4"), ("0", "2", "1")]
    assert [a["aria-valuetext"] for a in inputs] == ["0.1", "2"]
    assert parsed.data["output"] == ["0.1", "2"]
    assert "learning rate η" in parsed.data["span"] and "batch size B" in parsed.data["span"]
    images = [a for t, a in parsed.tags if t == "img"]
    assert len(images) == 1 and images[0]["alt"].startswith("The explorer's picture")
    # shown without JavaScript: the default frame, two image pixels per CSS pixel
    data = _payload(text)
    assert data["density"] == "2x" and ex.pixel_ratio == 2
    still = data["wide"][4 * 3 + 1]  # lr 0.1 (index 4 of 9), B 2 (index 1 of 3)
    assert images[0]["srcset"] == still + " 2x" and "src" not in images[0]  # no 1x candidate
    assert still.startswith("data:image/webp;base64,")
    picture = Image.open(io.BytesIO(base64.b64decode(still.split(",")[1])))
    assert picture.size == (2 * 2 * 40, int(2 * 1.5 * 40))  # 2 x 1.5 inches at 40 per inch, 2x
    assert np.array_equal(_pixels(base64.b64decode(still.split(",")[1])),
                          _pixels(frames.compact(ex.default_png)))  # fmt: skip
    # only data: URLs, no script from anywhere, no widget manager
    assert not re.search(r"(src|srcset|href)=\"(?!data:)", text)
    assert "http" not in text and "require" not in text
    assert [a.get("type") for t, a in parsed.tags if t == "script"] == ["application/json", None]
    assert "momentum β = 0.30" in text  # the note names the controls that stay fixed
    assert "@media print" in text
    assert "<source" not in text  # no setup, no narrow layout
    everything = frames.static_html(_toy({"lr": lr_slider(0.1, -2.0, 0.0)}))
    assert "every value in between" in everything and "Run the notebook" not in everything


def test_a_drop_down_is_a_native_menu_labelled_like_the_live_one():
    menu = dropdown(["SGD", "SGD+momentum", "Adam"], "SGD+momentum", "optimizer", role=SECOND)
    ex = _toy({"lr": lr_slider(0.1, -2.0, 0.0), "optimizer": menu})
    text = frames.static_html(ex)
    parsed = _Parse()
    parsed.feed(text)
    assert [t for t, _ in parsed.tags if t in ("input", "select")] == ["input", "select"]
    select = next(a for t, a in parsed.tags if t == "select")
    assert select["aria-label"] == "optimizer"  # the live drop-down's description
    options = [a for t, a in parsed.tags if t == "option"]
    assert [a["value"] for a in options] == ["0", "1", "2"]
    assert [a for a in options if "selected" in a] == [options[1]]  # the default
    assert parsed.data["option"] == ["SGD", "SGD+momentum", "Adam"]
    assert "optimizer" in parsed.data["span"]
    data = _payload(text)
    assert data["labels"][1] == ["SGD", "SGD+momentum", "Adam"] and data["names"][1] == "optimizer"
    assert len(data["wide"]) == 9 * 3  # every option has its frames
    assert "Run the notebook" not in text  # every control is in the page
    assert "select" in frames._SCRIPT and "'change'" in frames._SCRIPT  # it swaps the picture


def test_a_label_keeps_its_words_on_one_line():
    assert re.search(r"span\.name \{[^}]*white-space: nowrap", frames._STYLE)


def test_static_html_offers_the_narrow_frames_to_narrow_screens():
    def setup(fig):
        return fig.subplots(1, 2)

    def draw(axes, lr):
        axes[0].plot([0, 1], [0, lr])
        axes[1].legend(handles=axes[0].lines, labels=["x"], fontsize=5)

    ex = Explorer({"lr": lr_slider(0.1, -1.0, 0.0)}, draw, setup=setup, figsize=(4, 2), dpi=40)
    text = frames.static_html(ex)
    parsed = _Parse()
    parsed.feed(text)
    sources = [a for t, a in parsed.tags if t == "source"]
    assert len(sources) == 1 and sources[0]["media"] == "screen and (max-width: 720px)"
    data = _payload(text)
    assert len(data["narrow"]) == len(data["wide"]) == 9
    start = [a["value"] for t, a in parsed.tags if t == "input"][0]
    assert sources[0]["srcset"] == data["narrow"][int(start)] + " 2x"  # the default, narrow
    wide = Image.open(io.BytesIO(base64.b64decode(data["wide"][0].split(",")[1])))
    small = Image.open(io.BytesIO(base64.b64decode(data["narrow"][0].split(",")[1])))
    assert wide.size[0] == 320 and small.size[0] == 316  # 4 and 3.95 inches at 40 per inch, 2x
    assert small.size[1] > wide.size[1]  # the panels one above the other


def test_the_book_alone_gets_the_html(monkeypatch):
    ex = _toy({"lr": lr_slider(0.1, -1.0, 0.0)})
    monkeypatch.delenv(frames.ENV, raising=False)
    assert "text/html" not in ex._repr_mimebundle_()
    monkeypatch.setenv(frames.ENV, "0")
    assert "text/html" not in ex._repr_mimebundle_()
    monkeypatch.setenv(frames.ENV, "1")
    bundle = ex._repr_mimebundle_()
    assert bundle["text/html"].count('type="range"') == 1
    assert "application/vnd.jupyter.widget-view+json" in bundle and "image/png" in bundle
