"""book/_ext/printed_tables.py: the rows of a printed table are marked so that they never wrap
(issue 19: printed outputs read as finished tables, on a phone too)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "book" / "_ext"))

import printed_tables as P  # noqa: E402

OUTPUT = '<div class="output stream highlight-myst-ansi notranslate"><div class="highlight"><pre>'


def page(text):
    return f"<p>a  b</p>{OUTPUT}{text}</pre></div></div><pre>x  y\nu  v</pre>"


def test_runs_of_aligned_rows_are_marked_and_sentences_are_not():
    text = (
        "✓ right: the factor tends to 1.\n"
        "method      B     η\n"
        "--------------------\n"
        "SGD         1   0.1\n"
        "Adam &amp; co  32  0.01\n"
        "a sentence, single spaced.\n"
        "the end"
    )
    marked = P.mark_page(page(text))
    table = "method      B     η\n" + "-" * 20 + "\nSGD         1   0.1\nAdam &amp; co  32  0.01"
    assert marked == page(
        "✓ right: the factor tends to 1.\n"
        f'<span class="downhill-table">{table}</span>\n'
        "a sentence, single spaced.\n"
        "the end"
    )
    # the paragraph and the code block outside an output are left alone
    assert marked.startswith("<p>a  b</p>") and marked.endswith("<pre>x  y\nu  v</pre>")


def test_a_row_is_judged_on_its_text_not_its_tags():
    assert P.is_row('<span class="ansi-red">W</span>  calls')
    assert not P.is_row('<span  class="x">one</span> <b>two</b>')  # spaces inside a tag
    assert P.is_row("----------") and not P.is_row("---- x")
    assert not P.is_row("  indented, one gap only at the start")


def test_a_single_aligned_line_is_not_a_table():
    assert P.mark_tables("x = 1  y = 2\nthe end") == "x = 1  y = 2\nthe end"
    assert P.mark_page(page("")) == page("")
