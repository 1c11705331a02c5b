"""The frames on either side of a threshold an Explore text names show the change.

``test_explore_text.py`` checks that each threshold is a frame value with close
neighbours; here the runs behind those neighbours are checked against what the text says
happens there, from independent reasoning where there is one (the full batch's
:math:`2/\\lambda_{\\max}` from the Hessian of the line's loss).
"""

import numpy as np

from course_utils.chapters.ch02_gradient_information import explorers as ch02
from course_utils.chapters.ch03_gradient_descent import explorers as ch03
from course_utils.chapters.ch03_gradient_descent.stochastic import linear_sgd
from course_utils.chapters.ch07_capstone import explorers as ch07
from course_utils.data import make_linear_regression, make_regression
from course_utils.nn import MLP
from course_utils.optimizers import SGD
from course_utils.training import train


def neighbours(grid, value):
    """The frame values just below and just above ``value``."""
    grid = np.asarray(grid)
    return grid[grid < value].max(), grid[grid > value].min()


def test_chapter_2_a_little_above_half_the_network_diverges():
    """At B = 8 the frame at η = 0.5 trains and the next one, 0.55, diverges."""
    data = make_regression(n=32, noise=0.15, seed=0)

    def diverged(lr):
        epochs = ch02.epochs_for_budget(32, 8, 256)
        h = train(MLP([1, 12, 1], seed=0), data.X, data.y, SGD(lr=lr), batch_size=8,
                  epochs=epochs, seed=0)  # fmt: skip
        return h.diverged

    below, above = neighbours(ch02.FRAME_LR, 0.5)
    assert 0.5 in ch02.FRAME_LR and not diverged(below) and not diverged(0.5)
    assert diverged(above)


def test_chapter_3_the_full_batch_turns_past_two_over_the_largest_curvature():
    """2/λ_max of the line's loss is 1.44 (to 3 digits); the full-batch path converges at the
    frame below it and moves away from the minimum at the frame above it."""
    d = make_linear_regression(n=64, seed=0)
    A = np.column_stack([d.X[:, 0], np.ones(64)])
    w_star = np.linalg.lstsq(A, d.y.reshape(-1), rcond=None)[0]
    threshold = 2 / np.linalg.eigvalsh(A.T @ A / 64).max()
    assert round(threshold, 2) == 1.44
    below, above = neighbours(ch03.FRAME_LR, 1.44)
    distance = {}
    for lr in (below, above):
        run = linear_sgd(d.X, d.y, (-0.5, 1.5), lr, 64, 8, bound=ch03.BOUND)
        distance[lr] = np.linalg.norm(run.path[[0, -1]] - w_star, axis=1)
    assert distance[below][1] < distance[below][0]  # closer after 8 epochs
    assert distance[above][1] > distance[above][0]  # farther: zigzagging outward


def test_chapter_3_the_largest_rate_for_single_examples_lies_between_two_frames():
    """B = 1 behaves at η = 0.8 (4 epochs, the default) and diverges at 0.85: both frames."""
    d = make_linear_regression(n=64, seed=0)

    def diverged_at(lr):
        return linear_sgd(d.X, d.y, (-0.5, 1.5), lr, 1, 4, seed=0, bound=ch03.BOUND).diverged_at

    assert {0.8, 0.85} <= set(ch03.FRAME_LR)
    assert diverged_at(0.8) is None and diverged_at(0.85) is not None


def test_chapter_7_the_frames_show_what_the_text_says():
    """Momentum at B = 1 diverges at η = 0.1 and trains at 0.01; plain SGD with B = 256
    converges at η = 10 where B = 1 and B = 4 diverge; Adam's best frame lies in 0.003-0.01."""
    assert {0.01, 0.1, 10.0, 0.003} <= set(ch07.FRAME_LR)
    assert ch07.digits_run("SGD+momentum", 0.1, 1).diverged_at is not None
    assert ch07.digits_run("SGD+momentum", 0.01, 1).diverged_at is None
    assert ch07.digits_run("SGD", 10.0, 256).diverged_at is None
    assert ch07.digits_run("SGD", 10.0, 1).diverged_at is not None
    assert ch07.digits_run("SGD", 10.0, 4).diverged_at is not None
    accuracy = {lr: ch07.digits_run("Adam", lr, 16).val_accuracy[-1] for lr in ch07.FRAME_LR}
    best = max(accuracy, key=accuracy.get)
    assert 0.003 <= best <= 0.01
