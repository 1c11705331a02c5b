"""A class graded as tasks of a Dask cluster (``course_utils.grading.cluster``)."""

import os
import signal
import threading

import nbformat
import pytest

from course_utils.grading import cluster
from course_utils.grading import gradebook as G

from .students import filled, needs_chapter, released, save, wrong


def _class(chapter, root):
    ids, ref = list(chapter.exercises), chapter.template.reference
    save(filled(chapter), root / "ann", chapter.name)
    save(filled(chapter, {ids[0]: wrong(ref[ids[0]])}), root / "bob", chapter.name)
    save(released(chapter), root / "cy", chapter.name)
    save(filled(chapter, {ids[1]: "raise ValueError('oops')\n"}), root / "=dan", chapter.name)
    (root / "eve").mkdir()  # nothing handed in


@pytest.mark.slow
@needs_chapter
def test_a_dask_run_with_a_worker_killed_equals_the_local_run(chapter, tmp_path):
    from distributed import Client, LocalCluster

    book = tmp_path / "book"
    book.mkdir()
    nbformat.write(chapter.nb, book / chapter.name)
    _class(chapter, tmp_path / "submissions")
    quiet = lambda message: None  # noqa: E731
    G.grade_class(book, tmp_path / "submissions", tmp_path / "local", cell_timeout=20, jobs=2,
                  log=quiet)  # fmt: skip
    with LocalCluster(n_workers=3, threads_per_worker=1, processes=True,
                      dashboard_address=None) as local, Client(local) as client:  # fmt: skip
        killed = []

        def kill_a_busy_worker():
            address = cluster.wait_for_work(client)
            if address is not None:
                pid = client.run(os.getpid, workers=[address])[address]
                os.kill(pid, signal.SIGKILL)  # mid-task: its task runs again elsewhere
                killed.append(pid)

        killer = threading.Thread(target=kill_a_busy_worker)
        killer.start()
        graded, failures = G.grade_class(book, tmp_path / "submissions", tmp_path / "dask",
                                         cell_timeout=20, scheduler=client, log=quiet)  # fmt: skip
        killer.join()
    assert killed and failures == [] and graded == 5
    for name in ("gradebook.csv", "totals.csv", "canvas.csv", "moodle.csv"):
        assert (tmp_path / "dask" / name).read_text() == (tmp_path / "local" / name).read_text()
    local_feedback = sorted(p.name for p in (tmp_path / "local" / "feedback").iterdir())
    assert sorted(p.name for p in (tmp_path / "dask" / "feedback").iterdir()) == local_feedback
