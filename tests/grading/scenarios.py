"""The class of students the scenario tests grade: one folder per way of handing in (right,
wrong, untouched, cheating, crashing, broken…), each with the points and status it must get."""

import copy
import json
import os
import re
import textwrap
from pathlib import Path

import nbformat

from course_utils.grading import gradebook as G
from course_utils.grading import limits
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
    # the grader replays the real checkers: the wrong answers earn nothing, and are flagged
    student("monkeypatch", filled(chapter, cheats), {i: (0, S.REVIEW) for i in ids})
    student("syntax_error", filled(chapter, {e1: "def broken(:\n    pass\n"}), {e1: (0, S.ERROR)})
    attacks(chapter, student, grades or root.parent / "grades")
    forgeries(chapter, student)
    resources(chapter, student)
    real_files(chapter, root, expect)
    odd_folders(chapter, root, expect)
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
    # its home is a fresh tmpfs of this one kernel: the file reaches no other kernel
    student("aa_startup_file", filled(chapter, {e1: ref[e1] + startup}))
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
             "bom", "lost_metadata", "duplicates", "latin1",
             "forge_assignment", "forge_transformer", "forge_oracle", "leak_reference",
             "secret_environ", "print_flood", "fork_bomb", "disk_fill", "deaf_loop",
             "imitates_grader"]  # fmt: skip
if limits.describe().startswith("cgroup"):
    SCENARIOS.append("memory_spread")


# --- issue 21: attacks on checks that ran in the student's kernel ------------------------------
_FAKE_CHECKS = """
class _Fake:
    def __getattr__(self, name):
        return lambda *a, **k: print("✓ right answer.")


{module} = _Fake()
"""
_TRANSFORMER = """
from IPython.core.interactiveshell import InteractiveShell


def _all_right(lines):
    return ["print('✓ right answer.')\\n"]


InteractiveShell.instance().input_transformers_cleanup.append(_all_right)
"""
# reads the checker's expected value from the checker's frames, through names the scan
# does not know: a traceback's frame, getattr with pieces of attribute names
_ORACLE = """
import numpy as _np


class _Oracle:
    def __array__(self, dtype=None, copy=None):
        try:
            raise ZeroDivisionError
        except ZeroDivisionError as _e:
            frame = _e.__traceback__.tb_frame
        while frame is not None:
            names = getattr(frame, "f_loc" + "als")
            for key in ("expected", "e", "grad", "want", "w_ref"):
                value = names.get(key)
                if value is not None and not callable(value):
                    try:
                        found = _np.asarray(value, dtype=float)
                    except (TypeError, ValueError):
                        continue
                    return found if dtype is None else found.astype(dtype)
            frame = getattr(frame, "f_ba" + "ck")
        return _np.zeros(1)


def central_gradient(f, w, h=1e-5):
    return _Oracle()


def newton_step(surface, w_hat):
    return _Oracle()


lam, eta_max = _Oracle(), _Oracle()
"""
# prints whatever of the instructor's it can find in the kernel into its feedback
_LEAK = """
_honest = central_gradient


def central_gradient(f, w, h=1e-5):
    import inspect
    import sys

    found = [m for m in list(sys.modules) if m.startswith("instructor")]
    if found:
        text = "LEAK " + " ".join(found)
        for name in found:
            try:
                text += "\\n" + inspect.getsource(sys.modules[name])
            except (OSError, TypeError):
                text += "\\n" + repr(vars(sys.modules[name]))
        raise RuntimeError(text)
    return _honest(f, w, h)
"""
_ENVIRON = """
with open("/proc/1/environ", "rb") as _f:
    _seen = _f.read()
for _name in (b"DOWNHILL_TEST_SECRET", b"GRADER_TOKEN", b"PYTEST_"):
    if _name in _seen:
        raise RuntimeError("leaked: " + _seen.decode(errors="replace")[:300])
"""
SECRET = "DOWNHILL_TEST_SECRET"  # set while the class is graded (test_gradebook.py)


def forgeries(chapter, student):
    """The attacks of issue 21 on checks that ran beside the student's code: a fake
    checker module, an input transformer, an oracle, a leak of the instructor's code.
    Written for chapter 1's first three exercises (1.1 central_gradient, 1.2 lam and
    eta_max, 1.3 newton_step); the others keep the reference answers."""
    ids, ref = list(chapter.exercises), chapter.template.reference
    module = re.search(r"ch\d\d", " ".join(sorted(chapter.protected))).group(0)
    if module != "ch01":
        return
    e1, e2, e3 = ids[:3]
    full = {i: G.number(chapter.exercises[i].max_points) for i in ids}
    wrong_all = {i: wrong(ref[i]) for i in ids}
    none_review = {i: (0, S.REVIEW) for i in ids}
    fake = {**wrong_all, e1: wrong_all[e1] + _FAKE_CHECKS.format(module=module)}
    student("forge_assignment", filled(chapter, fake), none_review)
    forged = {**wrong_all, e1: wrong_all[e1] + _TRANSFORMER}
    student("forge_transformer", filled(chapter, forged), none_review)
    oracle = {e1: _ORACLE, e2: "pass\n", e3: "pass\n"}
    student("forge_oracle", filled(chapter, oracle), {i: (0, S.FAILED) for i in oracle})
    # 1.1's visible checks pass (2 points), its hidden one meets the leak (an error); the
    # exercises after the suspect code keep their points for the instructor's review
    leak = {e1: ref[e1] + _LEAK}
    after = {i: (full[i], S.REVIEW) for i in ids[1:]}
    student("leak_reference", filled(chapter, leak), {**after, e1: (2, S.REVIEW)})
    student("secret_environ", filled(chapter, {e2: ref[e2] + _ENVIRON}), after)


