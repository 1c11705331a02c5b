r"""Gradient-based optimizers with explicit state, and runners that record trajectories.

Every optimizer follows ``torch.optim``'s single-tensor update step for step (same
keywords, same defaults, same place for :math:`\epsilon`, same bias corrections), but
the state is explicit and the update is pure, as in optax::

    opt = Adam(lr=0.1)
    state = opt.init(w)
    for k in range(100):
        w, state = opt.step(w, grad(w), state)

``step`` checks its arguments; ``update`` is the same step without the checks, which
the loops call. :func:`run` (one start) and :func:`run_starts` (many starts side by
side) run an optimizer in the stepping core, :class:`course_utils.training.Descent`,
and record what it does.

Symbols: :math:`w` the parameters, :math:`g_t` the gradient at :math:`w_{t-1}`,
:math:`\eta` the learning rate (``lr``), :math:`\lambda` the ``weight_decay``, which is an
L2 penalty added to the gradient, :math:`g_t \leftarrow g_t + \lambda w_{t-1}`, in every
optimizer (as in torch). Steps are counted from :math:`t = 1`; the state field ``t`` holds
the number of steps taken so far.
"""

import math
from typing import NamedTuple

import numpy as np

from course_utils import _validate
from course_utils.training import Descent, Divergence, gradient_oracle


def _betas(betas):
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
    return tuple(
        _validate.number(f"betas[{i}]", b, 0.0, 1.0, hi_open=True) for i, b in enumerate(betas)
    )


class Optimizer:
    """Base class: the checks of ``step``, ``repr``; subclasses define the rule (``_update``)."""

    name = "Optimizer"
    State = None  # each subclass's NamedTuple of state
    _hyper = ("lr",)

    def __init__(self, lr, weight_decay=0):
        self.lr = _validate.positive("lr", lr)
        self.weight_decay = _validate.number("weight_decay", weight_decay, lo=0.0)

    def __repr__(self):
        args = ", ".join(f"{k}={getattr(self, k)!r}" for k in self._hyper)
        return f"{self.name}({args})"

    def init(self, params):
        """Return the initial state for parameters shaped like ``params``."""
        w = _validate.array("params", params)
        return self._init(np.zeros_like(w))

    def step(self, params, grad, state, lr=None):
        """Take one step; return ``(new_params, new_state)`` without modifying any input.

        Checks its arguments, then applies :meth:`update`. Non-finite values propagate
        silently (no numpy warning); the loops detect them.

        Parameters
        ----------
        params : ndarray
            Current parameters :math:`w_{t-1}`, any shape.
        grad : ndarray
            Gradient at ``params``, the same shape.
        state : NamedTuple
            The state from ``init`` or from the previous ``step``.
        lr : float, optional
            Learning rate for this step only (how a schedule acts); ``self.lr`` if None.
            It may be 0 (the end of a cosine schedule).

        Returns
        -------
        params : ndarray
            New parameters :math:`w_t` (a new array).
        state : NamedTuple
            New state (new arrays; the old state is left unchanged).
        """
        w = _validate.array("params", params, finite=False)
        g = _validate.array("grad", grad, finite=False)
        _validate.same_shape("params", w, "grad", g)
        if not isinstance(state, self.State):
            raise TypeError(f"state must be the {self.State.__name__} returned by {self.name}.init")
        for field, value in zip(state._fields, state, strict=True):
            if isinstance(value, np.ndarray):
                _validate.same_shape("params", w, f"state.{field}", value)
        if lr is not None:
            lr = _validate.number("lr", lr, lo=0.0)
        with np.errstate(all="ignore"):
            return self.update(w, g, state, lr)

    def update(self, w, g, state, lr=None):
        """The update rule itself: :meth:`step` without its checks, as the loops call it.

        ``w`` and ``g`` are float arrays of one shape, ``state`` comes from ``init`` or
        ``update``, ``lr`` is a number >= 0 or None (``self.lr``); nothing is checked and
        numpy's warnings are not silenced. Pure, like ``step``.
        """
        if self.weight_decay:
            g = g + self.weight_decay * w
        return self._update(w, g, state, self.lr if lr is None else lr)


