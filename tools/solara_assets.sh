#!/usr/bin/env bash
# Fill Solara's offline asset cache from the npm registry (for CI and checkouts).
# A thin wrapper: the work is done by sim/viz/assets.py, which `parasocial viz
# --fetch-assets` also runs and which needs only the standard library and npm,
# so this works before the package is installed.
#
# Usage:  bash tools/solara_assets.sh [CACHE_DIR]
# The default CACHE_DIR is $SOLARA_ASSETS_PROXY_CACHE_DIR if set, else the user cache
# directory (~/.cache/parasocial-sim/solara-assets on Linux), where `parasocial viz`
# and the browser tests look. Idempotent: packages already unpacked are kept.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-}
if [ -z "$python" ]; then
    if [ -x .venv/bin/python ]; then python=.venv/bin/python; else python=python3; fi
fi
exec "$python" sim/viz/assets.py "$@"
