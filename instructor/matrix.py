"""The test matrix: the chapters and their checks on other CPUs and other versions.

    python instructor/matrix.py                 # run it all, print the margins of every check
    python instructor/matrix.py --write         # ... and rewrite instructor/margins.md
    python instructor/matrix.py --runs default prescott

A correct answer must pass on every student's laptop, and the grader's verdict must not
depend on the grading machine. Both hold when every graded quantity is well conditioned:
moving from one machine to another changes it by far less than its check allows. The
matrix measures that. It runs every chapter, with its reference solutions and checks,

- under **CPU profiles** (:data:`PROFILES`): the OpenBLAS kernels of older x86-64 CPUs
  (``OPENBLAS_CORETYPE``) together with numpy's code paths for them
  (``NPY_DISABLE_CPU_FEATURES``); each rounds matrix products and ``exp``/``tanh``
  differently from the others, as the CPUs of a class do;
- in **environments** (:data:`ENVIRONMENTS`): the oldest Python with the lowest versions
  that ``requirements.txt`` and ``pyproject.toml`` allow, and the newest Python with the
  newest versions, built with uv; there the unit tests run as well.

Each run logs every comparison its checks make (``course_utils/exercises/_log.py``), and
``instructor/margins.py`` compares the runs: how far each graded quantity moved, against
the check's tolerance. ``tests/matrix/`` runs all this in ``make test``.
"""

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from margins import problems, read_log, report  # instructor/margins.py, beside this file

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
OUT = ROOT / "_build" / "matrix"
LOG_ENV = "DOWNHILL_CHECK_LOG"  # course_utils.exercises._log.LOG_ENV (not imported: any env)

# numpy's dispatched code paths above a level (numpy 2's names, then numpy 1's: a name
# that a numpy does not know is ignored by it)
_ABOVE_AVX2 = "X86_V4 AVX512_ICL AVX512_SPR AVX512F AVX512CD AVX512_SKX AVX512_CLX AVX512_CNL"
_ABOVE_SSE = "X86_V3 AVX AVX2 F16C FMA3 " + _ABOVE_AVX2


@dataclass(frozen=True)
class Profile:
    """A kind of CPU, imitated on this one: the kernels its OpenBLAS and numpy would run."""

    name: str
    cpus: str  # the CPUs that run these kernels
    env: dict = field(default_factory=dict)


PROFILES = {
    p.name: p
    for p in (
        Profile("default", "this machine's own kernels"),
        Profile("haswell", "AVX2 without AVX-512: Intel 2013-2020, AMD Zen 1-3 (OpenBLAS picks "
                "Haswell kernels for Zen)",
                {"OPENBLAS_CORETYPE": "Haswell", "NPY_DISABLE_CPU_FEATURES": _ABOVE_AVX2}),
        Profile("sandybridge", "AVX without AVX2 or FMA: Intel 2011-2012; numpy's SSE4.2 code",
                {"OPENBLAS_CORETYPE": "Sandybridge", "NPY_DISABLE_CPU_FEATURES": _ABOVE_SSE}),
        Profile("prescott", "SSE3 kernels, the oldest x86-64 (OpenBLAS's generic 'Katmai' "
                "build here); numpy's SSE4.2 code",
                {"OPENBLAS_CORETYPE": "Prescott", "NPY_DISABLE_CPU_FEATURES": _ABOVE_SSE}),
    )
}  # fmt: skip


@dataclass(frozen=True)
class Environment:
    """A Python and a resolution of ``requirements.txt``, built with uv."""

    name: str
    python: str  # "3.10"
    resolution: str  # uv's --resolution: "highest" or "lowest-direct"
    what: str


ENVIRONMENTS = {
    e.name: e
    for e in (
        Environment("lowest", "3.10", "lowest-direct",
                    "the oldest Python and the lowest versions the project allows"),
        Environment("newest", "3.13", "highest", "the newest Python and the newest versions"),
    )
}  # fmt: skip

