"""Backward pass / forward pass time for a 784-256-256-10 tanh network (cross-entropy).

Times ``MLP.loss`` (forward only) and ``MLP.loss_and_grad`` (forward + backward) on a batch
of 256 float64 examples, and prints medians, 95th percentiles and the ratios

* backward / forward = (loss_and_grad - forward) / forward   (target: at most 3)
* loss_and_grad / forward.

Run: ``.venv/bin/python benchmarks/backprop.py``
"""

import os
import time

# One BLAS thread: on a shared machine, multi-threaded BLAS timings vary tenfold with the
# load of the other cores. Set OPENBLAS_NUM_THREADS yourself to override.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

from course_utils import MLP  # noqa: E402

SIZES = [784, 256, 256, 10]
N = 256
RUNS = 50


def timings(f, g, runs):
    """Time ``f()`` and ``g()`` alternately, so a change in the machine's load hits both."""
    f(), g()  # warm-up
    t_f, t_g = [], []
    for _ in range(runs):
        for fun, times in ((f, t_f), (g, t_g)):
            t0 = time.perf_counter()
            fun()
            times.append(time.perf_counter() - t0)
    return np.array(t_f), np.array(t_g)


def main():
    gen = np.random.default_rng(0)
    net = MLP(SIZES, activation="tanh", loss="cross_entropy", seed=0)
    X = gen.normal(size=(N, SIZES[0]))
    y = gen.integers(0, SIZES[-1], size=N)
    t_fwd, t_all = timings(lambda: net.loss(X, y), lambda: net.loss_and_grad(X, y), RUNS)
    print(f"MLP {SIZES}, tanh, cross-entropy, batch {N}, float64, W = {net.n_params}")
    print(
        f"(OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}, {RUNS} runs each, alternated)"
    )
    print(f"{'':24}{'median (ms)':>12}{'p95 (ms)':>10}")
    for name, t in (("forward (loss)", t_fwd), ("loss_and_grad", t_all)):
        print(f"{name:24}{np.median(t) * 1e3:>12.2f}{np.percentile(t, 95) * 1e3:>10.2f}")
    fwd, both = np.median(t_fwd), np.median(t_all)
    print(f"backward / forward      {(both - fwd) / fwd:>12.2f}   (target <= 3)")
    print(f"loss_and_grad / forward {both / fwd:>12.2f}")


if __name__ == "__main__":
    main()
