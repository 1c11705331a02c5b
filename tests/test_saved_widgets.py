"""The server extension that keeps a saved notebook's widgets (course_utils.saved_widgets).

The notebooks here are small dicts in the shape JupyterLab sends and writes: outputs that
show a widget (``application/vnd.jupyter.widget-view+json``) beside a PNG, and the widget
state under ``metadata.widgets``. What the hook does in a real JupyterLab, over three
open-save cycles, is tested in ``tests/browser/test_saved_notebooks.py``.
"""

import copy
import importlib
import json
import logging
from pathlib import Path

import pytest

from course_utils import saved_widgets as S

ROOT = Path(__file__).resolve().parents[1]
PNG = "iVBORw0KGgo="  # what the output carries beside the widget view


def model(name, **state):
    return {"model_name": name, "model_module": "@jupyter-widgets/controls",
            "model_module_version": "2.0.0", "state": state}  # fmt: skip


def explorer(ids):
    """The saved models of one explorer: a box holding a slider and an image."""
    box, slider, image, layout = ids
    return {
        box: model(
            "VBoxModel",
            children=[f"IPY_MODEL_{slider}", f"IPY_MODEL_{image}"],
            layout=f"IPY_MODEL_{layout}",
        ),
        slider: model("FloatSliderModel", value=0.1, layout=f"IPY_MODEL_{layout}"),
        image: model("ImageModel", format="png"),
        layout: model("LayoutModel"),
    }


def shown(model_id, png=True):
    data = {S.WIDGET_VIEW: {"model_id": model_id, "version_major": 2, "version_minor": 0}}
    data["text/plain"] = "VBox(...)"
    if png:
        data["image/png"] = PNG
    return {"output_type": "display_data", "data": data, "metadata": {}}


