"""Printed tables stay tables on a phone.

A chapter prints two kinds of text: sentences ("✓ newton_step jumps to the minimum …"),
which should wrap inside the text column, and tables whose columns line up in a fixed
width font, which wrapping turns into a jumble of numbers. ``_static/custom.css`` wraps
printed lines; this extension finds the table rows of each printed output and marks each
run of them ``<span class="downhill-table">``, which the style sheet keeps unwrapped. A
table wider than the column then scrolls inside its own box (``overflow-x: auto``), and
the page itself never scrolls sideways.

A line is a table row when it has a gap of two or more spaces between two words, or is a
rule of dashes; a run of two or more such lines is a table (one aligned line alone is a
sentence with a double space, and stays as it is).
"""

import html
import re

# a printed output of a cell (myst-nb): <div class="output stream …"> … <pre>…</pre>
OUTPUT = re.compile(
    r'(<div class="output (?:stream|text_plain)[^"]*">(?:(?!</pre>).)*?<pre[^>]*>)(.*?)(</pre>)',
    re.S,
)
_TAG = re.compile(r"<[^>]*>")
_GAP = re.compile(r"\S {2,}\S")
_RULE = re.compile(r"^\s*-{10,}\s*$")


def is_row(line):
    """Whether a printed line (HTML) is a table row: a gap of 2+ spaces, or a rule."""
    text = html.unescape(_TAG.sub("", line))
    return bool(_GAP.search(text) or _RULE.match(text))


def mark_tables(text):
    """The HTML ``text`` of one printed output with its runs of table rows marked."""
    lines, out, run = text.split("\n"), [], []

    def flush():
        if len(run) >= 2:
            out.append(
                '<span class="downhill-table">' + "\n".join(run) + "</span>"
            )
        else:
            out.extend(run)
        run.clear()

    for line in lines:
        if is_row(line):
            run.append(line)
        else:
            flush()
            out.append(line)
    flush()
    return "\n".join(out)


def mark_page(body):
    """``body`` with the table rows of every printed output marked."""
    return OUTPUT.sub(
        lambda m: m.group(1) + mark_tables(m.group(2)) + m.group(3), body
    )


def _page(app, pagename, templatename, context, doctree):
    if context.get("body") and app.builder.format == "html":
        context["body"] = mark_page(context["body"])


def setup(app):
    app.connect("html-page-context", _page)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
