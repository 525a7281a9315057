"""Shared pytest fixtures.

Browser fixtures live in tests/conftest_browser.py and are imported here so
that pytest finds them (a non-root conftest cannot declare ``pytest_plugins``).

Hypothesis: the default profile is derandomized, so CI and every developer run
the same examples (a failure reproduces, and CI never meets a new one by
chance). To search further, run
``pytest tests/test_invariants.py --hypothesis-profile=explore``.
"""

from hypothesis import settings

from tests.conftest_browser import (  # noqa: F401
    app_page,
    browser_type_launch_args,
    offline_solara,
    screenshot,
    solara_server,
)

settings.register_profile("default", derandomize=True, max_examples=25)
settings.register_profile("explore", derandomize=False, max_examples=500)
settings.load_profile("default")
