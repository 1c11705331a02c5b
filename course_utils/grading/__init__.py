"""Release the book's exercises to students and grade their copies with nbval.

Run it as ``python -m course_utils.grading <command>``: ``validate``, ``release``,
``check``, ``grade`` and ``student-book`` (see ``README.md``, "For instructors").

Modules, one idea each:

- :mod:`~course_utils.grading.notebook`: notebook surgery (exercises, solution stubs,
  the student copy, the graded notebook);
- :mod:`~course_utils.grading.scan`: answers that reach for the grading machinery;
- :mod:`~course_utils.grading.run`: one graded notebook under nbval, isolated, and
  its pytest results turned into points;
- :mod:`~course_utils.grading.gradebook`: a whole class into ``gradebook.csv``;
- :mod:`~course_utils.grading.book`: validate, release, the student edition;
- :mod:`~course_utils.grading.status`: what each gradebook status means.
"""
