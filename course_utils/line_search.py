r"""A backtracking line search with the Armijo condition, around any optimizer's step.

An optimizer proposes a step :math:`\mathbf d(\eta)` = ``update(w, g, state, η) - w``.
The **line search** chooses its length: it tries :math:`\eta = \eta_0, \rho\eta_0,
\rho^2\eta_0, \dots` and keeps the first that lowers the error by at least a fraction
:math:`c` of what the slope promises, the **Armijo condition**

.. math::

    E(\mathbf w + \mathbf d) \le E(\mathbf w) + c\,\nabla E(\mathbf w)^\top\mathbf d,
    \qquad 0 < c < 1 .

For a direction that points downhill (:math:`\nabla E^\top\mathbf d < 0`) a short enough
step always meets it, so the search ends. With gradient descent
(:math:`\mathbf d = -\eta\nabla E`) on a function bounded below whose gradient is
Lipschitz with constant :math:`L` (an **L-smooth** function: :math:`\lVert\nabla
E(\mathbf a) - \nabla E(\mathbf b)\rVert \le L\lVert\mathbf a - \mathbf b\rVert`), every
accepted :math:`\eta` is at least :math:`\min(\eta_0, 2\rho(1 - c)/L)`, each step lowers
:math:`E` by at least :math:`c\,\eta\lVert\nabla E\rVert^2`, and so
:math:`\lVert\nabla E(\mathbf w_k)\rVert \to 0`: convergence to a stationary point
without knowing :math:`L` (Nocedal & Wright 2006, §3.1).
"""

from typing import NamedTuple

from course_utils import _validate
from course_utils.optimizers import Optimizer


class BacktrackingState(NamedTuple):
    """State of :class:`Backtracking`."""

    t: int  # steps taken
    inner: object  # the state of the optimizer searched along
    lr: float  # the step size the last search accepted (0 if it accepted none)
    evaluations: int  # values of E computed so far, by every search
    uphill: bool  # whether the last proposed step pointed uphill (g^T d >= 0)


class Backtracking(Optimizer):
    r"""Backtracking line search with the Armijo condition, wrapped around ``optimizer``.

    Each step evaluates :math:`E_0 = E(\mathbf w)` and tries the wrapped optimizer's
    update with :math:`\eta = \eta_0, \rho\eta_0, \rho^2\eta_0, \dots` (at most
    ``max_tries`` sizes), where :math:`\eta_0` is the step's learning rate (a schedule's,
    or ``lr``). It accepts the first point with
    :math:`E(\mathbf w + \mathbf d) \le E_0 + c\,\mathbf g^\top\mathbf d`, taking the
    wrapped optimizer's state from that try (its update is pure, so a rejected try leaves
    nothing behind). If the proposed direction points uphill, :math:`\mathbf g^\top
    \mathbf d \ge 0`, no length can help: the step is refused (``uphill``), as is a step
    for which no tried length meets the condition. A refused step leaves
    :math:`\mathbf w` and the wrapped state as they were, with ``lr = 0``.

    The wrapped optimizer must have no weight decay (the searched function is ``loss_fn``
    alone). Defaults: :math:`c = 10^{-4}`, :math:`\rho = 1/2` (Nocedal & Wright 2006,
    Alg. 3.1).

    Parameters
    ----------
    optimizer : Optimizer
        Proposes the steps: ``SGD(lr=η0)`` gives gradient descent with a line search,
        :class:`~course_utils.second_order.Newton` a damped Newton method,
        :class:`~course_utils.second_order.LBFGS` L-BFGS with a line search.
    loss_fn : callable
        ``loss_fn(w)``, the function :math:`E` whose decrease is checked.
    lr : float, optional
        :math:`\eta_0 > 0`, the first size tried; default the optimizer's ``lr``.
    c : float
        :math:`c \in (0, 1)`.
    shrink : float
        :math:`\rho \in (0, 1)`, the factor between two tried sizes.
    max_tries : int
        The number of sizes tried before the step is refused.

    Examples
    --------
    >>> from course_utils.optimizers import SGD
    >>> search = Backtracking(SGD(lr=1.0), loss_fn=lambda w: 5 * w @ w)
    >>> w, state = search.step([1.0], [10.0], search.init([0.0]))
    >>> w.tolist(), state.lr  # η = 1, 1/2 and 1/4 overshoot; 1/8 lands at 1 - 10/8
    ([-0.25], 0.125)
    """

    name = "Backtracking"
    State = BacktrackingState
    _hyper = ("optimizer", "lr", "c", "shrink", "max_tries")

    def __init__(self, optimizer, loss_fn, lr=None, c=1e-4, shrink=0.5, max_tries=50):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"optimizer must be an Optimizer, got {type(optimizer).__name__}")
        if optimizer.weight_decay:
            decay = optimizer.weight_decay
            raise ValueError(f"optimizer.weight_decay must be 0 under a line search, got {decay}")
        super().__init__(optimizer.lr if lr is None else lr)
        self.optimizer = optimizer
        self.loss_fn = _validate.function("loss_fn", loss_fn)
        self.c = _validate.number("c", c, 0.0, 1.0, lo_open=True, hi_open=True)
        self.shrink = _validate.number("shrink", shrink, 0.0, 1.0, lo_open=True, hi_open=True)
        self.max_tries = _validate.integer("max_tries", max_tries, lo=1)

    def init(self, params):
        """The initial state: the wrapped optimizer's, and no search yet."""
        return BacktrackingState(0, self.optimizer.init(params), 0.0, 0, False)

    def _update(self, w, g, s, lr):
        E0, evaluations = float(self.loss_fn(w)), s.evaluations + 1
        eta, flat = lr, g.ravel()
        for _ in range(self.max_tries):
            w_try, inner = self.optimizer.update(w, g, s.inner, eta)
            slope = float(flat @ (w_try - w).ravel())  # g^T d
            if not slope < 0:  # uphill, flat or nan: no length helps
                return w, BacktrackingState(s.t + 1, s.inner, 0.0, evaluations, True)
            E, evaluations = float(self.loss_fn(w_try)), evaluations + 1
            if E <= E0 + self.c * slope:  # the Armijo condition (False for nan)
                return w_try, BacktrackingState(s.t + 1, inner, eta, evaluations, False)
            eta *= self.shrink
        return w, BacktrackingState(s.t + 1, s.inner, 0.0, evaluations, False)
