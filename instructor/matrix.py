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
:func:`margins` compares the runs: how far each graded quantity moved, against the
check's tolerance. ``tests/matrix/`` runs all this in ``make test``.
"""

import argparse
import hashlib
import json
import math
import os
import re
import shutil
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
OUT = ROOT / "_build" / "matrix"
TABLE = ROOT / "instructor" / "margins.md"
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


# --- comparing the runs ------------------------------------------------------------------------
def read_log(log_dir):
    """The comparisons logged in ``log_dir``, in the order each process made them."""
    records = []
    for path in sorted(Path(log_dir).glob("*.jsonl")):
        records += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return records


@dataclass
class Comparison:
    """One comparison of a check, as every run made it."""

    chapter: str
    check: str
    what: str
    kind: str
    seen: dict  # run name -> record

    def tolerance(self):
        r = next(iter(self.seen.values()))
        if self.kind == "close":
            return f"rtol {r['rtol']:g}, atol {r['atol']:g}"
        if self.kind == "range":
            return f"in [{r['low']:g}, {r['high']:g}]"
        return "equal"

    def passed(self):
        """Whether every run's comparison passed."""
        for r in self.seen.values():
            if self.kind == "close":
                if not _within(r["got"], r["expected"], r["rtol"], r["atol"]):
                    return False
            elif self.kind == "range":
                if not r["low"] <= r["value"] <= r["high"]:
                    return False
            elif r["value"] != r["expected"]:
                return False
        return True

    def moved(self):
        """How far the graded quantity moved across the runs, as a fraction of what the
        check allows: for ``close``, the largest spread of an entry over its tolerance
        (atol + rtol |expected|); for ``range``, the spread of the values over their
        distance from the nearest bound; for ``equal``, 0 or infinity."""
        records = list(self.seen.values())
        if self.kind == "equal":
            return 0.0 if len({r["value"] for r in records}) == 1 else math.inf
        if self.kind == "range":
            values = [r["value"] for r in records]
            r = records[0]
            distance = min(min(v - r["low"], r["high"] - v) for v in values)
            spread = max(values) - min(values)
            return spread / distance if distance > 0 else math.inf
        lengths = {len(r["got"]) for r in records}
        if len(lengths) != 1:
            return math.inf
        worst = 0.0
        base = records[0]
        for i in range(lengths.pop()):
            got = [r["got"][i] for r in records]
            if not all(math.isfinite(g) for g in got):
                return math.inf
            tol = base["atol"] + base["rtol"] * abs(base["expected"][i])
            spread = max(got) - min(got)
            worst = max(worst, spread / tol if tol > 0 else (math.inf if spread else 0.0))
        return worst


def _within(got, expected, rtol, atol):
    return len(got) == len(expected) and all(
        math.isfinite(g) and abs(g - e) <= atol + rtol * abs(e)
        for g, e in zip(got, expected, strict=True)
    )


#: The largest movement a check may show across the runs, as a fraction of its tolerance
#: (``close``: a tenth of it) or of the distance to its bound (``range``: the bound lies
#: farther from every value seen than the values lie from each other).
LIMITS = {"close": 0.1, "range": 1.0, "equal": 0.0}


def comparisons(runs):
    """``[Comparison]`` from ``{run name: records}``; the n-th comparison of a (chapter,
    check, what) in one run is matched with the n-th of the same in every other run."""
    table = {}
    for run, records in runs.items():
        count = defaultdict(int)
        for r in records:
            key = (r["chapter"], r["check"], r["what"], r["kind"])
            count[key] += 1
            c = table.setdefault((*key, count[key]), Comparison(*key, {}))
            c.seen[run] = r
    return list(table.values())


def problems(runs):
    """What makes the matrix fail: comparisons that failed in a run, are missing from a
    run, or moved by more than :data:`LIMITS` allows."""
    out = []
    for c in comparisons(runs):
        where = f"{c.chapter} {c.check}: {c.what}"
        missing = sorted(set(runs) - set(c.seen))
        if missing:
            out.append(f"{where}: not compared in {', '.join(missing)}")
        if not c.passed():
            out.append(f"{where}: failed in a run ({_values(c)})")
        elif c.moved() > LIMITS[c.kind]:
            out.append(f"{where}: moved by {c.moved():.3g} of its allowance "
                       f"(limit {LIMITS[c.kind]:g}; {_values(c)})")  # fmt: skip
    return out


def _values(c):
    def show(r):
        if c.kind == "close":
            return "[" + ", ".join(f"{g:.7g}" for g in r["got"][:5]) + "]"
        return f"{r['value']:.7g}" if c.kind == "range" else r["value"]

    return "; ".join(f"{run} {show(r)}" for run, r in c.seen.items())