class SGDState(NamedTuple):
    """State of :class:`SGD`."""

    t: int  # steps taken
    v: np.ndarray  # velocity; torch: momentum_buffer


class SGD(Optimizer):
    r"""Gradient descent, with optional (Nesterov) momentum, as ``torch.optim.SGD``.

    .. math::

        v_t &= \begin{cases} g_t & t = 1 \\
               \mu v_{t-1} + (1 - \tau) g_t & t > 1 \end{cases} \\
        d_t &= g_t + \mu v_t \ \text{(Nesterov)}, \quad d_t = v_t \ \text{(otherwise)} \\
        w_t &= w_{t-1} - \eta d_t

    With ``momentum=0`` the step is plain :math:`w_t = w_{t-1} - \eta g_t`.
    Defaults: ``lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False``.

    Here :math:`g_t` already includes the weight decay :math:`\lambda w_{t-1}`.

    Heavy-ball momentum is Polyak (1964). torch's velocity :math:`v` carries no learning
    rate, whereas Sutskever et al. (2013) write :math:`v_t = \mu v_{t-1} - \eta g_t,\
    w_t = w_{t-1} + v_t`. With a constant :math:`\eta` the two give the same iterates;
    when :math:`\eta` changes (a schedule) torch's form applies the new rate to the whole
    velocity at once. torch's first step sets :math:`v_1 = g_1` (no dampening). The
    Nesterov step :math:`d_t = g_t + \mu v_t` uses the gradient at the current point: it
    is the look-ahead form of Nesterov (1983), as Sutskever et al. (2013) use it, with the
    look-ahead point stored as the parameters (the change of variables of Bengio,
    Boulanger-Lewandowski & Pascanu 2013).

    Parameters
    ----------
    lr : float
        Learning rate :math:`\eta > 0`.
    momentum : float
        :math:`\mu \in [0, 1)`.
    dampening : float
        :math:`\tau \in [0, 1]`, scales the new gradient in the velocity after step 1.
    weight_decay : float
        L2 penalty :math:`\lambda \ge 0`.
    nesterov : bool
        Nesterov momentum; needs ``momentum > 0`` and ``dampening == 0``.
    """

    name = "SGD"
    State = SGDState
    _hyper = ("lr", "momentum", "dampening", "weight_decay", "nesterov")

    def __init__(self, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False):
        super().__init__(lr, weight_decay)
        self.momentum = _validate.number("momentum", momentum, 0.0, 1.0, hi_open=True)
        self.dampening = _validate.number("dampening", dampening, 0.0, 1.0)
        self.nesterov = bool(nesterov)
        if self.nesterov and (self.momentum == 0 or self.dampening != 0):
            raise ValueError("nesterov=True requires momentum > 0 and dampening == 0")

    def _init(self, zeros):
        return SGDState(t=0, v=zeros)

    def _update(self, w, g, s, lr):
        mu, v = self.momentum, s.v
        if mu:  # torch clones g into the buffer at the first step
            v = g.copy() if s.t == 0 else mu * s.v + (1 - self.dampening) * g
            g = g + mu * v if self.nesterov else v
        return w - lr * g, SGDState(s.t + 1, v)


class AdagradState(NamedTuple):
    """State of :class:`Adagrad`."""

    t: int  # steps taken; torch: step
    G: np.ndarray  # sum of squared gradients; torch: sum


