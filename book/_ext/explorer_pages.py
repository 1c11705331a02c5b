"""The explorers in the HTML book: the page's scripts where needed, pictures as files.

A chapter's explorers reach the book as the ``text/html`` outputs that
``course_utils.widgets`` writes while the book is built: a page explorer
(``widgets/page.py``) is a ``div`` with its specification, which the page's scripts fill
with live controls and an SVG figure; an explorer with precomputed frames
(``widgets/frames.py``) is a set of range inputs over its pictures. Both carry their
pictures as ``data:`` URIs, so that a notebook's output stands on its own.

As a Sphinx extension (``sphinx.local_extensions`` in ``_config.yml``) this module

- copies the page's scripts and style sheet (``course_utils/widgets/web/``) into
  ``_static/`` and links them from the pages that have a page explorer, and only
  from those: the kit and the chapter scripts of the explorers on that page;
- writes every ``data:image/png`` and ``data:image/webp`` picture of a page into a file
  of its own, ``_images/downhill/<hash>.png`` or ``.webp`` (one file per distinct
  picture), and puts the file's
  address in its place. A frame is then fetched when a reader moves a slider to it, the
  picture for readers without JavaScript never by the others, and the page's HTML stays
  small;
- after the build, removes the files of ``_images/downhill/`` that no page names any
  more: the pictures of earlier builds, which a local ``_build`` would otherwise keep
  (and count against the book's 80 MB) until ``make clean``.
"""

import base64
import hashlib
import re
from pathlib import Path

from course_utils.widgets import page as page_kit

#: Where the pictures go, under the HTML output folder.
FOLDER = "_images/downhill"
# a page explorer's element names its explorer (``widgets/page.py``, ``page_html``)
EXPLORER = re.compile(r'class="downhill-page"[^>]*\bdata-explorer="(\w+)"')
DATA_URI = re.compile(r"data:image/(png|webp);base64,([A-Za-z0-9+/]+={0,2})")
# a picture's address in a page, as ``pictures_as_files`` writes it
ADDRESS = re.compile(re.escape(FOLDER) + r"/([0-9a-f]{20}\.(?:png|webp))")


def _add_static_path(app):
    if app.builder.format == "html":
        app.config.html_static_path.append(str(page_kit.WEB))


def _page(app, pagename, templatename, context, doctree):
    body = context.get("body")
    if not body or app.builder.format != "html":
        return
    explorers = EXPLORER.findall(body)
    if explorers:
        app.add_css_file(page_kit.STYLE)
        for name in page_kit.scripts_for(explorers):
            app.add_js_file(name, defer="defer")
    if DATA_URI.search(body):
        context["body"] = pictures_as_files(
            body, Path(app.outdir), pagename.count("/")
        )


def pictures_as_files(html, outdir, depth):
    """``html`` with each PNG or WebP ``data:`` URI written to a file and replaced by its
    address.

    ``depth`` is the number of folders between the page and ``outdir`` (the address is
    relative). A file is named by the hash of its bytes, so a picture shown twice is
    stored once, and a build writes the same names every time.
    """
    folder = outdir / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    prefix = "../" * depth + FOLDER + "/"

    def to_file(match):
        data = base64.b64decode(match.group(2))
        name = hashlib.sha256(data).hexdigest()[:20] + "." + match.group(1)
        target = folder / name
        if not target.exists():
            target.write_bytes(data)
        return prefix + name

    return DATA_URI.sub(to_file, html)


def unused_pictures(outdir):
    """The files in ``outdir``'s picture folder that no HTML page of ``outdir`` names.

    Every page counts, the pages this build wrote and those an earlier build left (Sphinx
    writes only the pages whose sources changed), so a picture goes only when no page on
    disk shows it.
    """
    folder = Path(outdir) / FOLDER
    if not folder.is_dir():
        return []
    named = set()
    for page in Path(outdir).rglob("*.html"):
        named.update(
            ADDRESS.findall(page.read_text(encoding="utf-8", errors="replace"))
        )
    return sorted(path for path in folder.iterdir() if path.name not in named)


def _remove_unused_pictures(app, exception):
    if exception is None and app.builder.format == "html":
        for path in unused_pictures(app.outdir):
            path.unlink()


def setup(app):
    app.connect("builder-inited", _add_static_path)
    app.connect("html-page-context", _page)
    app.connect("build-finished", _remove_unused_pictures)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
