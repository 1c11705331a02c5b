r"""Numerics of chapter 7: the digits task, learning-rate sweeps, restarts, fixed-budget runs.

- :func:`digits_split`: the 8×8 handwritten digits in a seeded train / validation / test
  split, standardised with statistics of the training part only.
- :func:`lr_sweep`: train a fresh model at each learning rate of a grid and pick the one
  with the lowest validation loss.
- :func:`restarts`: the same training from several random starts (seeds), to see the
  spread of the results.
- :func:`run_updates`: a fixed number of updates whatever the batch size, evaluated every
  few updates (the chapter's explorer), with a clear divergence rule.
- :func:`accuracy`, :func:`evaluate` and :func:`results_table`: accuracy from logits, the
  score of a parameter vector on a data set, and a plain-text table of finished runs.

Everything here is built on :func:`course_utils.training.train` and the stepping core of
:mod:`course_utils.training`, for any model with ``get_flat``, ``flat_loss_and_grad`` and
``flat_accuracy`` (such as :class:`course_utils.nn.MLP`).
"""

import math
from typing import NamedTuple

import numpy as np

from course_utils import _validate
from course_utils.data import load_digits, train_test_split
from course_utils.training import Descent, Divergence, Evaluation, minibatch_oracle, train


class DigitsSplit(NamedTuple):
    """The digits in three parts; ``images_test`` are the raw 8×8 test images (0–16)."""

    X_train: np.ndarray  #: (N_train, 64) standardised pixels
    y_train: np.ndarray  #: (N_train,) labels 0–9
    X_val: np.ndarray  #: (N_val, 64)
    y_val: np.ndarray  #: (N_val,)
    X_test: np.ndarray  #: (N_test, 64)
    y_test: np.ndarray  #: (N_test,)
    images_test: np.ndarray  #: (N_test, 8, 8) raw pixel values, for display


def digits_split(test_fraction=0.25, val_fraction=0.25, seed=0):
    r"""The 8×8 digits split into training, validation and test parts, standardised.

    First ``test_fraction`` of the 1797 images is set aside as the test set (split seeded
    by ``seed``), then ``val_fraction`` of the rest becomes the validation set (seed
    ``seed + 1``). Each pixel is standardised, :math:`x \mapsto (x - \mu)/s`, with the
    mean :math:`\mu` and standard deviation :math:`s` of the **training part only**, so
    that nothing about the validation or test images leaks into training. Pixels that
    are constant on the training part are only shifted (:math:`s` is taken as 1).

    Parameters
    ----------
    test_fraction, val_fraction : float
        In (0, 1).
    seed : int

    Returns
    -------
    DigitsSplit

    Examples
    --------
    >>> split = digits_split()
    >>> split.X_train.shape, split.X_val.shape, split.X_test.shape
    ((1011, 64), (337, 64), (449, 64))
    """
    fractions = {"test_fraction": test_fraction, "val_fraction": val_fraction}
    for name, value in fractions.items():
        _validate.number(name, value, lo=0.0, hi=1.0, lo_open=True, hi_open=True)
    seed = _validate.integer("seed", seed, lo=0)
    raw = load_digits(standardize=False)
    X_rest, X_test, y_rest, y_test = train_test_split(raw.X, raw.y, test_fraction, seed)
    X_train, X_val, y_train, y_val = train_test_split(X_rest, y_rest, val_fraction, seed + 1)
    mu, s = X_train.mean(axis=0), X_train.std(axis=0)
    s = np.where(s > 0, s, 1.0)
    return DigitsSplit(
        (X_train - mu) / s,
        y_train,
        (X_val - mu) / s,
        y_val,
        (X_test - mu) / s,
        y_test,
        X_test.reshape(-1, 8, 8),
    )


