"""Explorers computed in the page: the same explorer, run by the reader's browser.

Where an explorer's computation is small (a two-dimensional surface or a quadratic, a
few hundred steps of an optimizer), the built book does not show precomputed frames:
the browser runs the explorer itself, from a small JavaScript port of the course's
numerics (``web/downhill-numerics.js``: the optimizers with torch's rules, schedules,
clipping, surfaces and the stepping loop), and draws an SVG figure at every move of a
control, every control live and every slider continuous.

``course_utils`` stays the reference. What the page cannot compute the same way (numpy's
seeded shuffles, its Gaussian draws) is computed here and shipped with the explorer as
data: the examples, the permutations of every epoch, the noise, float64 bit for bit
(:func:`encode`). ``tests/widgets/test_page_numerics.py`` runs the page's models
(``web/downhill-models.js``) in Node on every page explorer's grid of settings and
compares their trajectories with ``course_utils`` to 1e-9.

An explorer becomes a page explorer by naming its model and data:
``Explorer(controls, draw, ..., page=Page("momentum", data))``. While the book is built
(:func:`course_utils.widgets.frames.enabled`) its HTML output is :func:`page_html`: a
``div`` that ``web/downhill-explorers.js`` fills with the live controls and the figure,
the controls described from the ipywidgets' own traits (:func:`control_spec`), the
default picture kept for readers without JavaScript. JupyterLab shows the same scripts'
explorer, driven by the kernel's controls (:mod:`.live`).
"""

import base64
import hashlib
import html
import itertools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import ipywidgets as W
import numpy as np

from course_utils import _validate
from course_utils.data import minibatch_stream

#: The folder of the page's scripts and style sheet (shipped with the package).
WEB = Path(__file__).with_name("web")
#: The scripts, in the order a page loads them.
SCRIPTS = (
    "downhill-numerics.js",
    "downhill-models.js",
    "downhill-figure.js",
    "downhill-explorers.js",
    "downhill-ch01.js",
    "downhill-ch04.js",
    "downhill-ch05.js",
    "downhill-ch06.js",
)
#: The page explorers' style sheet.
STYLE = "downhill-explorers.css"
#: A chapter script registers its explorers as ``REGISTRY.<name> = {``.
_REGISTERS = re.compile(r"\bREGISTRY\.(\w+)\s*=\s*\{")


def scripts_for(names):
    """The scripts a page needs for the page explorers ``names``, in loading order.

    The kit (numerics, models, figure, explorers) always; of the chapter scripts only
    those that register one of ``names``. Raises ``ValueError`` for a name no script
    registers.
    """
    names, needed = set(names), []
    registered = set()
    for script in SCRIPTS[4:]:
        found = set(_REGISTERS.findall((WEB / script).read_text(encoding="utf-8")))
        registered |= found
        if found & names:
            needed.append(script)
    if names - registered:
        raise ValueError(f"names: no page script registers {sorted(names - registered)}; "
                         f"known: {sorted(registered)}")  # fmt: skip
    return [*SCRIPTS[:4], *needed]


_SHOWN = itertools.count(1)  # numbers the page explorers of a page (unique ids)


@dataclass(frozen=True)
class Page:
    """What the page needs to run an explorer: its model's name and the data it ships.

    Parameters
    ----------
    name : str
        The explorer in ``web/downhill-explorers.js`` (and its model in
        ``web/downhill-models.js``), e.g. ``"momentum"``.
    data : dict
        JSON-able values; arrays go through :func:`encode`, exactly.
    """

    name: str
    data: dict = field(default_factory=dict)


def encode(array, dtype=None):
    """An array as the page reads it: ``{"dtype", "shape", "data"}``, the data base64.

    Floats are stored as float64 (little-endian, bit for bit); integers as uint8 or
    uint16, whichever holds them.

    Examples
    --------
    >>> encode([1.0, 0.5])
    {'dtype': 'float64', 'shape': [2], 'data': 'AAAAAAAA8D8AAAAAAADgPw=='}
    >>> encode(np.arange(3))['dtype']
    'uint8'
    """
    a = np.asarray(array)
    if dtype is None:
        if a.dtype.kind in "iub":
            if a.size and (a.min() < 0 or a.max() > 65535):
                raise ValueError("array must hold integers in [0, 65535]")
            dtype = "uint8" if not a.size or a.max() < 256 else "uint16"
        else:
            dtype = "float64"
    if dtype not in ("float64", "uint8", "uint16"):
        raise ValueError(f"dtype must be float64, uint8 or uint16, got {dtype}")
    raw = np.ascontiguousarray(a, dtype=np.dtype(dtype).newbyteorder("<")).tobytes()
    return {"dtype": dtype, "shape": list(a.shape), "data": base64.b64encode(raw).decode("ascii")}


