"""A saved notebook keeps its widgets when it is saved again without a kernel.

JupyterLab and Notebook 7 save the widgets' state into the notebook (the course's
setting ``jupyter/downhill.json``), so that a reopened explorer shows its last picture
(:mod:`course_utils.widgets.saved`). But ipywidgets saves only the widgets that have a
live kernel connection (its ``get_state_sync`` keeps the models whose ``comm_live`` is
true), and the widgets restored from the file have none. So once a reopened notebook is
saved (and opening one marks it changed, so autosave does it), its widget state is empty,
and the next opening shows "Error displaying widget: model not found" where the pictures
were: jupyter-widgets/ipywidgets#3270 and #3888 (the fix proposed in #4015 is not merged).

This module works around it on the Jupyter server, just before the file is written
(:func:`keep_widget_state`, a pre-save hook):

- every widget that an output of the notebook still shows, and that the state being
  saved lacks, is copied from the file on disk, with the widgets it refers to (its
  children, layout and style): the picture survives any number of open–save cycles;
- an output whose widget is in neither loses its widget view, so that the front end
  shows the output's other representation (an explorer's ``image/png``, its default
  picture) instead of an error.

Widgets that no output shows any more are not carried over. ``make env`` and Binder's
``postBuild`` enable it as a server extension (``jupyter/jupyter_server_config.json``).
It imports nothing but the standard library, so that the server starts as fast as
without it.
"""

import copy
import json
import re
from pathlib import Path

WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# How one widget's saved state names another: a child, a layout, a style
# ("IPY_MODEL_<id>"), or a widget shown inside an Output widget ("model_id": "<id>").
_REFERENCE = re.compile(r'IPY_MODEL_([\w-]+)|"model_id": "([\w-]+)"')


def _outputs(nb):
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            yield from cell.get("outputs", [])


def _view(output):
    view = (output.get("data") or {}).get(WIDGET_VIEW)
    return view.get("model_id") if isinstance(view, dict) else None


def shown_models(nb):
    """The ids of the widgets that the outputs of ``nb`` (a notebook as a dict) show."""
    return [model_id for output in _outputs(nb) if (model_id := _view(output))]


def saved_models(nb):
    """``{model id: saved model}`` of the widget state of ``nb`` (empty if none)."""
    state = ((nb.get("metadata") or {}).get("widgets") or {}).get(WIDGET_STATE) or {}
    return dict(state.get("state") or {})


def _closure(ids, models):
    """``ids`` and every model they refer to, directly or not, that ``models`` holds."""
    found, todo = set(), list(ids)
    while todo:
        model_id = todo.pop()
        if model_id in found or model_id not in models:
            continue
        found.add(model_id)
        for match in _REFERENCE.finditer(json.dumps(models[model_id])):
            todo.append(match.group(1) or match.group(2))
    return found


def keep_widget_state(nb, on_disk=None):
    """Complete the widget state of ``nb`` before it is saved; return what was done.

    ``nb`` is the notebook about to be written (a dict, changed in place), ``on_disk``
    the version it replaces (a dict, or None). Every widget that an output of ``nb``
    shows and its state lacks is copied from ``on_disk``, with the widgets it refers to;
    an output whose widget is in neither loses its widget view if it has another
    representation (a PNG, plain text).

    Returns
    -------
    dict
        ``{"kept": n, "unlinked": m}``: the models copied from ``on_disk``, the outputs
        left without their widget view.
    """
    models = saved_models(nb)
    older = saved_models(on_disk or {})
    missing = [m for m in shown_models(nb) if m not in models]
    kept = {
        m: copy.deepcopy(older[m])
        for m in sorted(_closure(missing, {**older, **models}))
        if m not in models
    }
    if kept:
        metadata = nb.setdefault("metadata", {})
        widgets = metadata.get("widgets") or {}
        state = dict(widgets.get(WIDGET_STATE) or {"version_major": 2, "version_minor": 0})
        state["state"] = models = {**models, **kept}
        metadata["widgets"] = {**widgets, WIDGET_STATE: state}
    unlinked = 0
    for output in _outputs(nb):
        data = output.get("data") or {}
        if _view(output) and _view(output) not in models and len(data) > 1:
            del data[WIDGET_VIEW]
            unlinked += 1
    return {"kept": len(kept), "unlinked": unlinked}


def pre_save_hook(model, path, contents_manager, **kwargs):
    """The Jupyter server's pre-save hook: :func:`keep_widget_state` on every notebook,
    against the file it replaces (read from the server's ``root_dir``)."""
    nb = model.get("content")
    if model.get("type") != "notebook" or not isinstance(nb, dict):
        return
    on_disk = None
    root = getattr(contents_manager, "root_dir", None)
    if root and any(m not in saved_models(nb) for m in shown_models(nb)):
        try:
            on_disk = json.loads((Path(root) / path.strip("/")).read_text(encoding="utf-8"))
        except (OSError, ValueError):  # a new file, or not JSON: nothing to keep
            on_disk = None
        if not isinstance(on_disk, dict):
            on_disk = None
    done = keep_widget_state(nb, on_disk)
    if any(done.values()):
        contents_manager.log.info(
            "%s: %d saved widget models kept, %d outputs shown without their widget",
            path,
            done["kept"],
            done["unlinked"],
        )


def _jupyter_server_extension_points():
    return [{"module": __name__}]


def _load_jupyter_server_extension(server_app):
    """Register :func:`pre_save_hook` with the server's contents manager."""
    server_app.contents_manager.register_pre_save_hook(pre_save_hook)
