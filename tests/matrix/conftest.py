"""The session's runs of the test matrix (``matrix_runs.Runs``), started together."""

import pytest
from matrix_runs import M, Runs, chapter_keys


def _keys(item):
    """The runs a selected test of the matrix waits for."""
    params = getattr(item, "callspec", None)
    params = params.params if params else {}
    name = item.originalname
    if name == "test_every_check_moves_by_far_less_than_it_allows":
        return chapter_keys()
    if name == "test_chapter_runs_with_its_reference_solutions_and_checks":
        return [("chapter", params["run"], params["notebook"].name)]
    if name == "test_validate_passes_under_other_cpu_kernels":
        return [("validate", params["run"])]
    if name == "test_unit_tests_pass_in_the_oldest_and_newest_environments":
        return [("unit", params["run"])]
    return []


@pytest.fixture(scope="session")
def runs(request):
    r = Runs()
    keys = [key for item in request.session.items for key in _keys(item)]
    # the longest runs first (validate, the unit tests), so that both workers stay busy
    order = {"validate": 0, "unit": 1, "chapter": 2}
    r.start(sorted(dict.fromkeys(keys), key=lambda k: (order[k[0]], k[1] in M.ENVIRONMENTS)))
    yield r
    r.close()
