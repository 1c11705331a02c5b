"""The built book's page explorers in headless Chromium: latency and page weight.

Two measurements of ``_build/html`` (``make book`` first), served on loopback with
every other host blocked, as ``tests/browser`` does:

- **control → picture**: for every page explorer (a ``div.downhill-page``) and every one
  of its sliders, the slider is set to ``--moves`` values spread over its track, one at a
  time, as a drag sets them (an ``input`` event); the time from the event to the end of
  the redraw (the explorer's ``downhill:drawn`` event, inside the animation frame that
  paints the new picture) is recorded. Medians and 95th percentiles per explorer and over
  all of them.
- **page weight**: each chapter opened in a fresh browser context (a cold cache), the
  bytes of every file fetched until the network has been idle for a second (HTML,
  scripts, style sheets, images, MathJax and its fonts: the loopback server sends each
  file as it is on disk, uncompressed); and the size of the whole build. Every page at
  1280 px and one device pixel per CSS pixel; the chapters with precomputed frames
  (``div.downhill-static``) also on a 2x laptop and a 390-px phone of pixel ratio 3,
  which fetch other pictures.

Run from the repository root: ``.venv/bin/python benchmarks/page.py [--moves 40]``
(``--weight-only`` skips the latency).
"""

import argparse
import functools
import http.server
import os
import statistics
import sys
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))
from browser_support import (  # noqa: E402
    CHROMIUM_FLAGS,
    OTHER_HOSTS,
    Traffic,
    block,
    find_chromium,
)

BOOK = ROOT / "_build" / "html"
CHAPTERS = sorted(p.stem for p in (BOOK / "book").glob("0*.html"))

MEASURE = """async ([index, moves]) => {
    const root = document.querySelectorAll('div.downhill-page')[index];
    const frame = () => new Promise((r) => requestAnimationFrame(r));
    const out = {};
    for (const slider of root.querySelectorAll('input[type=range]')) {
        const lo = Number(slider.min), hi = Number(slider.max), times = [];
        for (let k = 0; k < moves; k++) {
            const value = lo + (hi - lo) * ((k * 7) % moves) / (moves - 1);
            const drawn = new Promise((r) => root.addEventListener('downhill:drawn',
                () => r(performance.now()), {once: true}));
            await frame();
            slider.value = String(value);
            const t0 = performance.now();
            slider.dispatchEvent(new Event('input', {bubbles: true}));
            times.push((await drawn) - t0);
        }
        out[slider.getAttribute('aria-label') || slider.id] = times;
    }
    return out;
}"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(folder):
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def p95(xs):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(0.95 * (len(xs) - 1)))]


def latency(browser, base, moves):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.route(OTHER_HOSTS, block)
    page = context.new_page()
    every = []
    traffic = Traffic(page)
    for chapter in CHAPTERS:
        page.goto(f"{base}book/{chapter}.html", wait_until="load")
        traffic.settle()
        names = page.locator("div.downhill-page").evaluate_all(
            "(roots) => roots.map((r) => r.dataset.explorer)"
        )
        for i, name in enumerate(names):
            page.locator("div.downhill-page").nth(i).scroll_into_view_if_needed()
            per_slider = page.evaluate(MEASURE, [i, moves])
            times = [t for ts in per_slider.values() for t in ts]
            every += times
            print(f"  {chapter} {name:9s} {len(per_slider)} sliders, {len(times)} moves: "
                  f"median {statistics.median(times):5.1f} ms, p95 {p95(times):5.1f} ms, "
                  f"max {max(times):5.1f} ms")  # fmt: skip
    context.close()
    print(f"  all page explorers, {len(every)} moves: median {statistics.median(every):.1f} ms, "
          f"p95 {p95(every):.1f} ms")  # fmt: skip


WIDE = {"width": 1280, "height": 900}
#: The screens a page is weighed on: the first for every page, the others for the chapters
#: with precomputed frames.
SCREENS = {"1280 px, 1x": (WIDE, 1), "1280 px, 2x": (WIDE, 2),
           "390 px, 3x": ({"width": 390, "height": 844}, 3)}  # fmt: skip


def weight(browser, base):
    framed = [c for c in CHAPTERS if "downhill-static" in (BOOK / "book" / f"{c}.html").read_text()]
    for screen, (viewport, scale) in SCREENS.items():
        print(f" {screen}:")
        chapters = CHAPTERS + ["intro", "api"] if scale == 1 else framed
        weigh(browser, base, chapters, viewport, scale)
    build = sum(f.stat().st_size for f in BOOK.rglob("*") if f.is_file())
    print(f"  the whole build (_build/html): {build / 1e6:.1f} MB")


def weigh(browser, base, chapters, viewport, scale):
    for chapter in chapters:
        context = browser.new_context(viewport=viewport, device_scale_factor=scale)
        context.route(OTHER_HOSTS, block)
        page = context.new_page()
        sizes = {}

        def seen(request, sizes=sizes):  # the static server sends files as they are on disk
            path = BOOK / unquote(urlsplit(request.url).path).lstrip("/")
            if path.is_file():
                sizes[request.url] = path.stat().st_size

        page.on("requestfinished", seen)
        traffic = Traffic(page)
        path = f"book/{chapter}.html"
        page.goto(base + path, wait_until="load")
        traffic.settle(quiet_ms=1000)
        context.close()
        total = sum(sizes.values())
        big = max(sizes, key=sizes.get)
        name = big.rsplit("/", 1)[-1].split("?")[0]
        print(f"  {chapter:34s} {total / 1e6:5.2f} MB in {len(sizes):3d} files "
              f"(largest {name}, {sizes[big] / 1e6:.2f} MB)")  # fmt: skip


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--moves", type=int, default=40, help="values per slider")
    parser.add_argument("--weight-only", action="store_true", help="skip the latency")
    args = parser.parse_args(argv)
    if not (BOOK / "index.html").exists():
        sys.exit("no _build/html: run `make book` first")
    from playwright.sync_api import sync_playwright

    server, base = serve(BOOK)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_FLAGS)
        if not args.weight_only:
            print("control moved -> picture drawn (input event -> end of the redraw):")
            latency(browser, base, args.moves)
        print("page weight, cold cache, at load:")
        weight(browser, base)
        browser.close()
    server.shutdown()


if __name__ == "__main__":
    main()
