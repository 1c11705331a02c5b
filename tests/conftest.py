import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
JB = Path(sys.executable).with_name("jupyter-book")


@dataclass(frozen=True)
class BookBuild:
    """The outcome of the one strict HTML build of a test session."""

    html: Path
    returncode: int
    log: str


@pytest.fixture(scope="session")
def book_build():
    """Build the HTML book strictly (warnings are errors, references are nitpicked).

    Runs at most once per session: ``tests/test_build.py`` checks the outcome and the
    browser tests (``tests/browser``) read the pages it wrote into ``_build/html``.
    """
    mathjax = ROOT / ".cache" / "mathjax" / "extra" / "_static" / "mathjax" / "tex-svg-full.js"
    if not mathjax.is_file():  # html_extra_path (_config.yml) ships it with the book
        pytest.fail(f"{mathjax.relative_to(ROOT)} is missing: `make test` installs it with npm")
    cmd = [str(JB), "build", str(ROOT), "--builder", "html", "-W", "-n", "--keep-going"]
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=1200)
    return BookBuild(ROOT / "_build" / "html", result.returncode, result.stdout + result.stderr)


@pytest.fixture(scope="session")
def built_book(book_build):
    """The path of ``_build/html``, built (once) by :func:`book_build`.

    A strict build that fails on a warning still writes every page (``--keep-going``);
    ``tests/test_build.py`` reports the warning, the other tests use the pages.
    """
    if not (book_build.html / "index.html").exists():
        pytest.fail("the book did not build:\n" + book_build.log[-4000:])
    return book_build.html
