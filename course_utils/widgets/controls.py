"""An explorer's controls: sliders and menus, each with its role.

A :class:`Control` is an ipywidgets widget, which the student moves, and its *role*,
what it stands for to the rest of the kit. The role is set where the control is made:
:func:`lr_slider` makes the :data:`LEARNING_RATE`, :func:`batch_slider` the
:data:`BATCH_SIZE`, and every other factory takes ``role=`` (:data:`OTHER` unless
told). The static book chooses the controls its frames span by role
(:func:`course_utils.widgets.frames.frame_controls`), never by label.

Both halves are plain data: the role is one of the strings in :data:`ROLES`, and the
values a control allows are its widget's traits (``min``, ``max``, ``step``, ``base``,
``options``, ``value``), which ``widget.get_state()`` returns as JSON.

Examples
--------
>>> c = float_slider(0.5, 0.0, 0.99, 0.01, "momentum β", role=SECOND)
>>> c.role, c.widget.description, c.widget.max
('second', 'momentum β', 0.99)
"""

from dataclasses import dataclass

import ipywidgets as W

from course_utils import _validate
from course_utils.data import batch_sizes

#: The step size η. The static book's frames span it first.
LEARNING_RATE = "learning rate"
#: The mini-batch size B. The frames span it second.
BATCH_SIZE = "batch size"
#: Another control worth a sweep. The frames span the first one when there is no batch
#: size (the first two when there is no learning rate either).
SECOND = "second"
#: Any other control; the static book holds it at its default.
OTHER = "other"
#: Every role, in the order the frames prefer them.
ROLES = (LEARNING_RATE, BATCH_SIZE, SECOND, OTHER)

_STYLE = {"description_width": "10em"}
_LAYOUT = {"width": "34em"}


@dataclass(frozen=True)
class Control:
    """One control of an explorer: the widget a student moves, and what it stands for.

    Parameters
    ----------
    widget : ipywidgets.ValueWidget
        The widget; its ``description`` labels it, and its ``value`` is what the
        explorer's ``draw`` receives.
    role : str
        One of :data:`ROLES`.
    """

    widget: W.ValueWidget
    role: str = OTHER

    def __post_init__(self):
        _validate.choice("role", self.role, ROLES)


def _styled(kind, role, **traits):
    """A control of ipywidgets type ``kind``, labelled and sized like all the others."""
    return Control(kind(style=_STYLE, layout=_LAYOUT, **traits), role)


def log_slider(value, min_exp, max_exp, description, step=0.1, role=OTHER):
    """A log-scale slider from ``10**min_exp`` to ``10**max_exp``.

    It moves in steps of ``step`` decades: with the default, each arrow-key press
    multiplies the value by :math:`10^{0.1} \\approx 1.26`.
    """
    _validate.number("max_exp", max_exp, lo=min_exp, lo_open=True)
    value = _validate.number("value", value, lo=10**min_exp, hi=10**max_exp)
    return _styled(W.FloatLogSlider, role, value=value, base=10, min=min_exp, max=max_exp,
                   step=step, description=description, readout_format=".3g",
                   continuous_update=True)  # fmt: skip


def lr_slider(value=0.1, min_exp=-4.0, max_exp=1.0, description="learning rate η"):
    """The :data:`LEARNING_RATE`: a :func:`log_slider` from ``10**min_exp`` to ``10**max_exp``."""
    return log_slider(value, min_exp, max_exp, description, role=LEARNING_RATE)


def selection_slider(options, value, description, role=OTHER):
    """A slider over a list of values (batch sizes, clipping thresholds…)."""
    value = _validate.choice("value", value, list(options))
    return _styled(W.SelectionSlider, role, options=list(options), value=value,
                   description=description, continuous_update=True)  # fmt: skip


def batch_slider(n, value=None, description="batch size B"):
    """The :data:`BATCH_SIZE`: a slider over 1, 2, 4, …, and the full training set ``n``."""
    options = batch_sizes(n)
    value = options[-1] if value is None else value
    return selection_slider(options, value, description, role=BATCH_SIZE)


def float_slider(value, lo, hi, step, description, fmt=".2f", role=OTHER):
    """A plain linear slider (momentum β, a position…)."""
    return _styled(W.FloatSlider, role, value=value, min=lo, max=hi, step=step,
                   description=description, readout_format=fmt, continuous_update=True)  # fmt: skip


def int_slider(value, lo, hi, description, step=1, role=OTHER):
    """An integer slider (number of steps, epochs, restarts…)."""
    return _styled(W.IntSlider, role, value=value, min=lo, max=hi, step=step,
                   description=description, continuous_update=True)  # fmt: skip


def dropdown(options, value, description, role=OTHER):
    """A drop-down menu of named choices."""
    return _styled(W.Dropdown, role, options=options, value=value, description=description)


def multi_select(options, value, description, role=OTHER):
    """Several choices at once (optimizers to race against each other)."""
    return _styled(W.SelectMultiple, role, options=options, value=tuple(value),
                   rows=min(len(options), 7), description=description)  # fmt: skip


def checkbox(value, description, role=OTHER):
    """A switch (Nesterov momentum on or off), its label beside the box."""
    return Control(W.Checkbox(value=bool(value), description=description, indent=False), role)
