"""Precomputed frames of an explorer, so that the static book moves without a kernel.

When the book is built, each explorer draws its picture over a grid of up to three of
its controls (:func:`frame_controls`): the learning rate, the batch size and its most
important other controls, every other control at its default. The values of each
(:func:`frame_values`) are a few positions of its slider, or those its explorer lists
(``Explorer(..., frame_values=...)``): the values the chapter's text names, and close
neighbours on both sides of a threshold it names. The frames come from the explorer's
own ``refresh``, drawn as the live explorer draws them, at two image pixels per CSS pixel
(``explorer.PIXEL_RATIO``): each one is pixel for pixel the picture the live explorer
shows at those values, crisp on a screen of two device pixels per CSS pixel. Each is
stored as a lossless WebP of a 256-colour palette (:func:`compact`), about a third of
the PNG's size. Each frame is drawn twice: at the page's width, and laid out for a narrow
screen (:mod:`course_utils.widgets.narrow`: the panels stacked, no type under 7.5
points), which a phone shows instead.

:func:`static_html` wraps them in a self-contained ``text/html`` representation:
native ``<input type="range">`` elements labelled like the live sliders (a native
``<select>`` for a drop-down), the default picture in a ``<picture>`` (its narrow layout
a ``<source>`` for narrow screens, each picture marked as two pixels per CSS pixel), and
a few lines of inline JavaScript that swap the picture and fetch, once the reader
touches a control, the pictures one move away. Nothing is fetched from another host.
Without JavaScript the sliders stay hidden and the default picture shows; in print only
the default picture appears.

Frames cost build time and page weight, so an explorer adds them to its output only
when the environment variable :data:`ENV` is set. The build of the book sets it for the
chapters' kernels (``frames=True`` of ``course_utils.grading.editions.build``), so
only a build of the book executes its chapters with frames; notebooks that students
run keep their small outputs.
"""

import base64
import hashlib
import html
import io
import itertools
import json
import os
from typing import NamedTuple

import ipywidgets as W
import numpy as np
from PIL import Image

from course_utils import _validate
from course_utils.widgets import narrow
from course_utils.widgets.controls import BATCH_SIZE, LEARNING_RATE, SECOND

#: The environment variable that turns frames on (any value but empty or ``"0"``).
ENV = "DOWNHILL_BOOK_FRAMES"
#: Learning rates per explorer, log-spaced over the slider (the default is added).
LR_VALUES = 9
#: Values of a second numeric control that is not the batch size.
OTHER_VALUES = 5
#: The most controls a grid of frames spans (their numbers of values multiply).
MAX_SPANNED = 3

#: The WebP encoder's settings for the frames (:func:`compact`): lossless, and the effort
#: (``method`` 0-6, ``quality`` 0-100) measured to give most of the gain for least time.
WEBP = {"lossless": True, "method": 4, "quality": 50}

_SPANNED = (LEARNING_RATE, BATCH_SIZE, SECOND)  # the roles the frames span, in this order
_SHOWN = itertools.count(1)  # numbers the static explorers of a page (unique ids)


def enabled():
    """Whether explorers should carry frames (the book is being built)."""
    return os.environ.get(ENV, "") not in ("", "0")


def frame_controls(explorer):
    """The names of the controls the frames span (at most :data:`MAX_SPANNED`), in order.

    Chosen by role (:mod:`course_utils.widgets.controls`, set where each control is
    made): the learning rate, then the batch size, then the controls marked ``SECOND``
    in the order of the explorer's controls; the first three of these.
    """
    roles = explorer.roles
    spanned = [name for role in _SPANNED for name in roles if roles[name] == role]
    return spanned[:MAX_SPANNED]


def check_frame_values(explorer, values):
    """``values`` (name → values of the frames, or None) checked against ``explorer``.

    Each name must be a control the frames span, and each value one it can take: an
    option of a menu or a selection slider, a number within a slider's range. Returns a
    dict name → tuple of values.
    """
    if not values:
        return {}
    checked = {}
    spanned = frame_controls(explorer)
    for name, given in values.items():
        _validate.choice("frame_values name", name, spanned)
        control = explorer.controls[name]
        if isinstance(control, (W.SelectionSlider, W.Dropdown)):
            for value in given:
                _validate.choice(f"frame value of {name}", value, list(control.options))
        else:
            lo, hi = control.min, control.max
            if isinstance(control, W.FloatLogSlider):
                lo, hi = control.base**lo, control.base**hi
            for value in given:
                _validate.number(f"frame value of {name}", value, lo=lo * (1 - 1e-9),
                                 hi=hi * (1 + 1e-9))  # fmt: skip
        checked[name] = tuple(given)
    return checked


