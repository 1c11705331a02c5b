"""PNG encoding of explorers' pictures: ``course_utils.widgets.png`` against Pillow.

Every explorer is drawn over a sweep of its controls; each picture is then encoded by
both encoders, alternately, so a busy machine weighs on both alike:

- ``widgets.png.encode``: no row filter, deflate level 1 (what explorers use);
- Pillow, ``compress_level=1`` (what they used before): the best of five row filters
  chosen per row, then deflate level 1.

Prints per explorer the median encoding time of each, their ratio and the mean file
sizes, then the same over all pictures, with 95th percentiles. Both files are decoded
once to check they hold the same pixels.

    .venv/bin/python benchmarks/png.py [--points 3] [--pixel-ratio 2] [--repeat 5]
"""

import argparse
import io
import time

import numpy as np
from PIL import Image

from course_utils import widgets
from course_utils.widgets import png
from course_utils.widgets.sweep import explorer_factories, settings


def with_pillow(pixels):
    buffer = io.BytesIO()
    Image.fromarray(pixels[..., :3]).save(buffer, format="png", compress_level=1)
    return buffer.getvalue()


def ours(pixels):
    return png.encode(pixels)


def timed(encode, pixels, repeat):
    """The median of ``repeat`` encodings, and the file."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        data = encode(pixels)
        times.append(time.perf_counter() - start)
    return float(np.median(times)), data


def pictures(factory, points, pixel_ratio):
    """The canvas pixels (RGBA) of the explorer at every setting of its sweep."""
    widgets.explorer.PIXEL_RATIO = pixel_ratio
    explorer = factory()
    for values in settings(explorer, n=points):
        explorer.set(**values)
        yield np.array(explorer.figure.canvas.buffer_rgba())


def decoded(data):
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("RGB"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=3, help="values per control")
    parser.add_argument("--pixel-ratio", type=float, default=widgets.explorer.PIXEL_RATIO)
    parser.add_argument("--repeat", type=int, default=5, help="encodings per picture")
    args = parser.parse_args()
    print(f"{'explorer':46s} {'pictures':>8s} {'ours ms':>8s} {'Pillow ms':>9s} "
          f"{'ratio':>6s} {'ours kB':>8s} {'Pillow kB':>9s}")  # fmt: skip
    times = {"ours": [], "Pillow": []}
    sizes = {"ours": [], "Pillow": []}
    for name, factory in explorer_factories().items():
        mine, theirs, mine_kb, theirs_kb = [], [], [], []
        for pixels in pictures(factory, args.points, args.pixel_ratio):
            t_mine, data_mine = timed(ours, pixels, args.repeat)
            t_theirs, data_theirs = timed(with_pillow, pixels, args.repeat)
            if not mine:  # once per explorer: the same pixels either way
                assert np.array_equal(decoded(data_mine), decoded(data_theirs)), name
            mine.append(t_mine * 1e3)
            theirs.append(t_theirs * 1e3)
            mine_kb.append(len(data_mine) / 1e3)
            theirs_kb.append(len(data_theirs) / 1e3)
        times["ours"] += mine
        times["Pillow"] += theirs
        sizes["ours"] += mine_kb
        sizes["Pillow"] += theirs_kb
        print(f"{name:46s} {len(mine):8d} {np.median(mine):8.1f} {np.median(theirs):9.1f} "
              f"{np.median(theirs) / np.median(mine):6.2f} {np.mean(mine_kb):8.0f} "
              f"{np.mean(theirs_kb):9.0f}")  # fmt: skip
    print()
    for who in ("ours", "Pillow"):
        t = np.array(times[who])
        print(f"{who:7s} over {t.size} pictures at pixel ratio {args.pixel_ratio:g}: median "
              f"{np.median(t):.1f} ms, p95 {np.percentile(t, 95):.1f} ms, mean size "
              f"{np.mean(sizes[who]):.0f} kB")  # fmt: skip
    ratio = np.median(times["Pillow"]) / np.median(times["ours"])
    print(f"Pillow / ours: median encoding time x{ratio:.2f}")


if __name__ == "__main__":
    main()
