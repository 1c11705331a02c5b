r"""The stepping core, and one training loop for batch, stochastic and mini-batch descent.

**The core.** Every loop of the package is a :class:`Descent`: an iterator over the steps
of an optimizer, fed by an *oracle* that gives the loss and the gradient at a point,

.. math::

    (E_k, g_k) = \text{oracle}(w_k), \qquad
    w_{k+1} = \text{update}(w_k, g_k, \eta_k),

under one divergence rule (:class:`Divergence`). Whatever iterates decides when to stop
and what to keep: :func:`course_utils.optimizers.run` records a trajectory, :func:`train`
a :class:`History`, with an :class:`Evaluation` (the whole-set numbers) every epoch.
Mini-batches are an oracle like any other (:func:`minibatch_oracle`).

**Training** is the algorithm of chapter 3, written out once:

1. initialise the parameters :math:`w^{(0)}`;
2. every **epoch**, shuffle the training set and split it into batches of
   :math:`B` examples;
3. for every batch (one **training step** :math:`\tau`): compute the batch loss and
   its gradient and let the optimizer update

   .. math:: w^{(\tau+1)} = w^{(\tau)} - \eta_\tau \nabla E_{\text{batch}}(w^{(\tau)})

   (plain SGD; other optimizers replace this line by their own rule).

``batch_size = N`` is batch gradient descent, ``batch_size = 1`` stochastic gradient
descent and anything in between mini-batch training. The model is anything with
``get_flat()``, ``set_flat(w)`` and ``flat_loss_and_grad(w, X, y)`` (for example
:class:`course_utils.nn.MLP`); the optimizer is anything with ``init(params)``, ``lr``
and ``step(params, grad, state, lr=None)`` (every class of :mod:`course_utils.optimizers`,
whose ``update`` is the same step without its argument checks).
"""

import math
from typing import NamedTuple

import numpy as np

from course_utils import _validate
from course_utils.clipping import clip_by_global_norm, global_norm
from course_utils.data import minibatch_stream


class Divergence(NamedTuple):
    r"""The one divergence rule of the package.

    A run diverges at the first step whose loss is not finite or exceeds ``max_loss``,
    whose gradient is not finite, or whose new parameters are not finite or leave the
    box :math:`\max_i |w_i| \le` ``bound``. :class:`Descent` applies it to the oracle's
    loss and gradient and to every new point; whoever computes further losses (a loss
    recorded at every point, an evaluation on the whole training set) applies
    :meth:`loss_ok` to them.
    """

    bound: float = 1e6
    max_loss: float = math.inf

    def loss_ok(self, loss):
        """Whether ``loss`` (a float) is finite and at most ``max_loss``."""
        return math.isfinite(loss) and loss <= self.max_loss

    def gradient_ok(self, loss, grad_norm):
        """Whether an oracle's answer is fine: its loss (if any) and its gradient's norm."""
        return (loss is None or self.loss_ok(loss)) and math.isfinite(grad_norm)

    def point_ok(self, w):
        """Whether every entry of ``w`` is finite and within ``bound`` in size."""
        size = float(np.maximum.reduce(np.abs(w), axis=None)) if w.size else 0.0  # nan if a nan
        return math.isfinite(size) and size <= self.bound

    def rows_ok(self, W, losses=None):
        """:meth:`point_ok` (and :meth:`loss_ok`) of each row of ``W`` alone: a bool array."""
        size = np.max(np.abs(W), axis=tuple(range(1, W.ndim)), initial=0.0)
        ok = np.isfinite(size) & (size <= self.bound)
        if losses is not None:
            ok &= np.isfinite(losses) & (losses <= self.max_loss)
        return ok


DIVERGENCE = Divergence()  # the default rule: |w_i| <= 1e6 and finite losses


class _Never:
    """The rule of ``Descent(..., rule=None)``: nothing diverges."""

    def gradient_ok(self, loss, grad_norm):
        return True

    def point_ok(self, w):
        return True


class Step(NamedTuple):
    """One step of a :class:`Descent`, from :math:`w_k` to :math:`w_{k+1}`."""

    k: int  # the index of the step, 0 first
    w: np.ndarray  # the new parameters w_{k+1}
    loss: float | None  # E(w_k) as the oracle gave it; None if it gives no loss
    grad: np.ndarray  # g_k, the oracle's gradient at w_k (before any clipping)
    grad_norm: float  # ||g_k||, its global norm
    lr: float  # the learning rate eta_k of the step
    state: object  # the optimizer's state after the step


