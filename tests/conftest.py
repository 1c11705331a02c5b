from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def book_build():
    """Build the HTML book as ``make book`` does: strictly (warnings are errors,
    references are nitpicked), the explorers with their frames.

    Runs at most once per session: ``tests/test_build.py`` checks the outcome and the
    browser tests (``tests/browser``) read the pages it wrote into ``_build/html``.
    """
    from course_utils.grading import editions  # the grading extra: only where it is built

    try:
        return editions.build(ROOT)
    except RuntimeError as exc:  # no jupyter-book, or no npm for MathJax
        pytest.fail(str(exc))


@pytest.fixture(scope="session")
def built_book(book_build):
    """The path of ``_build/html``, built (once) by :func:`book_build`.

    A strict build that fails on a warning still writes every page (``--keep-going``);
    ``tests/test_build.py`` reports the warning, the other tests use the pages.
    """
    if not (book_build.output / "index.html").exists():
        pytest.fail("the book did not build:\n" + book_build.log[-4000:])
    return book_build.output
