"""The editions of the book, and the one place that stages and builds them.

One source (``_config.yml``, ``_toc.yml``, ``_static/``, ``book/``) gives three editions:

- the HTML book (``make book``): built in place into ``_build/html``, strictly (a
  warning fails the build, references are nitpicked), each explorer with its frames;
- the student edition (``make student-book``): every notebook replaced by its student
  copy, built into ``_build/student/html`` and searched for solution text;
- the PDF edition (``make pdf``): Jupyter Book's LaTeX builder and xelatex, into
  ``_build/pdf``, the students' copies or (``solutions=True``) the instructor's.

:func:`build` is the one call of ``jupyter-book build``. It runs with the source's
``_config.yml`` and the build's options written over it: how the chapters run
(``execute``: ``"cache"``, ``"force"`` or ``"off"``) and where their outputs are cached,
and MathJax (an HTML build installs npm's copy where ``html_extra_path`` takes it from).
It tells the chapters' kernels whether to draw their explorers' frames through their
environment (:data:`FRAMES`, which :func:`course_utils.widgets.frames.enabled` reads),
explicitly on or off, and keeps runs with frames in a cache of their own
(``_build/.jupyter_cache-frames``), each emptied when course_utils has changed since its
runs (:func:`_fresh_cache`). An edition whose pages differ from the source is
built from a copy (:func:`stage`). Run as ``python -m course_utils.grading.editions
{html,student,pdf}``.
"""

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import NamedTuple

import nbformat
import yaml

from course_utils.grading import notebook as N
from course_utils.grading import pdf as P
from course_utils.grading.book import LeakError, find_leaks, notebooks, release_notebook

#: The environment variable that turns the explorers' frames on in a chapter's kernel.
FRAMES = "DOWNHILL_BOOK_FRAMES"
#: npm's MathJax, whose single-file build ``mathjax_path`` (``_config.yml``) names.
MATHJAX = "mathjax@3.2.2"
#: What the combined file (``tex-chtml.js``) fetches from its own folder when a page
#: needs it: the fonts of the HTML output, and the TeX extensions that ``autoload`` adds.
MATHJAX_PARTS = ("output/chtml/fonts/woff-v2", "input/tex/extensions")

# The PDF's table of contents: a title-only root page, then the introduction as an
# unnumbered chapter, the chapters numbered 1 to 7, the reference pages as appendices.
ROOT_PAGE = "# {title}\n"
UNNUMBERED = "```{raw} latex\n\\setcounter{secnumdepth}{-1}\n```\n\n"
NUMBERED = "\n\n```{raw} latex\n\\setcounter{secnumdepth}{1}\n```\n"
APPENDIX = "```{raw} latex\n\\appendix\n```\n\n"


class Build(NamedTuple):
    """What :func:`build` did: the folder it wrote, the exit code, what it printed."""

    output: Path
    returncode: int
    log: str


