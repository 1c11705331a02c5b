"""Chapter 7's explorer: the numbers it draws and what its figure says."""

import ipywidgets as W
import numpy as np
import pytest
from numpy.testing import assert_allclose

from course_utils.chapters.ch07_capstone.experiments import digits_split
from course_utils.chapters.ch07_capstone.explorers import OPTIMIZERS, digits_run, explore_digits
from course_utils.nn import MLP
from course_utils.optimizers import SGD
from course_utils.training import train


def texts(explorer):
    fig = explorer.figure
    found = [t.get_text() for t in fig.texts]
    for ax in fig.axes:
        found += [t.get_text() for t in ax.texts] + [ax.get_xlabel(), ax.get_ylabel()]
    return found


def test_controls_are_the_chapter_sliders_and_the_optimizer_menu():
    ex = explore_digits()
    lr, B, opt = ex.controls["lr"], ex.controls["batch_size"], ex.controls["optimizer"]
    assert isinstance(lr, W.FloatLogSlider) and lr.description == "learning rate η"
    assert (lr.min, lr.max) == (-4.0, 1.0)
    assert isinstance(B, W.SelectionSlider) and B.description == "batch size B"
    assert list(B.options) == [1, 2, 4, 8, 16, 32, 64, 128, 256]
    assert list(opt.options) == ["SGD", "SGD+momentum", "Adam"] == list(OPTIMIZERS)
    assert ex.last_error is None and ex.last_warnings == []


@pytest.mark.parametrize("B", [1, 16, 256])
def test_the_budget_is_a_number_of_updates_whatever_the_batch_size(B):
    run = digits_run("SGD", 0.05, B)
    assert run.diverged_at is None
    assert run.steps[0] == 0 and run.steps[-1] == 150
    assert np.all(np.diff(run.steps) == 10)
    assert run.examples_seen[-1] == 150 * B  # every B divides N = 256


def test_full_batch_run_is_batch_gradient_descent_of_train():
    """B = N: the explorer's curve after 150 updates is 150 epochs of train()."""
    split = digits_split()
    X, y = split.X_train[:256], split.y_train[:256]
    run = digits_run("SGD", 0.5, 256)
    h = train(
        MLP([64, 16, 10], "tanh", "cross_entropy", seed=0),
        X,
        y,
        SGD(lr=0.5),
        epochs=150,
        X_val=split.X_val,
        y_val=split.y_val,
    )
    assert_allclose(run.train_loss, h.epoch_losses[::10], rtol=1e-8)
    assert_allclose(run.val_accuracy, h.val_accuracy[::10])


def test_a_good_setting_learns_the_digits():
    ex = explore_digits()  # default: SGD+momentum, η = 0.1, B = 16
    run = digits_run("SGD+momentum", 0.1, 16)
    assert run.train_loss[-1] < 0.1 * run.train_loss[0]
    assert run.val_accuracy[-1] > 0.9
    title = ex.figure.texts[0].get_text()
    assert "256 training digits" in title and "150 updates" in title
    assert f"{100 * run.val_accuracy[-1]:.1f} %" in title


@pytest.mark.parametrize("optimizer, lr, B", [("SGD+momentum", 1.0, 1), ("Adam", 10.0, 16)])
def test_a_diverging_setting_says_where_it_diverged(optimizer, lr, B):
    ex = explore_digits()
    ex.set(optimizer=optimizer, lr=lr, batch_size=B)
    run = digits_run(optimizer, lr, B)
    assert run.diverged_at is not None and run.diverged_at < 150
    assert any(f"diverged at step {run.diverged_at}" in t for t in texts(ex))
    assert ex.last_error is None and ex.last_warnings == []


def test_digits_run_rejects_an_unknown_optimizer():
    with pytest.raises(ValueError, match="optimizer"):
        digits_run("Nadam", 0.1, 16)


def test_explore_digits_checks_its_sizes():
    with pytest.raises(ValueError, match="n_train"):
        explore_digits(n_train=10_000)
    with pytest.raises(ValueError, match="updates"):
        explore_digits(updates=5)
