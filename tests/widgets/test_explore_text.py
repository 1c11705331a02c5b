"""The text and the page agree: every control an "Explore" text tells the reader to move
is a control of that explorer in the built book.

Each explorer of a chapter (a code cell calling ``explore_*``) has its text: the
Markdown cells before it, back to the heading of its section. The test keeps the
instructions of that text (the clauses that start with a verb telling the reader what
to do: "raise β to 0.95", "switch on Nesterov", "move the threshold c"), finds in each the
controls it names (:data:`NAMES`, by symbol or word) and checks that the explorer's
static page has each one: in the book a page explorer (``widgets/page.py``) shows every
control of the explorer, an explorer with precomputed frames only the one or two
controls its frames span (``frames.frame_controls``), and its frames have every value
the text names for them (:func:`test_each_value_the_text_names_is_a_frame`).
"""

import json
import re
from pathlib import Path

import numpy as np
import pytest

from course_utils.widgets.frames import frame_controls, frame_values
from course_utils.widgets.sweep import explorer_factories

BOOK = Path(__file__).resolve().parents[2] / "book"

# A clause is an instruction when it starts (after "then", "now", "finally", a leading
# phrase like "at $\eta = 0.1$,", or a list bullet) with one of these verbs.
VERBS = ("raise", "lower", "move", "slide", "set", "switch", "choose", "pick", "add",
         "shrink", "fix", "take", "start", "compare", "drag", "click", "use", "find")  # fmt: skip
LEAD = r"(?:^|\b(?:then|now|finally|and)\s+|,\s+|^[-*]\s+)"
INSTRUCTION = re.compile(LEAD + r"(" + "|".join(VERBS) + r")\b", re.IGNORECASE | re.MULTILINE)
# A clause that speaks of a slider or a menu points at a control whatever its verb.
CONTROL_WORD = re.compile(r"\b(?:sliders?|menu)\b")

# What a text calls a control (a regular expression) -> how its label reads in the page.
NAMES = {
    r"\\eta\b|learning rate\b(?! ?s)": "learning rate η",
    r"\$B\b|\bbatch(?:es| size)?\b": "batch size B",
    r"\\beta\b": "momentum β",
    r"Nesterov": "Nesterov",
    r'"cosine"|"1/t"|\bschedule\b': "schedule",
    r"threshold": "clip threshold c",
    r"\bsurface\b": "surface",
    r"order-1|order-2|Taylor order": "Taylor order",
    r"position sliders": "ŵ₁: left → right",
    r"\\kappa|condition number": "condition number κ",
    r'"learning rates" menu': "learning rates",
    r"\b(?:SGD|Adam|Adadelta|Adagrad|RMSProp|Adamax|Nadam)\b": "optimizer",
    r"\$K\b": "random starts K",
    r"\bh = |\(h, ": "step × curvature h = ηλ",
    r"third slider": "epochs",
}
# Spelled the same as a control in another sense: the word alone names no control.
NOT_CONTROLS = re.compile(r"plain SGD|full-batch|batch gradient descent|\bsurface of\b")


