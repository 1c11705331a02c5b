"""The report of a graded run: what each code cell did, as data.

While nbval runs the graded notebook, the grader's pytest plugin
(:mod:`~course_utils.grading.nbval_plugin`) appends one JSON line per code cell to the
run's report file as soon as the cell has run (:func:`write`); the grader reads them back
as :class:`Cell` records (:func:`read`). The exception a cell raised is the one the kernel
reported: its class name, and its message as the student saw it at the end of the
traceback. What the grader itself saw (a time limit it enforced, a kernel found dead) is
recorded as such, never read out of a message, which a student's code could imitate.
"""

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")  # the colours of IPython's tracebacks
_EXCEPTION_LINE = re.compile(r"^([A-Za-z_][\w.]*)(?::\s?(.*))?$")


@dataclass(frozen=True)
class Cell:
    """What one code cell of a graded run did."""

    outcome: str  # pytest's: "passed", "failed", "error" (not the cell's doing), "skipped", "xfail"
    reason: str = ""  # nbval's word on a cell that did not pass ("Cell execution caused …")
    exception: str | None = None  # the class name of what the cell raised, if it raised
    message: str = ""  # that exception's message, as the traceback ends
    traceback: str = ""  # the whole traceback, colours removed
    stdout: str = ""  # what the cell printed (its last 2000 characters)
    kernel_died: float | None = None  # seconds into the cell at which the kernel exited
    record: str | None = None  # a check cell's record: what the student's functions returned
    timed_out: bool = False  # the cell ran past its time limit: the grader killed the kernel
    dead_at_start: bool = False  # the kernel was already dead when the cell was to run

    @property
    def error(self):
        """``(exception name, message)``, or ``(None, nbval's reason)`` if nothing was raised."""
        return (self.exception, self.message) if self.exception else (None, self.reason)


def raised(output):
    """``(name, message, traceback)`` of a kernel's error output (``ename``, ``evalue``,
    ``traceback``): the message as the traceback's last lines show it, from the one that
    names the exception (a message may run over several lines), else ``evalue``."""
    name = output.get("ename", "")
    text = ANSI.sub("", "\n".join(output.get("traceback", [])))
    lines = text.splitlines()
    for n in range(len(lines) - 1, -1, -1):
        found = _EXCEPTION_LINE.match(lines[n])
        if found and found.group(1).split(".")[-1] == name:
            message = "\n".join([found.group(2) or "", *lines[n + 1 :]]).strip()
            return name, message, text
    return name, str(output.get("evalue", "")), text


def write(path, index, cell):
    """Append code cell ``index``'s record to the report at ``path``."""
    with open(path, "a", encoding="utf-8") as report:
        report.write(json.dumps({"cell": index, **asdict(cell)}, ensure_ascii=False) + "\n")


def read(path):
    """``{code-cell index: Cell}`` from the report at ``path``; ``ValueError`` if it holds
    anything but cell records (``OSError`` if it cannot be read)."""
    cells = {}
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        try:
            record = json.loads(line)
            index = int(record.pop("cell"))
            cells[index] = Cell(**record)
        except (TypeError, KeyError, AttributeError, ValueError, RecursionError):
            raise ValueError(f"line {number} of the report is not a cell's record") from None
    return cells
