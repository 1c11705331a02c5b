r"""When SGD converges, and how the batch size and the learning rate trade (chapter 3).

The experiments run plain SGD on the chapter's line-fitting problem as a
:class:`~course_utils.least_squares.LeastSquares` (:func:`line_problem`), with batches
drawn with replacement (:func:`~course_utils.least_squares.sampled_gradients`), many
independent runs side by side as the rows of one array in the stepping core
(:class:`~course_utils.training.Descent`). The excess loss of a run is exact,
:math:`E(\mathbf w) - E^* = \tfrac12(\mathbf w - \mathbf w^*)^\top\mathbf H(\mathbf w -
\mathbf w^*)`, and is averaged over the runs: an estimate of its expectation.

- :func:`predicted_floor` and :func:`noise_floors`: with a fixed rate :math:`\eta` SGD
  settles where the pull of the slope balances the kicks of the noise. To first order in
  :math:`\eta` the expected excess loss there is :math:`\eta\operatorname{tr}
  \boldsymbol\Sigma^*/(4B)`, with :math:`\boldsymbol\Sigma^*` the covariance of one
  example's gradient at the minimum.
- :func:`excess_curves` and :func:`loglog_slope`: runs with fixed rates or a decreasing
  step :math:`\eta_k = a/(b + k)` (a schedule), and how fast their excess loss falls;
  :func:`expected_excess` computes the expectation that many runs average to, exactly.
- :func:`batch_sweep`, :func:`noise_scale` (:func:`noise_scale_at`) and
  :func:`critical_batch_size`: the best rate
  and the steps to a target loss for each batch size, the gradient noise scale, and the
  batch size beyond which larger batches stop saving steps.
"""

from typing import NamedTuple

import numpy as np

from course_utils import _validate
from course_utils.data import make_linear_regression
from course_utils.least_squares import (
    gradient_covariance,
    least_squares_problem,
    sampled_gradients,
)
from course_utils.optimizers import SGD, run
from course_utils.training import Descent

START = (-0.5, 1.5)  # the chapter's starting point (w, b)


def line_problem(n=64, noise=0.5, seed=0):
    r"""The chapter's line :math:`y = 2x - 1 + \varepsilon` as a least-squares problem.

    ``make_linear_regression(n, noise=noise, seed=seed)`` with the features
    :math:`(x, 1)`, so that :math:`\mathbf w = (w, b)`; it starts at :math:`(-0.5, 1.5)`.
    With ``noise=0`` the line fits every example exactly: every example's gradient
    vanishes at the minimum (interpolation).

    Examples
    --------
    >>> p = line_problem(noise=0.0)
    >>> p.w_star.round(12).tolist(), p.E_star < 1e-25
    ([2.0, -1.0], True)
    """
    data = make_linear_regression(n=n, noise=noise, seed=seed)
    X = np.column_stack([data.X[:, 0], np.ones(len(data.X))])
    return least_squares_problem(X, data.y[:, 0], start=START)


def _excess(problem, W):
    E = W - problem.w_star
    return 0.5 * np.einsum("kd,de,ke->k", E, problem.H, E)


def predicted_floor(problem, lr, batch_size=1):
    r"""The noise floor of SGD with a fixed rate, to first order in :math:`\eta`:
    :math:`\eta\operatorname{tr}\boldsymbol\Sigma^*/(4B)`.

    Near the minimum the error :math:`\mathbf e = \mathbf w - \mathbf w^*` follows
    :math:`\mathbf e \leftarrow (\mathbf I - \eta\mathbf H)\mathbf e - \eta\boldsymbol\xi`
    with noise of covariance :math:`\boldsymbol\Sigma^*/B`. Its stationary covariance
    :math:`\mathbf C` solves :math:`\mathbf H\mathbf C + \mathbf C\mathbf H = \eta
    \boldsymbol\Sigma^*/B + O(\eta^2)`, whose trace after multiplying by :math:`\mathbf H`
    gives :math:`E[E - E^*] = \tfrac12\operatorname{tr}(\mathbf H\mathbf C) =
    \eta\operatorname{tr}\boldsymbol\Sigma^*/(4B)`, whatever the curvature.
    """
    lr = _validate.positive("lr", lr)
    B = _validate.integer("batch_size", batch_size, lo=1)
    return lr * float(np.trace(gradient_covariance(problem, problem.w_star))) / (4 * B)


