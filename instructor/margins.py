"""How far each check's graded quantity moved across the runs of the test matrix.

Every run of the matrix (``instructor/matrix.py``) logs each comparison its checks make
(``course_utils/exercises/_log.py``: the value that came back, the value it was compared
with, the tolerance or bound). This module matches the same comparison across the runs
(:func:`comparisons`), says what makes the matrix fail (:func:`problems`: a comparison that
failed in a run, is missing from one, or moved by more than :data:`LIMITS` allows), and
writes the table of every check's margin (:func:`report`, committed as
``instructor/margins.md``).
"""

import json
import math
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
TABLE = ROOT / "instructor" / "margins.md"


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
