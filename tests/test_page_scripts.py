"""book/_ext/page_scripts.py: a page runs each of its scripts once (issue 19: no console
error; Sphinx 7 writes sphinx-thebe's ``const THEBE_JS_URL = …`` twice)."""

import sys
from pathlib import Path

from sphinx.builders.html._assets import _CascadingStyleSheet, _JavaScript

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "book" / "_ext"))
import page_scripts  # noqa: E402

THEBE = 'const THEBE_JS_URL = "x"; const thebe_selector = ".cell"'


def test_repeated_scripts_are_written_once_in_their_first_place():
    scripts = [
        _JavaScript("_static/a.js", priority=200),
        _JavaScript(None, body=THEBE),
        _JavaScript("_static/sphinx-thebe.js", priority=500, **{"async": "async"}),
        _JavaScript(None, body="var togglebuttonSelector = '.toggle';"),
        _JavaScript("", body=THEBE),  # the duplicate that throws in the browser
        _JavaScript("", body="var togglebuttonSelector = '.toggle';"),
        _JavaScript("_static/a.js", priority=200),
    ]
    assert scripts[1] != scripts[4]  # Sphinx's own check for repeats misses them
    kept = page_scripts.unique(scripts)
    assert kept == scripts[:4] and all(a is b for a, b in zip(kept, scripts, strict=False))


def test_scripts_that_differ_in_anything_are_all_kept():
    scripts = [
        _JavaScript(None, body=THEBE),
        _JavaScript(None, body=THEBE + ";"),
        _JavaScript("_static/a.js", priority=200),
        _JavaScript("_static/a.js", priority=800),
        _JavaScript("_static/a.js", priority=200, defer="defer"),
        "_static/plain.js",
    ]
    assert page_scripts.unique(scripts) == scripts
    css = [_CascadingStyleSheet("a.css"), _CascadingStyleSheet("b.css")]
    assert page_scripts.unique(css + css[:1]) == css


def test_the_extension_rewrites_each_page_late():
    calls = []

    class App:
        def connect(self, event, handler, priority=500):
            calls.append((event, handler, priority))

    assert page_scripts.setup(App())["parallel_write_safe"]
    [(event, handler, priority)] = calls
    assert event == "html-page-context" and priority > 500
    script = _JavaScript(None, body=THEBE)
    context = {"script_files": [script, _JavaScript(None, body=THEBE)], "other": 1}
    handler(None, "book/api", "page.html", context, None)
    assert context == {"script_files": [script], "other": 1}
