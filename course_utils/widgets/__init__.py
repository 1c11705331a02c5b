"""Interactive explorers for the chapters (ipywidgets); shared machinery in ``_core``."""

from course_utils.widgets._core import Explorer, batch_slider, lr_slider

__all__ = ["Explorer", "batch_slider", "lr_slider"]