class Descent:
    r"""The stepping core: iterate over the steps of ``optimizer`` from ``w0``.

    Step :math:`k` asks the oracle for :math:`(E_k, g_k)` at :math:`w_k`, takes the
    learning rate :math:`\eta_k` = ``schedule(k)`` (or the optimizer's ``lr``), clips
    :math:`g_k` to global norm ``clip_norm`` if given, and lets the optimizer make
    :math:`w_{k+1}`; it yields a :class:`Step`. The iteration never ends by itself
    unless the run diverges (``rule``, see :class:`Divergence`): then the step that
    failed is not yielded, ``diverged_at`` is its index :math:`k`, and ``w`` stays the
    last good point. Stopping sooner is the caller's choice: iterate over
    ``descent.take(n)``, or ``break``. Iterating again goes on from where the last
    iteration stopped. No numpy warning escapes a step.

    The arguments are checked here, once; the steps check nothing but the rule. The
    optimizer's ``update`` (the rule without the checks of ``step``) is what a step
    calls; an optimizer without one is called through ``step``.

    Methods built on this core need nothing more from it. A decreasing step
    :math:`\eta_k = a/(b + k)` is a ``schedule``. Newton's method is an optimizer that
    holds the Hessian function; L-BFGS keeps its last steps and gradient changes in its
    state. A backtracking line search is an optimizer that holds the loss function: it
    tries step sizes on the ``update`` of the optimizer it wraps (pure, so a rejected try
    leaves nothing behind) and keeps the size it chose in its state. An oracle that
    returns the loss too puts :math:`E(w_k)` into every :class:`Step`, beside the
    gradient's norm and the learning rate, for a stopping rule or a record.

    Parameters
    ----------
    optimizer : object
        Has ``init(params)``, ``lr`` and ``update(w, g, state, lr)`` or
        ``step(params, grad, state, lr=None)``, e.g. one of :mod:`course_utils.optimizers`.
    oracle : callable
        ``oracle(w)`` returns ``(loss, grad)``: the loss at ``w`` (a number, or None
        if it is not known) and the gradient, shaped like ``w``. See
        :func:`gradient_oracle` and :func:`minibatch_oracle`.
    w0 : array_like
        The starting point, finite (and within ``rule.bound``).
    schedule : callable, optional
        ``schedule(k)`` returns the learning rate of step ``k`` (>= 0; see
        :mod:`course_utils.schedules`). Default: the optimizer's own ``lr``.
    clip_norm : float, optional
        Clip each gradient to this global norm (:func:`~course_utils.clipping.clip_by_global_norm`).
    rule : Divergence or None
        The divergence rule; None stops nothing (the caller checks what it needs).

    Notes
    -----
    ``descent.w`` is the current point (``w0``, then the last point yielded),
    ``descent.state`` the optimizer's state there, ``descent.k`` the number of steps
    made, and ``descent.diverged_at`` the index of the step that diverged, or None.

    Examples
    --------
    >>> from course_utils.optimizers import SGD
    >>> descent = Descent(SGD(lr=0.5), gradient_oracle(lambda w: w), [1.0, -2.0])
    >>> [step.w.tolist() for step in descent.take(2)]
    [[0.5, -1.0], [0.25, -0.5]]
    """

    def __init__(self, optimizer, oracle, w0, schedule=None, clip_norm=None, rule=DIVERGENCE):
        _check_optimizer(optimizer)
        _validate.function("oracle", oracle)
        _validate.function("schedule", schedule, optional=True)
        if clip_norm is not None:
            clip_norm = _validate.positive("clip_norm", clip_norm)
        _check_rule(rule, optional=True)
        w = _validate.array("w0", w0)
        if rule is not None and not rule.point_ok(w):
            raise ValueError(
                f"w0 must lie within bound = {rule.bound:g}, got max |w0| = {np.abs(w).max():g}"
            )
        self.optimizer, self.oracle, self.schedule = optimizer, oracle, schedule
        self.clip_norm, self.rule = clip_norm, _Never() if rule is None else rule
        self.update = getattr(optimizer, "update", optimizer.step)
        self.w, self.state, self.k, self.diverged_at = w, optimizer.init(w), 0, None

    def __iter__(self):
        oracle, update, rule = self.oracle, self.update, self.rule
        w, state, k = self.w, self.state, self.k
        while self.diverged_at is None:
            with np.errstate(all="ignore"):
                lr = self._lr(k)
                loss, g = oracle(w)  # the loss and the gradient at w (say, of the next batch)
                loss, g, norm, g_step = self._answer(loss, g)  # g_step: g clipped, if asked
                ok = rule.gradient_ok(loss, norm)
                if ok:
                    w_new, state_new = update(w, g_step, state, lr)  # the optimizer's rule
                    ok = rule.point_ok(w_new)
            if not ok:
                self.diverged_at = k
                return
            w, state = w_new, state_new
            self.w, self.state, self.k = w, state, k + 1
            yield Step(k, w, loss, g, norm, lr, state)
            k += 1

    def _lr(self, k):
        if self.schedule is None:
            return self.optimizer.lr
        return _validate.number(f"schedule({k})", self.schedule(k), lo=0.0)

    def _answer(self, loss, g):
        """The oracle's answer as floats, the gradient's norm, and the gradient to step with."""
        loss, g = None if loss is None else float(loss), np.asarray(g, dtype=float)
        if self.clip_norm is None:
            return loss, g, global_norm(g), g
        g_step, norm = clip_by_global_norm(g, self.clip_norm)
        return loss, g, norm, g_step

    def take(self, n):
        """Iterate over at most ``n`` more steps (fewer if the run diverges)."""
        n = _validate.integer("n", n, lo=0)
        for _, step in zip(range(n), self, strict=False):  # range first: no extra step
            yield step


