"""How responsive the browser app is: one model step plus the redraw of every view.

Run from the project root with the project's interpreter::

    python benchmarks/bench_app.py                       # the app's default size
    python benchmarks/bench_app.py --fans 5000 --creators 100 --days 365
    python benchmarks/bench_app.py --browser             # also time Chromium drawing

Measured at the state reached after ``--days`` simulated days (longer series
cost a little more):

* the model's step alone;
* each view's Vega-Lite spec (what the server builds per step) and its JSON
  size (what it sends), and the creator table;
* step + every view, as plain function calls;
* a click on SolaraViz's Step button in a page rendered with ``solara.render``:
  the step, every view, and Solara's diff of the widget tree (everything the
  server does before the browser receives the update). This is the number
  the app's target (at most 250 ms) is about;
* with ``--browser``: a click on Step in headless Chromium (the system's, see
  ``PARASOCIAL_CHROMIUM``) until every chart is drawn with the new day, so
  the browser's own drawing is included; needs the offline asset cache.

Medians over ``--repeats`` runs; the machine may be shared, so the spread is
printed too. A measurement, not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import time
import urllib.request

import ipyvuetify as v
import solara

import sim.app as app
from sim.cli import viz as viz_cli
from sim.viz import assets, charts

CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run"]


def timed(fn, repeats: int) -> list[float]:
    """Wall-clock seconds of `repeats` calls of fn."""
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def row(name: str, seconds: list[float], extra: str = "") -> str:
    med, lo, hi = (1000 * f(seconds) for f in (statistics.median, min, max))
    return f"{name:<40} {med:9.1f} ms   (min {lo:7.1f}, max {hi:7.1f}){extra}"


def standalone(fans: int, creators: int, days: int, repeats: int) -> list[str]:
    """Step and chart specs as plain function calls."""
    model = app.AppModel(n_fans=fans, n_creators=creators, rng=1)
    model.run_for(days)
    lines = [row("model step", timed(model.step, repeats))]
    lines.append(row("  series (DataCollector frame)", timed(lambda: charts.series(model), repeats)))
    frame = charts.series(model)
    for view in app.VIEWS.values():
        view.spec(model, frame)  # warm-up: the first call builds the view's template, once
        seconds = timed(lambda view=view: view.spec(model, frame), repeats)
        size = len(json.dumps(view.spec(model, frame)))
        lines.append(row(f"  view: {view.name} (spec)", seconds, f"  {size / 1000:6.1f} kB"))
    lines.append(row("  view: creator table", timed(lambda: app.creator_frame(model), repeats)))

    def step_and_redraw():
        model.step()
        frame = charts.series(model)
        for view in app.VIEWS.values():
            view.spec(model, frame)
        app.creator_frame(model)

    lines.append(row("step + every view", timed(step_and_redraw, repeats)))
    return lines


def through_solara(fans: int, creators: int, days: int, repeats: int) -> list[str]:
    """A click on SolaraViz's Step button in a rendered page (no browser)."""
    app.current_model.set(app.AppModel(n_fans=fans, n_creators=creators, rng=1))
    app.current_model.value.run_for(days)
    _, rc = solara.render(solara.AppLayout(children=[app.Page()]), handle_error=False)
    try:
        step = rc.find(v.Btn, children=["Step"]).widget
        step.click()  # warm-up
        return [row("Step button: step + redraw (Solara)", timed(step.click, repeats))]
    finally:
        rc.close()
        app.current_model.set(None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def in_browser(days: int, repeats: int) -> list[str]:
    """Click Step in Chromium until every chart shows the new day (the app's default size)."""
    from playwright.sync_api import sync_playwright

    chromium = os.environ.get("PARASOCIAL_CHROMIUM") or "/usr/bin/chromium"
    if assets.missing(assets.cache_dir()) or not os.path.isfile(chromium):
        return [f"browser: skipped (needs {chromium} and `parasocial viz --fetch-assets`)"]
    port = free_port()
    server = subprocess.Popen(viz_cli.solara_command("127.0.0.1", port), env=viz_cli.solara_env(),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://localhost:{port}/"
        for _ in range(600):
            try:
                urllib.request.urlopen(url, timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
            page = browser.new_page(viewport={"width": 1400, "height": 2000})
            page.goto(url)

            def drawn(day: int) -> None:
                for name in app.VIEWS:
                    page.locator(f".view-{name} [role=graphics-document]"
                                 f"[aria-label$=', day {day}']").wait_for(timeout=120_000)

            drawn(0)
            button = page.get_by_role("button", name="Step", exact=True)
            for _ in range(days):  # reach the measured state
                button.click()
            drawn(days)
            seconds = []
            for day in range(days + 1, days + 1 + repeats):
                start = time.perf_counter()
                button.click()
                drawn(day)
                seconds.append(time.perf_counter() - start)
            browser.close()
        return [row("Step click in Chromium, all charts drawn", seconds)]
    finally:
        server.terminate()
        server.wait()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fans", type=int, default=app.APP_FANS)
    parser.add_argument("--creators", type=int, default=app.APP_CREATORS)
    parser.add_argument("--days", type=int, default=100, help="days simulated before measuring")
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--browser", action="store_true",
                        help="also time a Step click in headless Chromium (default size only)")
    args = parser.parse_args(argv)
    print(f"bench_app: {args.fans} fans, {args.creators} creators, after {args.days} days, "
          f"median of {args.repeats}")
    for line in standalone(args.fans, args.creators, args.days, args.repeats):
        print(line)
    for line in through_solara(args.fans, args.creators, args.days, args.repeats):
        print(line)
    if args.browser:
        for line in in_browser(args.days, args.repeats):
            print(line)


if __name__ == "__main__":
    main()