# --- the build ------------------------------------------------------------------------------
def build(source=".", *, root=None, builder="html", out=None, strict=True, keep_going=True,
          execute="cache", cache=None, frames=None, capture=True):  # fmt: skip
    """Run ``jupyter-book build`` on ``source``, the repository or a staged copy of it.

    Parameters
    ----------
    source : path
        The book's source folder (with ``_config.yml`` and ``_toc.yml``).
    root : path, optional
        The repository, where MathJax is installed; default ``source``.
    builder : {"html", "pdflatex"}
    out : path, optional
        Jupyter Book's output folder: the build writes ``out/_build/html`` (or
        ``latex``); default ``source``.
    strict : bool
        Warnings are errors and references are nitpicked (``-W -n``).
    keep_going : bool
        With ``strict``, report every warning rather than stop at the first.
    execute : {"cache", "force", "off"}
        How the chapters run: unless their code changed since the cached run, every
        time, or not at all.
    cache : path, optional
        The execution cache; default ``out/_build/.jupyter_cache``, with ``-frames``
        appended when the chapters draw frames.
    frames : bool, optional
        Whether the explorers carry their frames; default: in an HTML build.
    capture : bool
        Keep jupyter-book's output for :attr:`Build.log` (False: it goes to the terminal).

    Returns
    -------
    Build
    """
    source = Path(source).resolve()
    out = source if out is None else Path(out).resolve()
    if builder not in ("html", "pdflatex"):
        raise ValueError(f"builder must be 'html' or 'pdflatex', got {builder!r}")
    if execute not in ("cache", "force", "off"):
        raise ValueError(f"execute must be 'cache', 'force' or 'off', got {execute!r}")
    frames = builder == "html" if frames is None else frames
    if cache is None:
        cache = out / "_build" / (".jupyter_cache-frames" if frames else ".jupyter_cache")
    _fresh_cache(Path(cache), out / "_build" / ".doctrees")
    config = _configuration(source, Path(root or source), builder, execute, cache)
    jb = Path(sys.executable).with_name("jupyter-book")
    if not jb.is_file():
        raise RuntimeError(f"jupyter-book is not installed beside {sys.executable} "
                           "(pip install -r requirements.txt)")  # fmt: skip
    flags = []
    if strict:
        flags = ["-W", "-n", "--keep-going"] if keep_going else ["-W", "-n"]
    env = {**os.environ, FRAMES: "1" if frames else "0"}
    with tempfile.TemporaryDirectory(prefix="downhill-config-") as tmp:
        path = Path(tmp) / "_config.yml"
        path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
        cmd = [str(jb), "build", str(source), "--config", str(path), "--builder", builder,
               "--path-output", str(out), *flags]  # fmt: skip
        done = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, capture_output=capture,
                              text=True, errors="replace")  # fmt: skip
    folder = out / "_build" / ("html" if builder == "html" else "latex")
    return Build(folder, done.returncode, (done.stdout or "") + (done.stderr or ""))


#: The files of course_utils whose change makes a cached run of a chapter stale.
PACKAGE_FILES = (".py", ".js", ".css", ".json")


