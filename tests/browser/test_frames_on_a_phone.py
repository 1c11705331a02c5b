"""The frame explorers of the rendered book on a phone: a layout for narrow screens.

At 390 CSS px a picture drawn at the page's width (675-720 px) would shrink to half its
size, its smallest type to about 4 CSS px. Each frame explorer offers its pictures a
second time, laid out for a narrow screen (``course_utils/widgets/narrow.py``), in a
``<picture>`` source for screens up to 720 px: a phone shows those at their natural
size, so the smallest type, 7.5 pt at 90 px per inch, is 9.4 CSS px. A wide screen
fetches only the wide pictures, a phone only the narrow ones.
"""

import pytest
from browser_support import OTHER_HOSTS, SETTLE_MS, block, skip_without_chromium

from course_utils.widgets import narrow

pytestmark = [pytest.mark.browser, pytest.mark.slow]
skip_without_chromium()

FRAMED = ["02_gradient_information", "03_gradient_descent", "07_capstone"]
PHONE = {"width": 390, "height": 844}
DPI = 90  # the explorers' pixels per inch (Explorer's default), one image pixel per CSS px

PICTURES = """() => [...document.querySelectorAll('article .downhill-static')].map((root) => {
    const img = root.querySelector('img');
    return {shown: img.clientWidth, natural: img.naturalWidth, src: img.currentSrc};
})"""


def open_page(browser, url, viewport, scale):
    context = browser.new_context(viewport=viewport, device_scale_factor=scale)
    context.route(OTHER_HOSTS, block)
    page = context.new_page()
    page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle", timeout=SETTLE_MS)
    return context, page


def fetched_pictures(page):
    return page.evaluate(
        """() => performance.getEntriesByType('resource').map((e) => e.name)
            .filter((name) => name.includes('/_images/downhill/'))"""
    )


@pytest.mark.parametrize("docname", FRAMED)
def test_a_phone_shows_the_narrow_frames_with_type_of_9_css_px(browser, book_url, docname):
    smallest = narrow.MIN_POINTS * DPI / 72  # image pixels
    context, page = open_page(browser, f"{book_url}book/{docname}.html", PHONE, 3)
    try:
        pictures = page.evaluate(PICTURES)
        assert pictures, "no frame explorer"
        for picture in pictures:
            assert picture["natural"] == int(narrow.WIDTH * DPI), picture  # the narrow layout
            scale = picture["shown"] / picture["natural"]
            assert smallest * scale >= 9, f"type of {smallest * scale:.1f} CSS px: {picture}"
        loaded = set(fetched_pictures(page))
        assert {p["src"] for p in pictures} <= loaded
        explorer = page.locator("article .downhill-static").first
        slider = explorer.get_by_role("slider").first
        slider.focus()
        page.keyboard.press("ArrowRight")
        img = explorer.locator("img")
        img.evaluate("(img) => img.decode()")
        assert img.evaluate("(img) => img.naturalWidth") == int(narrow.WIDTH * DPI)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= PHONE["width"], "the page scrolls sideways"
    finally:
        context.close()


@pytest.mark.parametrize("docname", FRAMED)
def test_a_wide_screen_fetches_only_the_wide_frames_and_a_touch_only_those_one_move_away(
    browser, book_url, docname
):
    context, page = open_page(browser, f"{book_url}book/{docname}.html", {"width": 1280,
                              "height": 900}, 1)  # fmt: skip
    try:
        pictures = page.evaluate(PICTURES)
        assert all(p["natural"] > 600 for p in pictures), pictures
        explorer = page.locator("article .downhill-static").first
        counts = explorer.evaluate(
            """(root) => JSON.parse(root.querySelector('script[type="application/json"]')
                .textContent).labels.map((labels) => labels.length)"""
        )
        before = set(fetched_pictures(page))
        explorer.get_by_role("slider").first.focus()  # a touch: the pictures one move away
        page.wait_for_load_state("networkidle", timeout=SETTLE_MS)
        page.wait_for_timeout(200)
        new = set(fetched_pictures(page)) - before
        assert 0 < len(new) <= sum(counts) - len(counts) + 1
        total = 1
        for n in counts:
            total *= n
        assert len(new) < total or len(counts) == 1
    finally:
        context.close()