def gradient_oracle(grad_fn):
    """The oracle of a gradient function: ``w -> (None, grad_fn(w))`` (the loss unknown).

    Examples
    --------
    >>> gradient_oracle(lambda w: 2 * w)(3.0)
    (None, 6.0)
    """
    _validate.function("grad_fn", grad_fn)

    def oracle(w):
        return None, grad_fn(w)

    return oracle


def minibatch_oracle(loss_and_grad, X, y, batch_size=None, seed=0):
    r"""The oracle of mini-batch training: each call answers on the next batch.

    The batches come from shuffled epochs, one after another
    (:func:`~course_utils.data.minibatch_stream`, a generator seeded by ``seed``): the
    :math:`\lceil N/B \rceil` batches of an epoch visit every example once. A call at
    ``w`` returns ``loss_and_grad(w, X_batch, y_batch)``, the batch loss and its gradient.

    Parameters
    ----------
    loss_and_grad : callable
        ``loss_and_grad(w, X, y) -> (loss, grad)``, e.g. a model's ``flat_loss_and_grad``.
    X, y : ndarray
        The training set, ``N`` rows each.
    batch_size : int, optional
        :math:`B` in [1, N]; default N (batch gradient descent).
    seed : int or numpy.random.Generator
        Seeds the shuffling.

    Returns
    -------
    callable

    Examples
    --------
    >>> X, y = np.array([[1.0], [2.0]]), np.array([1.0, 2.0])
    >>> oracle = minibatch_oracle(lambda w, X, y: (len(X), X[:, 0] @ y), X, y)
    >>> oracle(None)  # the full batch: 1 * 1 + 2 * 2
    (2, np.float64(5.0))
    """
    _validate.function("loss_and_grad", loss_and_grad)
    X, y = _check_data("X", X, "y", y)
    B = len(X) if batch_size is None else _validate.integer("batch_size", batch_size, 1, len(X))
    batches = minibatch_stream(X, y, B, _validate.rng(seed))

    def oracle(w):
        X_batch, y_batch = next(batches)
        return loss_and_grad(w, X_batch, y_batch)

    return oracle


