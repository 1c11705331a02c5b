"""Citations that read as text in Jupyter and as footnoted references in the book.

A chapter cites in plain Markdown, which JupyterLab, Notebook 7, Colab and GitHub show
as it is written:

- ``[(Goodfellow et al., 2016)](#cite:goodfellow2016deep)`` cites in parentheses,
  several keys separated by commas (``(A, 2016; B, 2018)``);
- ``[Keskar et al. (2017)](#cite:keskar2017large)`` names the authors in the sentence;
- a Markdown cell's reference list starts with the line ``<!-- references -->`` (hidden
  in Jupyter) and lists the works the chapter cites, in full. Each entry starts with
  empty anchors (``<a id="cite:…"></a>``), one for every link target that cites it
  first, so that a click on a citation in JupyterLab leads to its entry.

When the book is built, this Sphinx extension turns each citation into
sphinxcontrib-bibtex's ``{footcite:p}`` or ``{footcite:t}`` role and each reference
list into a ``{footbibliography}``, so the book keeps its footnoted references and its
bibliography. A citation whose text is not what ``book/references.bib`` gives for its
keys (:func:`label`) fails the build, and so does an unknown key.

``python book/_ext/citations.py book/*.ipynb`` writes the notebooks' citations in this form
(from the ``{footcite}`` roles) and their reference lists from the bibliography again,
and ``--check`` only reports whether they are up to date.
"""

import json
import re
import sys
from pathlib import Path

import latexcodec  # noqa: F401 - registers the "latex" codec

ROOT = Path(__file__).resolve().parents[2]
BIB = ROOT / "book" / "references.bib"
MARKER = "<!-- references -->"
# [(text)](#cite:k1,k2) or [text](#cite:k1,k2): group 1 the text, group 2 the keys
CITATION = re.compile(
    r"\[((?:[^\[\]]|\[[^\]]*\])+)\]\(#cite:([\w\-:.]+(?:,[\w\-:.]+)*)\)"
)
ROLE = re.compile(r"\{footcite:([pt])\}`([^`]+)`")
LIST = re.compile(r"(?ms)^" + re.escape(MARKER) + r"\n.*\Z")
DIRECTIVE = re.compile(r"```\{footbibliography\}\n```")


def load_bib(path=BIB):
    """``{key: entry}`` of ``path`` (pybtex entries)."""
    from pybtex.database import parse_file

    return dict(parse_file(str(path)).entries)


def _plain(text):
    """BibTeX's LaTeX as plain text: accents decoded, braces and ``--`` gone."""
    text = text.encode("utf-8").decode(
        "latex+utf8"
    )  # the codec comes with pybtex (latexcodec)
    return re.sub(r"[{}]", "", text).replace("--", "–")


def _surname(person):
    return _plain(" ".join(person.prelast_names + person.last_names))


def authors(entry):
    """The authors as cited: "Ruder", "Bishop and Bishop", "Goodfellow et al."."""
    people = entry.persons.get("author", [])
    names = [_surname(p) for p in people]
    if len(names) >= 3:
        return f"{names[0]} et al."
    return " and ".join(names)


def label(keys, kind, bib):
    """The citation's text for ``keys``: ``(A, 2016; B, 2018)`` (p) or ``A (2016)`` (t)."""
    for key in keys:
        if key not in bib:
            raise KeyError(f"unknown citation key {key!r} (not in {BIB.name})")
    entries = [bib[key] for key in keys]
    if kind == "p":
        return (
            "("
            + "; ".join(f"{authors(e)}, {e.fields['year']}" for e in entries)
            + ")"
        )
    return "; ".join(f"{authors(e)} ({e.fields['year']})" for e in entries)


def reference(entry):
    """One line of a reference list: authors (year). *Title*. Where, with a link."""
    people = []
    for p in entry.persons.get("author", []):
        initials = " ".join(
            f"{_plain(n)[0]}." for n in p.first_names + p.middle_names if n
        )
        people.append(f"{_surname(p)}, {initials}".strip(", "))
    who = (
        ", ".join(people[:-1])
        + (" and " if len(people) > 1 else "")
        + people[-1]
    )
    f = entry.fields
    where = f.get("journal") or f.get("booktitle") or f.get("publisher") or ""
    if not where and f.get("eprint"):
        where = f"arXiv:{f['eprint']}"
    line = f"{who} ({f['year']}). *{_plain(f['title'])}*."
    if where:
        line += f" {_plain(where)}."
    link = f"https://doi.org/{f['doi']}" if f.get("doi") else f.get("url")
    if not link and f.get("eprint"):
        link = f"https://arxiv.org/abs/{f['eprint']}"
    return line + (f" <{link}>" if link else "")


