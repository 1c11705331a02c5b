"""The PDF edition of the book: Jupyter Book's LaTeX builder, typeset with xelatex.

``make pdf`` writes ``_build/pdf/downhill.pdf``, the students' edition: the
introduction, the seven chapters, the API reference (appendix A) and the bibliography
(appendix B), every exercise as the student copy has it (the stub, no solution, no
hidden check). ``make pdf SOLUTIONS=1`` writes the instructor's edition,
``_build/pdf/downhill-solutions.pdf``, with the reference solution printed under each
exercise. Run as ``python -m course_utils.grading.pdf [--solutions]``.

The book is built from a staged copy (a temporary folder): ``_config.yml``, ``book/``
and, for the students' edition, the released notebooks. The staged table of contents
puts a title-only root page in front of the introduction, so that the introduction is
an unnumbered chapter rather than the book's front matter, the chapters are numbered 1
to 7 as the text calls them, and the reference pages are lettered appendices. The
chapters run at build time, cached in ``_build/pdf/.jupyter_cache``.
"""

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import yaml

from course_utils.grading import notebook as N
from course_utils.grading.book import LeakError, _for_the_book, notebooks, release_notebook

# Debian's packages for the PDF (106 MB to download with --no-install-recommends).
TEX_PACKAGES = (
    "latexmk texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended "
    "texlive-xetex fonts-freefont-otf fonts-dejavu-core"
)
TEX_COMMANDS = ("xelatex", "latexmk")
FONTS = ("FreeSerif", "FreeSans", "DejaVu Sans Mono")
INSTALL = f"apt-get install --no-install-recommends {TEX_PACKAGES}"

ROOT_PAGE = "# {title}\n"
UNNUMBERED = "```{raw} latex\n\\setcounter{secnumdepth}{-1}\n```\n\n"
NUMBERED = "\n\n```{raw} latex\n\\setcounter{secnumdepth}{1}\n```\n"
APPENDIX = "```{raw} latex\n\\appendix\n```\n\n"


def missing_tex():
    """The commands and fonts the PDF needs that this machine lacks (a list of names)."""
    missing = [c for c in TEX_COMMANDS if shutil.which(c) is None]
    for family in FONTS:
        if shutil.which("fc-list") is None:
            missing.append(family)
            continue
        found = subprocess.run(["fc-list", family], capture_output=True, text=True)
        if not found.stdout.strip():
            missing.append(family)
    return missing


def stage(root, src, solutions=False, cache=None):
    """Copy the book from ``root`` into ``src`` as the PDF edition is built from it."""
    root, src = Path(root), Path(src)
    shutil.copytree(root / "book", src / "book", ignore=shutil.ignore_patterns("*.ipynb"))
    if (root / "_static").is_dir():
        shutil.copytree(root / "_static", src / "_static")
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    execute = config.setdefault("execute", {})
    execute["execute_notebooks"] = "cache"
    if cache is not None:
        execute["cache"] = str(Path(cache).resolve())
    sphinx = config.setdefault("sphinx", {})
    # What only the HTML book needs: the static sliders' frames (on paper each explorer
    # is its default picture, drawn then at the explorers' sharper pixel ratio) and the
    # MathJax copy served beside the pages.
    extensions = sphinx.get("extra_extensions", [])
    sphinx["extra_extensions"] = [e for e in extensions if e != "course_utils.widgets.frames"]
    sphinx.get("config", {}).pop("html_extra_path", None)
    (src / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False))

    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    intro, chapters = toc["root"], toc.get("chapters", [])
    (src / "book" / "pdf_edition.md").write_text(ROOT_PAGE.format(title=config["title"]))
    toc["root"] = "book/pdf_edition"
    toc["chapters"] = [{"file": intro}, *chapters]
    (src / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False))
    # The introduction is an unnumbered chapter (its title is the book's, which the
    # title page shows); the pages after the last chapter notebook are appendices.
    page = src / f"{intro}.md"
    text = re.sub(r"\A# .*$", "# Introduction", page.read_text(encoding="utf-8"), flags=re.M)
    page.write_text(UNNUMBERED + text + NUMBERED)
    after = [c["file"] for c in chapters if not (root / f"{c['file']}.ipynb").exists()]
    if after:
        page = src / f"{after[0]}.md"
        page.write_text(APPENDIX + page.read_text(encoding="utf-8"))

    for path in notebooks(root / "book"):
        nb, _ = N.read_notebook(path)
        if not solutions:
            nb = _for_the_book(release_notebook(nb))
        nbformat.write(_footnotes_only(nb), src / "book" / path.name)
    return src


