r"""A small multilayer perceptron (MLP) with hand-written backpropagation.

Rows are examples: a batch ``X`` has shape ``(N, n_in)`` and layer :math:`l` has a weight
matrix :math:`W_l` of shape ``(n_in, n_out)`` and a bias :math:`b_l` of shape ``(n_out,)``.

**Forward pass** (layers :math:`l = 1, \dots, L`, with :math:`a_0 = X`):

.. math::

    z_l = a_{l-1} W_l + b_l \quad \text{(the drive)}, \qquad
    a_l = \sigma(z_l) \quad \text{(the activation)},

with a linear output layer, :math:`\hat y = z_L`.

**Backward pass** with the error :math:`\delta_l = \partial E / \partial z_l` of each layer:

.. math::

    \frac{\partial E}{\partial W_l} = a_{l-1}^\top \delta_l, \qquad
    \frac{\partial E}{\partial b_l} = \sum_{n} \delta_{l,n}, \qquad
    \delta_{l-1} = (\delta_l W_l^\top) \odot \sigma'(z_{l-1}),

starting from the output error :math:`\delta_L = \partial E / \partial \hat y`, which is
:math:`(\hat y - y)/N` for the mean squared error and
:math:`(\operatorname{softmax}(\hat y) - \operatorname{onehot}(y))/N` for the cross-entropy.
Every forward rule below sits next to its backward rule.
"""

from typing import NamedTuple

import numpy as np

from course_utils import _validate

# ---------------------------------------------------------------------------------------
# Activation functions, each with its derivative.  sigma_prime(z, a) receives the drive z
# and the activation a = sigma(z) already computed in the forward pass, so tanh and sigmoid
# need not be evaluated twice.


class Activation(NamedTuple):
    """An activation function and its derivative."""

    sigma: object  #: callable, z -> a
    sigma_prime: object  #: callable, (z, a) -> da/dz, given a = sigma(z)


def _sigmoid(z):
    """Logistic function :math:`1/(1+e^{-z})` without overflow for large :math:`|z|`."""
    e = np.exp(-np.abs(z))  # in (0, 1], so it never overflows
    return np.where(z >= 0, 1.0, e) / (1.0 + e)


ACTIVATIONS = {
    "tanh": Activation(np.tanh, lambda z, a: 1.0 - a * a),
    "sigmoid": Activation(_sigmoid, lambda z, a: a * (1.0 - a)),
    "relu": Activation(lambda z: np.maximum(z, 0.0), lambda z, a: (z > 0).astype(float)),
}

# ---------------------------------------------------------------------------------------
# Loss functions, each with its output error delta_L = dE/dy_hat.  y_hat has shape (N, K);
# for "mse" y has the same shape, for "cross_entropy" y holds N integer labels.


class Loss(NamedTuple):
    """A loss function and its output error."""

    value: object  #: callable, (y_hat, y) -> E
    delta: object  #: callable, (y_hat, y) -> dE/dy_hat


def _mse(y_hat, y):
    r = y_hat - y
    return 0.5 * np.sum(r * r) / len(y)  # mean over the batch of 1/2 ||y_hat - y||^2


def _mse_delta(y_hat, y):
    return (y_hat - y) / len(y)


def _log_softmax(y_hat):
    s = y_hat - y_hat.max(axis=1, keepdims=True)  # shift: exp(s) <= 1 cannot overflow
    return s - np.log(np.exp(s).sum(axis=1, keepdims=True))


def _cross_entropy(y_hat, y):
    return -np.mean(_log_softmax(y_hat)[np.arange(len(y)), y])


def _cross_entropy_delta(y_hat, y):
    delta = np.exp(_log_softmax(y_hat))  # softmax(y_hat)
    delta[np.arange(len(y)), y] -= 1.0  # minus onehot(y)
    return delta / len(y)


LOSSES = {
    "mse": Loss(_mse, _mse_delta),
    "cross_entropy": Loss(_cross_entropy, _cross_entropy_delta),
}


