"""The test matrix's runs, shared by its tests and run two at a time (``instructor/matrix.py``).

At the start of the session every run that the selected tests need is submitted to a
pool of two workers (the machine has two cores; each run uses one BLAS thread), so that
the matrix takes about half its serial time; each test then waits for the runs it checks.
The environments with another Python are built once into ``.cache/matrix/`` and reused
while ``requirements.txt`` and ``pyproject.toml`` are unchanged.
"""

import os
import shutil
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REQUIRE_ENV = "DOWNHILL_REQUIRE_MATRIX"  # .ci/run sets it: a missing Python fails, not skips


sys.path.insert(0, str(ROOT / "instructor"))  # instructor/matrix.py and margins.py are scripts
import margins as G  # noqa: E402
import matrix as M  # noqa: E402


def chapter_keys(runs=M.RUNS):
    return [("chapter", run, nb.name) for run in runs for nb in M.chapters()]


class Runs:
    """The matrix's runs by key: ``("chapter", run, notebook name)``, ``("validate", run)``,
    ``("unit", run)``, ``("build", environment)``."""

    def __init__(self):
        self.pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="matrix")
        self.builds = ThreadPoolExecutor(max_workers=2, thread_name_prefix="build")
        self.futures = {}

    def _python(self, run):
        return Path(sys.executable) if run in M.PROFILES else self.submit("build", run).result()

    @staticmethod
    def _env(run):
        return M.PROFILES[run].env if run in M.PROFILES else {}

    def _job(self, kind, run, name=None):
        python, env = self._python(run), self._env(run)
        if kind == "chapter":
            return M.run_chapter(python, M.BOOK / name, M.OUT / run / "log", env)
        return (M.run_validate if kind == "validate" else M.run_unit_tests)(python, env)

    def submit(self, kind, run, *rest):
        """The future of one run, submitted now if it was not yet."""
        key = (kind, run, *rest)
        if key not in self.futures:
            if kind == "build":
                self.futures[key] = self.builds.submit(M.build, run, ROOT, lambda m: None)
            else:
                if kind == "chapter" and not any(k[:2] == key[:2] for k in self.futures):
                    shutil.rmtree(M.OUT / run / "log", ignore_errors=True)  # this session's
                self.futures[key] = self.pool.submit(self._job, kind, run, *rest)
        return self.futures[key]

    def start(self, keys):
        """Submit ``keys``: the builds they need first, then the runs in the given order."""
        for run in dict.fromkeys(k[1] for k in keys if k[1] in M.ENVIRONMENTS):
            self.submit("build", run)
        for key in keys:
            self.submit(*key)

    def get(self, *key):
        """The outcome of one run; a missing interpreter skips the test (fails in CI)."""
        try:
            return self.submit(*key).result()
        except M.Unavailable as exc:
            if os.environ.get(REQUIRE_ENV) == "1":
                pytest.fail(f"{exc} ({REQUIRE_ENV}=1)")
            pytest.skip(str(exc))

    def python(self, run):
        return self.get("build", run) if run in M.ENVIRONMENTS else self._python(run)

    def logs(self):
        """``{run: logged comparisons}`` of every run whose chapters all ran here."""
        out = {}
        for run in M.RUNS:
            try:
                for key in chapter_keys([run]):
                    self.submit(*key).result()
            except M.Unavailable:
                continue
            out[run] = G.read_log(M.OUT / run / "log")
        return out

    def close(self):
        for pool in (self.pool, self.builds):
            pool.shutdown(wait=True, cancel_futures=True)
