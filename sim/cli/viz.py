"""`parasocial viz`: serve the SolaraViz browser app (sim/app.py) on this machine."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import sim

PACKAGE_PARENT = Path(sim.__file__).resolve().parent.parent
# Filled by tools/solara_assets.sh; without it Solara fetches its JavaScript from a CDN.
ASSET_CACHE = PACKAGE_PARENT / ".cache" / "solara-assets"


def add_parser(sub) -> None:
    p = sub.add_parser("viz", help="open the interactive browser app (SolaraViz)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    p.add_argument("--open", action="store_true", help="also open a web browser")
    p.set_defaults(func=run)


def solara_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for the Solara server: no telemetry, the offline asset cache when present."""
    env = dict(os.environ if base is None else base)
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    if "SOLARA_ASSETS_PROXY_CACHE_DIR" not in env and ASSET_CACHE.is_dir():
        env["SOLARA_ASSETS_PROXY_CACHE_DIR"] = str(ASSET_CACHE)
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
    env = solara_env()
    if "SOLARA_ASSETS_PROXY_CACHE_DIR" not in env:
        print("parasocial viz: no offline asset cache (run `bash tools/solara_assets.sh`); "
              "the page needs internet access to load Solara's JavaScript", file=sys.stderr)
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
