"""A student's saved notebook in JupyterLab: run, saved, closed, then opened and saved
again with no kernel, any number of times, and its explorers' pictures are still there.

Without the course's server extension (``course_utils.saved_widgets``) the first save of a
reopened notebook writes its widget state away (ipywidgets saves only widgets with a live
kernel connection) and the next opening shows "Error displaying widget: model not found"
(jupyter-widgets/ipywidgets#3270, #3888). These tests use the student copy of a chapter
(``make release``), as a student has it, on the server of ``conftest.jupyterlab``, which
runs with this environment's settings and server extensions (``make env``).
"""

import contextlib
import json
import re
import secrets
import time

import nbformat
import pytest
from browser_support import ROOT, skip_without_chromium
from test_jupyterlab import error_outputs, goto_notebook, run_all_cells

from course_utils import saved_widgets
from course_utils.grading.book import release_notebook
from course_utils.widgets.saved import LIVE_NOTE, NOTE

pytestmark = [pytest.mark.browser, pytest.mark.slow]
skip_without_chromium()

CHAPTER = "04_learning_rate_and_landscape"  # two explorers, and a chapter that runs quickly
CYCLES = 3  # the issue: three reopenings, with saves in between
SCREENSHOTS = ROOT / "_build" / "screenshots"  # as tests/browser/test_rendered_book.py


def student_copy(jupyterlab, chapter=CHAPTER):
    """Write the student copy of ``chapter`` into the server's ``release/``; its path."""
    nb = nbformat.read(ROOT / "book" / f"{chapter}.ipynb", as_version=4)
    (jupyterlab.root / "release").mkdir(exist_ok=True)
    nbformat.write(release_notebook(nb), jupyterlab.root / "release" / f"{chapter}.ipynb")
    return f"release/{chapter}.ipynb"


def save_and_wait(page, jupyterlab, path):
    """Save with Ctrl+S; return the notebook written, once the server has written it.

    The file is watched on disk, not through the server: the server writes in place
    after copying the old file to ``.~<name>``, and a read through its API while it
    writes would find half a file and put the copy back.
    """
    file = jupyterlab.root / path
    backup = file.with_name(f".~{file.name}")
    before = file.stat().st_mtime_ns
    page.locator(".jp-NotebookPanel").first.click()
    page.keyboard.press("Control+s")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if file.stat().st_mtime_ns != before and not backup.exists():  # written, closed
            return json.loads(file.read_text(encoding="utf-8"))
        time.sleep(0.1)
    raise AssertionError(f"{path} was not saved within 30 s")


def without_kernel(page, jupyterlab, path):
    """Shut the notebook's kernel down and wait until the page says it has none.

    First wait for the kernel that opening the notebook starts: on a busy server it can
    start after the shutdown, which then ends nothing, and the page keeps its kernel
    (the test then timed out, waiting for "No Kernel" or for the widget error)."""
    jupyterlab.wait_for_idle_kernel(path)
    jupyterlab.shutdown_kernels()
    page.locator(".jp-Toolbar-kernelName", has_text="No Kernel").first.wait_for(timeout=30_000)


def live_explorer_moves(page, one):
    """A reopened explorer that the page computes (widgets/live.py): its figure drawn,
    its controls shown, and a click on its first slider's track redraws the figure."""
    root = one.locator("div.downhill-page.downhill-live")
    svg = root.locator("svg.downhill-svg")
    svg.wait_for(state="visible")
    assert one.get_by_text(LIVE_NOTE).is_visible(), "no note to run the notebook"
    assert root.locator(".downhill-controls").is_visible(), "no controls"
    before = svg.inner_html()
    first = root.get_by_role("slider").first
    first.scroll_into_view_if_needed()
    at = first.evaluate("(el) => (el.value - el.min) / (el.max - el.min)")
    box = first.bounding_box()  # a click on the track, the other half from the handle
    page.mouse.click(box["x"] + box["width"] * (0.25 if at > 0.5 else 0.75),
                     box["y"] + box["height"] / 2)  # fmt: skip
    page.wait_for_function(
        "([svg, before]) => svg.innerHTML !== before",
        arg=[svg.element_handle(), before],
        timeout=5_000,
    )