def _footnotes_only(nb):
    """``nb`` without a ``## References`` heading over nothing but ``{footbibliography}``.

    On paper a chapter's citations are footnotes on the page that cites them, and the
    bibliography (appendix B) lists every work: the heading would stand over an empty
    section. The directive stays, since it is what makes the footnotes.
    """
    directive = r"```\{footbibliography\}\s*```"
    texts = [c.source.strip() if c.cell_type == "markdown" else None for c in nb.cells]
    cells = []
    for i, cell in enumerate(nb.cells):
        text, after = texts[i], texts[i + 1] if i + 1 < len(texts) else None
        if text == "## References" and after and re.fullmatch(directive, after):
            continue
        if text and re.fullmatch(rf"## References\s*({directive})", text):
            cell.source = re.fullmatch(rf"## References\s*({directive})", text).group(1)
        cells.append(cell)
    nb.cells = cells
    return nb


def build_pdf(root=".", out="_build/pdf", solutions=False, log=print):
    """Build the PDF edition of the book in ``root`` into ``out``; returns its path.

    Raises ``RuntimeError`` if TeX is missing or the build fails, and
    :class:`~course_utils.grading.book.LeakError` if the students' edition shows a line
    of a reference solution.
    """
    root, out = Path(root).resolve(), Path(out).resolve()
    missing = missing_tex()
    if missing:
        raise RuntimeError(f"the PDF needs TeX ({', '.join(missing)} missing): {INSTALL}")
    out.mkdir(parents=True, exist_ok=True)
    name = "downhill-solutions.pdf" if solutions else "downhill.pdf"
    with tempfile.TemporaryDirectory(prefix="downhill-pdf-") as tmp:
        src = stage(root, Path(tmp) / "src", solutions, cache=out / ".jupyter_cache")
        jb = Path(sys.executable).with_name("jupyter-book")
        cmd = [str(jb), "build", str(src), "--builder", "pdflatex", "-W", "-n", "--keep-going"]
        log(f"building {name} (chapters run unless cached, then xelatex)…")
        done = subprocess.run(
            cmd, capture_output=True, text=True, errors="replace", stdin=subprocess.DEVNULL
        )
        built = src / "_build" / "latex" / "downhill.pdf"
        if done.returncode != 0 or not built.exists():
            log_file = src / "_build" / "latex" / "downhill.log"
            tex_errors = _tex_errors(log_file) if log_file.exists() else ""
            raise RuntimeError(
                f"jupyter-book failed:\n{(done.stdout + done.stderr)[-4000:]}{tex_errors}"
            )
        shutil.copy(built, out / name)
        for suffix in (".log", ".tex"):
            shutil.copy(built.with_suffix(suffix), (out / name).with_suffix(suffix))
    if not solutions:
        leaks = pdf_leaks(out / name, root / "book")
        if leaks:
            raise LeakError("solution text in the PDF:\n" + "\n".join(leaks[:20]))
    log(f"PDF edition: {out / name}")
    return out / name


def _tex_errors(log_file):
    lines = log_file.read_text(encoding="utf-8", errors="replace").splitlines()
    errors = [i for i, line in enumerate(lines) if line.startswith("!")]
    return "\n" + "\n".join("\n".join(lines[i : i + 6]) for i in errors[:5])


def pdf_text(pdf):
    """The text of ``pdf`` (poppler's ``pdftotext``, in reading order)."""
    done = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True)
    if done.returncode != 0:
        raise RuntimeError(f"pdftotext failed on {pdf}: {done.stderr.decode()[-500:]}")
    return done.stdout.decode("utf-8", errors="replace")


def pdf_leaks(pdf, book):
    """The lines of the reference solutions of ``book``'s notebooks found in ``pdf``.

    A solution line that is also a line of ``course_utils`` (whose source a chapter may
    print, as chapter 3 prints the training loop) is public and does not count.
    """
    instructor = [N.read_notebook(path)[0] for path in notebooks(book)]
    package = Path(__file__).resolve().parents[1]
    public = {
        line.strip()
        for path in package.rglob("*.py")
        for line in path.read_text(encoding="utf-8").splitlines()
    }
    wanted = (set(N.secret_lines(*instructor)) - public) | {N.BEGIN, N.END}
    found = wanted & {line.strip() for line in pdf_text(pdf).splitlines()}
    return sorted(found)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m course_utils.grading.pdf")
    parser.add_argument("--solutions", action="store_true", help="the instructor's edition")
    parser.add_argument("--root", type=Path, default=Path("."), help="the repository")
    parser.add_argument("--out", type=Path, default=Path("_build/pdf"))
    args = parser.parse_args(argv)
    if not (args.root / "_toc.yml").is_file():
        parser.error(f"{str(args.root)!r} is not the book's repository (no _toc.yml)")
    missing = missing_tex()
    if missing:
        print(f"make pdf needs TeX and fonts; as root: {INSTALL}", file=sys.stderr)
        return 1
    try:
        build_pdf(args.root, args.out, solutions=args.solutions)
    except (RuntimeError, LeakError) as exc:
        print(f"PDF edition failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
