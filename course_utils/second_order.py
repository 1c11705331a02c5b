r"""Methods that use curvature: Newton's method and L-BFGS, as optimizers of the stepping core.

Near :math:`\mathbf w_k` the second-order Taylor model of chapter 1 is
:math:`E(\mathbf w_k + \mathbf d) \approx E_k + \mathbf g_k^\top\mathbf d
+ \tfrac12\mathbf d^\top\mathbf H_k\mathbf d`. Its stationary point is the **Newton step**
:math:`\mathbf d = -\mathbf H_k^{-1}\mathbf g_k`, a :math:`W \times W` linear solve.

- :class:`Newton` takes that step (times a learning rate :math:`\eta`, 1 by default).
  On a quadratic with a positive definite Hessian one step lands on the minimum. Where
  :math:`\mathbf H_k` has a negative eigenvalue the model has no minimum, and the plain
  step heads for a saddle or a maximum of the model; ``min_curvature`` shifts the
  Hessian until every eigenvalue is at least :math:`\delta` (Nocedal & Wright 2006,
  §3.4), so that the step points downhill.
- :class:`LBFGS` never forms a Hessian: it keeps the last ``history_size`` steps
  :math:`\mathbf s_i` and gradient changes :math:`\mathbf y_i` and applies the inverse of
  a curvature model built from them to the gradient (the two-loop recursion), at
  :math:`O(mW)` per step. It follows ``torch.optim.LBFGS`` with ``max_iter=1`` and no
  line search, step for step.

Both are optimizers in the sense of :mod:`course_utils.optimizers` (``init``, ``step``,
``update``), so :func:`course_utils.optimizers.run` and
:class:`course_utils.training.Descent` drive them like SGD, and
:class:`course_utils.line_search.Backtracking` can search along their steps. Only 1-D
parameter vectors are meant (any shape is flattened for the algebra).
"""

from typing import NamedTuple

import numpy as np

from course_utils import _validate
from course_utils.optimizers import Optimizer


class NewtonState(NamedTuple):
    """State of :class:`Newton`."""

    t: int  # steps taken
    shift: float  # tau, the multiple of I added to the Hessian at the last step (0: none)


class Newton(Optimizer):
    r"""Newton's method, optionally with the Hessian shifted to be positive definite.

    .. math::

        \tau_t &= \max\bigl(0,\ \delta - \lambda_{\min}(\mathbf H(\mathbf w_{t-1}))\bigr)
        \quad(\tau_t = 0 \text{ without } \delta) \\
        \mathbf w_t &= \mathbf w_{t-1} - \eta\,\bigl(\mathbf H(\mathbf w_{t-1})
        + \tau_t\mathbf I\bigr)^{-1}\mathbf g_t

    With :math:`\eta = 1` and no shift this is the plain Newton step, the stationary point
    of the quadratic model: exact in one step on a quadratic with an invertible Hessian,
    and attracted to any stationary point (minimum, saddle or maximum) nearby. With
    ``min_curvature`` :math:`\delta > 0` every eigenvalue of the shifted matrix is at
    least :math:`\delta`, so :math:`\mathbf g^\top\mathbf d < 0` for the step
    :math:`\mathbf d`: it points downhill, and a line search can then find a length that
    lowers :math:`E`. Near a minimum with :math:`\lambda_{\min} \ge \delta` nothing is
    shifted and the plain step's fast local convergence is kept.

    A singular (unshifted) Hessian has no Newton step: the result is then NaN, which the
    stepping core reports as a divergence. No numpy warning escapes.

    Parameters
    ----------
    hessian : callable
        ``hessian(w)`` returns the :math:`W \times W` Hessian at ``w``.
    lr : float
        :math:`\eta > 0`, 1 for Newton's own step.
    min_curvature : float, optional
        :math:`\delta > 0`; None for the plain (unshifted) Hessian.

    Examples
    --------
    >>> H = np.array([[2.0, 0.0], [0.0, 8.0]])
    >>> opt = Newton(lambda w: H)
    >>> w, _ = opt.step(np.array([1.0, 1.0]), H @ [1.0, 1.0], opt.init(np.zeros(2)))
    >>> w.tolist()  # the minimum of 1/2 w^T H w, in one step
    [0.0, 0.0]
    """

    name = "Newton"
    State = NewtonState
    _hyper = ("lr", "min_curvature")

    def __init__(self, hessian, lr=1.0, min_curvature=None):
        super().__init__(lr)
        self.hessian = _validate.function("hessian", hessian)
        if min_curvature is not None:
            min_curvature = _validate.positive("min_curvature", min_curvature)
        self.min_curvature = min_curvature

    def _init(self, zeros):
        return NewtonState(t=0, shift=0.0)

    def _update(self, w, g, s, lr):
        H = np.asarray(self.hessian(w), dtype=float).reshape(w.size, w.size)
        tau = 0.0
        if self.min_curvature is not None:
            tau = max(0.0, self.min_curvature - float(np.linalg.eigvalsh(H)[0]))
        try:
            d = np.linalg.solve(H + tau * np.eye(w.size), g.ravel())
        except np.linalg.LinAlgError:  # singular: no Newton step
            d = np.full(w.size, np.nan)
        return w - lr * d.reshape(w.shape), NewtonState(s.t + 1, tau)


