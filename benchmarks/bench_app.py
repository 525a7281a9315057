"""How responsive the browser app is: one model step plus the redraw of every view.

Run from the project root with the project's interpreter::

    python benchmarks/bench_app.py                       # the app's default size
    python benchmarks/bench_app.py --fans 5000 --creators 100 --days 365

Measured without a browser, at the state reached after ``--days`` simulated
days (longer series cost a little more to draw):

* the model's step alone;
* each view's matplotlib drawing and PNG encoding (what the server sends), and
  the creator table;
* step + every view, as plain function calls;
* a click on SolaraViz's Step button in a page rendered with ``solara.render``:
  the step, every view, and Solara's diff of the widget tree (everything the
  server does before the browser receives the update).

Medians over ``--repeats`` runs; the machine may be shared, so the spread is
printed too. A measurement, not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import statistics
import time

import ipyvuetify as v
import solara

import sim.app as app


def timed(fn, repeats: int) -> list[float]:
    """Wall-clock seconds of `repeats` calls of fn."""
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def row(name: str, seconds: list[float]) -> str:
    med, lo, hi = (1000 * f(seconds) for f in (statistics.median, min, max))
    return f"{name:<38} {med:9.1f} ms   (min {lo:7.1f}, max {hi:7.1f})"


def standalone(fans: int, creators: int, days: int, repeats: int) -> list[str]:
    """Step and drawing as plain function calls."""
    model = app.AppModel(n_fans=fans, n_creators=creators, rng=1)
    model.run_for(days)
    lines = [row("model step", timed(model.step, repeats))]
    total = []
    for view in app.VIEWS.values():
        seconds = timed(lambda view=view: app.figure_png(view.draw(model)), repeats)
        total.append(seconds)
        lines.append(row(f"  view: {view.name} (draw + PNG)", seconds))
    lines.append(row("  view: creator table", timed(lambda: app.creator_frame(model), repeats)))

    def step_and_redraw():
        model.step()
        for view in app.VIEWS.values():
            app.figure_png(view.draw(model))
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


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fans", type=int, default=app.APP_FANS)
    parser.add_argument("--creators", type=int, default=app.APP_CREATORS)
    parser.add_argument("--days", type=int, default=100, help="days simulated before measuring")
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args(argv)
    print(f"bench_app: {args.fans} fans, {args.creators} creators, after {args.days} days, "
          f"median of {args.repeats}")
    for line in standalone(args.fans, args.creators, args.days, args.repeats):
        print(line)
    for line in through_solara(args.fans, args.creators, args.days, args.repeats):
        print(line)


if __name__ == "__main__":
    main()
