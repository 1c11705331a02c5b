"""Checkers for the chapters' exercises: a module per chapter, feedback in ``_feedback``."""

from course_utils.exercises._feedback import ExerciseError

__all__ = ["ExerciseError"]
