#!/usr/bin/env bash
# Regenerate constraints.txt: the exact versions of everything `pip install -e ".[test]"`
# brings in, resolved afresh in a throw-away venv with the Python of .python-version.
# CI installs with `-c constraints.txt`, so a release of any dependency cannot change a
# test run until this script is rerun and the change committed.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=$(mktemp -d)
trap 'rm -rf "$venv"' EXIT
python3 -m venv "$venv"
"$venv/bin/pip" install -q -e ".[test]"
{
    echo "# Exact versions the test suite runs with (tools/freeze_constraints.sh, $("$venv/bin/python" -V))."
    echo "# Use: pip install -e \".[test]\" -c constraints.txt"
    "$venv/bin/pip" freeze --exclude-editable
} > constraints.txt
echo "wrote constraints.txt ($(grep -vc '^#' constraints.txt) packages)"