def package_fingerprint(package=None):
    """SHA-256 of course_utils' sources (:data:`PACKAGE_FILES`), by relative path and bytes."""
    package = Path(package or Path(__file__).resolve().parents[1])
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.suffix in PACKAGE_FILES and "__pycache__" not in path.parts and path.is_file():
            digest.update(path.relative_to(package).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _fresh_cache(cache, doctrees=None, fingerprint=None):
    """Empty the execution cache ``cache`` if course_utils changed since its runs.

    Jupyter Book's cache keys a chapter by the chapter's own code cells, but what a
    chapter prints and draws also depends on the package it imports: after a change
    there, a cached run would put stale pictures in the book. The fingerprint of the
    package the runs used is kept in ``cache/course_utils.sha256``. Sphinx's own record
    of the pages it has read (``doctrees``) goes too, or it would not read the chapters
    again, and so not run them.
    """
    fingerprint = fingerprint or package_fingerprint()
    stamp = cache / "course_utils.sha256"
    if cache.exists() and not (stamp.is_file() and stamp.read_text() == fingerprint):
        shutil.rmtree(cache)
        if doctrees is not None and doctrees.exists():
            shutil.rmtree(doctrees)
    cache.mkdir(parents=True, exist_ok=True)
    stamp.write_text(fingerprint)


def _configuration(source, root, builder, execute, cache):
    """``source``'s ``_config.yml`` with the build's options, its paths made absolute."""
    config = yaml.safe_load((source / "_config.yml").read_text(encoding="utf-8"))
    config.setdefault("execute", {}).update(execute_notebooks=execute, cache=str(cache))
    sphinx = config.setdefault("sphinx", {})
    extensions = sphinx.get("local_extensions") or {}  # found from the config file's folder
    sphinx["local_extensions"] = {name: str(source / path) for name, path in extensions.items()}
    html = sphinx.setdefault("config", {})
    if builder == "html":
        html["html_extra_path"] = [str(install_mathjax(root, html))]
    else:  # what only the HTML pages load
        html.pop("html_extra_path", None)
    return config


def install_mathjax(root, sphinx_config):
    """The folder ``html_extra_path`` names, with npm's MathJax in it (installed if missing).

    Sphinx copies that folder's contents beside the pages, so the file lands in
    ``_static/`` where ``mathjax_path`` points: the book needs no CDN. Beside the
    combined file go the parts it loads only when a page needs them
    (:data:`MATHJAX_PARTS`: the fonts of the HTML output, the TeX extensions that
    ``autoload`` fetches), from the same folder, so the book stays whole offline.
    """
    extra = (Path(root) / sphinx_config["html_extra_path"][0]).resolve()
    target = extra / "_static" / sphinx_config["mathjax_path"]
    parts = [target.parent / part for part in MATHJAX_PARTS]
    if not target.is_file() or not all(p.is_dir() for p in parts):
        es5 = extra.parent / "node_modules" / "mathjax" / "es5"
        if not (es5 / target.name).is_file():
            npm = shutil.which("npm")
            if npm is None:
                raise RuntimeError("npm not found: the book ships MathJax from npm "
                                   "(apt-get install npm)")  # fmt: skip
            cmd = [npm, "install", "--prefix", str(extra.parent), "--no-save", "--no-audit",
                   "--no-fund", "--silent", MATHJAX]  # fmt: skip
            if subprocess.run(cmd).returncode != 0:
                raise RuntimeError(f"npm could not install {MATHJAX} into {extra.parent}")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(es5 / target.name, target)
        for part in MATHJAX_PARTS:
            shutil.copytree(es5 / part, target.parent / part, dirs_exist_ok=True)
    for old in target.parent.glob("tex-*.js"):  # an earlier build's choice: not shipped
        if old.name != target.name:
            old.unlink()
    return extra


# --- a staged copy ----------------------------------------------------------------------------
def stage(root, src, *, solutions=True, pdf=False, chapters=None, repository=None, hub=None):
    """Copy the book's source from ``root`` into ``src`` as an edition is built from it.

    Parameters
    ----------
    root, src : path
        The repository; the folder to write (it must not exist).
    solutions : bool
        Keep the reference solutions; False: each notebook is its student copy, with the
        answer and check cells, which raise there, tagged to show no error.
    pdf : bool
        The PDF's pages: a title-only root page, the introduction an unnumbered chapter,
        the pages after the last chapter lettered appendices, and no ``## References``
        heading over a chapter's footnoted citations.
    chapters : list of str, optional
        Only these notebooks (names without ``.ipynb``) and the pages that are not
        notebooks; default every one.
    repository, hub : str, optional
        A fork's repository URL and JupyterHub, written as ``make set-repo`` writes them.

    Returns
    -------
    Path
        ``src``.
    """
    root, src = Path(root), Path(src)
    keep = [p for p in notebooks(root / "book") if chapters is None or p.stem in chapters]
    kept = {p.with_suffix("") for p in keep}
    shutil.copytree(root / "book", src / "book", ignore=shutil.ignore_patterns("*.ipynb"))
    if (root / "_static").is_dir():
        shutil.copytree(root / "_static", src / "_static")
    shutil.copy(root / "_config.yml", src / "_config.yml")
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    toc["chapters"] = [c for c in toc["chapters"] if root / c["file"] in kept
                       or not (root / f"{c['file']}.ipynb").exists()]  # fmt: skip
    if pdf:
        toc = _pdf_pages(root, src, toc)
    (src / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False), encoding="utf-8")
    for path in keep:
        nb, _ = N.read_notebook(path)
        if not solutions:
            nb = _for_the_book(release_notebook(nb))
        nbformat.write(_footnotes_only(nb) if pdf else nb, src / "book" / path.name)
    if repository is not None:  # as `make set-repo` does, in the copy
        script = src / "book" / "_ext" / "course_repository.py"
        cmd = [sys.executable, str(script), repository, *(["--hub", hub] if hub else [])]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            raise ValueError(done.stderr.strip())
    return src


