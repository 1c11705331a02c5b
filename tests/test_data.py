"""Tests of course_utils.data: data sets, splitting and the mini-batch iterator."""

import subprocess
import sys

import numpy as np
import pytest
from numpy.testing import assert_allclose

from course_utils.data import (
    Dataset,
    batch_sizes,
    load_digits,
    make_classification,
    make_linear_regression,
    make_regression,
    minibatches,
    train_test_split,
)

# --- data sets ---------------------------------------------------------------------------------


def test_make_regression_shapes_and_curve():
    data = make_regression(n=500, noise=0.0, seed=1, x_min=-2.0, x_max=1.0)
    assert isinstance(data, Dataset)
    assert data.X.shape == (500, 1) and data.y.shape == (500, 1)
    assert data.task == "regression" and data.n_classes is None
    assert data.X.min() >= -2.0 and data.X.max() <= 1.0
    assert_allclose(data.y, np.sin(data.X))
    noisy = make_regression(n=2000, noise=0.3, seed=1)
    assert_allclose(np.std(noisy.y - np.sin(noisy.X)), 0.3, rtol=0.1)


def test_make_linear_regression_recovers_the_line():
    data = make_linear_regression(n=400, w=2.0, b=-1.0, noise=0.5, seed=3)
    assert data.X.shape == (400, 1) and data.y.shape == (400, 1)
    slope, intercept = np.polyfit(data.X.ravel(), data.y.ravel(), 1)
    assert abs(slope - 2.0) < 0.1 and abs(intercept + 1.0) < 0.1
    exact = make_linear_regression(n=5, w=-0.5, b=4.0, noise=0.0)
    assert_allclose(exact.y, -0.5 * exact.X + 4.0)


@pytest.mark.parametrize(
    "kind, n_classes, expected_k",
    [
        ("moons", None, 2),
        ("blobs", None, 3),
        ("blobs", 5, 5),
        ("spirals", None, 3),
        ("spirals", 2, 2),
        ("moons", 2, 2),
    ],
)
def test_make_classification_shapes_and_balance(kind, n_classes, expected_k):
    data = make_classification(n=301, kind=kind, seed=2, n_classes=n_classes)
    assert data.X.shape == (301, 2) and data.y.shape == (301,)
    assert data.y.dtype.kind == "i" and data.n_classes == expected_k
    assert data.task == "classification" and data.name == kind
    counts = np.bincount(data.y, minlength=expected_k)
    assert counts.sum() == 301 and counts.max() - counts.min() <= 1
    assert not np.all(np.diff(data.y) >= 0)  # returned in random order


def test_noise_free_geometry():
    moons = make_classification(n=200, kind="moons", noise=0.0)
    upper, lower = moons.X[moons.y == 0], moons.X[moons.y == 1]
    assert_allclose(np.hypot(*upper.T), 1.0)  # the unit half circle, y >= 0
    assert np.all(upper[:, 1] >= 0)
    assert_allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0)
    blobs = make_classification(n=40, kind="blobs", noise=0.0, n_classes=4)
    centres = {(round(x, 12), round(y, 12)) for x, y in blobs.X}
    assert centres == {(1.0, 0.0), (0.0, 1.0), (-1.0, 0.0), (0.0, -1.0)}
    spirals = make_classification(n=60, kind="spirals", noise=0.0)
    assert np.hypot(*spirals.X.T).max() <= 1.0 + 1e-12


def test_datasets_are_deterministic_per_seed():
    for make in (make_regression, make_linear_regression, make_classification):
        a, b, c = make(seed=5), make(seed=5), make(seed=6)
        assert np.array_equal(a.X, b.X) and np.array_equal(a.y, b.y)
        assert not np.array_equal(a.X, c.X)
    d = make_regression(seed=np.random.default_rng(5))
    assert np.array_equal(d.X, make_regression(seed=5).X)


def test_load_digits_standardised():
    data = load_digits()
    assert data.X.shape == (1797, 64) and data.X.dtype == float
    assert data.y.shape == (1797,) and data.y.dtype.kind == "i"
    assert data.n_classes == 10 and set(data.y.tolist()) == set(range(10))
    raw = load_digits(standardize=False)
    assert raw.X.min() == 0.0 and raw.X.max() == 16.0
    constant = raw.X.std(axis=0) == 0
    assert constant.any()  # some corner pixels are always blank
    assert_allclose(data.X[:, constant], 0.0)
    assert_allclose(data.X.mean(axis=0), 0.0, atol=1e-12)
    assert_allclose(data.X[:, ~constant].std(axis=0), 1.0, rtol=1e-12)
    assert np.array_equal(data.y, raw.y)


def test_importing_course_utils_data_does_not_import_sklearn():
    code = "import sys, course_utils.data; print('sklearn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- splitting --------------------------------------------------------------------------------


def test_train_test_split_partitions_the_rows():
    X = np.arange(40).reshape(20, 2)
    y = np.arange(20)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_fraction=0.25, seed=1)
    assert len(X_te) == 5 and len(X_tr) == 15
    assert sorted(np.concatenate([y_tr, y_te]).tolist()) == list(range(20))
    assert_allclose(X_tr[:, 0], 2 * y_tr)  # rows stay paired
    assert_allclose(X_te[:, 1], 2 * y_te + 1)
    again = train_test_split(X, y, test_fraction=0.25, seed=1)
    assert np.array_equal(again[3], y_te)
    assert len(train_test_split(X, y, test_fraction=0.01)[1]) == 1  # at least one test row
    assert len(train_test_split(X, y, test_fraction=0.99)[0]) == 1  # at least one train row


# --- mini-batches -----------------------------------------------------------------------------


