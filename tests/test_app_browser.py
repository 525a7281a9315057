"""The browser app in headless Chromium: it renders, steps, resets, and survives bad input.

Run alone with ``pytest -m browser``; screenshots go to test-results/app/.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from sim.app import VIEWS, model_params
from tests.conftest_browser import BROWSER_SKIP_REASON

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(BROWSER_SKIP_REASON is not None, reason=BROWSER_SKIP_REASON or ""),
]

LOAD_TIMEOUT = 60_000  # ms: the first page load compiles the Vue templates


def wait_for_views(page):
    """Every figure view shows a non-empty image, and the creator table has rows."""
    for name in VIEWS:
        image = page.locator(f"img.view-{name}")
        image.wait_for(timeout=LOAD_TIMEOUT)
        page.wait_for_function("img => img.complete && img.naturalWidth > 100",
                               arg=image.element_handle(), timeout=LOAD_TIMEOUT)
    page.locator("table tbody tr").first.wait_for(timeout=LOAD_TIMEOUT)


def wait_for_time(page, day: int):
    page.get_by_text(f"Time: {day:.1f}", exact=True).wait_for(timeout=LOAD_TIMEOUT)


def click(page, label: str):
    page.get_by_role("button", name=label, exact=True).click()


def set_seed(page, text: str):
    field = page.get_by_label("seed (whole number)")
    field.fill(text)
    field.press("Enter")


def choose(page, label: str, item: str):
    """Pick an item from a Vuetify select identified by its label."""
    page.locator(".v-select").filter(has=page.locator(f"label:text-is('{label}')")).click()
    page.locator(".menuable__content__active .v-list-item").filter(
        has_text=re.compile(f"^{re.escape(item)}$")).click()


def running(page) -> str:
    return page.locator(".running-model").inner_text()


def test_page_renders_every_view(app_page, screenshot):
    wait_for_views(app_page)
    wait_for_time(app_page, 0)
    assert app_page.get_by_text("Creator-fan network", exact=True).is_visible()
    for view in VIEWS.values():  # each view says what it shows
        assert app_page.get_by_text(view.explanation, exact=True).count() == 1
    screenshot(app_page, "01-loaded")
    assert not app_page.problems


def test_step_advances_time(app_page, screenshot):
    wait_for_views(app_page)
    before = app_page.locator("img.view-tiers").get_attribute("src")
    click(app_page, "Step")
    wait_for_time(app_page, 1)
    app_page.wait_for_function(
        "old => document.querySelector('img.view-tiers').getAttribute('src') !== old",
        arg=before, timeout=LOAD_TIMEOUT)
    click(app_page, "Step")
    wait_for_time(app_page, 2)
    screenshot(app_page, "02-stepped")
    assert not app_page.problems


def test_play_and_pause(app_page):
    wait_for_views(app_page)
    click(app_page, "▶")
    wait_for_time(app_page, 2)
    click(app_page, "❚❚")
    expect(app_page.get_by_role("button", name="Step", exact=True)).to_be_enabled()
    assert not app_page.problems


def test_bad_seed_then_parameter_change_and_reset(app_page, screenshot):
    wait_for_views(app_page)
    click(app_page, "Step")
    wait_for_time(app_page, 1)

    set_seed(app_page, "not a seed")
    click(app_page, "Reset")
    error = app_page.locator(".build-error")
    error.wait_for(timeout=LOAD_TIMEOUT)
    assert "previous model is kept" in error.inner_text()
    wait_for_time(app_page, 1)  # the model that was running is still there
    screenshot(app_page, "03-bad-seed")

    set_seed(app_page, "7")
    choose(app_page, model_params["feed"]["label"], "chronological")
    click(app_page, "Reset")
    wait_for_time(app_page, 0)
    error.wait_for(state="detached", timeout=LOAD_TIMEOUT)
    text = running(app_page)
    assert "seed 7" in text and "feed (name): chronological" in text
    wait_for_views(app_page)
    screenshot(app_page, "04-reset")
    assert not app_page.problems


def test_preset_switch_loads_its_values(app_page, screenshot):
    wait_for_views(app_page)
    choose(app_page, "preset", "streamer")
    app_page.get_by_text(re.compile("preset streamer")).wait_for(timeout=LOAD_TIMEOUT)
    assert "live hours (hours/day): 3" in running(app_page)
    wait_for_views(app_page)
    click(app_page, "Step")
    wait_for_time(app_page, 1)
    screenshot(app_page, "05-streamer")
    assert not app_page.problems
