"""The checking kit for the exercises: feedback (expected / got / hint) and safe calls in
``_feedback``; each chapter's checks live in ``course_utils.chapters.chNN_<slug>.checks``."""

from course_utils.exercises._feedback import ExerciseError

__all__ = ["ExerciseError"]