@pytest.mark.parametrize("N, B", [(10, 3), (10, 5), (10, 1), (10, 10), (7, 4)])
def test_minibatches_cover_each_row_once(N, B):
    X = np.arange(2 * N).reshape(N, 2)
    y = np.arange(N)
    batches = list(minibatches(X, y, B, rng=0))
    assert [len(yb) for _, yb in batches] == [B] * (N // B) + ([N % B] if N % B else [])
    seen = np.concatenate([yb for _, yb in batches])
    assert sorted(seen.tolist()) == list(range(N))
    for Xb, yb in batches:
        assert_allclose(Xb[:, 0], 2 * yb)


def test_minibatches_shuffle_every_epoch_and_drop_last():
    X, y = np.zeros((10, 1)), np.arange(10)
    gen = np.random.default_rng(0)
    first = np.concatenate([yb for _, yb in minibatches(X, y, 4, gen)])
    second = np.concatenate([yb for _, yb in minibatches(X, y, 4, gen)])
    assert not np.array_equal(first, second)  # a fresh order each epoch
    assert not np.array_equal(first, np.arange(10))
    dropped = list(minibatches(X, y, 4, rng=1, drop_last=True))
    assert [len(yb) for _, yb in dropped] == [4, 4]
    assert len(np.unique(np.concatenate([yb for _, yb in dropped]))) == 8
    in_order = [yb.tolist() for _, yb in minibatches(X, y, 4, rng=None, shuffle=False)]
    assert in_order == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    same = [yb.tolist() for _, yb in minibatches(X, y, 3, rng=7)]
    assert same == [yb.tolist() for _, yb in minibatches(X, y, 3, rng=7)]


def test_standard_error_of_a_minibatch_mean():
    # Rows drawn without replacement: the mean of B of N values has standard deviation
    # sigma / sqrt(B) * sqrt((N - B) / (N - 1)) (finite-population correction).
    N = 4096
    values = np.random.default_rng(0).normal(size=N)
    sigma = values.std()
    X, gen = values[:, None], np.random.default_rng(1)
    spread = {}
    for B in (1, 4, 16, 64):
        epochs = 1 + 2000 * B // N
        means = [Xb.mean() for _ in range(epochs) for Xb, _ in minibatches(X, values, B, gen)]
        spread[B] = np.std(means[:2000])
        expected = sigma / np.sqrt(B) * np.sqrt((N - B) / (N - 1))
        assert_allclose(spread[B], expected, rtol=0.08)
    assert_allclose(spread[4] / spread[1], 0.5, rtol=0.1)  # four times the batch, half the noise
    assert_allclose(spread[64] / spread[16], 0.5, rtol=0.1)


def test_batch_sizes():
    assert batch_sizes(1) == [1]
    assert batch_sizes(2) == [1, 2]
    assert batch_sizes(5) == [1, 2, 4, 5]
    assert batch_sizes(8) == [1, 2, 4, 8]
    assert batch_sizes(9) == [1, 2, 4, 8, 9]
    assert batch_sizes(1797) == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 1797]


# --- validation -------------------------------------------------------------------------------


def test_bad_dataset_arguments():
    with pytest.raises(ValueError, match="n"):
        make_regression(n=0)
    with pytest.raises(ValueError, match="noise"):
        make_regression(noise=-0.1)
    with pytest.raises(ValueError, match="x_max"):
        make_regression(x_min=1.0, x_max=1.0)
    with pytest.raises(ValueError, match="noise"):
        make_linear_regression(noise=-1.0)
    with pytest.raises(ValueError, match="w"):
        make_linear_regression(w=np.inf)
    with pytest.raises(ValueError, match="n"):
        make_linear_regression(n=0)
    with pytest.raises(ValueError, match="kind must be one of 'moons', 'blobs', 'spirals'"):
        make_classification(kind="circles")
    with pytest.raises(ValueError, match="n_classes"):
        make_classification(kind="moons", n_classes=3)
    with pytest.raises(ValueError, match="n_classes"):
        make_classification(kind="blobs", n_classes=1)
    with pytest.raises(ValueError, match="n must be"):
        make_classification(n=2, kind="blobs", n_classes=3)
    with pytest.raises(ValueError, match="noise"):
        make_classification(noise=-0.2)
    with pytest.raises(TypeError, match="seed"):
        make_classification(seed="zero")


def test_bad_split_arguments():
    X, y = np.zeros((10, 2)), np.zeros(10)
    for f in (0.0, 1.0, -0.5, 1.5):
        with pytest.raises(ValueError, match="test_fraction"):
            train_test_split(X, y, test_fraction=f)
    with pytest.raises(ValueError, match="same number of rows"):
        train_test_split(X, np.zeros(9))
    with pytest.raises(ValueError, match="X"):
        train_test_split(X[:1], y[:1])


def test_bad_minibatch_arguments():
    X, y = np.zeros((10, 2)), np.zeros(10)
    for B in (0, 11, -1):
        with pytest.raises(ValueError, match="batch_size"):
            minibatches(X, y, B, rng=0)
    with pytest.raises(ValueError, match="X and y"):
        minibatches(X, np.zeros(9), 2, rng=0)  # raised at the call, not at the first batch
    with pytest.raises(ValueError, match="X"):
        minibatches(np.zeros((0, 2)), np.zeros(0), 1, rng=0)
    with pytest.raises(ValueError, match="X and y"):
        minibatches(3.0, 1.0, 1, rng=0)
    with pytest.raises(TypeError, match="rng"):
        minibatches(X, y, 2, rng=None)  # shuffling needs a seed or a generator
    with pytest.raises(ValueError, match="N"):
        batch_sizes(0)