class Adagrad(Optimizer):
    r"""Adagrad (Duchi, Hazan & Singer 2011), as ``torch.optim.Adagrad``.

    .. math::

        \tilde\eta_t &= \eta / (1 + (t - 1)\,\delta) \\
        G_t &= G_{t-1} + g_t^2, \qquad G_0 = G_\text{init} \\
        w_t &= w_{t-1} - \tilde\eta_t\, g_t / (\sqrt{G_t} + \epsilon)

    Defaults: ``lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
    eps=1e-10``. The paper's diagonal Adagrad also adds :math:`\epsilon` outside the square
    root; the learning-rate decay :math:`\delta` and the initial value are torch's additions.

    Parameters
    ----------
    lr : float
        :math:`\eta > 0`.
    lr_decay : float
        :math:`\delta \ge 0`.
    weight_decay : float
        :math:`\lambda \ge 0`.
    initial_accumulator_value : float
        :math:`G_\text{init} \ge 0`.
    eps : float
        :math:`\epsilon \ge 0`.
    """

    name = "Adagrad"
    State = AdagradState
    _hyper = ("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps")

    def __init__(self, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10):
        super().__init__(lr, weight_decay)
        self.lr_decay = _validate.number("lr_decay", lr_decay, lo=0.0)
        self.initial_accumulator_value = _validate.number(
            "initial_accumulator_value", initial_accumulator_value, lo=0.0
        )
        self.eps = _validate.number("eps", eps, lo=0.0)

    def _init(self, zeros):
        return AdagradState(t=0, G=zeros + self.initial_accumulator_value)

    def _update(self, w, g, s, lr):
        t = s.t + 1
        lr_t = lr / (1 + (t - 1) * self.lr_decay)
        G = s.G + g**2
        return w - lr_t * (g / (np.sqrt(G) + self.eps)), AdagradState(t, G)


class RMSPropState(NamedTuple):
    """State of :class:`RMSProp`."""

    t: int  # steps taken; torch: step
    v: np.ndarray  # running mean of g^2; torch: square_avg
    gbar: np.ndarray  # running mean of g (centered only); torch: grad_avg
    b: np.ndarray  # momentum buffer (momentum > 0 only); torch: momentum_buffer


class RMSProp(Optimizer):
    r"""RMSProp (Tieleman & Hinton 2012), as ``torch.optim.RMSprop``.

    .. math::

        v_t &= \alpha v_{t-1} + (1 - \alpha) g_t^2 \\
        \bar g_t &= \alpha \bar g_{t-1} + (1 - \alpha) g_t, \quad
        \tilde v_t = v_t - \bar g_t^2 \quad \text{(centered; otherwise } \tilde v_t = v_t) \\
        b_t &= \mu b_{t-1} + g_t / (\sqrt{\tilde v_t} + \epsilon), \quad
        w_t = w_{t-1} - \eta b_t \quad \text{(if } \mu > 0) \\
        w_t &= w_{t-1} - \eta\, g_t / (\sqrt{\tilde v_t} + \epsilon) \quad \text{(if } \mu = 0)

    Defaults: ``lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
    centered=False``. The lecture gives no :math:`\epsilon`; torch adds it outside the
    square root (TensorFlow inside). The centered variant, which divides by an estimate of
    the gradient's standard deviation rather than its RMS, is from Graves (2013).

    Parameters
    ----------
    lr : float
        :math:`\eta > 0`.
    alpha : float
        Decay :math:`\alpha \in [0, 1)` of the running means.
    eps : float
        :math:`\epsilon \ge 0`.
    weight_decay : float
        :math:`\lambda \ge 0`.
    momentum : float
        :math:`\mu \in [0, 1)`.
    centered : bool
        Subtract the squared running mean of the gradient.
    """

    name = "RMSProp"
    State = RMSPropState
    _hyper = ("lr", "alpha", "eps", "weight_decay", "momentum", "centered")

    def __init__(self, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False):
        super().__init__(lr, weight_decay)
        self.alpha = _validate.number("alpha", alpha, 0.0, 1.0, hi_open=True)
        self.eps = _validate.number("eps", eps, lo=0.0)
        self.momentum = _validate.number("momentum", momentum, 0.0, 1.0, hi_open=True)
        self.centered = bool(centered)

    def _init(self, zeros):
        return RMSPropState(t=0, v=zeros, gbar=zeros, b=zeros)

    def _update(self, w, g, s, lr):
        a = self.alpha
        v = a * s.v + (1 - a) * g**2
        gbar = a * s.gbar + (1 - a) * g if self.centered else s.gbar
        denom = np.sqrt(v - gbar**2 if self.centered else v) + self.eps
        if self.momentum > 0:
            b = self.momentum * s.b + g / denom
            return w - lr * b, RMSPropState(s.t + 1, v, gbar, b)
        return w - lr * (g / denom), RMSPropState(s.t + 1, v, gbar, s.b)


