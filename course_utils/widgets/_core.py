"""The machinery shared by every explorer: sliders and a figure that redraws.

An :class:`Explorer` is a set of controls (sliders, drop-downs), a ``setup``
function that lays out one matplotlib figure once, and a ``draw`` function that
adds what depends on the controls. Whenever a control moves, the explorer removes
what ``draw`` added last time, calls it again and shows the figure as a PNG image.
Only the new artists are painted, over a cached picture of the rest (blitting with
Agg), so a redraw costs the computation plus a few milliseconds of drawing; it
works the same in JupyterLab, Binder and Colab, with no interactive backend.

When the explorer is displayed, its output carries the live widget, which
JupyterLab shows, and a PNG of the default state (a print, the PDF). While the book
is built it also carries a static slider over precomputed frames (``text/html``,
``course_utils.widgets.frames``), which the HTML book shows. A saved notebook keeps
the widget's state, and a reopened one says to run the cell (``course_utils.widgets.saved``).
"""

import asyncio
import base64
import sys
import warnings

import ipywidgets as W
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.transforms import Bbox, IdentityTransform

from course_utils import _validate
from course_utils.data import batch_sizes
from course_utils.widgets import frames, png, saved

# Image pixels per CSS pixel of new explorers' pictures: 2 is sharp on high-density
# screens; 1 draws a quarter of the pixels (a slow machine, a slow connection).
PIXEL_RATIO = 2.0

_STYLE = {"description_width": "10em"}
_LAYOUT = {"width": "34em"}


def lr_slider(value=0.1, min_exp=-4.0, max_exp=1.0, description="learning rate η"):
    """A log-scale learning-rate slider from ``10**min_exp`` to ``10**max_exp``.

    The slider moves in steps of a tenth of a decade, so each arrow-key press
    multiplies η by :math:`10^{0.1} \\approx 1.26`.
    """
    _validate.number("max_exp", max_exp, lo=min_exp, lo_open=True)
    value = _validate.number("value", value, lo=10**min_exp, hi=10**max_exp)
    return W.FloatLogSlider(
        value=value,
        base=10,
        min=min_exp,
        max=max_exp,
        step=0.1,
        description=description,
        readout_format=".3g",
        continuous_update=True,
        style=_STYLE,
        layout=_LAYOUT,
    )


def batch_slider(n, value=None, description="batch size B"):
    """A batch-size slider over 1, 2, 4, …, and the full training set ``n``."""
    options = batch_sizes(n)
    value = options[-1] if value is None else _validate.choice("value", value, options)
    return W.SelectionSlider(
        options=options,
        value=value,
        description=description,
        continuous_update=True,
        style=_STYLE,
        layout=_LAYOUT,
    )


def float_slider(value, lo, hi, step, description, fmt=".2f"):
    """A plain linear slider (momentum β, a clipping threshold, a position…)."""
    return W.FloatSlider(
        value=value,
        min=lo,
        max=hi,
        step=step,
        description=description,
        readout_format=fmt,
        continuous_update=True,
        style=_STYLE,
        layout=_LAYOUT,
    )


def int_slider(value, lo, hi, description, step=1):
    """An integer slider (number of steps, epochs, restarts…)."""
    return W.IntSlider(
        value=value,
        min=lo,
        max=hi,
        step=step,
        description=description,
        continuous_update=True,
        style=_STYLE,
        layout=_LAYOUT,
    )


def dropdown(options, value, description):
    """A drop-down menu of named choices."""
    return W.Dropdown(
        options=options, value=value, description=description, style=_STYLE, layout=_LAYOUT
    )


def multi_select(options, value, description):
    """Several choices at once (optimizers to race against each other)."""
    return W.SelectMultiple(
        options=options,
        value=tuple(value),
        rows=min(len(options), 7),
        description=description,
        style=_STYLE,
        layout=_LAYOUT,
    )


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


def _describe(value):
    if isinstance(value, float):
        return f"{value:.3g}"
    if isinstance(value, tuple):
        return ", ".join(map(str, value))
    return str(value)


