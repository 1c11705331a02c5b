"""The editions of the book (``course_utils.grading.editions``): staging and the build.

The fast tests read the staged copies and the ``jupyter-book build`` command that
:func:`build` assembles (the process itself replaced by a recorder); building the
editions for real is left to the slow tests here, in ``tests/test_build.py``,
``tests/test_pdf.py`` and ``tests/test_repository.py``.
"""

import re
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from course_utils.grading import book as B
from course_utils.grading import editions as E
from course_utils.grading import notebook as N
from course_utils.widgets import frames

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = B.notebooks(ROOT / "book")
INSTRUCTOR = [N.read_notebook(path)[0] for path in CHAPTERS]


def test_the_build_sets_the_variable_the_explorers_read():
    assert E.FRAMES == frames.ENV


# --- the jupyter-book command -----------------------------------------------------------------
@pytest.fixture
def runs(monkeypatch, tmp_path):
    """Each jupyter-book run :func:`build` starts: its command, environment and config."""
    seen = []

    def run(cmd, env, **kwargs):
        config = yaml.safe_load(Path(cmd[cmd.index("--config") + 1]).read_text())
        seen.append(SimpleNamespace(cmd=cmd, env=env, config=config))
        return SimpleNamespace(returncode=0, stdout="built\n", stderr="")

    monkeypatch.setattr(E.subprocess, "run", run)
    monkeypatch.setattr(E, "install_mathjax", lambda root, config: tmp_path / "mathjax")
    return seen


def test_the_html_book_is_built_in_place_strictly_with_frames(runs, monkeypatch, tmp_path):
    monkeypatch.delenv(E.FRAMES, raising=False)
    done = E.build(ROOT)
    (run,) = runs
    assert run.cmd[1:3] == ["build", str(ROOT)]
    assert run.cmd[run.cmd.index("--builder") + 1] == "html"
    assert run.cmd[run.cmd.index("--path-output") + 1] == str(ROOT)
    assert run.cmd[-3:] == ["-W", "-n", "--keep-going"]
    assert run.env[E.FRAMES] == "1"
    assert run.config["execute"]["execute_notebooks"] == "cache"
    assert run.config["execute"]["cache"] == str(ROOT / "_build" / ".jupyter_cache-frames")
    sphinx = run.config["sphinx"]
    assert sphinx["local_extensions"]["citations"] == str(ROOT / "book" / "_ext")
    assert sphinx["config"]["html_extra_path"] == [str(tmp_path / "mathjax")]
    assert "course_utils.widgets.frames" not in sphinx["extra_extensions"]
    assert done == E.Build(ROOT / "_build" / "html", 0, "built\n")


def test_cached_runs_are_dropped_when_course_utils_changes(tmp_path):
    cache, doctrees = tmp_path / "cache", tmp_path / ".doctrees"
    E._fresh_cache(cache, doctrees, "one")
    (cache / "run").write_text("a chapter's outputs")
    doctrees.mkdir()
    (doctrees / "environment.pickle").write_text("the pages Sphinx has read")
    E._fresh_cache(cache, doctrees, "one")
    assert (cache / "run").exists() and doctrees.exists()  # the same package: all stays
    E._fresh_cache(cache, doctrees, "two")
    assert sorted(p.name for p in cache.iterdir()) == ["course_utils.sha256"]
    assert (cache / "course_utils.sha256").read_text() == "two"
    assert not doctrees.exists()  # else Sphinx would not read the chapters again
    # the fingerprint follows every source file of the package, and only those
    pkg = tmp_path / "pkg"
    (pkg / "web").mkdir(parents=True)
    (pkg / "a.py").write_text("x = 1\n")
    (pkg / "web" / "b.js").write_text("var b = 1;\n")
    first = E.package_fingerprint(pkg)
    (pkg / "notes.txt").write_text("not a source")
    (pkg / "__pycache__").mkdir()
    (pkg / "__pycache__" / "a.py").write_text("compiled")
    assert E.package_fingerprint(pkg) == first
    (pkg / "web" / "b.js").write_text("var b = 2;\n")
    assert E.package_fingerprint(pkg) != first
    assert E.package_fingerprint() == E.package_fingerprint()  # course_utils itself


