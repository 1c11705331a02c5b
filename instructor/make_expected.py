"""Write the expected values of the visible checks from the instructor's reference code.

    python instructor/make_expected.py          # rewrite course_utils/exercises/expected/
    python instructor/make_expected.py --check  # exit 1 if a stored file is out of date

Each ``instructor/checks/chNN.py`` defines ``expected()``; its result is stored as
``course_utils/exercises/expected/chNN.json``, the only thing the installed package
knows of the answers.
"""

import argparse
import importlib
import json
import sys
from pathlib import Path

from course_utils.exercises import _expected

CHECKS = Path(__file__).resolve().parent / "checks"


def computed():
    """``{chapter key: JSON text}`` from the reference code."""
    out = {}
    for path in sorted(CHECKS.glob("ch[0-9][0-9].py")):
        module = importlib.import_module(_expected.checker_module(path.stem))
        data = _expected.hidden(module, "expected")()
        out[path.stem] = json.dumps(data, indent=1) + "\n"
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--check", action="store_true", help="compare instead of writing")
    args = p.parse_args(argv)
    stale = []
    for key, text in computed().items():
        path = _expected.HERE / "expected" / f"{key}.json"
        if args.check:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                stale.append(path)
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    for path in stale:
        print(f"out of date: {path} (run python instructor/make_expected.py)")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
