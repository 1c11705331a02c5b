"""Latency a student feels: every explorer, driven over a sweep of its controls.

Each redraw is timed from the moment a control's value is set to the moment the PNG
that JupyterLab will show is ready (compute + matplotlib drawing + PNG encoding),
which is what the inline image shows after a slider moves.

    .venv/bin/python benchmarks/widgets.py [--points 7]

Every explorer goes through its sweep twice. The first pass times first visits:
every value is new, so nothing the explorer caches helps. The second pass times
revisits (a student moving a slider back), where cached runs are reused. Prints the
median and 95th percentile of each pass per explorer. Target: p95 <= 100 ms.
"""

import argparse
import time

import numpy as np

from course_utils.widgets.sweep import explorer_factories, settings


def measure(factory, points):
    """Redraw times in seconds over the sweep: (first visits, revisits)."""
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
    args = parser.parse_args()
    print(f"{'':36s} {'':>7s} {'first visits (ms)':>24s}   {'revisits (ms)':>17s}")
    print(f"{'explorer':36s} {'redraws':>7s} {'median':>8s} {'p95':>7s} {'max':>7s}   "
          f"{'median':>8s} {'p95':>7s}")  # fmt: skip
    worst_first = worst_again = 0.0
    everything = []
    for name, factory in explorer_factories().items():
        first, again = (t * 1e3 for t in measure(factory, args.points))
        p95_first, p95_again = np.percentile(first, 95), np.percentile(again, 95)
        worst_first, worst_again = max(worst_first, p95_first), max(worst_again, p95_again)
        everything.append(first)
        print(f"{name:36s} {first.size:7d} {np.median(first):8.1f} {p95_first:7.1f} "
              f"{first.max():7.1f}   {np.median(again):8.1f} {p95_again:7.1f}")  # fmt: skip
    everything = np.concatenate(everything)
    print(
        f"\nall first visits: median {np.median(everything):.1f} ms, "
        f"p95 {np.percentile(everything, 95):.1f} ms"
    )
    print(
        f"worst p95 per explorer: first visits {worst_first:.1f} ms, "
        f"revisits {worst_again:.1f} ms (target <= 100 ms)"
    )


if __name__ == "__main__":
    main()
