"""Light pages: what every page of the HTML book need not load, left out.

A chapter page should transfer at most 3 MB at load with a cold cache, everything
included (``benchmarks/pages.py`` measures it). As a Sphinx extension
(``sphinx.local_extensions`` in ``_config.yml``) this module leaves out:

- the ipywidgets state that myst-nb embeds from the executed notebooks: the book shows
  no live widget (``nb_ipywidgets_js`` is empty), so its models, pictures included,
  are dead weight (a quarter of a megabyte on chapter 1);
- ``fontawesome.js``, 1.5 MB that pydata-sphinx-theme loads "so that users can add
  custom icons": the book adds none, and the theme's own icons come from its style
  sheet's web font;
- the search index and search scripts on every page but the search page: the theme's
  search box sends the query to ``search.html``, which loads them itself;

and stores the chapters' figures (``_images/*.png``) with a palette of 256 colours, as
the explorers' frames are (median cut, no dithering: the background and filled areas
exact, anti-aliased edges rounded), about a third of the bytes.
"""

import io
import re
from pathlib import Path

from PIL import Image

WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
#: Script tags that the theme writes into every page, and that the book does without.
DROPPED = re.compile(
    r'\s*<script[^>]*src="[^"]*(?:_static/scripts/fontawesome\.js|_static/searchtools\.js|'
    r'_static/language_data\.js|searchindex\.js)[^"]*"[^>]*></script>'
)


def _drop_widget_state(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if isinstance(scripts, list):
        kept = [
            js
            for js in scripts
            if getattr(js, "attributes", {}).get("type") != WIDGET_STATE
        ]
        scripts[:] = kept


def _finish(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    for page in out.rglob("*.html"):
        if page.name == "search.html":
            continue
        text = page.read_text(encoding="utf-8")
        lighter = DROPPED.sub("", text)
        if lighter != text:
            page.write_text(lighter, encoding="utf-8")
    for png in (out / "_images").glob("*.png"):
        palette(png)


def palette(path):
    """Store the PNG at ``path`` with a palette of 256 colours, if that makes it smaller."""
    data = path.read_bytes()
    image = Image.open(io.BytesIO(data))
    if image.mode == "P":
        return
    if image.mode in ("RGBA", "LA") and image.getextrema()[-1][0] < 255:
        return  # a transparent figure keeps its alpha
    quantized = image.convert("RGB").quantize(
        256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
    )
    buffer = io.BytesIO()
    quantized.save(buffer, format="png", optimize=True)
    if len(buffer.getvalue()) < len(data):
        path.write_bytes(buffer.getvalue())


def setup(app):
    app.connect("html-page-context", _drop_widget_state, priority=900)
    app.connect("build-finished", _finish)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