def permutations(n, epochs, seed=0):
    """The example orders of the first ``epochs`` epochs that course_utils draws.

    :func:`course_utils.data.minibatch_stream` (behind ``least_squares.minibatch_gradients``
    and ``training.minibatch_oracle``) shuffles the ``n`` examples once per epoch with a
    generator seeded by ``seed``; these are its permutations, drawn by that same code,
    one row per epoch. A page takes its batches from them, in order, instead of a
    random generator of its own.

    Examples
    --------
    >>> permutations(4, 2).shape
    (2, 4)
    """
    n = _validate.integer("n", n, lo=1)
    epochs = _validate.integer("epochs", epochs, lo=0)
    index = np.arange(n)
    stream = minibatch_stream(index, index, n, _validate.rng(seed))
    return np.array([next(stream)[1] for _ in range(epochs)], dtype=int).reshape(epochs, n)


def json_value(value):
    """A control's value as JSON (numpy scalars as Python numbers, tuples as lists)."""
    if isinstance(value, (tuple, list)):
        return [json_value(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def control_spec(name, widget, role):
    """A control as the page builds it: its kind, label, range and value, from its traits.

    Kinds: ``"log"`` (a log-scale slider over ``base**min`` … ``base**max``),
    ``"float"``, ``"int"``, ``"options"`` (a selection slider: a slider over its
    options), ``"menu"`` (a drop-down), ``"checkbox"`` and ``"multi"`` (several
    choices). ``step`` is the step of the live slider: in the page a numeric slider is
    continuous, and the arrow keys move it by ``step``.
    """
    value = json_value(widget.value)
    spec = {"name": name, "role": role, "label": widget.description, "value": value}
    if isinstance(widget, W.FloatLogSlider):
        spec.update(kind="log", min=widget.min, max=widget.max, base=widget.base, step=widget.step)
    elif isinstance(widget, W.FloatSlider):
        spec.update(kind="float", min=widget.min, max=widget.max, step=widget.step,
                    format=widget.readout_format)  # fmt: skip
    elif isinstance(widget, W.IntSlider):
        spec.update(kind="int", min=widget.min, max=widget.max, step=widget.step)
    elif isinstance(widget, W.SelectionSlider):
        spec.update(kind="options", options=[json_value(o) for o in widget.options])
    elif isinstance(widget, W.SelectMultiple):
        spec.update(kind="multi", options=[json_value(o) for o in widget.options])
    elif isinstance(widget, W.Dropdown):
        spec.update(kind="menu", options=[json_value(o) for o in widget.options])
    elif isinstance(widget, W.Checkbox):
        spec.update(kind="checkbox")
    else:
        raise TypeError(f"no page control for {type(widget).__name__}")
    return spec


def spec(explorer):
    """Everything the page needs for ``explorer``: its model, controls and data (a dict)."""
    if explorer.page is None:
        raise ValueError("explorer has no page model (Explorer(..., page=Page(...)))")
    controls = [
        control_spec(name, widget, explorer.roles[name])
        for name, widget in explorer.controls.items()
    ]
    return {"name": explorer.page.name, "controls": controls, "data": explorer.page.data}


_STYLE = """<style>
@media print {.downhill-page .downhill-controls {display: none !important;}}
</style>"""


def page_html(explorer, still_png):
    """The ``text/html`` of a page explorer: a ``div`` the page's script fills, its
    specification as JSON, and the default picture ``still_png`` (bytes) for a reader
    without JavaScript."""
    payload = json.dumps(spec(explorer), separators=(",", ":")).replace("</", "<\\/")
    digest = hashlib.sha256(payload.encode()).hexdigest()[:10]
    uid = f"downhill-page-{next(_SHOWN)}-{digest}"
    still = "data:image/png;base64," + base64.b64encode(bytes(still_png)).decode("ascii")
    alt = html.escape(_alt(explorer))
    return (
        f'{_STYLE}<div class="downhill-page" id="{uid}" data-explorer="{explorer.page.name}">'
        f'<script type="application/json" class="downhill-spec">{payload}</script>'
        f'<noscript><img class="downhill-still" src="{still}" alt="{alt}"></noscript></div>'
    )


def _alt(explorer):
    controls = explorer.controls.values()
    settings = ", ".join(f"{c.description} {json_value(c.value)}" for c in controls)
    return f"The explorer's picture at its default settings: {settings}."


def source():
    """The page's scripts as one text, in load order (the notebook's widget uses it)."""
    return "\n".join((WEB / name).read_text(encoding="utf-8") for name in SCRIPTS)
