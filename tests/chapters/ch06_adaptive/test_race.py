"""The optimizer race of chapter 6: its problems, mini-batch gradients and learning rates."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from course_utils.chapters.ch06_adaptive.race import (
    DEFAULT_LR,
    RATE_MODES,
    default_lrs,
    lr_search,
    race,
    race_lrs,
    scaled_least_squares,
    sparse_features,
)
from course_utils.least_squares import LeastSquares, minibatch_gradients
from course_utils.optimizers import OPTIMIZERS
from course_utils.surfaces import bowl


def full_loss(p, w):
    return 0.5 * np.mean((p.X @ w - p.y) ** 2)


# --- scaled_least_squares ----------------------------------------------------------------
def test_scaled_least_squares_is_the_normal_equations():
    p = scaled_least_squares(n=50, scale=5.0, noise=0.3, seed=3)
    assert isinstance(p, LeastSquares) and p.X.shape == (50, 2) and p.y.shape == (50,)
    w_lstsq = np.linalg.lstsq(p.X, p.y, rcond=None)[0]
    assert_allclose(p.w_star, w_lstsq, rtol=1e-10)
    assert_allclose(p.H, p.X.T @ p.X / 50, rtol=1e-12)
    assert_allclose(p.E_star, full_loss(p, w_lstsq), rtol=1e-10)


def test_scaled_least_squares_surface_is_the_excess_loss():
    p = scaled_least_squares()
    for w in [np.array([0.3, -0.2]), np.array([-1.5, -0.6]), p.w_star]:
        assert_allclose(p.surface.value(w), full_loss(p, w) - p.E_star, atol=1e-10)
        assert_allclose(p.surface.grad(w), p.X.T @ (p.X @ w - p.y) / len(p.X), atol=1e-10)
    assert p.surface.start.tolist() == [-1.5, -0.6]
    (x0, x1), (y0, y1) = p.surface.bounds
    for point in (p.surface.start, p.w_star):  # the plotting box holds start and minimum
        assert x0 < point[0] < x1 and y0 < point[1] < y1


def test_scaled_least_squares_feature_scales():
    p = scaled_least_squares(n=4000, scale=7.0, noise=0.0, seed=1)
    assert_allclose(np.diag(p.H), [1.0, 49.0], rtol=0.08)  # E[x1^2] = 1, E[x2^2] = 49
    assert_allclose(p.w_star, [2.0, 0.3], atol=1e-10)  # no noise: the true weights
    assert p.E_star < 1e-20


def test_scaled_least_squares_is_seeded():
    a, b = scaled_least_squares(seed=5), scaled_least_squares(seed=5)
    assert np.array_equal(a.X, b.X) and np.array_equal(a.y, b.y)
    assert not np.array_equal(a.X, scaled_least_squares(seed=6).X)


@pytest.mark.parametrize(
    ("kw", "match"), [({"n": 1}, "n"), ({"scale": 0.0}, "scale"), ({"noise": -1.0}, "noise")]
)
def test_scaled_least_squares_rejects_bad_arguments(kw, match):
    with pytest.raises(ValueError, match=match):
        scaled_least_squares(**kw)


# --- sparse_features ---------------------------------------------------------------------
def test_sparse_features_frequencies_and_solution():
    p = sparse_features(n=20000, freq=(0.5, 0.1), noise=0.0, seed=2)
    assert set(np.unique(p.X).tolist()) == {0.0, 1.0}
    assert_allclose(p.X.mean(axis=0), [0.5, 0.1], atol=0.01)
    assert_allclose(p.w_star, [1.0, 1.0], atol=1e-10)  # y = x1 + x2 exactly
    assert p.E_star < 1e-20
    assert_allclose(p.surface.start, [0.0, 0.0])
    w = np.array([0.2, -0.4])
    assert_allclose(p.surface.value(w), full_loss(p, w) - p.E_star, atol=1e-10)


def test_sparse_features_never_seen_feature_gets_weight_zero():
    p = sparse_features(n=10, freq=(1.0, 1e-9), noise=0.0, seed=0)
    assert p.X[:, 1].sum() == 0
    assert_allclose(p.w_star, [1.0, 0.0], atol=1e-10)


def test_sparse_features_three_dimensions():
    p = sparse_features(n=100, freq=(0.5, 0.2, 0.05), seed=1)
    assert p.X.shape == (100, 3) and p.surface.bounds is None
    assert p.surface.value(p.w_star) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"n": 1}, "n"),
        ({"freq": (0.5, 0.0)}, "freq"),
        ({"freq": (1.5,)}, "freq"),
        ({"freq": ()}, "freq"),
        ({"noise": -0.1}, "noise"),
    ],
)
def test_sparse_features_rejects_bad_arguments(kw, match):
    with pytest.raises(ValueError, match=match):
        sparse_features(**kw)


# --- race_lrs ----------------------------------------------------------------------------
def test_race_lrs_same_rate():
    assert race_lrs(list(OPTIMIZERS), 0.05) == {name: 0.05 for name in OPTIMIZERS}
    assert race_lrs([], 0.05) == {}


def test_race_lrs_scaled_by_torch_defaults():
    lrs = race_lrs(list(OPTIMIZERS), 0.01, RATE_MODES[1])
    expected = {"SGD": 0.01, "Adagrad": 0.1, "RMSProp": 0.1, "Adadelta": 10.0,
                "Adam": 0.01, "Adamax": 0.02, "Nadam": 0.02}  # fmt: skip
    assert lrs.keys() == expected.keys()
    for name, lr in expected.items():
        assert lrs[name] == pytest.approx(lr, rel=1e-12)
    assert DEFAULT_LR["Adadelta"] == 1.0 and DEFAULT_LR["Adam"] == 1e-3


def test_default_lrs_are_read_from_the_optimizers_once_and_shared_as_DEFAULT_LR():
    from course_utils.chapters.ch06_adaptive import race as module

    assert default_lrs() == {name: cls().lr for name, cls in OPTIMIZERS.items()}
    assert default_lrs() is default_lrs() is module.DEFAULT_LR  # built once, on first use
    with pytest.raises(AttributeError, match="DEFAULT_LRS"):
        module.DEFAULT_LRS  # noqa: B018


@pytest.mark.parametrize(
    ("args", "match"),
    [((["Adam"], -0.1), "lr"), ((["Adam"], 0.1, "other"), "mode"), ((["Momentum"], 0.1), "names")],
)
def test_race_lrs_rejects_bad_arguments(args, match):
    with pytest.raises(ValueError, match=match):
        race_lrs(*args)


# --- race --------------------------------------------------------------------------------
def test_race_sgd_matches_a_hand_written_loop_on_the_same_batches():
    p = scaled_least_squares(n=32, seed=4)
    runs = race(["SGD"], 0.01, batch_size=4, steps=12, seed=9, problem=p)
    grad_fn = minibatch_gradients(p, 4, seed=9)
    w = p.surface.start.copy()
    path = [w]
    for _ in range(12):
        w = w - 0.01 * grad_fn(w)
        path.append(w)
    assert_allclose(runs["SGD"].points, np.array(path), rtol=1e-12)
    excess = [full_loss(p, v) - p.E_star for v in path]
    assert_allclose(runs["SGD"].losses, excess, atol=1e-10)


def test_race_gives_every_optimizer_the_same_batches():
    p = scaled_least_squares(n=32, seed=4)
    a = race(["SGD", "Adam"], 0.01, batch_size=2, steps=5, seed=1, problem=p)
    b = race(["Adam"], 0.01, batch_size=2, steps=5, seed=1, problem=p)
    assert_allclose(a["Adam"].points, b["Adam"].points)
    c = race(["Adam"], 0.01, batch_size=2, steps=5, seed=2, problem=p)
    assert not np.allclose(a["Adam"].points, c["Adam"].points)


def test_race_divergence_and_adaptive_stability():
    runs = race(list(OPTIMIZERS), lr=1.0, batch_size=8, steps=40)
    # SGD is unstable above 2 / lam_max (lam_max is about 46 here)
    assert runs["SGD"].diverged and runs["SGD"].diverged_at is not None
    for name in ("Adam", "RMSProp", "Adagrad"):  # their steps are about lr in size
        assert not runs[name].diverged and runs[name].steps == 40
        assert np.all(np.abs(np.diff(runs[name].points, axis=0)) < 30.0)


def test_race_small_rate_full_batch_decreases_the_loss():
    p = scaled_least_squares()
    lam_max = np.linalg.eigvalsh(p.H)[-1]
    traj = race(["SGD"], 1.0 / lam_max, steps=50, problem=p)["SGD"]
    assert np.all(np.diff(traj.losses) <= 1e-12)  # full batch, eta < 2/lam_max: monotone
    assert traj.losses[-1] < traj.losses[0]


def test_race_edge_cases():
    assert race([], 0.1) == {}
    traj = race(["Adam"], 0.1, steps=0)["Adam"]
    assert traj.steps == 0 and len(traj.points) == 1
    with pytest.raises(TypeError, match="problem"):
        race(["Adam"], 0.1, problem="bowl")
    with pytest.raises(ValueError, match="steps"):
        race(["Adam"], 0.1, steps=-1)


# --- lr_search -----------------------------------------------------------------------------
def test_lr_search_picks_the_lowest_final_loss_and_skips_divergence():
    s = bowl(1.0, 10.0)  # axes-aligned, minimum at 0: GD is stable for eta < 2/10
    grid = [0.01, 0.05, 0.15, 0.3]
    found = lr_search("SGD", s, grid, steps=50)
    # GD on this quadratic multiplies coordinate i by (1 - eta lam_i) at every step, so
    # after 50 steps E = 1/2 sum_i lam_i (1 - eta lam_i)^100 w0_i^2
    lam, w0 = np.array([1.0, 10.0]), np.asarray(s.start, dtype=float)
    exact = [0.5 * np.sum(lam * (1 - lr * lam) ** 100 * w0**2) for lr in grid[:3]]
    assert_allclose(found.final[:3], exact, rtol=1e-9)
    assert np.isinf(found.final[3])  # |1 - 0.3 * 10| = 2: diverges
    assert found.lr == 0.15 and found.trajectory.steps == 50
    assert_allclose(found.final[2], s.value(found.trajectory.points[-1]))
    assert list(found.grid) == grid


def test_lr_search_every_rate_diverges():
    found = lr_search("SGD", bowl(1.0, 10.0), [2.0, 1.0], steps=50)  # both above 2/10
    assert np.isnan(found.lr) and np.all(np.isinf(found.final))
    assert found.trajectory.diverged  # the run at the smallest rate, 1.0
    # from (-4, 3), one step at eta = 1 gives ((1 - 1) * -4, (1 - 10) * 3) = (0, -27)
    assert_allclose(found.trajectory.points[1], [0.0, -27.0])


@pytest.mark.parametrize(
    ("args", "kw", "match"),
    [
        (("SGD", [0.1, -0.1]), {}, "grid"),
        (("SGD", []), {}, "grid"),
        (("Momentum", [0.1]), {}, "name"),
        (("SGD", [0.1]), {"steps": 0}, "steps"),
    ],
)
def test_lr_search_rejects_bad_arguments(args, kw, match):
    name, grid = args
    with pytest.raises(ValueError, match=match):
        lr_search(name, bowl(1.0, 10.0), grid, **kw)
