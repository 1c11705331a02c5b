"""How long the book takes: each chapter executed on its own, then a full build.

    .venv/bin/python benchmarks/book.py [--no-build]

Each chapter is executed with nbclient in a fresh kernel (as the build does) and
timed; then the HTML build runs from an empty execution cache into a scratch
folder. Targets: <= 20 s per chapter, <= 90 s for all chapters together.
"""

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def execute(path):
    nb = nbformat.read(path, as_version=4)
    resources = {"metadata": {"path": str(path.parent)}}
    client = NotebookClient(nb, timeout=300, kernel_name="python3", resources=resources)
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-build", action="store_true", help="skip the full HTML build")
    args = parser.parse_args()
    total = 0.0
    print(f"{'chapter':40s} {'execute s':>10s}")
    for path in sorted((ROOT / "book").glob("0*.ipynb")):
        seconds = execute(path)
        total += seconds
        print(f"{path.name:40s} {seconds:10.1f}")
    print(f"{'all chapters':40s} {total:10.1f}")
    if args.no_build:
        return
    with tempfile.TemporaryDirectory() as out:
        jb = Path(sys.executable).with_name("jupyter-book")
        cmd = [str(jb), "build", str(ROOT), "--path-output", out, "-W", "-n", "--keep-going"]
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        print(f"{'full build, empty cache':40s} {time.perf_counter() - start:10.1f}")


if __name__ == "__main__":
    main()
