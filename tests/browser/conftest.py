"""Fixtures for the browser tests: a JupyterLab server in a temporary Jupyter home, with the
course kernel installed and copies of the notebooks, and Debian's Chromium driven by Playwright.

The tests run when /usr/bin/chromium exists. Without it they are skipped, unless CI is true
or LAMBDAKIT_BROWSER_TESTS is set (tests/run_all.py sets it): then a missing browser fails.
Screenshots go to tests/artifacts/browser/ on every run; the summary prints how long the
browser tests took.
"""

import os
import re
import time
from pathlib import Path

import pytest

from .jupyterlab import JupyterLab, copy_notebooks, fill_in_solutions, install_kernel, jupyter_environment

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / "artifacts" / "browser"
# (source, folder under the JupyterLab root): the lessons, and fixtures for widgets no lesson shows yet.
NOTEBOOK_DIRS = ((REPO / "notebooks", "notebooks"), (Path(__file__).parent / "notebooks", "fixtures"))
VIEWPORT = {"width": 1400, "height": 1000}
TIMER = pytest.StashKey["Timer"]()
BROWSER_TESTS = "tests/browser/"


def _required():
    """Why a missing browser must fail here rather than skip (None: it may skip)."""
    if os.environ.get("CI", "").lower() in ("true", "1"):
        return "CI is true"
    if os.environ.get("LAMBDAKIT_BROWSER_TESTS"):
        return "LAMBDAKIT_BROWSER_TESTS is set"
    return None


@pytest.fixture(scope="package", autouse=True)
def chromium():
    """The path of Debian's Chromium, after checking it and Playwright are there."""
    missing = None
    if not os.path.exists(CHROMIUM):
        missing = f"{CHROMIUM} is missing (apt-get install chromium, or run tests/run_all.py as root)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            missing = "Python Playwright is not installed (pip install -e '.[test]')"
    if missing:
        required = _required()
        if required:
            pytest.fail(f"browser tests: {missing}; {required}, so this fails instead of skipping")
        pytest.skip(f"browser tests: {missing}")
    return CHROMIUM


@pytest.fixture(scope="package")
def lab(tmp_path_factory, request):
    """JupyterLab on a free loopback port with a random token, in a temporary Jupyter home."""
    home = tmp_path_factory.mktemp("jupyter-home")
    env = jupyter_environment(home)
    install_kernel(env)
    root = home / "lab"
    root.mkdir()
    copy_notebooks(NOTEBOOK_DIRS, root)
    fill_in_solutions(root / "notebooks")
    env["LAMBDAKIT_NOTEBOOKS_DIR"] = str(root / "notebooks")
    started = time.monotonic()
    server = JupyterLab.start(root, env, ARTIFACTS / "jupyterlab.log")
    request.config.stash[TIMER].lab_ready_s = time.monotonic() - started
    yield server
    server.stop()


@pytest.fixture(scope="package")
def browser(chromium):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def console():
    """The page's console errors and warnings, and its uncaught exceptions ("uncaught: ...")."""
    return []


@pytest.fixture
def page(browser, console, request, _artifacts):
    """A fresh browser context and page; `console` is saved as TEST.console.txt if not empty."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda error: console.append(f"uncaught: {error}"))
    yield page
    context.close()
    if console:
        name = re.sub(r"[^\w.-]+", "-", request.node.name)
        (_artifacts / f"{name}.console.txt").write_text("\n".join(console) + "\n")


@pytest.fixture(scope="package")
def _artifacts():
    """tests/artifacts/browser/, emptied of the last run's screenshots."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in (*ARTIFACTS.glob("*.png"), *ARTIFACTS.glob("*.console.txt")):
        old.unlink()
    return ARTIFACTS


@pytest.fixture
def screenshot(_artifacts):
    """`screenshot(page_or_locator, name)` saves tests/artifacts/browser/NAME.png."""
    def save(target, name):
        path = _artifacts / f"{name.replace(' ', '-')}.png"
        target.screenshot(path=str(path))
        return path
    return save


class Timer:
    """Times the browser tests, from the first one's set-up to the last one's teardown."""

    def __init__(self):
        self.first = self.last = self.lab_ready_s = None

    def pytest_runtest_logreport(self, report):
        if not report.nodeid.startswith(BROWSER_TESTS):
            return
        if report.when == "setup" and self.first is None:
            self.first = report.start
        if report.when == "teardown":
            self.last = report.stop

    def pytest_terminal_summary(self, terminalreporter):
        if self.first is None or self.last is None:
            return
        ready = f" (JupyterLab ready in {self.lab_ready_s:.1f} s)" if self.lab_ready_s is not None else ""
        terminalreporter.write_line(f"browser tests: {self.last - self.first:.1f} s{ready}; "
                                    f"screenshots in {ARTIFACTS.relative_to(REPO)}/")


def pytest_configure(config):
    config.stash[TIMER] = Timer()
    config.pluginmanager.register(config.stash[TIMER], "lambdakit-browser-timer")
