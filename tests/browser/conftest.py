"""Fixtures of the browser tests: Debian's chromium through Playwright, the built book
on a loopback port, and a JupyterLab server on a temporary copy of ``book/``.

Without chromium (and outside CI) the test modules skip themselves, with one reason that
names the package to install (``browser_support.skip_without_chromium``).
"""

import contextlib
import functools
import http.server
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from browser_support import (
    CHROMIUM_FLAGS,
    NO_CHROMIUM,
    OTHER_HOSTS,
    REQUIRE_ENV,
    ROOT,
    block,
    find_chromium,
)


def pytest_terminal_summary(terminalreporter):
    """One line per chapter with the times the JupyterLab test measured."""
    reports = terminalreporter.stats.get("passed", []) + terminalreporter.stats.get("failed", [])
    lines = [
        f"{r.nodeid.split('[')[-1].rstrip(']')}: "
        + ", ".join(f"{name} {value}" for name, value in r.user_properties)
        for r in reports
        if r.when == "call" and r.user_properties and "test_jupyterlab.py::" in r.nodeid
    ]
    if lines:
        terminalreporter.write_sep("-", "JupyterLab timings")
        for line in lines:
            terminalreporter.write_line(line)


# --- chromium ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def playwright_driver():
    """Playwright's driver, started once: a session can run only one (sync API)."""
    if find_chromium() is None:
        pytest.fail(f"{NO_CHROMIUM} ({REQUIRE_ENV} is set)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def chromium(playwright_driver, tmp_path_factory):
    """One headless chromium for the session (a persistent context on a fresh profile).

    Requests to hosts other than loopback are aborted for every page it opens.
    """
    context = playwright_driver.chromium.launch_persistent_context(
        user_data_dir=str(tmp_path_factory.mktemp("chromium-profile")),
        executable_path=find_chromium(),
        headless=True,
        args=CHROMIUM_FLAGS,
        viewport={"width": 1280, "height": 900},
    )
    try:
        context.set_default_timeout(30_000)
        context.route(OTHER_HOSTS, block)
        yield context
    finally:
        context.close()


@pytest.fixture(scope="session")
def browser(playwright_driver):
    """A second headless chromium, for tests that need fresh contexts of their own (a
    phone's viewport at a device pixel ratio); each context must block other hosts."""
    chromium = playwright_driver.chromium.launch(
        executable_path=find_chromium(), args=CHROMIUM_FLAGS
    )
    try:
        yield chromium
    finally:
        chromium.close()


# --- the rendered book ---------------------------------------------------------------


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the signature of the base class
        pass


@pytest.fixture(scope="session")
def book_url(built_book):
    """``_build/html`` served on a loopback port: the base URL, ending in ``/``."""
    handler = functools.partial(_QuietHandler, directory=str(built_book))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


# --- JupyterLab ----------------------------------------------------------------------

# User settings of the temporary JupyterLab: start the notebook's kernel without asking
# (by default a "Select Kernel" dialog waits for a click), render every cell (the default
# windowing may leave cells far below the viewport out of the layout), and no news or
# update checks (they would ask the internet, and their notification covers the page).
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker": {
        "autoStartDefaultKernel": True,
        "windowingMode": "none",
    },
    "@jupyterlab/apputils-extension/notification": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}


