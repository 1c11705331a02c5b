"""The explorers that the book's pages compute themselves, in chromium, network blocked.

Each chapter page's ``div.downhill-page`` (``course_utils/widgets/page.py``) is filled by
the page's scripts (``course_utils/widgets/web/``) with live controls and an SVG figure.
Here, as a reader would: every control of every page explorer is there and moves the
picture, the numeric sliders are continuous, the status line (an ``aria-live`` region)
and the figure's text alternative say the new setting, a drag moves the picture while
the button is down, the phase diagram of chapter 5 takes a click, and on a phone
(390 CSS px) the figure is laid out for the width, its text at 9 px or more. The frames
of the other explorers are files, fetched when needed, and their text alternative
follows the sliders too. No console error comes from the book's scripts.
"""

import json

import pytest
from browser_support import CHAPTERS, PageWatch, skip_without_chromium, unexpected_errors
from test_rendered_book import opened, page_url

pytestmark = [pytest.mark.browser, pytest.mark.slow]
skip_without_chromium()

# The page explorers of the book, by chapter: what the chapters must keep computing in
# the page (a chapter that loses one fails here, one that gains one is listed here).
PAGE_EXPLORERS = {
    "book/01_error_surfaces": ["taylor", "bowl"],
    "book/04_learning_rate_and_landscape": ["schedule", "cliff"],
    "book/05_momentum": ["momentum", "phase"],
    "book/06_adaptive_methods": ["race"],
}

SIGNATURE = """(root) => {
    const svg = root.querySelector('svg.downhill-svg');
    return svg ? svg.innerHTML.length + ':' + svg.innerHTML.slice(-4000) : '';
}"""


def specs(page):
    return page.evaluate(
        """() => [...document.querySelectorAll('div.downhill-page')].map((root) => JSON.parse(
            root.querySelector('script.downhill-spec').textContent))"""
    )


def settle(page):
    """Two animation frames and the status line's short delay."""
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
    page.wait_for_timeout(400)


def move(page, root, control):
    """Move one control as a reader would, by keyboard or a click; return how."""
    label = control["label"]
    if control["kind"] in ("log", "float", "int", "options"):
        slider = root.get_by_role("slider", name=label, exact=True)
        assert slider.count() == 1, f"no slider named {label!r}"
        at_top = slider.evaluate("(el) => Number(el.value) >= Number(el.max) - 1e-9")
        slider.focus()
        page.keyboard.press("ArrowLeft" if at_top else "ArrowRight")
        return "arrow key"
    if control["kind"] == "menu":
        select = root.get_by_role("combobox", name=label, exact=True)
        assert select.count() == 1, f"no menu named {label!r}"
        current = select.evaluate("(el) => el.value")
        options = select.evaluate("(el) => [...el.options].map((o) => o.value)")
        select.select_option(next(o for o in options if o != current))
        return "menu"
    if control["kind"] == "checkbox":
        box = root.get_by_role("checkbox", name=label, exact=True)
        assert box.count() == 1, f"no check box named {label!r}"
        box.click()
        return "click"
    if control["kind"] == "multi":
        group = root.get_by_role("group", name=label, exact=True)
        assert group.count() == 1, f"no group of check boxes named {label!r}"
        boxes = group.get_by_role("checkbox")
        assert boxes.count() == len(control["options"])
        boxes.nth(boxes.count() - 1).click()
        return "click"
    raise AssertionError(f"unknown kind of control {control['kind']}")


@pytest.mark.parametrize("docname", CHAPTERS)
def test_every_control_of_every_page_explorer_is_live(chromium, book_url, built_book, docname):
    with opened(chromium, page_url(book_url, docname)) as (page, watch, _response):
        found = specs(page)
        assert [s["name"] for s in found] == PAGE_EXPLORERS.get(docname, [])
        roots = page.locator("div.downhill-page")
        for i, spec in enumerate(found):
            root = roots.nth(i)
            root.scroll_into_view_if_needed()
            root.locator("svg.downhill-svg").wait_for()
            assert root.get_attribute("data-failed") is None
            for control in spec["controls"]:
                settle(page)
                before = root.evaluate(SIGNATURE)
                status = root.locator(".downhill-status").inner_text()
                how = move(page, root, control)
                settle(page)
                what = f"{spec['name']}: {control['label']} ({how})"
                assert root.evaluate(SIGNATURE) != before, f"{what}: the picture did not change"
                now = root.locator(".downhill-status").inner_text()
                assert now != status, f"{what}: the status line did not change"
                assert root.locator(".downhill-status").get_attribute("aria-live") == "polite"
                alt = root.locator("svg.downhill-svg").get_attribute("aria-label")
                assert alt == "Explorer picture: " + now, f"{what}: the text alternative lags"
                if control["kind"] in ("log", "float"):  # continuous
                    slider = root.get_by_role("slider", name=control["label"], exact=True)
                    assert slider.get_attribute("step") == "any"
                    readout = slider.evaluate("(el) => el.nextElementSibling.textContent")
                    assert slider.get_attribute("aria-valuetext") == readout
                    assert readout in now
        errors = unexpected_errors(watch.errors, (built_book / f"{docname}.html").read_text())
        assert errors == []