def frame_values(control, n=None, values=None):
    """The values of ``control`` that get a frame, in increasing order.

    ``values`` (the explorer's ``frame_values`` for this control), if given; else a
    log-scale slider: ``n`` (default :data:`LR_VALUES`) of the positions the live
    slider can take, evenly spread over its steps, ends included; a linear slider
    likewise (default :data:`OTHER_VALUES`); a selection slider or a drop-down: every
    option (a drop-down's in its order). The control's current value is always among
    them, exactly (in place of a value within a millionth of it).
    """
    if values is not None:
        grid = list(values)
    elif isinstance(control, (W.SelectionSlider, W.Dropdown)):
        grid = list(control.options)
    elif isinstance(control, (W.FloatLogSlider, W.FloatSlider, W.IntSlider)):
        log = isinstance(control, W.FloatLogSlider)
        n = (LR_VALUES if log else OTHER_VALUES) if n is None else n
        steps = int(round((control.max - control.min) / control.step))
        at = sorted({int(round(k)) for k in np.linspace(0, steps, n)})
        positions = [control.min + k * control.step for k in at]
        if log:
            grid = [float(control.base**p) for p in positions]
        elif isinstance(control, W.IntSlider):
            grid = [int(round(p)) for p in positions]
        else:
            grid = [float(p) for p in positions]
    else:
        raise TypeError(f"no frames defined for {type(control).__name__}")
    current = control.value
    if isinstance(control, (W.SelectionSlider, W.Dropdown)):
        options = list(control.options)
        return sorted(set(grid) | {current}, key=options.index)
    near = [g for g in grid if np.isclose(g, current, rtol=1e-6, atol=0)]
    return sorted({g for g in grid if g not in near} | {current})


def compact(png):
    """The PNG ``png`` (bytes) again, as a lossless WebP of a palette of 256 colours.

    Median cut without dithering keeps the large areas (the white background, the
    filled contours) exact and rounds only anti-aliased edges; the WebP then stores
    those pixels exactly. On the book's frames at two pixels per CSS pixel it is 24 %
    smaller than a PNG of the same palette (42 kB against 55 on average), for about
    50 ms more per picture, next to 70 ms for the palette itself
    (``benchmarks/frames.py``); :data:`WEBP` gives the encoder's effort.
    """
    image = Image.open(io.BytesIO(bytes(png))).convert("RGB")
    quantized = image.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    buffer = io.BytesIO()
    quantized.save(buffer, format="webp", **WEBP)
    return buffer.getvalue()


class Frames(NamedTuple):
    """An explorer's frames (:func:`render_frames`)."""

    names: list  # the controls the frames span (frame_controls)
    values: list  # the values of each (frame_values)
    pngs: list  # the pictures, full-colour PNGs, the last control varying fastest
    narrow: list  # the same in the narrow layout; None for an explorer without setup


def render_frames(explorer, narrow=True):
    """Draw the explorer at every point of its frame grid (and, with ``narrow``, its
    :meth:`~course_utils.widgets.explorer.Explorer.narrow_copy` too); return the :class:`Frames`.

    A frame whose drawing failed or warned (the explorer's ``last_error``,
    ``last_warnings``) raises ``RuntimeError``: the book is not built with such a
    picture in it. Afterwards the explorer shows its state from before again.
    """
    names = frame_controls(explorer)
    grid = explorer.frame_values
    values = [frame_values(explorer.controls[n], values=grid.get(n)) for n in names]
    copy = explorer.narrow_copy() if narrow and explorer.has_setup else None
    before = explorer.values
    pngs, narrow_pngs = [], []
    try:
        for point in np.ndindex(*[len(v) for v in values]):
            setting = {name: v[i] for name, v, i in zip(names, values, point, strict=True)}
            explorer.set(**setting)
            pngs.append(bytes(explorer.image.value))
            if copy is not None:
                copy.refresh()
                narrow_pngs.append(bytes(copy.image.value))
            for drawn in (explorer, copy or explorer):
                if drawn.last_error is not None or drawn.last_warnings:
                    problem = drawn.last_error or drawn.last_warnings
                    raise RuntimeError(f"the frame at {setting} did not draw cleanly: {problem}")
    finally:
        explorer.set(**before)
    return Frames(names, values, pngs, narrow_pngs if copy is not None else None)


