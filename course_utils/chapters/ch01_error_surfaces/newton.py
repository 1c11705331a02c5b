r"""The Hessian put to use (chapter 1): Newton's method, its cost, line searches, L-BFGS.

- :func:`steps_to_reach`: how many steps an optimizer needs to shrink the distance to a
  surface's minimum by a factor ``tol`` (Newton's one step on a quadratic against
  gradient descent's many).
- :func:`newton_cost`: what a Newton step costs on a network with :math:`W` weights, next
  to a gradient and a Hessian-vector product: multiply-adds counted, seconds measured.
- :func:`descend`: a run of the stepping core that keeps what a line search chose at each
  step (the accepted step size, the values of :math:`E` it computed), until the
  gradient is small; :func:`rates_against_search` and :func:`second_order_runs` race
  fixed rates against a line search, and damped Newton against L-BFGS.
- :func:`ill_conditioned_quadratic`: a quadratic with many weights and a large condition
  number, on which to compare Newton, L-BFGS and gradient descent.

Everything runs in :class:`course_utils.training.Descent` with the optimizers of
:mod:`course_utils.second_order` and :mod:`course_utils.line_search`.
"""

import time
from typing import NamedTuple

import numpy as np

from course_utils import _validate
from course_utils.calculus import hessian_vector_product
from course_utils.line_search import Backtracking
from course_utils.nn import MLP
from course_utils.optimizers import SGD, Optimizer, run
from course_utils.second_order import LBFGS, Newton
from course_utils.surfaces import quadratic
from course_utils.training import Descent, Divergence, gradient_oracle


def steps_to_reach(optimizer, surface, w0=None, tol=1e-6, max_steps=100_000):
    r"""The number of steps until :math:`\lVert\mathbf w_k - \mathbf w^*\rVert \le`
    ``tol`` :math:`\cdot\,\lVert\mathbf w_0 - \mathbf w^*\rVert`, or None if not within
    ``max_steps`` (or if the run diverges).

    :math:`\mathbf w^*` is the surface's first minimum and :math:`\mathbf w_0` its start
    unless given.

    Examples
    --------
    >>> from course_utils.optimizers import SGD
    >>> from course_utils.surfaces import bowl
    >>> steps_to_reach(SGD(lr=0.5), bowl(1.0, 1.0), tol=0.25)  # halves the error per step
    2
    """
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be an Optimizer, got {type(optimizer).__name__}")
    w_star = np.asarray(surface.minima[0], dtype=float)
    w0 = _validate.array("w0", surface.start if w0 is None else w0)
    tol = _validate.number("tol", tol, 0.0, 1.0, lo_open=True, hi_open=True)
    max_steps = _validate.integer("max_steps", max_steps, lo=1)
    goal = tol * float(np.linalg.norm(w0 - w_star))

    def until(w):
        return float(np.linalg.norm(w - w_star)) <= goal

    traj = run(optimizer, surface.grad, w0, max_steps, until=until)
    return traj.steps if not traj.diverged and until(traj.points[-1]) else None


class Cost(NamedTuple):
    """What one Newton step costs beside a gradient, for networks of several sizes.

    Counts are multiply-adds, times are medians in seconds on this machine. A gradient
    of the ``[8, M, 1]`` network on :math:`N` examples costs about :math:`3NW`
    multiply-adds (forward pass, and backward pass twice as long); a Hessian-vector
    product two gradients; the Hessian :math:`W` products; the solve about
    :math:`W^3/3`.
    """

    W: np.ndarray  # the number of weights of each network
    gradient: np.ndarray  # multiply-adds of one gradient, about 3 N W
    product: np.ndarray  # of one Hessian-vector product, two gradients
    hessian: np.ndarray  # of the whole Hessian, W products
    solve: np.ndarray  # of the W x W solve, about W^3 / 3
    t_gradient: np.ndarray  # seconds, measured
    t_product: np.ndarray
    t_hessian: np.ndarray
    t_solve: np.ndarray


