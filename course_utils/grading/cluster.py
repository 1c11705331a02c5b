"""A class of thousands: the submissions as tasks on a Dask cluster (``dask.distributed``).

``grade --dask`` starts a :class:`distributed.LocalCluster` of ``--jobs`` worker
processes on this machine; ``--scheduler tcp://host:8786`` uses a running cluster
instead (one started with ``dask scheduler`` / ``dask worker``, or through dask-jobqueue
on SLURM or dask-kubernetes: the deployment is the instructor's choice). Each task grades
one student's copy of one chapter, sandbox and all, on a worker, and returns that copy's
gradebook rows: plain data. The coordinator, the process that runs ``grade``, is the
gradebook's one writer (:mod:`~course_utils.grading.gradebook`), as in a local run.

Every worker must see the book, the instructor's folder and the submissions at the same
paths as the coordinator (one machine, or a shared file system), and have bubblewrap and
the course environment. A worker lost in the middle of a task (killed, out of memory, its
machine gone) costs that task only: the scheduler runs it again on another worker. A
task that fails for the grader's own reason (:class:`~course_utils.grading.run.GraderError`)
is tried again :data:`RETRIES` times, then reported like a local failure.
"""

import threading
import time
from pathlib import Path

from course_utils.grading import gradebook as G

RETRIES = 2
_CHAPTERS = {}  # (book, notebook name) -> Chapter, per worker process
_LOCK = threading.Lock()


def _chapter(book, name):
    """The instructor's chapter, read once per worker process."""
    key = (str(book), name)
    with _LOCK:
        if key not in _CHAPTERS:
            _CHAPTERS[key] = G.Chapter(Path(book) / name)
        return _CHAPTERS[key]


def grade_task(student, folder, book, name, names, cell_timeout, limit, isolation):
    """One task: ``(rows, seconds)`` of ``student``'s copy of notebook ``name``."""
    chapter = _chapter(book, name)
    return G.timed(student, Path(folder), chapter, names, cell_timeout, limit, isolation)


def client_for(scheduler, jobs):
    """``(client, cluster)``: a client of the scheduler at address ``scheduler``, or of a
    new local cluster of ``jobs`` single-threaded worker processes (``cluster`` is then
    the one to close; None otherwise). ``scheduler`` may also be a client already."""
    from distributed import Client, LocalCluster

    if scheduler is not None and not isinstance(scheduler, str):
        return scheduler, None
    if scheduler:
        return Client(scheduler), None
    cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True,
                           dashboard_address=None)  # fmt: skip
    return Client(cluster), cluster


def run(tasks, book, names, cell_timeout, limit, isolation, scheduler=None, jobs=1):
    """Grade ``tasks`` (``[(student, folder, chapter)]``) on the cluster; yield
    ``(student, notebook name, (rows, seconds) or the exception)`` as each finishes."""
    from distributed import as_completed

    client, cluster = client_for(scheduler, jobs)
    try:
        futures = {}
        for student, folder, chapter in tasks:
            future = client.submit(grade_task, student, str(folder), str(book), chapter.name,
                                   names, cell_timeout, limit, isolation, pure=False,
                                   retries=RETRIES)  # fmt: skip
            futures[future] = (student, chapter.name)
        for future in as_completed(futures):
            student, name = futures.pop(future)
            try:
                yield student, name, future.result()
            except Exception as exc:  # noqa: BLE001 - reported by the coordinator
                yield student, name, exc
    finally:
        for future in futures:
            future.cancel()
        if cluster is not None:
            client.close()
            cluster.close()


def wait_for_work(client, timeout=120.0):
    """The address of a worker busy with a task (for tests that kill one), or None."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        busy = [addr for addr, keys in client.processing().items() if keys]
        if busy:
            return busy[0]
        time.sleep(0.2)
    return None
