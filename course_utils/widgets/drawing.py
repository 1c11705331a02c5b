"""Fast redraws of an explorer's figure: what ``draw`` adds, painted over a picture of the rest.

An explorer's figure has two layers (:class:`Layers`). The *static* one is what
``setup`` made: axes, contours, labels, fixed limits, a legend of fixed entries. The
*dynamic* one is every artist the last ``draw`` added: it is removed before the next
``draw``, and each redraw paints only it, over a cached picture of the static layer
(blitting with Agg). So a redraw costs the computation plus a few milliseconds of
drawing, and it works the same in JupyterLab, Binder and Colab, with no interactive
backend.

The image is exactly what a full draw of the figure gives:

- In each Axes, static artists of a higher zorder than a dynamic one (a legend made in
  ``setup``) are painted over it again, in the order a full draw paints them.
- The cached picture of an Axes is drawn again when the Axes now looks different (a
  limit, a scale, a title or label, an artist added, removed, shown or hidden outside
  ``draw``): only that Axes if nothing else reaches into its region, else the whole
  figure. An Axes laid out again costs 10-30 ms, which is why ``draw`` should add what
  changes rather than edit what ``setup`` made, keep limits that need not follow the data
  fixed in ``setup``, and write a changing title with :func:`title` (``ax.set_title``
  would lay the Axes out again).
"""

import contextlib

import numpy as np
from matplotlib.patches import Rectangle
from matplotlib.transforms import Bbox, IdentityTransform


def title(ax, text, fontsize=10, **kwargs):
    """Write ``text`` where ``ax``'s title goes, as an ordinary text artist.

    For titles that change with the controls: an explorer's ``draw`` can add one
    of these without the axes being laid out again (``ax.set_title`` would).
    """
    return ax.annotate(
        text,
        (0.5, 1.0),
        xycoords="axes fraction",
        xytext=(0, 6),
        textcoords="offset points",
        ha="center",
        va="bottom",
        fontsize=fontsize,
        **kwargs,
    )


class Layers:
    """A figure drawn as a static layer, cached as pixels, and a dynamic one painted over it.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        A figure with an Agg canvas.

    Attributes
    ----------
    dynamic : list
        The artists added in the last :meth:`replacing` block, and by :meth:`add`.
    covering : list
        The static artists that the last :meth:`paint` painted over the dynamic ones.
    """

    def __init__(self, figure):
        self.figure = figure
        self.dynamic = []
        self.covering = []
        self.background = None  # the figure without the dynamic artists, as pixels

    def clear(self):
        """Clear the figure, to draw it anew or set it up afresh."""
        self.figure.clear()
        self.dynamic, self.covering = [], []

    @contextlib.contextmanager
    def replacing(self):
        """Remove the dynamic artists; those added in the ``with`` block are the new ones.

        Autoscaled limits follow what the block draws, not what was drawn before.
        Raises ``RuntimeError`` if the block adds or removes an Axes: every Axes must
        be made in ``setup``.
        """
        fig = self.figure
        for artist in self.dynamic:
            artist.remove()
            _forget_suplabel(fig, artist)
        for ax in fig.axes:
            if ax.get_autoscalex_on() or ax.get_autoscaley_on():
                ax.relim(visible_only=True)
        before = _children(fig)  # keeps them alive, so no new artist reuses an id
        seen = {id(artist) for artist in before}
        axes = list(fig.axes)
        self.dynamic = []
        yield
        if fig.axes != axes:
            raise RuntimeError("draw() added or removed an Axes: create every Axes in setup()")
        self.dynamic = [artist for artist in _children(fig) if id(artist) not in seen]
        for artist in self.dynamic:
            artist.set_animated(True)

    def add(self, artist):
        """Make ``artist`` dynamic too (the explorer's caption, added after ``draw``)."""
        artist.set_animated(True)
        self.dynamic.append(artist)

    def paint(self):
        """Leave the figure on its canvas: the cached background, the dynamic artists over it."""
        for artist in self.covering:
            artist.set_animated(False)
        on_top, self.covering = _on_top(self.figure, self.dynamic)
        for artist in self.covering:  # left out of the background, painted in order
            artist.set_animated(True)
        if self.background is None:
            self.background = _Background(self.figure)
        self.background.paint(self.dynamic)
        renderer = self.figure.canvas.get_renderer()
        for artist in on_top:
            artist.draw(renderer)


def _forget_suplabel(fig, artist):
    """If ``artist``, just removed, was ``fig``'s suptitle, supxlabel or supylabel, let
    ``fig`` forget it, so that the next ``draw`` can set it anew.

    The one place where the kit touches matplotlib's private attributes; no public API
    can do this. ``Figure.suptitle`` edits the Text it keeps in ``fig._suptitle`` if there
    is one, and matplotlib 3.8 (the oldest the course supports) keeps it there after the
    Text is removed: the next ``fig.suptitle`` would edit a Text no longer in the figure,
    and no title would show. matplotlib 3.10.9 forgets it on removal by itself
    (matplotlib issue 31073); then this does nothing.
    """
    for name in ("_suptitle", "_supxlabel", "_supylabel"):
        if getattr(fig, name, None) is artist:
            setattr(fig, name, None)


def _children(fig):
    """The figure's artists, each Axes' children in drawing order, then the figure's own."""
    found = []
    for ax in fig.axes:
        found.extend(sorted(ax.get_children(), key=lambda artist: artist.get_zorder()))
    found.extend(artist for artist in fig.get_children() if artist not in fig.axes)
    return found


