"""The class of students the scenario tests grade: one folder per way of handing in (right,
wrong, untouched, cheating, crashing, broken…), each with the points and status it must get."""

import copy
import json
import re
import textwrap
from pathlib import Path

import nbformat

from course_utils.grading import gradebook as G
from course_utils.grading import notebook as N
from course_utils.grading import status as S

from .students import CONFTEST, ROOT, answer_index, filled, looping, released, save, wrong


def build_class(chapter, root, grades=None):
    """One folder per scenario; returns ``{student: {exercise: (points, status)}}``.

    ``grades``: the folder the gradebook will be written to (the attacks aim at it).
    """
    name, ids = chapter.name, list(chapter.exercises)
    e1, e2 = ids[0], ids[1]
    ref = chapter.template.reference
    full = {i: (G.number(chapter.exercises[i].max_points), S.PASSED) for i in ids}
    expect = {}

    def student(who, nb, changes=None, filename=name):
        save(nb, root / who, filename)
        expect[who] = {**full, **(changes or {})}

    student("correct", filled(chapter))
    expect["untouched"] = {i: (0, S.UNANSWERED) for i in ids}
    save(released(chapter), root / "untouched", name)
    student("wrong", filled(chapter, {e1: wrong(ref[e1])}), {e1: (0, S.FAILED)})

    nb = filled(chapter, {e1: wrong(ref[e1])})  # wrong, but "re-run" with faked outputs
    for i, cell in enumerate(nb.cells):
        if N.is_code(cell):
            cell.execution_count = i + 1
            if N.is_check(cell):
                cell.outputs = [nbformat.v4.new_output("stream", text="✓ all right.\n")]
    student("wrong_saved", nb, {e1: (0, S.FAILED)})

    nb = filled(chapter, {e1: wrong(ref[e1])})
    for cell in nb.cells:
        if N.is_code(cell):
            cell.outputs, cell.execution_count = [], None
    student("wrong_cleared", nb, {e1: (0, S.FAILED)})

    nb = filled(chapter, {e1: wrong(ref[e1])})
    for cell in nb.cells:
        if N.is_check(cell) and N.grading(cell)["id"] == e1:
            cell.source = 'print("✓ right answer.")'
    student("check_edited", nb, {e1: (0, S.FAILED)})

    nb = filled(chapter, {e1: wrong(ref[e1])})
    nb.cells = [c for c in nb.cells if not (N.is_check(c) and N.grading(c)["id"] == e1)]
    student("check_deleted", nb, {e1: (0, S.FAILED)})

    nb = filled(chapter, {e2: wrong(ref[e2])})
    for cell in nb.cells:
        if N.is_check(cell):
            cell.metadata["grading"]["points"] = 100
    student("points_changed", nb, {e2: (0, S.FAILED)})

    student("conftest", filled(chapter, {e1: wrong(ref[e1])}), {e1: (0, S.FAILED)})
    (root / "conftest" / "conftest.py").write_text(CONFTEST)
    module = re.search(r"ch\d\d", " ".join(sorted(chapter.protected))).group(0)
    package = next((ROOT / "course_utils" / "chapters").glob(f"{module}_*")).name
    fake = root / "conftest" / "course_utils" / "chapters" / package
    fake.mkdir(parents=True)
    for folder in (fake, fake.parent, fake.parent.parent):
        (folder / "__init__.py").write_text("")
    (fake / "checks.py").write_text("def __getattr__(name):\n    return lambda *a, **k: None\n")

    detail_timeout = {e1: (0, S.TIMEOUT)}
    student("infinite_loop", filled(chapter, {e1: looping(ref[e1])}), detail_timeout)
    crash = ref[e2] + "\nimport os\n\nos._exit(1)\n"
    student("os_exit", filled(chapter, {e2: crash}), {e2: (0, S.CRASHED)})
    student("raises", filled(chapter, {e1: "raise ValueError('oops')\n" + ref[e1]}),
            {e1: (0, S.ERROR)})  # fmt: skip

    (root / "invalid_json").mkdir()
    text = json.dumps(filled(chapter))
    (root / "invalid_json" / name).write_text(text[: len(text) // 2])
    expect["invalid_json"] = {i: (0, S.INVALID_NOTEBOOK) for i in ids}

    (root / "missing").mkdir()
    (root / "missing" / "notes.txt").write_text("I forgot to upload it")
    expect["missing"] = {i: (0, S.MISSING_NOTEBOOK) for i in ids}

    nb = filled(chapter)
    at = answer_index(nb, e1)
    nb.cells.insert(at, nbformat.v4.new_markdown_cell("My working:"))
    nb.cells.insert(at + 1, nbformat.v4.new_code_cell("scratch = 1 / 0  # a scratch cell"))
    nb.cells.append(nbformat.v4.new_code_cell("print('the end')"))
    student("extra_cells", nb)

    noisy = "import sys\nimport warnings\n\nprint('debugging…', file=sys.stderr)\n"
    noisy += "warnings.warn('a warning from my answer')\nprint('a stray print')\n"
    student("stderr", filled(chapter, {i: noisy + ref[i] for i in ids}))

    nb = filled(chapter)
    (root / "nbformat3").mkdir()
    (root / "nbformat3" / name).write_text(nbformat.writes(nbformat.convert(nb, 3), version=3))
    expect["nbformat3"] = full

    nb = filled(chapter)
    del nb.cells[answer_index(nb, e1)]
    student("answer_deleted", nb, {e1: (0, S.MISSING_ANSWER)})

    nb = filled(chapter)
    stub = copy.deepcopy(nb.cells[answer_index(nb, e1)])
    stub.source, stub.id = chapter.template.stubs[e1], "a-copied-cell"
    nb.cells.insert(answer_index(nb, e1), stub)  # the stub above the answer: the last one counts
    student("answer_duplicated", nb, {e1: (full[e1][0], S.DUPLICATE_ANSWER)})

    student("renamed", filled(chapter), {i: (full[i][0], S.RENAMED) for i in ids},
            filename=f"Copy of {name}")  # fmt: skip

    cheat = f"for _n in dir({module}):\n    if _n.startswith('check'):\n"
    cheat += f"        setattr({module}, _n, lambda *a, **k: print('✓'))\n"
    # the patched checkers pass everything after it: all of those exercises need a look
    cheats = {i: wrong(ref[i]) + ("\n" + cheat if i == e1 else "") for i in ids}
    student("monkeypatch", filled(chapter, cheats), {i: (full[i][0], S.REVIEW) for i in ids})
    student("syntax_error", filled(chapter, {e1: "def broken(:\n    pass\n"}), {e1: (0, S.ERROR)})
    attacks(chapter, student, grades or root.parent / "grades")
    real_files(chapter, root, expect)
    return expect


_CHEAT = """
import course_utils.exercises.{module} as _c
for _n in dir(_c):
    if _n.startswith("check"):
        setattr(_c, _n, lambda *a, **k: print("✓ checked"))
"""


def attacks(chapter, student, grades):
    """Students whose code goes for the grading machinery (each runs in the sandbox)."""
    ids, ref = list(chapter.exercises), chapter.template.reference
    e1, e2 = ids[0], ids[1]
    full = {i: G.number(chapter.exercises[i].max_points) for i in ids}
    module = re.search(r"ch\d\d", " ".join(sorted(chapter.protected))).group(0)
    review_all = {i: (full[i], S.REVIEW) for i in ids}
    # an IPython startup file that would make every check pass in every later kernel
    startup = textwrap.dedent(f"""
        from pathlib import Path
        _d = Path.home() / ".ipython" / "profile_default" / "startup"
        _d.mkdir(parents=True, exist_ok=True)
        (_d / "00-cheat.py").write_text({_CHEAT.format(module=module)!r})
    """)
    student("aa_startup_file", filled(chapter, {e1: ref[e1] + startup}), review_all)
    # two honest students graded after it keep exactly their own points
    student("zz_honest_correct", filled(chapter))
    student("zz_honest_wrong", filled(chapter, {e1: wrong(ref[e1])}), {e1: (0, S.FAILED)})
    # a background process that outlives the kernel and rewrites the gradebook later
    daemon = textwrap.dedent(f"""
        import subprocess, sys
        _code = ("import time, pathlib; time.sleep(4); "
                 "pathlib.Path({str(grades / "gradebook.csv")!r}).write_text('HACKED')")
        subprocess.Popen([sys.executable, "-c", _code], start_new_session=True,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    """)
    student("background_process", filled(chapter, {e1: ref[e1] + daemon}), review_all)
    # a directory planted where the grader's report is written (the plugin's --grading-report)
    plant = textwrap.dedent("""
        import os
        try:
            _args = open(f"/proc/{os.getppid()}/cmdline").read().split("\\0")
            _report = next(a.split("=", 1)[1] for a in _args if a.startswith("--grading-report="))
            os.remove(_report)
            os.makedirs(_report)
        except Exception:
            pass
    """)
    student("plant_report", filled(chapter, {e1: ref[e1] + plant}), review_all)
    # snooping: the instructor's notebook and hidden checks, other students, the grades
    top = Path(grades).parent
    targets = [str(chapter.path.resolve()), str(ROOT / "instructor" / "checks"), str(grades),
               str(top / "book"), str(top / "submissions")]  # fmt: skip
    hidden = sorted({name for cell in chapter.nb.cells if "hidden" in N.tags(cell)
                     for name in re.findall(r"\.(check_\w+)\(", N.source(cell))})  # fmt: skip
    assert hidden, "the chapter has hidden checks to snoop on"
    snoop = textwrap.dedent(f"""
        import os
        for _p in {targets!r}:
            if os.path.exists(_p):
                raise RuntimeError("could see " + _p)
        from course_utils.exercises import {module} as _m
        if [n for n in {hidden!r} if hasattr(_m, n)]:
            raise RuntimeError("the hidden checks are importable")
    """)
    student("snoop", filled(chapter, {e1: ref[e1] + snoop}), review_all)
    # a write outside the work folder (into the course package): blocked, flagged on e2
    outside = "\nimport course_utils\nopen(course_utils.__path__[0] + '/evil.py', 'w')\n"
    student("write_outside", filled(chapter, {e2: ref[e2] + outside}), {e2: (full[e2], S.REVIEW)})
    student("memory_hog", filled(chapter, {e1: "_x = bytearray(8 * 1024**3)\n" + ref[e1]}),
            {e1: (0, S.ERROR)})  # fmt: skip


def real_files(chapter, root, expect):
    """Students whose files are odd but honest: the answers must still be found."""
    name, ids = chapter.name, list(chapter.exercises)
    full = {i: (G.number(chapter.exercises[i].max_points), S.PASSED) for i in ids}
    (root / "bom").mkdir()
    (root / "bom" / name).write_bytes(b"\xef\xbb\xbf" + nbformat.writes(filled(chapter)).encode())
    expect["bom"] = full
    nb = filled(chapter)  # pasted into a fresh notebook: every cell lost its metadata
    for cell in nb.cells:
        cell.metadata = {}
    save(nb, root / "lost_metadata", name)
    expect["lost_metadata"] = {i: (full[i][0], S.REVIEW) for i in ids}
    stem = Path(name).stem
    save(released(chapter), root / "duplicates", name)  # blank; the work is in "(1)"
    save(filled(chapter), root / "duplicates", f"{stem} (1).ipynb")
    save(released(chapter), root / "duplicates", f"Copy of {name}")
    expect["duplicates"] = {i: (full[i][0], S.REVIEW) for i in ids}
    (root / "latin1").mkdir()
    text = nbformat.writes(filled(chapter, {ids[0]: chapter.template.reference[ids[0]] + "# é\n"}))
    (root / "latin1" / name).write_bytes(text.encode("latin-1", errors="replace"))
    expect["latin1"] = {i: (0, S.INVALID_NOTEBOOK) for i in ids}


SCENARIOS = ["correct", "untouched", "wrong", "wrong_saved", "wrong_cleared", "check_edited",
             "check_deleted", "points_changed", "conftest", "infinite_loop", "os_exit", "raises",
             "invalid_json", "missing", "extra_cells", "stderr", "nbformat3", "answer_deleted",
             "answer_duplicated", "renamed", "monkeypatch", "syntax_error",
             "aa_startup_file", "zz_honest_correct", "zz_honest_wrong", "background_process",
             "plant_report", "snoop", "write_outside", "memory_hog",
             "bom", "lost_metadata", "duplicates", "latin1"]  # fmt: skip
