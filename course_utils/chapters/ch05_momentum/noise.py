r"""Momentum and gradient noise: the noise floor at equal effective step (chapter 5).

With a fixed rate, SGD does not settle at :math:`\mathbf w^*` but hovers where the pull
of the slope balances the kicks of the noise (chapter 3's noise floor). Does momentum,
which averages about :math:`1/(1-\beta)` gradients, hover lower? Near the minimum the
error :math:`e = \mathbf u_i^\top(\mathbf w - \mathbf w^*)` along an eigen-direction
:math:`(\lambda_i, \mathbf u_i)` of :math:`\mathbf H` follows, for torch's momentum
(:math:`\mathbf v \leftarrow \beta\mathbf v + \mathbf g`, :math:`\mathbf w \leftarrow
\mathbf w - \eta\mathbf v`) with the gradient :math:`\lambda_i e + \xi` and noise
:math:`\xi` of variance :math:`s_i^2`,

.. math::

    e_{k+1} = (1 + \beta - \eta\lambda_i)\, e_k - \beta\, e_{k-1} - \eta\,\xi_k,

an autoregression of order two whose stationary variance is
:math:`\frac{(1+\beta)\,\eta^2 s_i^2}{(1-\beta)\, h_i (2 + 2\beta - h_i)}` with
:math:`h_i = \eta\lambda_i`. The expected excess loss
:math:`\sum_i \tfrac12 \lambda_i \operatorname{Var} e_i` is therefore

.. math::

    \sum_i \frac{\eta_\text{eff}\, s_i^2}{2}\,
    \frac{1}{2 - \eta_\text{eff}\lambda_i\,(1-\beta)/(1+\beta)},
    \qquad \eta_\text{eff} = \frac{\eta}{1-\beta}:

at equal effective step plain SGD (:math:`\beta = 0`) has the denominator
:math:`2 - \eta_\text{eff}\lambda_i`, momentum one closer to 2. While
:math:`\eta_\text{eff}\lambda_i` is small both are :math:`\eta_\text{eff}\sum_i s_i^2/4`
(chapter 3's first-order floor); near plain SGD's stability limit
:math:`\eta_\text{eff}\lambda_{\max} \to 2` its floor grows without bound, momentum's does
not. :func:`stationary_excess` evaluates this with the noise of a batch drawn with
replacement at the minimum, :math:`s_i^2 = \mathbf u_i^\top\boldsymbol\Sigma^*\mathbf
u_i / B`; :func:`equal_step_floors` measures both floors by running many copies side by
side.
"""

from typing import NamedTuple

import numpy as np

from course_utils import _validate
from course_utils.least_squares import gradient_covariance, sampled_gradients
from course_utils.optimizers import SGD
from course_utils.training import Descent


def stationary_excess(problem, lr, beta=0.0, batch_size=1):
    r"""The expected excess loss where momentum SGD settles, to first order in the noise.

    Parameters
    ----------
    problem : LeastSquares
        Its Hessian and its gradient covariance at :math:`\mathbf w^*` set the floor.
    lr : float
        :math:`\eta > 0`, below the stability limit :math:`(2 + 2\beta)/\lambda_{\max}`.
    beta : float
        :math:`\beta \in [0, 1)`.
    batch_size : int
        :math:`B \ge 1`, batches drawn with replacement.

    Returns
    -------
    float
        :math:`\sum_i \eta s_i^2 (1+\beta) / (2(1-\beta)(2 + 2\beta - \eta\lambda_i))`.

    Examples
    --------
    >>> from course_utils.least_squares import least_squares_problem
    >>> p = least_squares_problem([[1.0], [-1.0]], [1.0, 1.0])  # w* = 0, λ = 1, s² = 1
    >>> round(stationary_excess(p, 0.1), 6)  # 0.1 / (2 (2 - 0.1))
    0.026316
    """
    lr = _validate.positive("lr", lr)
    beta = _validate.number("beta", beta, lo=0.0, hi=1.0, hi_open=True)
    B = _validate.integer("batch_size", batch_size, lo=1)
    lam, U = np.linalg.eigh(problem.H)
    if lr * lam.max() >= 2 + 2 * beta:
        raise ValueError(
            f"lr must be below the stability limit (2 + 2β)/λmax = "
            f"{(2 + 2 * beta) / lam.max():g}, got {lr:g}"
        )
    s2 = np.einsum("ji,jk,ki->i", U, gradient_covariance(problem, problem.w_star), U) / B
    return float(np.sum(lr * s2 * (1 + beta) / (2 * (1 - beta) * (2 + 2 * beta - lr * lam))))


class EqualStepFloors(NamedTuple):
    """Plain SGD against momentum at equal effective steps :math:`\\eta/(1-\\beta)`."""

    effective: np.ndarray  #: (n,) the effective steps
    beta: float  #: momentum's β (its η is effective · (1 − β))
    plain: np.ndarray  #: (n,) measured mean excess loss of plain SGD at η = effective
    momentum: np.ndarray  #: (n,) the same for momentum
    predicted_plain: np.ndarray  #: (n,) :func:`stationary_excess` with β = 0
    predicted_momentum: np.ndarray  #: (n,) :func:`stationary_excess` with β


def _mean_floor(problem, lr, beta, batch_size, runs, steps, seed):
    """The excess loss averaged over ``runs`` copies started at w* and over the second
    half of ``steps`` steps (the first half lets the noise build up)."""
    grad = sampled_gradients(problem, batch_size, seed)
    descent = Descent(SGD(lr=lr, momentum=beta), lambda W: (None, grad(W)),
                      np.tile(problem.w_star, (runs, 1)))  # fmt: skip
    total = 0.0
    for step in descent.take(steps):
        if step.k + 1 > steps // 2:
            d = step.w - problem.w_star
            total += 0.5 * np.mean(np.einsum("ri,ij,rj->r", d, problem.H, d))
    return total / (steps - steps // 2)


def equal_step_floors(problem, effective, beta=0.9, batch_size=8, runs=400, steps=3000,
                      seed=0):  # fmt: skip
    r"""Measure the noise floors of plain SGD and of momentum at equal effective steps.

    For each effective step :math:`\eta_\text{eff}`, ``runs`` copies of plain SGD with
    :math:`\eta = \eta_\text{eff}` and as many of momentum with :math:`\eta =
    \eta_\text{eff}(1-\beta)` start at :math:`\mathbf w^*` and run side by side
    (:class:`~course_utils.training.Descent`) on batches of ``batch_size`` examples drawn
    with replacement (one generator seeded by ``seed`` for each run of copies); the floor
    is the excess loss averaged over the copies and over the second half of the steps.

    Returns
    -------
    EqualStepFloors
        The measured floors beside :func:`stationary_excess`.
    """
    effective = np.array([_validate.positive("effective", e) for e in effective])
    beta = _validate.number("beta", beta, lo=0.0, hi=1.0, hi_open=True)
    runs = _validate.integer("runs", runs, lo=1)
    steps = _validate.integer("steps", steps, lo=2)
    B = _validate.integer("batch_size", batch_size, lo=1, hi=len(problem.X))

    def floors(b):
        lrs = effective * (1 - b)
        measured = [_mean_floor(problem, lr, b, B, runs, steps, seed) for lr in lrs]
        return np.array(measured), np.array([stationary_excess(problem, lr, b, B) for lr in lrs])

    (plain, pred_plain), (momentum, pred_momentum) = floors(0.0), floors(beta)
    return EqualStepFloors(effective, beta, plain, momentum, pred_plain, pred_momentum)
