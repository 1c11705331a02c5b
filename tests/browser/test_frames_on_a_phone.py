"""The frame explorers of the rendered book on a phone: a layout for narrow screens.

At 390 CSS px a picture drawn at the page's width (675-720 px) would shrink to half its
size, its smallest type to about 4 CSS px. Each frame explorer offers its pictures a
second time, laid out for a narrow screen (``course_utils/widgets/narrow.py``), in a
``<picture>`` source for screens up to 720 px: a phone shows those at their natural
size, so the smallest type, 7.5 pt at 90 px per inch, is 9.4 CSS px. A wide screen
fetches only the wide pictures, a phone only the narrow ones.
"""

import pytest
from browser_support import OTHER_HOSTS, SETTLE_MS, Traffic, block, skip_without_chromium

from course_utils.widgets import narrow

pytestmark = [pytest.mark.browser, pytest.mark.slow]
skip_without_chromium()

FRAMED = ["02_gradient_information", "03_gradient_descent", "07_capstone"]
PHONE = {"width": 390, "height": 844}
DPI = 90  # the explorers' pixels per inch (Explorer's default): CSS px per inch of figure

PICTURES = """() => [...document.querySelectorAll('article .downhill-static')].map((root) => {
    const img = root.querySelector('img');
    return {shown: img.clientWidth, natural: img.naturalWidth, src: img.currentSrc};
})"""


def open_page(browser, url, viewport, scale):
    context = browser.new_context(viewport=viewport, device_scale_factor=scale)
    context.route(OTHER_HOSTS, block)
    page = context.new_page()
    traffic = Traffic(page)
    page.goto(url, wait_until="load")
    traffic.settle()
    return context, page


# The image pixels of each frame explorer's shown picture, and its width in CSS pixels.
PIXELS = """async () => Promise.all([...document.querySelectorAll('article .downhill-static img')]
    .map(async (img) => {
        const plain = new Image();  // no srcset: its natural size is the file's pixels
        plain.src = img.currentSrc;
        await plain.decode();
        return {css: img.naturalWidth, pixels: plain.naturalWidth, src: img.currentSrc};
    }))"""


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
        traffic = Traffic(page)
        explorer.get_by_role("slider").first.focus()  # a touch: the pictures one move away
        traffic.settle()
        new = set(fetched_pictures(page)) - before
        assert 0 < len(new) <= sum(counts) - len(counts) + 1
        total = 1
        for n in counts:
            total *= n
        assert len(new) < total or len(counts) == 1
    finally:
        context.close()


@pytest.mark.parametrize(("viewport", "scale"), [(PHONE, 3), ({"width": 1280, "height": 900}, 2)],
                         ids=["phone-3x", "laptop-2x"])  # fmt: skip
def test_every_frame_has_two_image_pixels_per_css_pixel(browser, book_url, viewport, scale):
    for docname in FRAMED:
        context, page = open_page(browser, f"{book_url}book/{docname}.html", viewport, scale)
        try:
            pictures = page.evaluate(PIXELS)
            assert pictures, "no frame explorer"
            for picture in pictures:
                assert picture["src"].endswith(".webp"), picture
                # the narrow figure is 3.95 in at 180 px per inch: 711 px, 355 CSS px
                assert picture["pixels"] // 2 == picture["css"], picture
            html = page.content()
            assert "data:image/" not in html, "a picture is still inlined in the page"
        finally:
            context.close()


def test_the_labels_stay_on_one_line_on_a_phone(browser, book_url):
    for docname in FRAMED:
        context, page = open_page(browser, f"{book_url}book/{docname}.html", PHONE, 3)
        try:
            rows = page.evaluate(
                """() => [...document.querySelectorAll('article .downhill-static label')]
                    .map((label) => {
                        const name = label.querySelector('span.name');
                        const line = parseFloat(getComputedStyle(name).lineHeight)
                            || 1.5 * parseFloat(getComputedStyle(name).fontSize);
                        return {text: name.textContent, height: name.getBoundingClientRect().height,
                                line: line, right: label.getBoundingClientRect().right};
                    })"""
            )
            assert rows, "no control"
            for row in rows:
                assert row["height"] < 1.5 * row["line"], f"{docname}: {row} wraps"
                assert row["right"] <= PHONE["width"], f"{docname}: {row} leaves the screen"
            assert any(r["text"] == "learning rate η" for r in rows)
        finally:
            context.close()


def test_the_optimizer_menu_is_a_native_select_that_swaps_the_picture(browser, book_url):
    context, page = open_page(browser, f"{book_url}book/07_capstone.html",
                              {"width": 1280, "height": 900}, 1)  # fmt: skip
    try:
        explorer = page.locator("article .downhill-static").first
        menu = explorer.get_by_role("combobox", name="optimizer")
        assert menu.count() == 1 and menu.is_visible()
        assert menu.evaluate("(el) => el.tagName") == "SELECT"
        options = menu.locator("option").all_inner_texts()
        assert options == ["SGD", "SGD+momentum", "Adam"]
        assert menu.evaluate("(el) => el.selectedOptions[0].textContent") == "SGD+momentum"
        img = explorer.locator("img")
        status = explorer.locator(".downhill-status")
        before = set(fetched_pictures(page))
        src = img.evaluate("(img) => img.currentSrc")
        menu.focus()  # a touch: the pictures one move away, the other optimizers' among them
        page.wait_for_function(  # each picture is listed once it has arrived
            """(n) => performance.getEntriesByType('resource')
                .filter((e) => e.name.includes('/_images/downhill/')).length >= n""",
            arg=len(before) + 2,
            timeout=SETTLE_MS,
        )
        assert len(set(fetched_pictures(page)) - before) >= 2
        page.keyboard.press("ArrowDown")  # the keyboard moves a closed menu to its next option
        img.evaluate("(img) => img.decode()")
        assert menu.evaluate("(el) => el.selectedOptions[0].textContent") == "Adam"
        assert img.evaluate("(img) => img.currentSrc") != src
        assert "optimizer Adam" in status.inner_text()
        assert "optimizer Adam" in img.get_attribute("alt")
        menu.select_option(label="SGD")  # the pointer
        img.evaluate("(img) => img.decode()")
        assert menu.evaluate("(el) => el.value") == "0"
        assert status.inner_text().endswith("optimizer SGD")  # the menu is the last control
        assert img.evaluate("(img) => img.naturalWidth") > 600
    finally:
        context.close()
