"""Shared pytest fixtures.

Browser fixtures only, for now: they live in tests/conftest_browser.py and are
imported here so that pytest finds them (a non-root conftest cannot declare
``pytest_plugins``). Add other shared fixtures below, or in a module of their own.
"""

from tests.conftest_browser import (  # noqa: F401
    app_page,
    browser_type_launch_args,
    offline_solara,
    screenshot,
    solara_server,
)
