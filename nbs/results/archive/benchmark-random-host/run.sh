#!/usr/bin/env bash
# Archived: this script made the runs of this folder (the random-initialised, mean-pooled tiny host) when they lived
# in nbs/results/benchmark/; today's reference runs are made by nbs/results/benchmark/run.sh.
# Reference runs on the planted benchmark (tiny preset, CPU): 5 seeds x {supervised baseline, MART}, each through
# the training notebook. A finished run (final.json present) is skipped, so the script can be rerun after a stop.
# Each MART run leaves its teacher in runs/teachers/seed<k>.pt, where the ablation sweep (09_ablations) finds it.
# Usage, from the project root:  bash nbs/results/benchmark/run.sh [seeds...]
set -euo pipefail
cd "$(dirname "$0")/../../.."
mkdir -p runs/benchmark runs/teachers
seeds=("${@:-0 1 2 3 4}")
for s in ${seeds[@]}; do for m in supervised mart; do
  out=nbs/results/benchmark/$m-seed$s
  [ -f "$out/final.json" ] && continue
  papermill nbs/05_train.ipynb runs/benchmark/${m}_seed$s.ipynb --cwd nbs --no-progress-bar \
      -p method $m -p seed $s -p out_dir "$out" -p resume True
  if [ -f "$out/teacher.pt" ] && [ ! -f runs/teachers/seed$s.pt ]; then cp "$out/teacher.pt" runs/teachers/seed$s.pt; fi
  rm -f "$out"/*.pt
done; done