class LBFGSState(NamedTuple):
    """State of :class:`LBFGS`."""

    t: int  # steps taken; torch: n_iter
    s: tuple  # the last steps s_i = w_{i+1} - w_i, oldest first; torch: old_stps
    y: tuple  # the matching gradient changes y_i = g_{i+1} - g_i; torch: old_dirs
    gamma: float  # s^T y / y^T y of the newest pair, the initial inverse curvature; torch: H_diag
    w_prev: np.ndarray  # the point the last step started from
    g_prev: np.ndarray  # the gradient there; torch: prev_flat_grad


class LBFGS(Optimizer):
    r"""Limited-memory BFGS, as ``torch.optim.LBFGS(max_iter=1, line_search_fn=None)``.

    At step :math:`t` the newest pair :math:`\mathbf s = \mathbf w_{t-1} - \mathbf w_{t-2}`,
    :math:`\mathbf y = \mathbf g_t - \mathbf g_{t-1}` joins the memory if
    :math:`\mathbf s^\top\mathbf y > 10^{-10}\lVert\mathbf s\rVert\lVert\mathbf y\rVert`
    (curvature along the step; otherwise it is skipped), the oldest pair leaves it beyond
    ``history_size``, and
    :math:`\gamma = \mathbf s^\top\mathbf y / \mathbf y^\top\mathbf y`. The direction
    :math:`\mathbf d = -\mathbf H_t^{-1}\mathbf g_t` applies the BFGS inverse-Hessian model
    built from :math:`\gamma\mathbf I` and the stored pairs, by the two-loop recursion
    (Nocedal & Wright 2006, Alg. 7.4), and

    .. math::

        \mathbf w_t = \mathbf w_{t-1} + \eta_t\,\mathbf d, \qquad
        \eta_1 = \min\bigl(1, 1/\lVert\mathbf g_1\rVert_1\bigr)\,\eta, \quad
        \eta_t = \eta \ (t > 1).

    The first step is a short gradient step (:math:`\mathbf d = -\mathbf g_1`). Defaults
    are torch's: ``lr=1, history_size=100``. One test differs from torch's: torch keeps a
    pair when :math:`\mathbf s^\top\mathbf y > 10^{-10}`, a threshold in absolute units
    that, close to a minimum where steps and gradient changes are tiny, rejects every new
    pair and leaves a scaled gradient descent (on a 100-dimensional quadratic with
    :math:`\kappa = 1000` that takes 2555 steps to a gradient of :math:`10^{-8}` instead
    of 235); the test above does not depend on the scale. torch's step runs up to ``max_iter``
    iterations and skips or ends them on its tolerances (a gradient below
    ``tolerance_grad``, a direction with :math:`\mathbf g^\top\mathbf d` above
    ``-tolerance_change``); here one ``step`` is one iteration, and stopping is the
    caller's choice (``optimizers.run(..., until=...)``). With a line
    search (:class:`course_utils.line_search.Backtracking`) the step actually taken is
    what the next pair records, as torch's ``s = d * t`` does.

    Parameters
    ----------
    lr : float
        :math:`\eta > 0`.
    history_size : int
        :math:`m \ge 1`, the number of pairs kept.

    Examples
    --------
    >>> opt = LBFGS()
    >>> w, state = opt.step(np.array([1.0, -3.0]), np.array([1.0, -3.0]), opt.init(np.zeros(2)))
    >>> w.tolist()  # a first step of length 1/||g||_1 = 1/4 times the gradient
    [0.75, -2.25]
    """

    name = "LBFGS"
    State = LBFGSState
    _hyper = ("lr", "history_size")

    def __init__(self, lr=1.0, history_size=100):
        super().__init__(lr)
        self.history_size = _validate.integer("history_size", history_size, lo=1)

    def _init(self, zeros):
        return LBFGSState(t=0, s=(), y=(), gamma=1.0, w_prev=zeros, g_prev=zeros)

    def _update(self, w, g, st, lr):
        flat = g.ravel()
        S, Y, gamma = st.s, st.y, st.gamma
        if st.t == 0:
            d = -flat
            step = min(1.0, 1.0 / float(np.abs(flat).sum())) * lr
        else:
            s, y = (w - st.w_prev).ravel(), flat - st.g_prev.ravel()
            ys = float(y @ s)
            if ys > 1e-10 * float(np.sqrt((s @ s) * (y @ y))):  # torch: ys > 1e-10
                S, Y = (S + (s,))[-self.history_size :], (Y + (y,))[-self.history_size :]
                gamma = ys / float(y @ y)
            d = two_loop(flat, S, Y, gamma)
            step = lr
        w_new = w + step * d.reshape(w.shape)
        return w_new, LBFGSState(st.t + 1, S, Y, gamma, w.copy(), g.copy())


