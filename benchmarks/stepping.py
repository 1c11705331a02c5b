"""Per-step overhead of the optimizers and of the stepping loops, before and after a change.

Times, on a 2-vector (where the overhead is all there is):

* ``SGD.step`` and ``Adam.step``, the public steps, which check their arguments;
* the bare update ``w - lr * g``, the floor;
* one step of ``optimizers.run`` (SGD, 1000 steps, no loss), and of ``training.train``
  (SGD, full batch of 4 examples, 200 epochs: one step and one evaluation an epoch);
* where the code has them: ``SGD.update`` / ``Adam.update`` (the rule without the checks)
  and one step of the stepping core, ``Descent`` (SGD, 1000 steps).

Everything is taken from the package's namespace (``course_utils.SGD``, ``.run``, ...),
which both versions have.

The same measurements run on two copies of ``course_utils``: this checkout ("after") and
the one of an earlier commit ("before", extracted with ``git archive`` into a temporary
folder), each in its own process, alternating round by round so that a change in the
machine's load hits both. Prints the median and 95th percentile of the per-step times
(each sample is the mean over a batch of calls) and the ratio before / after of the
medians.

Run: ``.venv/bin/python benchmarks/stepping.py [--before 7f4ae5e] [--rounds 7]``
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# One BLAS thread: on a shared machine, multi-threaded BLAS timings vary with the load.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

ROOT = Path(__file__).resolve().parents[1]
CALLS = 2000  # calls per sample for the one-call measurements
SAMPLES = 15  # samples per measurement in each round


def _per_call(f, calls):
    """Mean seconds per call of ``f`` over ``calls`` calls."""
    t0 = time.perf_counter()
    for _ in range(calls):
        f()
    return (time.perf_counter() - t0) / calls


def measurements():
    """Name -> (function, how many steps one call of it makes), for this course_utils."""
    import numpy as np

    import course_utils as cu

    w, g = np.array([1.0, -2.0]), np.array([0.5, 0.25])
    sgd, adam = cu.SGD(lr=0.1), cu.Adam(lr=0.1)
    s_sgd, s_adam = sgd.init(w), adam.init(w)
    X, y = np.array([[1.0], [2.0], [3.0], [4.0]]), np.array([1.0, 2.0, 2.5, 4.5])

    class Line:  # y = w x + b, the model protocol of train
        def __init__(self):
            self.wb = np.zeros(2)

        def get_flat(self):
            return self.wb.copy()

        def set_flat(self, wb):
            self.wb = np.array(wb, dtype=float)

        def flat_loss_and_grad(self, wb, X, y):
            r = wb[0] * X[:, 0] + wb[1] - y
            return 0.5 * float(r @ r) / len(y), np.array([r @ X[:, 0], r.sum()]) / len(y)

    found = {
        "bare update w - lr g": (lambda: w - 0.1 * g, 1),
        "SGD.step": (lambda: sgd.step(w, g, s_sgd), 1),
        "Adam.step": (lambda: adam.step(w, g, s_adam), 1),
        "run: one step (SGD)": (lambda: cu.run(sgd, lambda w: w, w, 1000), 1000),
        "train: one step (SGD)": (lambda: cu.train(Line(), X, y, cu.SGD(lr=0.05), epochs=200), 200),
    }
    if hasattr(sgd, "update"):
        found["SGD.update"] = (lambda: sgd.update(w, g, s_sgd, 0.1), 1)
        found["Adam.update"] = (lambda: adam.update(w, g, s_adam, 0.1), 1)
    if hasattr(cu, "Descent"):

        def core():
            for _ in cu.Descent(sgd, lambda w: (None, w), w).take(1000):
                pass

        found["Descent: one step (SGD)"] = (core, 1000)
    return found


def worker():
    """Print {name: [seconds per step, one per sample]} as JSON for this course_utils."""
    import course_utils

    times = {"_path": course_utils.__file__}
    for name, (f, steps) in measurements().items():
        calls = max(1, CALLS // steps)
        f()  # warm-up
        times[name] = [_per_call(f, calls) / steps for _ in range(SAMPLES)]
    print(json.dumps(times))


def run_worker(path):
    env = {**os.environ, "PYTHONPATH": str(path)}
    out = subprocess.run(
        [sys.executable, __file__, "--worker"], env=env, check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="7f4ae5e", help="the commit to compare with")
    parser.add_argument("--rounds", type=int, default=7, help="rounds, before and after each")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker()
    import numpy as np

    with tempfile.TemporaryDirectory() as before:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", args.before, "course_utils"],
            check=True,
            capture_output=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", before], input=archive, check=True)
        samples = {"before": {}, "after": {}}
        for _ in range(args.rounds):
            for label, path in (("before", before), ("after", ROOT)):
                result = run_worker(path)
                assert Path(result.pop("_path")).is_relative_to(path), "wrong course_utils"
                for name, times in result.items():
                    samples[label].setdefault(name, []).extend(times)
    names = list(dict.fromkeys([*samples["before"], *samples["after"]]))
    print(f"per step, on a 2-vector; {args.rounds} rounds x {SAMPLES} samples, alternated "
          f"(OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}); "
          f"before = {args.before}, after = this checkout")  # fmt: skip
    print(f"{'':26}{'before median':>14}{'p95':>8}{'after median':>14}{'p95':>8}{'ratio':>7}")
    for name in names:
        row, medians = f"{name:26}", []
        for label in ("before", "after"):
            t = np.array(samples[label].get(name, [])) * 1e6  # absent from that version: —
            medians.append(np.median(t) if t.size else None)
            cells = f"{np.median(t):>11.2f} µs{np.percentile(t, 95):>8.2f}" if t.size else "—"
            row += f"{cells:>22}"
        ratio = f"{medians[0] / medians[1]:.2f}" if None not in medians else "—"
        print(f"{row}{ratio:>7}")


if __name__ == "__main__":
    main()
