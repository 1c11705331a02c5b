"""An explorer: controls, a figure drawn again when they move, and when to draw it.

An :class:`Explorer` is a set of controls (sliders, drop-downs: :mod:`.controls`), a
``setup`` function that lays out one matplotlib figure once, and a ``draw`` function
that adds what depends on the controls. Whenever a control moves, the explorer removes
what ``draw`` added last time, calls it again and shows the figure as a PNG image,
painting only the new artists over a cached picture of the rest (:mod:`.drawing`).

When the explorer is displayed, its output carries the live widget, which
JupyterLab shows (for a page explorer, the page's own front-end, :mod:`.live`, with the
kernel's picture folded under it), and a PNG of the default state (a print, the PDF). While the book
is built it also carries a static slider over precomputed frames (``text/html``,
:mod:`.frames`), which the HTML book shows. A saved notebook keeps the widget's
state, and a reopened one shows its picture and says how to make it move (:mod:`.saved`).
"""

import asyncio
import base64
import sys
import warnings

import ipywidgets as W
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

from course_utils import _validate
from course_utils.widgets import frames, live, png, saved
from course_utils.widgets import narrow as narrow_kit
from course_utils.widgets.controls import Control
from course_utils.widgets.drawing import Layers
from course_utils.widgets.page import page_html

