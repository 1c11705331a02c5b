r"""Learning-rate schedules: the learning rate :math:`\eta_t` of step :math:`t = 0, 1, 2, \dots`

A schedule is a callable ``schedule(t) -> float`` with a readable ``repr``; pass it to
``optimizers.run(..., schedule=...)``, which calls ``optimizer.step(..., lr=schedule(t))``
before step ``t``, as torch's schedulers set the optimizer's ``lr``. Where torch has a
scheduler, the formula is its closed form (``StepLR``, ``ExponentialLR``,
``CosineAnnealingLR``, ``LinearLR``) with ``t`` in place of torch's ``last_epoch``.

Examples
--------
>>> s = step_decay(0.1, step_size=10, gamma=0.5)
>>> s
step_decay(lr=0.1, step_size=10, gamma=0.5)
>>> s(0), s(9), s(10), s(25)
(0.1, 0.1, 0.05, 0.025)
"""

import math

from course_utils import _validate


class Schedule:
    """A learning-rate schedule: ``schedule(t)`` returns :math:`\\eta_t` for an int ``t >= 0``.

    Built by the factories of this module; ``name`` and ``params`` (a dict) describe it.
    """

    def __init__(self, name, rate, **params):
        self.name, self.params, self._rate = name, params, rate

    def __call__(self, t):
        return float(self._rate(_validate.integer("t", t, lo=0)))

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{self.name}({args})"


def constant(lr):
    r"""The constant schedule :math:`\eta_t = \eta`.

    Parameters
    ----------
    lr : float
        :math:`\eta > 0`.

    Returns
    -------
    Schedule
    """
    lr = _validate.positive("lr", lr)
    return Schedule("constant", lambda t: lr, lr=lr)