class Lab:
    """A running JupyterLab server: its base URL, token and root directory."""

    def __init__(self, url, token, root, process, log_path):
        self.url, self.token, self.root = url, token, root
        self.process, self.log_path = process, log_path

    def api(self, method, path, timeout=10):
        request = urllib.request.Request(
            f"{self.url}{path}", method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
        return json.loads(body) if body else None

    def wait_for_idle_kernel(self, path, timeout=90):
        """Wait until the notebook at ``path`` has a started kernel that is idle."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for session in self.api("GET", "api/sessions"):
                kernel = session.get("kernel") or {}
                if session.get("path") == path and kernel.get("execution_state") == "idle":
                    return
            time.sleep(0.25)
        raise AssertionError(f"no idle kernel for {path} after {timeout} s:\n{self.log()}")

    def shutdown_kernels(self):
        """End every session (and so its kernel): one kernel at a time on this machine."""
        for session in self.api("GET", "api/sessions"):
            self.api("DELETE", f"api/sessions/{session['id']}")

    def log(self):
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-4000:]


def _descendants(pid):
    """(pid, start time) of every process below ``pid``, from /proc (Linux)."""
    children = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        children.setdefault(int(fields[1]), []).append((int(entry.name), fields[19]))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child[0])
    return found


def _kill_if_same(pid, start, sig):
    """Signal ``pid`` only if it is still the process that started at ``start``."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        if stat[stat.rindex(")") + 2 :].split()[19] == start:
            os.kill(pid, sig)
    except (OSError, ValueError):
        pass


@pytest.fixture(scope="session")
def jupyterlab(tmp_path_factory):
    """JupyterLab from this environment on a loopback port, with a random token.

    It serves a temporary copy of ``book/`` (so nothing is written into the repository)
    with temporary settings, workspaces, runtime and IPython directories. At the end the
    server is asked to shut down, then its process group and its kernels (each in a
    session of its own) are ended, whatever happened.
    """
    work = tmp_path_factory.mktemp("jupyterlab")
    root = work / "root"
    shutil.copytree(ROOT / "book", root / "book")
    settings = work / "settings"
    for name, values in LAB_SETTINGS.items():
        path = settings / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")
    token = secrets.token_hex(16)
    env = dict(
        os.environ,
        JUPYTER_CONFIG_DIR=str(work / "config"),
        JUPYTER_RUNTIME_DIR=str(work / "runtime"),
        IPYTHONDIR=str(work / "ipython"),
        OPENBLAS_NUM_THREADS=os.environ.get("OPENBLAS_NUM_THREADS", "1"),
    )
    env.pop("JUPYTER_TOKEN", None)
    cmd = [
        sys.executable, "-m", "jupyterlab", "--no-browser",
        "--ServerApp.ip=127.0.0.1", "--ServerApp.port=0", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
        "--ServerApp.open_browser=False", "--ServerApp.terminals_enabled=False",
        f"--LabApp.user_settings_dir={settings}",
        f"--LabApp.workspaces_dir={work / 'workspaces'}",
        "--LabApp.news_url=None",
    ]  # fmt: skip
    if os.geteuid() == 0:  # CI containers run as root
        cmd.append("--allow-root")
    log_path = work / "jupyterlab.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            cmd, cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    lab = None
    try:
        lab = _wait_for_lab(process, work / "runtime", token, root, log_path)
        yield lab
    finally:
        _stop_lab(process, lab)


def _wait_for_lab(process, runtime, token, root, log_path, timeout=90):
    deadline = time.monotonic() + timeout
    server_file = runtime / f"jpserver-{process.pid}.json"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail("JupyterLab exited:\n" + log_path.read_text(errors="replace")[-4000:])
        if server_file.exists():
            with contextlib.suppress(ValueError, OSError):
                port = json.loads(server_file.read_text())["port"]
                lab = Lab(f"http://127.0.0.1:{port}/", token, root, process, log_path)
                with contextlib.suppress(urllib.error.URLError, OSError):
                    lab.api("GET", "api/status", timeout=2)
                    return lab
        time.sleep(0.25)
    pytest.fail("JupyterLab did not answer:\n" + log_path.read_text(errors="replace")[-4000:])


def _stop_lab(process, lab):
    below = _descendants(process.pid)  # kernels run in sessions of their own
    if lab is not None and process.poll() is None:
        with contextlib.suppress(urllib.error.URLError, OSError, ValueError):
            lab.api("POST", "api/shutdown", timeout=5)  # also shuts the kernels down
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    for pid, start in below:
        _kill_if_same(pid, start, signal.SIGTERM)
    time.sleep(0.5)
    for pid, start in below:
        _kill_if_same(pid, start, signal.SIGKILL)