# --- the book: Markdown citations -> sphinxcontrib-bibtex roles ------------------------------
def to_roles(text, bib):
    """``text`` with every Markdown citation a ``{footcite}`` role and every reference list
    a ``{footbibliography}``; raises ``ValueError`` on a citation that does not match."""

    def role(match):
        shown, keys = match.group(1), match.group(2).split(",")
        kind = "p" if shown.startswith("(") else "t"
        expected = label(keys, kind, bib)
        if shown != expected:
            raise ValueError(
                f"citation [{shown}](#cite:{match.group(2)}) should read {expected!r}"
            )
        return f"{{footcite:{kind}}}`{','.join(keys)}`"

    text = CITATION.sub(role, text)
    return LIST.sub("```{footbibliography}\n```", text)


def _source_read(app, docname, source):
    if not app.env.doc2path(docname).endswith(".ipynb"):
        return
    bib = load_bib()
    nb = json.loads(source[0])
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            text = (
                "".join(cell["source"])
                if isinstance(cell["source"], list)
                else cell["source"]
            )
            try:
                cell["source"] = to_roles(text, bib)
            except (KeyError, ValueError) as err:
                raise ValueError(f"{docname}: {err}") from None
    source[0] = json.dumps(nb)


def setup(app):
    app.connect("source-read", _source_read)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


# --- the notebooks: roles -> Markdown citations, and the reference lists -------------------
def to_markdown(text, bib):
    """``text`` with ``{footcite}`` roles written as Markdown citations (and up-to-date ones)."""

    def citation(match):
        kind, keys = match.group(1), match.group(2).split(",")
        return f"[{label(keys, kind, bib)}](#cite:{','.join(keys)})"

    def again(match):
        keys = match.group(2).split(",")
        kind = "p" if match.group(1).startswith("(") else "t"
        return f"[{label(keys, kind, bib)}](#cite:{','.join(keys)})"

    return ROLE.sub(citation, CITATION.sub(again, text))


def cited_keys(cells):
    """The keys the Markdown ``cells`` cite, in order of first citation."""
    keys = []
    for text in cells:
        for match in CITATION.finditer(text):
            keys += [k for k in match.group(2).split(",") if k not in keys]
    return keys


def targets(cells):
    """``{key: [fragment, …]}``: the link targets (``cite:k1,k2``) that the Markdown
    ``cells`` point at, under the first key of each: its entry in the reference list
    carries them, so that every citation link leads to the list in Jupyter."""
    found = {}
    for text in cells:
        for match in CITATION.finditer(text):
            fragment = f"cite:{match.group(2)}"
            first = match.group(2).split(",")[0]
            if fragment not in found.setdefault(first, []):
                found[first].append(fragment)
    return {key: sorted(frags, key=len) for key, frags in found.items()}


def entry(key, fragments, bib):
    """One line of the reference list: the link targets (empty anchors: JupyterLab,
    Notebook 7 and GitHub keep their ``id``), then the reference."""
    anchors = "".join(f'<a id="{f}"></a>' for f in fragments)
    return f"- {anchors}{reference(bib[key])}"


def rewrite(nb, bib):
    """The notebook ``nb`` (a dict) with Markdown citations and reference lists."""
    cells = [c for c in nb["cells"] if c["cell_type"] == "markdown"]
    texts = [to_markdown("".join(c["source"]), bib) for c in cells]
    keys, linked = cited_keys(texts), targets(texts)
    listing = (
        MARKER
        + "\n"
        + "\n".join(
            entry(
                k,
                [
                    f"cite:{k}",
                    *(f for f in linked.get(k, []) if f != f"cite:{k}"),
                ],
                bib,
            )
            for k in keys
        )
    )
    for cell, text in zip(cells, texts, strict=True):
        text = DIRECTIVE.sub(lambda _: listing, text)
        text = LIST.sub(lambda _: listing, text)
        lines = text.splitlines(keepends=True)
        cell["source"] = lines
    return nb


def main(argv):
    check = "--check" in argv
    paths = [Path(a) for a in argv if a != "--check"]
    bib, stale = load_bib(), []
    for path in paths:
        raw = path.read_text(encoding="utf-8")
        new = (
            json.dumps(
                rewrite(json.loads(raw), bib), indent=1, ensure_ascii=False
            )
            + "\n"
        )
        if new != raw:
            stale.append(path)
            if not check:
                path.write_text(new, encoding="utf-8")
    verb = "out of date" if check else "rewritten"
    for path in stale:
        print(f"{path}: {verb}")
    return 1 if check and stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
