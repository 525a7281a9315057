"""The browser app in headless Chromium: it renders, steps, resets, and survives bad input.

Run alone with ``pytest -m browser``; screenshots go to test-results/app/.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from sim.app import TITLE, VIEWS, model_params
from tests.conftest_browser import browser_available  # noqa: F401  (used by pytestmark)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("browser_available")]

LOAD_TIMEOUT = 60_000  # ms: the first page load compiles the Vue templates


def drawn(page, view: str, day: int | None = None):
    """The chart Vega drew for a view (its aria-label is the spec's description, naming the day)."""
    label = f"[aria-label$=', day {day}']" if day is not None else ""
    return page.locator(f".view-{view} [role=graphics-document]{label}")


def wait_for_views(page, day: int | None = None):
    """Every view's chart is drawn (at `day`, if given) on a non-empty canvas; the table has rows."""
    for name in VIEWS:
        chart = drawn(page, name, day)
        chart.wait_for(timeout=LOAD_TIMEOUT)
        page.wait_for_function("el => el.querySelector('canvas').width > 100",
                               arg=chart.element_handle(), timeout=LOAD_TIMEOUT)
    page.locator("table tbody tr").first.wait_for(timeout=LOAD_TIMEOUT)


def wait_for_time(page, day: int):
    page.get_by_text(f"Time: {day:.1f}", exact=True).wait_for(timeout=LOAD_TIMEOUT)


def wait_for_time_past(page, day: int):
    """While playing, steps are fast enough that a given day's text may never be seen."""
    page.wait_for_function(
        "day => [...document.querySelectorAll('.v-card')].some(c => "
        "(m => m && parseFloat(m[1]) >= day)(c.innerText.match(/Time: ([0-9.]+)/)))",
        arg=day, timeout=LOAD_TIMEOUT)


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
    wait_for_views(app_page, day=0)
    wait_for_time(app_page, 0)
    assert app_page.title() == TITLE
    assert app_page.get_by_text("Creator-fan network", exact=True).is_visible()
    for view in VIEWS.values():  # each view says what it shows
        assert app_page.get_by_text(view.explanation, exact=True).count() == 1
    # Slider values are shown at rest, not only while dragged.
    slider = app_page.locator(".v-input__slider").filter(has_text=model_params["n_fans"]["label"])
    expect(slider.locator(".v-slider__thumb-label")).to_be_visible()
    expect(slider.locator(".v-slider__thumb-label")).to_have_text("1000")
    screenshot(app_page, "01-loaded")
    assert not app_page.problems


def test_step_advances_time(app_page, screenshot):
    wait_for_views(app_page, day=0)
    click(app_page, "Step")
    wait_for_time(app_page, 1)
    wait_for_views(app_page, day=1)  # every chart redrawn with the new day's data
    click(app_page, "Step")
    wait_for_time(app_page, 2)
    wait_for_views(app_page, day=2)
    screenshot(app_page, "02-stepped")
    assert not app_page.problems


def test_play_and_pause(app_page):
    wait_for_views(app_page)
    click(app_page, "▶")
    wait_for_time_past(app_page, 2)
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


def test_compare_two_scenarios(app_page, screenshot):
    wait_for_views(app_page)
    app_page.get_by_role("tab", name="Compare two scenarios").click()
    days = app_page.get_by_label("days to run")
    days.fill("30")
    days.press("Enter")
    click(app_page, "Run both")
    for outcome in ("wellbeing", "spending"):
        for part in ("", "-difference"):
            drawn(app_page, f"compare-{outcome}{part}").wait_for(timeout=LOAD_TIMEOUT)
    summary = app_page.locator(".compare-result")
    assert "A: paid_messages=off" in summary.inner_text()
    assert "30 days" in summary.inner_text()
    screenshot(app_page, "06-compare")
    app_page.get_by_role("tab", name="Explore the model").click()
    wait_for_views(app_page, day=0)  # the running model's views are back, undisturbed
    assert not app_page.problems