class AdadeltaState(NamedTuple):
    """State of :class:`Adadelta`."""

    t: int  # steps taken; torch: step
    v: np.ndarray  # running mean of g^2; torch: square_avg
    u: np.ndarray  # running mean of squared updates; torch: acc_delta


class Adadelta(Optimizer):
    r"""Adadelta (Zeiler 2012), as ``torch.optim.Adadelta``.

    .. math::

        v_t &= \rho v_{t-1} + (1 - \rho) g_t^2 \\
        \Delta_t &= \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}}\, g_t \\
        u_t &= \rho u_{t-1} + (1 - \rho) \Delta_t^2 \\
        w_t &= w_{t-1} - \eta \Delta_t

    Defaults: ``lr=1.0, rho=0.9, eps=1e-6, weight_decay=0``. Zeiler's method has no
    learning rate (the ratio of RMS values sets the step's units); torch multiplies by
    ``lr``, and the default 1.0 recovers the paper. :math:`\epsilon` sits inside both
    square roots, as in the paper.

    Parameters
    ----------
    lr : float
        :math:`\eta > 0`.
    rho : float
        Decay :math:`\rho \in [0, 1]` (torch's range; ``rho=1`` freezes the averages).
    eps : float
        :math:`\epsilon \ge 0`.
    weight_decay : float
        :math:`\lambda \ge 0`.
    """

    name = "Adadelta"
    State = AdadeltaState
    _hyper = ("lr", "rho", "eps", "weight_decay")

    def __init__(self, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0):
        super().__init__(lr, weight_decay)
        self.rho = _validate.number("rho", rho, 0.0, 1.0)
        self.eps = _validate.number("eps", eps, lo=0.0)

    def _init(self, zeros):
        return AdadeltaState(t=0, v=zeros, u=zeros)

    def _update(self, w, g, s, lr):
        rho, eps = self.rho, self.eps
        v = rho * s.v + (1 - rho) * g**2
        delta = np.sqrt(s.u + eps) / np.sqrt(v + eps) * g
        u = rho * s.u + (1 - rho) * delta**2
        return w - lr * delta, AdadeltaState(s.t + 1, v, u)


class AdamState(NamedTuple):
    """State of :class:`Adam`."""

    t: int  # steps taken; torch: step
    m: np.ndarray  # running mean of g; torch: exp_avg
    v: np.ndarray  # running mean of g^2; torch: exp_avg_sq
    v_max: np.ndarray  # max of v so far (amsgrad only); torch: max_exp_avg_sq


class Adam(Optimizer):
    r"""Adam (Kingma & Ba 2015), as ``torch.optim.Adam``.

    .. math::

        m_t &= \beta_1 m_{t-1} + (1 - \beta_1) g_t \\
        v_t &= \beta_2 v_{t-1} + (1 - \beta_2) g_t^2 \\
        \hat v_t &= \max(\hat v_{t-1}, v_t) \ \text{(AMSGrad)}, \quad
        \hat v_t = v_t \ \text{(otherwise)} \\
        w_t &= w_{t-1} - \frac{\eta}{1 - \beta_1^t}\,
        \frac{m_t}{\sqrt{\hat v_t} / \sqrt{1 - \beta_2^t} + \epsilon}

    Defaults: ``lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False``.
    This is the paper's Algorithm 1 (:math:`\epsilon` added to the bias-corrected
    :math:`\sqrt{\hat v}`), not its "efficient" form with :math:`\hat\epsilon` added before
    the bias correction (TensorFlow's form). ``weight_decay`` is an L2 term in the
    gradient, not AdamW's decoupled decay. AMSGrad (Reddi, Kale & Kumar 2018) keeps the
    running maximum of :math:`v`; torch still applies the bias correction to it.

    Parameters
    ----------
    lr : float
        :math:`\eta > 0`.
    betas : pair of float
        :math:`(\beta_1, \beta_2)`, each in :math:`[0, 1)`.
    eps : float
        :math:`\epsilon \ge 0`.
    weight_decay : float
        :math:`\lambda \ge 0`.
    amsgrad : bool
        Use the running maximum of :math:`v`.
    """

    name = "Adam"
    State = AdamState
    _hyper = ("lr", "betas", "eps", "weight_decay", "amsgrad")

    def __init__(self, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False):
        super().__init__(lr, weight_decay)
        self.betas = _betas(betas)
        self.eps = _validate.number("eps", eps, lo=0.0)
        self.amsgrad = bool(amsgrad)

    def _init(self, zeros):
        return AdamState(t=0, m=zeros, v=zeros, v_max=zeros)

    def _update(self, w, g, s, lr):
        (b1, b2), t = self.betas, s.t + 1
        m = b1 * s.m + (1 - b1) * g
        v = b2 * s.v + (1 - b2) * g**2
        v_max = np.maximum(s.v_max, v) if self.amsgrad else s.v_max
        v_hat = v_max if self.amsgrad else v
        denom = np.sqrt(v_hat) / math.sqrt(1 - b2**t) + self.eps
        return w - lr / (1 - b1**t) * (m / denom), AdamState(t, m, v, v_max)


