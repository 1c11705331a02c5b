"""The rendered book (``_build/html``) in chromium, as a reader sees it.

Every page of ``_toc.yml`` is served from a loopback port and every request to another
host is blocked: the book must be complete without a network. MathJax ships with the
build; the explorers move over precomputed frames with native range inputs and a few
lines of inline JavaScript (``course_utils/widgets/frames.py``), no widget manager.
"""

import contextlib
import json
import re
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin

import pytest
from browser_support import (
    CHAPTERS,
    IGNORED_ERRORS,
    ROOT,
    TOC_FILES,
    PageWatch,
    Traffic,
    chapter_number,
    element_ids,
    skip_without_chromium,
    unexpected_errors,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
skip_without_chromium()

SOLUTION_MARK = "### BEGIN SOLUTION"


@contextlib.contextmanager
def opened(chromium, url):
    """Open ``url`` in a new tab as a first-time reader; yield (page, watch, response)."""
    page = chromium.new_page()
    # A first visit: nothing remembered from the other pages of this session.
    page.add_init_script("try { window.localStorage.clear(); } catch (e) {}")
    watch = PageWatch(page)
    traffic = Traffic(page)
    try:
        response = page.goto(url, wait_until="load")
        traffic.settle()
        page.wait_for_function("() => [...document.images].every((img) => img.complete)")
        page.evaluate("() => window.MathJax?.startup?.promise")  # the formulas typeset
        yield page, watch, response
    finally:
        page.close()


def page_url(book_url, docname):
    return urljoin(book_url, f"{docname}.html")


def broken_images(page):
    return page.evaluate(
        """() => [...document.images]
            .filter((img) => !(img.complete && img.naturalWidth > 0))
            .map((img) => img.getAttribute('src'))"""
    )


def test_index_opens_the_first_page(chromium, book_url):
    with opened(chromium, book_url + "index.html") as (page, _watch, response):
        page.wait_for_url(page_url(book_url, TOC_FILES[0]))
        assert response.status == 200
        assert page.locator("article h1").first.is_visible()


@pytest.mark.parametrize("docname", TOC_FILES)
def test_page_loads_without_errors(chromium, book_url, built_book, docname):
    source = built_book / f"{docname}.html"
    assert source.exists(), f"{docname} is in _toc.yml but was not built"
    with opened(chromium, page_url(book_url, docname)) as (page, watch, response):
        assert response.status == 200
        assert watch.failed == [], f"requests for files of the build failed: {watch.failed}"
        assert broken_images(page) == [], "images that did not load"
        errors = unexpected_errors(watch.errors, source.read_text(encoding="utf-8"))
        ignored = "\n".join(f"- {why}" for _kind, _pattern, _extra, why in IGNORED_ERRORS)
        assert errors == [], f"console errors (the ignored ones are:\n{ignored})"


PHONE = {"width": 390, "height": 844}  # CSS px: a phone held upright
# every page a reader reaches: the book's, the general index, the module index, search
EVERY_PAGE = [*TOC_FILES, "genindex", "py-modindex", "search"]


@pytest.mark.parametrize("docname", EVERY_PAGE)
def test_no_page_scrolls_sideways_on_a_phone(chromium, book_url, docname):
    """At 390 px the page is as wide as the screen (long API signatures, dotted names
    and the index's columns wrap: ``_static/custom.css``); only code blocks and
    display formulas may scroll inside their own box."""
    page = chromium.new_page()
    try:
        page.set_viewport_size(PHONE)
        traffic = Traffic(page)
        page.goto(page_url(book_url, docname), wait_until="load")
        traffic.settle()
        page.evaluate("() => window.MathJax?.startup?.promise")
        width = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert width[1] == PHONE["width"] and width[0] <= width[1], f"{docname}: {width}"
    finally:
        page.close()


_FETCHED = {}


def _fetch(url):
    """(status, ids of the page) of an internal URL, fetched once per session."""
    if url not in _FETCHED:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                body, status = response.read(), response.status
            kind = response.headers.get_content_type()
        except urllib.error.HTTPError as err:
            body, status, kind = b"", err.code, ""
        ids = element_ids(body.decode("utf-8", "replace")) if kind == "text/html" else set()
        _FETCHED[url] = (status, ids)
    return _FETCHED[url]


@pytest.mark.parametrize("docname", TOC_FILES)
def test_internal_links_and_anchors_resolve(chromium, book_url, docname):
    with opened(chromium, page_url(book_url, docname)) as (page, _watch, _response):
        hrefs = page.eval_on_selector_all("a[href]", "links => links.map((a) => a.href)")
    internal = sorted({h for h in hrefs if h.startswith(book_url)})
    assert internal, "no internal links at all"
    broken = []
    for href in internal:
        target, fragment = urldefrag(href)
        status, ids = _fetch(target)
        if status != 200:
            broken.append(f"{href}: HTTP {status}")
        elif fragment and unquote(fragment) not in ids:
            broken.append(f"{href}: no element with id {unquote(fragment)!r}")
    assert broken == [], "\n".join(broken)


EXPLORER_CALL = re.compile(r"\bexplore_\w+\(")


def notebook_cells(docname):
    return json.loads((ROOT / f"{docname}.ipynb").read_text(encoding="utf-8"))["cells"]


def source(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def tags(cell):
    return cell.get("metadata", {}).get("tags", [])


@pytest.mark.parametrize("docname", CHAPTERS)
def test_chapter_is_readable_offline(chromium, book_url, docname):
    explorers = [
        c for c in notebook_cells(docname)
        if c["cell_type"] == "code" and EXPLORER_CALL.search(source(c))
        and not {"remove-cell", "remove-output"} & set(tags(c))
    ]  # fmt: skip
    assert explorers, "no explorer in this chapter"
    with opened(chromium, page_url(book_url, docname)) as (page, _watch, _response):
        article = page.locator("article.bd-article")
        assert article.locator("h1").first.is_visible(), "no visible title"
        text = article.inner_text()
        assert len(text) > 3000, f"only {len(text)} characters of text"
        assert "Traceback" not in text
        figures = article.locator(".cell_output img")
        assert figures.count() > 0, "no figures"
        for i in range(figures.count()):
            figure = figures.nth(i)
            assert figure.is_visible(), f"figure {i + 1} is hidden"
            assert figure.evaluate("(img) => img.naturalWidth") > 0, f"figure {i + 1} is empty"
        # Each explorer shows the PNG of its default state (its output's image/png), or,
        # computed in the page, its SVG figure (the PNG is for readers without JavaScript).
        cells = article.locator("div.cell", has=page.locator(".cell_input")).filter(
            has_text=EXPLORER_CALL
        )
        assert cells.count() == len(explorers), "explorer cells in the notebook vs on the page"
        for i in range(cells.count()):
            drawn = cells.nth(i).locator(".cell_output svg.downhill-svg")
            if drawn.count() == 1:
                assert drawn.is_visible()
                continue
            still = cells.nth(i).locator(".cell_output img")
            assert still.count() == 1, f"explorer {i + 1} has no static figure"
            assert still.is_visible()
            assert still.evaluate("(img) => img.naturalWidth") > 0
        # No live widget (nor its "Loading widget…" placeholder) in the static book.
        assert article.locator(".jupyter-widgets, .widget-subarea").count() == 0
        assert "Loading widget" not in text


def answer_cells(docname):
    return [c for c in notebook_cells(docname) if "answer" in tags(c)]


@pytest.mark.parametrize("docname", CHAPTERS)
def test_exercises_show_folded_solutions(chromium, book_url, docname):
    expected = len(answer_cells(docname))
    assert expected > 0, "a chapter without exercises"
    with opened(chromium, page_url(book_url, docname)) as (page, _watch, _response):
        answers = page.locator("div.cell.tag_answer")
        assert answers.count() == expected, "answer cells in the notebook vs on the page"
        for i in range(expected):
            answer = answers.nth(i)
            solution = answer.locator("pre", has_text=SOLUTION_MARK)
            toggle = answer.locator("summary").first
            assert solution.count() == 1, f"solution {i + 1}: no '{SOLUTION_MARK}'"
            assert toggle.is_visible(), f"solution {i + 1}: no visible toggle"
            assert not solution.is_visible(), f"solution {i + 1} is not folded"
            toggle.click()
            solution.wait_for(state="visible", timeout=2000)
            assert "Hide code cell source" in toggle.inner_text()


@pytest.mark.parametrize("docname", CHAPTERS)
def test_full_page_screenshot(chromium, book_url, built_book, docname):
    out = built_book.parent / "screenshots" / f"{Path(docname).name}.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    with opened(chromium, page_url(book_url, docname)) as (page, _watch, _response):
        page.screenshot(path=str(out), full_page=True)
        height = page.evaluate("() => document.documentElement.scrollHeight")
    assert out.stat().st_size > 50_000, "a suspiciously small screenshot"
    with out.open("rb") as png:  # the PNG header holds width and height
        header = png.read(24)
    assert int.from_bytes(header[20:24], "big") >= min(height, 900)


@pytest.mark.parametrize("docname", TOC_FILES)
def test_formulas_are_typeset_without_tex_errors(chromium, book_url, docname):
    """MathJax typesets every formula: no TeX error, no formula left as raw TeX."""
    with opened(chromium, page_url(book_url, docname)) as (page, _watch, _response):
        math = page.evaluate(
            """() => ({
                loaded: Boolean(window.MathJax?.startup?.document),
                formulas: document.querySelectorAll('.math').length,
                typeset: document.querySelectorAll('mjx-container').length,
                raw: [...document.querySelectorAll('.math')]
                    .filter((el) => !el.querySelector('mjx-container'))
                    .map((el) => el.textContent.slice(0, 80)),
                errors: [...document.querySelectorAll('mjx-merror')]
                    .map((el) => el.getAttribute('data-mjx-error') || el.textContent),
            })"""
        )
    if docname in CHAPTERS:
        assert math["loaded"], "MathJax did not load"
        assert math["formulas"] > 20, f"only {math['formulas']} formulas in a chapter"
    assert math["errors"] == [], f"TeX errors: {math['errors']}"
    assert math["raw"] == [], f"formulas left as raw TeX: {math['raw']}"
    assert math["typeset"] >= math["formulas"]


# --- offline, and the explorers move without a kernel ------------------------------------

PAGE_BUDGET = 3_000_000  # bytes a chapter page may load, everything included (issue 19)
BOOK_BUDGET = 80_000_000  # bytes of the whole _build/html
# TeX a reader should never see: a control sequence, or math delimiters around one.
RAW_TEX = re.compile(r"\\[A-Za-z]{2,}|\\[()\[\]]|\$[^$\s]+\$")


def page_weight(page):
    """Bytes of the page and of everything it loaded (all from loopback)."""
    return page.evaluate(
        """() => performance.getEntries()
            .filter((e) => 'encodedBodySize' in e)
            .reduce((sum, e) => sum + e.encodedBodySize, 0)"""
    )


def prose_text(page):
    """The article's text without code cells' sources (code may show TeX on purpose)."""
    return page.evaluate(
        """() => {
            const article = document.querySelector('article.bd-article').cloneNode(true);
            article.querySelectorAll('.cell_input, .highlight, code, script, style, mjx-container')
                .forEach((el) => el.remove());
            return article.innerText;
        }"""
    )


def press_and_watch(page, slider):
    """Press an arrow key on a range input; return (picture before, picture after, readout):
    the ``srcset`` of the ``<img>``, which has no ``src`` (its frames are 2x pictures)."""
    top = slider.get_attribute("max") == slider.get_attribute("value")
    img = slider.locator("xpath=ancestor::div[contains(@class, 'downhill-static')][1]//img")
    before = img.get_attribute("srcset")
    slider.focus()
    page.keyboard.press("ArrowLeft" if top else "ArrowRight")
    after = img.get_attribute("srcset")  # swapped in the input event, at once
    img.evaluate("(img) => img.decode()")
    assert img.evaluate("(img) => img.naturalWidth") > 0
    readout = slider.evaluate("(el) => el.nextElementSibling.textContent")
    return before, after, readout


@pytest.mark.parametrize("docname", CHAPTERS)
def test_chapter_is_complete_offline_and_its_explorer_moves(chromium, book_url, docname):
    with opened(chromium, page_url(book_url, docname)) as (page, watch, _response):
        assert watch.blocked == [], f"requests to other hosts: {watch.blocked[:5]}"
        weight = page_weight(page)
        assert weight <= PAGE_BUDGET, f"the page loads {weight / 1e6:.1f} MB"
        assert page.evaluate("() => typeof window.require") == "undefined"  # no require.js
        raw = sorted(set(RAW_TEX.findall(prose_text(page))))
        assert raw == [], f"raw TeX in the text: {raw[:10]}"
        if page.locator("article .downhill-static").count() == 0:
            # computed in the page: test_page_explorers.py moves every control
            assert page.locator("article div.downhill-page svg.downhill-svg").count() >= 1
            return
        explorer = page.locator("article .downhill-static").first
        assert explorer.is_visible(), "no static explorer"
        sliders = {"learning rate η": explorer.get_by_role("slider", name="learning rate η")}
        if chapter_number(docname) >= 2:
            sliders["batch size B"] = explorer.get_by_role("slider", name="batch size B")
        for label, slider in sliders.items():
            assert slider.count() == 1, f"no range input named '{label}'"
            assert slider.is_visible() and slider.get_attribute("type") == "range"
            old_readout = slider.evaluate("(el) => el.nextElementSibling.textContent")
            before, after, readout = press_and_watch(page, slider)
            assert after != before, f"'{label}': the arrow key did not change the picture"
            assert readout != old_readout, f"'{label}': the readout did not follow"
            assert slider.get_attribute("aria-valuetext") == readout
        # the pointer: a click near the left end of the first slider picks its first value
        first = sliders["learning rate η"]
        box = first.bounding_box()
        src = explorer.locator("img").get_attribute("srcset")
        page.mouse.click(box["x"] + 2, box["y"] + box["height"] / 2)
        assert first.evaluate("(el) => el.value") == "0"
        assert explorer.locator("img").get_attribute("srcset") != src


def test_the_book_fits_its_budget(built_book):
    size = sum(p.stat().st_size for p in built_book.rglob("*") if p.is_file())
    assert size <= BOOK_BUDGET, f"_build/html holds {size / 1e6:.1f} MB"
