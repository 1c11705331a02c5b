"""Time per gradient against the number of parameters W: backpropagation vs finite differences.

Prints, for each method, the counted multiply-adds and the median time of every network,
the number of calls of the loss per gradient times the median time of one call (1 call
for backpropagation; 2W forward passes for finite differences) and the time per
multiply-add, then the fit a + b W^k of one call (a: the fixed cost of a call) and the
resulting exponent of the cost of one gradient (theory: 1 for backpropagation, 2 for
finite differences). For comparison it also prints the slope of
a straight line through all points, which the fixed cost pulls down.
The measuring code is ``measure_gradient_cost`` of
``course_utils.chapters.ch02_gradient_information.cost``, the call chapter 2 makes (the
chapter uses ``quick=True``).

Run: ``.venv/bin/python benchmarks/gradient_cost.py [--quick]``
"""

import os
import sys
import time

# One BLAS thread: on a shared machine, multi-threaded BLAS timings vary tenfold with the
# load of the other cores. Set OPENBLAS_NUM_THREADS yourself to override.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from course_utils.chapters.ch02_gradient_information.cost import (  # noqa: E402
    loglog_slope,
    measure_gradient_cost,
)


def main(quick=False):
    start = time.perf_counter()
    cost = measure_gradient_cost(quick=quick, min_time=0.05 if quick else 0.2)
    elapsed = time.perf_counter() - start
    threads = os.environ["OPENBLAS_NUM_THREADS"]
    print(f"Time per gradient, tanh MLPs [64, h, 1], mse, batch N = {cost.N}, float64")
    print(f"(OPENBLAS_NUM_THREADS={threads}; medians over rounds that visit every network)")
    for name, r, theory in [
        ("backpropagation", cost.backprop, 1),
        ("finite differences", cost.numerical, 2),
    ]:
        print(f"\n{name}")
        print(
            f"{'W':>7} {'multiply-adds':>15} {'median (ms)':>12} {'calls x one call (ms)':>22}"
            f" {'ns / multiply-add':>18}"
        )
        rows = zip(r.W, r.multiply_adds, r.t, r.calls * r.t_call, strict=True)
        for W, m, t, t_calls in rows:
            ns = t_calls / m * 1e9
            print(f"{W:>7} {m:>15,} {t * 1e3:>12.3f} {t_calls * 1e3:>22.3f} {ns:>18.3f}")
        a, b, k = r.fit.a, r.fit.b, r.fit.k
        what = "one forward pass" if theory == 2 else "one call (= one gradient)"
        edge = " (at the edge of the range searched: no estimate)" if r.fit.at_bound else ""
        print(
            f"  fit of {what}: a + b W^k with a = {a * 1e6:.1f} us, b = {b:.3g} s, k = {k:.2f}"
            + edge
        )
        print(f"  exponent of the cost of one gradient: {r.slope:.2f}   (theory: {theory})")
        print(f"  a straight line through all medians:  {loglog_slope(r.W, r.t):.2f}")
        print(f"  slope between the two largest:        {r.measured:.2f}")
        count = loglog_slope(r.W, r.multiply_adds)
        print(f"  slope of the counted multiply-adds:   {count:.3f}")
    print(f"\nmeasured in {elapsed:.1f} s (the machine may be shared and noisy)")


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:])