def two_loop(g, S, Y, gamma):
    r"""The L-BFGS direction :math:`-\mathbf H^{-1}\mathbf g` from the pairs ``S``, ``Y``.

    The two-loop recursion (Nocedal & Wright 2006, Alg. 7.4): with
    :math:`\rho_i = 1/\mathbf y_i^\top\mathbf s_i`, first from the newest pair to the oldest
    :math:`\alpha_i = \rho_i\mathbf s_i^\top\mathbf q,\ \mathbf q \leftarrow \mathbf q -
    \alpha_i\mathbf y_i`, starting from :math:`\mathbf q = -\mathbf g`; then
    :math:`\mathbf r = \gamma\mathbf q` and from the oldest to the newest
    :math:`\beta_i = \rho_i\mathbf y_i^\top\mathbf r,\ \mathbf r \leftarrow \mathbf r +
    (\alpha_i - \beta_i)\mathbf s_i`. The result equals :math:`-\mathbf H_m\mathbf g` for the
    inverse-Hessian model :math:`\mathbf H_m` made by :math:`m` BFGS updates of
    :math:`\gamma\mathbf I`, at a cost of :math:`4mW` multiply-adds instead of a
    :math:`W \times W` matrix.

    Parameters
    ----------
    g : ndarray of shape (W,)
    S, Y : sequences of ndarrays of shape (W,)
        The steps and gradient changes, oldest first, each with :math:`\mathbf s^\top
        \mathbf y > 0`.
    gamma : float
        The scale of the initial model :math:`\gamma\mathbf I`.

    Returns
    -------
    ndarray of shape (W,)
    """
    q = -np.asarray(g, dtype=float)
    rho = [1.0 / float(y @ s) for s, y in zip(S, Y, strict=True)]
    alpha = [0.0] * len(S)
    for i in reversed(range(len(S))):
        alpha[i] = rho[i] * float(S[i] @ q)
        q = q - alpha[i] * Y[i]
    r = gamma * q
    for i in range(len(S)):
        beta = rho[i] * float(Y[i] @ r)
        r = r + (alpha[i] - beta) * S[i]
    return r
