r"""Weight-space symmetry: many weight vectors, one network function.

Take a layer of :math:`M` hidden ``tanh`` units, unit :math:`j` with incoming weights
:math:`W_{:,j}`, bias :math:`b_j` and outgoing weights :math:`W'_{j,:}` (the row of the
next layer's matrix). Two changes leave the function the network computes unchanged:

* **permuting the units**: the output sums over the units, and a sum does not depend on
  the order of its terms, so renumbering the units (moving their in-weights, bias and
  out-weights together) changes nothing;
* **flipping the signs of a unit**: :math:`\tanh` is odd, so
  :math:`(-W'_{j,:})\tanh(-(a W_{:,j} + b_j)) = W'_{j,:}\tanh(a W_{:,j} + b_j)`.

The :math:`M!` orderings and the :math:`2^M` sign patterns combine into
:math:`M!\,2^M` weight vectors with the same error (Chen, Lu & Hecht-Nielsen 1993;
Bishop & Bishop 2024, ch. 7).
For a minimum whose units are all different and all in use, these are
:math:`M!\,2^M` distinct minima, and between them the error rises: the midpoint of a
minimum and its copy with unit :math:`j` flipped has all of unit :math:`j`'s weights at
zero, so there the unit is switched off. An error function with several separate minima
and higher ground between them cannot be convex.

Parameters are lists ``[W1, b1, W2, b2, ...]`` as in :class:`course_utils.nn.MLP`
(``W`` of shape ``(n_in, n_out)``); hidden layer ``layer = l`` has the matrix ``W_l``.
"""

from itertools import permutations, product
from math import factorial
from typing import NamedTuple

import numpy as np

from course_utils import _validate
from course_utils.calculus import numerical_jacobian
from course_utils.nn import MLP
from course_utils.optimizers import Adam, run


class PlaneLosses(NamedTuple):
    """The error on the plane :math:`w_0 + \\alpha (w_1 - w_0) + \\beta (w_2 - w_0)`."""

    alpha: np.ndarray  #: shape (n,), the coordinate along w_1 - w_0
    beta: np.ndarray  #: shape (n,), the coordinate along w_2 - w_0
    E: np.ndarray  #: shape (n, n), E[i, k] at alpha[k] and beta[i], rows follow beta


class TinyMinimum(NamedTuple):
    """A small ``tanh`` network trained to a minimum of its error."""

    net: MLP  #: the network, holding the minimum as its parameters
    X: np.ndarray  #: inputs of shape (N, 1)
    y: np.ndarray  #: targets of shape (N, 1)
    w: np.ndarray  #: the minimum as a flat vector
    loss: float  #: the error at the minimum
    grad_norm: float  #: the length of the gradient there (near 0 at a minimum)


def n_symmetries(M):
    r"""Return :math:`M!\,2^M`, the weight vectors equivalent to one, for M tanh units.

    Examples
    --------
    >>> [n_symmetries(M) for M in range(1, 6)]
    [2, 8, 48, 384, 3840]
    """
    M = _validate.integer("M", M, lo=0)
    return factorial(M) * 2**M


