"""The page explorers in the notebook (``course_utils/widgets/live.py``): the book's
front-end module as an anywidget, its values in step with the kernel's controls both ways.

A value from the page arrives as ipywidgets delivers a front-end's message:
``set_state`` on the widget. The browser side is tested in ``tests/browser``
(test_jupyterlab.py's mouse drags, test_saved_notebooks.py's reopened notebooks).
"""

import os
import shutil
import subprocess

import ipywidgets as W
import pytest

from course_utils.widgets import frames, live, page
from course_utils.widgets.sweep import explorer_factories

FACTORIES = explorer_factories()
PAGE_EXPLORERS = sorted(n for n, f in FACTORIES.items() if f().page is not None)
NODE = "/usr/bin/node" if os.access("/usr/bin/node", os.X_OK) else shutil.which("node")
if NODE is None and os.environ.get("DOWNHILL_REQUIRE_NODE"):
    raise RuntimeError("node not found (DOWNHILL_REQUIRE_NODE is set): apt-get install nodejs")


def from_page(view, **changes):
    """What the page sends when the reader moves controls: every value, some changed."""
    view.set_state({"values": {**view.values, **changes}})


def test_the_seven_page_explorers_are_shown_by_the_front_end_module():
    assert len(PAGE_EXPLORERS) == 7  # ch01 taylor, bowl; ch04 schedule, cliff; ch05 two; ch06
    for name, factory in FACTORIES.items():
        explorer = factory()
        if explorer.page is None:  # drawn by the kernel, as before
            assert explorer.live is None
            note, box, image, guard = explorer.widget.children
            assert list(box.children) == list(explorer.controls.values())
            assert image is explorer.image and isinstance(guard, live.KeyGuard)
            continue
        view = explorer.live
        assert isinstance(view, live.PageView), name
        assert view.spec == page.spec(explorer)
        assert view.values == {n: page.json_value(c.value) for n, c in explorer.controls.items()}
        note, shown, fold = explorer.widget.children
        assert shown is view and fold.children == (explorer.image,)  # the kernel's picture
        assert fold.selected_index is None  # folded
        assert "downhill-live-explorer" in explorer.widget._dom_classes
        assert "computes in your browser" in note.value


def test_the_module_is_the_page_scripts_then_the_widget():
    module = live.esm()
    at = [module.index((page.WEB / name).read_text(encoding="utf-8")) for name in page.SCRIPTS]
    assert at == sorted(at)
    assert module.rstrip().endswith("export default { render: render };")
    assert live.css().startswith((page.WEB / page.STYLE).read_text(encoding="utf-8"))


def test_the_key_guard_shows_nothing_and_loads_the_keys_script():
    """A kernel-drawn explorer's KeyGuard: downhill-keys.js (which the page explorers'
    module has too) and a view that draws nothing, hidden."""
    keys = (page.WEB / live.KEYS_SCRIPT).read_text(encoding="utf-8")
    guard = live.KeyGuard()
    assert guard._esm.startswith(keys) and guard.layout.display == "none"
    assert keys in live.esm()
    for selector in (".downhill-live input[type=", ".downhill-explorer .noUi-handle"):
        assert selector in keys
    assert "'data-lm-suppress-shortcuts'" in keys