def notebook(outputs, models=None):
    nb = {"cells": [{"cell_type": "code", "source": "explore()", "metadata": {},
                     "outputs": outputs, "execution_count": 1}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}  # fmt: skip
    if models is not None:
        nb["metadata"]["widgets"] = {
            S.WIDGET_STATE: {"version_major": 2, "version_minor": 0, "state": models}
        }
    return nb


A = explorer(["a0", "a1", "a2", "a3"])
B = explorer(["b0", "b1", "b2", "b3"])
STALE = {"old": model("VBoxModel", children=[])}  # saved once, shown by no output now


def test_a_save_without_a_kernel_keeps_the_shown_widgets_from_the_file_on_disk():
    on_disk = notebook([shown("a0"), shown("b0")], {**A, **B, **STALE})
    saving = notebook([shown("a0"), shown("b0")], {})  # what ipywidgets sends: 0 models
    done = S.keep_widget_state(saving, on_disk)
    assert done == {"kept": 8, "unlinked": 0}
    assert S.saved_models(saving) == {**A, **B}  # the stale model is not carried over
    assert S.saved_models(saving) is not S.saved_models(on_disk)
    assert saving["cells"][0]["outputs"] == on_disk["cells"][0]["outputs"]


def test_any_number_of_cycles_keeps_the_same_state():
    on_disk = notebook([shown("a0")], A)
    for _ in range(5):
        saving = notebook([shown("a0")])  # no "widgets" metadata at all
        S.keep_widget_state(saving, copy.deepcopy(on_disk))
        assert S.saved_models(saving) == A
        on_disk = saving


def test_live_widgets_are_saved_as_the_front_end_sends_them():
    live = explorer(["a0", "a1", "a2", "a3"])
    live["a1"]["state"]["value"] = 0.3  # moved since the file was saved
    saving = notebook([shown("a0"), shown("b0")], {**live, **B})
    before = copy.deepcopy(saving)
    assert S.keep_widget_state(saving, notebook([shown("a0")], A)) == {"kept": 0, "unlinked": 0}
    assert saving == before


def test_only_the_missing_part_of_the_state_is_filled_in():
    """A notebook partly run again: one explorer live, the other as it was saved."""
    live_a = explorer(["n0", "n1", "n2", "n3"])
    saving = notebook([shown("n0"), shown("b0")], live_a)
    S.keep_widget_state(saving, notebook([shown("a0"), shown("b0")], {**A, **B}))
    assert S.saved_models(saving) == {**live_a, **B}


def test_a_widget_found_nowhere_falls_back_to_its_picture():
    saving = notebook([shown("gone"), shown("a0"), shown("bare", png=False)], {})
    done = S.keep_widget_state(saving, notebook([shown("a0")], A))
    outputs = saving["cells"][0]["outputs"]
    assert done == {"kept": 4, "unlinked": 2}
    assert set(outputs[0]["data"]) == {"image/png", "text/plain"}  # shown as its PNG
    assert S.WIDGET_VIEW in outputs[1]["data"]
    assert set(outputs[2]["data"]) == {"text/plain"}
    only_view = notebook([{"output_type": "display_data", "metadata": {},
                           "data": {S.WIDGET_VIEW: {"model_id": "x"}}}])  # fmt: skip
    S.keep_widget_state(only_view)
    assert S.WIDGET_VIEW in only_view["cells"][0]["outputs"][0]["data"]  # nothing else to show


def test_widgets_shown_inside_an_output_widget_are_kept():
    out = {"out": model("OutputModel", outputs=[shown("a0")])}
    saving = notebook([shown("out")], {})
    S.keep_widget_state(saving, notebook([shown("out")], {**out, **A, **STALE}))
    assert S.saved_models(saving) == {**out, **A}


def test_notebooks_without_widgets_are_left_alone():
    plain = notebook([{"output_type": "stream", "name": "stdout", "text": "hi\n"}])
    markdown = {"cells": [{"cell_type": "markdown", "source": "# x", "metadata": {}}],
                "metadata": {}}  # fmt: skip
    for nb in (plain, markdown):
        before = copy.deepcopy(nb)
        assert S.keep_widget_state(nb, None) == {"kept": 0, "unlinked": 0}
        assert nb == before


class _Contents:
    """The part of a Jupyter contents manager the hook uses."""

    def __init__(self, root):
        self.root_dir = str(root)
        self.log = logging.getLogger("test-contents")


def test_the_pre_save_hook_reads_the_file_it_replaces(tmp_path):
    (tmp_path / "book").mkdir()
    path = tmp_path / "book" / "03.ipynb"
    path.write_text(json.dumps(notebook([shown("a0")], A)), encoding="utf-8")
    model_ = {"type": "notebook", "format": "json", "content": notebook([shown("a0")], {})}
    S.pre_save_hook(model=model_, path="/book/03.ipynb", contents_manager=_Contents(tmp_path))
    assert S.saved_models(model_["content"]) == A
    new = {"type": "notebook", "content": notebook([shown("z0")], {})}  # a new file
    S.pre_save_hook(model=new, path="book/new.ipynb", contents_manager=_Contents(tmp_path))
    assert S.WIDGET_VIEW not in new["content"]["cells"][0]["outputs"][0]["data"]
    text = {"type": "file", "format": "text", "content": "not a notebook"}
    S.pre_save_hook(model=text, path="book/x.txt", contents_manager=_Contents(tmp_path))
    assert text["content"] == "not a notebook"


def test_the_environment_enables_the_server_extension():
    """jupyter/jupyter_server_config.json (installed by make env and postBuild) names this
    module, and it is a Jupyter server extension that registers the hook."""
    config = json.loads((ROOT / "jupyter" / "jupyter_server_config.json").read_text())
    enabled = [m for m, on in config["ServerApp"]["jpserver_extensions"].items() if on]
    assert enabled == ["course_utils.saved_widgets"]
    module = importlib.import_module(enabled[0])
    assert module._jupyter_server_extension_points() == [{"module": enabled[0]}]

    class Server:
        class contents_manager:  # noqa: N801 - the attribute's name on a ServerApp
            hooks = []
            register_pre_save_hook = hooks.append

    module._load_jupyter_server_extension(Server)
    assert Server.contents_manager.hooks == [S.pre_save_hook]
    for script in ("Makefile", "postBuild"):
        text = (ROOT / script).read_text()
        assert "jupyter/jupyter_server_config.json" in text
        assert "etc/jupyter/jupyter_server_config.d" in text or "SERVER_CONFIG" in text


@pytest.mark.parametrize("bad", [None, [], "x", {"metadata": None, "cells": []}])
def test_odd_files_on_disk_change_nothing_but_the_dangling_views(bad):
    saving = notebook([shown("a0")], A)
    before = copy.deepcopy(saving)
    S.keep_widget_state(saving, bad if isinstance(bad, dict) else None)
    assert saving == before