#: The runs of a full matrix: every profile in this environment, then each environment.
RUNS = [*PROFILES, *ENVIRONMENTS]


class Unavailable(RuntimeError):
    """What a run needs is not on this machine (an interpreter, uv)."""


# --- running --------------------------------------------------------------------------------
def chapters():
    """The chapter notebooks, ``book/0*.ipynb``."""
    return sorted(BOOK.glob("0*.ipynb"))


def environment(extra=None):
    """This process's environment for a run: one BLAS thread, no pytest leftovers, ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_CORE_"))}
    for name in ("OPENBLAS_CORETYPE", "NPY_DISABLE_CPU_FEATURES", "NPY_ENABLE_CPU_FEATURES",
                 LOG_ENV, "MPLBACKEND"):  # fmt: skip
        env.pop(name, None)
    env.update({"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"})
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra or {})
    return env


def find_python(version):
    """The path of a working Python ``version`` ("3.10") on this machine, or None: pyenv's
    newest build of it, then ``python3.10`` on the PATH (not a pyenv shim that refuses to
    run it), then uv's own."""
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    key = lambda p: [int(x) for x in re.findall(r"\d+", p.parent.parent.name)]  # noqa: E731
    candidates = sorted(pyenv.glob(f"{version}.*/bin/python{version}"), key=key, reverse=True)
    candidates.append(shutil.which(f"python{version}"))
    uv = uv_command()
    if uv:
        done = subprocess.run([uv, "python", "find", version], capture_output=True, text=True)
        candidates.append(done.stdout.strip() if done.returncode == 0 else None)
    for python in filter(None, candidates):
        done = subprocess.run([str(python), "-c", "import sys; print(sys.version[:5])"],
                              capture_output=True, text=True)  # fmt: skip
        if done.returncode == 0 and done.stdout.startswith(version + "."):
            return str(python)
    return None


def uv_command():
    """uv (requirements.txt installs it beside this Python), or None."""
    beside = Path(sys.executable).with_name("uv")
    return str(beside) if beside.is_file() else shutil.which("uv")


def build(name, root=ROOT, log=print):
    """The Python of environment ``name`` under ``.cache/matrix/``, built with uv when missing
    or older than requirements.txt / pyproject.toml; raises :class:`Unavailable`."""
    spec = ENVIRONMENTS[name]
    python, uv = find_python(spec.python), uv_command()
    if python is None:
        raise Unavailable(f"no Python {spec.python} on this machine (PATH, pyenv or uv)")
    if uv is None:
        raise Unavailable("uv is missing: it comes with requirements.txt")
    venv = root / ".cache" / "matrix" / name
    digest = hashlib.sha256(f"{spec}{python}".encode())
    for path in ("requirements.txt", "pyproject.toml"):
        digest.update((root / path).read_bytes())
    stamp = venv / ".stamp"
    if stamp.is_file() and stamp.read_text() == digest.hexdigest():
        return venv / "bin" / "python"
    log(f"building the {name} environment ({spec.what}) in {venv.relative_to(root)}")
    shutil.rmtree(venv, ignore_errors=True)
    env = environment({"VIRTUAL_ENV": str(venv)})
    for cmd in (
        [uv, "venv", "--quiet", "--python", python, str(venv)],
        [uv, "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"),
         "--resolution", spec.resolution, "-r", "requirements.txt"],
    ):  # fmt: skip
        done = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True,
                              timeout=1800)  # fmt: skip
        if done.returncode:
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stderr[-3000:]}")
    stamp.write_text(digest.hexdigest())
    return venv / "bin" / "python"


