"""Precomputed frames of an explorer, so that the static book moves without a kernel.

When the book is built, each explorer draws its picture over a grid of its two main
controls (:func:`frame_controls`): the learning rate and the batch size, or else its
most important second control, with every other control at its default. The frames
come from the explorer's own ``refresh``, so each one is pixel for pixel the picture
the live explorer shows at those values; each is then stored as a PNG with a palette
of 256 colours, about a third of the size.

:func:`static_html` wraps them in a self-contained ``text/html`` representation:
native ``<input type="range">`` elements labelled like the live sliders, the default
picture in an ``<img>``, and a few lines of inline JavaScript that swap the picture.
Nothing is fetched from another host. Without JavaScript the sliders stay hidden and
the default picture shows; in print only the default picture appears.

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

import ipywidgets as W
import numpy as np
from PIL import Image

from course_utils.widgets.controls import BATCH_SIZE, LEARNING_RATE, SECOND

#: The environment variable that turns frames on (any value but empty or ``"0"``).
ENV = "DOWNHILL_BOOK_FRAMES"
#: Learning rates per explorer, log-spaced over the slider (the default is added).
LR_VALUES = 9
#: Values of a second numeric control that is not the batch size.
OTHER_VALUES = 5

_SPANNED = (LEARNING_RATE, BATCH_SIZE, SECOND)  # the roles the frames span, in this order
_SHOWN = itertools.count(1)  # numbers the static explorers of a page (unique ids)


def enabled():
    """Whether explorers should carry frames (the book is being built)."""
    return os.environ.get(ENV, "") not in ("", "0")


def frame_controls(explorer):
    """The names of the one or two controls the frames span, the first one first.

    Chosen by role (:mod:`course_utils.widgets.controls`, set where each control is
    made): the learning rate, then the batch size, then the controls marked ``SECOND``
    in the order of the explorer's controls; the first two of these.
    """
    roles = explorer.roles
    return [name for role in _SPANNED for name in roles if roles[name] == role][:2]


def frame_values(control, n=None):
    """The values of ``control`` that get a frame, in increasing order.

    A log-scale slider: ``n`` (default :data:`LR_VALUES`) of the positions the live
    slider can take, evenly spread over its steps, ends included; a linear slider
    likewise (default :data:`OTHER_VALUES`); a selection slider or a drop-down: every
    option. The control's current value is always among them, exactly (in place of a
    position within a millionth of it).
    """
    if isinstance(control, (W.SelectionSlider, W.Dropdown)):
        return list(control.options)
    if not isinstance(control, (W.FloatLogSlider, W.FloatSlider, W.IntSlider)):
        raise TypeError(f"no frames defined for {type(control).__name__}")
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
    current = control.value
    near = [g for g in grid if np.isclose(g, current, rtol=1e-6, atol=0)]
    return sorted([g for g in grid if g not in near] + [current])


def palette_png(png):
    """The PNG ``png`` (bytes) again, with a palette of 256 colours.

    Median cut without dithering keeps the large areas (the white background, the
    filled contours) exact and rounds only anti-aliased edges; zlib level 6 is within
    a few per cent of level 9 at a fraction of the time.
    """
    image = Image.open(io.BytesIO(bytes(png))).convert("RGB")
    quantized = image.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    buffer = io.BytesIO()
    quantized.save(buffer, format="png", compress_level=6)
    return buffer.getvalue()


def render_frames(explorer):
    """Draw the explorer at every point of its frame grid; return the grid and the PNGs.

    Returns ``(names, values, pngs)``: the control names of :func:`frame_controls`,
    the list of values of each, and the full-colour PNGs (bytes) in row-major order
    (the last control varies fastest). Afterwards the explorer shows its state from
    before again.
    """
    names = frame_controls(explorer)
    values = [frame_values(explorer.controls[name]) for name in names]
    before = explorer.values
    pngs = []
    try:
        for point in np.ndindex(*[len(v) for v in values]):
            explorer.set(**{name: v[i] for name, v, i in zip(names, values, point, strict=True)})
            pngs.append(bytes(explorer.image.value))
    finally:
        explorer.set(**before)
    return names, values, pngs


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
  var status = root.querySelector('.downhill-status');
  var inputs = root.querySelectorAll('input[type=range]');
  function show() {
    var k = 0;
    inputs.forEach(function (input, i) {
      var labels = frames.labels[i];
      k = k * labels.length + Number(input.value);
      input.nextElementSibling.textContent = labels[input.value];
      input.setAttribute('aria-valuetext', labels[input.value]);
    });
    img.src = frames.png[k];
    img.alt = frames.alt + ' ' + settings() + '.';
    status.textContent = settings();
  }
  function settings() {
    var parts = [];
    inputs.forEach(function (input, i) {
      parts.push(frames.names[i] + ' ' + frames.labels[i][input.value]);
    });
    return parts.join(', ');
  }
  var loaded = false;
  function preload() {  // the pictures are files: fetch them all once the reader starts
    if (loaded) return;
    loaded = true;
    frames.png.forEach(function (src) { var im = new Image(); im.src = src; });
  }
  inputs.forEach(function (input) {
    input.addEventListener('input', show);
    input.addEventListener('pointerdown', preload);
    input.addEventListener('focus', preload);
  });
  root.querySelector('.downhill-controls').hidden = false;
  var still = img.src;
  window.addEventListener('beforeprint', function () { img.src = still; });
  window.addEventListener('afterprint', show);
})();"""

