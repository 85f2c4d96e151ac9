#!/usr/bin/env bash
# Archived: this queue made the runs of this folder (the random-initialised, mean-pooled tiny host) when they lived in
# nbs/results/ablations/.
# The ablation sweep on the planted benchmark (tiny preset, CPU), every arm at 5 seeds, each run through the
# training notebook (mart_nb.ablations.run_sweep). Jobs run arm by arm; WORKERS processes share the queue, each with
# THREADS torch threads, claiming a job with mkdir so that no two run the same one. A finished run (final.json) is
# skipped and a stopped one resumes, so the script can be rerun after a stop. A seed's teacher is trained by the first
# arm that needs it and shared from runs/teachers/seed<k>.pt.
# Usage, from anywhere:  WORKERS=2 THREADS=1 bash nbs/results/ablations/run.sh [arms...]
set -euo pipefail
cd "$(dirname "$0")/../../.."
arms=("$@")
if [ ${#arms[@]} -eq 0 ]; then
  arms=(mask-random no-verification lexicon-nrc mask-tube mask-frame ratio-low ratio-high
        tacl-eq5 official mask-output mask-per-segment from-teacher shuffled-text no-tacl no-distribution)
fi
seeds=(${SEEDS:-0 1 2 3 4})
workers=${WORKERS:-1}
export OMP_NUM_THREADS=${THREADS:-2} MKL_NUM_THREADS=${THREADS:-2}
claims=runs/ablations/claims
rm -rf "$claims"; mkdir -p "$claims"                 # claims of an earlier, stopped sweep are void
worker() {
  for arm in "${arms[@]}"; do for s in "${seeds[@]}"; do
    [ -f "nbs/results/ablations/$arm-seed$s/final.json" ] && continue
    mkdir "$claims/$arm-seed$s" 2>/dev/null || continue            # another worker has it
    echo "[sweep] worker $1: $arm seed $s ($(date +%H:%M:%S))"
    python -c "from mart_nb.ablations import run_sweep; run_sweep(['$arm'], seeds=[$s], progress=False)" \
      || echo "[sweep] worker $1: $arm seed $s FAILED"
  done; done
}
for w in $(seq 1 "$workers"); do worker "$w" & sleep 5; done
wait
rm -rf "$claims"
echo "[sweep] done ($(date +%H:%M:%S))"
