"""The offline cache of Solara's JavaScript, so the browser app works without internet.

The Solara server answers ``/_solara/cdn/<path>`` from ``SOLARA_ASSETS_PROXY_CACHE_DIR/<path>``
and otherwise fetches ``<path>`` from a public CDN at run time; on a machine
without internet the page stays blank. Every ``<path>`` starts with an npm
package spec (``requirejs@2.3.6/require.js``), so the cache holds each package,
``npm pack``ed from the npm registry (the user's npm configuration decides which
registry and proxy) and unpacked under a directory named exactly like its spec.

The cache lives outside the source tree, in the user's cache directory, so an
installed package and a checkout share it; ``SOLARA_ASSETS_PROXY_CACHE_DIR``
overrides the location. Fill it once with ``parasocial viz --fetch-assets``
(or ``python sim/viz/assets.py [DIR]`` from a checkout, which needs nothing
but the standard library and npm: CI runs it before any install).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ENV = "SOLARA_ASSETS_PROXY_CACHE_DIR"
APP_NAME, CACHE_NAME = "parasocial-sim", "solara-assets"  # <user cache>/parasocial-sim/solara-assets
APP_BUNDLE = "@widgetti/solara-vuetify-app"
APP_BUNDLE_VERSION = "10.1.1"  # what Solara 1.64 requests; the installed Solara's own wins
# "<directory = request path prefix>": "<npm spec>". Exact versions are those Solara requests
# (templates/solara.html.j2, widgets/vue/*.vue, components/markdown.py); the vega family is
# requested by major version only (vega@5/build/vega.min.js), so npm picks the newest 5.x / 6.x.
PACKAGES = {
    "requirejs@2.3.6": "requirejs@2.3.6",
    "font-awesome@4.5.0": "font-awesome@4.5.0",
    "@widgetti/vue-grid-layout@2.3.13-alpha.2": "@widgetti/vue-grid-layout@2.3.13-alpha.2",
    "mermaid@10.8.0": "mermaid@10.8.0",
    "katex@0.16.9": "katex@0.16.9",
    "vega@5": "vega@5",
    "vega-lite@5": "vega-lite@5",
    "vega-embed@6": "vega-embed@6",
}


def user_cache_root() -> Path:
    """The platform's per-user cache directory (XDG on Linux, Library/Caches on macOS)."""
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")


def cache_dir(environ=None) -> Path:
    """Where the cache is: ``$SOLARA_ASSETS_PROXY_CACHE_DIR``, else the user cache directory."""
    environ = os.environ if environ is None else environ
    return Path(environ[ENV]) if environ.get(ENV) else user_cache_root() / APP_NAME / CACHE_NAME



def app_bundle_spec() -> str:
    """The app bundle the installed Solara requests (its page template names the version)."""
    try:
        import solara.server
    except ImportError:  # filling the cache before the package is installed (CI)
        return f"{APP_BUNDLE}@{APP_BUNDLE_VERSION}"
    template = Path(solara.server.__file__).parent / "templates" / "solara.html.j2"
    found = re.findall(re.escape(APP_BUNDLE) + r"@[0-9][^/\"' ]*", template.read_text())
    return found[0] if found else f"{APP_BUNDLE}@{APP_BUNDLE_VERSION}"


def packages() -> dict[str, str]:
    """Every package the page requests: directory -> npm spec."""
    bundle = app_bundle_spec()
    return {bundle: bundle, **PACKAGES}


def missing(cache: Path) -> list[str]:
    """The packages not (completely) in the cache; empty when the page can load offline."""
    return [d for d in packages() if not (cache / d / "package.json").is_file()]


def _unpack(tarball: Path, target: Path) -> None:
    """Unpack an npm tarball (top directory ``package/``) into target, safely and atomically."""
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    with tarfile.open(tarball) as tar:
        members = []
        for m in tar.getmembers():
            _, _, rest = m.name.partition("/")  # strip the top directory, as tar --strip 1
            if rest:
                members.append(m.replace(name=rest, deep=False))
        tar.extractall(staging, members=members, filter="data")  # no path escapes the target
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)


def fetch(cache: Path, log=print) -> Path:
    """Fill the cache from the npm registry (``npm pack``); packages already there are kept."""
    npm = shutil.which("npm")
    if npm is None:
        raise OSError("npm is required to fetch Solara's assets (e.g. apt-get install npm)")
    cache.mkdir(parents=True, exist_ok=True)
    ignore = cache / ".gitignore"
    if not ignore.exists():  # should it sit inside a repository: never commit it
        ignore.write_text("*\n")
    todo = missing(cache)
    with tempfile.TemporaryDirectory() as tmp:
        for directory in todo:
            spec = packages()[directory]
            target = cache / directory
            log(f"npm pack {spec} -> {target}")
            work = Path(tmp) / directory.replace("/", "_").replace("@", "_")
            work.mkdir()
            done = subprocess.run([npm, "pack", "--silent", spec], cwd=work, capture_output=True,
                                  text=True)
            if done.returncode != 0:
                raise OSError(f"npm pack {spec} failed: {done.stderr.strip() or done.stdout.strip()}")
            target.parent.mkdir(parents=True, exist_ok=True)
            _unpack(work / done.stdout.strip().splitlines()[-1], target)
    return cache


def main(argv=None) -> int:
    """``python sim/viz/assets.py [DIR]``: fill the cache (default: see :func:`cache_dir`)."""
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) > 1 or (argv and argv[0].startswith("-")):
        print("usage: python sim/viz/assets.py [CACHE_DIR]", file=sys.stderr)
        return 2
    cache = Path(argv[0]) if argv else cache_dir()
    try:
        fetch(cache, log=lambda line: print(f"solara assets: {line}", file=sys.stderr))
    except OSError as err:
        print(f"solara assets: error: {err}", file=sys.stderr)
        return 1
    print(f"solara assets: cache ready in {cache}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