_STYLE = """<style>
.downhill-static .downhill-controls label {display: flex; align-items: center; gap: 0.8em;
  margin: 0.15em 0; font-size: 0.9em;}
.downhill-static .downhill-controls span.name {width: 10em; text-align: right;}
.downhill-static .downhill-controls input {width: 18em;}
.downhill-static .downhill-controls output {min-width: 4em; font-variant-numeric: tabular-nums;}
.downhill-static img {max-width: 100%; height: auto;}
.downhill-static p.downhill-note {font-size: 0.8em; color: #555; margin: 0.2em 0;}
.downhill-static p.downhill-status {font-size: 0.85em; color: #444; margin: 0.2em 0;}
@media print {.downhill-static .downhill-controls, .downhill-static .downhill-note,
  .downhill-static .downhill-status {display: none !important;}}
</style>"""


def static_html(explorer, still_png):
    """A self-contained ``text/html`` representation of ``explorer``: range inputs over
    its precomputed frames, with ``still_png`` (its default picture, bytes) shown first.
    """
    names, values, pngs = render_frames(explorer)
    controls = [explorer.controls[name] for name in names]
    start = [v.index(explorer.values[name]) for name, v in zip(names, values, strict=True)]
    labels = [[_readout(c, x) for x in v] for c, v in zip(controls, values, strict=True)]
    data = {
        "labels": labels,
        "names": [c.description for c in controls],
        "alt": "The explorer's picture at",
        "png": [_data_uri(palette_png(png)) for png in pngs],
    }
    still = _data_uri(still_png)
    rows = []
    for control, label, i in zip(controls, labels, start, strict=True):
        name = html.escape(control.description)
        rows.append(
            f'<label><span class="name">{name}</span>'
            f'<input type="range" min="0" max="{len(label) - 1}" step="1" value="{i}" '
            f'aria-label="{name}" aria-valuetext="{html.escape(label[i])}">'
            f"<output>{html.escape(label[i])}</output></label>"
        )
    others = [
        f"{c.description} = {_readout(c, c.value)}"
        for n, c in explorer.controls.items()
        if n not in names
    ]
    note = "Precomputed pictures"
    if others:
        note += " (" + "; ".join(others) + ")"
    note += ". Run the notebook to move every control."
    payload = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
    digest = hashlib.sha256(payload.encode()).hexdigest()[:10]
    uid = f"downhill-{next(_SHOWN)}-{digest}"  # the same on every build of the book
    return (
        f'{_STYLE}<div class="downhill-static" id="{uid}">'
        f'<div class="downhill-controls" hidden>{"".join(rows)}'
        f'<p class="downhill-note">{html.escape(note)}</p></div>'
        f'<img class="downhill-frame" src="{still}" alt="{html.escape(_alt(explorer))}">'
        '<p class="downhill-status" aria-live="polite"></p>'
        f'<script type="application/json">{payload}</script>'
        f"<script>{_SCRIPT % {'id': json.dumps(uid)}}</script></div>"
    )


def _data_uri(png):
    return "data:image/png;base64," + base64.b64encode(bytes(png)).decode("ascii")


def _alt(explorer):
    controls = explorer.controls.values()
    settings = ", ".join(f"{c.description} {_readout(c, c.value)}" for c in controls)
    return f"The explorer's picture at its default settings: {settings}."
