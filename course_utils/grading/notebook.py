"""Notebook surgery: find the exercises, strip the solutions, build the graded notebook.

An exercise is an *answer cell* (tag ``answer``, metadata ``grading.id``) and one or
more *check cells* (tag ``check``, metadata ``grading.id`` and ``grading.points``; tag
``hidden`` for the checks students do not see). The reference solution sits between
the lines ``### BEGIN SOLUTION`` and ``### END SOLUTION``.
"""

import ast
import copy
import json
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from course_utils.exercises import _expected, _hidden

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
STUB = 'raise NotImplementedError("Replace this line with your answer to exercise {id}")'
# nbval reads these markers from comment lines: a student must not switch a cell off
NBVAL_MARKER = re.compile(r"^(\s*#+)(\s*)(NBVAL_\w+|PYTEST_VALIDATE_IGNORE_OUTPUT)\s*$", re.M)
# tags with which nbval would skip a cell or accept an exception from it
NBVAL_TAGS = {"nbval-skip", "raises-exception", "nbval-raises-exception", "skip-execution"}
# solution lines that say nothing on their own are not counted as a leak when they survive
_TRIVIAL = re.compile(r"^[\W_]*$|^(else|try|finally|pass|break|continue|return|raise)\W*$")


MAX_BYTES = 64 * 2**20  # a notebook file larger than this is not read


class InvalidNotebook(Exception):
    """A file that cannot be read as a Jupyter notebook; the message says why."""


class MarkerError(ValueError):
    """Unbalanced ``### BEGIN SOLUTION`` / ``### END SOLUTION`` lines."""


def source(cell):
    """The cell's source as one string (nbformat allows a list of lines)."""
    text = cell.get("source", "")
    return "".join(map(str, text)) if isinstance(text, list) else str(text)


def _metadata(cell):
    value = cell.get("metadata", {})
    return value if isinstance(value, dict) else {}


def tags(cell):
    value = _metadata(cell).get("tags", [])
    return value if isinstance(value, list) else []


def grading(cell):
    value = _metadata(cell).get("grading", {})
    return value if isinstance(value, dict) else {}


def is_code(cell):
    return cell.get("cell_type") == "code"


def is_answer(cell):
    return is_code(cell) and "answer" in tags(cell)


def is_check(cell):
    return is_code(cell) and "check" in tags(cell)


def read_notebook(path):
    """Read ``path`` as an nbformat-4 notebook; return ``(nb, notes)``.

    Older notebooks (nbformat 3) are converted and ``notes`` says so. Anything
    unreadable raises :class:`InvalidNotebook` with a message meant for a person.
    """
    try:
        if Path(path).stat().st_size > MAX_BYTES:
            raise InvalidNotebook(f"larger than {MAX_BYTES // 2**20} MiB: not a course notebook")
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidNotebook(f"cannot read the file: {exc.strerror or exc}") from None
    try:  # a byte-order mark (Windows Notepad) is allowed and skipped
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        byte = data[exc.start : exc.start + 1].hex()
        raise InvalidNotebook(
            f"not UTF-8 text (byte 0x{byte} at position {exc.start}): saved in another "
            "encoding, or not a notebook"
        ) from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidNotebook(f"not valid JSON ({exc})") from None
    except RecursionError:
        raise InvalidNotebook("JSON nested too deeply to be a notebook") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("nbformat"), int):
        raise InvalidNotebook("valid JSON, but not a notebook (no nbformat version)")
    version, notes = raw["nbformat"], []
    if version > 4:
        raise InvalidNotebook(f"nbformat {version} is newer than this grader understands")
    try:
        with warnings.catch_warnings():  # duplicate cell ids and the like: repaired quietly
            warnings.simplefilter("ignore")
            nb = nbformat.reads(text, as_version=4, capture_validation_error={})
    except (Exception, RecursionError) as exc:  # nbformat raises many kinds on malformed input
        why = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)[:300]
        raise InvalidNotebook(f"nbformat {version} notebook that cannot be read: {why}") from None
    if version < 4:
        notes.append(f"converted from nbformat {version}")
    cells = nb.get("cells")
    if (
        not isinstance(cells, list)
        or not all(isinstance(c, dict) and "cell_type" in c and "source" in c for c in cells)
        or not all(isinstance(c.get("metadata", {}), dict) for c in cells)
    ):
        raise InvalidNotebook("the notebook's cells are malformed")
    return nb, notes