def step_decay(lr, step_size, gamma=0.1):
    r"""Step decay (torch's ``StepLR``): :math:`\eta_t = \eta\, \gamma^{\lfloor t / s \rfloor}`.

    The rate is multiplied by :math:`\gamma` every :math:`s` steps.

    Parameters
    ----------
    lr : float
        :math:`\eta > 0`.
    step_size : int
        :math:`s \ge 1`.
    gamma : float
        :math:`\gamma \in (0, 1]`.

    Returns
    -------
    Schedule
    """
    lr = _validate.positive("lr", lr)
    step_size = _validate.integer("step_size", step_size, lo=1)
    gamma = _validate.number("gamma", gamma, 0.0, 1.0, lo_open=True)
    return Schedule(
        "step_decay",
        lambda t: lr * gamma ** (t // step_size),
        lr=lr,
        step_size=step_size,
        gamma=gamma,
    )


def exponential(lr, gamma):
    r"""Exponential decay (torch's ``ExponentialLR``): :math:`\eta_t = \eta\, \gamma^t`.

    Parameters
    ----------
    lr : float
        :math:`\eta > 0`.
    gamma : float
        :math:`\gamma \in (0, 1]`.

    Returns
    -------
    Schedule
    """
    lr = _validate.positive("lr", lr)
    gamma = _validate.number("gamma", gamma, 0.0, 1.0, lo_open=True)
    return Schedule("exponential", lambda t: lr * gamma**t, lr=lr, gamma=gamma)


def inverse_time(lr, decay):
    r"""The "1/t" schedule :math:`\eta_t = \eta / (1 + d\, t)`.

    For :math:`d > 0` its sum diverges while the sum of its squares converges,
    :math:`\sum_t \eta_t = \infty,\ \sum_t \eta_t^2 < \infty`: the Robbins–Monro
    conditions. The steps stay long enough to reach a minimum from anywhere, yet the
    gradient noise they add has finite total variance, which is why SGD with a decaying
    rate converges where a constant rate leaves it jittering around the minimum.

    Parameters
    ----------
    lr : float
        :math:`\eta > 0`.
    decay : float
        :math:`d \ge 0` (0 gives a constant rate).

    Returns
    -------
    Schedule
    """
    lr = _validate.positive("lr", lr)
    decay = _validate.number("decay", decay, lo=0.0)
    return Schedule("inverse_time", lambda t: lr / (1 + decay * t), lr=lr, decay=decay)


def decreasing(a, b):
    r"""The decreasing step size :math:`\eta_t = a / (b + t)` of stochastic approximation.

    The form in which Bottou, Curtis & Nocedal (2018, Thm 4.7) state SGD's
    :math:`O(1/t)` convergence on a strongly convex problem: the numerator :math:`a` sets
    how fast the rate falls relative to the curvature, the offset :math:`b` keeps the
    first steps :math:`a/b` short enough to be stable. It is :func:`inverse_time` with
    ``lr = a/b`` and ``decay = 1/b``, written in the two numbers that the theory talks
    about.

    Parameters
    ----------
    a : float
        :math:`a > 0`.
    b : float
        :math:`b > 0`.

    Returns
    -------
    Schedule

    Examples
    --------
    >>> s = decreasing(2.0, 4.0)
    >>> s(0), s(4), s(96)
    (0.5, 0.25, 0.02)
    """
    a = _validate.positive("a", a)
    b = _validate.positive("b", b)
    return Schedule("decreasing", lambda t: a / (b + t), a=a, b=b)


def cosine(lr, total_steps, lr_min=0.0):
    r"""Cosine annealing (torch's ``CosineAnnealingLR``, closed form) from ``lr`` to ``lr_min``.

    .. math::

        \eta_t = \eta_{\min} + \tfrac12 (\eta - \eta_{\min})
        \left(1 + \cos \frac{\pi \min(t, T)}{T}\right)

    After :math:`T` steps the rate stays at :math:`\eta_{\min}` (torch's closed form would
    rise again, periodically; here :math:`t` is capped at :math:`T`).

    Parameters
    ----------
    lr : float
        :math:`\eta > 0`.
    total_steps : int
        :math:`T \ge 1`.
    lr_min : float
        :math:`\eta_{\min} \in [0, \eta]`.

    Returns
    -------
    Schedule
    """
    lr = _validate.positive("lr", lr)
    T = _validate.integer("total_steps", total_steps, lo=1)
    lr_min = _validate.number("lr_min", lr_min, 0.0, lr)

    def rate(t):
        return lr_min + (lr - lr_min) * (1 + math.cos(math.pi * min(t, T) / T)) / 2

    return Schedule("cosine", rate, lr=lr, total_steps=T, lr_min=lr_min)


def warmup(schedule, warmup_steps, start_factor=1 / 3):
    r"""Linear warm-up (torch's ``LinearLR``) multiplying any ``schedule``.

    .. math::

        \eta_t = \eta^\text{base}_t
        \left(f_0 + (1 - f_0) \frac{\min(t, t_\mathrm{w})}{t_\mathrm{w}}\right)

    The factor climbs linearly from :math:`f_0` at :math:`t = 0` to 1 at
    :math:`t = t_\mathrm{w}`, then stays 1 (the default :math:`f_0 = 1/3` is
    ``LinearLR``'s). As with torch's chained schedulers, the base schedule keeps running
    during the warm-up.

    Parameters
    ----------
    schedule : callable
        The base schedule :math:`t \mapsto \eta^\text{base}_t`.
    warmup_steps : int
        :math:`t_\mathrm{w} \ge 1` (not :math:`W`, which is the number of weights).
    start_factor : float
        :math:`f_0 \in (0, 1]`.

    Returns
    -------
    Schedule
    """
    if not callable(schedule):
        raise TypeError(f"schedule must be callable, got {schedule!r}")
    t_w = _validate.integer("warmup_steps", warmup_steps, lo=1)
    f0 = _validate.number("start_factor", start_factor, 0.0, 1.0, lo_open=True)

    def rate(t):
        return schedule(t) * (f0 + (1 - f0) * min(t, t_w) / t_w)

    return Schedule("warmup", rate, schedule=schedule, warmup_steps=t_w, start_factor=f0)


def warmup_cosine(lr, total_steps, warmup_steps=None, start_factor=1 / 3, lr_min=0.0):
    """Cosine annealing over ``total_steps`` with a linear warm-up over the first ones.

    ``warmup(cosine(lr, total_steps, lr_min), warmup_steps, start_factor)``, with
    ``warmup_steps`` a tenth of ``total_steps`` (at least 1) if None.

    Returns
    -------
    Schedule
    """
    T = _validate.integer("total_steps", total_steps, lo=1)
    t_w = max(1, T // 10) if warmup_steps is None else warmup_steps
    return warmup(cosine(lr, T, lr_min), t_w, start_factor)


SCHEDULES = {
    "constant": constant,
    "step": step_decay,
    "exponential": exponential,
    "1/t": inverse_time,
    "cosine": cosine,
    "warmup+cosine": warmup_cosine,
}


def make_schedule(name, lr, total_steps):
    """A sensible schedule of kind ``name`` (a key of ``SCHEDULES``) for a run of ``total_steps``.

    The widgets' schedule picker uses it. Choices: ``"step"`` divides the rate by 10 every
    third of the run; ``"exponential"`` and ``"1/t"`` end at ``lr/100`` and ``lr/10``;
    ``"cosine"`` anneals to 0; ``"warmup+cosine"`` adds a warm-up over the first tenth.

    Parameters
    ----------
    name : str
        One of ``"constant"``, ``"step"``, ``"exponential"``, ``"1/t"``, ``"cosine"``,
        ``"warmup+cosine"``.
    lr : float
        The initial (peak) learning rate, ``> 0``.
    total_steps : int
        Length of the run, ``>= 1``.

    Returns
    -------
    Schedule

    Examples
    --------
    >>> make_schedule("exponential", 0.1, 100)(100)  # doctest: +ELLIPSIS
    0.00100000...
    """
    _validate.choice("name", name, SCHEDULES)
    T = _validate.integer("total_steps", total_steps, lo=1)
    if name == "step":
        return step_decay(lr, step_size=math.ceil(T / 3), gamma=0.1)
    if name == "exponential":
        return exponential(lr, gamma=0.01 ** (1 / T))
    if name == "1/t":
        return inverse_time(lr, decay=9 / T)
    if name in ("cosine", "warmup+cosine"):
        return SCHEDULES[name](lr, T)
    return constant(lr)
