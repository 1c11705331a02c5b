"""The machinery shared by every explorer: sliders and a figure that redraws.

An :class:`Explorer` is a set of controls (sliders, drop-downs) and a ``draw``
function. Whenever a control moves, the explorer clears one matplotlib figure,
calls ``draw(fig, **values)`` and shows the result as a PNG image. Drawing with
Agg into a PNG (rather than through the inline backend) keeps a redraw to a few
tens of milliseconds and works the same in JupyterLab, Binder and Colab.

When the explorer is displayed, its output carries two representations: the
live widget, which JupyterLab shows, and a PNG of the default state, which the
static book (and a print) shows when no kernel is running.
"""

import base64
import io
import warnings

import ipywidgets as W
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from course_utils import _validate
from course_utils.data import batch_sizes

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
        continuous_update=False,
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
        continuous_update=False,
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
        continuous_update=False,
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
        continuous_update=False,
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
        ``draw(fig, **values)`` draws on the (cleared) matplotlib ``Figure``.
    figsize : tuple of float, optional
        Figure size in inches; the default suits the book's page width.
    dpi : int, optional
        Resolution of the PNG.

    Notes
    -----
    ``draw`` should never fail for a value its sliders allow; if it does, or if
    it emits a warning, the explorer shows a short message in the figure rather
    than a traceback, and keeps the problem in ``last_error`` and
    ``last_warnings`` so that the tests can insist there is none.
    """

    def __init__(self, controls, draw, figsize=(7.5, 4.2), dpi=90):
        if not controls:
            raise ValueError("controls must name at least one control")
        self.controls = dict(controls)
        self._draw = draw
        self.dpi = _validate.integer("dpi", dpi, lo=30, hi=300)
        self.figure = Figure(figsize=figsize)
        FigureCanvasAgg(self.figure)
        self.image = W.Image(format="png", layout={"max_width": "100%"})
        self.last_error = None
        self.last_warnings = []
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        self.widget = W.VBox([W.VBox(list(self.controls.values())), self.image])
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
        self.refresh()

    def refresh(self):
        """Redraw the figure for the current values and update the image."""
        fig = self.figure
        fig.clear()
        self.last_error = None
        with warnings.catch_warnings(record=True) as caught, np.errstate(all="warn"):
            warnings.simplefilter("always")
            try:
                self._draw(fig, **self.values)
            except Exception as err:  # a last line of defence: never a traceback
                self.last_error = err
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
        fig.text(0.01, 0.005, settings, fontsize=9, color="0.3", ha="left", va="bottom")
        buffer = io.BytesIO()
        # Light compression: the PNG is a bit larger but encodes several times faster.
        fig.savefig(buffer, format="png", dpi=self.dpi, pil_kwargs={"compress_level": 1})
        self.image.value = buffer.getvalue()

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = self.widget._repr_mimebundle_(include=include, exclude=exclude) or {}
        bundle["image/png"] = base64.b64encode(self.default_png).decode("ascii")
        return bundle