# Image pixels per CSS pixel of new explorers' pictures: 2 is sharp on high-density
# screens; 1 draws a quarter of the pixels (a slow machine, a slow connection).
PIXEL_RATIO = 2.0


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
        Name → :class:`~course_utils.widgets.controls.Control` (from the factories of
        :mod:`.controls`), or a bare ipywidgets widget, whose role is then ``"other"``.
        The names are the keyword arguments that ``draw`` receives.
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
    setup : callable, optional
        ``setup(fig)`` draws what never changes (axes, contours, labels, fixed
        limits) once and returns a ``layout`` (typically the axes) for ``draw``.
    pixel_ratio : float, optional
        Image pixels per CSS pixel, in [1, 3]: the PNG is rendered at ``dpi *
        pixel_ratio`` so that it stays sharp on high-density screens. The default
        is the module's ``PIXEL_RATIO`` (2); a redraw costs more with more pixels
        (``benchmarks/widgets.py --pixel-ratio`` measures it). While the book is built
        the default stays 2 for an explorer with precomputed frames (:mod:`.frames`),
        crisp on a screen of two device pixels per CSS pixel, and is 1 for one that
        the page computes (``page``), whose picture is only the still shown without
        JavaScript.
    continuous_update : bool, optional
        Whether the picture follows a slider while it is dragged (the default)
        or only once it is released. Set on every control that has the option.
    page : course_utils.widgets.page.Page, optional
        The explorer's model in the page's JavaScript and the data it ships: the built
        book then runs the explorer in the reader's browser, every control live
        (:mod:`.page`), instead of showing precomputed frames; the notebook shows the
        same front-end, its values kept in step with the controls (:mod:`.live`).
    frame_values : dict, optional
        Name → the values of that control that get a frame in the static book, in place
        of the default grid (:func:`~course_utils.widgets.frames.frame_values`): the
        values the chapter's text names, and close neighbours of a threshold it names.
        Only for the controls the frames span (:func:`~course_utils.widgets.frames.frame_controls`).
    narrow : bool, optional
        Lay the figure out for a narrow screen (:mod:`.narrow`): ``setup``'s Axes
        stacked in one column 3.95 inches wide, no type under 7.5 points. The static
        book draws its frames in both layouts (:meth:`narrow_copy`). Needs ``setup``.

    Attributes
    ----------
    controls : dict
        Name → the ipywidgets widget.
    roles : dict
        Name → the control's role (:data:`~course_utils.widgets.controls.ROLES`).
    page : ~course_utils.widgets.page.Page or None
        The page model, as given.
    live : ~course_utils.widgets.live.PageView or None
        The page's front-end in the notebook; None without a page model, without
        anywidget, or while the book is built.

    Notes
    -----
    **Fast redraws.** With ``setup``, every artist that ``draw`` adds is removed
    before the next call and painted over a cached picture of the rest of the figure,
    so that the image is exactly what a full draw gives (:mod:`.drawing`). So ``draw``
    should add what changes rather than edit what ``setup`` made, and limits that need
    not follow the data belong in ``setup``. Without ``setup`` the figure is cleared
    and drawn in full each time, which is simpler and several times slower.

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
        page=None,
        frame_values=None,
        narrow=False,
    ):
        if not controls:
            raise ValueError("controls must name at least one control")
        if narrow and setup is None:
            raise ValueError("narrow=True needs setup (the Axes it stacks)")
        controls = {n: c if isinstance(c, Control) else Control(c) for n, c in controls.items()}
        self.controls = {name: c.widget for name, c in controls.items()}
        self.page = page
        self.roles = {name: c.role for name, c in controls.items()}
        self._draw = draw
        self._setup = narrow_kit.stacked(setup) if narrow else setup
        self._narrow = bool(narrow)
        self.frame_values = frames.check_frame_values(self, frame_values)
        self._layout = None  # what setup returned; None until it has run
        self.dpi = _validate.integer("dpi", dpi, lo=30, hi=300)
        if pixel_ratio is None:
            # building the book, a picture computed in the page is only its still (1x);
            # the frames of the others are the live explorer's pictures (2x)
            pixel_ratio = 1.0 if frames.enabled() and page is not None else PIXEL_RATIO
        self.pixel_ratio = _validate.number("pixel_ratio", pixel_ratio, lo=1.0, hi=3.0)
        self.figure = Figure(figsize=figsize, dpi=self.dpi * self.pixel_ratio)
        FigureCanvasAgg(self.figure)
        self._layers = Layers(self.figure)
        inches = narrow_kit.WIDTH if narrow else figsize[0]
        width = f"{round(inches * self.dpi)}px"  # natural size; height follows
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
        self.refresh()
        # In the notebook, a page explorer is the page's own front-end (live.PageView),
        # the kernel's picture folded under it; any other shows its controls and picture.
        # saved.note(): a line that shows only in a reopened notebook, before it runs
        # again; then the controls, which move nothing without a kernel, are hidden
        self.live = None
        if page is not None and live.AVAILABLE and not frames.enabled():
            self.live = live.PageView(self)
            kernel = W.Accordion([self.image], titles=(live.KERNEL_PICTURE,), selected_index=None)
            parts, classes = [saved.note(live=True), self.live, kernel], [saved.LIVE_CLASS]
        else:
            box = W.VBox(list(self.controls.values()), _dom_classes=[saved.CONTROLS_CLASS])
            parts, classes = [saved.note(), box, self.image], []
            if not frames.enabled() and live.AVAILABLE:  # the arrow keys in Notebook 7
                parts.append(live.KeyGuard())
        self.widget = W.VBox(parts, _dom_classes=[saved.EXPLORER_CLASS, *classes])
        self.default_png = self.image.value

    @property
    def has_setup(self):
        """Whether the figure has a ``setup`` (its Axes made once, which a narrow layout stacks)."""
        return self._setup is not None

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

    # --- when to draw: at once, or just after the kernel's current message -----------
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

    # --- what to draw ------------------------------------------------------------------
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
                self._layout = None  # set up afresh next time
                self._layers.clear()
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
        if self._narrow:
            narrow_kit.enlarge(fig, [caption])
        if self._layout is not None:
            self._layers.add(caption)
        self.image.value = self._render()

    def _redraw(self):
        if self._setup is None:  # draw everything anew
            self._layers.clear()
            self._draw(self.figure, **self.values)
            return
        if self._layout is None:
            self._layers.clear()
            self._layout = self._setup(self.figure)
        with self._layers.replacing():
            self._draw(self._layout, **self.values)
        if self._narrow:
            texts = [t for artist in self._layers.dynamic for t in artist.findobj(Text)]
            narrow_kit.enlarge(self.figure, texts)

    def narrow_copy(self):
        """This explorer laid out for a narrow screen (``narrow=True``), on the same
        controls. It does not follow them: after moving them, call its :meth:`refresh`
        (the static book draws both layouts at every point of the frames' grid). A narrow
        explorer is its own narrow copy."""
        if self._narrow:
            return self
        controls = {name: Control(w, self.roles[name]) for name, w in self.controls.items()}
        size = tuple(self.figure.get_size_inches())
        copy = Explorer(controls, self._draw, figsize=size, dpi=self.dpi, setup=self._setup,
                        pixel_ratio=self.pixel_ratio, page=self.page,
                        frame_values=self.frame_values, narrow=True)  # fmt: skip
        for control in copy.controls.values():
            control.unobserve(copy._on_change, names="value")
        return copy

    def _render(self):
        """The PNG of the figure: drawn in full without a layout, else blitted."""
        if self._layout is None:
            self.figure.canvas.draw()
        else:
            self._layers.paint()
        return png.encode(np.asarray(self.figure.canvas.buffer_rgba()))

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = self.widget._repr_mimebundle_(include=include, exclude=exclude) or {}
        bundle["image/png"] = base64.b64encode(self.default_png).decode("ascii")
        if frames.enabled() and self.page is not None:  # building the book: computed in the page
            bundle["text/html"] = page_html(self, self.default_png)
        elif frames.enabled():  # building the book: the static slider over precomputed frames
            bundle["text/html"] = frames.static_html(self)
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
