"""Find every explorer and drive its controls over their ranges.

The widget tests and ``benchmarks/widgets.py`` share this: a student can set any
value a control allows, so every one of them must give a picture without an error
or a warning, and quickly.
"""

import importlib
import inspect
import pkgutil

import ipywidgets as W
import numpy as np

import course_utils.widgets as _pkg


def explorer_factories():
    """Return ``{"module.explore_name": function}`` for every ``explore_*`` function."""
    found = {}
    for info in sorted(pkgutil.iter_modules(_pkg.__path__), key=lambda m: m.name):
        if info.name.startswith("_") or info.name in ("sweep", "frames", "saved"):
            continue
        module = importlib.import_module(f"{_pkg.__name__}.{info.name}")
        for name, func in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("explore_") and func.__module__ == module.__name__:
                found[f"{info.name}.{name}"] = func
    return found


def control_values(control, n=5):
    """A handful of values spanning what ``control`` allows, ends included."""
    if isinstance(control, W.FloatLogSlider):
        exps = np.linspace(control.min, control.max, n)
        return [float(control.base**e) for e in exps]
    if isinstance(control, (W.FloatSlider, W.IntSlider)):
        values = np.linspace(control.min, control.max, n)
        if isinstance(control, W.IntSlider):
            return sorted({int(round(v)) for v in values})
        return [float(v) for v in values]
    if isinstance(control, W.SelectMultiple):
        options = list(control.options)
        return [()] + [(o,) for o in options] + [tuple(options)]
    if isinstance(control, (W.SelectionSlider, W.Dropdown, W.ToggleButtons, W.RadioButtons)):
        return list(control.options)
    if isinstance(control, (W.Checkbox, W.ToggleButton)):
        return [False, True]
    raise TypeError(f"no sweep defined for {type(control).__name__}")


def settings(explorer, n=5):
    """Yield dicts of control values: each control alone over its range, then all ends."""
    defaults = explorer.values
    for name, control in explorer.controls.items():
        for value in control_values(control, n):
            yield {**defaults, name: value}
    for pick in (0, -1):
        yield {name: control_values(c, n)[pick] for name, c in explorer.controls.items()}