def test_frames_are_off_when_asked_whatever_the_environment_says(runs, monkeypatch, tmp_path):
    monkeypatch.setenv(E.FRAMES, "1")
    E.build(ROOT, out=tmp_path, frames=False, execute="force", strict=False)
    E.build(ROOT, out=tmp_path, builder="pdflatex", cache=tmp_path / "pdf-cache")
    html, pdf = runs
    assert html.env[E.FRAMES] == pdf.env[E.FRAMES] == "0"
    assert html.config["execute"]["cache"] == str(tmp_path / "_build" / ".jupyter_cache")
    assert html.config["execute"]["execute_notebooks"] == "force"
    assert not {"-W", "-n", "--keep-going"} & set(html.cmd)
    assert pdf.config["execute"]["cache"] == str(tmp_path / "pdf-cache")
    assert "html_extra_path" not in pdf.config["sphinx"]["config"]  # an HTML page's file
    assert pdf.cmd[pdf.cmd.index("--builder") + 1] == "pdflatex"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"builder": "latex"}, "builder must be 'html' or 'pdflatex', got 'latex'"),
        ({"execute": "auto"}, "execute must be 'cache', 'force' or 'off', got 'auto'"),
    ],
)
def test_bad_build_options_are_refused_by_name(runs, kwargs, message):
    with pytest.raises(ValueError, match=message):
        E.build(ROOT, **kwargs)
    assert runs == []


MATHJAX_CONFIG = {"html_extra_path": ["cache/extra"], "mathjax_path": "mathjax/tex-chtml.js"}


def test_mathjax_is_found_where_the_config_says(tmp_path, monkeypatch):
    target = tmp_path / "cache" / "extra" / "_static" / "mathjax" / "tex-chtml.js"
    for part in E.MATHJAX_PARTS:
        (target.parent / part).mkdir(parents=True)
    target.write_text("MathJax")
    (target.parent / "tex-svg-full.js").write_text("an earlier build's MathJax")
    monkeypatch.setattr(E.subprocess, "run", None)  # installed: npm is not called
    assert E.install_mathjax(tmp_path, MATHJAX_CONFIG) == tmp_path / "cache" / "extra"
    assert sorted(p.name for p in target.parent.glob("*.js")) == ["tex-chtml.js"]


def test_mathjax_parts_come_from_npm_s_folder_without_npm(tmp_path, monkeypatch):
    es5 = tmp_path / "cache" / "node_modules" / "mathjax" / "es5"
    for part in E.MATHJAX_PARTS:
        (es5 / part).mkdir(parents=True)
        (es5 / part / "x.js").write_text(part)
    (es5 / "tex-chtml.js").write_text("MathJax")
    monkeypatch.setattr(E.subprocess, "run", None)  # npm's folder is there: not called
    extra = E.install_mathjax(tmp_path, MATHJAX_CONFIG)
    mathjax = extra / "_static" / "mathjax"
    assert (mathjax / "tex-chtml.js").read_text() == "MathJax"
    for part in E.MATHJAX_PARTS:
        assert (mathjax / part / "x.js").read_text() == part


def test_mathjax_without_npm_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(E.shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match=r"npm not found.*apt-get install npm"):
        E.install_mathjax(tmp_path, MATHJAX_CONFIG)


# --- staged copies ----------------------------------------------------------------------------
def _notebook_lines(src):
    return {
        line
        for path in B.notebooks(src / "book")
        for line in N.text_lines(N.read_notebook(path)[0])
    }


def test_the_student_copy_has_no_solution_and_its_raising_cells_show_no_error(tmp_path):
    src = E.stage(ROOT, tmp_path / "src", solutions=False)
    assert N.leaked_lines(N.secret_lines(*INSTRUCTOR), _notebook_lines(src)) == []
    assert (src / "_static" / "custom.css").is_file()
    assert yaml.safe_load((src / "_toc.yml").read_text()) == yaml.safe_load(
        (ROOT / "_toc.yml").read_text()
    )
    graded = [c for p in B.notebooks(src / "book") for c in N.read_notebook(p)[0].cells
              if N.is_answer(c) or N.is_check(c)]  # fmt: skip
    assert len(graded) >= 2 * len(CHAPTERS)
    assert all({"raises-exception", "remove-output"} <= set(N.tags(c)) for c in graded)


def test_the_pdf_copy_numbers_the_chapters_and_letters_the_appendices(tmp_path):
    src = E.stage(ROOT, tmp_path / "src", pdf=True)
    toc = yaml.safe_load((src / "_toc.yml").read_text())
    root = yaml.safe_load((ROOT / "_toc.yml").read_text())
    assert toc["root"] == "book/pdf_edition"
    assert toc["chapters"] == [{"file": root["root"]}, *root["chapters"]]
    title = yaml.safe_load((ROOT / "_config.yml").read_text())["title"]
    assert (src / "book" / "pdf_edition.md").read_text() == f"# {title}\n"
    intro = (src / f"{root['root']}.md").read_text()
    assert intro.startswith(E.UNNUMBERED + "# Introduction\n") and intro.endswith(E.NUMBERED)
    first_page = next(c["file"] for c in root["chapters"] if not c["file"][5:7].isdigit())
    assert (src / f"{first_page}.md").read_text().startswith(E.APPENDIX)
    # the solutions stay: the instructor's edition is the other choice
    assert N.secret_lines(*INSTRUCTOR) <= _notebook_lines(src)