class MLP:
    r"""A fully connected network with hand-written backpropagation.

    Hidden layers apply the activation :math:`\sigma`; the output layer is linear.
    Weights are drawn from the Glorot (Xavier) uniform distribution
    :math:`W_{ij} \sim U(-r, r)` with :math:`r = \sqrt{6 / (n_\text{in} + n_\text{out})}`
    (Glorot & Bengio 2010, "Understanding the difficulty of training deep feedforward
    neural networks"); biases start at 0.

    Parameters
    ----------
    sizes : list of int
        Layer widths ``[n_in, n_hidden_1, ..., n_out]``, at least two positive integers.
        ``MLP([1, 1])`` is linear regression with the two parameters ``[w, b]``.
    activation : str
        Hidden-layer activation: ``"tanh"``, ``"sigmoid"`` or ``"relu"``.
    loss : str
        ``"mse"``: the batch mean of :math:`\frac12 \lVert \hat y - y \rVert^2`, with ``y``
        of shape ``(N, n_out)`` (or ``(N,)`` when ``n_out == 1``).
        ``"cross_entropy"``: the batch mean of :math:`-\log \operatorname{softmax}(\hat y)_y`,
        with ``y`` of shape ``(N,)`` holding integer labels in ``[0, n_out)``.
    seed : int or numpy.random.Generator
        Source of the random initial weights.

    Notes
    -----
    The parameters are the list ``net.params = [W1, b1, W2, b2, ...]`` (``W`` of shape
    ``(n_in, n_out)``, ``b`` of shape ``(n_out,)``); ``net.sizes``, ``net.activation`` and
    ``net.loss_name`` hold the constructor's arguments.

    Examples
    --------
    >>> net = MLP([2, 8, 1], activation="tanh", loss="mse", seed=0)
    >>> net.n_params
    33
    >>> X, y = np.ones((4, 2)), np.zeros((4, 1))
    >>> E, grads = net.loss_and_grad(X, y)
    >>> [g.shape for g in grads]
    [(2, 8), (8,), (8, 1), (1,)]
    """

    def __init__(self, sizes, activation="tanh", loss="mse", seed=0):
        self.sizes = _check_sizes(sizes)
        self.activation = _validate.choice("activation", activation, list(ACTIVATIONS))
        self.loss_name = _validate.choice("loss", loss, list(LOSSES))
        gen = _validate.rng(seed)
        self.params = []
        for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:], strict=True):
            r = np.sqrt(6.0 / (n_in + n_out))
            self.params += [gen.uniform(-r, r, size=(n_in, n_out)), np.zeros(n_out)]

    def __repr__(self):
        return f"MLP({self.sizes}, activation={self.activation!r}, loss={self.loss_name!r})"

    @property
    def n_params(self):
        """The number of parameters :math:`W` (all weights and biases)."""
        return sum(p.size for p in self.params)

    # --- the algorithm: forward and backward on an explicit parameter list -------------

    def _forward(self, params, X):
        """Return the drives ``z`` and activations ``a``, indexed like the equations.

        ``z[k]`` and ``a[k]`` belong to layer ``k = 1, ..., L``; ``a[0] = X``, ``z[0] = None``.
        """
        sigma = ACTIVATIONS[self.activation].sigma
        W, b = [None, *params[0::2]], [None, *params[1::2]]  # W[k] is W_k
        L = len(W) - 1
        z, a = [None], [X]
        for k in range(1, L + 1):
            z.append(a[k - 1] @ W[k] + b[k])  # z_k = a_{k-1} W_k + b_k
            a.append(sigma(z[k]) if k < L else z[k])  # a_k = sigma(z_k); linear output
        return z, a

    def _backward(self, params, z, a, delta):
        """Return the gradients, given the output error ``delta`` = dE/dz_L."""
        sigma_prime = ACTIVATIONS[self.activation].sigma_prime
        W = [None, *params[0::2]]
        grads = []
        for k in range(len(W) - 1, 0, -1):  # k = L, ..., 1
            dW = a[k - 1].T @ delta  # dE/dW_k = a_{k-1}^T delta_k
            db = delta.sum(axis=0)  # dE/db_k = sum over the batch of delta_k
            grads = [dW, db, *grads]
            if k > 1:  # delta_{k-1} = (delta_k W_k^T) * sigma'(z_{k-1})
                delta = delta @ W[k].T
                delta *= sigma_prime(z[k - 1], a[k - 1])
        return grads

    def _loss(self, params, X, y):
        return LOSSES[self.loss_name].value(self._forward(params, X)[1][-1], y)

    def _loss_and_grad(self, params, X, y):
        z, a = self._forward(params, X)
        loss = LOSSES[self.loss_name]
        y_hat = a[-1]
        return loss.value(y_hat, y), self._backward(params, z, a, loss.delta(y_hat, y))

    # --- public interface ----------------------------------------------------------------

    def forward(self, X):
        """Return the network output :math:`\\hat y` (the logits for classification).

        Parameters
        ----------
        X : ndarray of shape (N, n_in)

        Returns
        -------
        ndarray of shape (N, n_out)
        """
        return self._forward(self.params, self._check_X(X))[1][-1]

    def loss(self, X, y):
        """Return the loss :math:`E` on the batch ``(X, y)`` as a ``float``."""
        X, y = self._check_data(X, y)
        return float(self._loss(self.params, X, y))

    def loss_and_grad(self, X, y):
        """Return ``(E, grads)`` by backpropagation; ``grads`` is shaped like ``params``.

        Parameters
        ----------
        X : ndarray of shape (N, n_in)
        y : ndarray
            Targets of shape ``(N, n_out)`` (or ``(N,)`` if ``n_out == 1``) for ``"mse"``,
            integer labels of shape ``(N,)`` for ``"cross_entropy"``.

        Returns
        -------
        E : float
        grads : list of ndarray
            :math:`[\\partial E/\\partial W_1, \\partial E/\\partial b_1, \\dots]`.
        """
        X, y = self._check_data(X, y)
        E, grads = self._loss_and_grad(self.params, X, y)
        return float(E), grads

    def get_flat(self):
        """Return a copy of all parameters as one vector of shape ``(n_params,)``."""
        return np.concatenate([p.ravel() for p in self.params])

    def set_flat(self, w):
        """Overwrite the parameters with the entries of the vector ``w``, in ``params`` order."""
        for p, piece in zip(self.params, self._unflatten(self._check_w(w)), strict=True):
            p[...] = piece

    def numerical_grads(self, X, y, h=1e-6):
        r"""Gradient by central finite differences, the twin of :meth:`loss_and_grad`.

        .. math::

            \frac{\partial E}{\partial w_i} \approx
            \frac{E(w + h e_i) - E(w - h e_i)}{2h}

        costs :math:`2W` forward passes, :math:`O(W^2)` work in all, against
        :math:`O(W)` for backpropagation. Use it to check gradients on small networks.

        Returns
        -------
        list of ndarray
            Shaped like ``params``.
        """
        h = _validate.positive("h", h)
        X, y = self._check_data(X, y)
        w = self.get_flat()
        params = self._unflatten(w)  # views into w: nudging w[i] nudges one weight
        g = np.empty_like(w)
        for i in range(w.size):
            w_i = w[i]
            w[i] = w_i + h
            E_plus = self._loss(params, X, y)
            w[i] = w_i - h
            E_minus = self._loss(params, X, y)
            w[i] = w_i
            g[i] = (E_plus - E_minus) / (2 * h)
        return [piece.copy() for piece in self._unflatten(g)]

    def predict(self, X):
        """Class indices (``argmax`` of the logits) for ``"cross_entropy"``, else the output."""
        y_hat = self.forward(X)
        return y_hat.argmax(axis=1) if self.loss_name == "cross_entropy" else y_hat

    def accuracy(self, X, y):
        """Fraction of rows whose predicted class equals the label (classification only)."""
        return self._accuracy(self.params, X, y)

    # --- the same on a flat parameter vector, pure: the model is only read ------------------

    def flat_loss(self, w, X, y):
        """Return :meth:`loss` at the flat parameter vector ``w``, not changing the model."""
        X, y = self._check_data(X, y)
        return float(self._loss(self._unflatten(self._check_w(w)), X, y))

    def flat_loss_and_grad(self, w, X, y):
        """Return ``(E, g)`` at the flat parameter vector ``w`` without changing the model.

        ``g`` is the flat gradient, of shape ``(n_params,)``. This is the interface the
        optimizers and the training loop use.
        """
        w = self._check_w(w)
        X, y = self._check_data(X, y)
        E, grads = self._loss_and_grad(self._unflatten(w), X, y)
        return float(E), np.concatenate([g.ravel() for g in grads])

    def flat_accuracy(self, w, X, y):
        """Return :meth:`accuracy` at the flat parameter vector ``w``, not changing the model."""
        return self._accuracy(self._unflatten(self._check_w(w)), X, y)

    # --- helpers ---------------------------------------------------------------------------

    def _accuracy(self, params, X, y):
        if self.loss_name != "cross_entropy":
            raise ValueError(
                f"accuracy needs loss='cross_entropy', this model has loss={self.loss_name!r}"
            )
        X, y = self._check_data(X, y)
        return float(np.mean(self._forward(params, X)[1][-1].argmax(axis=1) == y))

    def _unflatten(self, w):
        """Split the vector ``w`` into views shaped like ``params``."""
        pieces, start = [], 0
        for p in self.params:
            pieces.append(w[start : start + p.size].reshape(p.shape))
            start += p.size
        return pieces

    def _check_w(self, w):
        return _validate.array("w", w, shape=(self.n_params,))

    def _check_X(self, X):
        X = _validate.array("X", X, shape=(None, self.sizes[0]))
        if len(X) == 0:
            raise ValueError("X must have at least one row, got shape (0, ...)")
        return X

    def _check_data(self, X, y):
        X = self._check_X(X)
        N, K = len(X), self.sizes[-1]
        if self.loss_name == "cross_entropy":
            return X, _check_labels(y, N, K)
        y = _validate.array("y", y)
        if K == 1 and y.shape == (N,):
            y = y[:, None]
        if y.shape != (N, K):
            also = f" or ({N},)" if K == 1 else ""
            raise ValueError(f"y must have shape ({N}, {K}){also} to match X, got {y.shape}")
        return X, y


def _check_sizes(sizes):
    ok = isinstance(sizes, (list, tuple)) and len(sizes) >= 2
    ok = ok and all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) for n in sizes)
    if not ok or min(sizes) < 1:
        raise ValueError(f"sizes must be a list of at least 2 positive integers, got {sizes!r}")
    return [int(n) for n in sizes]


def _check_labels(y, N, K):
    y = np.asarray(y)
    if y.shape != (N,):
        raise ValueError(
            f"y must have shape ({N},) (one integer label per row of X), got {y.shape}"
        )
    if y.dtype.kind == "f" and np.all(np.isfinite(y)) and np.all(y == np.round(y)):
        y = y.astype(int)
    if y.dtype.kind not in "iub":
        raise ValueError(f"y must hold integer class labels, got dtype {y.dtype}")
    y = y.astype(np.intp)
    if y.min() < 0 or y.max() >= K:
        raise ValueError(f"y must hold labels in [0, {K}), got values from {y.min()} to {y.max()}")
    return y