def accuracy(logits, y):
    r"""The fraction of rows whose largest logit is at the true label,
    :math:`\frac1N \sum_n [\arg\max_k \hat y_{nk} = y_n]`.

    Parameters
    ----------
    logits : ndarray of shape (N, K)
    y : ndarray of shape (N,)
        Integer labels in [0, K).

    Returns
    -------
    float

    Examples
    --------
    >>> accuracy(np.array([[2.0, 1.0], [0.0, 3.0], [1.0, 0.5]]), np.array([0, 1, 1]))
    0.6666666666666666
    """
    logits = _validate.array("logits", logits, ndim=2)
    y = np.asarray(y)
    if y.shape != (len(logits),) or (y.size and y.dtype.kind not in "iu"):
        raise ValueError(f"y must hold {len(logits)} integer labels, got {y.dtype} {y.shape}")
    if len(y) == 0:
        raise ValueError("logits must have at least one row")
    return float(np.mean(logits.argmax(axis=1) == y))


class Sweep(NamedTuple):
    """The result of :func:`lr_sweep`."""

    lrs: np.ndarray  #: the grid of learning rates
    val_losses: np.ndarray  #: final validation loss per rate (inf if the run diverged)
    val_accuracy: np.ndarray  #: final validation accuracy per rate (nan if diverged)
    best_lr: float  #: the rate with the lowest validation loss
    histories: list  #: the :class:`~course_utils.training.History` of every run


def lr_sweep(
    make_model, make_optimizer, lrs, X, y, X_val, y_val, batch_size=None, epochs=5, seed=0
):
    r"""Train a fresh model at every learning rate of ``lrs``; pick the best by validation.

    For each :math:`\eta` in the grid, ``train(make_model(), X, y, make_optimizer(eta),
    batch_size, epochs, seed, X_val=X_val, y_val=y_val)``. All runs start from the same
    initial weights (when ``make_model`` is deterministic) and see the same batches, so
    only :math:`\eta` differs. A run that diverges counts as an infinite validation loss.

    Parameters
    ----------
    make_model : callable
        ``make_model()`` returns a new model (e.g. ``lambda: MLP([64, 32, 10], ...)``).
    make_optimizer : callable
        ``make_optimizer(lr)`` returns an optimizer with that learning rate.
    lrs : sequence of float
        The grid, positive (a log grid such as ``np.logspace(-4, 0, 9)``).
    X, y, X_val, y_val : ndarray
        Training and validation data.
    batch_size : int, optional
        Default: the whole training set.
    epochs : int
    seed : int
        Seeds the shuffling.

    Returns
    -------
    Sweep
    """
    if not callable(make_model) or not callable(make_optimizer):
        raise TypeError("make_model and make_optimizer must be callables")
    lrs = _validate.array("lrs", lrs, ndim=1)
    if len(lrs) == 0 or np.any(lrs <= 0):
        raise ValueError(f"lrs must be a non-empty list of rates > 0, got {lrs}")
    histories, losses, accs = [], [], []
    for lr in lrs:
        h = train(
            make_model(),
            X,
            y,
            make_optimizer(float(lr)),
            batch_size=batch_size,
            epochs=epochs,
            seed=seed,
            X_val=X_val,
            y_val=y_val,
        )
        histories.append(h)
        ok = not h.diverged and math.isfinite(h.val_losses[-1])
        losses.append(h.val_losses[-1] if ok else math.inf)
        accs.append(h.val_accuracy[-1] if ok and h.val_accuracy is not None else math.nan)
    losses = np.array(losses)
    best = float(lrs[int(np.argmin(losses))])
    return Sweep(lrs, losses, np.array(accs), best, histories)