_FLOOD = """
import sys as _sys

_line = "x" * (1024 * 1024 - 1) + "\\n"
for _ in range(200):  # 200 MiB
    _sys.stdout.write(_line)
"""
_FORKS = """
import os as _os
import time as _time

_made = 0
for _ in range(300):
    try:
        _pid = _os.fork()
    except OSError:
        break
    if _pid == 0:
        _time.sleep(5)
        _os._exit(0)
    _made += 1
print("children:", _made)
"""
_DISK = """
from pathlib import Path as _P

_d = _P("fill")
_d.mkdir(exist_ok=True)
try:
    for _n in range(1500):  # 1.5 GiB, in files of 1 MiB
        (_d / f"{_n}.bin").write_bytes(b"\\0" * 1024 * 1024)
except OSError as _exc:
    print("disk full:", _exc.strerror)
_deep = _P("deep")
try:
    for _ in range(1100):
        _deep = _deep / "d"
        _deep.mkdir(parents=True)
except OSError:
    pass
"""
_DEAF = """
import signal as _signal

_signal.signal(_signal.SIGINT, _signal.SIG_IGN)
while True:
    pass
"""
_IMITATE = 'raise RuntimeError("Kernel dead on test start")\n'
# issue 21: /dev/shm and forked children held 2.8 GiB under --memory 2048. Here 400 MiB of
# /dev/shm and four children of 500 MiB each, held together for two seconds: 2.4 GiB. The
# children offer themselves to the out-of-memory killer first, so the kernel lives to tell
# whether they were all held (then the limit failed: the answer raises before its function
# is defined, and earns nothing).
_SPREAD = """
import os as _os
import time as _time

for _n in range(2):  # 200 MiB a file: no file may pass 256 MiB
    with open(f"/dev/shm/fill{_n}.bin", "wb") as _f:
        _f.write(b"x" * (200 * 1024 * 1024))
_kids = []
for _ in range(4):
    _pid = _os.fork()
    if _pid == 0:
        try:
            with open("/proc/self/oom_score_adj", "w") as _f:
                _f.write("1000")
            _held = b"y" * (500 * 1024 * 1024)
            _time.sleep(2)
        finally:
            _os._exit(0)
    _kids.append(_pid)
_ends = [_os.waitpid(_pid, 0)[1] for _pid in _kids]
for _n in range(2):
    _os.remove(f"/dev/shm/fill{_n}.bin")
if all(_os.WIFEXITED(_e) for _e in _ends):  # the answer below is then never defined
    raise RuntimeError("held 2.4 GiB under a 2 GiB limit")
"""


def resources(chapter, student):
    """Students whose code takes resources: the sandbox holds them, their rows stay exact."""
    ids, ref = list(chapter.exercises), chapter.template.reference
    e1 = ids[0]
    full = {i: G.number(chapter.exercises[i].max_points) for i in ids}
    student("print_flood", filled(chapter, {e1: ref[e1] + _FLOOD}))
    student("fork_bomb", filled(chapter, {e1: ref[e1] + _FORKS}),
            {i: (full[i], S.REVIEW) for i in ids})  # fmt: skip
    student("disk_fill", filled(chapter, {e1: ref[e1] + _DISK}))
    student("deaf_loop", filled(chapter, {e1: _DEAF}), {e1: (0, S.TIMEOUT)})
    student("imitates_grader", filled(chapter, {e1: _IMITATE + ref[e1]}), {e1: (0, S.ERROR)})
    if limits.describe().startswith("cgroup"):  # else memory is held per process only
        student("memory_spread", filled(chapter, {e1: _SPREAD + ref[e1]}),
                {i: (full[i], S.REVIEW) for i in ids})  # fmt: skip


def odd_folders(chapter, root, expect):
    """Folders and files no grader should choke on: each is graded, or refused with a
    reason, and the class goes on."""
    name, ids = chapter.name, list(chapter.exercises)
    full = {i: (G.number(chapter.exercises[i].max_points), S.PASSED) for i in ids}
    for who in ("=eve", "+bob", "@cy", "-dan", "x" * 240):
        save(filled(chapter), root / who, name)
        expect[who] = full
    latin = os.fsdecode(b"Jos\xe9")
    save(filled(chapter), root / latin, name)
    (root / latin / os.fsdecode(b"notes-\xff.txt")).write_text("mine")
    expect["Jos\\xe9"] = full
    save(filled(chapter), root / "latin1_file", os.fsdecode(b"Jos\xe9.ipynb"))
    expect["latin1_file"] = {i: (full[i][0], S.RENAMED) for i in ids}
    (root / "deep_json").mkdir()
    depth = 50_000
    (root / "deep_json" / name).write_text("[" * depth + "]" * depth)
    expect["deep_json"] = {i: (0, S.INVALID_NOTEBOOK) for i in ids}
    deep = root / "deep_folders"
    save(filled(chapter), deep, name)
    fd = os.open(deep, os.O_RDONLY)
    for _ in range(1100):
        os.mkdir("d", dir_fd=fd)
        inner = os.open("d", os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = inner
    os.close(fd)
    expect["deep_folders"] = full
    (root / "symlink").mkdir()
    (root / "symlink" / name).symlink_to(chapter.path.resolve())  # the instructor's notebook
    expect["symlink"] = {i: (0, S.INVALID_NOTEBOOK) for i in ids}


ODD = ["=eve", "+bob", "@cy", "-dan", "x" * 240, "Jos\\xe9", "latin1_file", "deep_json",
       "deep_folders", "symlink"]  # fmt: skip

SCENARIOS = SCENARIOS + ODD
