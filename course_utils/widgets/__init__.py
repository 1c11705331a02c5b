"""The explorer kit (ipywidgets): Explorer, sliders, the sweep; each chapter's explorers live in
``course_utils.chapters.chNN_<slug>.explorers``."""

from course_utils.widgets._core import Explorer, batch_slider, lr_slider

__all__ = ["Explorer", "batch_slider", "lr_slider"]