def saved_pictures(page, count):
    """Wait until the ``count`` explorers show their saved pictures; check each one: its
    image loaded, the note (with what to do) shown, its controls hidden, no error. An
    explorer that the page computes keeps moving, with its own note."""
    explorers = page.locator(".downhill-explorer")
    page.wait_for_function(
        """(n) => document.querySelectorAll('.downhill-explorer').length === n
            && [...document.querySelectorAll('.jp-OutputArea-output')]
                .every((o) => !o.textContent.includes('Loading widget'))""",
        arg=count,
        timeout=60_000,
    )
    for i in range(count):
        one = explorers.nth(i)
        one.scroll_into_view_if_needed()
        assert "jupyter-widgets-disconnected" in one.get_attribute("class")
        if "downhill-live-explorer" in one.get_attribute("class"):
            live_explorer_moves(page, one)
            continue
        image = one.locator("img.widget-image")
        image.wait_for(state="visible")
        assert image.evaluate("(img) => img.complete && img.naturalWidth") > 0
        assert one.get_by_text(NOTE).is_visible(), f"explorer {i + 1}: no note"
        assert not one.locator(".downhill-controls").is_visible(), "sliders without a kernel"
    texts = page.locator(".jp-OutputArea-output").all_inner_texts()
    assert not any("Error displaying widget" in t for t in texts)


def state_is_complete(nb):
    """Every widget an output shows is in the saved state; the number of explorers."""
    shown = saved_widgets.shown_models(nb)
    models = saved_widgets.saved_models(nb)
    assert shown and all(m in models for m in shown), (len(shown), len(models))
    return len(shown), len(models)


def test_pictures_survive_three_reopenings_saved_without_a_kernel(chromium, jupyterlab):
    path = student_copy(jupyterlab)
    url = f"{jupyterlab.url}lab/workspaces/saved/tree/{path}?token={jupyterlab.token}"
    page = chromium.new_page()
    try:  # a student runs the chapter (up to the first unanswered exercise) and saves
        goto_notebook(page, url)
        jupyterlab.wait_for_idle_kernel(path)
        page.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]').wait_for()
        run_all_cells(page)
        errors = error_outputs(page)
        assert all("NotImplementedError" in e for e in errors), errors  # the first stub
        explorers = page.locator(".downhill-explorer").count()
        assert explorers == 2
        # both computed in the page (widgets/live.py), as the notebook shows them
        assert page.locator(".downhill-live-explorer").count() == explorers
        assert page.locator(".downhill-controls").first.is_visible()  # live: sliders
        assert not page.get_by_text(LIVE_NOTE).first.is_visible()  # and no note
        first = state_is_complete(save_and_wait(page, jupyterlab, path))
    finally:
        page.close()
        with contextlib.suppress(OSError):
            jupyterlab.shutdown_kernels()

    for cycle in range(1, CYCLES + 1):
        page = chromium.new_page()
        try:
            goto_notebook(page, url)
            saved_pictures(page, explorers)
            if cycle == CYCLES:  # to look at: a reopened explorer, note and picture
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                shot = page.locator(".downhill-explorer").first
                shot.screenshot(path=str(SCREENSHOTS / "reopened-explorer.png"))
            without_kernel(page, jupyterlab, path)
            saved = save_and_wait(page, jupyterlab, path)
            # every shown widget kept; the first save also had the models that no output
            # shows (a page explorer's Python controls), which later saves leave out
            shown, models = state_is_complete(saved)
            assert shown == first[0] and models <= first[1], f"reopening {cycle}"
            if cycle == 1:
                kept = models
            assert models == kept, f"reopening {cycle}"
        finally:
            page.close()
            with contextlib.suppress(OSError):
                jupyterlab.shutdown_kernels()

    page = chromium.new_page()
    try:  # opened a fourth time, in Notebook 7 too: the pictures are there
        goto_notebook(page, f"{jupyterlab.url}notebooks/{path}?token={jupyterlab.token}")
        saved_pictures(page, explorers)
    finally:
        page.close()
        with contextlib.suppress(OSError):
            jupyterlab.shutdown_kernels()

    page = chromium.new_page()
    try:  # what the note says works: run the notebook from the top, the sliders are back
        goto_notebook(page, url)
        saved_pictures(page, explorers)
        jupyterlab.wait_for_idle_kernel(path)
        run_all_cells(page)
        live = page.locator(".downhill-explorer:not(.jupyter-widgets-disconnected)")
        assert live.count() == explorers
        for i in range(explorers):
            assert live.nth(i).locator(".downhill-controls").is_visible()
            assert not live.nth(i).get_by_text(LIVE_NOTE).is_visible()
    finally:
        page.close()
        with contextlib.suppress(OSError):
            jupyterlab.shutdown_kernels()


