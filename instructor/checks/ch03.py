"""Chapter 3, instructor only: the reference computations and the hidden checks.

The module ``instructor.checks.ch03`` (see ``course_utils/exercises/_hidden.py``).
"""

import numpy as np

from course_utils.chapters.ch03_gradient_descent import checks as ch03


# --- reference computations (the solutions: never shipped in the package) ----------------
def _sine_grad(w, Xb, yb):
    """Gradient of the mean of 1/2 (sin(w x) - y)^2 over a batch: a non-linear model."""
    z = w[0] * Xb[:, 0]
    return np.array([np.mean((np.sin(z) - yb) * np.cos(z) * Xb[:, 0])])


def _epoch(grad_fn, w, X, y, lr, batch_size, rng):
    """One epoch: a fresh permutation, consecutive batches, one update per batch."""
    order = rng.permutation(len(X))
    for start in range(0, len(X), batch_size):
        batch = order[start : start + batch_size]
        w = w - lr * grad_fn(w, X[batch], y[batch])
    return w


def _spread_expected(G, B):
    N = len(G)
    sigma = np.sqrt(np.mean(np.sum((G - G.mean(axis=0)) ** 2, axis=1)))
    return sigma / np.sqrt(B) * (np.sqrt((N - B) / (N - 1)) if N > 1 else 0.0)


def _steps(N, B, epochs, drop_last):
    per_epoch = N // B if drop_last else -(-N // B)
    return per_epoch, per_epoch * epochs


def expected():
    """The expected values of the visible checks, as JSON data."""
    epochs = []
    for N, B, lr, seed in ch03.SGD_EPOCH_CASES:
        X, y, w0 = ch03._problem(N, seed)
        epochs.append(
            _epoch(ch03._line_grad, w0, X, y, lr, B, np.random.default_rng(seed)).tolist()
        )
    G = ch03.spread_gradients()
    return {
        "sgd_epoch": epochs,
        "minibatch_spread": [float(_spread_expected(G, B)) for B in ch03.SPREAD_BATCHES],
        "training_steps": [list(_steps(*case)) for case in ch03.STEPS_CASES],
    }


# --- hidden checks --------------------------------------------------------------------------
def check_sgd_epoch_more(sgd_epoch):
    """Exercise 3.1, hidden: a non-linear model, several epochs with one generator."""
    X, y, _ = ch03._problem(9, 7)
    w_ref = w_got = np.array([1.2])
    gen_ref, gen_got = np.random.default_rng(11), np.random.default_rng(11)
    for epoch in range(3):
        w_ref = _epoch(_sine_grad, w_ref, X, y, 0.3, 4, gen_ref)
        w_got = np.asarray(
            ch03.call("sgd_epoch", sgd_epoch, _sine_grad, w_got, X, y, 0.3, 4, gen_got), dtype=float
        )
        ch03.check_close(
            f"w after epoch {epoch + 1} (sine model, N=9, batch_size=4)",
            w_got,
            w_ref,
            1e-10,
            1e-12,
            "use the generator passed in, one permutation per epoch",
        )
    ch03.passed("sgd_epoch also works for a non-linear model over several epochs.")


def check_training_steps_edge(training_steps):
    """Exercise 3.3, hidden: edge cases (B = N, B = N - 1, a single epoch, zero epochs)."""
    cases = [(7, 7, 1, True), (7, 6, 4, False), (7, 6, 4, True), (1, 1, 3, False), (9, 2, 0, False)]
    ch03._check_steps(training_steps, cases, [_steps(*case) for case in cases])
    ch03.passed("training_steps handles the edge cases too.")