class Evaluation:
    """An observer of the core: the whole-set numbers at the points it is shown.

    Each call ``evaluation(t, w)`` records, at the flat parameters ``w`` after ``t``
    steps, the loss on the whole training set, the training accuracy (classification
    only), and the loss and accuracy on the validation set if there is one. The model is
    only read: ``flat_loss_and_grad(w, X, y)`` and, for accuracy, ``flat_accuracy(w, X,
    y)``, which it has if it can compute one (as :class:`course_utils.nn.MLP` does).

    Parameters
    ----------
    model : object
        Has ``flat_loss_and_grad(w, X, y)``, and possibly ``flat_accuracy(w, X, y)``.
    X, y : ndarray
        The training set.
    X_val, y_val : ndarray, optional
        A validation set, given together.
    rule : Divergence
        Its ``loss_ok`` judges the training loss of every evaluation.

    Notes
    -----
    The lists ``steps``, ``losses``, ``accuracy``, ``val_losses`` and ``val_accuracy``
    hold one entry per recorded evaluation (``accuracy`` only for classification, the
    ``val_`` lists only with a validation set). ``classify`` says whether accuracy is
    recorded: the model has ``flat_accuracy`` and the task is classification (its
    ``loss_name`` is ``"cross_entropy"``, or, if it names no loss, ``y`` holds integer
    labels of shape (N,)).
    """

    def __init__(self, model, X, y, X_val=None, y_val=None, rule=DIVERGENCE):
        _check_rule(rule)
        self.model = model
        self.X, self.y = _check_data("X", X, "y", y)
        if (X_val is None) != (y_val is None):
            raise ValueError("X_val and y_val must be given together")
        if X_val is not None:
            X_val, y_val = _check_data("X_val", X_val, "y_val", y_val)
            shape = self.X.shape[1:]
            if X_val.shape[1:] != shape:
                raise ValueError(
                    f"X_val must have rows shaped like X's {shape}, got {X_val.shape[1:]}"
                )
        self.X_val, self.y_val, self.rule = X_val, y_val, rule
        self.classify = _is_classification(model, self.y)
        self.steps, self.losses, self.accuracy = [], [], []
        self.val_losses, self.val_accuracy = [], []

    def __call__(self, t, w):
        """Record the numbers at ``w``; False if the training loss diverged.

        A training loss that is not finite is not recorded (nor anything else); one
        above the rule's ``max_loss`` is recorded with the rest.
        """
        model, has_val = self.model, self.X_val is not None
        with np.errstate(all="ignore"):
            loss = float(model.flat_loss_and_grad(w, self.X, self.y)[0])
            if not math.isfinite(loss):
                return False
            self.losses.append(loss)
            self.steps.append(t)
            if self.classify:
                self.accuracy.append(float(model.flat_accuracy(w, self.X, self.y)))
            if has_val:
                val_loss = model.flat_loss_and_grad(w, self.X_val, self.y_val)[0]
                self.val_losses.append(float(val_loss))
                if self.classify:
                    self.val_accuracy.append(float(model.flat_accuracy(w, self.X_val, self.y_val)))
        return self.rule.loss_ok(loss)


class History(NamedTuple):
    r"""What happened during :func:`train`.

    With :math:`T` completed training steps and :math:`E` completed epochs:

    - ``losses`` (T,): the mini-batch loss at each step, before its update;
    - ``epoch_losses`` (E+1,): the loss on the whole training set at the start and
      after every epoch;
    - ``eval_steps`` (E+1,): the number of steps made at each of these evaluations;
    - ``epoch_accuracy`` (E+1,) or None: training accuracy at the same moments
      (classification only);
    - ``val_losses``, ``val_accuracy`` (E+1,) or None: the same on the validation set;
    - ``path`` (T+1, W) or None: the flat parameters :math:`w^{(0)}, \dots, w^{(T)}`;
    - ``lrs`` (T,): the learning rate used at each step;
    - ``steps_per_epoch``: :math:`\lceil N / B \rceil`;
    - ``diverged``, ``diverged_at``: whether training stopped early, and the index of
      the step that failed (then ``T == diverged_at``);
    - ``grad_norms`` (T,): :math:`\|\nabla E_{\text{batch}}\|` at each step;
    - ``examples_seen`` (T,): examples processed after each step (a cost axis that
      compares batch sizes fairly);
    - ``w`` (W,): the final parameters (also written into the model).
    """

    losses: np.ndarray
    epoch_losses: np.ndarray
    epoch_accuracy: np.ndarray | None
    val_losses: np.ndarray | None
    val_accuracy: np.ndarray | None
    path: np.ndarray | None
    lrs: np.ndarray
    steps_per_epoch: int
    diverged: bool
    diverged_at: int | None
    grad_norms: np.ndarray
    examples_seen: np.ndarray
    w: np.ndarray
    eval_steps: np.ndarray


