"""The fast redraw: setup once, dynamic artists blitted over a cached background, and the
picture exactly what a full draw of the figure shows."""

import io

import ipywidgets as W
import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image

from course_utils.widgets import Explorer, drawing
from course_utils.widgets.sweep import explorer_factories, settings

FACTORIES = explorer_factories()


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


def test_draw_may_not_add_axes():
    def draw(fig_or_axes, x):
        fig_or_axes.figure.add_subplot(2, 2, 4)

    ex = Explorer(
        {"x": W.FloatSlider(value=0.0, min=0, max=1)}, draw, setup=lambda f: f.add_subplot(2, 2, 1)
    )
    assert isinstance(ex.last_error, RuntimeError)
    assert "create every Axes in setup()" in str(ex.last_error)


def test_a_removed_suptitle_is_forgotten_so_that_the_next_one_shows():
    """matplotlib 3.8 keeps a removed suptitle as the figure's, and ``suptitle`` would then
    edit that Text, no longer drawn; the layers let the figure forget it."""
    fig = Figure()
    layers = drawing.Layers(fig)
    for text in ("first", "second"):
        with layers.replacing():
            fig.suptitle(text)
        shown = [t.get_text() for t in fig.texts]
        assert shown == [text] and fig.get_suptitle() == text