def _readout(control, value):
    """The value as the live slider's readout shows it."""
    fmt = getattr(control, "readout_format", None)
    if isinstance(value, float) and fmt:
        return format(value, fmt)
    return str(value)


_SCRIPT = """(function () {
  var root = document.getElementById(%(id)s);
  var frames = JSON.parse(root.querySelector('script[type="application/json"]').textContent);
  var img = root.querySelector('img.downhill-frame');
  var source = root.querySelector('source.downhill-narrow');
  var status = root.querySelector('.downhill-status');
  var inputs = root.querySelectorAll('.downhill-controls input, .downhill-controls select');
  var screen = window.matchMedia(frames.media);
  function position() {
    return Array.prototype.map.call(inputs, function (input) { return Number(input.value); });
  }
  function index(at) {
    return at.reduce(function (k, v, i) { return k * frames.labels[i].length + v; }, 0);
  }
  function show() {
    var k = index(position());
    inputs.forEach(function (input, i) {
      if (input.tagName !== 'INPUT') return;  // a menu shows its own choice
      var labels = frames.labels[i];
      input.nextElementSibling.textContent = labels[input.value];
      input.setAttribute('aria-valuetext', labels[input.value]);
    });
    if (source) source.srcset = frames.narrow[k] + ' ' + frames.density;
    img.srcset = frames.wide[k] + ' ' + frames.density;
    img.alt = frames.alt + ' ' + settings() + '.';
    status.textContent = settings();
    preload();
  }
  function settings() {
    var parts = [];
    inputs.forEach(function (input, i) {
      parts.push(frames.names[i] + ' ' + frames.labels[i][input.value]);
    });
    return parts.join(', ');
  }
  var touched = false, fetched = {};
  function preload() {  // once the reader has touched a control: the pictures one move away
    if (!touched) return;
    var here = position(), pictures = source && screen.matches ? frames.narrow : frames.wide;
    here.forEach(function (_, i) {
      frames.labels[i].forEach(function (_, v) {
        var at = here.slice();
        at[i] = v;
        var src = pictures[index(at)];
        if (!fetched[src]) { fetched[src] = true; new Image().src = src; }
      });
    });
  }
  function touch() { touched = true; preload(); }
  inputs.forEach(function (input) {
    input.addEventListener('input', show);
    input.addEventListener('change', show);
    input.addEventListener('pointerdown', touch);
    input.addEventListener('focus', touch);
  });
  root.querySelector('.downhill-controls').hidden = false;
  var still = [img.srcset, source && source.srcset];
  window.addEventListener('beforeprint', function () {
    img.srcset = still[0];
    if (source) source.srcset = still[1];
  });
  window.addEventListener('afterprint', show);
})();"""

# A label keeps its words on one line (a phone's column is narrow: the slider shrinks).
_STYLE = """<style>
.downhill-static .downhill-controls label {display: flex; align-items: center; gap: 0.8em;
  margin: 0.15em 0; font-size: 0.9em;}
.downhill-static .downhill-controls span.name {width: 10em; text-align: right;
  white-space: nowrap;}
.downhill-static .downhill-controls input {width: 18em; min-width: 0;}
.downhill-static .downhill-controls select {font: inherit; max-width: 18em;}
.downhill-static .downhill-controls output {min-width: 4em; font-variant-numeric: tabular-nums;}
.downhill-static img {max-width: 100%; height: auto;}
.downhill-static p.downhill-note {font-size: 0.8em; color: #555; margin: 0.2em 0;}
/* for screen readers: the picture prints its settings under the plots itself */
.downhill-static p.downhill-status {position: absolute; width: 1px; height: 1px; margin: 0;
  overflow: hidden; clip-path: inset(50%); white-space: nowrap;}
@media MEDIA {.downhill-static .downhill-controls label {gap: 0.5em;}
  .downhill-static .downhill-controls span.name {width: auto; min-width: 7.6em; flex: none;}
  .downhill-static .downhill-controls input {width: auto; flex: 1 1 4em;}
  .downhill-static .downhill-controls select {flex: 0 1 auto; min-width: 0;}
  .downhill-static .downhill-controls output {min-width: 2.5em; flex: none;}}
@media print {.downhill-static .downhill-controls, .downhill-static .downhill-note,
  .downhill-static .downhill-status {display: none !important;}}
</style>""".replace("MEDIA", narrow.MEDIA)


