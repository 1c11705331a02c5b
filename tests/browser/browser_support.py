"""Shared pieces of the browser tests: the pages of the book, chromium, blocked hosts.

Everything the tests load comes from a loopback server; requests to any other host are
aborted (``net::ERR_BLOCKED_BY_CLIENT``), so the tests never touch the network and show
what a reader without it sees.
"""

import os
import re
import shutil
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]

# The flags the issue asks for; a fresh --user-data-dir comes with each session.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
NO_CHROMIUM = "chromium not found: install Debian's chromium package (apt-get install chromium)"
# CI sets this (see .ci/run): there a missing chromium fails the suite instead of skipping it.
REQUIRE_ENV = "DOWNHILL_REQUIRE_BROWSER"
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


def find_chromium():
    """Debian's chromium (``/usr/bin/chromium``, or ``chromium`` on PATH), or None."""
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
    return shutil.which("chromium")


def skip_without_chromium():
    """Skip the calling test module, with one reason for all, when chromium is missing."""
    if find_chromium() is None and not os.environ.get(REQUIRE_ENV):
        pytest.skip(NO_CHROMIUM, allow_module_level=True)


def is_loopback(url):
    return urlsplit(url).hostname in LOOPBACK


# Requests to any host but loopback. Playwright matches a regular expression inside the
# driver, so loopback requests are never routed through Python (a routed request waits
# until Python hands control to Playwright, which stalls a page while a test sleeps).
OTHER_HOSTS = re.compile(r"^(?!https?://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?/)https?://")
#: How long a page may take to settle (no request for 500 ms), in ms. Generous on purpose:
#: under a loaded CI a chapter's formulas can keep fetching fonts well past Playwright's 30 s,
#: and these tests check what a page shows, never how fast it shows it.
SETTLE_MS = 180_000


def block(route):
    """Refuse a request to another host, as a content blocker would."""
    route.abort("blockedbyclient")


# --- the book's pages, from _toc.yml -------------------------------------------------


def _toc_files(toc):
    files = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections"))

    walk(toc.get("chapters"))
    for part in toc.get("parts") or []:
        walk(part.get("chapters"))
    return files


TOC_FILES = _toc_files(yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8")))
# Chapters are the numbered notebooks: book/01_error_surfaces, …, book/07_capstone.
CHAPTERS = [f for f in TOC_FILES if re.match(r"\d\d_", Path(f).name)]


def chapter_number(docname):
    return int(Path(docname).name[:2])


# --- console errors ------------------------------------------------------------------

# Console errors that are expected and do not mean that the book is broken. Each entry:
# (kind, pattern the message must match, extra condition, why it is ignored).
#   kind "console": a console.error message; "pageerror": an uncaught exception.
# None today: the one there was (Sphinx 7 writing sphinx-thebe's `const THEBE_JS_URL`
# into every page twice) is gone, book/_ext/page_scripts.py writes each script once.
IGNORED_ERRORS = []


def unexpected_errors(errors, page_html):
    """The collected errors (dicts with kind, text, url) that no rule above explains."""
    left = []
    for error in errors:
        explained = any(
            kind == error["kind"] and pattern.search(error["text"]) and extra(error, page_html)
            for kind, pattern, extra, _why in IGNORED_ERRORS
        )
        if not explained:
            left.append(error)
    return left


class Traffic:
    """The requests one page has in flight, followed through Playwright's request events.

    It stands in for ``wait_for_load_state("networkidle")``, which once waited out its
    180 s on chapter 1 in a fresh-clone CI run (not reproduced; microsoft/playwright#19835
    reports such waits with every request finished). If a request does hang, the timeout
    names it. Create it before ``goto`` so that it sees every request.
    """

    def __init__(self, page):
        self.page = page
        self.pending = {}  # request -> url
        self.last = time.monotonic()  # the last request that started or ended
        page.on("request", self._started)
        page.on("requestfinished", self._ended)
        page.on("requestfailed", self._ended)

    def _started(self, request):
        self.pending[request] = request.url
        self.last = time.monotonic()

    def _ended(self, request):
        self.pending.pop(request, None)
        self.last = time.monotonic()

    def settle(self, quiet_ms=500, timeout_ms=SETTLE_MS):
        """Wait until no request has been in flight for ``quiet_ms``; after ``timeout_ms``
        fail, naming the requests still in flight."""
        deadline = time.monotonic() + timeout_ms / 1000
        while self.pending or time.monotonic() - self.last < quiet_ms / 1000:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"requests still in flight after {timeout_ms / 1000:.0f} s: "
                    f"{sorted(self.pending.values())}"
                )
            self.page.wait_for_timeout(50)  # lets Playwright deliver the page's events


class PageWatch:
    """Listens to one page: console errors, uncaught exceptions, failed requests."""

    def __init__(self, page):
        self.errors = []
        self.failed = []  # (url, reason) of loopback requests that failed
        self.blocked = []  # urls of other hosts that were refused
        page.on("console", self._console)
        page.on("pageerror", self._pageerror)
        page.on("requestfailed", self._requestfailed)
        page.on("response", self._response)

    def _console(self, message):
        if message.type == "error":
            url = (message.location or {}).get("url", "")
            self.errors.append({"kind": "console", "text": message.text, "url": url})

    def _pageerror(self, error):
        self.errors.append({"kind": "pageerror", "text": error.message, "url": ""})

    def _requestfailed(self, request):
        if is_loopback(request.url):
            self.failed.append((request.url, request.failure))
        else:
            self.blocked.append(request.url)

    def _response(self, response):
        if is_loopback(response.url) and response.status >= 400:
            self.failed.append((response.url, f"HTTP {response.status}"))


# --- static HTML ----------------------------------------------------------------------


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value and (name == "id" or (tag == "a" and name == "name")):
                self.ids.add(value)


def element_ids(html_text):
    """Every ``id`` (and ``<a name>``) in an HTML document: the targets of ``#anchors``."""
    parser = _Ids()
    parser.feed(html_text)
    return parser.ids