def versions(python, env=None):
    """What a run computes with: ``{"python", "numpy", …, "blas", "simd"}`` of ``python``."""
    code = (
        "import json, platform, numpy, matplotlib, ipywidgets, threadpoolctl\n"
        "try:\n from numpy._core._multiarray_umath import __cpu_features__ as f\n"
        "except ImportError:\n from numpy.core._multiarray_umath import __cpu_features__ as f\n"
        "blas = [i.get('architecture') for i in threadpoolctl.threadpool_info()]\n"
        "levels = {'AVX512': ('X86_V4', 'AVX512_SKX'), 'AVX2': ('X86_V3', 'AVX2')}\n"
        "simd = [k for k, names in levels.items() if f.get(next(n for n in names if n in f))]\n"
        "print(json.dumps({'python': platform.python_version(), 'numpy': numpy.__version__,"
        " 'matplotlib': matplotlib.__version__, 'ipywidgets': ipywidgets.__version__,"
        " 'blas': ' '.join(map(str, blas)), 'simd': (simd + ['SSE'])[0]}))"
    )
    done = subprocess.run([str(python), "-c", code], env=environment(env), capture_output=True,
                          text=True, check=True)  # fmt: skip
    return json.loads(done.stdout)


def run_chapter(python, notebook, log_dir, env=None):
    """Run one chapter under nbval with ``python``; its checks log into ``log_dir``."""
    log_dir.mkdir(parents=True, exist_ok=True)
    cmd = [
        str(python), "-m", "pytest", str(notebook), "--nbval-lax", "--current-env",
        "--nbval-cell-timeout=300", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
        "-W", "ignore::DeprecationWarning",
    ]  # fmt: skip
    env = environment({**(env or {}), LOG_ENV: str(log_dir)})
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)


def run_unit_tests(python, env=None):
    """The unit tests (``-m "not slow and not browser"``) with ``python``."""
    cmd = [str(python), "-m", "pytest", "-m", "not slow and not browser", "-q", "-p",
           "no:cacheprovider", "-W", "ignore::DeprecationWarning"]  # fmt: skip
    return subprocess.run(cmd, cwd=ROOT, env=environment(env), capture_output=True, text=True,
                          timeout=3600)  # fmt: skip


def run_validate(python, env=None):
    """``python -m course_utils.grading validate book/`` (each kernel in the sandbox, which
    passes the CPU settings on: ``course_utils.grading.sandbox.CPU_SETTINGS``)."""
    cmd = [str(python), "-m", "course_utils.grading", "validate", str(BOOK)]
    return subprocess.run(cmd, cwd=ROOT, env=environment(env), capture_output=True, text=True,
                          timeout=3600)  # fmt: skip


# --- the command ------------------------------------------------------------------------------
def describe(run, python):
    """One line of the report: what ``run`` computed with."""
    v = versions(python, PROFILES[run].env if run in PROFILES else {})
    return (
        f"- **{run}**: Python {v['python']}, numpy {v['numpy']}, matplotlib {v['matplotlib']}, "
        f"OpenBLAS {v['blas']} kernels, numpy's {v['simd']} code"
    )


def main(argv=None):
    from concurrent.futures import ThreadPoolExecutor

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", nargs="+", default=RUNS, choices=RUNS)
    p.add_argument("--write", action="store_true", help="rewrite instructor/margins.md")
    args = p.parse_args(argv)
    pythons = {r: Path(sys.executable) if r in PROFILES else build(r) for r in args.runs}
    for run in args.runs:
        shutil.rmtree(OUT / run / "log", ignore_errors=True)

    def one(job):
        run, notebook = job
        env = PROFILES[run].env if run in PROFILES else {}
        done = run_chapter(pythons[run], notebook, OUT / run / "log", env)
        print(f"{run} {notebook.stem}: {'ok' if done.returncode == 0 else 'FAILED'}", flush=True)

    with ThreadPoolExecutor(max_workers=2) as pool:  # two cores, one BLAS thread each
        list(pool.map(one, [(r, nb) for r in args.runs for nb in chapters()]))
    logs = {run: read_log(OUT / run / "log") for run in args.runs}
    text = report(logs, [describe(run, pythons[run]) for run in args.runs])
    print(text)
    found = problems(logs)
    for problem in found:
        print("PROBLEM:", problem)
    if args.write:
        (ROOT / "instructor" / "margins.md").write_text(text, encoding="utf-8")
        print("wrote instructor/margins.md")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