def train(
    model,
    X,
    y,
    optimizer,
    batch_size=None,
    epochs=10,
    seed=0,
    schedule=None,
    X_val=None,
    y_val=None,
    record_path=False,
):
    r"""Train ``model`` on ``(X, y)`` with mini-batches of ``batch_size`` examples.

    The core (:class:`Descent`) runs ``epochs`` epochs of :func:`minibatch_oracle`'s
    batches, from the model's own parameters: each epoch shuffles the training set with
    a generator seeded by ``seed`` and visits it in :math:`\lceil N/B \rceil` batches
    (the last one may be smaller), and each step calls ``optimizer`` with learning rate
    ``schedule(t)`` (or its own ``lr``) on the batch gradient. An :class:`Evaluation`
    records the whole-set numbers at the start and after every epoch.

    **Divergence** (:class:`Divergence`: a batch loss or gradient that is not finite,
    parameters that are not finite or exceed :math:`10^6` in size, or a training loss
    that is not finite after an epoch) stops training cleanly, without an exception or
    a numpy warning. A failed step is not recorded: the history holds the
    ``diverged_at`` steps completed before it.

    **The model is updated** at the end: ``model.set_flat(w)`` stores the final (last
    good) parameters in it, like training a ``torch.nn.Module``. Nothing else reads or
    changes it while training.

    Parameters
    ----------
    model : object
        Has ``get_flat()``, ``set_flat(w)`` and ``flat_loss_and_grad(w, X, y)``; for a
        classification task with ``flat_accuracy(w, X, y)``, accuracy is recorded.
    X : ndarray of shape (N, ...)
        Training inputs.
    y : ndarray of shape (N, ...)
        Training targets (integer labels for classification).
    optimizer : object
        Has ``init(params)``, ``lr`` and ``step(params, grad, state, lr=None)``.
    batch_size : int, optional
        Examples per step, in [1, N]. Default N (batch gradient descent).
    epochs : int
        Number of passes through the training set, at least 0.
    seed : int or numpy.random.Generator
        Seeds the shuffling; the same call gives the same numbers.
    schedule : callable, optional
        ``schedule(t) -> float``, the learning rate of step ``t = 0, 1, ...``.
        Default: the optimizer's own ``lr``.
    X_val, y_val : ndarray, optional
        A validation set, evaluated at the start and after every epoch.
    record_path : bool
        Record the flat parameters after every step.

    Returns
    -------
    History
        Per-step and per-epoch records; see :class:`History`.

    Raises
    ------
    ValueError
        For an invalid argument (the message names it), or a training loss at the
        start that is not finite.
    TypeError
        For a model or optimizer without the methods listed above.

    Examples
    --------
    >>> from course_utils.nn import MLP
    >>> from course_utils.optimizers import SGD
    >>> from course_utils.data import make_linear_regression
    >>> data = make_linear_regression(n=100, seed=0)
    >>> model = MLP([1, 1])
    >>> h = train(model, data.X, data.y, SGD(lr=0.1), batch_size=10, epochs=5)
    >>> len(h.losses), len(h.epoch_losses), h.steps_per_epoch
    (50, 6, 10)
    """
    _check_model(model)
    evaluation = Evaluation(model, X, y, X_val, y_val)
    N = len(evaluation.X)
    B = N if batch_size is None else _validate.integer("batch_size", batch_size, lo=1, hi=N)
    epochs = _validate.integer("epochs", epochs, lo=0)
    oracle = minibatch_oracle(model.flat_loss_and_grad, evaluation.X, evaluation.y, B, seed)
    w0 = np.array(model.get_flat(), dtype=float).ravel()
    if not evaluation(0, w0):
        raise ValueError("the training loss at the starting parameters is not finite")
    descent = Descent(optimizer, oracle, w0, schedule)

    per_epoch, losses, lrs, norms, path = math.ceil(N / B), [], [], [], [w0]
    failed_at = None  # an evaluation after this many steps found the training loss diverged
    for step in descent.take(epochs * per_epoch):
        losses.append(step.loss)
        lrs.append(step.lr)
        norms.append(step.grad_norm)
        if record_path:
            path.append(step.w)
        t = step.k + 1
        if t % per_epoch == 0 and not evaluation(t, step.w):
            failed_at = t
            break
    diverged_at = descent.diverged_at if failed_at is None else failed_at
    model.set_flat(descent.w)
    has_val = X_val is not None
    t = np.arange(1, len(losses) + 1)
    return History(
        losses=np.array(losses, dtype=float),
        epoch_losses=np.array(evaluation.losses),
        epoch_accuracy=np.array(evaluation.accuracy) if evaluation.classify else None,
        val_losses=np.array(evaluation.val_losses) if has_val else None,
        val_accuracy=np.array(evaluation.val_accuracy) if has_val and evaluation.classify else None,
        path=np.array(path) if record_path else None,
        lrs=np.array(lrs, dtype=float),
        steps_per_epoch=per_epoch,
        diverged=diverged_at is not None,
        diverged_at=diverged_at,
        grad_norms=np.array(norms, dtype=float),
        examples_seen=t // per_epoch * N + t % per_epoch * B,
        w=descent.w.copy(),
        eval_steps=np.array(evaluation.steps, dtype=int),
    )


