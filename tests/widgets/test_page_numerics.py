"""The page computes what course_utils computes: each page explorer's model in Node.

Every explorer that the built book runs in the reader's browser
(``course_utils/widgets/page.py``) has a model in ``web/downhill-models.js``, built on the
JavaScript port of the numerics (``web/downhill-numerics.js``). Here each model runs in
Node over a grid of its explorer's settings, with the data the page ships, and its
trajectories and numbers are compared with ``course_utils``, the reference, to 1e-9 (of
the size of the numbers compared, at least 1). Node is Debian's ``nodejs``
(``/usr/bin/node``); without it these tests are skipped, with that reason.
"""

import itertools
import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from course_utils import optimizers
from course_utils.chapters.ch05_momentum import explorers as ch05
from course_utils.chapters.ch05_momentum import theory
from course_utils.chapters.ch05_momentum.experiments import momentum_path
from course_utils.schedules import make_schedule
from course_utils.surfaces import SURFACES
from course_utils.widgets import page
from course_utils.widgets.sweep import explorer_factories

NODE = "/usr/bin/node" if os.access("/usr/bin/node", os.X_OK) else shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="node not found: apt-get install nodejs")
DRIVER = Path(__file__).with_name("node_models.js")
TOL = 1e-9


def run_models(name, data, settings):
    """The page's model ``name`` in Node, on ``data``, for each dict of ``settings``."""
    job = json.dumps({"model": name, "data": data, "settings": settings})
    out = subprocess.run([NODE, str(DRIVER), str(page.WEB)], input=job, capture_output=True,
                         text=True, check=True, timeout=600)  # fmt: skip
    results = json.loads(out.stdout)
    for values, result in zip(settings, results, strict=True):
        assert "error" not in result, f"{name} at {values}: {result['error']}"
    return results


def numbers(x):
    """Numbers from the page's JSON (non-finite ones come as strings) as a float array."""
    return (
        np.array(json.loads(json.dumps(x), parse_constant=float), dtype=float)
        if x is not None
        else None
    )


def close(js, py, what):
    js, py = numbers(js), np.asarray(py, dtype=float)
    assert js.shape == py.shape, f"{what}: shapes {js.shape} (page) and {py.shape}"
    both = np.isfinite(py)
    assert np.array_equal(np.isfinite(js), both), f"{what}: non-finite entries differ"
    scale = max(1.0, float(np.max(np.abs(py[both]), initial=0.0)))
    err = float(np.max(np.abs(js[both] - py[both]), initial=0.0))
    assert err <= TOL * scale, f"{what}: the page is off by {err:.3g} (scale {scale:.3g})"
    return err / scale


def same_run(js, traj, what, losses=True):
    """A page trajectory against an ``optimizers.Trajectory``: points, losses, divergence."""
    assert js["divergedAt"] == traj.diverged_at, (
        f"{what}: diverged at {js['divergedAt']} vs {traj.diverged_at}"
    )
    worst = close(js["points"], traj.points, f"{what}: points")
    if losses:
        worst = max(worst, close(js["losses"], traj.losses, f"{what}: losses"))
    return max(worst, close(js["gradNorms"], traj.grad_norms, f"{what}: gradient norms"))


def log_grid(lo, hi, n, extra=()):
    return sorted({float(x) for x in np.geomspace(lo, hi, n)} | {float(x) for x in extra})


# --- the numerics alone: every optimizer, every option, schedules and clipping ---------------
OPTIONS = {
    "SGD": [{}, {"momentum": 0.9}, {"momentum": 0.9, "nesterov": True},
            {"momentum": 0.5, "dampening": 0.3, "weight_decay": 0.01}],
    "Adagrad": [{}, {"lr_decay": 0.01, "initial_accumulator_value": 0.1, "weight_decay": 0.01}],
    "RMSProp": [{}, {"momentum": 0.9}, {"centered": True, "momentum": 0.5, "weight_decay": 0.01}],
    "Adadelta": [{}, {"rho": 0.5, "eps": 1e-4, "weight_decay": 0.01}],
    "Adam": [{}, {"amsgrad": True, "betas": [0.8, 0.99], "weight_decay": 0.01}],
    "Adamax": [{}, {"betas": [0.5, 0.9], "weight_decay": 0.01}],
    "Nadam": [{}, {"momentum_decay": 0.01, "weight_decay": 0.01}],
}  # fmt: skip