# --- solutions --------------------------------------------------------------------------------
def solution_blocks(text):
    """``[(begin, end), ...]``: line numbers of each marker pair, in order."""
    blocks, begin = [], None
    for i, line in enumerate(text.splitlines()):
        marker = line.strip()
        if marker == BEGIN:
            if begin is not None:
                raise MarkerError(f"line {i + 1}: {BEGIN} inside an open solution block")
            begin = i
        elif marker == END:
            if begin is None:
                raise MarkerError(f"line {i + 1}: {END} without a {BEGIN}")
            blocks.append((begin, i))
            begin = None
    if begin is not None:
        raise MarkerError(f"line {begin + 1}: {BEGIN} is never closed by {END}")
    return blocks


def strip_solution(text, exercise_id="this exercise"):
    """Replace each solution block, markers included, by the stub at the block's indentation."""
    lines = text.splitlines()
    for begin, end in reversed(solution_blocks(text)):
        indent = lines[begin][: len(lines[begin]) - len(lines[begin].lstrip())]
        lines[begin : end + 1] = [indent + STUB.format(id=exercise_id)]
    return "\n".join(lines)


def solution_lines(nb):
    """The stripped, non-trivial lines inside any solution block of ``nb``."""
    found = set()
    for cell in nb.cells:
        text = source(cell)
        lines = text.splitlines()
        for begin, end in solution_blocks(text):
            found.update(line.strip() for line in lines[begin + 1 : end])
    return {line for line in found if not _TRIVIAL.match(line)}


def shown_lines(nb):
    """The stripped lines of the visible code cells that hold no solution."""
    shown = set()
    for cell in nb.cells:
        if is_code(cell) and not is_answer(cell) and "hidden" not in tags(cell):
            if BEGIN not in source(cell):
                shown.update(line.strip() for line in source(cell).splitlines())
    return shown


