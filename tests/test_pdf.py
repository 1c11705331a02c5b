"""The PDF edition (``make pdf``): built once, then read back with poppler's tools.

Needs TeX (``course_utils.grading.pdf.TEX_PACKAGES``). Without it these tests are
skipped with the one line to install it; ``.ci/run`` installs the packages and sets
``DOWNHILL_REQUIRE_TEX=1``, so in CI missing TeX fails instead.
"""

import json
import os
import re
import subprocess
from html import unescape
from pathlib import Path

import pytest
import yaml

from course_utils.grading import editions as E
from course_utils.grading import pdf as P

ROOT = Path(__file__).resolve().parents[1]
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())
PAGES = [TOC["root"]] + [c["file"] for c in TOC["chapters"]]
CHAPTERS = [ROOT / f"{p}.ipynb" for p in PAGES if (ROOT / f"{p}.ipynb").exists()]


def title(page):
    """The H1 title of a page of the book (a notebook or a Markdown file)."""
    path = ROOT / f"{page}.ipynb"
    if path.exists():
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    else:
        text = (ROOT / f"{page}.md").read_text(encoding="utf-8")
    return re.search(r"^# (.+)$", text, flags=re.M).group(1).replace("`", "")


def squash(text):
    """Lower case, one space between words, plain hyphens: to compare titles with the PDF."""
    text = text.replace("\u2011", "-").replace("\u00ad", "")
    return re.sub(r"\s+", " ", text).lower()


@pytest.fixture(scope="module")
def pdf():
    missing = P.missing_tex()
    if missing:
        message = f"the PDF needs TeX ({', '.join(missing)} missing): {P.INSTALL}"
        if os.environ.get("DOWNHILL_REQUIRE_TEX") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return E.pdf_book(ROOT, ROOT / "_build" / "pdf", log=lambda *a: None)


@pytest.fixture(scope="module")
def text(pdf):
    return P.pdf_text(pdf)


@pytest.mark.slow
def test_the_pdf_is_a_book_with_metadata(pdf):
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    fields = dict(re.findall(r"^([^:]+):\s*(.*)$", info, flags=re.M))
    assert fields["Title"] == yaml.safe_load((ROOT / "_config.yml").read_text())["title"]
    assert fields["Page size"].endswith("(A4)")
    assert int(fields["Pages"]) > 100


@pytest.mark.slow
def test_latex_resolved_every_reference_and_kept_every_line_in_the_margins(pdf):
    log = pdf.with_suffix(".log").read_text(encoding="utf-8", errors="replace")
    assert "undefined references" not in log
    assert not re.findall(r"^LaTeX Warning: (?:Reference|Citation) .*", log, flags=re.M)
    overfull = re.findall(r"^Overfull \\hbox \((\d+\.\d+)pt too wide\)", log, flags=re.M)
    assert [width for width in overfull if float(width) > 1.0] == []


def chapters_bookmarked(pdf):
    """The top level of the PDF's bookmarks: ``(page, title)`` pairs, in order."""
    xml = subprocess.run(
        ["pdftohtml", "-xml", "-i", "-stdout", "-q", str(pdf)], capture_output=True, text=True
    ).stdout
    depth, top = 0, []
    for tag in re.finditer(r'<outline>|</outline>|<item page="(\d+)">(.*?)</item>', xml):
        if tag.group(0) == "<outline>":
            depth += 1
        elif tag.group(0) == "</outline>":
            depth -= 1
        elif depth == 1:
            top.append((int(tag.group(1)), unescape(tag.group(2))))
    return top


def page_text(pdf, first, last):
    done = subprocess.run(
        ["pdftotext", "-f", str(first), "-l", str(last), str(pdf), "-"], capture_output=True
    )
    return done.stdout.decode("utf-8", errors="replace")


@pytest.mark.slow
def test_bookmarks_list_every_chapter_in_order(pdf):
    top = chapters_bookmarked(pdf)
    titles = ["Introduction"] + [title(page) for page in PAGES[1:]] + ["Index"]
    assert [squash(t) for _, t in top] == [squash(t) for t in titles]
    pages = [page for page, _ in top]
    assert pages == sorted(pages)


@pytest.mark.slow
def test_every_chapter_is_in_the_contents_and_opens_with_its_title(pdf):
    top = chapters_bookmarked(pdf)
    contents = squash(page_text(pdf, 1, top[0][0] - 1))
    assert "contents" in contents
    for page, heading in top:
        assert squash(heading) in contents, heading
        assert squash(heading) in squash(page_text(pdf, page, page)), (page, heading)


@pytest.mark.slow
def test_no_raw_tex_or_markup_in_the_text(text):
    # Typeset formulas leave no TeX behind; what remains is code, whose TeX (matplotlib
    # labels, docstrings shown as code) is in the notebooks' code cells.
    for raw in [
        "{footcite",
        "{footbibliography}",
        "{math}",
        ":math:",
        "\\begin{",
        "\\(",
        "$$",
        "google.colab",
    ]:  # (the Colab cell is remove-cell: not on paper either)
        assert raw not in text, raw
    code = "\n".join(
        "".join(c["source"])
        for path in CHAPTERS
        for c in json.loads(path.read_text(encoding="utf-8"))["cells"]
        if c["cell_type"] == "code"
    )
    macros = set(re.findall(r"\\[A-Za-z]+", text)) - set(re.findall(r"\\[A-Za-z]+", code))
    assert not macros, f"TeX commands in the PDF's text: {sorted(macros)}"


@pytest.mark.slow
def test_figures_and_explorer_pictures_are_embedded(pdf):
    listing = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True)
    images = [row.split() for row in listing.stdout.splitlines()[2:]]
    images = [row for row in images if row[2] == "image"]
    explorers = sum(
        len(re.findall(r"^explore_\w+\(", "".join(c["source"]), flags=re.M))
        for path in CHAPTERS
        for c in json.loads(path.read_text(encoding="utf-8"))["cells"]
        if c["cell_type"] == "code"
    )
    assert explorers >= 7
    pages = {int(row[0]) for row in images}
    assert len(images) >= explorers + len(CHAPTERS), (len(images), explorers)
    assert len(pages) >= 0.8 * len(images)  # spread over the book, not one repeated page
    tex = pdf.with_suffix(".tex").read_text(encoding="utf-8")
    assert len(images) == tex.count("\\sphinxincludegraphics")


@pytest.mark.slow
def test_student_edition_has_the_exercises_without_their_solutions(pdf, text):
    assert P.pdf_leaks(pdf, ROOT / "book") == []
    stubs = re.findall(r"Replace this line with your answer to exercise (\d+\.\d+)", text)
    assert len(set(stubs)) >= 2 * len(CHAPTERS)


def test_ci_installs_the_packages_the_pdf_needs():
    # .ci/run installs TeX on a fresh machine; its list is the one `make pdf` prints.
    run = (ROOT / ".ci" / "run").read_text()
    listed = re.search(r'^TEX_PACKAGES="([^"]+)"', run, flags=re.M).group(1)
    assert listed.split() == P.TEX_PACKAGES.split()


def test_without_tex_make_pdf_says_in_one_line_what_to_install(monkeypatch, capsys):
    monkeypatch.setattr(P.shutil, "which", lambda name: None)
    assert P.missing_tex() == ["xelatex", "latexmk", "FreeSerif", "FreeSans", "DejaVu Sans Mono"]
    assert E.main(["--root", str(ROOT), "pdf"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("make pdf needs TeX") and P.INSTALL in err
    assert P.INSTALL.startswith("apt-get install --no-install-recommends latexmk ")