def explore_texts():
    """``(chapter, explorer function, text)`` for every explorer call of every chapter."""
    for path in sorted(BOOK.glob("0*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        for i, cell in enumerate(cells):
            call = re.search(r"^(explore_\w+)\(", "".join(cell["source"]), re.MULTILINE)
            if cell["cell_type"] != "code" or call is None:
                continue
            parts = []
            for before in reversed(cells[:i]):
                if before["cell_type"] != "markdown":
                    break
                text = "".join(before["source"])
                heading = list(re.finditer(r"^#+ .*$", text, re.MULTILINE))
                parts.insert(0, text[heading[-1].end() :] if heading else text)
                if heading:
                    break
            yield path.stem, call.group(1), "\n".join(parts)


def instructions(text):
    """The clauses of ``text`` that tell the reader what to do, or name a control."""
    clauses = [c.strip() for c in re.split(r"(?<!\d)[.:;](?=\s|$)|\n(?=[-*] )", text)]
    return [c for c in clauses if INSTRUCTION.search(c) or CONTROL_WORD.search(c)]


def named_controls(clause):
    clause = NOT_CONTROLS.sub(" ", clause)
    return {label for pattern, label in NAMES.items() if re.search(pattern, clause)}


def static_labels(explorer):
    """The labels of the controls the explorer's static page shows."""
    shown = explorer.controls if explorer.page is not None else frame_controls(explorer)
    labels = {explorer.controls[name].description for name in shown}
    return {"optimizer" if "optimizer" in label else label for label in labels}


FACTORIES = {key.split(".")[1]: factory for key, factory in explorer_factories().items()}
TEXTS = list(explore_texts())


def test_every_explorer_has_a_text_that_names_its_controls():
    called = {name for _, name, _ in TEXTS}
    assert called == set(FACTORIES), "an explorer without a text, or a text without one"
    for chapter, name, text in TEXTS:
        named = set().union(*map(named_controls, instructions(text)))
        assert named or name == "explore_restarts", f"{chapter} {name}: no control named"


@pytest.mark.parametrize(("chapter", "name", "text"), TEXTS, ids=[f"{c}-{n}" for c, n, _ in TEXTS])
def test_each_control_the_text_names_is_in_the_static_page(chapter, name, text):
    shown = static_labels(FACTORIES[name]())
    for clause in instructions(text):
        missing = named_controls(clause) - shown
        assert not missing, f"{chapter} {name}: {clause!r} names {missing}, the page has {shown}"


@pytest.mark.parametrize(
    ("clause", "named"),
    [
        ("Raise $\\beta$ to $0.95$ and watch the path spiral", {"momentum β"}),
        ("Switch on Nesterov and compare, and shrink $B$ to see the noise", {"Nesterov",
                                                                           "batch size B"}),
        ('Now choose "cosine" or "1/t" and watch', {"schedule"}),
        ("move the threshold $c$ from 0.3", {"clip threshold c"}),
        ("- Switch to Adam and look for its best $\\eta$", {"optimizer", "learning rate η"}),
        ("The third slider sets the number of epochs", {"epochs"}),
    ],
)  # fmt: skip
def test_the_names_of_controls_are_found(clause, named):
    assert named_controls(clause) == named


def test_only_instructions_count():
    text = ("At the default $\\eta = 0.1$ SGD diverges. Lower $\\eta$ until it survives. "
            "The third slider sets the epochs.")  # fmt: skip
    assert instructions(text) == [
        "Lower $\\eta$ until it survives",
        "The third slider sets the epochs",
    ]


# --- the values the text names are frames ------------------------------------------------
# A symbol the text gives a value, and the label of its control.
SYMBOLS = {"η": "learning rate η", "B": "batch size B", "K": "random starts K"}
SYMBOL = re.compile(r"η|\bB\b|\bK\b")
# A number given to the symbol just before it: "= 0.1", "to 0.003", "from 1 to 64",
# "past 2/λ ≈ 1.44" (a number followed by "/" is part of a formula), "around 0.003 to 0.01".
VALUE = re.compile(r"(=|≈|\bto|\bfrom|\bpast|\babove|\bbelow|\bbeyond|\baround|\bor)\s*"
                   r"(\d+(?:\.\d+)?)(?![\d.]*\s*/)")  # fmt: skip
# A threshold: the value past which something changes ("a little above η = 0.5 the loss
# explodes", "raise η past 2/λ ≈ 1.44").
THRESHOLD = re.compile(r"\b(?:past|above|below|beyond)\b")


def named_values(text):
    """``(control label, value, threshold?)`` for every value the text gives a control."""
    plain = text.replace("$", "").replace("\\eta", "η").replace("\\approx", "≈")
    found = []
    for sentence in re.split(r"(?<!\d)[.;](?=\s|$)|\n(?=[-*] )", plain):
        marks = list(SYMBOL.finditer(sentence))
        for i, mark in enumerate(marks):
            end = marks[i + 1].start() if i + 1 < len(marks) else len(sentence)
            before = " ".join(sentence[: mark.start()].split()[-3:])
            after = sentence[mark.end() : end]
            for relation in VALUE.finditer(after):
                gap = after[: relation.start()]
                threshold = bool(THRESHOLD.search(before + " " + gap + relation[1]))
                found.append((SYMBOLS[mark[0]], float(relation[2]), threshold))
    return found


FRAMED = [t for t in TEXTS if FACTORIES[t[1]]().page is None]  # the page's sliders are continuous


@pytest.mark.parametrize(
    ("chapter", "name", "text"), FRAMED, ids=[f"{c}-{n}" for c, n, _ in FRAMED]
)
def test_each_value_the_text_names_is_a_frame(chapter, name, text):
    """Every value an Explorer text gives a control is one of that control's frames, and a
    threshold has frames on both sides of it, each within one step of the live slider."""
    explorer = FACTORIES[name]()
    labels = {explorer.controls[n].description: n for n in frame_controls(explorer)}
    named = named_values(text)
    assert named, f"{chapter} {name}: the text gives no control a value"
    for label, value, threshold in named:
        assert label in labels, f"{chapter} {name}: the frames do not span {label}"
        control = explorer.controls[labels[label]]
        values = np.array(frame_values(control, values=explorer.frame_values.get(labels[label])))
        assert np.isclose(values, value, rtol=1e-3).any(), f"{label} = {value}: not a frame"
        if threshold:
            step = control.base**control.step  # a log slider's step, as a factor
            below, above = values[values < value * (1 - 1e-3)], values[values > value * (1 + 1e-3)]
            assert below.size and value / below.max() <= step * (1 + 1e-9), (label, value, below)
            assert above.size and above.min() / value <= step * (1 + 1e-9), (label, value, above)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("Start at $\\eta = 0.1$, $B = 8$. Lower $\\eta$ to $0.003$",
         [("learning rate η", 0.1, False), ("batch size B", 8, False),
          ("learning rate η", 0.003, False)]),
        ("a little above $\\eta = 0.5$ the loss explodes", [("learning rate η", 0.5, True)]),
        ("raise $\\eta$ past $2/\\lambda_{\\max} \\approx 1.44$ and watch",
         [("learning rate η", 1.44, True)]),
        ("move $B$ from 1 to 64 and watch the 16 batches",
         [("batch size B", 1, False), ("batch size B", 64, False)]),
        ("look for its best $\\eta$: it lies around 0.003 to 0.01, a decade or more below",
         [("learning rate η", 0.003, False), ("learning rate η", 0.01, False)]),
        ("with $K = 20$ it is almost always found; the batch size $B$, and the 256 digits",
         [("random starts K", 20, False)]),
    ],
)  # fmt: skip
def test_the_values_a_text_names_are_found(text, named):
    assert named_values(text) == named
