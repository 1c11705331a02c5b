"""Latency a student feels: every explorer, driven over a sweep of its controls.

Each redraw is timed from the moment a control's value is set to the moment the PNG
that JupyterLab will show is ready (compute + matplotlib drawing + PNG encoding),
which is what the inline image shows after a slider moves.

    .venv/bin/python benchmarks/widgets.py [--points 7] [--pixel-ratio 1 2]

Every explorer goes through its sweep twice. The first pass times first visits:
every value is new and the chapters' caches are emptied before each measurement, so
nothing cached helps. The second pass times
revisits (a student moving a slider back), where cached runs are reused. Prints the
median and 95th percentile of each pass per explorer. Target: p95 <= 100 ms.

``--pixel-ratio`` gives the image pixels per CSS pixel of the pictures (2, the
default of ``course_utils.widgets.explorer.PIXEL_RATIO``, is sharp on high-density
screens). With several ratios each explorer is measured at each of them back to
back, so that a busy machine weighs on all alike, and the last lines compare them.
"""

import argparse
import sys
import time

import numpy as np

from course_utils import plotting, widgets
from course_utils.widgets.sweep import explorer_factories, settings


def clear_caches():
    """Forget every run the chapters' modules keep (``functools`` caches, contour grids),
    so that each measurement's first visits are first visits, whatever ran before."""
    for name, module in list(sys.modules.items()):
        if not name.startswith("course_utils"):
            continue
        for value in list(vars(module).values()):
            if callable(getattr(value, "cache_clear", None)):
                value.cache_clear()
    plotting._GRID_CACHE.clear()


def measure(factory, points, pixel_ratio):
    """Redraw times in seconds over the sweep: (first visits, revisits)."""
    clear_caches()
    widgets.explorer.PIXEL_RATIO = pixel_ratio  # the default of the explorer made next
    explorer = factory()
    sweep = list(settings(explorer, n=points))
    passes = []
    for _ in range(2):
        times = []
        for values in sweep:
            start = time.perf_counter()
            explorer.set(**values)
            times.append(time.perf_counter() - start)
        passes.append(np.array(times))
    return passes


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=7, help="values per control")
    parser.add_argument(
        "--pixel-ratio", type=float, nargs="+", default=[widgets.explorer.PIXEL_RATIO],
        help="image pixels per CSS pixel (several: compared back to back)",
    )  # fmt: skip
    args = parser.parse_args()
    ratios = args.pixel_ratio
    print(f"{'':36s} {'':>5s} {'':>7s} {'first visits (ms)':>24s}   {'revisits (ms)':>17s}")
    print(f"{'explorer':36s} {'ratio':>5s} {'redraws':>7s} {'median':>8s} {'p95':>7s} "
          f"{'max':>7s}   {'median':>8s} {'p95':>7s}")  # fmt: skip
    worst_first = dict.fromkeys(ratios, 0.0)
    worst_again = dict.fromkeys(ratios, 0.0)
    everything = {r: [] for r in ratios}
    for name, factory in explorer_factories().items():
        for r in ratios:
            first, again = (t * 1e3 for t in measure(factory, args.points, r))
            p95_first, p95_again = np.percentile(first, 95), np.percentile(again, 95)
            worst_first[r] = max(worst_first[r], p95_first)
            worst_again[r] = max(worst_again[r], p95_again)
            everything[r].append(first)
            print(f"{name:36s} {r:5g} {first.size:7d} {np.median(first):8.1f} "
                  f"{p95_first:7.1f} {first.max():7.1f}   {np.median(again):8.1f} "
                  f"{p95_again:7.1f}")  # fmt: skip
    print()
    medians = {}
    for r in ratios:
        times = np.concatenate(everything[r])
        medians[r] = np.median(times)
        print(
            f"pixel ratio {r:g}: all first visits median {medians[r]:.1f} ms, "
            f"p95 {np.percentile(times, 95):.1f} ms; worst p95 per explorer: first visits "
            f"{worst_first[r]:.1f} ms, revisits {worst_again[r]:.1f} ms (target <= 100 ms)"
        )
    for r in ratios[1:]:
        per_explorer = [
            np.median(b) / np.median(a)
            for a, b in zip(everything[ratios[0]], everything[r], strict=True)
        ]
        overall = medians[r] / medians[ratios[0]]
        print(
            f"pixel ratio {r:g} / {ratios[0]:g}: median redraw x{overall:.2f} over all; "
            f"per explorer x{min(per_explorer):.2f} to x{max(per_explorer):.2f}"
        )


if __name__ == "__main__":
    main()
