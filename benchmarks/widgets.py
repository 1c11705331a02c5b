"""Latency a student feels: every explorer, driven over a sweep of its controls.

Each redraw is timed from the moment a control's value is set to the moment the PNG
that JupyterLab will show is ready (compute + matplotlib drawing + PNG encoding),
which is what the inline image shows after a slider moves.

    .venv/bin/python benchmarks/widgets.py [--repeats 2]

Prints the median and 95th percentile per explorer. Target: p95 <= 100 ms.
"""

import argparse
import time

import numpy as np

from course_utils.widgets.sweep import explorer_factories, settings


def measure(factory, repeats):
    explorer = factory()
    times = []
    for _ in range(repeats):
        for values in settings(explorer, n=5):
            start = time.perf_counter()
            explorer.set(**values)
            times.append(time.perf_counter() - start)
    return np.array(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    print(f"{'explorer':45s} {'redraws':>8s} {'median ms':>10s} {'p95 ms':>8s} {'max ms':>8s}")
    worst = 0.0
    for name, factory in explorer_factories().items():
        t = measure(factory, args.repeats) * 1e3
        p95 = float(np.percentile(t, 95))
        worst = max(worst, p95)
        print(f"{name:45s} {t.size:8d} {np.median(t):10.1f} {p95:8.1f} {t.max():8.1f}")
    print(f"\nworst p95: {worst:.1f} ms (target <= 100 ms)")


if __name__ == "__main__":
    main()
