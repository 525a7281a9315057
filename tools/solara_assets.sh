#!/usr/bin/env bash
# Fill Solara's asset proxy cache from the npm registry, so the browser app and
# its tests work without the public CDN that Solara otherwise loads its
# JavaScript from at run time (a machine without internet shows a blank page).
#
# The Solara server answers /_solara/cdn/<path> from SOLARA_ASSETS_PROXY_CACHE_DIR/<path>
# (solara/server/cdn_helper.py). Every <path> it requests starts with an npm
# package spec, e.g. requirejs@2.3.6/require.js, so each package is `npm pack`ed
# and unpacked under a directory named exactly like that spec.
#
# Usage:  bash tools/solara_assets.sh [CACHE_DIR]     (default: .cache/solara-assets)
# Then:   export SOLARA_ASSETS_PROXY_CACHE_DIR=$PWD/.cache/solara-assets
#         (`parasocial viz` and the browser tests do this themselves.)
# Idempotent: packages already unpacked are skipped. Needs npm and tar.
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE="${1:-.cache/solara-assets}"

# "<directory name = request path prefix> <npm spec>". Exact versions are the
# ones Solara 1.64 requests (templates/solara.html.j2, widgets/vue/*.vue,
# components/markdown.py); the vega family is requested by major version only
# (vega@5/build/vega.min.js), so those directories hold the newest 5.x / 6.x.
PACKAGES=(
    "@widgetti/solara-vuetify-app@10.1.1 @widgetti/solara-vuetify-app@10.1.1"
    "requirejs@2.3.6 requirejs@2.3.6"
    "font-awesome@4.5.0 font-awesome@4.5.0"
    "@widgetti/vue-grid-layout@2.3.13-alpha.2 @widgetti/vue-grid-layout@2.3.13-alpha.2"
    "mermaid@10.8.0 mermaid@10.8.0"
    "katex@0.16.9 katex@0.16.9"
    "vega@5 vega@5"
    "vega-lite@5 vega-lite@5"
    "vega-embed@6 vega-embed@6"
)

command -v npm >/dev/null || { echo "solara_assets: npm is required (apt-get install npm)" >&2; exit 1; }
mkdir -p "$CACHE"
# Never commit the cache: it is rebuilt from the registry.
[ -f "$CACHE/.gitignore" ] || printf '*\n' > "$CACHE/.gitignore"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for entry in "${PACKAGES[@]}"; do
    dir=${entry%% *}
    spec=${entry#* }
    target="$CACHE/$dir"
    if [ -f "$target/package.json" ]; then
        continue
    fi
    echo "solara_assets: npm pack $spec -> $target"
    work="$tmp/$(echo "$dir" | tr '/@' '__')"
    mkdir -p "$work/unpacked"
    tarball=$(cd "$work" && npm pack --silent "$spec" | tail -n 1)
    tar -xzf "$work/$tarball" -C "$work/unpacked" --strip-components=1
    mkdir -p "$(dirname "$target")"
    rm -rf "$target"
    mv "$work/unpacked" "$target"
done

# Warn when the installed Solara asks for another app bundle than the one cached.
python=${PYTHON:-}
for candidate in .venv/bin/python python3; do
    [ -n "$python" ] && break
    if "$candidate" -c "import solara" 2>/dev/null; then python=$candidate; fi
done
if [ -n "$python" ]; then
    template=$("$python" -c "import solara.server, pathlib; print(pathlib.Path(solara.server.__file__).parent / 'templates' / 'solara.html.j2')")
    wanted=$(grep -o '@widgetti/solara-vuetify-app@[0-9][^/]*' "$template" | sort -u)
    for spec in $wanted; do
        [ -d "$CACHE/$spec" ] || echo "solara_assets: warning: installed Solara requests $spec, not in $CACHE; update PACKAGES" >&2
    done
fi
echo "solara_assets: cache ready in $CACHE"