def _pdf_pages(root, src, toc):
    """The PDF's table of contents; writes its root page, rewrites the introduction and
    the first page after the last chapter notebook (an appendix)."""
    title = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))["title"]
    (src / "book" / "pdf_edition.md").write_text(ROOT_PAGE.format(title=title))
    intro, chapters = toc["root"], toc["chapters"]
    # The introduction is an unnumbered chapter (its title is the book's, which the
    # title page shows); the pages after the last chapter notebook are appendices.
    page = src / f"{intro}.md"
    text = re.sub(r"\A# .*$", "# Introduction", page.read_text(encoding="utf-8"), flags=re.M)
    page.write_text(UNNUMBERED + text + NUMBERED)
    after = [c["file"] for c in chapters if not (root / f"{c['file']}.ipynb").exists()]
    if after:
        page = src / f"{after[0]}.md"
        page.write_text(APPENDIX + page.read_text(encoding="utf-8"))
    return {**toc, "root": "book/pdf_edition", "chapters": [{"file": intro}, *chapters]}


def _for_the_book(nb):
    """Tag the cells that raise in a student copy so that the executed book shows no error."""
    for cell in nb.cells:
        if N.is_answer(cell) or N.is_check(cell):
            tags = cell.metadata.setdefault("tags", [])
            tags += [t for t in ("raises-exception", "remove-output") if t not in tags]
    return nb


def _footnotes_only(nb):
    """``nb`` without the ``## References`` heading over a chapter's reference list.

    On paper a chapter's citations are footnotes on the page that cites them, and the
    bibliography (appendix B) lists every work: the heading would stand over an empty
    section. The list stays, since it is what makes the footnotes: the Markdown list
    after the ``<!-- references -->`` line (``book/_ext/citations.py`` makes it a
    ``{footbibliography}``), or that directive itself, in the heading's cell or the next.
    """
    the_list = r"```\{footbibliography\}\s*```|<!-- references -->\n.*"
    texts = [c.source.strip() if c.cell_type == "markdown" else None for c in nb.cells]
    cells = []
    for i, cell in enumerate(nb.cells):
        text, after = texts[i], texts[i + 1] if i + 1 < len(texts) else None
        if text == "## References" and after and re.fullmatch(the_list, after, re.S):
            continue
        heading = re.fullmatch(rf"## References\s*({the_list})", text or "", re.S)
        if heading:
            cell.source = heading.group(1)
        cells.append(cell)
    nb.cells = cells
    return nb


# --- the editions -----------------------------------------------------------------------------
def student_book(root=".", out="_build/student/html", execute=True, log=print):
    """Build the book from the student copies into ``out``; check it for solution text.

    With ``execute``, the chapters run at build time (answer and check cells may raise
    there: their errors are allowed and their outputs removed); without it, no cell
    runs. Returns ``out``; raises ``RuntimeError`` if the build fails and
    :class:`~course_utils.grading.book.LeakError` if a solution line shows.
    """
    root, out = Path(root).resolve(), Path(out).resolve()
    log("building the student edition (" + ("executing the chapters" if execute else
        "without executing") + ")…")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="downhill-student-") as tmp:
        src = stage(root, Path(tmp) / "src", solutions=False)
        done = build(src, root=root, strict=False, execute="force" if execute else "off")
        if done.returncode != 0:
            raise _failure(done)
        if out.exists():
            shutil.rmtree(out)
        shutil.copytree(done.output, out)
    instructor = [N.read_notebook(path)[0] for path in notebooks(root / "book")]
    leaks = find_leaks(out, N.secret_lines(*instructor))
    if leaks:
        raise LeakError("solution text in the student edition:\n" + "\n".join(leaks[:20]))
    log(f"student edition: {out / 'index.html'} (no solution text found)")
    return out