def test_a_notebook_whose_widget_state_was_lost_shows_its_pictures(chromium, jupyterlab):
    """A notebook saved somewhere without the extension has lost its widget state: the
    next save turns each explorer's output into its static picture, not an error."""
    from nbclient import NotebookClient
    from nbformat.sign import NotebookNotary

    code = nbformat.v4.new_code_cell
    nb = nbformat.v4.new_notebook(
        cells=[
            code("from course_utils.chapters.ch03_gradient_descent import explorers"),
            code("explorers.explore_minibatch()"),
        ],
        metadata=json.loads((ROOT / "book" / f"{CHAPTER}.ipynb").read_text())["metadata"],
    )
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    nb.metadata.pop("widgets", None)  # the state, written away elsewhere
    # trusted, as a notebook saved in JupyterLab is: signed in the user's Jupyter
    # database, which the server reads (a fresh mark, so that no earlier run signed it)
    nb.metadata["downhill_test_run"] = secrets.token_hex(8)
    NotebookNotary().sign(nb)
    path = "release/lost_state.ipynb"
    (jupyterlab.root / "release").mkdir(exist_ok=True)
    nbformat.write(nb, jupyterlab.root / path)
    url = f"{jupyterlab.url}lab/workspaces/lost/tree/{path}?token={jupyterlab.token}"
    page = chromium.new_page()
    try:  # without its state, ipywidgets shows no picture: an error, or "Loading widget..."
        # for good when the kernel went away while the manager was restoring its widgets
        # from it (it re-renders only once that restoring is done); the save is the same
        goto_notebook(page, url)
        without_kernel(page, jupyterlab, path)
        output = page.locator(".jp-CodeCell").nth(1).locator(".jp-OutputArea-output")
        output.get_by_text(re.compile("Error displaying widget|Loading widget")).wait_for()
        assert not output.locator("img, .downhill-controls").first.is_visible()
        saved = save_and_wait(page, jupyterlab, path)
        assert saved_widgets.shown_models(saved) == []  # the views went, the PNGs stayed
        assert any("image/png" in o.get("data", {}) for o in saved["cells"][1]["outputs"])
    finally:
        page.close()
        with contextlib.suppress(OSError):
            jupyterlab.shutdown_kernels()
    page = chromium.new_page()
    try:  # after that save, the saved picture
        goto_notebook(page, url)
        output = page.locator(".jp-CodeCell").nth(1).locator(".jp-OutputArea-output")
        picture = output.locator('img[src^="data:image/png"]')
        picture.wait_for(state="visible", timeout=30_000)
        assert picture.evaluate("(img) => img.complete && img.naturalWidth") > 0
        assert "Error displaying widget" not in output.inner_text()
    finally:
        page.close()
        with contextlib.suppress(OSError):
            jupyterlab.shutdown_kernels()
