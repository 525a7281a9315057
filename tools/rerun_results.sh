#!/usr/bin/env bash
# Rerun every committed result from its seeds after a change to the model: each study of
# experiments/ (into its results/ folder, which then holds fresh Parquet parts, summaries,
# figures and the final_day.csv digest the tests check), the validation report and the
# paired mechanism effects. `git diff results/` then shows what the change did.
#   bash tools/rerun_results.sh            # everything (about an hour on two cores)
#   bash tools/rerun_results.sh studies    # only the studies (or: validation, effects)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.venv/bin
what=${1:-all}
case "$what" in all|studies|validation|effects) ;;
    *) echo "rerun_results.sh: '$what' is not allowed: expected all, studies, validation or effects" >&2
       exit 2 ;;
esac
if [[ $what == all || $what == studies ]]; then
    for study in experiments/*.toml; do
        # Everything in a study's folder is regenerated; stale parts would be kept, not rerun,
        # and a folder of another design (a changed study file) is refused.
        rm -rf "results/$(basename "$study" .toml)"
        "$bin/parasocial" sweep "$study" --workers 2
    done
fi
if [[ $what == all || $what == validation ]]; then
    "$bin/parasocial" validate --replicates 20 --counterfactuals 3 --scale 10000 20000 1000000 \
        --scale-replicates 3 --workers 2 --force
fi
if [[ $what == all || $what == effects ]]; then
    "$bin/python" experiments/mechanism_effects.py --seeds 12 --workers 2
fi
