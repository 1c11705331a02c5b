r"""One training loop for batch, stochastic and mini-batch gradient descent.

The loop is the algorithm of chapter 3, written out once:

1. initialise the parameters :math:`w^{(0)}`;
2. every **epoch**, shuffle the training set and split it into batches of
   :math:`B` examples;
3. for every batch (one **training step** :math:`\tau`): compute the batch loss and
   its gradient, optionally clip the gradient, and let the optimizer update

   .. math:: w^{(\tau+1)} = w^{(\tau)} - \eta_\tau \nabla E_{\text{batch}}(w^{(\tau)})

   (plain SGD; other optimizers replace this line by their own rule).

``batch_size = N`` is batch gradient descent, ``batch_size = 1`` stochastic gradient
descent and anything in between mini-batch training. The model is anything with
``get_flat()``, ``set_flat(w)`` and ``flat_loss_and_grad(w, X, y)`` (for example
:class:`course_utils.nn.MLP`); the optimizer is anything with ``init(params)`` and
``step(params, grad, state, lr=None)`` (every class of :mod:`course_utils.optimizers`).
"""

import math
from typing import NamedTuple

import numpy as np

from course_utils import _validate
from course_utils.clipping import clip_by_global_norm, global_norm
from course_utils.data import minibatches


class History(NamedTuple):
    r"""What happened during :func:`train`.

    With :math:`T` completed training steps and :math:`E` evaluations after the start
    (one per completed epoch, or see ``eval_every`` in :func:`train`):

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
    - ``grad_norms`` (T,): :math:`\|\nabla E_{\text{batch}}\|` before clipping;
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
    if not callable(getattr(model, "accuracy", None)):
        return False
    loss_name = getattr(model, "loss_name", None)
    if loss_name is not None:
        return loss_name == "cross_entropy"
    return y.ndim == 1 and y.dtype.kind in "biu"


def _finite_within(w, bound):
    return bool(np.all(np.isfinite(w)) and np.max(np.abs(w), initial=0.0) <= bound)


def train(
    model,
    X,
    y,
    optimizer,
    batch_size=None,
    epochs=10,
    seed=0,
    schedule=None,
    clip_norm=None,
    X_val=None,
    y_val=None,
    record_path=False,
    w0=None,
    bound=1e6,
    updates=None,
    eval_every=None,
    max_loss=None,
):
    r"""Train ``model`` on ``(X, y)`` with mini-batches of ``batch_size`` examples.

    Each epoch shuffles the training set with a generator seeded by ``seed`` and
    visits it in :math:`\lceil N/B \rceil` batches (the last one may be smaller).
    Each step computes the batch loss :math:`E_{\text{batch}}(w)` and gradient
    :math:`g`, clips :math:`g` to norm ``clip_norm`` if given, and calls
    ``optimizer.step(w, g, state, lr=schedule(t))``.

    **Divergence** stops training cleanly (no exception, no numpy warning) at the first
    step whose batch loss or gradient is not finite (or the loss exceeds ``max_loss``),
    or whose update gives parameters that are not finite or exceed ``bound`` in absolute
    value, or after an evaluation whose training loss is not finite (or exceeds
    ``max_loss``; such a finite loss is still recorded). A failed step is not recorded:
    the history holds the ``diverged_at`` steps completed before it, and the model keeps
    the last good parameters.

    **Budget and evaluations.** Training makes ``epochs`` passes, or stops sooner after
    ``updates`` steps (possibly in the middle of an epoch, which then counts as the last
    one). The whole-set numbers (``epoch_losses``, accuracies, validation) are recorded
    at the start and after every epoch; with ``eval_every = k`` they are recorded
    instead at the start, after every :math:`k` steps and at the final parameters
    (whether the budget ran out or training diverged), and ``eval_steps`` says when.

    **The model is updated in place**: at the end, ``model.set_flat(w)`` stores the
    final parameters in it (like training a ``torch.nn.Module``). Nothing else about
    the model changes; if an exception interrupts training, its parameters are restored.

    Parameters
    ----------
    model : object
        Has ``get_flat()``, ``set_flat(w)`` and ``flat_loss_and_grad(w, X, y)``; if it
        also has ``accuracy(X, y)`` and ``y`` holds integer labels, accuracy is recorded.
    X : ndarray of shape (N, ...)
        Training inputs.
    y : ndarray of shape (N, ...)
        Training targets (integer labels for classification).
    optimizer : object
        Has ``init(params)`` and ``step(params, grad, state, lr=None)``.
    batch_size : int, optional
        Examples per step, in [1, N]. Default N (batch gradient descent).
    epochs : int
        Number of passes through the training set, at least 0.
    seed : int or numpy.random.Generator
        Seeds the shuffling; the same call gives the same numbers.
    schedule : callable, optional
        ``schedule(t) -> float``, the learning rate of step ``t = 0, 1, ...``.
        Default: the optimizer's own ``lr``.
    clip_norm : float, optional
        If given (> 0), gradients are clipped to this global norm.
    X_val, y_val : ndarray, optional
        A validation set, evaluated at the start and after every epoch.
    record_path : bool
        Record the flat parameters after every step.
    w0 : ndarray of shape (W,), optional
        Starting parameters. Default: the model's current parameters.
    bound : float
        Parameters larger than this in absolute value count as divergence.
    updates : int, optional
        At most this many steps in all (>= 0). Default: no limit but ``epochs``.
    eval_every : int, optional
        Evaluate every this many steps (>= 1) instead of after every epoch.
    max_loss : float, optional
        A batch or evaluated training loss above this counts as divergence (> 0).
        Default: only a non-finite loss does.

    Returns
    -------
    History
        Per-step and per-epoch records; see :class:`History`.

    Raises
    ------
    ValueError
        For an invalid argument (the message names it), a start outside ``bound``, a
        non-finite loss (or one above ``max_loss``) at the start, or a negative learning
        rate from ``schedule``.
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
    _check_optimizer(optimizer)
    X, y = _check_data("X", X, "y", y)
    N = len(X)
    B = N if batch_size is None else _validate.integer("batch_size", batch_size, lo=1, hi=N)
    epochs = _validate.integer("epochs", epochs, lo=0)
    rng = _validate.rng(seed)
    if schedule is not None and not callable(schedule):
        raise TypeError(f"schedule must be callable or None, got {type(schedule).__name__}")
    if clip_norm is not None:
        clip_norm = _validate.positive("clip_norm", clip_norm)
    if (X_val is None) != (y_val is None):
        raise ValueError("X_val and y_val must be given together")
    if X_val is not None:
        X_val, y_val = _check_data("X_val", X_val, "y_val", y_val)
        if X_val.shape[1:] != X.shape[1:]:
            raise ValueError(
                f"X_val must have rows shaped like X's {X.shape[1:]}, got {X_val.shape[1:]}"
            )
    bound = _validate.positive("bound", bound)
    budget = math.inf if updates is None else _validate.integer("updates", updates, lo=0)
    if eval_every is not None:
        eval_every = _validate.integer("eval_every", eval_every, lo=1)
    max_loss = math.inf if max_loss is None else _validate.positive("max_loss", max_loss)
    w_start = np.array(model.get_flat(), dtype=float).ravel()
    if w0 is not None:
        w_start = _validate.array("w0", w0, shape=(w_start.size,)).copy()
    if np.max(np.abs(w_start), initial=0.0) > bound:
        raise ValueError(f"the starting parameters must lie within bound = {bound:g}")

    classify = _is_classification(model, y)
    has_val = X_val is not None
    losses, lrs, norms, seen, path = [], [], [], [], [w_start.copy()]
    ep_loss, ep_acc, val_loss, val_acc, ev_steps = [], [], [], [], []

    def evaluate(w):
        """Record the whole-set numbers at w; False if the training loss diverged."""
        with np.errstate(all="ignore"):
            loss = float(model.flat_loss_and_grad(w, X, y)[0])
        if not math.isfinite(loss):
            return False
        ep_loss.append(loss)
        ev_steps.append(t)
        if classify or has_val:
            model.set_flat(w)  # accuracy() reads the model's own parameters
            with np.errstate(all="ignore"):
                if classify:
                    ep_acc.append(float(model.accuracy(X, y)))
                if has_val:
                    val_loss.append(float(model.flat_loss_and_grad(w, X_val, y_val)[0]))
                    if classify:
                        val_acc.append(float(model.accuracy(X_val, y_val)))
        return loss <= max_loss

    w_model = np.array(model.get_flat(), dtype=float)  # restored if an exception escapes
    w, t, failed = w_start, 0, False
    try:
        if not evaluate(w):
            raise ValueError(
                "the training loss at the starting parameters is not finite (or above max_loss)"
            )
        state = optimizer.init(w)
        for _ in range(epochs):
            if t == budget:
                break
            for Xb, yb in minibatches(X, y, B, rng, shuffle=True):
                lr = None  # None: the optimizer's own lr
                if schedule is not None:
                    lr = _validate.number(f"schedule({t})", schedule(t), lo=0)
                with np.errstate(all="ignore"):
                    loss, g = model.flat_loss_and_grad(w, Xb, yb)
                    g = np.asarray(g, dtype=float)
                    if clip_norm is None:
                        norm = float(global_norm(g))
                    else:
                        g, norm = clip_by_global_norm(g, clip_norm)
                    failed = not (math.isfinite(loss) and loss <= max_loss)
                    failed = failed or not math.isfinite(norm)
                    if not failed:
                        w_new, state = optimizer.step(w, g, state, lr=lr)
                        failed = not _finite_within(w_new, bound)
                if failed:
                    break
                w = np.asarray(w_new, dtype=float)
                losses.append(float(loss))
                lrs.append(float(optimizer.lr if lr is None else lr))
                norms.append(norm)
                seen.append((seen[-1] if seen else 0) + len(Xb))
                if record_path:
                    path.append(w.copy())
                t += 1
                if eval_every is not None and t % eval_every == 0:
                    failed = not evaluate(w)
                if failed or t == budget:
                    break
            if eval_every is None:
                failed = failed or not evaluate(w)
            if failed:
                break
        if eval_every is not None and ev_steps[-1] != t:
            failed = not evaluate(w) or failed
    except BaseException:
        model.set_flat(w_model)
        raise
    model.set_flat(w)

    def arr(values, wanted=True):
        return np.array(values, dtype=float) if wanted else None

    return History(
        losses=arr(losses),
        epoch_losses=arr(ep_loss),
        epoch_accuracy=arr(ep_acc, classify),
        val_losses=arr(val_loss, has_val),
        val_accuracy=arr(val_acc, classify and has_val),
        path=np.array(path) if record_path else None,
        lrs=arr(lrs),
        steps_per_epoch=math.ceil(N / B),
        diverged=failed,
        diverged_at=t if failed else None,
        grad_norms=arr(norms),
        examples_seen=np.array(seen, dtype=int),
        w=w.copy(),
        eval_steps=np.array(ev_steps, dtype=int),
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