def test_every_optimizer_follows_course_utils_on_every_surface():
    runs = []
    for (name, variants), surface in itertools.product(OPTIONS.items(), SURFACES):
        lr = 0.2 if name == "Adadelta" else 0.01 if surface in ("rosenbrock", "cliff") else 0.05
        for options, (schedule, clip) in itertools.product(
            variants, ((None, None), ("cosine", None), ("warmup+cosine", 1.0), ("1/t", 3.0))
        ):
            opts = {**options, "lr": lr}
            runs.append({"optimizer": name, "options": opts, "surface": surface, "steps": 60,
                         "schedule": schedule, "clip": clip, "bound": 1e6})  # fmt: skip
    results = run_models("run", {}, runs)
    for v, js in zip(runs, results, strict=True):
        opt = optimizers.make_optimizer(v["optimizer"], **{
            k: tuple(x) if isinstance(x, list) else x for k, x in v["options"].items()
        })  # fmt: skip
        s = SURFACES[v["surface"]]
        schedule = v["schedule"] and make_schedule(v["schedule"], v["options"]["lr"], v["steps"])
        traj = optimizers.run(opt, s.grad, s.start, v["steps"], loss_fn=s.value,
                              schedule=schedule, clip_norm=v["clip"])  # fmt: skip
        same_run(js, traj, str(v))


def test_a_bad_hyperparameter_is_refused_with_its_name():
    bad = [{"optimizer": "SGD", "options": {"lr": -1.0}, "surface": "bowl", "steps": 1},
           {"optimizer": "SGD", "options": {"lr": 0.1, "nesterov": True}, "surface": "bowl",
            "steps": 1}]  # fmt: skip
    job = json.dumps({"model": "run", "data": {}, "settings": bad})
    out = subprocess.run([NODE, str(DRIVER), str(page.WEB)], input=job, capture_output=True,
                         text=True, check=True)  # fmt: skip
    errors = [r["error"] for r in json.loads(out.stdout)]
    assert errors == [
        "RangeError: lr must be in (0, inf), got -1",
        "RangeError: nesterov=True requires momentum > 0 and dampening == 0",
    ]


def test_encoded_arrays_reach_the_page_bit_for_bit():
    x = np.array([0.1, -1e-300, 1e300, np.pi, 5e-324])
    job = json.dumps(
        {
            "model": "decode",
            "data": {"x": page.encode(x), "perm": page.encode(np.array([[3, 1, 2], [700, 0, 1]]))},
            "settings": [{}],
        }
    )
    out = subprocess.run([NODE, str(DRIVER), str(page.WEB)], input=job, capture_output=True,
                         text=True, check=True)  # fmt: skip
    got = json.loads(out.stdout)[0]
    assert got["x"] == x.tolist()  # JSON round trip: shortest repr, exact
    assert got["perm"] == [[3, 1, 2], [700, 0, 1]]


# --- the page explorers are the ones with a page model ---------------------------------------
def test_the_explorers_of_chapters_1_4_and_5_compute_in_the_page():
    explorers = {key: factory() for key, factory in explorer_factories().items()}
    names = {key: e.page.name for key, e in explorers.items() if e.page is not None}
    assert names == {
        "ch05_momentum.explore_momentum": "momentum",
    }


# --- chapter 5 -------------------------------------------------------------------------------
def test_momentum_explorer():
    explorer = ch05.explore_momentum()
    problem, steps = ch05._problem(), 80
    lam = problem.surface.eigenvalues
    # dense around the thresholds the text names: plain SGD diverges past 0.2, momentum holds
    # to (2 + 2 beta) / 10
    lrs = log_grid(1e-3, 1.0, 9, extra=(0.1, 0.19, 0.21, 0.3, 0.35, 0.37, 0.39))
    grid = [
        {"lr": lr, "beta": beta, "batch_size": B, "nesterov": nesterov}
        for lr, beta, B, nesterov in itertools.product(
            lrs, (0.0, 0.5, 0.8, 0.95, 0.99), explorer.controls["batch_size"].options, (False, True)
        )
    ]
    results = run_models("momentum", explorer.page.data, grid)
    diverged = set()
    for values, js in zip(grid, results, strict=True):
        lr, beta, B = values["lr"], values["beta"], values["batch_size"]
        nesterov = values["nesterov"] and beta > 0
        runs = [momentum_path(problem, lr, 0.0, B, steps)]
        if beta > 0:
            runs.append(momentum_path(problem, lr, beta, B, steps, nesterov=nesterov))
        assert len(js["runs"]) == len(runs)
        for k, (run, traj) in enumerate(zip(js["runs"], runs, strict=True)):
            same_run(run["trajectory"], traj, f"{values} run {k}")
            blew_up = traj.diverged or traj.losses[-1] > traj.losses[0]
            diverged.add((lr, beta, B, k, blew_up))
        rate = (theory.nesterov_rate if nesterov else theory.heavy_ball_rate)(lr, beta, lam)
        close(js["rate"], rate, f"{values}: rate")
        close(js["limit"], theory.max_stable_lr(beta, lam[-1], nesterov), f"{values}: limit")
    # the grid shows the lesson: at 0.21 plain SGD blows up and momentum 0.8 does not;
    # momentum 0.8 holds to 0.36
    assert (0.21, 0.8, 64, 0, True) in diverged and (0.21, 0.8, 64, 1, False) in diverged
    assert (0.35, 0.8, 64, 1, False) in diverged and (0.37, 0.8, 64, 1, True) in diverged