@pytest.mark.skipif(NODE is None, reason="node not found: apt-get install nodejs")
def test_the_key_guard_module_loads_as_an_es_module(tmp_path):
    """With no page around it (Node: no window), the module loads and exports a render
    that draws nothing."""
    (tmp_path / "keys.mjs").write_text(live.keys_esm(), encoding="utf-8")
    check = "import k from './keys.mjs'; console.log(typeof k.render, String(k.render()));"
    (tmp_path / "check.mjs").write_text(check, encoding="utf-8")
    out = subprocess.run([NODE, "check.mjs"], cwd=tmp_path, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["function", "undefined"]


@pytest.mark.skipif(NODE is None, reason="node not found: apt-get install nodejs")
def test_the_module_loads_as_an_es_module(tmp_path):
    """Node evaluates the module as JupyterLab does (an ES module, no page around it):
    it defines the page's explorers and exports render."""
    (tmp_path / "widget.mjs").write_text(live.esm(), encoding="utf-8")
    check = (
        "import w from './widget.mjs';"
        "const D = globalThis.Downhill;"
        "console.log(JSON.stringify([typeof w.render, Object.keys(D.explorers.REGISTRY).sort(),"
        " Object.keys(D.models).filter((k) => typeof D.models[k].compute === 'function').sort()]));"
    )
    (tmp_path / "check.mjs").write_text(check, encoding="utf-8")
    out = subprocess.run([NODE, "check.mjs"], cwd=tmp_path, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    render, registry, models = __import__("json").loads(out.stdout)
    names = sorted(FACTORIES[n]().page.name for n in PAGE_EXPLORERS)
    assert render == "function" and registry == names and models == names


def test_a_value_set_in_python_reaches_the_page():
    explorer = FACTORIES["ch05_momentum.explore_momentum"]()
    explorer.set(lr=0.3, nesterov=True)
    assert explorer.live.values == {"lr": 0.3, "beta": 0.8, "batch_size": 64, "nesterov": True}
    explorer.controls["batch_size"].value = 16  # as a student's cell would
    assert explorer.live.values["batch_size"] == 16


def test_a_value_moved_in_the_page_sets_the_control_and_redraws_the_kernels_picture():
    explorer = FACTORIES["ch05_momentum.explore_momentum"]()
    before = bytes(explorer.image.value)
    # a continuous slider: a learning rate between the Python slider's steps
    from_page(explorer.live, lr=0.0123456789, beta=0.55, batch_size=16, nesterov=True)
    assert explorer.values == {"lr": 0.0123456789, "beta": 0.55, "batch_size": 16,
                               "nesterov": True}  # fmt: skip
    assert explorer.last_error is None and explorer.last_warnings == []
    shown = bytes(explorer.image.value)
    assert shown != before
    fresh = FACTORIES["ch05_momentum.explore_momentum"]()
    fresh.set(lr=0.0123456789, beta=0.55, batch_size=16, nesterov=True)
    assert bytes(fresh.image.value) == shown  # the kernel's picture of those values


def test_every_kind_of_control_takes_the_pages_values():
    race = FACTORIES["ch06_adaptive.explore_race"]()
    options = race.controls["optimizers"].options
    from_page(race.live, optimizers=[options[2], options[0]])  # the page's order may differ
    assert race.controls["optimizers"].value == (options[0], options[2])
    taylor = FACTORIES["ch01_error_surfaces.explore_taylor"]()
    menu = taylor.controls["surface"].options
    from_page(taylor.live, surface=menu[-1])
    assert taylor.controls["surface"].value == menu[-1]
    phase = FACTORIES["ch05_momentum.explore_phase"]()
    from_page(phase.live, h=1.2345, beta=0.9)
    assert phase.values == {"h": 1.2345, "beta": 0.9}
    assert all(e.last_error is None and e.last_warnings == [] for e in (race, taylor, phase))


@pytest.mark.parametrize(
    ("name", "changes"),
    [
        ("batch_size", 17),  # not one of the selection slider's options
        ("batch_size", "64"),  # a string for a number
        ("nesterov", 1),  # a number for a check box
        ("lr", True),  # a boolean for a number
        ("lr", None),
    ],
)
def test_a_value_the_control_cannot_take_leaves_it_and_the_page_is_told(name, changes):
    explorer = FACTORIES["ch05_momentum.explore_momentum"]()
    kept = dict(explorer.values)
    from_page(explorer.live, **{name: changes})
    assert explorer.values == kept
    assert explorer.live.values == {n: page.json_value(v) for n, v in kept.items()}
    assert explorer.last_error is None


def test_a_value_beyond_the_slider_is_clamped_and_the_page_told():
    explorer = FACTORIES["ch05_momentum.explore_momentum"]()
    lr = explorer.controls["lr"]
    from_page(explorer.live, lr=1e6)
    assert explorer.values["lr"] == pytest.approx(lr.base**lr.max) == explorer.live.values["lr"]


def test_to_control_by_kind():
    assert live.to_control(W.IntSlider(value=3, min=0, max=9), 4.0) == 4
    assert live.to_control(W.IntSlider(value=3, min=0, max=9), 4.5) is live.REFUSED
    assert live.to_control(W.FloatSlider(value=0.5), 1) == 1.0
    assert live.to_control(W.Checkbox(value=False), True) is True
    assert live.to_control(W.Dropdown(options=["a", "b"]), "c") is live.REFUSED
    assert live.to_control(W.SelectionSlider(options=[1, 2, 4]), 4) == 4
    multi = W.SelectMultiple(options=["x", "y", "z"])
    assert live.to_control(multi, ["z", "x"]) == ("x", "z")
    assert live.to_control(multi, ["x", "w"]) is live.REFUSED
    assert live.to_control(multi, "x") is live.REFUSED


def test_the_book_build_and_a_notebook_without_anywidget_keep_the_kernels_explorer(
    monkeypatch,
):
    factory = FACTORIES["ch05_momentum.explore_momentum"]
    monkeypatch.setattr(live, "AVAILABLE", False)
    explorer = factory()
    assert explorer.live is None and explorer.image in explorer.widget.children
    monkeypatch.setattr(live, "AVAILABLE", True)
    monkeypatch.setenv(frames.ENV, "1")  # building the book: page.py's static explorer
    explorer = factory()
    assert explorer.live is None
    assert 'class="downhill-page"' in explorer._repr_mimebundle_()["text/html"]
