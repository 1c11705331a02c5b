"""A correct answer passes on every machine: the chapters, their checks and the unit tests
under other CPUs' kernels and other versions, and the margin of every check
(``instructor/matrix.py``; the runs are started by ``conftest.py``)."""

import json
import re
import subprocess
import sys

import nbformat
import pytest
from matrix_runs import G, M

pytestmark = pytest.mark.slow

CHAPTERS = M.chapters()


def _tail(done):
    return (done.stdout[-4000:] + done.stderr[-2000:]).strip()


@pytest.mark.parametrize("run", [name for name in M.PROFILES if name != "default"])
def test_a_cpu_profile_takes_effect(run):
    """Each profile really runs other kernels: OpenBLAS's core and numpy's SIMD level."""
    default = M.versions(sys.executable)
    v = M.versions(sys.executable, M.PROFILES[run].env)
    core = M.PROFILES[run].env["OPENBLAS_CORETYPE"]
    assert v["blas"] in (core, "Katmai" if core == "Prescott" else core), v  # Katmai: generic
    expected_simd = {"haswell": "AVX2", "sandybridge": "SSE", "prescott": "SSE"}[run]
    if default["simd"] in ("AVX512", "AVX2"):  # a CPU that has the level to switch off
        assert v["simd"] == expected_simd, v


@pytest.mark.parametrize("notebook", CHAPTERS, ids=lambda p: p.stem)
@pytest.mark.parametrize("run", M.RUNS)
def test_chapter_runs_with_its_reference_solutions_and_checks(runs, run, notebook):
    """nbval runs the chapter top to bottom: every example, explorer and check passes."""
    done = runs.get("chapter", run, notebook.name)
    assert done.returncode == 0, _tail(done)


@pytest.mark.parametrize("run", [name for name in M.PROFILES if name != "default"])
def test_validate_passes_under_other_cpu_kernels(runs, run):
    """``validate`` (make release's first step) grades the reference solutions in the
    sandbox, whose kernels get the profile's settings: every check passes, no stub does."""
    done = runs.get("validate", run)
    assert done.returncode == 0 and "all exercises are valid" in done.stdout, _tail(done)


@pytest.mark.parametrize("run", list(M.ENVIRONMENTS))
def test_unit_tests_pass_in_the_oldest_and_newest_environments(runs, run):
    done = runs.get("unit", run)
    assert done.returncode == 0, _tail(done)


@pytest.mark.parametrize("run", list(M.ENVIRONMENTS))
def test_an_environment_has_the_python_and_versions_it_promises(runs, run):
    v = M.versions(runs.python(run))
    spec = M.ENVIRONMENTS[run]
    assert v["python"].startswith(spec.python + ".")
    if spec.resolution == "lowest-direct":  # the lower bounds of requirements.txt
        assert (v["numpy"], v["matplotlib"], v["ipywidgets"]) == ("1.26.0", "3.8.0", "8.1.0")


def test_every_check_moves_by_far_less_than_it_allows(runs):
    """Across all runs, every comparison of every check passed, and its graded quantity
    moved by at most M.LIMITS of its tolerance; the committed table lists every check."""
    logs = runs.logs()
    assert "default" in logs and len(logs) >= len(M.PROFILES)
    assert all(logs.values()), "a run logged no comparison"
    M.OUT.mkdir(parents=True, exist_ok=True)
    described = [M.describe(run, runs.python(run)) for run in logs]
    (M.OUT / "margins.md").write_text(G.report(logs, described), encoding="utf-8")
    assert G.problems(logs) == []
    measured = {check for _, check, *_ in G.summary(logs)}
    assert measured == G.checks_in_table(), "run python instructor/matrix.py --write"
    hidden = set()  # the checks of the cells tagged "hidden"
    for path in CHAPTERS:
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if "hidden" in cell.get("metadata", {}).get("tags", []):
                hidden.update(re.findall(r"\.(check_\w+)\(", "".join(cell["source"])))
    assert len(hidden) >= 10 and hidden <= measured  # the hidden checks are measured too


# --- the matrix catches a fragile check ----------------------------------------------------------
FRAGILE = """
from course_utils.chapters.ch07_capstone.experiments import digits_split
from course_utils.exercises._feedback import check_close
from course_utils.nn import MLP
from course_utils.optimizers import Adam
from course_utils.training import train

split = digits_split()

def val_loss(lr):
    net = MLP([64, 16, 10], "tanh", "cross_entropy", seed=0)
    h = train(net, split.X_train, split.y_train, Adam(lr=lr), batch_size=32, epochs=3,
              seed=0, X_val=split.X_val, y_val=split.y_val)
    return h.val_losses[-1]
"""


def test_a_value_stored_from_a_chaotic_run_fails_the_matrix(tmp_path):
    """Old exercise 7.3 in miniature: the loss of Adam at η = 1 stored from one CPU profile
    fails on another, and the matrix names it; η = 0.1's loss, stored the same way, passes."""
    stored = json.loads(subprocess.run(
        [sys.executable, "-c", FRAGILE + "import json; print(json.dumps([val_loss(0.1), "
         "val_loss(1.0)]))"], env=M.environment(M.PROFILES["haswell"].env), capture_output=True,
        text=True, check=True).stdout)  # fmt: skip
    check = (
        f"check_close('the loss at η = 0.1', val_loss(0.1), {stored[0]!r}, rtol=1e-6)\n"
        f"check_close('the loss at η = 1', val_loss(1.0), {stored[1]!r}, rtol=1e-6)\n"
    )
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(FRAGILE + check)])
    path = tmp_path / "fragile.ipynb"
    nbformat.write(nb, path)
    logs = {}
    for run in ("haswell", "prescott"):
        done = M.run_chapter(sys.executable, path, tmp_path / run, M.PROFILES[run].env)
        assert (done.returncode == 0) == (run == "haswell"), _tail(done)
        logs[run] = G.read_log(tmp_path / run)
    found = G.problems(logs)
    assert len(found) == 1 and "the loss at η = 1: failed in a run" in found[0], found
    steady = next(c for c in G.comparisons(logs) if c.what == "the loss at η = 0.1")
    assert steady.passed() and steady.moved() < 1e-4  # well conditioned
