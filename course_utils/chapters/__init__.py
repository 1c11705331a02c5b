"""The chapters' own code, one package per notebook, built on the reusable core.

Each ``chNN_<slug>`` holds that chapter's experiments, its explorers (``explorers``) and
its exercise checks (``checks``). A chapter imports the core and, rarely, an earlier
chapter; the core never imports a chapter.
"""
