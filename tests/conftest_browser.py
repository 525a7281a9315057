"""Fixtures for the browser tests (tests/test_app_browser.py), imported by tests/conftest.py.

They use pytest-ipywidgets' Solara server and pytest-playwright's browser with
a system Chromium, Debian's by default (`apt-get install chromium`; another
one with PARASOCIAL_CHROMIUM=/path/to/chromium): `playwright install`
downloads a browser build of its own, which fails on machines without
internet. The Solara page loads its JavaScript from the offline asset cache
(`parasocial viz --fetch-assets` or `bash tools/solara_assets.sh` fills it),
so no request leaves the machine.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pytest

from sim.viz import assets

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ENV = "PARASOCIAL_CHROMIUM"
CHROMIUM = Path(os.environ.get(CHROMIUM_ENV) or "/usr/bin/chromium")
ASSET_CACHE = assets.cache_dir()
SCREENSHOTS = ROOT / "test-results" / "app"


def browser_skip_reason() -> str | None:
    """Why the browser tests cannot run here (None: they can)."""
    needs = []
    if not CHROMIUM.is_file():
        needs.append(f"Chromium at {CHROMIUM} (apt-get install chromium, or set {CHROMIUM_ENV})")
    if assets.missing(ASSET_CACHE):
        needs.append(f"the Solara asset cache in {ASSET_CACHE} (parasocial viz --fetch-assets)")
    return f"browser tests skipped: they need {' and '.join(needs)}" if needs else None


BROWSER_SKIP_REASON = browser_skip_reason()


class BrowserTestsSkipped(UserWarning):
    """Shown in pytest's warnings summary, so a skipped browser run is seen without -rs."""


@pytest.fixture(scope="session")
def browser_available():
    """Skip the browser tests, with one warning that names what is missing.

    A fixture, not a skipif mark: marks skip before any fixture runs, so nothing
    could warn. Session scope: set up before the session's server and browser.
    """
    if BROWSER_SKIP_REASON is not None:
        warnings.warn(BROWSER_SKIP_REASON, BrowserTestsSkipped, stacklevel=1)
        pytest.skip(BROWSER_SKIP_REASON)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright's launch arguments, pointed at the system Chromium."""
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"],
    }


@pytest.fixture(scope="session")
def offline_solara():
    """Serve Solara's assets from the project's cache and send no telemetry.

    pytest-ipywidgets imports solara's settings before any conftest runs, so
    the settings objects are changed as well as the environment.
    """
    import solara.server.settings as settings

    os.environ[assets.ENV] = str(ASSET_CACHE)
    os.environ["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    saved = (settings.assets.proxy_cache_dir, settings.telemetry.mixpanel_enable)
    settings.assets.proxy_cache_dir = ASSET_CACHE
    settings.telemetry.mixpanel_enable = False
    yield ASSET_CACHE
    settings.assets.proxy_cache_dir, settings.telemetry.mixpanel_enable = saved


@pytest.fixture(scope="session")
def solara_server(offline_solara, pytestconfig):
    """pytest-ipywidgets' Solara server, on a free port.

    The plugin's fixed default port (18865) makes two test runs on one machine
    (two developers, or a developer and CI) talk to each other's server.
    """
    from solara.server.starlette import ServerStarlette

    server = ServerStarlette(0, pytestconfig.getoption("--solara-host"))  # 0: a free port
    try:
        server.serve_threaded()
        server.wait_until_serving()
        yield server
    finally:
        server.stop_serving()


@pytest.fixture
def app_page(solara_server, solara_app, page_session):
    """The app (sim/app.py) loaded in Chromium; records console errors and failed requests."""
    problems: list[str] = []

    def on_console(message):
        if message.type == "error":
            problems.append(f"console error: {message.text}")

    def on_response(response):
        if response.status >= 400:
            problems.append(f"HTTP {response.status}: {response.url}")

    def on_failed(request):
        problems.append(f"request failed: {request.url} ({request.failure})")

    def on_page_error(error):
        problems.append(f"page error: {error}")

    handlers = {"console": on_console, "response": on_response, "requestfailed": on_failed,
                "pageerror": on_page_error}
    page = page_session
    page.set_viewport_size({"width": 1400, "height": 2000})  # every view on screen
    for event, handler in handlers.items():
        page.on(event, handler)
    try:
        with solara_app("sim.app"):
            page.goto(solara_server.base_url)
            page.problems = problems
            yield page
    finally:
        for event, handler in handlers.items():
            page.remove_listener(event, handler)
        page.goto("about:blank")


@pytest.fixture
def screenshot():
    """Save a full-page screenshot to test-results/app/NAME.png (git-ignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
