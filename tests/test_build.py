"""Build the HTML book strictly: warnings are errors, references are nitpicked."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
JB = Path(sys.executable).with_name("jupyter-book")


@pytest.mark.slow
def test_book_builds_without_warnings():
    cmd = [str(JB), "build", str(ROOT), "--builder", "html", "-W", "-n", "--keep-going"]
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=1200)
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-6000:]
    html = ROOT / "_build" / "html"
    for page in ["index.html", "book/api.html", "book/bibliography.html"]:
        assert (html / page).exists(), page
    for nb in sorted((ROOT / "book").glob("0*.ipynb")):
        page = html / "book" / f"{nb.stem}.html"
        assert page.exists(), page
        text = page.read_text(encoding="utf-8")
        assert "Traceback" not in text, f"{page.name} shows a traceback"
        assert "data:image/png" in text or ".png" in text, f"{page.name} has no figure"
