"""A saved notebook's explorers: how they look when it is opened again.

JupyterLab and Notebook 7 keep the widgets' state in the notebook when it is saved (the
environment's settings turn this on: ``jupyter/downhill.json``, which ``make env`` and
Binder's ``postBuild`` install). A reopened explorer then shows its last picture, but no
kernel is behind it until the notebook runs again. ipywidgets gives the view of a widget
without a kernel connection the CSS class ``jupyter-widgets-disconnected``; :func:`note`
is a line that only shows then, and the same rules hide the explorer's controls, which
would otherwise move without changing the picture. An explorer that the browser computes
(:mod:`.live`) keeps its controls: they still move its picture, and its note says so.

The saved pictures survive a reopened notebook being saved again without a kernel
(which ipywidgets alone does not allow) thanks to a server extension,
``course_utils.saved_widgets``.
"""

import html

import ipywidgets as W

#: The line a reopened notebook shows under each explorer until the notebook runs again.
NOTE = (
    "Saved picture: no kernel is running this explorer, so it cannot move. To move its "
    "sliders, run the notebook from the top (menu Run ▸ Run All Cells); this cell alone "
    "needs the cells above it."
)
#: The line a reopened notebook shows under an explorer that the browser computes
#: (:mod:`.live`): it still moves, with no kernel behind it.
LIVE_NOTE = (
    "Saved notebook: no kernel is running, so this explorer now computes in your browser "
    "alone (the same numbers as the course's Python code), and Python does not see its "
    "sliders. To use it from Python again, run the notebook from the top (menu Run ▸ Run "
    "All Cells); this cell alone needs the cells above it."
)
#: The CSS class of an explorer's outer box (``Explorer.widget``).
EXPLORER_CLASS = "downhill-explorer"
#: ... and the class it adds when the browser computes it (:mod:`.live`).
LIVE_CLASS = "downhill-live-explorer"
CONTROLS_CLASS = "downhill-controls"

_CSS = (
    ".downhill-saved-note {display: none;}"
    ".jupyter-widgets-disconnected .downhill-saved-note, .jupyter-widgets-disconnected"
    ".downhill-saved-note {display: block; font-size: 0.9em; color: #5a4a00;"
    " background: #fff7d6; padding: 0.3em 0.6em; border-radius: 3px; line-height: 1.4;}"
    # a reopened explorer: no sliders that move without a kernel behind them (but a
    # page explorer's move its picture in the browser: they stay)
    f".{EXPLORER_CLASS}.jupyter-widgets-disconnected:not(.{LIVE_CLASS}) .{CONTROLS_CLASS}"
    " {display: none;}"
    # ipywidgets marks every disconnected widget with an icon: once per explorer is enough
    f".{EXPLORER_CLASS} .jupyter-widgets-disconnected::before {{display: none;}}"
)


def note(live=False):
    """An HTML widget with :data:`NOTE` (:data:`LIVE_NOTE` if ``live``), visible only while
    the explorer has no kernel."""
    text = LIVE_NOTE if live else NOTE
    return W.HTML(
        f'<style>{_CSS}</style><div class="downhill-saved-note">{html.escape(text)}</div>'
    )