def test_footnotes_only_drops_the_heading_in_either_form():
    import nbformat

    directive = "```{footbibliography}\n```"
    new = nbformat.v4.new_markdown_cell
    apart = [new(t) for t in ("## References", directive, "## More")]
    nb = E._footnotes_only(nbformat.v4.new_notebook(cells=apart))
    assert [c.source for c in nb.cells] == [directive, "## More"]
    together = nbformat.v4.new_markdown_cell(f"## References\n\n{directive}")
    nb = E._footnotes_only(nbformat.v4.new_notebook(cells=[together]))
    assert [c.source for c in nb.cells] == [directive]
    listed = '<!-- references -->\n- <a id="cite:a"></a>A. (2020). *Title*.'
    nb = E._footnotes_only(nbformat.v4.new_notebook(cells=[new(f"## References\n\n{listed}")]))
    assert [c.source for c in nb.cells] == [listed]


def test_no_chapter_keeps_an_empty_references_heading_on_paper():
    import nbformat

    heading = re.compile(r"(?ms)^## References\s*(.*?)(?:<!-- references -->|\Z)")
    for path in sorted((ROOT / "book").glob("0*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        before = [c.source for c in nb.cells if c.cell_type == "markdown"]
        assert any(heading.search(t) for t in before), path.name
        after = [c.source for c in E._footnotes_only(nb).cells if c.cell_type == "markdown"]
        # a heading stays only over words of its own (chapter 6 names its surveys there)
        kept = [m.group(1) for m in map(heading.search, after) if m]
        assert all(text.strip() for text in kept), path.name
        # the list that makes the footnotes is still there, whole
        lists = [t[t.index("<!-- references -->") :] for t in after if "<!-- references -->" in t]
        assert len(lists) == 1 and lists[0].count("\n- ") >= 1, path.name


def test_a_fork_copy_names_its_repository_in_the_config_and_the_colab_cells(tmp_path):
    fork, hub = "https://github.com/alice/downhill-fork", "https://hub.uni.example"
    src = E.stage(ROOT, tmp_path / "src", chapters=["01_error_surfaces"], repository=fork, hub=hub)
    config = yaml.safe_load((src / "_config.yml").read_text())
    assert config["repository"]["url"] == fork
    assert config["launch_buttons"]["jupyterhub_url"] == hub
    (nb,) = [N.read_notebook(path)[0] for path in B.notebooks(src / "book")]
    assert f'REPOSITORY = "{fork}"' in "".join(N.source(c) for c in nb.cells)
    files = [c["file"] for c in yaml.safe_load((src / "_toc.yml").read_text())["chapters"]]
    assert files == ["book/01_error_surfaces", "book/notation", "book/api", "book/bibliography"]


def test_a_bad_repository_is_refused_with_the_set_repo_message(tmp_path):
    with pytest.raises(ValueError, match="URL must be an https:// URL"):
        E.stage(ROOT, tmp_path / "src", chapters=[], repository="github.com/alice/x")


# --- the command line -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "argv", [["--root", "no/such/repo", "html"], ["frobnicate"], [], ["html", "--solutions"]]
)
def test_bad_arguments_exit_with_code_2_and_a_message(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        E.main(argv)
    assert exit_info.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_a_failed_html_build_fails_the_command(runs, monkeypatch):
    monkeypatch.setattr(
        E.subprocess,
        "run",
        lambda cmd, **kw: SimpleNamespace(returncode=2, stdout=None, stderr=None),
    )
    assert E.main(["--root", str(ROOT), "html"]) == 2


# --- the student edition, built ---------------------------------------------------------------
@pytest.mark.slow
def test_student_edition_has_no_solution_text(tmp_path):
    out = E.student_book(ROOT, tmp_path / "student", execute=False, log=lambda m: None)
    assert B.find_leaks(out, N.secret_lines(*INSTRUCTOR)) == []
    page = (out / "book" / f"{CHAPTERS[0].stem}.html").read_text()
    assert "NotImplementedError" in page
    assert "custom.css" in page and (out / "_static" / "custom.css").is_file()
    downloads = list(out.rglob("*.ipynb"))
    assert downloads, "the book offers its notebooks for download"
