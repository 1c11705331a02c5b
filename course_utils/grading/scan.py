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


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _binds(body):
    """``(bound, declared)``: the names the statements ``body`` bind in their own scope
    (assignments, loop and ``with`` targets, imports, nested definitions' names), and the
    names they declare ``global`` or ``nonlocal``. Nested functions and classes are their
    own scopes, and a comprehension's variables stay inside it."""
    bound, declared, stack = set(), set(), list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Global | ast.Nonlocal):
            declared.update(node.names)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            bound.add(node.id)
        elif isinstance(node, ast.alias) and node.name != "*":
            bound.add(node.asname or node.name.split(".")[0])
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
        if isinstance(node, _SCOPES):
            if not isinstance(node, ast.Lambda):
                bound.add(node.name)
            continue
        if not isinstance(node, _COMPREHENSIONS):
            stack.extend(ast.iter_child_nodes(node))
    return bound, declared


def _function_locals(func):
    """A function's (or lambda's) local names, and the names it declares global."""
    a = func.args
    params = {x.arg for x in [*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg] if x}
    if isinstance(func, ast.Lambda):
        return params, set()
    bound, declared = _binds(func.body)
    return (params | bound) - declared, declared


def _scoped(node, local=frozenset()):
    """Every node of the tree under ``node``, with the names that are local where it
    stands (those of the functions around it, which a statement there cannot rebind at
    the notebook's top level). Decorators and default values belong to the outer scope."""
    yield node, local
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
        names, declared = _function_locals(node)
        inner = (local - declared) | names
        a = node.args
        outer = [*getattr(node, "decorator_list", []), *a.defaults, *filter(None, a.kw_defaults)]
        for child in outer:
            yield from _scoped(child, local)
        for child in node.body if isinstance(node.body, list) else [node.body]:
            yield from _scoped(child, inner)
    else:
        for child in ast.iter_child_nodes(node):
            yield from _scoped(child, local)


def _implementations(tree, implemented_by):
    """Where the answer reaches a function that implements its own exercise: a name it
    does not bind itself (at the top level, or in the functions around the use), an
    attribute of that name, an import of it."""
    found, top = [], _binds(tree.body)[0]
    for node, local in _scoped(tree):
        name = None
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            name = None if node.id in top | local else node.id
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
    for node, local in _scoped(tree):  # a function's own names shadow the notebook's
        outside = guarded - local
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        elif isinstance(node, ast.Delete):
            targets = node.targets
        for target in targets:
            if isinstance(target, ast.Name) and target.id in set(protected) - {"np", "plt"} - local:
                findings.append(f"rebinds {target.id} (line {node.lineno})")
                continue
            for part in ast.walk(target):
                if isinstance(part, ast.Attribute | ast.Subscript) and _root(part) in outside:
                    findings.append(f"changes {_root(part)}.… (line {node.lineno})")
                    break
        if (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and _root(node) in outside
        ):
            findings.append(f"reads the checker's private name {node.attr} (line {node.lineno})")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            name = node.func.id
            if name in _CALLS:
                findings.append(f"calls {name} (line {node.lineno})")
            elif name in {"setattr", "delattr"} and node.args and _root(node.args[0]) in outside:
                findings.append(f"calls {name} on {_root(node.args[0])} (line {node.lineno})")
    return _unique(findings)


def _unique(items):
    return list(dict.fromkeys(items))
