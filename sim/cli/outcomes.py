"""`parasocial outcomes`: the outcome measures every run records each day."""

from __future__ import annotations

from sim.cli import command_parser, table


def add_parser(sub) -> None:
    p = command_parser(sub, "outcomes", description=(
        "List the outcome measures of sim/metrics.py: the columns of timeseries.csv and of "
        "sweep results, and the names an experiment file's `outcomes` may use."))
    table.add_format(p)
    p.set_defaults(func=show)


def show(args) -> int:
    from sim.metrics import OUTCOMES

    rows = [[name, unit, description] for name, (description, unit, _) in OUTCOMES.items()]
    table.write(["name", "unit", "description"], rows, args.csv)
    return 0