def exercise_ids(book=BOOK):
    """``{(chapter key, check function name): exercise id}`` from the chapters' check cells."""
    ids = {}
    for path in sorted(Path(book).glob("0*.ipynb")):
        key = f"ch{path.name[:2]}"
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            grading = cell.get("metadata", {}).get("grading", {})
            if "check" in cell.get("metadata", {}).get("tags", []) and "id" in grading:
                for name in re.findall(r"\.(check_\w+)\(", "".join(cell["source"])):
                    ids[(key, name)] = grading["id"]
    return ids


def summary(runs, book=BOOK):
    """One row per check: ``(exercise, check, comparisons, tolerances, worst moved, limit)``."""
    by_check = defaultdict(list)
    for c in comparisons(runs):
        by_check[(c.chapter, c.check)].append(c)
    ids = exercise_ids(book)
    rows = []
    for (chapter, check), cs in sorted(by_check.items()):
        tolerances = sorted({c.tolerance() for c in cs})
        worst = max(cs, key=lambda c: (c.moved() / LIMITS[c.kind]) if LIMITS[c.kind] else
                    (math.inf if c.moved() else 0.0))  # fmt: skip
        rows.append((ids.get((chapter, check), "?"), check, len(cs), "; ".join(tolerances),
                     worst))  # fmt: skip
    return sorted(rows, key=lambda r: ([int(x) for x in r[0].split(".")] if r[0] != "?" else
                                       [99], r[1]))  # fmt: skip


def _moved_text(c):
    m = c.moved()
    if c.kind == "equal":
        return "identical" if m == 0 else "differs"
    if m == 0:
        return "0 (identical)"
    return f"{m:.1e}" if math.isfinite(m) else "inf"


def table(runs, header="", book=BOOK):
    """The margins as a Markdown table, one row per check (its least margin)."""
    lines = [
        header,
        "| exercise | check | comparisons | tolerance | moved (worst) | margin |",
        "|---|---|---|---|---|---|",
    ]
    for ex, check, n, tolerances, worst in summary(runs, book):
        m = worst.moved()
        margin = (
            "exact"
            if worst.kind == "equal" and m == 0
            else ("∞" if m == 0 else (f"{1 / m:.2g}×" if math.isfinite(m) and m > 0 else "none"))
        )
        what = worst.what if len(worst.what) < 70 else worst.what[:67] + "…"
        lines.append(f"| {ex} | `{check}` | {n} | {tolerances} | {_moved_text(worst)} "
                     f"({what}) | {margin} |")  # fmt: skip
    return "\n".join(lines).lstrip("\n") + "\n"


def checks_in_table(path=TABLE):
    """The check names the committed table lists."""
    return set(re.findall(r"^\| [\d.?]+ \| `(check_\w+)`", Path(path).read_text(), re.M))


# --- the report and the command ----------------------------------------------------------------
def describe(run, python):
    """One line of the report: what ``run`` computed with."""
    v = versions(python, PROFILES[run].env if run in PROFILES else {})
    return (
        f"- **{run}**: Python {v['python']}, numpy {v['numpy']}, matplotlib {v['matplotlib']}, "
        f"OpenBLAS {v['blas']} kernels, numpy's {v['simd']} code"
    )


def report(logs, described):
    """The committed table's text: how the runs were made, then :func:`table`."""
    header = (
        "# How far each check's graded quantity moves across machines\n\n"
        "Written by `python instructor/matrix.py --write` (or copied from "
        "`_build/matrix/margins.md`, which `make test` writes) from these runs of every "
        "chapter with its reference solutions:\n\n" + "\n".join(described) + "\n\n"
        "*moved*: the largest spread, over the runs, of one compared number, as a fraction "
        "of what its check allows (the tolerance atol + rtol·|expected|; for a bound, the "
        "distance of the nearest value to it); *margin* is its inverse. The row shows the "
        "check's comparison that moved most. The matrix in `make test` fails a check whose "
        f"spread exceeds {LIMITS['close']:g} of its tolerance or {LIMITS['range']:g} of its "
        "distance to a bound, or whose integers or labels differ.\n"
    )
    return table(logs, header)


def main(argv=None):
    from concurrent.futures import ThreadPoolExecutor

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", nargs="+", default=RUNS, choices=RUNS)
    p.add_argument("--write", action="store_true", help=f"rewrite {TABLE.relative_to(ROOT)}")
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
        TABLE.write_text(text, encoding="utf-8")
        print(f"wrote {TABLE}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