class Explorer:
    """Controls plus a figure that is redrawn whenever a control changes.

    Parameters
    ----------
    controls : dict
        Name → ipywidgets control. The names are the keyword arguments that
        ``draw`` receives.
    draw : callable
        Without ``setup``: ``draw(fig, **values)`` draws the whole picture on
        the cleared matplotlib ``Figure``. With ``setup``: ``draw(layout,
        **values)`` adds the parts that depend on the controls.
    figsize : tuple of float, optional
        Figure size in inches; the default suits the book's page width.
    dpi : int, optional
        Size of the picture on the page: pixels (CSS pixels) per inch of
        ``figsize``. The image is shown at that natural size, never stretched (a
        narrower page shrinks it).
    pixel_ratio : float, optional
        Image pixels per CSS pixel, in [1, 3]: the PNG is rendered at ``dpi *
        pixel_ratio`` so that it stays sharp on high-density screens. The default
        is the module's ``PIXEL_RATIO`` (2); a redraw costs more with more pixels
        (``benchmarks/widgets.py --pixel-ratio`` measures it). While the book is built
        the default is 1: the static book stores dozens of frames per explorer, and at
        2 its pages would weigh about 2.5 times as much.
    setup : callable, optional
        ``setup(fig)`` draws what never changes (axes, contours, labels, fixed
        limits) once and returns a ``layout`` (typically the axes) for ``draw``.
    continuous_update : bool, optional
        Whether the picture follows a slider while it is dragged (the default)
        or only once it is released. Set on every control that has the option.

    Notes
    -----
    **Fast redraws.** With ``setup``, every artist that ``draw`` adds is
    *dynamic*: it is removed before the next call and painted over a cached
    picture of the rest of the figure. In each Axes, static artists of a higher
    zorder than a dynamic one (a legend made in ``setup``) are painted over it
    again, so the image is exactly what a full draw gives. The cached picture of
    an Axes is drawn again only when something in it has changed: a limit, a
    scale, a title or label, an artist added, removed, shown or hidden outside
    ``draw``; only that Axes is drawn again if nothing else reaches into its
    region, else the whole figure. So ``draw`` should add what changes rather
    than edit what ``setup`` made, and limits that need not follow the data
    belong in ``setup``.

    Without ``setup`` the figure is cleared and drawn in full each time, which
    is simpler and several times slower.

    **Following a drag.** While a slider is dragged its new values reach the
    kernel, and there is no backlog: the widget's model in the browser sends a value
    only when the kernel has finished with the previous message (became idle again)
    and, meanwhile, keeps just the latest. In a kernel the explorer does not draw
    while it handles the message that brought a value: it schedules one redraw on
    the kernel's event loop, which runs just after, so the kernel is idle at once
    and the browser's next value travels while the picture is drawn. A value that
    arrives during a redraw only moves the control, and the redraw scheduled for
    it draws whatever the controls hold by then, so the last value is always drawn.
    (A change made by code in a cell is drawn when the cell has finished; ``set``
    draws at once. Outside a kernel, as in a script or a test, and in Colab, which
    does not show updates sent between messages, every change is drawn at once.)

    ``draw`` should never fail for a value its sliders allow; if it does, or if
    it emits a warning, the explorer shows a short message in the figure rather
    than a traceback, and keeps the problem in ``last_error`` and
    ``last_warnings`` so that the tests can insist there is none.
    """

    def __init__(
        self,
        controls,
        draw,
        figsize=(7.5, 4.2),
        dpi=90,
        setup=None,
        pixel_ratio=None,
        continuous_update=True,
    ):
        if not controls:
            raise ValueError("controls must name at least one control")
        self.controls = dict(controls)
        self._draw = draw
        self._setup = setup
        self._layout = None  # what setup returned; None until it has run
        self._dynamic = []  # the artists the last draw added
        self._covering = []  # static artists that must be painted over the dynamic ones
        self._background = None  # the figure without them, as pixels (_Background)
        self.dpi = _validate.integer("dpi", dpi, lo=30, hi=300)
        if pixel_ratio is None:
            pixel_ratio = 1.0 if frames.enabled() else PIXEL_RATIO
        self.pixel_ratio = _validate.number("pixel_ratio", pixel_ratio, lo=1.0, hi=3.0)
        self.figure = Figure(figsize=figsize, dpi=self.dpi * self.pixel_ratio)
        FigureCanvasAgg(self.figure)
        width = f"{round(figsize[0] * self.dpi)}px"  # natural size; height follows
        self.image = W.Image(
            format="png", layout={"width": width, "max_width": "100%", "height": "auto"}
        )
        self.last_error = None
        self.last_warnings = []
        self._redraw_due = False  # a redraw is waiting on the kernel's event loop
        for control in self.controls.values():
            if control.has_trait("continuous_update"):
                control.continuous_update = bool(continuous_update)
            control.observe(self._on_change, names="value")
        # saved.note(): a line that shows only in a reopened notebook, before the cell runs
        self.widget = W.VBox([saved.note(), W.VBox(list(self.controls.values())), self.image])
        self.refresh()
        self.default_png = self.image.value

    @property
    def values(self):
        """The current value of every control, by name."""
        return {name: control.value for name, control in self.controls.items()}

    def set(self, **values):
        """Move controls programmatically (as a student would), then redraw once."""
        for name in values:
            _validate.choice("control name", name, list(self.controls))
        for control in self.controls.values():
            control.unobserve(self._on_change, names="value")
        try:
            for name, value in values.items():
                self.controls[name].value = value
        finally:
            for control in self.controls.values():
                control.observe(self._on_change, names="value")
        self.refresh()
        return self

    def _on_change(self, _change):
        loop = _kernel_loop()
        if loop is None:  # plain Python, or Colab: draw at once
            self.refresh()
        elif not self._redraw_due:  # in a kernel: draw once this message is handled
            self._redraw_due = True
            loop.call_soon(self._scheduled_refresh)

    def _scheduled_refresh(self):
        self._redraw_due = False
        self.refresh()

    def refresh(self):
        """Redraw the figure for the current values and update the image."""
        fig = self.figure
        self.last_error = None
        with warnings.catch_warnings(record=True) as caught, np.errstate(all="warn"):
            warnings.simplefilter("always")
            try:
                self._redraw()
            except Exception as err:  # a last line of defence: never a traceback
                self.last_error = err
                self._layout, self._dynamic, self._covering = None, [], []  # set up afresh
                fig.clear()
                fig.text(
                    0.5,
                    0.5,
                    f"This setting could not be drawn:\n{type(err).__name__}: {err}",
                    ha="center",
                    va="center",
                    wrap=True,
                )
        self.last_warnings = [str(w.message) for w in caught]
        settings = "   ".join(
            f"{control.description}: {_describe(control.value)}"
            for control in self.controls.values()
        )
        caption = fig.text(0.01, 0.005, settings, fontsize=9, color="0.3", va="bottom")
        if self._layout is not None:
            caption.set_animated(True)
            self._dynamic.append(caption)
        self.image.value = self._render()

    def _redraw(self):
        fig = self.figure
        if self._setup is None:  # draw everything anew
            fig.clear()
            self._draw(fig, **self.values)
            return
        if self._layout is None:
            fig.clear()
            self._layout = self._setup(fig)
        for artist in self._dynamic:
            artist.remove()
            for name in ("_suptitle", "_supxlabel", "_supylabel"):  # so draw can set them anew
                if getattr(fig, name, None) is artist:
                    setattr(fig, name, None)
        for ax in fig.axes:  # autoscaled limits follow what is drawn now, not before
            if ax.get_autoscalex_on() or ax.get_autoscaley_on():
                ax.relim(visible_only=True)
        before = _children(fig)  # keeps them alive, so no new artist reuses an id
        seen = {id(artist) for artist in before}
        axes = list(fig.axes)
        self._dynamic = []
        self._draw(self._layout, **self.values)
        if fig.axes != axes:
            self._layout = None  # start again from setup next time
            raise RuntimeError("draw() added or removed an Axes: create every Axes in setup()")
        self._dynamic = [artist for artist in _children(fig) if id(artist) not in seen]
        for artist in self._dynamic:
            artist.set_animated(True)

    def _render(self):
        """The PNG of the figure: cached background plus the dynamic artists."""
        fig, canvas = self.figure, self.figure.canvas
        if self._layout is None:
            canvas.draw()
        else:
            for artist in self._covering:
                artist.set_animated(False)
            on_top, self._covering = _on_top(fig, self._dynamic)
            for artist in self._covering:  # left out of the background, painted in order
                artist.set_animated(True)
            if self._background is None:
                self._background = _Background(fig)
            self._background.paint(self._dynamic)
            renderer = canvas.get_renderer()
            for artist in on_top:
                artist.draw(renderer)
        return png.encode(np.asarray(canvas.buffer_rgba()))

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = self.widget._repr_mimebundle_(include=include, exclude=exclude) or {}
        bundle["image/png"] = base64.b64encode(self.default_png).decode("ascii")
        if frames.enabled():  # building the book: the static slider over precomputed frames
            bundle["text/html"] = frames.static_html(self, self.default_png)
        return bundle


def _kernel_loop():
    """The running event loop of the IPython kernel running this code, or None: not in
    a kernel (a script, a test, whatever other loop may be running), or in Colab, which
    shows a widget's update only while the kernel handles a message
    (googlecolab/colabtools#3373)."""
    app = sys.modules.get("ipykernel.kernelapp")
    if app is None or not app.IPKernelApp.initialized() or "google.colab" in sys.modules:
        return None
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


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
    """What the figure itself shows around its Axes; a change redraws everything."""
    suptitle = getattr(fig, "_suptitle", None)
    return (
        tuple((id(a), a.get_visible()) for a in fig.get_children() if id(a) not in dynamic),
        tuple(ax.get_position().bounds for ax in fig.axes),
        None if suptitle is None else suptitle.get_text(),
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
