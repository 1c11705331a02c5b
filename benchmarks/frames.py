"""How to store the static book's frames: a palette PNG or a lossless WebP, and its effort.

The book stores every frame of the explorers with precomputed frames (chapters 2, 3, 7),
in two layouts, as a picture of 256 colours (``course_utils.widgets.frames.compact``).
This draws a few frames of each such explorer, spread over its grid, in both layouts, at
one and at two image pixels per CSS pixel, and stores each picture in every candidate
format, alternately, so that a busy machine weighs on all alike:

- ``png``: the 256-colour palette (median cut, no dithering) as a PNG, zlib level 6
  (the frames' format until round 5);
- ``webp mM qQ``: the same palette as a lossless WebP, ``method`` M (0-6) and
  ``quality`` Q (0-100, in lossless mode the effort of the compression).

The palette (the quantization, the same for every format) is timed apart. Prints per
pixel ratio and format the median time per picture and the mean size, and each size as
a fraction of the palette PNG's at the same ratio. Each WebP is decoded once to check
it holds the palette's pixels.

    .venv/bin/python benchmarks/frames.py [--points 6]
"""

import argparse
import io
import os
import time

import numpy as np
from PIL import Image

os.environ["DOWNHILL_BOOK_FRAMES"] = "1"  # as the book is built (before the explorers are made)

from course_utils import widgets  # noqa: E402
from course_utils.widgets import frames  # noqa: E402
from course_utils.widgets.sweep import explorer_factories  # noqa: E402

FORMATS = {
    "png": {"format": "png", "compress_level": 6},
    "webp m0 q0": {"format": "webp", "lossless": True, "method": 0, "quality": 0},
    "webp m2 q0": {"format": "webp", "lossless": True, "method": 2, "quality": 0},
    "webp m4 q50": {"format": "webp", "lossless": True, "method": 4, "quality": 50},
    "webp m4 q100": {"format": "webp", "lossless": True, "method": 4, "quality": 100},
}


def pictures(points, pixel_ratio):
    """PNGs of ``points`` grid points of every framed explorer, wide and narrow layout."""
    widgets.explorer.PIXEL_RATIO = pixel_ratio
    for factory in explorer_factories().values():
        explorer = factory()
        if explorer.page is not None:
            continue
        copy = explorer.narrow_copy()
        names = frames.frame_controls(explorer)
        values = [frames.frame_values(explorer.controls[n], values=explorer.frame_values.get(n))
                  for n in names]  # fmt: skip
        grid = list(np.ndindex(*[len(v) for v in values]))
        for k in np.linspace(0, len(grid) - 1, points).round().astype(int):
            explorer.set(**{n: v[i] for n, v, i in zip(names, values, grid[k], strict=True)})
            copy.refresh()
            yield bytes(explorer.image.value)
            yield bytes(copy.image.value)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=6, help="grid points per explorer")
    args = parser.parse_args()
    print(f"{'ratio':>5s} {'format':14s} {'pictures':>8s} {'median ms':>9s} {'mean kB':>8s} "
          f"{'/ png':>6s}")  # fmt: skip
    for ratio in (1.0, 2.0):
        times = {name: [] for name in ["palette", *FORMATS]}
        sizes = {name: [] for name in FORMATS}
        for png in pictures(args.points, ratio):
            image = Image.open(io.BytesIO(png)).convert("RGB")
            start = time.perf_counter()
            palette = image.quantize(256, method=Image.Quantize.MEDIANCUT,
                                     dither=Image.Dither.NONE)  # fmt: skip
            times["palette"].append(time.perf_counter() - start)
            for name, options in FORMATS.items():
                buffer = io.BytesIO()
                start = time.perf_counter()
                palette.save(buffer, **options)
                times[name].append(time.perf_counter() - start)
                sizes[name].append(len(buffer.getvalue()))
                if name.startswith("webp") and len(sizes[name]) == 1:  # lossless: the palette
                    back = np.asarray(Image.open(buffer).convert("RGB"))
                    assert np.array_equal(back, np.asarray(palette.convert("RGB"))), name
        n = len(times["palette"])
        print(f"{ratio:5g} {'(palette)':14s} {n:8d} {1e3 * np.median(times['palette']):9.1f}")
        for name in FORMATS:
            share = np.mean(sizes[name]) / np.mean(sizes["png"])
            print(f"{ratio:5g} {name:14s} {n:8d} {1e3 * np.median(times[name]):9.1f} "
                  f"{np.mean(sizes[name]) / 1e3:8.1f} {share:6.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