def package_lines():
    """The stripped lines of the installed ``course_utils`` source: public to students
    (a chapter may print a helper's source, as chapter 3 prints the training loop's)."""
    root = Path(__file__).resolve().parents[1]
    lines = set()
    for path in root.rglob("*.py"):
        lines.update(line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return lines


def secret_lines(*nbs):
    """The solution lines a student copy of ``nbs`` must not contain.

    A solution line is public, and so not counted, when a visible code cell of the book
    holds it (say ``w = model.get_flat()`` in an earlier example) or the course package
    students install does (``for _ in range(epochs):``, a line of a solution, is also
    one of the package's). Lines shown in Markdown do count: the release copies Markdown
    as it is.
    """
    solutions = set().union(*(solution_lines(nb) for nb in nbs))
    return solutions - set().union(package_lines(), *(shown_lines(nb) for nb in nbs))


def text_lines(nb):
    """Every stripped line of text in ``nb``: sources, outputs and metadata."""
    chunks = [json.dumps(nb.get("metadata", {}), indent=1, ensure_ascii=False)]
    for cell in nb.cells:
        chunks.append(source(cell))
        chunks.append(json.dumps(cell.get("metadata", {}), indent=1, ensure_ascii=False))
        for output in cell.get("outputs", []):
            chunks.append(json.dumps(output, indent=1, ensure_ascii=False))
    return {line.strip() for chunk in chunks for line in chunk.splitlines()}


def leaked_lines(solutions, lines):
    """The solution lines (and markers) that appear among ``lines``."""
    return sorted((set(solutions) | {BEGIN, END}) & set(lines))


def release(nb):
    """The student's copy of an instructor notebook (a new notebook; ``nb`` is unchanged).

    Solutions become stubs (shown, where the solution was folded in JupyterLab), hidden
    checks go, check cells are locked against editing and deletion in Jupyter, and
    every output and execution count is cleared.
    """
    out = copy.deepcopy(nb)
    cells = []
    for cell in out.cells:
        if is_check(cell) and "hidden" in tags(cell):
            continue
        text = source(cell)
        if BEGIN in text or END in text:
            cell["source"] = strip_solution(text, grading(cell).get("id", "this exercise"))
            cell.metadata.get("jupyter", {}).pop("source_hidden", None)  # the stub is shown
        if is_check(cell):
            cell.metadata["editable"] = False
            cell.metadata["deletable"] = False
        if is_code(cell):
            cell["outputs"], cell["execution_count"] = [], None
            cell.metadata.pop("execution", None)
        cells.append(cell)
    out.cells = cells
    out.metadata.pop("widgets", None)
    return out


# --- the exercises of a notebook --------------------------------------------------------------
@dataclass
class Exercise:
    """One exercise: its answer cell and check cells (indices into ``nb.cells``)."""

    id: str
    answer: int | None = None
    checks: list = field(default_factory=list)  # [(index, points, hidden)]

    @property
    def max_points(self):
        return sum(points for _, points, _ in self.checks)


# "### Exercise 3.1: one epoch of mini-batch SGD (3 points)": the points a heading announces
_HEADING = re.compile(r"^#+\s+Exercise\s+(\d+\.\d+)\b[^\n]*\((\d+(?:\.\d+)?) points?\)\s*$", re.M)


def heading_points(nb):
    """``{id: points}`` as the exercises' Markdown headings announce them.

    A student's copy keeps the headings but not the hidden checks, so the heading is
    where it learns an exercise's full worth (``validate`` keeps the two in agreement).
    """
    found = {}
    for cell in nb.cells:
        if cell.get("cell_type") == "markdown":
            for match in _HEADING.finditer(source(cell)):
                value = float(match.group(2))
                found.setdefault(match.group(1), int(value) if value.is_integer() else value)
    return found


def exercise_text(nb, exercise_id, answer_index):
    """The Markdown of an exercise: from the cell of its heading to its answer cell."""
    parts = []
    for cell in reversed(nb.cells[:answer_index]):
        if cell.get("cell_type") != "markdown":
            continue
        parts.insert(0, source(cell))
        if any(m.group(1) == exercise_id for m in _HEADING.finditer(parts[0])):
            break
    return "\n\n".join(parts)


def exercise_id_key(exercise_id):
    """Sort key: "1.10" after "1.9"."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", str(exercise_id)))


def find_exercises(nb):
    """``{id: Exercise}`` in the order the answers (or, lacking one, the checks) appear."""
    found = {}
    for index, cell in enumerate(nb.cells):
        meta = grading(cell)
        if not (is_answer(cell) or is_check(cell)) or "id" not in meta:
            continue
        ex = found.setdefault(str(meta["id"]), Exercise(str(meta["id"])))
        if is_answer(cell) and ex.answer is None:
            ex.answer = index
        elif is_check(cell):
            points = meta.get("points", 0)
            points = points if isinstance(points, int | float) else 0
            ex.checks.append((index, points, "hidden" in tags(cell)))
    return found


def student_answers(nb):
    """``{id: [source, ...]}``: the answer cells of a student's notebook, by grading id.

    A code cell counts as an answer when it carries a grading id and either the tag
    ``answer`` or no ``points`` (so a cell whose tags the student lost still counts).
    """
    answers = {}
    for cell in nb.cells:
        meta = grading(cell)
        if is_code(cell) and "id" in meta and ("answer" in tags(cell) or "points" not in meta):
            answers.setdefault(str(meta["id"]), []).append(source(cell))
    return answers


def setup_cells(nb):
    """Indices of the code cells tagged ``setup``; failing that, the first that imports
    course_utils."""
    tagged = [i for i, c in enumerate(nb.cells) if is_code(c) and "setup" in tags(c)]
    if tagged:
        return tagged
    pattern = re.compile(r"^\s*(from|import)\s+course_utils\b", re.M)
    for i, cell in enumerate(nb.cells):
        if is_code(cell) and pattern.search(source(cell)):
            return [i]
    return []


def exercise_section(nb):
    """``range`` of cell indices from the ``## Exercises`` heading to the ``## Summary`` one."""
    start = end = None
    for i, cell in enumerate(nb.cells):
        if cell.get("cell_type") != "markdown":
            continue
        text = source(cell)
        if start is None and re.match(r"\s*##\s+Exercises\b", text):
            start = i
        elif start is not None and re.search(r"^##\s+Summary\b", text, re.M):
            end = i
            break
    if start is None:
        return range(0)
    return range(start, len(nb.cells) if end is None else end)


def neutralise_markers(text):
    """Turn nbval's comment markers in a student's answer into plain comments."""
    return NBVAL_MARKER.sub(r"\1\2(marker removed by the grader) \3", text)


# --- the graded notebook ----------------------------------------------------------------------
@dataclass
class Role:
    """What a code cell of the graded notebook is for."""

    kind: str  # "setup", "answer", "check" or "other"
    exercise: str | None = None  # its exercise (for "other": the latest answer above it)
    points: float = 0
    hidden: bool = False
    check: str | None = None  # a check cell's checker, "ch03.check_sgd_epoch" (None: not one)
    arguments: str = ""  # ... and its arguments, as source: "sgd_epoch"


_CHECKER = re.compile(r"^(ch\d\d)$")


def checker_call(text):
    """``("ch03.check_sgd_epoch", "sgd_epoch")`` for a check cell that is one call of a
    chapter's checker, ``chNN.check_…(…)``; None for anything else."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return None
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.Expr):
        return None
    call = tree.body[0].value
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)):
        return None
    owner, name = call.func.value, call.func.attr
    if not (isinstance(owner, ast.Name) and _CHECKER.match(owner.id) and name.startswith("check")):
        return None
    call.func = ast.Attribute(ast.Name("_downhill_probe", ast.Load()), "arguments", ast.Load())
    return f"{owner.id}.{name}", ast.unparse(call)


def probe_cell(check, arguments, expected, hidden=None, source=None):
    """The source of a check cell in the graded notebook: the student's kernel calls the
    checker's inputs through :func:`course_utils.exercises._probe.run`, with placeholders
    for the values (``expected``, ``hidden``: JSON text), and reports what came back as
    data; ``source``: the hidden checks, for a hidden check."""
    extra = f", hidden={hidden!r}, source={source!r}" if source is not None else ""
    return (
        "import course_utils.exercises._probe as _downhill_probe\n"
        f"_downhill_probe.run({check!r}, lambda: {arguments}, expected={expected!r}{extra})"
    )


@dataclass
class Template:
    """The graded notebook of one chapter, before the student's answers go in.

    ``cells`` are the code cells the grader runs: the setup cells and those of the
    Exercises section, outputs cleared; ``exercises`` index into ``cells``; ``stubs`` are
    the answers with their solutions stripped (what an untouched notebook holds).
    """

    cells: list
    roles: list
    exercises: dict
    stubs: dict
    metadata: dict

    hidden: dict = field(default_factory=dict)  # chapter key -> source of its hidden checks
    placeholders: dict = field(default_factory=dict)  # (kind, key) -> JSON text

    def build(self, answers, stubbed=()):
        """A notebook with ``answers[id]`` in each answer cell (the stub if absent or in
        ``stubbed``); each check cell calls its checker through :func:`probe_cell`, a
        hidden one handing the kernel its chapter's hidden checks with it."""
        cells = []
        for cell, role in zip(self.cells, self.roles, strict=True):
            cell = copy.deepcopy(cell)
            if role.kind == "answer":
                text = answers.get(role.exercise)
                if text is None or role.exercise in stubbed:
                    text = self.stubs[role.exercise]
                cell["source"] = neutralise_markers(text)
            elif role.check is not None:
                key = role.check.split(".")[0]
                expected = self.placeholders.get(("visible", key), "{}")
                if role.hidden:
                    cell["source"] = probe_cell(role.check, role.arguments, expected,
                                                self.placeholders.get(("hidden", key), "{}"),
                                                self.hidden.get(key, ""))  # fmt: skip
                else:
                    cell["source"] = probe_cell(role.check, role.arguments, expected)
            cells.append(cell)
        nb = nbformat.v4.new_notebook(cells=cells, metadata=copy.deepcopy(self.metadata))
        return nb

    @property
    def reference(self):
        """The answers of the notebook the template was made from (its solutions)."""
        return {ex.id: source(self.cells[ex.answer]) for ex in self.exercises.values()}


def _placeholders(keys, hidden):
    """``{(kind, key): JSON text}``: the placeholders of the values each chapter's checks
    compare with (visible, and hidden where its hidden checks are given)."""
    out = {}
    for key in keys:
        values = dict(_expected.expected(key))
        out[("visible", key)] = json.dumps(_expected.placeholders(values))
        if key in hidden:
            values = dict(_hidden.hidden(key))
            out[("hidden", key)] = json.dumps(_expected.placeholders(values))
    return out


def make_template(nb, visible_only=False, hidden=None):
    """The :class:`Template` of notebook ``nb`` (``visible_only``: drop hidden checks).

    The hidden check cells go last, after every answer, so that the hidden checks they
    bring into the kernel (``hidden``: ``{chapter key: source}``, by default
    :func:`course_utils.exercises._hidden.sources`; their inputs and logic, no solution)
    are never there while a student's cell runs.
    """
    if hidden is None and not visible_only:
        hidden = _hidden.sources()
    if visible_only:
        hidden = {}
    keep = sorted(set(setup_cells(nb)) | set(exercise_section(nb)))
    last = [i for i in keep if is_check(nb.cells[i]) and "hidden" in tags(nb.cells[i])]
    keep = [i for i in keep if i not in last] + ([] if visible_only else last)
    setup = set(setup_cells(nb))
    cells, roles, exercises, stubs, latest = [], [], {}, {}, None
    for i in keep:
        cell = nb.cells[i]
        if not is_code(cell):
            continue
        meta, role = grading(cell), Role("other", latest)
        if i in setup:
            role = Role("setup")
        elif is_answer(cell) and "id" in meta:
            ex_id = str(meta["id"])
            if ex_id in exercises and exercises[ex_id].answer is not None:
                continue  # a second answer cell with the same id: validate reports it
            latest = ex_id
            role = Role("answer", ex_id)
            exercises.setdefault(ex_id, Exercise(ex_id)).answer = len(cells)
            stubs[ex_id] = strip_solution(source(cell), ex_id)
        elif is_check(cell) and "id" in meta:
            if visible_only and "hidden" in tags(cell):
                continue
            points = meta.get("points", 0)
            check, arguments = checker_call(source(cell)) or (None, "")
            role = Role("check", str(meta["id"]), points, "hidden" in tags(cell), check, arguments)
            exercises.setdefault(role.exercise, Exercise(role.exercise)).checks.append(
                (len(cells), points, role.hidden)
            )
        cell = nbformat.v4.new_code_cell(source(cell), metadata=copy.deepcopy(cell.metadata))
        cells.append(cell)
        roles.append(role)
    exercises = {k: v for k, v in exercises.items() if v.answer is not None}
    kernel = {"name": "python3", "display_name": "Python 3", "language": "python"}
    metadata = {"kernelspec": copy.deepcopy(nb.metadata.get("kernelspec") or kernel)}
    hidden = dict(hidden or {})
    keys = {r.check.split(".")[0] for r in roles if r.check}
    return Template(cells, roles, exercises, stubs, metadata, hidden, _placeholders(keys, hidden))