class AdamaxState(NamedTuple):
    """State of :class:`Adamax`."""

    t: int  # steps taken; torch: step
    m: np.ndarray  # running mean of g; torch: exp_avg
    u: np.ndarray  # decaying infinity norm of g; torch: exp_inf


class Adamax(Optimizer):
    r"""Adamax, Adam with the infinity norm (Kingma & Ba 2015, sec. 7.1), as ``torch.optim.Adamax``.

    .. math::

        m_t &= \beta_1 m_{t-1} + (1 - \beta_1) g_t \\
        u_t &= \max(\beta_2 u_{t-1},\ |g_t| + \epsilon) \\
        w_t &= w_{t-1} - \frac{\eta}{1 - \beta_1^t}\, \frac{m_t}{u_t}

    Defaults: ``lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0``. The paper has no
    :math:`\epsilon`; torch adds it to :math:`|g_t|` inside the max so that :math:`u_t > 0`.

    Parameters
    ----------
    lr : float
        :math:`\eta > 0`.
    betas : pair of float
        :math:`(\beta_1, \beta_2)`, each in :math:`[0, 1)`.
    eps : float
        :math:`\epsilon \ge 0`.
    weight_decay : float
        :math:`\lambda \ge 0`.
    """

    name = "Adamax"
    State = AdamaxState
    _hyper = ("lr", "betas", "eps", "weight_decay")

    def __init__(self, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0):
        super().__init__(lr, weight_decay)
        self.betas = _betas(betas)
        self.eps = _validate.number("eps", eps, lo=0.0)

    def _init(self, zeros):
        return AdamaxState(t=0, m=zeros, u=zeros)

    def _update(self, w, g, s, lr):
        (b1, b2), t = self.betas, s.t + 1
        m = b1 * s.m + (1 - b1) * g
        u = np.maximum(b2 * s.u, np.abs(g) + self.eps)
        return w - lr / (1 - b1**t) * (m / u), AdamaxState(t, m, u)


class NadamState(NamedTuple):
    """State of :class:`Nadam`."""

    t: int  # steps taken; torch: step
    m: np.ndarray  # running mean of g; torch: exp_avg
    v: np.ndarray  # running mean of g^2; torch: exp_avg_sq
    mu_product: float  # product of mu_1 ... mu_t; torch: mu_product


