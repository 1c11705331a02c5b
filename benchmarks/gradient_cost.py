"""Time per gradient against the number of parameters W: backpropagation vs finite differences.

Prints a table of median times and the fitted log-log slopes (expected: about 1 for
backpropagation, about 2 for finite differences, lower where fixed overheads dominate).
The measuring code is ``cost.time_gradients`` of
``course_utils.chapters.ch02_gradient_information``, the same call chapter 2 makes.

Run: ``.venv/bin/python benchmarks/gradient_cost.py [--quick]``
"""

import os
import sys
import time

# One BLAS thread: on a shared machine, multi-threaded BLAS timings vary tenfold with the
# load of the other cores. Set OPENBLAS_NUM_THREADS yourself to override.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from course_utils.chapters.ch02_gradient_information.cost import time_gradients  # noqa: E402


def main(quick=False):
    start = time.perf_counter()
    cost = time_gradients(quick=quick)
    elapsed = time.perf_counter() - start
    threads = os.environ["OPENBLAS_NUM_THREADS"]
    print(f"Time per gradient, tanh MLPs [10, h, h, 1], mse, batch N = {cost.N}, float64")
    print(f"(OPENBLAS_NUM_THREADS={threads})")
    print(f"{'W':>6} {'backprop (ms)':>14} {'finite diff (ms)':>17} {'ratio':>8}  fitted")
    for W, t_bp, t_fd in zip(cost.W, cost.t_backprop, cost.t_numerical, strict=True):
        mark = "*" if W >= cost.W_fit else ""
        print(f"{W:>6} {t_bp * 1e3:>14.3f} {t_fd * 1e3:>17.2f} {t_fd / t_bp:>8.0f}  {mark}")
    fitted = cost.W[cost.W >= cost.W_fit]
    print(f"log-log slopes fitted on W = {fitted.min()} .. {fitted.max()} (rows marked *):")
    print(f"  backprop           {cost.slope_backprop:.2f}   (O(W) expected: 1)")
    print(f"  finite differences {cost.slope_numerical:.2f}   (O(W^2) expected: 2)")
    print(f"  difference         {cost.slope_numerical - cost.slope_backprop:.2f}   (expected: 1)")
    print("Slopes below 1 and 2 mean that costs which do not grow like W (a fixed cost per")
    print("call, tanh once per unit ~ sqrt(W)) still count at these sizes; the difference is")
    print("the extra factor W that finite differences pay.")
    print(f"measured in {elapsed:.1f} s (medians; the machine may be shared and noisy)")


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:])