def pdf_book(root=".", out="_build/pdf", solutions=False, log=print):
    """Build the PDF edition into ``out``; returns the path of the PDF.

    ``out/downhill.pdf`` is the students' edition (every exercise as the student copy
    has it), ``out/downhill-solutions.pdf`` with ``solutions`` the instructor's; their
    ``.log`` and ``.tex`` are kept beside them, the chapters' runs in
    ``out/.jupyter_cache``. Raises ``RuntimeError`` if TeX is missing or the build
    fails, and :class:`~course_utils.grading.book.LeakError` if the students' edition
    shows a line of a reference solution.
    """
    root, out = Path(root).resolve(), Path(out).resolve()
    missing = P.missing_tex()
    if missing:
        raise RuntimeError(f"the PDF needs TeX ({', '.join(missing)} missing): {P.INSTALL}")
    out.mkdir(parents=True, exist_ok=True)
    name = "downhill-solutions.pdf" if solutions else "downhill.pdf"
    log(f"building {name} (chapters run unless cached, then xelatex)…")
    with tempfile.TemporaryDirectory(prefix="downhill-pdf-") as tmp:
        src = stage(root, Path(tmp) / "src", solutions=solutions, pdf=True)
        done = build(src, root=root, builder="pdflatex", cache=out / ".jupyter_cache")
        built = done.output / "downhill.pdf"
        if done.returncode != 0 or not built.exists():
            raise _failure(done, P.tex_errors(built.with_suffix(".log")))
        for suffix in (".pdf", ".log", ".tex"):
            shutil.copy(built.with_suffix(suffix), (out / name).with_suffix(suffix))
    if not solutions:
        leaks = P.pdf_leaks(out / name, root / "book")
        if leaks:
            raise LeakError("solution text in the PDF:\n" + "\n".join(leaks[:20]))
    log(f"PDF edition: {out / name}")
    return out / name


def _failure(done, more=""):
    return RuntimeError(f"jupyter-book failed:\n{done.log[-4000:]}{more}")


# --- the command line -------------------------------------------------------------------------
def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m course_utils.grading.editions",
                                     description=__doc__.splitlines()[0])  # fmt: skip
    parser.add_argument("--root", type=Path, default=Path("."), help="the repository")
    sub = parser.add_subparsers(dest="edition", required=True, metavar="edition")
    h = sub.add_parser("html", help="the HTML book, strictly, into _build/html")
    h.add_argument("--no-frames", action="store_true", help="explorers without their frames")
    s = sub.add_parser("student", help="the book without solutions, _build/student/html")
    s.add_argument("--out", type=Path, default=Path("_build/student/html"))
    s.add_argument("--no-execute", action="store_true", help="do not run the chapters")
    p = sub.add_parser("pdf", help="the PDF edition, _build/pdf/downhill.pdf")
    p.add_argument("--out", type=Path, default=Path("_build/pdf"))
    p.add_argument("--solutions", action="store_true", help="the instructor's edition")
    args = parser.parse_args(argv)
    if not (args.root / "_toc.yml").is_file():
        parser.error(f"{str(args.root)!r} is not the book's repository (no _toc.yml)")
    if args.edition == "pdf" and P.missing_tex():
        print(f"make pdf needs TeX and fonts; as root: {P.INSTALL}", file=sys.stderr)
        return 1
    try:
        if args.edition == "html":  # jupyter-book's own report goes to the terminal
            done = build(args.root, frames=not args.no_frames, capture=False)
            if done.returncode != 0:
                return done.returncode
            print(f"Open {done.output / 'index.html'}")
        elif args.edition == "student":
            student_book(args.root, args.out, execute=not args.no_execute)
        else:
            pdf_book(args.root, args.out, solutions=args.solutions)
    except (RuntimeError, LeakError) as exc:
        print(f"{args.edition} edition failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
