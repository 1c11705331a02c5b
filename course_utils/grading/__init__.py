"""Release the book's exercises to students and grade their copies with nbval.

Run it as ``python -m course_utils.grading <command>``: ``validate``, ``release``,
``check`` and ``grade`` (see ``README.md``, "For instructors"); the editions of the
book as ``python -m course_utils.grading.editions {html,student,pdf}``.

Modules, one idea each:

- :mod:`~course_utils.grading.notebook`: notebook surgery (exercises, solution stubs,
  the student copy, the graded notebook);
- :mod:`~course_utils.grading.scan`: answers that reach for the grading machinery;
- :mod:`~course_utils.grading.run`: one graded notebook under nbval, isolated, and
  what each exercise's cells did (its evidence);
- :mod:`~course_utils.grading.sandbox`: the student's kernel under bubblewrap, and the
  relay nbval talks to it through;
- :mod:`~course_utils.grading.nbval_plugin` and :mod:`~course_utils.grading.report`: the
  grader's pytest plugin, which records each cell's outcome as data as it runs;
- :mod:`~course_utils.grading.status`: the statuses, and the one policy that turns an
  exercise's evidence and flags into points, status and detail;
- :mod:`~course_utils.grading.gradebook`: a whole class into ``gradebook.csv``;
- :mod:`~course_utils.grading.book`: validate, release, solution text where students
  can see it;
- :mod:`~course_utils.grading.editions`: stage and build the editions of the book (the
  HTML book, the student edition, the PDF): the one caller of ``jupyter-book build``;
- :mod:`~course_utils.grading.pdf`: the TeX the PDF edition needs, and its text read back.
"""
