"""Build the HTML book strictly: warnings are errors, references are nitpicked.

The build itself is the session fixture ``book_build`` (``tests/conftest.py``), so that
the browser tests read the same pages without building the book a second time.
"""

import re
from pathlib import Path

import pytest
import yaml

from course_utils.widgets.page import scripts_for

ROOT = Path(__file__).resolve().parents[1]
TABLE = '<span class="downhill-table">'  # a printed table's rows (book/_ext/printed_tables.py)


@pytest.mark.slow
def test_book_builds_without_warnings(book_build, built_book):
    assert book_build.returncode == 0, book_build.log[-6000:]
    html = built_book
    for page in ["index.html", "book/api.html", "book/bibliography.html"]:
        assert (html / page).exists(), page
    for nb in sorted((ROOT / "book").glob("0*.ipynb")):
        page = html / "book" / f"{nb.stem}.html"
        assert page.exists(), page
        text = page.read_text(encoding="utf-8")
        assert "Traceback" not in text, f"{page.name} shows a traceback"
        assert "data:image/png" in text or ".png" in text, f"{page.name} has no figure"
        # the explorers: computed in the page, or frames made while the book builds;
        # nothing from a CDN
        explorers = 'class="downhill-static"' in text or 'class="downhill-page"' in text
        assert explorers, f"{page.name} has no static explorer"
        assert "_static/mathjax/tex-chtml.js" in text, f"{page.name} loads no local MathJax"
        for cdn in ("cdn.jsdelivr.net", "cdnjs.cloudflare.com", "require.min.js"):
            assert cdn not in text, f"{page.name} loads {cdn}"
        # printed outputs read as finished text: no float artefacts, no raw TeX
        outputs = r'<div class="output (?:stream|text_plain)[^"]*">.*?<pre>(.*?)</pre>'
        printed = " ".join(re.findall(outputs, text, re.S))
        artefacts = re.findall(r"\d\.\d*(?:0{8,}|9{8,})\d", printed)
        assert not artefacts, f"{page.name} prints {artefacts}"
        assert not re.search(r"\$\\[a-zA-Z]+", printed), f"{page.name} prints raw TeX"
        # a printed table keeps its rows unwrapped (book/_ext/printed_tables.py)
        if nb.stem == "07_capstone":
            table = re.search(TABLE + r"(?:<span></span>)?method .*?</span>", text, re.S)
            assert table and table.group().count("\n") >= 6, "chapter 7's results table"
        # and a cell's printed lines in one box (nb_merge_streams): no table split in two
        for cell in re.split(r'<div class="cell[ "]', text)[1:]:
            boxes = re.findall(r'<div class="output stream', cell)
            assert len(boxes) <= 1, f"{page.name}: printed lines in {len(boxes)} boxes"
    for page in sorted(html.rglob("*.html")):  # each script once (book/_ext/page_scripts.py)
        text = page.read_text(encoding="utf-8")
        # the page explorers' scripts: the kit and the chapter scripts of its explorers only
        names = re.findall(r'class="downhill-page"[^>]*data-explorer="(\w+)"', text)
        linked = set(re.findall(r'src="[^"]*_static/(downhill-[\w-]+\.js)', text))
        assert linked == set(scripts_for(names) if names else ()), page.relative_to(html)
        scripts = re.findall(r"<script[^>]*>.*?</script>", text)
        repeated = {s[:80] for s in scripts if scripts.count(s) > 1}
        assert not repeated, f"{page.relative_to(html)} repeats {repeated}"
    mathjax = html / "_static" / "mathjax"
    assert (mathjax / "tex-chtml.js").stat().st_size > 1_000_000
    assert (
        mathjax / "output" / "chtml" / "fonts" / "woff-v2" / "MathJax_Main-Regular.woff"
    ).is_file()
    assert not (mathjax / "tex-svg-full.js").exists()


@pytest.mark.slow
def test_launch_and_repository_buttons_only_with_a_repository(built_book):
    # _config.yml names no repository until `make set-repo` (README, "Launch buttons"):
    # until then no button may lead to a repository that does not exist; after it every
    # chapter has them, pointing at that repository (tests/test_repository.py checks
    # each link of a fork's build).
    url = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]
    dead = ["mybinder.org", "colab.research.google.com", "git-pull?", "downhill-course"]
    for page in sorted(built_book.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        buttons = ["launch-buttons" in text, "fa-github" in text, "Source repository" in text]
        chapter = page.parent.name == "book" and page.name[:2].isdigit()
        if url:
            assert all(buttons) or not chapter, page.name
            assert url in text or not chapter, page.name
        else:
            assert not any(buttons), page.name
            for target in dead:
                assert target not in text, f"{page.name} links to {target}"