def restarts(make_model, optimizer, X, y, seeds=(0, 1, 2, 3, 4), **train_kw):
    """Train from several random starts: ``train(make_model(s), X, y, optimizer, seed=s)``.

    Each seed ``s`` sets both the initial weights (through ``make_model``) and the order
    of the batches, so the runs differ in everything that is random, and nothing else.

    Parameters
    ----------
    make_model : callable
        ``make_model(seed)`` returns a new model initialised from that seed.
    optimizer : object
        Shared by all runs (optimizers keep no state of their own).
    X, y : ndarray
    seeds : sequence of int
    **train_kw
        Further keywords of :func:`course_utils.training.train` (``batch_size``,
        ``epochs``, ``X_val``, ``y_val``, ``schedule`` …), the same for every run.

    Returns
    -------
    dict
        Seed -> :class:`~course_utils.training.History`.
    """
    if not callable(make_model):
        raise TypeError("make_model must be a callable make_model(seed) -> model")
    if "seed" in train_kw:
        raise ValueError("seed is set by seeds; do not pass it as well")
    seeds = [_validate.integer("seeds", s, lo=0) for s in seeds]
    if not seeds:
        raise ValueError("seeds must hold at least one seed")
    return {s: train(make_model(s), X, y, optimizer, seed=s, **train_kw) for s in seeds}


class UpdateRun(NamedTuple):
    """The result of :func:`run_updates`; curves are sampled at ``steps``."""

    steps: np.ndarray  #: (k,) number of updates made at each evaluation (0 first)
    examples_seen: np.ndarray  #: (k,) examples processed by then
    train_loss: np.ndarray  #: (k,) loss on the whole training set
    val_loss: np.ndarray  #: (k,) loss on the held-out set
    train_accuracy: np.ndarray  #: (k,)
    val_accuracy: np.ndarray  #: (k,)
    diverged_at: int | None  #: the update at which divergence was detected, or None


def run_updates(
    model,
    X,
    y,
    optimizer,
    batch_size,
    updates,
    X_val,
    y_val,
    eval_every=5,
    seed=0,
    blowup=10.0,
    bound=1e6,
):
    r"""Make exactly ``updates`` optimizer steps on batches of ``batch_size``; evaluate often.

    Unlike :func:`course_utils.training.train`, whose budget is counted in epochs, the
    budget here is a number of **updates**, whatever the batch size: the batches are
    drawn epoch after epoch (shuffled, seeded) until ``updates`` steps are made. Every
    ``eval_every`` updates (and at the start and the end) the loss and accuracy on the
    whole training set and on ``(X_val, y_val)`` are recorded.

    This is the stepping core composed by hand: :func:`~course_utils.training.minibatch_oracle`
    feeds a :class:`~course_utils.training.Descent` for ``updates`` steps, and an
    :class:`~course_utils.training.Evaluation` observes it every ``eval_every`` steps.

    **Divergence** is the package's rule (:class:`~course_utils.training.Divergence`),
    with ``max_loss`` set to ``blowup`` times the starting training loss: training
    stops, and ``diverged_at`` is the number of updates made, as soon as the parameters
    stop being finite or one exceeds ``bound`` in size, or a batch loss or the training
    loss at an evaluation is not finite or above that limit (for a 10-class
    cross-entropy that starts near :math:`\ln 10 \approx 2.3`, a loss of 23 means
    confidently wrong answers). The curves then end with an evaluation at the last
    (finite) parameters, so the blow-up shows.

    Parameters
    ----------
    model : object
        A classifier with ``get_flat()``, ``flat_loss_and_grad(w, X, y)`` and
        ``flat_accuracy(w, X, y)``, for example :class:`course_utils.nn.MLP` with a
        cross-entropy loss. It is only read: training starts from its parameters.
    X, y, X_val, y_val : ndarray
    optimizer : object
        Has ``init(params)``, ``lr`` and ``step(params, grad, state, lr=None)``.
    batch_size : int
        In [1, N].
    updates : int
        The budget, at least 1.
    eval_every : int
    seed : int or numpy.random.Generator
        Seeds the shuffling.
    blowup : float
        Factor above the starting training loss that counts as divergence, > 1.
    bound : float

    Returns
    -------
    UpdateRun
    """
    N = len(X)
    B = _validate.integer("batch_size", batch_size, lo=1, hi=N)
    updates = _validate.integer("updates", updates, lo=1)
    eval_every = _validate.integer("eval_every", eval_every, lo=1)
    blowup = _validate.number("blowup", blowup, lo=1.0, lo_open=True)
    bound = _validate.positive("bound", bound)
    w0 = np.array(model.get_flat(), dtype=float)
    with np.errstate(all="ignore"):
        start_loss = float(model.flat_loss_and_grad(w0, X, y)[0])
    rule = Divergence(bound, blowup * start_loss)
    evaluation = Evaluation(model, X, y, X_val, y_val, rule)
    if not evaluation(0, w0):
        raise ValueError("the training loss at the starting parameters is not finite")
    oracle = minibatch_oracle(model.flat_loss_and_grad, X, y, B, seed)
    descent = Descent(optimizer, oracle, w0, rule=rule)
    failed_at = None  # an evaluation after this many updates found the loss diverged
    for step in descent.take(updates):
        if (step.k + 1) % eval_every == 0 and not evaluation(step.k + 1, step.w):
            failed_at = step.k + 1
            break
    t = descent.k
    if evaluation.steps[-1] != t and not evaluation(t, descent.w):  # the end, if not yet
        failed_at = t
    steps, per_epoch = np.array(evaluation.steps), math.ceil(N / B)
    return UpdateRun(
        steps,
        steps // per_epoch * N + steps % per_epoch * B,
        np.array(evaluation.losses),
        np.array(evaluation.val_losses),
        np.array(evaluation.accuracy),
        np.array(evaluation.val_accuracy),
        descent.diverged_at if failed_at is None else failed_at,
    )


