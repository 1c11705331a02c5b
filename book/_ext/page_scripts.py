"""Each script and style sheet of a page once: no console error on any page.

Under Sphinx 7 an extension's inline script added after ``builder-inited`` (as
sphinx-thebe adds ``const THEBE_JS_URL = …`` and sphinx-togglebutton its selector) is
written into every page twice (sphinx-doc/sphinx#13402, fixed in Sphinx 8.2, which
jupyter-book 1.x does not allow). A second ``const`` declaration throws "Identifier
'THEBE_JS_URL' has already been declared" in the browser's console. This extension
keeps the first of each set of equal entries (same file or inline body, same priority,
same attributes) in a page's ``script_files`` and ``css_files``; the page then runs
each script exactly once, in the order Sphinx gave. (The two copies differ only in the
file name of an inline script: ``None`` in one, ``""`` in the other, so Sphinx's own
check for repeats misses them.)
"""


def _key(asset):
    attributes = getattr(asset, "attributes", None) or {}
    # an inline script has the file name None or ""
    filename = getattr(asset, "filename", asset) or ""
    return (
        str(filename),
        getattr(asset, "priority", None),
        tuple(sorted((k, str(v)) for k, v in attributes.items())),
    )


def unique(assets):
    """``assets`` (Sphinx's ``_JavaScript`` / ``_CascadingStyleSheet`` entries, or
    strings) without repeats: the first of each equal entry, in order."""
    seen, kept = set(), []
    for asset in assets:
        key = _key(asset)
        if key not in seen:
            seen.add(key)
            kept.append(asset)
    return kept


def _page_context(app, pagename, templatename, context, doctree):
    for name in ("script_files", "css_files"):
        if name in context:
            context[name] = unique(context[name])


def setup(app):
    # late (priority 900), after the extensions that add a page's own scripts
    app.connect("html-page-context", _page_context, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