def compare(model_factory, X, y, configs, **common):
    """Train a fresh model for each configuration and return their histories.

    Parameters
    ----------
    model_factory : callable
        ``model_factory()`` returns a new, identically initialised model.
    X, y : ndarray
        Training data, shared by all runs.
    configs : dict
        Label -> dict of keyword arguments of :func:`train` (must include
        ``optimizer`` unless it is in ``common``).
    **common
        Keyword arguments of :func:`train` shared by all runs.

    Returns
    -------
    dict
        Label -> :class:`History`, in the order of ``configs``.

    Examples
    --------
    >>> from course_utils.nn import MLP
    >>> from course_utils.optimizers import SGD
    >>> from course_utils.data import make_linear_regression
    >>> d = make_linear_regression(n=64)
    >>> runs = compare(lambda: MLP([1, 1]), d.X, d.y,
    ...                {"batch": {"batch_size": 64}, "SGD": {"batch_size": 1}},
    ...                optimizer=SGD(lr=0.05), epochs=3)
    >>> [len(h.losses) for h in runs.values()]
    [3, 192]
    """
    if not callable(model_factory):
        raise TypeError("model_factory must be callable, returning a new model")
    if not isinstance(configs, dict) or not configs:
        raise ValueError("configs must be a non-empty dict of label -> train() keywords")
    return {
        label: train(model_factory(), X, y, **{**common, **kw}) for label, kw in configs.items()
    }


# --- argument checks ----------------------------------------------------------------------


def _check_rule(rule, optional=False):
    if rule is None and optional:
        return
    if not isinstance(rule, Divergence):
        raise TypeError(f"rule must be a Divergence{' or None' if optional else ''}, got {rule!r}")
    if not rule.bound > 0 or not rule.max_loss > 0:  # inf allowed: no limit
        raise ValueError(f"rule.bound and rule.max_loss must be > 0, got {rule}")


def _check_model(model):
    for method in ("get_flat", "set_flat", "flat_loss_and_grad"):
        if not callable(getattr(model, method, None)):
            raise TypeError(f"model must have a {method}() method, got {type(model).__name__}")


def _check_optimizer(optimizer):
    for method in ("init", "step"):
        if not callable(getattr(optimizer, method, None)):
            raise TypeError(
                f"optimizer must have init() and step() methods, got {type(optimizer).__name__}"
            )


def _check_data(name_X, X, name_y, y):
    X = _validate.array(name_X, X)
    if X.ndim == 0 or len(X) == 0:
        raise ValueError(f"{name_X} must hold at least one example, got shape {X.shape}")
    y = np.asarray(y)
    if y.ndim == 0 or len(y) != len(X):
        raise ValueError(
            f"{name_y} must have one entry per row of {name_X} ({len(X)}), got shape {y.shape}"
        )
    if y.dtype.kind not in "biuf" or (y.dtype.kind == "f" and not np.all(np.isfinite(y))):
        raise ValueError(f"{name_y} must contain only finite numbers")
    return X, y


def _is_classification(model, y):
    """Record accuracy if the model can compute it and this is a classification task.

    The task is the model's ``loss_name == "cross_entropy"`` if it names its loss (as
    :class:`course_utils.nn.MLP` does), otherwise integer labels ``y`` of shape (N,).
    """
    if not callable(getattr(model, "flat_accuracy", None)):
        return False
    loss_name = getattr(model, "loss_name", None)
    if loss_name is not None:
        return loss_name == "cross_entropy"
    return y.ndim == 1 and y.dtype.kind in "biu"