class Score(NamedTuple):
    """Loss and accuracy of a parameter vector on a data set."""

    loss: float
    accuracy: float


def evaluate(model, w, X, y):
    """The loss and accuracy of ``model`` with the flat parameters ``w`` on ``(X, y)``.

    The model is only read: its own parameters stay as they were.

    Parameters
    ----------
    model : object
        Has ``flat_loss(w, X, y)`` and ``flat_accuracy(w, X, y)``, e.g.
        :class:`course_utils.nn.MLP` with a cross-entropy loss.
    w : ndarray of shape (W,)
    X, y : ndarray

    Returns
    -------
    Score
    """
    return Score(float(model.flat_loss(w, X, y)), float(model.flat_accuracy(w, X, y)))


def results_table(histories, model, X_test, y_test, lrs=None):
    """A plain-text table of finished runs, one row per label, scored on a test set.

    Columns: batch size B, learning rate η (if ``lrs`` is given), epochs, updates, the
    final training loss and validation loss of each
    :class:`~course_utils.training.History`, and the loss and accuracy of its final
    parameters ``h.w`` on ``(X_test, y_test)`` (via :func:`evaluate` with ``model``, a
    network of the same shape).

    Parameters
    ----------
    histories : dict
        Label -> History (trained with ``X_val``/``y_val``).
    model : object
        A model of the same architecture, used to score ``h.w``; left unchanged.
    X_test, y_test : ndarray
    lrs : dict, optional
        Label -> learning rate.

    Returns
    -------
    str
    """
    if not isinstance(histories, dict) or not histories:
        raise ValueError("histories must be a non-empty dict of label -> History")
    width = max(len(str(k)) for k in histories) + 2
    head = f"{'method':<{width}}{'B':>5}" + (f"{'η':>8}" if lrs else "")
    head += f"{'epochs':>7}{'updates':>9}{'train loss':>12}{'val loss':>10}"
    head += f"{'test loss':>11}{'test acc':>10}"
    lines = [head, "-" * len(head)]
    for label, h in histories.items():
        if h.val_losses is None:
            raise ValueError(f"history {label!r} has no validation curve: train with X_val")
        test = evaluate(model, h.w, X_test, y_test)
        B = h.examples_seen[0] if len(h.examples_seen) else 0
        row = f"{label!s:<{width}}{B:>5}" + (f"{lrs[label]:>8.3g}" if lrs else "")
        row += f"{len(h.epoch_losses) - 1:>7}{len(h.losses):>9}{h.epoch_losses[-1]:>12.4f}"
        row += f"{h.val_losses[-1]:>10.4f}{test.loss:>11.4f}{test.accuracy:>10.1%}"
        lines.append(row)
    return "\n".join(lines)
