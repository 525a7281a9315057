"""`parasocial params`: every parameter with its unit, allowed values, default and source."""

from __future__ import annotations

import difflib

from sim.cli import command_parser, table
from sim.params import PARAM_FIELDS, PRESETS

BASE = "influencer"  # the preset whose values are the parameters' own defaults


def add_parser(sub) -> None:
    p = command_parser(sub, "params", description=(
        "List the model's parameters as declared in sim/params.py (one step is one day). "
        "With --preset, the value column is that preset's; a * marks values the preset "
        "changes. Any of them can be set with `parasocial run --set NAME=VALUE` or in an "
        "experiment file."))
    p.add_argument("names", nargs="*", metavar="NAME", help="show only these parameters")
    p.add_argument("--preset", choices=PRESETS, default=BASE,
                   help=f"values of this preset (default {BASE}, the base defaults)")
    table.add_format(p)
    p.set_defaults(func=show)


def allowed(name: str) -> str:
    f = PARAM_FIELDS[name]
    meta = f.metadata
    if meta["choices"]:
        return ", ".join(meta["choices"])
    if type(f.default) is bool:
        return "true, false"
    return f"[{meta['lo']}, {meta['hi']}]"


def show(args) -> int:
    from sim.params import make_params

    for name in args.names:
        if name not in PARAM_FIELDS:
            close = difflib.get_close_matches(name, PARAM_FIELDS, n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            raise ValueError(f"NAME {name!r} is not allowed: not a parameter{hint}")
    values = make_params(args.preset).to_dict()
    rows = []
    for name in args.names or PARAM_FIELDS:
        f = PARAM_FIELDS[name]
        mark = " *" if not args.csv and values[name] != f.default else ""
        rows.append([name, f"{values[name]}{mark}", f.metadata["unit"], allowed(name),
                     f.metadata["doc"], f.metadata["source"]])
    header = ["name", f"value ({args.preset})", "unit", "allowed", "meaning", "source"]
    table.write(header, rows, args.csv)
    return 0
