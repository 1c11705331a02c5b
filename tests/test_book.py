"""The book as a whole: its table of contents, the chapters' structure and content.

Running every cell of every chapter is nbval's job (``tests/matrix/``, on several CPUs
and versions);
building the HTML strictly is ``tests/test_build.py``'s.
"""

import json
import re
import sys
from pathlib import Path

import pytest
import yaml

from course_utils.widgets.sweep import explorer_factories

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "book" / "_ext"))
import course_repository  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
CHAPTERS = [ROOT / f"{entry['file']}.ipynb" for entry in TOC["chapters"][:7]]

# The terms COURSE.md sets in bold for each chapter: a reader searches for them.
TERMS = {
    1: ["error surface", "derivative", "partial derivative", "gradient", "Jacobian",
        "stationary points", "global minimum", "local minimum", "Taylor expansion",
        "Hessian", "eigenvalues", "eigenvectors", "positive definite", "saddle point",
        "finite differences", "convex function", "non-convex", "weight-space symmetry",
        "Newton's method", "Hessian-vector product", "L-BFGS", "line search",
        "Armijo condition"],
    2: ["backpropagation", "gradient checking", "random restarts"],
    3: ["learning rate", "steepest descent", "batch gradient descent",
        "stochastic gradient descent", "epoch", "training step", "redundancy",
        "mini-batch", "standard error", "shuffle", "noise floor", "decreasing step size",
        "interpolation", "noise scale", "linear scaling rule", "critical batch size"],
    4: ["learning rate schedules", "local minima", "saddle points", "cliffs",
        "exploding gradients", "gradient clipping", "inexact gradients", "saturation",
        "negative log-likelihood", "re-initialization"],
    5: ["momentum", "damping", "Nesterov accelerated gradient", "iteration matrix",
        "critical damping", "phase diagram", "lower bound"],
    6: ["Adagrad", "RMSProp", "Adadelta", "Adam", "Adamax", "Nadam"],
    7: [],
}  # fmt: skip

