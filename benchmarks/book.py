"""How long the book takes and how much it weighs.

    .venv/bin/python benchmarks/book.py [--no-build] [--no-execute] [--no-frames]

Each chapter is executed with nbclient in a fresh kernel (as ``make test``'s nbval
run does, without frames) and timed; then each explorer's frames for the static book
are rendered and timed (wall and CPU time: the machine is shared); then the HTML book is
built as ``make book`` builds it (``course_utils.grading.editions.build``), from an
empty execution cache into a scratch folder, and the weight of each chapter
page (its HTML and every local file it loads) and of the whole build is reported.
Targets: <= 20 s per chapter, <= 90 s for all chapters together; a full build at most
twice the 64 s of the book without frames; <= 15 MB per page, <= 80 MB in all.
"""

import argparse
import os
import re
import tempfile
import time
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import nbformat
from nbclient import NotebookClient

from course_utils.grading import editions

ROOT = Path(__file__).resolve().parents[1]


def execute(path):
    os.environ.pop(editions.FRAMES, None)  # as students and nbval run it: no frames
    nb = nbformat.read(path, as_version=4)
    resources = {"metadata": {"path": str(path.parent)}}
    client = NotebookClient(nb, timeout=300, kernel_name="python3", resources=resources)
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


def frame_times():
    """Render the frames of every explorer the book shows with frames, as its build does
    (both layouts, wide and narrow); print the times and the bytes."""
    from course_utils.widgets import frames
    from course_utils.widgets.sweep import explorer_factories

    print(f"\n{'explorer':32s} {'grid':>10s} {'frames':>6s} {'wall s':>7s} {'CPU s':>6s} "
          f"{'ms/frame':>8s} {'wide MB':>8s} {'narrow MB':>9s}")  # fmt: skip
    totals = [0, 0.0, 0.0, 0.0, 0.0]
    for name, factory in explorer_factories().items():
        explorer = factory()
        if explorer.page is not None:  # computed in the page: no frames in the book
            continue
        wall, cpu = time.perf_counter(), time.process_time()
        drawn = frames.render_frames(explorer)
        wide = sum(len(frames.compact(png)) for png in drawn.pngs) / 1e6
        narrow = sum(len(frames.compact(png)) for png in drawn.narrow or []) / 1e6
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        grid = "x".join(str(len(v)) for v in drawn.values)
        n = len(drawn.pngs)
        print(f"{name:32s} {grid:>10s} {n:6d} {wall:7.1f} {cpu:6.1f} "
              f"{1000 * cpu / n:8.0f} {wide:8.2f} {narrow:9.2f}")  # fmt: skip
        totals = [a + b for a, b in zip(totals, [n, wall, cpu, wide, narrow], strict=True)]
    n, wall, cpu, wide, narrow = totals
    print(f"{'all explorers':32s} {'':>10s} {n:6d} {wall:7.1f} {cpu:6.1f} {'':>8s} "
          f"{wide:8.2f} {narrow:9.2f}")  # fmt: skip


_LOADED = re.compile(r"<(?:script|img|link)\b[^>]*?\b(?:src|href)=\"([^\"#?]+)", re.IGNORECASE)


def page_weight(html_path, root):
    """Bytes of a page and of every local file it loads (scripts, style sheets, images)."""
    text = html_path.read_text(encoding="utf-8")
    total, seen = html_path.stat().st_size, set()
    base = html_path.relative_to(root).as_posix()
    for ref in _LOADED.findall(text):
        if ref.startswith("data:") or urlsplit(ref).scheme or ref.endswith(".html"):
            continue  # inline, another host, or a link to another page (next, prev)
        target = root / unquote(urljoin(base, ref))
        if target.is_file() and target not in seen:
            seen.add(target)
            total += target.stat().st_size
    return total


def weights(html):
    print(f"\n{'page':40s} {'MB':>6s}")
    for path in sorted((html / "book").glob("0*.html")):
        print(f"{path.name:40s} {page_weight(path, html) / 1e6:6.2f}")
    size = sum(p.stat().st_size for p in html.rglob("*") if p.is_file())
    print(f"{'the whole _build/html':40s} {size / 1e6:6.2f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-build", action="store_true", help="skip the full HTML build")
    parser.add_argument("--no-execute", action="store_true", help="skip the chapters' runs")
    parser.add_argument("--no-frames", action="store_true", help="skip the frame timings")
    args = parser.parse_args()
    if not args.no_execute:
        total = 0.0
        print(f"{'chapter':40s} {'execute s':>10s}")
        for path in sorted((ROOT / "book").glob("0*.ipynb")):
            seconds = execute(path)
            total += seconds
            print(f"{path.name:40s} {seconds:10.1f}")
        print(f"{'all chapters':40s} {total:10.1f}")
    if not args.no_frames:
        frame_times()
    if args.no_build:
        return
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        done = editions.build(ROOT, out=out)
        if done.returncode != 0:
            raise SystemExit(f"the book did not build:\n{done.log[-4000:]}")
        print(f"\n{'full build, empty cache':40s} {time.perf_counter() - start:10.1f}")
        weights(done.output)


if __name__ == "__main__":
    main()