class Curves(NamedTuple):
    """The excess loss of SGD runs, averaged over the runs, at recorded steps."""

    steps: np.ndarray  # (n,): the step counts k at which it was recorded
    excess: np.ndarray  # (len(rates), n): the mean over the runs of E(w_k) - E*


def excess_curves(problem, rates, batch_size=1, steps=1000, runs=20, seed=0, record=None):
    r"""Run ``runs`` copies of SGD for each rate side by side and average their excess loss.

    ``rates`` holds one learning rate per curve: a number, or a schedule ``k -> η_k``
    (e.g. :func:`course_utils.schedules.decreasing`). Every run starts at the problem's
    start and draws its own batches of ``batch_size`` examples with replacement (one
    generator seeded by ``seed``). All runs are the rows of one array in the stepping
    core; since plain SGD's step is linear in the rate, row :math:`r` at step :math:`k`
    is ``SGD(lr=1)`` on :math:`\eta^{(r)}_k` times its batch gradient. The mean excess loss
    of each rate's runs is recorded after the steps in ``record`` (default: every step).

    Returns
    -------
    Curves
    """
    rates = list(rates)
    for r in rates:
        if not callable(r):
            _validate.positive("rate", r)
    steps = _validate.integer("steps", steps, lo=1)
    runs = _validate.integer("runs", runs, lo=1)
    record = np.arange(1, steps + 1) if record is None else np.unique(np.asarray(record, int))
    if record.ndim != 1 or record.min() < 1 or record.max() > steps:
        raise ValueError(f"record must hold step counts in [1, {steps}]")
    grad, clock = sampled_gradients(problem, batch_size, seed), iter(range(steps))

    def oracle(W):
        k = next(clock)
        eta = [r(k) if callable(r) else r for r in rates]
        return None, np.repeat(eta, runs)[:, None] * grad(W)

    W0 = np.tile(problem.surface.start, (len(rates) * runs, 1))
    descent = Descent(SGD(lr=1.0), oracle, W0)
    wanted, excess = set(record.tolist()), []
    for step in descent.take(steps):
        if step.k + 1 in wanted:
            excess.append(_excess(problem, step.w).reshape(len(rates), runs).mean(axis=1))
    return Curves(record[: len(excess)], np.array(excess).T.reshape(len(rates), -1))


class Floors(NamedTuple):
    """Measured and predicted noise floors of SGD, one per learning rate."""

    lrs: np.ndarray
    measured: np.ndarray  # the mean excess loss over the second half of the runs
    predicted: np.ndarray  # eta tr(Sigma*) / (4B)


