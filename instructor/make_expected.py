"""Write the expected values of the visible checks from the instructor's reference code.

    python instructor/make_expected.py          # rewrite what changed in expected/
    python instructor/make_expected.py --check  # exit 1 if a stored file is out of date

Each ``instructor/reference/chNN.py`` defines ``expected()``; its result is stored as
``course_utils/exercises/expected/chNN.json``, the only thing the installed package
knows of the answers.

A stored value is out of date when the reference code gives another structure, another
string or integer, or a number that differs by more than ``RTOL`` (relative, plus ``ATOL``).
Differences below that are another CPU's rounding, not a change: every check that compares
with stored values allows at least a hundred times more (the tightest, exercise 3.1's, has
rtol 1e-10), and the test matrix measures how far each value moves (``instructor/matrix.py``).
So a file is rewritten only when something changed, and not by each machine's last bits.
"""

import argparse
import json
import math
import sys

from course_utils.exercises import _expected, _hidden

RTOL, ATOL = 1e-12, 1e-14


def computed():
    """``{chapter key: JSON data}`` from the reference code."""
    return {
        key: json.loads(json.dumps(_hidden.module(key, _hidden.REFERENCE).expected()))
        for key in _hidden.sources(package=_hidden.REFERENCE)
    }


def differences(stored, fresh, where=""):
    """Where ``fresh`` differs from ``stored`` by more than rounding: a list of paths."""
    if isinstance(stored, dict) and isinstance(fresh, dict):
        if stored.keys() != fresh.keys():
            return [f"{where or '/'}: keys {sorted(stored)} != {sorted(fresh)}"]
        return [d for k in stored for d in differences(stored[k], fresh[k], f"{where}/{k}")]
    if isinstance(stored, list) and isinstance(fresh, list):
        if len(stored) != len(fresh):
            return [f"{where}: {len(stored)} entries != {len(fresh)}"]
        return [d for i, (a, b) in enumerate(zip(stored, fresh, strict=True)) for d in
                differences(a, b, f"{where}[{i}]")]  # fmt: skip
    numbers = (int, float)
    if type(stored) in numbers and type(fresh) in numbers and float in (type(stored), type(fresh)):
        if math.isclose(stored, fresh, rel_tol=RTOL, abs_tol=ATOL):
            return []
    elif type(stored) is type(fresh) and stored == fresh:
        return []
    return [f"{where}: stored {stored!r}, computed {fresh!r}"]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--check", action="store_true", help="compare instead of writing")
    args = p.parse_args(argv)
    stale = 0
    for key, data in computed().items():
        path = _expected.HERE / "expected" / f"{key}.json"
        stored = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
        found = differences(stored, data)
        if not found:
            continue
        if args.check:
            stale += 1
            print(f"out of date: {path} (run python instructor/make_expected.py)")
            print("  " + "\n  ".join(found[:10]))
        else:
            path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
            print(f"wrote {path}")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
