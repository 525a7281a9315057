"""Regenerate the generated blocks of docs/ODD.md from the code.

The ODD document keeps prose by hand but takes every default value from the
code, so that calibration never leaves it stale. Each generated block sits
between two HTML comments, ``<!-- NAME:start -->`` and ``<!-- NAME:end -->``:

- ``params``: the parameter table, :func:`sim.params.markdown_table`;
- ``presets``: what each preset of :data:`sim.params.PRESETS` changes;
- ``constants``: named constants of the model that are not parameters
  (attachment tiers, windows, meeting hours, savings cap).

    python tools/update_odd.py           # rewrite the blocks in place
    python tools/update_odd.py --check   # exit 1 if a block is out of date
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

ODD_PATH = ROOT / "docs" / "ODD.md"


def presets_table() -> str:
    """One row per preset: the creator kind and the parameters it overrides."""
    from sim.params import PARAM_FIELDS, PRESETS

    rows = ["| preset | kind | overrides (every other parameter keeps its default) |",
            "|---|---|---|"]
    for name, overrides in PRESETS.items():
        kind = ("mix (`creator_mix`)" if overrides.get("creator_mix")
                else overrides.get("kind", PARAM_FIELDS["kind"].default))
        changes = ", ".join(f"`{k}={v}`" for k, v in overrides.items() if k != "kind")
        rows.append(f"| `{name}` | {kind} | {changes or '(none: the defaults)'} |")
    return "\n".join(rows)


def constants_table() -> str:
    """Named constants that shape the model or its measures but are not parameters."""
    from sim import metrics
    from sim.dynamics import creators, hostility, money

    rows = [
        ("sim.metrics.FOCAL", metrics.FOCAL,
         "strongest attachment at which a fan counts as having a focal creator"),
        ("sim.metrics.INTENSE", metrics.INTENSE,
         "lower bound of the intense-personal tier (entertainment-social below)"),
        ("sim.metrics.BORDERLINE", metrics.BORDERLINE,
         "lower bound of the borderline-pathological tier"),
        ("sim.metrics.WINDOW", metrics.WINDOW,
         "days over which recent payers and recent harassment are counted"),
        ("sim.dynamics.creators.MEETING_HOURS", creators.MEETING_HOURS,
         "creator working hours per fan meeting"),
        ("sim.dynamics.money.WALLET_MONTHS", money.WALLET_MONTHS,
         "savings cap: months (of 30 days) of disposable money a fan can hold"),
        ("sim.dynamics.money.MONTH", money.MONTH,
         "days of a subscription period and of recent spending"),
        ("sim.dynamics.hostility.EXPOSURE_DAYS", hostility.EXPOSURE_DAYS,
         "memory (days) of the harassment left visible in a fandom"),
    ]
    lines = ["| constant | value | meaning |", "|---|---|---|"]
    lines += [f"| `{name}` | {value} | {meaning} |" for name, value, meaning in rows]
    return "\n".join(lines)


def blocks() -> dict[str, str]:
    """The current content of every generated block, by marker name."""
    from sim.params import markdown_table

    return {"params": markdown_table(), "presets": presets_table(),
            "constants": constants_table()}


def _body(content: str) -> str:
    """A block's text between its markers: blank lines keep Markdown from merging the table."""
    return "\n" + content + "\n\n"


def _pattern(name: str) -> re.Pattern:
    return re.compile(rf"(<!-- {name}:start -->\n)(.*?)(<!-- {name}:end -->)", re.DOTALL)


def render(text: str) -> str:
    """``text`` with every generated block replaced by its current content.

    Raises ValueError if a block's markers are missing or repeated.
    """
    for name, content in blocks().items():
        pattern = _pattern(name)
        found = len(pattern.findall(text))
        if found != 1:
            raise ValueError(f"docs/ODD.md must contain the markers <!-- {name}:start --> and "
                             f"<!-- {name}:end --> exactly once (found {found} pairs)")
        text = pattern.sub(lambda m, c=content: m.group(1) + _body(c) + m.group(3), text)
    return text


def stale_blocks(path: Path = ODD_PATH) -> list[str]:
    """Names of the generated blocks of ``path`` that differ from the code (empty: up to date)."""
    text = path.read_text(encoding="utf-8")
    current = blocks()
    stale = []
    for name in current:
        match = _pattern(name).search(text)
        if match is None or match.group(2) != _body(current[name]):
            stale.append(name)
    return stale


def check(path: Path = ODD_PATH) -> bool:
    """True if every generated block of ``path`` matches the code."""
    return not stale_blocks(path)


def update(path: Path = ODD_PATH) -> bool:
    """Rewrite the generated blocks of ``path``; True if the file changed."""
    text = path.read_text(encoding="utf-8")
    new = render(text)
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if a generated block is out of date")
    parser.add_argument("--path", type=Path, default=ODD_PATH, help="the ODD document")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_blocks(args.path)
        if stale:
            print(f"{args.path}: out of date: {', '.join(stale)}; "
                  "run python tools/update_odd.py", file=sys.stderr)
            return 1
        print(f"{args.path}: up to date")
        return 0
    changed = update(args.path)
    print(f"{args.path}: {'updated' if changed else 'already up to date'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
