"""Fixtures of the grading tests."""

import pytest

from .students import CHAPTERS


@pytest.fixture(scope="module")
def chapter():
    if not CHAPTERS:
        pytest.skip("no chapter with two exercises in book/ yet")
    return CHAPTERS[0]
