"""The course's repository setting: launch buttons and Colab cells follow ``_config.yml``.

``book/_ext/course_repository.py`` is both the Sphinx extension that hides the buttons
while no repository is set and the script behind ``make set-repo``.
"""

import re
import shutil
import sys
from html import unescape
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from course_utils.grading import editions as E

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "book" / "_ext"))
import course_repository as R  # noqa: E402

FORK = "https://github.com/alice/downhill-fork"
HUB = "https://hub.uni.example"


def theme(url, **launch):
    buttons = {
        "notebook_interface": "jupyterlab",
        "binderhub_url": "https://mybinder.org",
        "colab_url": "https://colab.research.google.com",
        "jupyterhub_url": "",
        **launch,
    }
    options = {"repository_url": url, "launch_buttons": buttons}
    config = SimpleNamespace(html_theme_options=options)
    R.buttons_follow_the_repository(None, config)
    return options


def test_no_repository_no_launch_or_repository_button():
    options = theme("")
    assert "launch_buttons" not in options and "repository_url" not in options
    assert options["use_repository_button"] is False


def test_a_github_repository_gets_binder_and_colab_and_a_hub_only_when_set():
    options = theme(FORK)
    assert options["use_repository_button"] is True
    assert set(options["launch_buttons"]) == {"notebook_interface", "binderhub_url", "colab_url"}
    assert theme(FORK, jupyterhub_url=HUB)["launch_buttons"]["jupyterhub_url"] == HUB


def test_colab_opens_github_only():
    options = theme("https://gitlab.com/alice/downhill")
    assert "colab_url" not in options["launch_buttons"]
    assert options["launch_buttons"]["binderhub_url"] == "https://mybinder.org"


@pytest.fixture
def course(tmp_path):
    """A copy of the repository's ``_config.yml`` and chapters."""
    shutil.copy(ROOT / "_config.yml", tmp_path / "_config.yml")
    (tmp_path / "book").mkdir()
    for path in R.chapters(ROOT):
        shutil.copy(path, tmp_path / "book" / path.name)
    return tmp_path


def test_set_repository_writes_config_and_every_colab_cell(course):
    before = (course / "_config.yml").read_text()
    written = R.set_repository(FORK + "/", branch="course-2027", hub=HUB, root=course)
    assert len(written) == 1 + 7
    config = yaml.safe_load((course / "_config.yml").read_text())
    assert config["repository"]["url"] == FORK  # trailing slash dropped
    assert config["repository"]["branch"] == "course-2027"
    assert config["launch_buttons"]["jupyterhub_url"] == HUB
    after = (course / "_config.yml").read_text()
    assert after.count("\n") == before.count("\n")  # comments and layout kept
    assert [line for line in after.splitlines() if "#" in line] == [
        line for line in before.splitlines() if "#" in line
    ]
    for path in R.chapters(course):
        cells = [c for c in R.json.loads(path.read_text())["cells"] if R.is_colab_cell(c)]
        assert len(cells) == 1
        text = "".join(cells[0]["source"])
        assert f'REPOSITORY = "{FORK}"' in text and 'BRANCH = "course-2027"' in text
    # Unsetting returns the chapters to exactly what is committed.
    R.set_repository("", branch="main", hub="", root=course)
    for path in R.chapters(course):
        assert path.read_bytes() == (ROOT / "book" / path.name).read_bytes()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"url": "github.com/alice/x"}, "URL must be an https:// URL"),
        ({"url": 'https://x/"; rm -rf /'}, "URL must be an https:// URL"),
        ({"url": FORK, "hub": "hub.example"}, "HUB must be an https:// URL"),
        ({"url": FORK, "branch": "a b"}, "BRANCH must be a git branch name"),
    ],
)
def test_bad_settings_are_refused_by_name(course, kwargs, message):
    before = (course / "_config.yml").read_text()
    with pytest.raises(ValueError, match=message):
        R.set_repository(root=course, **kwargs)
    assert (course / "_config.yml").read_text() == before


def test_colab_cell_runs_outside_colab_without_doing_anything():
    namespace = {}
    exec(R.colab_cell(FORK), namespace)  # noqa: S102 - the cell's own source
    assert namespace["REPOSITORY"] == FORK
    assert "google.colab" not in sys.modules


def _links(html):
    return {unescape(u) for u in re.findall(r'href="([^"]+)"', html)}


@pytest.mark.slow
def test_a_fork_gets_working_launch_links(tmp_path):
    # Build one chapter's page (not executed) of a copy whose repository and hub are
    # set, and read the links of its buttons.
    src = E.stage(ROOT, tmp_path / "src", chapters=["01_error_surfaces"], repository=FORK, hub=HUB)
    done = E.build(src, root=ROOT, execute="off", strict=False)
    assert done.returncode == 0, done.log[-3000:]
    links = _links((done.output / "book/01_error_surfaces.html").read_text())
    page = "book/01_error_surfaces.ipynb"
    assert f"https://mybinder.org/v2/gh/alice/downhill-fork/main?urlpath=lab/tree/{page}" in links
    assert f"https://colab.research.google.com/github/alice/downhill-fork/blob/main/{page}" in links
    # nbgitpuller: the hub clones the fork into the student's home and opens the page.
    pulls = [urlsplit(u) for u in links if u.startswith(f"{HUB}/hub/user-redirect/git-pull?")]
    assert len(pulls) == 1
    assert parse_qs(pulls[0].query) == {
        "repo": [FORK],
        "urlpath": [f"lab/tree/downhill-fork/{page}"],
        "branch": ["main"],
    }
    assert FORK in links  # the repository button