def _median_time(f, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def newton_cost(widths=(8, 32, 100), N=64, repeats=5, seed=0):
    r"""Count and time a gradient, a Hessian-vector product, the Hessian and the solve.

    For each width :math:`M` a ``[8, M, 1]`` ``tanh`` network (:math:`W = 10M + 1`
    weights) on :math:`N` random examples: the gradient by backpropagation, the product
    :math:`\mathbf H\mathbf v` by :func:`~course_utils.calculus.hessian_vector_product`
    (two gradients), the Hessian as :math:`W` such products (one per unit vector, then
    symmetrised), and the solve of :math:`(\mathbf H + \mathbf I)\mathbf d = \mathbf g`
    (shifted so that it is well posed). Times are the median of ``repeats`` runs (the
    Hessian is built once); a busy machine makes them wander, the counts do not.

    Returns
    -------
    Cost
    """
    widths = [_validate.integer("width", M, lo=1) for M in widths]
    N = _validate.integer("N", N, lo=1)
    repeats = _validate.integer("repeats", repeats, lo=1)
    gen = _validate.rng(seed)
    rows = []
    for M in widths:
        net = MLP([8, M, 1], seed=seed)
        X, y = gen.normal(size=(N, 8)), gen.normal(size=(N, 1))
        w = net.get_flat()
        W = w.size

        def grad(u, X=X, y=y, net=net):
            return net.flat_loss_and_grad(u, X, y)[1]

        g, v = grad(w), gen.normal(size=W)

        def hessian(w=w, W=W, grad=grad):
            H = np.column_stack([hessian_vector_product(grad, w, e) for e in np.eye(W)])
            return (H + H.T) / 2

        start = time.perf_counter()
        shifted = hessian() + np.eye(W)
        t_hessian = time.perf_counter() - start
        counts = (3 * N * W, 6 * N * W, 6 * N * W * W, W**3 / 3)
        times = (
            _median_time(lambda w=w, grad=grad: grad(w), repeats),
            _median_time(lambda w=w, v=v, grad=grad: hessian_vector_product(grad, w, v), repeats),
            t_hessian,
            _median_time(lambda s=shifted, g=g: np.linalg.solve(s, g), repeats),
        )
        rows.append((W, *counts, *times))
    columns = [np.array(c) for c in zip(*rows, strict=True)]
    columns[0] = columns[0].astype(int)
    return Cost(*columns)


class Search(NamedTuple):
    """A run of :func:`descend`: the points, the errors and what the line search did."""

    points: np.ndarray  # (k + 1, n): w_0, ..., w_k
    losses: np.ndarray  # (k + 1,): E at each point
    lrs: np.ndarray  # (k,): the step size each step took (the accepted one, with a search)
    evaluations: int  # values of E the line search computed (0 without one)
    steps: int  # k
    converged: bool  # whether max |grad E| <= gtol at the last point


def descend(optimizer, surface, w0=None, gtol=1e-8, max_steps=1000):
    r"""Run ``optimizer`` on ``surface`` until :math:`\max_i |\partial E/\partial w_i| \le`
    ``gtol``, keeping the step size of every step.

    With a :class:`~course_utils.line_search.Backtracking` optimizer the step size is the
    one its search accepted and ``evaluations`` counts the values of :math:`E` it computed;
    otherwise it is the learning rate. The run also stops after ``max_steps`` steps or
    when it diverges (the default rule of :class:`~course_utils.training.Divergence`).

    Returns
    -------
    Search
    """
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be an Optimizer, got {type(optimizer).__name__}")
    w0 = _validate.array("w0", surface.start if w0 is None else w0)
    gtol = _validate.positive("gtol", gtol)
    max_steps = _validate.integer("max_steps", max_steps, lo=0)
    descent = Descent(optimizer, gradient_oracle(surface.grad), w0, rule=Divergence())
    points, lrs, evaluations = [descent.w], [], 0

    def done(w):
        return float(np.max(np.abs(surface.grad(w)))) <= gtol

    if not done(descent.w):
        for step in descent.take(max_steps):
            points.append(step.w)
            searched = hasattr(step.state, "evaluations")
            lrs.append(step.state.lr if searched else step.lr)
            evaluations = step.state.evaluations if searched else 0
            if done(step.w):
                break
    points = np.array(points)
    return Search(
        points=points,
        losses=np.array([float(surface.value(p)) for p in points]),
        lrs=np.array(lrs, dtype=float),
        evaluations=evaluations,
        steps=len(points) - 1,
        converged=done(points[-1]),
    )


def rates_against_search(surface, rates, max_steps=2000, gtol=1e-8):
    r"""Gradient descent with each fixed rate, and with a backtracking search from 1.

    Each run goes until :math:`\max_i |\partial E/\partial w_i| \le` ``gtol`` (see
    :func:`descend`). Returns ``(outcomes, search)``: one string per rate and one for the
    search, the number of steps, ``"> max_steps"`` or ``"diverged"``, and the
    :class:`Search` of the line-search run.
    """

    def outcome(r):
        if r.converged:
            return str(r.steps)
        return "diverged" if r.steps < max_steps else f"> {max_steps}"

    runs = [descend(SGD(lr=lr), surface, gtol=gtol, max_steps=max_steps) for lr in rates]
    search = descend(Backtracking(SGD(lr=1.0), surface.value), surface, gtol=gtol,
                     max_steps=max_steps)  # fmt: skip
    return [outcome(r) for r in [*runs, search]], search


def second_order_runs(surface, gtol=1e-8, history_size=10, min_curvature=1e-3):
    """Damped Newton and L-BFGS, each with a backtracking search, until the gradient is
    small: ``{"Newton": Search, "L-BFGS": Search}``."""
    damped = Newton(surface.hessian, min_curvature=min_curvature)
    return {
        "Newton": descend(Backtracking(damped, surface.value), surface, gtol=gtol),
        "L-BFGS": descend(
            Backtracking(LBFGS(history_size=history_size), surface.value), surface, gtol=gtol
        ),  # fmt: skip
    }


def ill_conditioned_quadratic(n=100, kappa=1000.0, seed=0):
    r"""A quadratic in ``n`` dimensions whose Hessian has eigenvalues from 1 to ``kappa``.

    :math:`E(\mathbf w) = \tfrac12(\mathbf w - \mathbf 1)^\top\mathbf H(\mathbf w - \mathbf
    1)` with :math:`\mathbf H = \mathbf Q\,\mathrm{diag}(\lambda)\,\mathbf Q^\top`, the
    :math:`\lambda_i` spaced evenly on a log scale from 1 to :math:`\kappa` and
    :math:`\mathbf Q` a random rotation (seeded); it starts at :math:`\mathbf 0`.

    Returns
    -------
    course_utils.surfaces.Surface

    Examples
    --------
    >>> s = ill_conditioned_quadratic(n=5, kappa=16.0)
    >>> s.eigenvalues.round(6).tolist(), s.minima[0].tolist()
    ([1.0, 2.0, 4.0, 8.0, 16.0], [1.0, 1.0, 1.0, 1.0, 1.0])
    """
    n = _validate.integer("n", n, lo=2)
    kappa = _validate.number("kappa", kappa, lo=1.0)
    Q = np.linalg.qr(_validate.rng(seed).normal(size=(n, n)))[0]
    H = Q @ np.diag(np.geomspace(1.0, kappa, n)) @ Q.T
    return quadratic((H + H.T) / 2, center=np.ones(n), start=np.zeros(n),
                     title=f"A quadratic with n = {n}, κ = {kappa:g}")  # fmt: skip