class Nadam(Optimizer):
    r"""Nadam, Adam with Nesterov momentum (Dozat 2016), as ``torch.optim.NAdam``.

    .. math::

        \mu_t &= \beta_1 \left(1 - \tfrac12\, 0.96^{t \psi}\right), \qquad
        P_t = \textstyle\prod_{i=1}^{t} \mu_i \\
        m_t &= \beta_1 m_{t-1} + (1 - \beta_1) g_t, \qquad
        v_t = \beta_2 v_{t-1} + (1 - \beta_2) g_t^2 \\
        d_t &= \sqrt{v_t / (1 - \beta_2^t)} + \epsilon \\
        w_t &= w_{t-1} - \eta \frac{1 - \mu_t}{1 - P_t} \frac{g_t}{d_t}
        - \eta \frac{\mu_{t+1}}{1 - P_t \mu_{t+1}} \frac{m_t}{d_t}

    Defaults: ``lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
    momentum_decay=4e-3``. The warming-up momentum schedule :math:`\mu_t` is Dozat's
    (:math:`0.96^{t/250}`, i.e. :math:`\psi = 0.004`); torch keeps the constant
    :math:`\beta_1` in the running mean :math:`m_t` and uses :math:`\mu_t` only to weight
    the two terms, the current gradient (the Nesterov look-ahead) and the momentum.

    Parameters
    ----------
    lr : float
        :math:`\eta > 0`.
    betas : pair of float
        :math:`(\beta_1, \beta_2)`, each in :math:`[0, 1)`.
    eps : float
        :math:`\epsilon \ge 0`.
    weight_decay : float
        :math:`\lambda \ge 0`.
    momentum_decay : float
        :math:`\psi \ge 0`.
    """

    name = "Nadam"
    State = NadamState
    _hyper = ("lr", "betas", "eps", "weight_decay", "momentum_decay")

    def __init__(self, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3):
        super().__init__(lr, weight_decay)
        self.betas = _betas(betas)
        self.eps = _validate.number("eps", eps, lo=0.0)
        self.momentum_decay = _validate.number("momentum_decay", momentum_decay, lo=0.0)

    def _init(self, zeros):
        return NadamState(t=0, m=zeros, v=zeros, mu_product=1.0)

    def _update(self, w, g, s, lr):
        (b1, b2), t, psi = self.betas, s.t + 1, self.momentum_decay
        mu = b1 * (1 - 0.5 * 0.96 ** (t * psi))
        mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi))
        P = s.mu_product * mu
        m = b1 * s.m + (1 - b1) * g
        v = b2 * s.v + (1 - b2) * g**2
        d = np.sqrt(v / (1 - b2**t)) + self.eps
        w = w - lr * (1 - mu) / (1 - P) * (g / d) - lr * mu_next / (1 - P * mu_next) * (m / d)
        return w, NadamState(t, m, v, P)


OPTIMIZERS = {c.name: c for c in (SGD, Adagrad, RMSProp, Adadelta, Adam, Adamax, Nadam)}


def make_optimizer(name, **kwargs):
    """Build the optimizer called ``name`` (a key of ``OPTIMIZERS``) with ``kwargs``.

    Examples
    --------
    >>> make_optimizer("Adam", lr=0.1)
    Adam(lr=0.1, betas=(0.9, 0.999), eps=1e-08, weight_decay=0.0, amsgrad=False)
    """
    return OPTIMIZERS[_validate.choice("name", name, OPTIMIZERS)](**kwargs)


class Trajectory(NamedTuple):
    """What :func:`run` records.

    ``points`` holds :math:`w_0, \\dots, w_k` with shape ``(k + 1, *w0.shape)``; ``losses``
    the loss at each point (shape ``(k + 1,)``) or None without a ``loss_fn``;
    ``grad_norms`` the global norm of the raw (unclipped) gradient used by each step
    (shape ``(k,)``); ``diverged`` and ``diverged_at``, the index of the step whose result
    was rejected (or None); ``steps`` the number of steps completed, :math:`k`.
    """

    points: np.ndarray
    losses: np.ndarray | None
    grad_norms: np.ndarray
    diverged: bool
    diverged_at: int | None
    steps: int


