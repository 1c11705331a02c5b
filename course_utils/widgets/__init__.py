"""The explorer kit (ipywidgets): what each chapter builds its explorers from.

- :mod:`~course_utils.widgets.controls`: the sliders and menus, each with its role;
- :mod:`~course_utils.widgets.explorer`: :class:`Explorer`, which draws a figure again
  whenever its controls move, and decides when;
- :mod:`~course_utils.widgets.drawing`: the fast redraw behind it, and :func:`title`
  for ``draw`` functions;
- :mod:`~course_utils.widgets.frames`: the static book's precomputed pictures, and
  :mod:`~course_utils.widgets.narrow`, their layout for a phone;
- :mod:`~course_utils.widgets.page`: explorers that the book's page computes itself,
  from a JavaScript port of the numerics (:class:`Page`: the model and its data);
  ``png`` and ``saved``: the PNG encoder, and the note a reopened notebook shows;
- :mod:`~course_utils.widgets.live`: those explorers in the notebook, drawn by the same
  JavaScript (an anywidget), their values kept in step with the Python controls;
- :mod:`~course_utils.widgets.sweep`: every chapter's explorers, driven over their
  controls (for the tests and the benchmarks).

Each chapter's explorers live in ``course_utils.chapters.chNN_<slug>.explorers`` and
import what they need from here.
"""

from course_utils.widgets.controls import (
    BATCH_SIZE,
    LEARNING_RATE,
    OTHER,
    ROLES,
    SECOND,
    Control,
    batch_slider,
    checkbox,
    dropdown,
    float_slider,
    int_slider,
    log_slider,
    lr_slider,
    multi_select,
    selection_slider,
)
from course_utils.widgets.drawing import title
from course_utils.widgets.explorer import Explorer
from course_utils.widgets.page import Page, encode

__all__ = [
    "BATCH_SIZE",
    "LEARNING_RATE",
    "OTHER",
    "Page",
    "ROLES",
    "SECOND",
    "Control",
    "Explorer",
    "batch_slider",
    "checkbox",
    "dropdown",
    "encode",
    "float_slider",
    "int_slider",
    "log_slider",
    "lr_slider",
    "multi_select",
    "selection_slider",
    "title",
]