COLAB_MARKER = 'if "google.colab" in sys.modules:'


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def source(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def markdown(nb):
    return "\n".join(source(c) for c in nb["cells"] if c["cell_type"] == "markdown")


def code(nb):
    return "\n".join(source(c) for c in nb["cells"] if c["cell_type"] == "code")


def tags(cell):
    return cell.get("metadata", {}).get("tags", [])


def test_toc_lists_seven_numbered_chapters_that_exist():
    names = [p.name for p in CHAPTERS]
    assert len(names) == 7
    for number, name in enumerate(names, start=1):
        assert re.fullmatch(rf"0{number}_[a-z_]+\.ipynb", name), name
        assert (ROOT / "book" / name).exists(), name
    for entry in TOC["chapters"][7:]:
        assert (ROOT / f"{entry['file']}.md").exists()


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_notebook_is_committed_without_outputs(path):
    for cell in load(path)["cells"]:
        if cell["cell_type"] == "code":
            assert cell.get("outputs", []) == [], f"outputs stored in {path.name}"
            assert cell.get("execution_count") is None, f"execution count in {path.name}"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_opens_with_its_title_then_the_folded_colab_cell(path):
    # A student sees the title and the objectives first; the Colab cell that makes
    # course_utils importable there comes next, folded in JupyterLab, a form on
    # Colab, removed from the book, and before any cell that imports course_utils.
    cells = load(path)["cells"]
    title, colab = cells[0], cells[1]
    assert title["cell_type"] == "markdown"
    assert source(title).startswith("# ")
    assert re.search(r"learning objectives", source(title), flags=re.I)
    assert colab["cell_type"] == "code"
    assert COLAB_MARKER in source(colab)
    assert colab["metadata"]["jupyter"]["source_hidden"] is True
    assert colab["metadata"]["cellView"] == "form"
    assert source(colab).startswith("# @title ")
    assert "remove-cell" in tags(colab)
    assert [c for c in cells if COLAB_MARKER in source(c)] == [colab]
    imports = [
        i
        for i, c in enumerate(cells)
        if re.search(r"^\s*(from|import) course_utils", source(c), flags=re.M)
    ]
    assert imports and min(imports) > 1


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_colab_cell_fetches_the_repository_of_config_yml(path):
    # One setting, repository.url and .branch in _config.yml, for the launch buttons
    # and the Colab cells; `make set-repo` writes both.
    repository = CONFIG["repository"]
    cell = load(path)["cells"][1]
    assert source(cell) == course_repository.colab_cell(repository["url"], repository["branch"])
    assert f'REPOSITORY = "{repository["url"]}"' in source(cell)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_has_objectives_summary_references_and_imports(path):
    nb = load(path)
    text = markdown(nb)
    assert len(re.findall(r"^# ", text, flags=re.M)) == 1, "exactly one H1 title"
    assert re.search(r"learning objectives", text, flags=re.I)
    assert re.search(r"^## Summary", text, flags=re.M)
    assert re.search(r"^<!-- references -->\n- ", text, flags=re.M)  # the reference list
    assert "](#cite:" in text  # cites (in plain Markdown: see book/_ext/citations.py)
    assert re.search(r"^\s*(from|import) course_utils", code(nb), flags=re.M)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_sets_its_course_terms_in_bold(path):
    number = int(path.name[:2])
    bold = " | ".join(re.findall(r"\*\*(.+?)\*\*", markdown(load(path)), flags=re.S)).lower()
    missing = [t for t in TERMS[number] if t.lower() not in bold]
    assert not missing, f"{path.name} lacks these bold terms: {missing}"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_first_explorer_has_the_learning_rate_and_batch_size_sliders(path):
    factories = {name.split(".")[-1]: f for name, f in explorer_factories().items()}
    calls = re.findall(r"\b(explore_\w+)\(", code(load(path)))
    assert calls, f"{path.name} shows no explorer"
    explorer = factories[calls[0]]()
    kinds = [(type(c).__name__, c.description) for c in explorer.controls.values()]
    assert ("FloatLogSlider", "learning rate η") in kinds
    if int(path.name[:2]) >= 2:  # (chapter 3's epochs are a selection slider too)
        assert ("SelectionSlider", "batch size B") in kinds


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_exercises_follow_the_grading_conventions(path):
    nb = load(path)
    number = int(path.name[:2])
    answers, checks = {}, {}
    for cell in nb["cells"]:
        meta = cell.get("metadata", {}).get("grading")
        if "answer" in tags(cell):
            assert meta and re.fullmatch(rf"{number}\.\d+", meta["id"]), meta
            assert meta["id"] not in answers, f"duplicate answer id {meta['id']}"
            text = source(cell)
            assert "### BEGIN SOLUTION" in text and "### END SOLUTION" in text
            assert "hide-input" in tags(cell), "solutions are folded in the book"
            folded = cell["metadata"].get("jupyter", {}).get("source_hidden")
            assert folded is True, f"solution {meta['id']} is not folded in JupyterLab"
            answers[meta["id"]] = cell
        if "check" in tags(cell):
            assert meta and meta["points"] > 0, meta
            checks.setdefault(meta["id"], []).append(cell)
    assert 2 <= len(answers) <= 4, f"{path.name} has {len(answers)} exercises"
    assert set(checks) == set(answers), "every answer has a check and vice versa"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_no_text_in_a_formula_is_broken_across_lines(path):
    # MathJax drops the line break inside \text{...}: "previous\nactivation" is typeset
    # as "previousactivation". Keep such text on one line.
    broken = re.findall(r"\\(?:text|mathrm|operatorname)\{[^}]*\n[^}]*\}", markdown(load(path)))
    assert broken == []


def _citations():
    """The book's citation extension, ``book/_ext/citations.py`` (not a package module)."""
    import importlib.util

    path = ROOT / "book" / "_ext" / "citations.py"
    spec = importlib.util.spec_from_file_location("citations", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_citations_read_as_text_and_match_the_bibliography(path):
    citations = _citations()
    markdown = [source(c) for c in load(path)["cells"] if c["cell_type"] == "markdown"]
    text = "\n".join(markdown)
    assert "{footcite" not in text and "{footbibliography}" not in text
    cited = citations.cited_keys(markdown)
    assert cited, f"{path.name} cites nothing"
    assert text.count(citations.MARKER) == 1, "one reference list, at the end"
    listed = text.split(citations.MARKER)[1]
    assert len(re.findall(r"^- ", listed, re.M)) == len(cited)
    # every link leads somewhere in Jupyter: its target is an anchor of the list
    links = set(re.findall(r"\]\(#(cite:[^)]+)\)", text.split(citations.MARKER)[0]))
    anchors = re.findall(r'<a id="(cite:[^"]+)"></a>', listed)
    assert links and links <= set(anchors), sorted(links - set(anchors))
    assert len(anchors) == len(set(anchors)), "an anchor twice"
    # every citation's text is what the bibliography gives, the list is complete: the
    # notebook is what the converter would write
    assert citations.main(["--check", str(path)]) == 0


def test_citations_become_footnoted_references_in_the_book():
    citations = _citations()
    bib = citations.load_bib()
    text = (
        "as shown [(Goodfellow et al., 2016; Ruder, 2016)]"
        "(#cite:goodfellow2016deep,ruder2016overview)"
        " and by [Nocedal and Wright (2006)](#cite:nocedal2006numerical).\n\n"
        "## References\n\n<!-- references -->\n- anything\n- at all\n"
    )
    assert citations.to_roles(text, bib) == (
        "as shown {footcite:p}`goodfellow2016deep,ruder2016overview`"
        " and by {footcite:t}`nocedal2006numerical`.\n\n"
        "## References\n\n```{footbibliography}\n```"
    )
    assert citations.label(["bishop2024deep"], "t", bib) == "Bishop and Bishop (2024)"
    with pytest.raises(ValueError, match="should read '\\(Ruder, 2016\\)'"):
        citations.to_roles("[(Ruder, 2015)](#cite:ruder2016overview)", bib)
    with pytest.raises(KeyError, match="nobody1999"):
        citations.to_roles("[(Nobody, 1999)](#cite:nobody1999)", bib)


LIST_MARK = re.compile(r"^\s*([-+*]|\d+[.)])\s")


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_no_inline_formula_is_broken_by_a_list_marker(path):
    """A line that starts with ``+``, ``-``, ``*`` or ``1.`` inside ``$…$`` begins a list
    item in Markdown and tears the formula apart (it then shows as raw TeX)."""
    broken = []
    for cell in load(path)["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        open_math = False
        for line in source(cell).splitlines():
            if not line.strip():
                open_math = False  # a blank line ends the paragraph
                continue
            if open_math and LIST_MARK.match(line):
                broken.append(line.strip()[:60])
            single = line.replace("\\$", "").replace("$$", "")
            open_math ^= single.count("$") % 2 == 1
    assert broken == [], f"lines that break an inline formula: {broken}"
