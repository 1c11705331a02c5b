"""How an explorer looks when a saved notebook is opened again.

JupyterLab and Notebook 7 keep the widgets' state in the notebook when it is saved (the
environment's settings turn this on: ``jupyter/downhill.json``, which ``make env`` and
Binder's ``postBuild`` install). A reopened explorer then shows its sliders and its last
picture, but no kernel is behind them until the cell runs again. ipywidgets gives the
view of a widget without a kernel connection the CSS class
``jupyter-widgets-disconnected``; :func:`note` is a line of text that only shows then.
"""

import html

import ipywidgets as W

#: The line a reopened notebook shows under each explorer until its cell runs again.
NOTE = "This is the picture saved with the notebook: run the cell to move the sliders."

_CSS = (
    ".downhill-saved-note {display: none;}"
    ".jupyter-widgets-disconnected .downhill-saved-note, .jupyter-widgets-disconnected"
    ".downhill-saved-note {display: block; font-size: 0.9em; color: #5a4a00;"
    " background: #fff7d6; padding: 0.2em 0.6em; border-radius: 3px;}"
)


def note():
    """An HTML widget with :data:`NOTE`, visible only while the explorer has no kernel."""
    return W.HTML(
        f'<style>{_CSS}</style><div class="downhill-saved-note">{html.escape(NOTE)}</div>'
    )