def noise_floors(problem, lrs, batch_size=1, steps=2000, runs=20, seed=0):
    """The floor of each fixed rate: the excess loss averaged over the runs and over the
    second half of ``steps`` steps (long enough to have settled), beside
    :func:`predicted_floor`.

    Returns
    -------
    Floors
    """
    lrs = np.array([_validate.positive("lr", lr) for lr in lrs])
    curves = excess_curves(problem, lrs, batch_size, steps, runs, seed)
    measured = curves.excess[:, steps // 2 :].mean(axis=1)
    predicted = [predicted_floor(problem, float(lr), batch_size) for lr in lrs]
    return Floors(lrs, measured, np.array(predicted))


def decreasing_limit(problem, a, b, k, batch_size=1):
    r"""The :math:`O(1/k)` law of SGD with :math:`\eta_k = a/(b + k)`, for large :math:`k`.

    Along an eigenvector :math:`\mathbf u_i` (curvature :math:`\lambda_i`, noise variance
    :math:`s_i = \mathbf u_i^\top\boldsymbol\Sigma^*\mathbf u_i/B`) the mean square
    error :math:`v` follows :math:`v \leftarrow (1 - \eta_k\lambda_i)^2 v + \eta_k^2 s_i`.
    Trying :math:`v = C/(b + k)` and keeping the terms of order :math:`1/k^2` gives
    :math:`C(2a\lambda_i - 1) = a^2 s_i`, so

    .. math::

        E[E(\mathbf w_k) - E^*] \approx \sum_i \frac{\lambda_i}{2}\,
        \frac{a^2 s_i}{(2a\lambda_i - 1)(b + k)},

    which needs :math:`2a\lambda_{\min} > 1`. For a smaller :math:`a` the start is
    forgotten only like :math:`k^{-2a\lambda_{\min}}`, slower than :math:`1/k`: that
    case raises ``ValueError``.
    """
    a, b = _validate.positive("a", a), _validate.positive("b", b)
    B = _validate.integer("batch_size", batch_size, lo=1)
    lam, U = np.linalg.eigh(problem.H)
    if 2 * a * lam[0] <= 1:
        raise ValueError(
            f"a must be > 1/(2 λmin) = {1 / (2 * lam[0]):g} for the 1/k law, got {a:g}"
        )
    s = np.diag(U.T @ gradient_covariance(problem, problem.w_star) @ U) / B
    k = np.asarray(k, dtype=float)
    return float(np.sum(lam * a * a * s / (2 * (2 * a * lam - 1)))) / (b + k)


def loglog_slope(steps, values, lo=0):
    r"""The slope of :math:`\ln` ``values`` against :math:`\ln` ``steps`` (least squares),
    over the steps (or other x values) at or after ``lo``: :math:`-1` for a fall like
    :math:`1/k`."""
    steps, values = np.asarray(steps, dtype=float), np.asarray(values, dtype=float)
    keep = steps >= lo
    if keep.sum() < 2:
        raise ValueError(f"need two steps at or after lo = {lo}, got {keep.sum()}")
    return float(np.polyfit(np.log(steps[keep]), np.log(values[keep]), 1)[0])


def expected_excess(problem, lrs, batch_sizes=(1,), steps=1000):
    r"""The expected excess loss of SGD, exactly, for every batch size and rate at once.

    With batches of :math:`B` examples drawn with replacement the error
    :math:`\mathbf e = \mathbf w - \mathbf w^*` follows :math:`\mathbf e \leftarrow
    (\mathbf I - \eta\mathbf A)\mathbf e + \eta\mathbf c`, with
    :math:`\mathbf A = \frac1B\sum_i\mathbf x_i\mathbf x_i^\top` and
    :math:`\mathbf c = \frac1B\sum_i\mathbf x_i\varepsilon_i` over the batch
    (:math:`\varepsilon_n = y_n - \mathbf x_n^\top\mathbf w^*`), drawn afresh at every
    step. Its mean :math:`\mathbf m` and second moment :math:`\mathbf M =
    E[\mathbf e\mathbf e^\top]` then obey, exactly,

    .. math::

        \mathbf m &\leftarrow (\mathbf I - \eta\mathbf H)\mathbf m, \\
        \mathbf M &\leftarrow \mathbf M - \eta(\mathbf H\mathbf M + \mathbf M\mathbf H)
        + \eta^2\Bigl[\tfrac1B\mathbf Q(\mathbf M) + (1 - \tfrac1B)\mathbf H\mathbf M
        \mathbf H\Bigr] - \tfrac{\eta^2}{B}\bigl(\mathbf P + \mathbf P^\top\bigr)
        + \tfrac{\eta^2}{B}\boldsymbol\Sigma^*,

    with :math:`\mathbf Q(\mathbf M) = \frac1N\sum_n (\mathbf x_n^\top\mathbf M
    \mathbf x_n)\mathbf x_n\mathbf x_n^\top`, :math:`\mathbf P = \frac1N\sum_n
    \varepsilon_n(\mathbf x_n^\top\mathbf m)\mathbf x_n\mathbf x_n^\top` and
    :math:`\boldsymbol\Sigma^* = \frac1N\sum_n\varepsilon_n^2\mathbf x_n
    \mathbf x_n^\top`; the expected excess loss is :math:`\tfrac12
    \operatorname{tr}(\mathbf H\mathbf M)`. No sampling, so no sampling error: what
    many runs of :func:`excess_curves` average to.

    Returns
    -------
    ndarray of shape (steps, len(batch_sizes), len(lrs))
        The expected excess after steps 1, ..., ``steps``; inf once it overflows.
    """
    X, H = problem.X, problem.H
    N, d = X.shape
    lrs = np.array([_validate.positive("lr", lr) for lr in lrs])[None, :, None, None]
    inv_B = 1.0 / np.array([_validate.integer("batch size", B, lo=1) for B in batch_sizes],
                           dtype=float)[:, None, None, None]  # fmt: skip
    steps = _validate.integer("steps", steps, lo=1)
    eps = problem.y - X @ problem.w_star
    XX = np.einsum("ni,nj->nij", X, X)
    K4 = np.einsum("na,nb,nij->abij", X, X, XX) / N  # Q(M) = sum_ab M_ab K4[a, b]
    J3 = np.einsum("n,na,nij->aij", eps, X, XX) / N  # P = sum_a m_a J3[a]
    S = np.einsum("n,nij->ij", eps**2, XX) / N
    e0 = problem.surface.start - problem.w_star
    shape = (len(inv_B[:, 0, 0, 0]), lrs.shape[1])
    m = np.broadcast_to(e0, shape + (d,)).copy()
    M = np.broadcast_to(np.outer(e0, e0), shape + (d, d)).copy()
    out = np.empty((steps,) + shape)
    with np.errstate(all="ignore"):
        for k in range(steps):
            Q = np.einsum("...ab,abij->...ij", M, K4)
            P = np.einsum("...a,aij->...ij", m, J3)
            HM = H @ M
            M = (M - lrs * (HM + M @ H)
                 + lrs**2 * (inv_B * Q + (1 - inv_B) * (HM @ H))
                 - lrs**2 * inv_B * (P + P.swapaxes(-1, -2)) + lrs**2 * inv_B * S)  # fmt: skip
            m = m - lrs[..., 0] * (m @ H)
            out[k] = 0.5 * np.einsum("ij,...ji->...", H, M)
    return np.where(np.isfinite(out), out, np.inf)


class Sweep(NamedTuple):
    """Steps to a target expected excess loss, for each batch size and learning rate."""

    batch_sizes: np.ndarray  # (nB,)
    lrs: np.ndarray  # (nL,)
    steps: np.ndarray  # (nB, nL): steps after which the expected excess stays <= target
    best_lr: np.ndarray  # (nB,): the rate with the fewest steps
    min_steps: np.ndarray  # (nB,): that number of steps
    target: float


def batch_sweep(problem, batch_sizes, lrs, target, max_steps=3000):
    r"""For each batch size and rate, the steps after which the expected excess loss
    (:func:`expected_excess`) stays at most ``target`` (up to ``max_steps``); the best
    rate and its steps.

    "Stays" matters: with a large rate the error's mean can shrink below the target a few
    steps before the noise has built up to its floor, and a first crossing would credit
    a rate whose floor lies above the target. A rate that ends above the target, or
    diverges, gets nan.

    Returns
    -------
    Sweep
    """
    target = _validate.positive("target", target)
    batch_sizes = np.array([_validate.integer("batch size", B, lo=1) for B in batch_sizes])
    lrs = np.array([_validate.positive("lr", lr) for lr in lrs])
    excess = expected_excess(problem, lrs, batch_sizes, max_steps)
    above = excess > target  # (steps, nB, nL)
    last_above = max_steps - 1 - above[::-1].argmax(axis=0)  # the last step still above
    steps = np.where(above[-1], np.nan, np.where(above.any(axis=0), last_above + 2.0, 1.0))
    if np.all(np.isnan(steps), axis=1).any():
        raise ValueError("no learning rate reached the target for some batch size")
    best = np.nanargmin(steps, axis=1)
    rows = np.arange(len(batch_sizes))
    return Sweep(batch_sizes, lrs, steps, lrs[best], steps[rows, best], target)


def noise_scale(problem, w):
    r"""The gradient noise scale :math:`B_{\text{noise}} = \operatorname{tr}
    \boldsymbol\Sigma(\mathbf w)/\lVert\nabla E(\mathbf w)\rVert^2` at ``w``.

    A batch of :math:`B` examples estimates the gradient with an error of mean square
    :math:`\operatorname{tr}\boldsymbol\Sigma/B`; at :math:`B = B_{\text{noise}}` that
    equals the squared length of the gradient itself. Much smaller batches are mostly
    noise, much larger ones add little information (McCandlish et al. 2018, their "simple"
    noise scale).
    """
    w = _validate.array("w", w, shape=problem.w_star.shape)
    g = problem.H @ (w - problem.w_star)
    return float(np.trace(gradient_covariance(problem, w)) / (g @ g))


def noise_scale_at(problem, target, lr=0.1, max_steps=100_000):
    r"""The noise scale (:func:`noise_scale`) where full-batch gradient descent with rate
    ``lr``, from the problem's start, first brings the excess loss to ``target``."""
    target = _validate.positive("target", target)
    surface = problem.surface

    def reached(w):
        return float(surface.value(w)) <= target

    path = run(SGD(lr=lr), surface.grad, surface.start, max_steps, until=reached)
    if not reached(path.points[-1]):
        raise ValueError(f"gradient descent with lr = {lr:g} did not reach target = {target:g}")
    return noise_scale(problem, path.points[-1])


def critical_batch_size(batch_sizes, min_steps):
    r"""Fit :math:`S(B) = S_{\min}(1 + B_{\text{crit}}/B)` to the fewest steps per batch
    size; returns :math:`(S_{\min}, B_{\text{crit}})`.

    The fit minimises the squared differences of the logarithms (each batch size counts
    alike, whether it needs thousands of steps or three): for each :math:`B_{\text{crit}}`
    on a fine logarithmic grid the best :math:`S_{\min}` is a geometric mean, and the
    grid point with the smallest residual wins. McCandlish et al. (2018) find this shape:
    below :math:`B_{\text{crit}}` doubling the batch nearly halves the steps, above it the
    steps approach :math:`S_{\min}`, the count of exact-gradient descent.

    Examples
    --------
    >>> s_min, b_crit = critical_batch_size([1, 2, 4, 100], [110, 60, 35, 11])  # 10 (1 + 10/B)
    >>> round(s_min, 3), round(b_crit, 3)
    (10.0, 10.0)
    """
    B = np.array([_validate.positive("batch size", b) for b in batch_sizes])
    S = np.array([_validate.positive("steps", s) for s in min_steps])
    if len(B) != len(S) or len(B) < 2:
        raise ValueError("batch_sizes and min_steps must be two or more numbers each")
    grid = np.geomspace(B.min() / 100, B.max() * 100, 20001)
    logs = np.log(1 + grid[:, None] / B[None, :])  # (grid, nB)
    log_s_min = np.mean(np.log(S) - logs, axis=1)
    residual = np.sum((np.log(S) - log_s_min[:, None] - logs) ** 2, axis=1)
    best = int(np.argmin(residual))
    return float(np.exp(log_s_min[best])), float(grid[best])