@pytest.mark.parametrize("docname", sorted(PAGE_EXPLORERS))
def test_a_drag_moves_the_picture_while_the_button_is_down(chromium, book_url, docname):
    with opened(chromium, page_url(book_url, docname)) as (page, _watch, _response):
        root = page.locator("div.downhill-page").first
        root.scroll_into_view_if_needed()
        slider = root.get_by_role("slider").first
        box = slider.bounding_box()
        y = box["y"] + box["height"] / 2
        page.evaluate(
            """(root) => { window.__drawn = 0;
                root.addEventListener('downhill:drawn', () => { window.__drawn += 1; }); }""",
            root.element_handle(),
        )
        page.mouse.move(box["x"] + 4, y)
        page.mouse.down()
        values = set()
        for k in range(1, 31):
            page.mouse.move(box["x"] + 4 + (box["width"] - 8) * k / 30, y)
            page.evaluate("() => new Promise((r) => requestAnimationFrame(r))")
            values.add(slider.evaluate("(el) => el.value"))
        drawn = page.evaluate("() => window.__drawn")
        page.mouse.up()
        assert len(values) >= 25, "the slider did not follow the pointer continuously"
        assert drawn >= 20, f"only {drawn} pictures during a drag over {len(values)} values"


def test_a_click_on_the_phase_diagram_picks_its_point(chromium, book_url):
    with opened(chromium, page_url(book_url, "book/05_momentum")) as (page, _watch, _response):
        root = page.locator("div.downhill-page[data-explorer=phase]")
        root.scroll_into_view_if_needed()
        svg = root.locator("svg.downhill-svg")
        svg.wait_for()
        # the diagram's axes: h from 0 to 4.2 across, beta from 0 to 1 upwards
        rect = svg.evaluate(
            "(svg) => { const b = svg.getBoundingClientRect(); return {x: b.x, y: b.y}; }"
        )
        axes = page.evaluate(
            """() => {
                const root = document.querySelector('div.downhill-page[data-explorer=phase]');
                const clip = root.querySelector('clipPath rect');
                return {x: +clip.getAttribute('x'), y: +clip.getAttribute('y'),
                        w: +clip.getAttribute('width'), h: +clip.getAttribute('height')}; }"""
        )
        # click where h = 3 and beta = 0.7 (oscillating, a step plain descent cannot take)
        page.mouse.click(
            rect["x"] + axes["x"] + axes["w"] * 3 / 4.2, rect["y"] + axes["y"] + axes["h"] * 0.3
        )
        settle(page)
        h = root.get_by_role("slider", name="step × curvature h = ηλ")
        beta = root.get_by_role("slider", name="momentum β")
        assert abs(float(h.evaluate("(el) => el.value")) - 3.0) <= 0.02
        assert abs(float(beta.evaluate("(el) => el.value")) - 0.7) <= 0.02
        status = root.locator(".downhill-status").inner_text()
        assert "Regime oscillating" in status and "complex pair" in status


@pytest.mark.parametrize("docname", sorted(PAGE_EXPLORERS))
def test_on_a_phone_the_figure_is_laid_out_for_the_width(chromium, book_url, docname):
    page = chromium.new_page()
    page.set_viewport_size({"width": 390, "height": 800})
    watch = PageWatch(page)
    try:
        page.goto(page_url(book_url, docname), wait_until="load")
        roots = page.locator("div.downhill-page")
        for i in range(roots.count()):
            root = roots.nth(i)
            root.scroll_into_view_if_needed()
            root.locator("svg.downhill-svg").wait_for()
            layout = root.evaluate(
                """(root) => { const svg = root.querySelector('svg.downhill-svg');
                    const sizes = [...svg.querySelectorAll('text')].map(
                        (t) => parseFloat(getComputedStyle(t).fontSize));
                    const box = svg.getBoundingClientRect();
                    return {width: box.width, room: root.clientWidth, viewport: innerWidth,
                            smallest: Math.min(...sizes), texts: sizes.length,
                            scale: box.width / svg.viewBox.baseVal.width}; }"""
            )
            assert layout["texts"] > 10
            assert layout["width"] <= layout["room"] + 0.5 <= layout["viewport"]
            assert layout["scale"] == pytest.approx(1.0), "the picture is scaled, not laid out"
            assert layout["smallest"] >= 9, f"text of {layout['smallest']} px on a phone"
        assert [e for e in watch.errors if "downhill" in e["text"].lower()] == []
    finally:
        page.close()


FRAME_CHAPTERS = ["book/02_gradient_information", "book/03_gradient_descent", "book/07_capstone"]


@pytest.mark.parametrize("docname", FRAME_CHAPTERS)
def test_frames_are_files_fetched_when_needed(chromium, book_url, built_book, docname):
    html = (built_book / f"{docname}.html").read_text(encoding="utf-8")
    assert "data:image/" not in html, "a picture is still inlined in the page"
    with opened(chromium, page_url(book_url, docname)) as (page, watch, _response):
        explorer = page.locator("article .downhill-static").first
        explorer.scroll_into_view_if_needed()
        frames = json.loads(explorer.locator('script[type="application/json"]').text_content())
        fetched = page.evaluate("() => performance.getEntries().map((e) => e.name)")
        loaded = [
            src for src in frames["wide"] if any(n.endswith(src.lstrip("./")) for n in fetched)
        ]
        # the default picture is the default frame's file itself (no separate still)
        shown = explorer.locator("img").get_attribute("srcset").split(" ")[0]
        assert [src for src in loaded if src != shown] == [], "frames fetched before a move"
        slider = explorer.get_by_role("slider").first
        alt = explorer.locator("img").get_attribute("alt")
        slider.focus()
        page.keyboard.press(
            "ArrowRight"
            if slider.evaluate("(el) => Number(el.value) < Number(el.max)")
            else "ArrowLeft"
        )
        img = explorer.locator("img")
        img.evaluate("(img) => img.decode()")
        assert img.evaluate("(img) => img.currentSrc.startsWith('http')")
        assert img.get_attribute("alt") != alt, "the text alternative did not follow"
        status = explorer.locator(".downhill-status")
        assert status.get_attribute("aria-live") == "polite"
        assert status.inner_text() in img.get_attribute("alt")
        assert watch.failed == []
