"""The course's repository: one setting that the launch buttons and Colab cells follow.

``repository.url`` in ``_config.yml`` names the course's public git repository. The
book's Binder, Colab and JupyterHub buttons, its repository button and the Colab cell
of every chapter follow it:

- as a Sphinx extension (``sphinx.local_extensions`` in ``_config.yml``), this module
  removes the launch and repository buttons while the URL is empty, as it is in a fresh
  copy of the course, so that no button leads to a repository that does not exist. A
  JupyterHub button needs a hub as well (``launch_buttons.jupyterhub_url``); its links
  go through nbgitpuller, which clones the course into the student's hub. Colab opens
  notebooks from GitHub only, so a repository elsewhere gets no Colab button;
- as a script (``make set-repo URL=… [BRANCH=…] [HUB=…]``), it writes the URL (and the
  branch, and the hub) into ``_config.yml`` and the Colab cell of every chapter.

The Colab cell sits right after a chapter's title and objectives, folded in JupyterLab
(``jupyter.source_hidden``) and as a form on Colab (``# @title``), and removed from the
book (tag ``remove-cell``). On Colab it clones the repository and installs
``course_utils``; elsewhere it does nothing.
"""

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAUNCHERS = ("binderhub_url", "jupyterhub_url", "colab_url")
COLAB_MARKER = 'if "google.colab" in sys.modules:'

COLAB_CELL = """\
# @title Colab only: fetch the course and install course_utils
# Elsewhere this cell does nothing. `make set-repo` writes the repository here.
import os
import subprocess
import sys

REPOSITORY = "{url}"
BRANCH = "{branch}"
COURSE = "/content/downhill"
if "google.colab" in sys.modules:
    if not os.path.isdir(COURSE):
        if not REPOSITORY:
            raise RuntimeError(
                "This copy of the course names no repository to fetch "
                "course_utils from: see 'Launch buttons' in its README."
            )
        git = ["git", "clone", "--depth", "1", "--branch", BRANCH]
        subprocess.run([*git, REPOSITORY, COURSE], check=True)
        pip = [sys.executable, "-m", "pip", "install", "-q", "-e", COURSE]
        subprocess.run(pip, check=True)
    if COURSE not in sys.path:
        sys.path.insert(0, COURSE)"""

COLAB_METADATA = {
    "cellView": "form",
    "jupyter": {"source_hidden": True},
    "tags": ["remove-cell"],
}


# --- the Sphinx extension ------------------------------------------------------------
def buttons_follow_the_repository(app, config):
    """Show the launch and repository buttons only if ``repository.url`` is set."""
    options = config.html_theme_options
    url = (options.get("repository_url") or "").strip()
    if not url:
        for key in ("launch_buttons", "repository_url"):
            options.pop(key, None)
        options["use_repository_button"] = False
        return
    options["use_repository_button"] = True
    launch = dict(options.get("launch_buttons") or {})
    if "github.com/" not in url.lower():
        launch.pop("colab_url", None)
    options["launch_buttons"] = {
        k: v for k, v in launch.items() if k not in LAUNCHERS or v
    }


def setup(app):
    app.connect("config-inited", buttons_follow_the_repository)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


# --- the settings and the Colab cells ------------------------------------------------
def colab_cell(url, branch="main"):
    """The source of the Colab cell that fetches ``url`` at ``branch``."""
    return COLAB_CELL.format(url=url, branch=branch)


def is_colab_cell(cell):
    text = cell["source"]
    text = "".join(text) if isinstance(text, list) else text
    return cell["cell_type"] == "code" and COLAB_MARKER in text


def chapters(root=ROOT):
    return sorted((Path(root) / "book").glob("[0-9][0-9]_*.ipynb"))


def _check_url(name, value, required):
    if not value and not required:
        return value
    if not re.fullmatch(r"https://[^\s\"'\\]+", value or ""):
        raise ValueError(f"{name} must be an https:// URL, got {value!r}")
    return value.rstrip("/")


def set_repository(url, branch="main", hub=None, root=ROOT):
    """Write the repository ``url`` (``""``: none), ``branch`` and, unless ``None``, the
    JupyterHub ``hub`` into ``_config.yml`` and every chapter's Colab cell.

    Returns the paths of the files written.
    """
    url = _check_url("URL", url, required=False)
    hub = None if hub is None else _check_url("HUB", hub, required=False)
    if not re.fullmatch(r"[\w./-]+", branch or ""):
        raise ValueError(f"BRANCH must be a git branch name, got {branch!r}")
    config = Path(root) / "_config.yml"
    text = config.read_text(encoding="utf-8")
    values = {"repository": {"url": url, "branch": branch}}
    if hub is not None:
        values["launch_buttons"] = {"jupyterhub_url": hub}
    for section, keys in values.items():
        for key, value in keys.items():
            text = _set_key(text, section, key, value)
    config.write_text(text, encoding="utf-8")
    written = [config]
    for path in chapters(root):
        nb = json.loads(path.read_text(encoding="utf-8"))
        cells = [c for c in nb["cells"] if is_colab_cell(c)]
        if len(cells) != 1:
            raise ValueError(
                f"{path.name} must have one Colab cell, has {len(cells)}"
            )
        cells[0]["source"] = colab_cell(url, branch).splitlines(keepends=True)
        path.write_text(
            json.dumps(nb, indent=1, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
        written.append(path)
    return written


def _set_key(text, section, key, value):
    """``text`` (YAML) with ``section.key`` set to the string ``value``, comments kept."""
    lines, current, count = text.splitlines(keepends=True), None, 0
    for i, line in enumerate(lines):
        if re.match(r"[A-Za-z_]", line):
            current = line.split(":")[0]
        elif current == section and re.match(rf"  {key}:", line):
            lines[i] = f"  {key}: {json.dumps(value)}\n"
            count += 1
    if count != 1:
        raise ValueError(f"_config.yml has no {section}.{key} to set")
    return "".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="https://github.com/<you>/<repo>, or none")
    parser.add_argument("--branch", default="main")
    parser.add_argument(
        "--hub", default=None, help="a JupyterHub with nbgitpuller"
    )
    args = parser.parse_args(argv)
    args.url = "" if args.url == "none" else args.url
    args.hub = "" if args.hub == "none" else args.hub
    try:
        written = set_repository(args.url, args.branch, args.hub)
    except ValueError as exc:
        print(f"set-repo: {exc}", file=sys.stderr)
        return 2
    print(
        f"repository: {args.url or '(none: no launch buttons)'}; wrote "
        f"{len(written)} files. Rebuild the book (make book) and commit them."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
