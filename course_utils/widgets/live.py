"""Page explorers in the notebook: the book's front-end, driven by the kernel's controls.

An explorer that the book's page computes (``Explorer(..., page=Page(...))``, see
:mod:`.page`) is shown in JupyterLab and Notebook 7 by the same JavaScript as in the
book: an anywidget (:class:`PageView`) whose front-end module is the page's scripts
(``web/downhill-*.js``), then ``web/downhill-keys.js`` and ``web/downhill-widget.js``.
The browser runs the explorer's model and redraws its SVG figure in the next animation
frame, so a drag draws at the browser's frame rate instead of waiting for the kernel's
PNG.

The kernel stays the reference. The Python explorer keeps its controls (the ipywidgets
that tests and exercises set), and :class:`PageView` keeps its ``values`` in step with
them both ways:

- a control set in Python (``explorer.set(lr=0.3)``, ``explorer.controls["lr"].value =
  0.3``) moves the control in the page, which redraws;
- a control moved in the page reaches the kernel when it is let go, or has rested a
  quarter of a second (a key, a pause in a drag), and sets the Python control: the Python
  explorer redraws its matplotlib picture once, which the explorer shows folded under
  the page's figure ("the kernel's picture").

In Notebook 7 the notebook's command mode takes the arrow keys from a focused slider
before the slider sees them (jupyter/notebook#7716); ``web/downhill-keys.js`` gives them
back to the explorers' sliders and menus, those of the page explorers and, through a
widget that shows nothing (:class:`KeyGuard`), those of the explorers the kernel draws.

The page's numbers are those of ``course_utils`` (``tests/widgets/test_page_numerics.py``
compares them to 1e-9). Without anywidget (:data:`AVAILABLE` false) the explorer is the
plain ipywidgets one.
"""

import functools

import ipywidgets as W
import traitlets

from course_utils.widgets import page

try:
    import anywidget
except ImportError:  # the plain ipywidgets explorer, drawn by the kernel
    anywidget = None

#: Whether the notebook can show page explorers through anywidget.
AVAILABLE = anywidget is not None
#: The title of the fold under a page explorer that holds the kernel's own picture.
KERNEL_PICTURE = "The kernel's picture (matplotlib), redrawn when you let go of a control"
#: The front-end module's own part, after the page's scripts.
WIDGET_SCRIPT = "downhill-widget.js"
#: The script that keeps a focused control's keys from the notebook's shortcuts.
KEYS_SCRIPT = "downhill-keys.js"


def _web(name):
    return (page.WEB / name).read_text(encoding="utf-8")


@functools.cache
def esm():
    """The widget's front-end module: the page's scripts, ``downhill-keys.js``, then
    ``downhill-widget.js``."""
    return "\n".join([page.source(), _web(KEYS_SCRIPT), _web(WIDGET_SCRIPT)])


@functools.cache
def keys_esm():
    """:class:`KeyGuard`'s module: ``downhill-keys.js``, and a view that shows nothing."""
    return _web(KEYS_SCRIPT) + "\nexport default { render: function () {} };\n"


# In an output area the labels of the controls would touch its left edge.
_NOTEBOOK_CSS = ".downhill-page.downhill-live {padding: 0 0.5em;}\n"


@functools.cache
def css():
    """The page explorers' style sheet, as the page has it, and a margin."""
    return (page.WEB / page.STYLE).read_text(encoding="utf-8") + _NOTEBOOK_CSS


#: What :func:`to_control` returns for a value that its control cannot take.
REFUSED = object()


def to_control(widget, value):
    """``value`` as the page sent it (JSON) as a value of ``widget``, or :data:`REFUSED`
    (an option it does not have, a number for a menu...)."""
    if isinstance(widget, W.SelectMultiple):
        if not isinstance(value, list):
            return REFUSED
        chosen = tuple(o for o in widget.options if page.json_value(o) in value)
        return chosen if len(chosen) == len(value) else REFUSED
    if hasattr(widget, "options"):  # a selection slider, a menu: one of its options
        return next((o for o in widget.options if page.json_value(o) == value), REFUSED)
    if isinstance(widget, W.Checkbox):
        return value if isinstance(value, bool) else REFUSED
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return REFUSED
    if isinstance(widget, W.IntSlider):
        return int(value) if value == int(value) else REFUSED
    return float(value)


if AVAILABLE:

    class PageView(anywidget.AnyWidget):
        """The page's explorer as a notebook widget, its values in step with ``explorer``'s
        controls (see the module's description)."""

        _esm = traitlets.Unicode().tag(sync=True)
        _css = traitlets.Unicode().tag(sync=True)
        spec = traitlets.Dict().tag(sync=True)
        values = traitlets.Dict().tag(sync=True)

        def __init__(self, explorer):
            self._explorer_controls = explorer.controls
            self._from_page = False
            super().__init__(
                _esm=esm(), _css=css(), spec=page.spec(explorer), values=self._current()
            )
            for control in self._explorer_controls.values():
                control.observe(self._control_moved, names="value")
            self.observe(self._page_moved, names="values")

        def _current(self):
            return {n: page.json_value(c.value) for n, c in self._explorer_controls.items()}

        def _control_moved(self, _change):
            if not self._from_page:
                self.values = self._current()

        def _page_moved(self, change):
            """Set the Python controls to what the page sent (each change once)."""
            self._from_page = True
            try:
                for name, value in (change["new"] or {}).items():
                    control = self._explorer_controls.get(name)
                    if control is None or page.json_value(control.value) == value:
                        continue
                    new = to_control(control, value)
                    if new is not REFUSED:  # else not a value of this control: leave it
                        control.value = new
            finally:
                self._from_page = False
            if self.values != self._current():  # a value the control clamped or refused
                self.values = self._current()

    class KeyGuard(anywidget.AnyWidget):
        """A widget that shows nothing: its front-end module (:func:`keys_esm`) gives a
        focused slider or menu of the explorers the kernel draws the keys it uses, which
        Notebook 7's command mode would take (see the module's description)."""

        _esm = traitlets.Unicode().tag(sync=True)

        def __init__(self):
            super().__init__(_esm=keys_esm(), layout=W.Layout(display="none"))