def _control_html(control, labels, at):
    """The static page's control: a native menu for a drop-down, else a range input over
    the frames' values, labelled like the live control; ``at``: the index shown first."""
    name = html.escape(control.description)
    if isinstance(control, W.Dropdown):
        options = "".join(
            f'<option value="{i}"{" selected" if i == at else ""}>{html.escape(label)}</option>'
            for i, label in enumerate(labels)
        )
        menu = f'<select aria-label="{name}">{options}</select>'
        return f'<label><span class="name">{name}</span>{menu}</label>'
    return (
        f'<label><span class="name">{name}</span>'
        f'<input type="range" min="0" max="{len(labels) - 1}" step="1" value="{at}" '
        f'aria-label="{name}" aria-valuetext="{html.escape(labels[at])}">'
        f"<output>{html.escape(labels[at])}</output></label>"
    )


def static_html(explorer):
    """A self-contained ``text/html`` representation of ``explorer``: range inputs (and
    menus) over its precomputed frames, its default picture shown first, and on narrow
    screens (:data:`course_utils.widgets.narrow.MEDIA`) the same frames in the narrow
    layout. Every picture is drawn at the explorer's ``pixel_ratio`` image pixels per CSS
    pixel and marked so (``srcset``), which gives it its natural size in CSS pixels. The
    ``<img>`` has no ``src``: a browser would take it for a 1x picture as well, and show
    the frame at twice its size on a 1x screen.
    """
    names, values, pngs, narrow_pngs = render_frames(explorer)
    controls = [explorer.controls[name] for name in names]
    start = [v.index(explorer.values[name]) for name, v in zip(names, values, strict=True)]
    labels = [[_readout(c, x) for x in v] for c, v in zip(controls, values, strict=True)]
    k = int(np.ravel_multi_index(start, [len(v) for v in values]))
    density = f"{explorer.pixel_ratio:g}x"  # image pixels per CSS pixel
    data = {
        "density": density,
        "labels": labels,
        "names": [c.description for c in controls],
        "alt": "The explorer's picture at",
        "media": "screen and " + narrow.MEDIA,
        "wide": [_data_uri(compact(png)) for png in pngs],
    }
    source = ""
    if narrow_pngs is not None:
        data["narrow"] = [_data_uri(compact(png)) for png in narrow_pngs]
        source = (f'<source class="downhill-narrow" media="{data["media"]}" '
                  f'srcset="{data["narrow"][k]} {density}">')  # fmt: skip
    rows = [_control_html(c, label, i) for c, label, i in zip(controls, labels, start, strict=True)]
    others = [
        f"{c.description} = {_readout(c, c.value)}"
        for n, c in explorer.controls.items()
        if n not in names
    ]
    if others:
        fixed = "; ".join(others)
        note = f"Precomputed pictures ({fixed}). Run the notebook to move every control."
    else:
        note = "Precomputed pictures. In the notebook the sliders take every value in between."
    payload = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
    digest = hashlib.sha256(payload.encode()).hexdigest()[:10]
    uid = f"downhill-{next(_SHOWN)}-{digest}"  # the same on every build of the book
    still = data["wide"][k]
    return (
        f'{_STYLE}<div class="downhill-static" id="{uid}">'
        f'<div class="downhill-controls" hidden>{"".join(rows)}'
        f'<p class="downhill-note">{html.escape(note)}</p></div>'
        f'<picture>{source}<img class="downhill-frame" srcset="{still} {density}" '
        f'alt="{html.escape(_alt(explorer))}"></picture>'
        '<p class="downhill-status" aria-live="polite"></p>'
        f'<script type="application/json">{payload}</script>'
        f"<script>{_SCRIPT % {'id': json.dumps(uid)}}</script></div>"
    )


def _data_uri(webp):
    return "data:image/webp;base64," + base64.b64encode(bytes(webp)).decode("ascii")


def _alt(explorer):
    controls = explorer.controls.values()
    settings = ", ".join(f"{c.description} {_readout(c, c.value)}" for c in controls)
    return f"The explorer's picture at its default settings: {settings}."