def _hidden(params, layer):
    """Check ``params`` and ``layer``; return the list of arrays and 0-based index of W_l."""
    if not isinstance(params, (list, tuple)) or len(params) < 4 or len(params) % 2:
        raise ValueError(
            "params must be a list [W1, b1, W2, b2, ...] with at least one hidden layer"
        )
    params = [np.asarray(p, dtype=float) for p in params]
    layer = _validate.integer("layer", layer, lo=1, hi=len(params) // 2 - 1)
    i = 2 * (layer - 1)
    W, b, W_next = params[i], params[i + 1], params[i + 2]
    M = W.shape[1] if W.ndim == 2 else -1
    if b.shape != (M,) or W_next.ndim != 2 or W_next.shape[0] != M:
        raise ValueError(
            f"params do not fit together at hidden layer {layer}: shapes "
            f"{W.shape}, {b.shape}, {W_next.shape}"
        )
    return params, i


def transform_units(params, perm=None, signs=None, layer=1):
    r"""Renumber and sign-flip the units of one hidden layer.

    Unit :math:`k` of the new network is unit :math:`\pi(k)` of the old one, multiplied
    by the sign :math:`s_k`:

    .. math::

        W^{\text{new}}_{:,k} = s_k W_{:,\pi(k)}, \qquad b^{\text{new}}_k = s_k b_{\pi(k)},
        \qquad {W'}^{\text{new}}_{k,:} = s_k W'_{\pi(k),:} .

    For ``tanh`` units the new network computes the same function as the old one.

    Parameters
    ----------
    params : list of ndarray
        ``[W1, b1, W2, b2, ...]``; not modified.
    perm : sequence of int, optional
        A permutation :math:`\pi` of ``0, ..., M-1``; default: the identity.
    signs : sequence of {+1, -1}, optional
        The signs :math:`s_k`; default: all +1.
    layer : int
        Which hidden layer, from 1 (the first) to the number of hidden layers.

    Returns
    -------
    list of ndarray
        New arrays; the layers not involved are copies of the old ones.

    Examples
    --------
    >>> params = [np.array([[1.0, 2.0]]), np.array([0.1, 0.2]), np.array([[3.0], [4.0]]),
    ...           np.array([0.5])]
    >>> new = transform_units(params, perm=[1, 0], signs=[1, -1])
    >>> new[0], new[1], new[2].ravel()
    (array([[ 2., -1.]]), array([ 0.2, -0.1]), array([ 4., -3.]))
    """
    params, i = _hidden(params, layer)
    M = params[i + 1].size
    if perm is None:
        perm = np.arange(M)
    perm = np.asarray(perm)
    if perm.shape != (M,) or sorted(perm.tolist()) != list(range(M)):
        raise ValueError(f"perm must be a permutation of 0..{M - 1}, got {perm.tolist()}")
    s = np.ones(M) if signs is None else np.asarray(signs, dtype=float)
    if s.shape != (M,) or not np.all(np.abs(s) == 1):
        raise ValueError(f"signs must hold {M} entries, each +1 or -1, got {s.tolist()}")
    new = [p.copy() for p in params]
    new[i] = params[i][:, perm] * s
    new[i + 1] = params[i + 1][perm] * s
    new[i + 2] = s[:, None] * params[i + 2][perm, :]
    return new


def symmetric_copies(params, layer=1):
    r"""All :math:`M!\,2^M` transforms of ``params`` by :func:`transform_units`.

    Enumerates every permutation with every sign pattern, so keep :math:`M` small
    (:math:`M = 5` already gives 3840 copies).

    Returns
    -------
    ndarray of shape (M! 2^M, W)
        One flat parameter vector per row (``params`` flattened in order); the first row
        is ``params`` itself.

    Examples
    --------
    >>> params = [np.ones((1, 2)), np.zeros(2), np.ones((2, 1)), np.zeros(1)]
    >>> symmetric_copies(params).shape
    (8, 7)
    """
    params, i = _hidden(params, layer)
    M = params[i + 1].size
    if M > 7:
        raise ValueError(f"the hidden layer must have at most 7 units to enumerate, got {M}")
    rows = []
    for perm in permutations(range(M)):
        for signs in product((1.0, -1.0), repeat=M):
            new = transform_units(params, perm, signs, layer)
            rows.append(np.concatenate([p.ravel() for p in new]))
    return np.array(rows)


def count_distinct(points, tol=1e-9):
    """Count the distinct rows of ``points`` (rows closer than ``tol`` count as one).

    Examples
    --------
    >>> count_distinct(np.array([[0.0, 1.0], [0.0, 1.0 + 1e-12], [1.0, 0.0]]))
    2
    """
    points = _validate.array("points", points, ndim=2)
    tol = _validate.number("tol", tol, lo=0)
    kept, n = np.empty_like(points), 0
    for p in points:
        if not np.any(np.max(np.abs(kept[:n] - p), axis=1) <= tol):
            kept[n], n = p, n + 1
    return n


def loss_function(net, X, y):
    r"""Return the callable :math:`w \mapsto E(w)` of ``net`` on ``(X, y)``, for a flat ``w``.

    The network's own parameters are not changed, so the callable can be evaluated
    anywhere in weight space (along a line, on a plane, by finite differences).
    """
    return lambda w: net.flat_loss_and_grad(w, X, y)[0]


def loss_on_plane(f, w0, w1, w2, n=41, pad=0.3):
    r"""The values of ``f`` on the plane through three weight vectors.

    The point :math:`(\alpha, \beta)` is :math:`w_0 + \alpha (w_1 - w_0) + \beta (w_2 - w_0)`,
    so :math:`w_0, w_1, w_2` sit at :math:`(0, 0), (1, 0), (0, 1)`. Both coordinates run
    over :math:`[-\text{pad}, 1 + \text{pad}]`.

    Returns
    -------
    PlaneLosses
    """
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    w0, w1, w2 = (
        _validate.array(name, w, ndim=1) for name, w in (("w0", w0), ("w1", w1), ("w2", w2))
    )
    _validate.same_shape("w0", w0, "w1", w1)
    _validate.same_shape("w0", w0, "w2", w2)
    n = _validate.integer("n", n, lo=2)
    pad = _validate.number("pad", pad, lo=0)
    c = np.linspace(-pad, 1 + pad, n)
    E = np.array([[f(w0 + a * (w1 - w0) + b * (w2 - w0)) for a in c] for b in c])
    return PlaneLosses(c, c, E)


def tiny_minimum(hidden=3, n=60, noise=0.05, seed=1, steps=2000, lr=0.02, polish_steps=40):
    r"""Train a ``[1, hidden, 1]`` tanh network to a minimum of its error on a bump.

    The data are ``n`` inputs :math:`x` drawn uniformly from :math:`[-3, 3]` with targets
    :math:`y = \tanh(2x + 2) - \tanh(2x - 2) + \tfrac12 \tanh x + \varepsilon`, noise
    :math:`\varepsilon` of standard deviation ``noise``: a bump on a slope, which three
    units with different roles fit well. The network starts from ``MLP(..., seed=seed)``
    and runs ``steps`` steps of full-batch Adam with rate ``lr``. Then up to
    ``polish_steps`` damped Newton steps (Levenberg–Marquardt),

    .. math::

        w \leftarrow w - (\mathbf H + \lambda \mathbf I)^{-1} \nabla E,

    with the Hessian from central differences of the backpropagated gradient, bring the
    gradient down to round-off: a step that lowers :math:`E` is taken and :math:`\lambda`
    shrinks tenfold, otherwise :math:`\lambda` grows tenfold.

    Returns
    -------
    TinyMinimum
    """
    hidden = _validate.integer("hidden", hidden, lo=1)
    polish_steps = _validate.integer("polish_steps", polish_steps, lo=0)
    n = _validate.integer("n", n, lo=1)
    noise = _validate.number("noise", noise, lo=0)
    gen = np.random.default_rng(seed)
    X = gen.uniform(-3.0, 3.0, size=(n, 1))
    y = np.tanh(2 * X + 2) - np.tanh(2 * X - 2) + 0.5 * np.tanh(X) + noise * gen.normal(size=(n, 1))
    net = MLP([1, hidden, 1], activation="tanh", loss="mse", seed=seed)

    def loss_grad(w):
        return net.flat_loss_and_grad(w, X, y)

    w = run(Adam(lr=lr), lambda w: loss_grad(w)[1], net.get_flat(), steps).points[-1]
    (E, g), damping = loss_grad(w), 1e-3
    for _ in range(polish_steps):
        H = numerical_jacobian(lambda u: loss_grad(u)[1], w)
        step = np.linalg.solve((H + H.T) / 2 + damping * np.eye(w.size), g)
        E_new, g_new = loss_grad(w - step)
        if E_new < E:
            w, E, g, damping = w - step, E_new, g_new, damping / 10
        else:
            damping *= 10
        if np.linalg.norm(g) < 1e-12:
            break
    net.set_flat(w)
    return TinyMinimum(net, X, y, w.copy(), E, float(np.linalg.norm(g)))