def run(
    optimizer,
    grad_fn,
    w0,
    steps,
    loss_fn=None,
    schedule=None,
    clip_norm=None,
    bound=1e6,
    until=None,
):
    r"""Run ``optimizer`` from ``w0`` for ``steps`` steps and record the trajectory.

    The steps are those of the stepping core, :class:`course_utils.training.Descent`:
    step :math:`k = 0, 1, \dots` evaluates :math:`g = \nabla E(w_k)`, clips it to global
    norm ``clip_norm`` if given, and lets the optimizer update with learning rate
    ``schedule(k)`` (or its own ``lr``). The run stops early, with ``diverged=True`` and
    ``diverged_at=k``, at the first step whose gradient or result is not finite, whose
    result leaves the box :math:`\max_i |w_i| \le` ``bound``, or whose result has a
    non-finite loss; that result is not recorded, so every recorded point and loss is
    finite. With ``until``, the run also stops, after recording it, at the first point
    where ``until(w)`` holds (``w_0`` included). No numpy warning escapes.

    Parameters
    ----------
    optimizer : Optimizer
        One of this module's optimizers (its ``init`` gives the starting state).
    grad_fn : callable
        ``grad_fn(w)`` returns the gradient, shaped like ``w``.
    w0 : ndarray
        Starting point, any shape, finite and within ``bound``.
    steps : int
        Number of steps, ``>= 0``.
    loss_fn : callable, optional
        ``loss_fn(w)`` returns the loss; recorded at every point if given.
    schedule : callable, optional
        ``schedule(k)`` returns the learning rate of step ``k`` (see ``schedules``).
    clip_norm : float, optional
        Clip each gradient to this global norm (``clipping.clip_by_global_norm``).
    bound : float
        A step whose result has a coordinate larger than this in size counts as diverged.
    until : callable, optional
        ``until(w)`` returns True when the run has reached its goal (e.g. a tolerance).

    Returns
    -------
    Trajectory
        ``points``, ``losses``, ``grad_norms``, ``diverged``, ``diverged_at``, ``steps``.

    Examples
    --------
    >>> traj = run(SGD(lr=0.5), lambda w: w, [1.0, -2.0], steps=3, loss_fn=lambda w: w @ w / 2)
    >>> traj.points[-1], traj.losses[-1]
    (array([ 0.125, -0.25 ]), np.float64(0.0390625))
    """
    steps = _check_run(optimizer, steps, loss_fn)
    _validate.function("until", until, optional=True)
    rule = Divergence(bound=_validate.positive("bound", bound))
    descent = Descent(optimizer, gradient_oracle(grad_fn), w0, schedule, clip_norm, rule)
    points, norms, diverged_at = [descent.w], [], None
    with np.errstate(all="ignore"):
        losses = [_finite_start(None if loss_fn is None else float(loss_fn(descent.w)))]
        if until is not None and until(descent.w):
            steps = 0
        for step in descent.take(steps):
            loss = None if loss_fn is None else float(loss_fn(step.w))
            if loss is not None and not rule.loss_ok(loss):
                diverged_at = step.k
                break
            points.append(step.w)
            losses.append(loss)
            norms.append(step.grad_norm)
            if until is not None and until(step.w):
                break
        else:
            diverged_at = descent.diverged_at
    return Trajectory(
        points=np.array(points),
        losses=None if loss_fn is None else np.array(losses),
        grad_norms=np.array(norms, dtype=float),
        diverged=diverged_at is not None,
        diverged_at=diverged_at,
        steps=len(points) - 1,
    )


class Starts(NamedTuple):
    """What :func:`run_starts` records, for :math:`K` starts side by side.

    ``points`` has shape ``(k + 1, K, ...)`` (a start that diverged repeats its last
    point), ``losses`` ``(k + 1, K)`` or None, ``grad_norms`` ``(k, K)`` (each start's
    gradient norm, at its frozen point once it has diverged), ``diverged`` a bool array
    ``(K,)``, ``diverged_at`` an int array ``(K,)`` (-1 for a start that did not
    diverge) and ``steps`` the number of steps :math:`k`.
    """

    points: np.ndarray
    losses: np.ndarray | None
    grad_norms: np.ndarray
    diverged: np.ndarray
    diverged_at: np.ndarray
    steps: int


class _RowsState(NamedTuple):
    inner: object  # the optimizer's state for all rows
    alive: np.ndarray  # (K,) rows that have not diverged
    diverged_at: np.ndarray  # (K,) the step at which each row diverged, -1 if none
    losses: np.ndarray | None  # (K,) the loss of each row's current point
    t: int  # steps taken


