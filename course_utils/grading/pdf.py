"""What the PDF edition needs, and the PDF read back.

``make pdf`` (:func:`course_utils.grading.editions.pdf_book`) writes
``_build/pdf/downhill.pdf``, the students' edition: the introduction, the seven
chapters, the API reference (appendix A) and the bibliography (appendix B), every
exercise as the student copy has it (the stub, no solution, no hidden check).
``make pdf SOLUTIONS=1`` writes the instructor's edition,
``_build/pdf/downhill-solutions.pdf``, with the reference solution printed under each
exercise. Jupyter Book's LaTeX builder writes it, xelatex typesets it: this module
says which TeX packages and fonts that takes (:func:`missing_tex`), where TeX failed
(:func:`tex_errors`), and reads the PDF's text back for solution lines
(:func:`pdf_leaks`).
"""

import shutil
import subprocess
from pathlib import Path

from course_utils.grading import notebook as N
from course_utils.grading.book import notebooks

# Debian's packages for the PDF (106 MB to download with --no-install-recommends).
TEX_PACKAGES = (
    "latexmk texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended "
    "texlive-xetex fonts-freefont-otf fonts-dejavu-core"
)
TEX_COMMANDS = ("xelatex", "latexmk")
FONTS = ("FreeSerif", "FreeSans", "DejaVu Sans Mono")
INSTALL = f"apt-get install --no-install-recommends {TEX_PACKAGES}"


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


def tex_errors(log_file):
    """The first five errors of a TeX log (six lines each), or ``""`` without a log."""
    log_file = Path(log_file)
    if not log_file.is_file():
        return ""
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
    """The lines of the reference solutions of ``book``'s notebooks found in ``pdf``
    (:func:`~course_utils.grading.notebook.secret_lines`: public lines do not count)."""
    instructor = [N.read_notebook(path)[0] for path in notebooks(book)]
    lines = {line.strip() for line in pdf_text(pdf).splitlines()}
    return N.leaked_lines(N.secret_lines(*instructor), lines)
