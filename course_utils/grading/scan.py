"""Spot answers that reach for the grading machinery instead of answering.

The scan reads an answer's source (regular expressions, then the syntax tree) and
returns one short finding per suspicious construct. A finding does not change the
points: the gradebook marks the exercise ``review`` and an instructor decides.
"""

import ast
import re

# (pattern, what it means) searched in the raw text, so strings and comments count too
_TEXT = [
    (r"\bget_ipython\b", "calls get_ipython"),
    (
        r"\bInteractiveShell\b|\binput_transformers|\bevents\s*\.\s*register\b",
        "reaches for the IPython shell",
    ),
    (r"\bsys\s*\.\s*modules\b", "touches sys.modules"),
    (r"\b__builtins__\b|\bbuiltins\b", "touches builtins"),
    (r"\bos\s*\.\s*_exit\b", "calls os._exit"),
    (r"\bctypes\b", "uses ctypes"),
    (r"\bNBVAL_\w+|\bPYTEST_VALIDATE_IGNORE_OUTPUT\b", "carries an nbval marker"),
    (r"\bunittest\s*\.\s*mock\b|\bmonkeypatch\b", "patches objects (mock/monkeypatch)"),
    (r"\bimportlib\b|\b__import__\b", "imports modules dynamically"),
    (r"\bsys\s*\.\s*(settrace|setprofile|meta_path|path_hooks|path)\b", "changes sys hooks/path"),
    (r"\bsignal\s*\.\s*signal\b", "installs a signal handler"),
    (r"\bsubprocess\b|\b_*os\s*\.\s*(system|popen|kill|fork|exec\w*)\b", "runs processes"),
    (r"\bgc\s*\.\s*get_(objects|referrers)\b", "inspects the garbage collector"),
    (
        r"\bos\s*\.\s*(makedirs|mkdir|remove|unlink|rename|replace|rmdir|chmod|symlink)\b"
        r"|\bshutil\s*\.",
        "changes files or folders",
    ),
    (r"/proc\b|\bpsutil\b", "reads the process table"),
    (
        r"\b_getframe\b|\bf_(back|globals|locals)\b|\binspect\s*\.\s*(stack|currentframe|"
        r"getouterframes|getsource|getfile|getmodule)\b",
        "inspects the checker's frames or source",
    ),
    (r"\b(In|Out)\s*\[|\b_i[hi]?\d*\b|\b_oh\b", "reads the kernel's input history"),
    (
        r"\b_expected\b|\b_hidden\b|\b_grader\b|\b_SUPPLIED\b|\b_LOADED\b|\binstructor\b",
        "reaches for the hidden checks",
    ),
]
_SHELL = re.compile(r"^\s*(!|%)|=\s*!\S")
_CALLS = {"exec", "eval", "compile", "globals", "__import__"}


def _root(node):
    """The name an attribute/subscript chain starts from (``a`` in ``a.b[c].d``)."""
    while isinstance(node, ast.Attribute | ast.Subscript):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def imported_names(text, package="course_utils"):
    """Names a cell binds to ``package`` or things imported from it."""
    names = {package}
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return names
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == package:
                    names.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == package:
            names.update(alias.asname or alias.name for alias in node.names)
    return names


def _bound(tree):
    """The names an answer binds itself: its functions, arguments, assignments, imports
    from elsewhere than course_utils."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            names.add(node.id)
    return names


def _implementations(tree, implemented_by):
    """Where the answer reaches a function that implements its own exercise: a name it
    does not bind itself, an attribute of that name, an import of it."""
    found, own = [], _bound(tree)
    for node in ast.walk(tree):
        name = None
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in own:
            name = node.id
        elif isinstance(node, ast.Attribute):
            name = node.attr
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("course_utils"):
            name = next((a.name for a in node.names if a.name in implemented_by), None)
        if name in implemented_by:
            found.append(f"uses the course's {name}, which implements this exercise "
                         f"(line {node.lineno})")  # fmt: skip
    return found


def scan(text, protected=("course_utils",), implemented_by=()):
    """Findings (short strings) for the answer ``text``; ``protected`` are the names the
    setup cell imported from course_utils (checker modules among them); ``implemented_by``
    the names of the course's functions that compute what the exercise asks (the answer
    cell's ``grading.implemented_by``)."""
    findings = []
    lines = text.splitlines()
    for n, line in enumerate(lines, start=1):
        if _SHELL.search(line):
            findings.append(f"shell escape or magic (line {n})")
        for pattern, what in _TEXT:
            if re.search(pattern, line):
                findings.append(f"{what} (line {n})")
    code = "\n".join("" if _SHELL.search(line) else line for line in lines)
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return _unique(findings)
    guarded = set(protected) | imported_names(code)
    findings += _implementations(tree, set(implemented_by))
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        elif isinstance(node, ast.Delete):
            targets = node.targets
        for target in targets:
            if isinstance(target, ast.Name) and target.id in set(protected) - {"np", "plt"}:
                findings.append(f"rebinds {target.id} (line {node.lineno})")
                continue
            for part in ast.walk(target):
                if isinstance(part, ast.Attribute | ast.Subscript) and _root(part) in guarded:
                    findings.append(f"changes {_root(part)}.… (line {node.lineno})")
                    break
        if (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and _root(node) in guarded
        ):
            findings.append(f"reads the checker's private name {node.attr} (line {node.lineno})")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            name = node.func.id
            if name in _CALLS:
                findings.append(f"calls {name} (line {node.lineno})")
            elif name in {"setattr", "delattr"} and node.args and _root(node.args[0]) in guarded:
                findings.append(f"calls {name} on {_root(node.args[0])} (line {node.lineno})")
    return _unique(findings)


def _unique(items):
    return list(dict.fromkeys(items))