class _Rows:
    """An optimizer that steps the rows of ``W`` side by side, each under ``rule`` alone.

    A row whose new point (or its loss) breaks the rule stays where it was from then on;
    its state in the wrapped optimizer is no longer used.
    """

    def __init__(self, optimizer, rule, loss_fn):
        self.optimizer, self.rule, self.loss_fn, self.lr = optimizer, rule, loss_fn, optimizer.lr

    def _losses(self, W):
        return None if self.loss_fn is None else np.asarray(self.loss_fn(W), dtype=float)

    def init(self, W):
        K = len(W)
        inner = self.optimizer.init(W)
        return _RowsState(inner, np.ones(K, bool), np.full(K, -1), self._losses(W), 0)

    def update(self, W, G, s, lr):
        W_new, inner = self.optimizer.update(W, G, s.inner, lr)
        losses = self._losses(W_new)
        alive = s.alive & self.rule.rows_ok(W_new, losses)
        diverged_at = np.where(s.alive & ~alive, s.t, s.diverged_at)
        if losses is not None:
            losses = np.where(alive, losses, s.losses)
        keep = alive.reshape((-1,) + (1,) * (W.ndim - 1))
        return np.where(keep, W_new, W), _RowsState(inner, alive, diverged_at, losses, s.t + 1)

    step = update


def run_starts(optimizer, grad_fn, starts, steps, loss_fn=None, bound=1e6):
    r"""Run ``optimizer`` from every row of ``starts`` at once, each row a separate run.

    The :math:`K` rows of ``starts`` (shape ``(K, ...)``) are stepped side by side in one
    stepping core (:class:`course_utils.training.Descent`): ``grad_fn`` (and
    ``loss_fn``, which then returns ``(K,)`` losses) receive the whole array and act row
    by row. A row diverges by :func:`run`'s rule applied to that row alone; it is then
    frozen at its last point (its optimizer state is not used again) while the other
    rows go on, so the run always makes ``steps`` steps. No numpy warning escapes.

    Parameters
    ----------
    optimizer : Optimizer
        One of this module's optimizers.
    grad_fn : callable
        ``grad_fn(W)`` returns the gradients of all rows, shaped like ``W``.
    starts : ndarray of shape (K, ...)
        The starting points, finite and within ``bound``.
    steps : int
        Number of steps, ``>= 0``.
    loss_fn : callable, optional
        ``loss_fn(W)`` returns the ``(K,)`` losses; recorded at every point if given.
    bound : float
        A row whose new point has a coordinate larger than this in size diverges.

    Returns
    -------
    Starts
        ``points``, ``losses``, ``grad_norms``, ``diverged``, ``diverged_at``, ``steps``.

    Examples
    --------
    >>> r = run_starts(SGD(lr=0.5), lambda W: W, [[1.0], [4.0]], steps=2)
    >>> r.points[:, :, 0].tolist()
    [[1.0, 4.0], [0.5, 2.0], [0.25, 1.0]]
    """
    steps = _check_run(optimizer, steps, loss_fn)
    rule = Divergence(bound=_validate.positive("bound", bound))
    W = _validate.array("starts", starts)
    if W.ndim < 1 or not rule.point_ok(W):
        raise ValueError(f"starts must have shape (K, ...) and lie within bound = {bound:g}")
    axes = tuple(range(1, W.ndim))  # the axes within one start
    with np.errstate(all="ignore"):
        # the rows obey the rule one by one, so the core itself stops nothing
        rows = _Rows(optimizer, rule, loss_fn)
        descent = Descent(rows, gradient_oracle(grad_fn), W, rule=None)
        points, losses, norms = [W], [_finite_start(descent.state.losses)], []
        for step in descent.take(steps):
            points.append(step.w)
            losses.append(step.state.losses)
            norms.append(np.sqrt(np.sum(step.grad * step.grad, axis=axes)))
    return Starts(
        points=np.array(points),
        losses=None if loss_fn is None else np.array(losses),
        grad_norms=np.array(norms, dtype=float).reshape(-1, len(W)),
        diverged=~descent.state.alive,
        diverged_at=descent.state.diverged_at,
        steps=len(points) - 1,
    )


def _check_run(optimizer, steps, loss_fn):
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {optimizer!r}")
    _validate.function("loss_fn", loss_fn, optional=True)
    return _validate.integer("steps", steps, lo=0)


def _finite_start(loss):
    """The loss at the start (one per row for many starts), which must be finite."""
    if loss is not None and not np.all(np.isfinite(loss)):
        raise ValueError(f"loss_fn(w0) must be finite, got {loss}")
    return loss