class _Background:
    """The figure without its dynamic artists, rendered once and patched per Axes.

    ``paint`` puts these pixels on the canvas. When an Axes now looks different from
    when they were rendered (its limits, scale, title, labels or static artists
    changed: see :func:`_axes_key`), only the region of that Axes (its tick labels,
    labels and title included) is cleared and drawn again, provided no other part of
    the figure reaches into that region; otherwise the whole figure is drawn again.
    """

    MARGIN = 3  # pixels around an Axes' tight box, for anti-aliased edges

    def __init__(self, fig):
        self.fig = fig
        self.keys = None  # what the pixels show: a key for the figure, one per Axes
        self.pixels = None
        self.extents = {}  # Axes -> the region its drawing covers, in pixels
        self.separate = False  # whether those regions are apart, so each can be redrawn alone

    def paint(self, dynamic):
        """Leave the background for the current state on the canvas (animated artists aside)."""
        fig, canvas = self.fig, self.fig.canvas
        dynamic = {id(artist) for artist in dynamic}
        keys = (_figure_key(fig, dynamic), [_axes_key(ax, dynamic) for ax in fig.axes])
        if self.pixels is None or keys[0] != self.keys[0]:
            self._draw_all(keys, dynamic)
            return
        changed = [ax for ax, new, old in zip(fig.axes, keys[1], self.keys[1], strict=True)
                   if new != old]  # fmt: skip
        if changed and not self.separate:
            self._draw_all(keys, dynamic)
            return
        canvas.restore_region(self.pixels)
        if not changed:
            return
        renderer = canvas.get_renderer()
        for ax in changed:  # clear what each one drew last time, to the figure's colour
            box = self.extents[ax]
            Rectangle((box.x0, box.y0), box.width, box.height, transform=IdentityTransform(),
                      facecolor=fig.patch.get_facecolor(), edgecolor="none", antialiased=False,
                      figure=fig).draw(renderer)  # fmt: skip
        for ax in changed:
            ax.draw(renderer)  # leaves out the animated (dynamic) artists
            self.extents[ax] = self._extent(ax, renderer, dynamic)
        # Clearing or drawing must not have touched anything else; if it might, start over.
        others = [self.extents[ax] for ax in fig.axes if ax not in changed]
        others += [a.get_window_extent(renderer) for a in _figure_artists(fig, dynamic)]
        for ax in changed:
            if any(self.extents[ax].overlaps(o) for o in others):
                self._draw_all(keys, dynamic)
                return
        self.pixels = canvas.copy_from_bbox(fig.bbox)
        self.keys = keys

    def _draw_all(self, keys, dynamic):
        canvas = self.fig.canvas
        canvas.draw()  # leaves out the animated (dynamic) artists
        renderer = canvas.get_renderer()
        self.extents = {ax: self._extent(ax, renderer, dynamic) for ax in self.fig.axes}
        boxes = list(self.extents.values())
        boxes += [a.get_window_extent(renderer) for a in _figure_artists(self.fig, dynamic)]
        self.separate = not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[:i])
        self.pixels = canvas.copy_from_bbox(self.fig.bbox)
        self.keys = keys

    def _extent(self, ax, renderer, dynamic):
        static = [a for a in ax.get_default_bbox_extra_artists() if id(a) not in dynamic]
        box = ax.get_tightbbox(renderer, bbox_extra_artists=static)
        m = self.MARGIN
        return Bbox([[np.floor(box.x0) - m, np.floor(box.y0) - m],
                     [np.ceil(box.x1) + m, np.ceil(box.y1) + m]])  # fmt: skip


def _on_top(fig, dynamic):
    """What to paint over the background, in the order a full draw would paint it.

    In each Axes: its dynamic artists and the static ones of a higher zorder (a
    legend, a marker made in ``setup``), which must cover them; then the figure's
    dynamic artists. Returns that list and the static artists in it.
    """
    dynamic_ids = {id(artist) for artist in dynamic}
    on_top, covering = [], []
    for ax in fig.axes:
        children = [a for a in ax.get_children() if a is not ax.patch]
        low = min((a.get_zorder() for a in children if id(a) in dynamic_ids), default=None)
        if low is None:
            continue
        layer = [a for a in children
                 if id(a) in dynamic_ids or (a.get_visible() and a.get_zorder() > low)]  # fmt: skip
        covering += [a for a in layer if id(a) not in dynamic_ids]
        on_top += sorted(layer, key=lambda artist: artist.get_zorder())  # stable, like Axes.draw
    axes_ids = {id(artist) for artist in on_top}
    on_top += [a for a in dynamic if id(a) not in axes_ids]  # the figure's own
    return on_top, covering


def _figure_artists(fig, dynamic):
    """The figure's own static artists (not its Axes, not its background patch)."""
    return [a for a in fig.get_children()
            if a is not fig.patch and a not in fig.axes and id(a) not in dynamic
            and a.get_visible()]  # fmt: skip


def _figure_key(fig, dynamic):
    """What the figure itself shows around its Axes; a change redraws everything.

    The suptitle's text is in it because ``fig.suptitle`` edits the Text it made before.
    """
    return (
        tuple((id(a), a.get_visible()) for a in fig.get_children() if id(a) not in dynamic),
        tuple(ax.get_position().bounds for ax in fig.axes),
        fig.get_suptitle(),
    )


def _axes_key(ax, dynamic):
    """What one Axes shows apart from the dynamic artists; a change redraws that Axes."""
    return (
        ax.get_xlim(), ax.get_ylim(), ax.get_xscale(), ax.get_yscale(), ax.axison,
        ax.get_visible(), ax.get_title("left"), ax.get_title(), ax.get_title("right"),
        ax.get_xlabel(), ax.get_ylabel(),
        tuple((id(a), a.get_visible(), a.get_animated()) for a in ax.get_children()
              if id(a) not in dynamic),
    )  # fmt: skip
