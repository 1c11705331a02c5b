r"""Count the multiply-adds of a gradient by running it, not by a formula.

:func:`~course_utils.chapters.ch02_gradient_information.cost.multiply_adds` states the
counts of the matrix products of one gradient of an :class:`~course_utils.nn.MLP`. This
module measures them instead: the batch ``X`` is wrapped in an array whose every matrix
product, :math:`(m \times k)\,(k \times n)`, adds :math:`mkn` to a tally. Everything the
network computes from ``X`` (drives, activations, the output error and the errors sent
back) carries the tally on, so that every product of a forward pass, of backpropagation
or of the :math:`2W` forward passes of central differences is counted as it happens.
Exercise 2.2 compares a student's prediction with these counts.
"""

import numpy as np

from course_utils import _validate
from course_utils.calculus import numerical_gradient
from course_utils.chapters.ch02_gradient_information.cost import MultiplyAdds
from course_utils.nn import MLP


class _Counted(np.ndarray):
    """An array whose matrix products add their multiply-adds to ``tally`` (a 1-list)."""

    tally = None

    def __array_finalize__(self, obj):
        self.tally = getattr(obj, "tally", None)

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        plain = [x.view(np.ndarray) if isinstance(x, _Counted) else x for x in inputs]
        if out is not None:
            kwargs["out"] = tuple(o.view(np.ndarray) if isinstance(o, _Counted) else o for o in out)
        if ufunc is np.matmul and method == "__call__":
            (m, k), (_, n) = np.shape(plain[0]), np.shape(plain[1])
            self.tally[0] += m * k * n
        result = getattr(ufunc, method)(*plain, **kwargs)
        if out is not None:
            return out[0] if len(out) == 1 else out
        if isinstance(result, np.ndarray):
            result = result.view(_Counted)
            result.tally = self.tally
        return result


def _counted(X):
    X = X.view(_Counted)
    X.tally = [0]
    return X


def count_multiply_adds(sizes, N, seed=0):
    r"""Run one gradient of an ``MLP(sizes)`` on ``N`` examples each way; count the products.

    Parameters
    ----------
    sizes : list of int
        Layer widths ``[n_0, ..., n_L]`` of a ``tanh`` network with the squared error.
    N : int
        Batch size, at least 1.
    seed : int
        Seeds the network and the random batch (the counts do not depend on it).

    Returns
    -------
    MultiplyAdds
        ``W``, the multiply-adds counted in one forward pass (the loss), in one
        ``_loss_and_grad`` (forward and backward) and in one gradient by central
        differences (``calculus.numerical_gradient`` of the flat loss: :math:`2W` losses).

    Examples
    --------
    >>> count_multiply_adds([1, 2, 1], N=3)
    MultiplyAdds(W=7, forward=12, backprop=30, numerical=168)
    """
    net = MLP(sizes, activation="tanh", loss="mse", seed=seed)
    N = _validate.integer("N", N, lo=1)
    gen = np.random.default_rng(seed)
    X, y = gen.normal(size=(N, net.sizes[0])), gen.normal(size=(N, net.sizes[-1]))

    def tally(run):
        Xc = _counted(X)
        run(Xc)
        return Xc.tally[0]

    forward = tally(lambda Xc: net._loss(net.params, Xc, y))
    backprop = tally(lambda Xc: net._loss_and_grad(net.params, Xc, y))
    w = net.get_flat()
    numerical = tally(
        lambda Xc: numerical_gradient(lambda v: float(net._loss(net._unflatten(v), Xc, y)), w)
    )
    return MultiplyAdds(net.n_params, forward, backprop, numerical)
