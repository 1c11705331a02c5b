"""The numbers behind the explorers of chapter 2 (the drawing is swept by test_widgets.py)."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from course_utils.chapters.ch02_gradient_information.explorers import (
    basin_counts,
    basin_fractions,
    epochs_for_budget,
    explore_network,
    explore_restarts,
)
from course_utils.chapters.ch02_gradient_information.restarts import surface_restarts
from course_utils.surfaces import SURFACES


@pytest.mark.parametrize(
    "n, B, budget, epochs",
    [
        (32, 1, 256, 8),
        (32, 8, 256, 64),
        (32, 32, 256, 256),
        (50, 16, 256, 64),
        (50, 32, 256, 128),
        (32, 1, 10, 1),
    ],
)
def test_epochs_for_budget_fits_whole_epochs_in_the_budget(n, B, budget, epochs):
    # ceil(50 / 16) = 4 updates per epoch: 256 // 4 = 64 epochs
    assert epochs_for_budget(n, B, budget) == epochs


def test_epochs_for_budget_validation():
    with pytest.raises(ValueError, match="B"):
        epochs_for_budget(10, 11, 100)
    with pytest.raises(ValueError, match="budget"):
        epochs_for_budget(10, 1, 0)


def test_basin_counts_puts_the_unmatched_runs_last():
    assert basin_counts([-1, -1, 0, 3, 3, 3], 4).tolist() == [1, 0, 0, 3, 2]
    assert basin_counts([], 2).tolist() == [0, 0, 0]


def test_basin_fractions_sum_to_one_and_favour_no_single_well_on_wells():
    p = basin_fractions(SURFACES["wells"], k=400)
    assert p.shape == (5,)
    assert_allclose(p.sum(), 1.0)
    # every well catches some of the uniform starts, none catches them all
    assert np.all(p[:4] > 0.05) and np.all(p[:4] < 0.6)


def test_restarts_explorer_default_state_matches_a_direct_run():
    ex = explore_restarts()
    assert ex.last_error is None and ex.last_warnings == []
    assert ex.values == {"K": 8, "seed": 0}
    for K, seed in ((8, 0), (40, 7), (1, 3)):
        ex.set(K=K, seed=seed)
        direct = surface_restarts(SURFACES["wells"], k=K, lr=0.3, steps=150, seed=seed)
        bars = [p.get_height() for p in ex.figure.axes[1].patches]
        assert bars == basin_counts(direct.basin, 4).tolist()
        assert sum(bars) == K


def test_network_explorer_has_the_course_sliders_and_survives_divergence():
    ex = explore_network()
    kinds = {type(c).__name__: c.description for c in ex.controls.values()}
    assert kinds["FloatLogSlider"] == "learning rate η"
    assert kinds["SelectionSlider"] == "batch size B"
    assert list(ex.controls["B"].options) == [1, 2, 4, 8, 16, 32]
    ex.set(lr=10.0, B=32)  # diverges within a few steps
    assert ex.last_error is None and ex.last_warnings == []
    texts = [t.get_text() for ax in ex.figure.axes for t in ax.texts]
    assert any(t.startswith("diverged at step") for t in texts)
    ex.set(lr=0.1, B=8)
    texts = [t.get_text() for ax in ex.figure.axes for t in ax.texts]
    assert not any(t.startswith("diverged at step") for t in texts)


def test_network_explorer_spends_the_same_budget_at_every_batch_size():
    ex = explore_network(budget=64)
    for B in ex.controls["B"].options:
        ex.set(lr=0.01, B=B)
        titles = [t.get_text() for t in ex.figure.axes[1].texts]
        assert any(t.startswith("budget: 64 updates") for t in titles), titles
