"""Run every chapter with nbval, in this environment, with the solutions in place.

nbval executes each notebook top to bottom; a cell that raises fails the test, so
every example, every explorer and every exercise check must run cleanly.
"""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "book").glob("0*.ipynb"))


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_chapter_runs_with_nbval(path):
    cmd = [
        sys.executable, "-m", "pytest", str(path), "--nbval-lax", "--current-env",
        "--nbval-cell-timeout=120", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
        "-W", "ignore::DeprecationWarning",
    ]  # fmt: skip
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
