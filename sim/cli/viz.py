"""`parasocial viz`: serve the SolaraViz browser app (sim/app.py) on this machine."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import sim
from sim.viz import assets

PACKAGE_PARENT = Path(sim.__file__).resolve().parent.parent


def add_parser(sub) -> None:
    p = sub.add_parser(
        "viz", help="open the interactive browser app (SolaraViz)",
        description="Serve the browser app: controls, Step/Play/Reset, the model's views and a "
                    "side-by-side comparison of two scenarios. The page's JavaScript comes from "
                    f"an offline cache ({assets.cache_dir()}; set {assets.ENV} to move it), "
                    "filled once with --fetch-assets.")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    p.add_argument("--open", action="store_true", help="also open a web browser")
    p.add_argument("--fetch-assets", action="store_true",
                   help="fill the offline asset cache from the npm registry (needs npm), then exit")
    p.set_defaults(func=run)


def solara_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for the Solara server: no telemetry, JavaScript from the offline cache."""
    env = dict(os.environ if base is None else base)
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    env[assets.ENV] = str(assets.cache_dir(env))
    # `solara run sim.app` imports the package by name: make it importable from a checkout.
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PACKAGE_PARENT), env.get("PYTHONPATH"))
                                        if p)
    return env


def solara_command(host: str, port: int, open_browser: bool = False) -> list[str]:
    """The solara CLI from this interpreter, so the app runs with the same packages."""
    return [sys.executable, "-m", "solara", "run", "sim.app", "--host", host, "--port", str(port),
            "--production", "--open" if open_browser else "--no-open"]


def run(args) -> int:
    if not 0 < args.port < 65536:
        raise ValueError(f"--port={args.port} is not allowed: must be in 1-65535")
    cache = assets.cache_dir()
    if args.fetch_assets:
        assets.fetch(cache, log=lambda line: print(f"parasocial viz: {line}", file=sys.stderr))
        print(f"parasocial viz: asset cache ready in {cache}", file=sys.stderr)
        return 0
    absent = assets.missing(cache)
    if absent:  # Solara would serve a blank page offline: say how to fix it instead
        what = ("has not been filled" if len(absent) == len(assets.packages())
                else f"lacks {', '.join(absent)}")
        print(f"parasocial viz: the offline asset cache {cache} {what}; "
              f"fill it once with `parasocial viz --fetch-assets` (needs npm and the npm "
              f"registry), or point {assets.ENV} at a filled cache", file=sys.stderr)
        return 1
    env = solara_env()
    print(f"parasocial viz: serving on http://{args.host}:{args.port} (Ctrl-C to stop)",
          file=sys.stderr)
    server = subprocess.Popen(solara_command(args.host, args.port, args.open), env=env)
    # A service manager stops us with SIGTERM: pass it on rather than orphan the server.
    signal.signal(signal.SIGTERM, lambda *_: server.terminate())
    try:
        return server.wait()
    except KeyboardInterrupt:  # Ctrl-C reached the server too: let it shut down cleanly
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.terminate()
            server.wait()
        return 0
