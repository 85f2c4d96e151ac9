#!/usr/bin/env bash
# Reference runs on the planted benchmark with the pretrained tiny host (tiny preset, CPU, 1 torch thread per run, two
# runs at a time): 5 seeds x {supervised baseline, MART} under max pooling (the paper's, the default) and under mean
# pooling (the official code's), and a compute-matched baseline under each pooling (as many epochs as the teacher, MART
# and fine-tuning caps together, 95, with no early stop), and the max-pooling baseline from random encoders (the
# pretraining's control). A finished run (final.json present) is skipped, so the script can be rerun after a stop.
# Each MART run leaves its teacher in runs/teachers/<pooling>/seed<k>.pt for the ablations.
# Usage, from the project root:  bash nbs/results/benchmark/run.sh [seeds...]
set -euo pipefail
cd "$(dirname "$0")/../../.."
seeds=("${@:-0 1 2 3 4}")
mkdir -p runs/benchmark runs/teachers/max runs/teachers/mean

one() {   # one run: <name> <pooling> <seed> [mart-train options]
  local name=$1 pool=$2 seed=$3; shift 3
  local out=nbs/results/benchmark/$name-seed$seed
  [ -f "$out/final.json" ] && return 0
  python -m mart_nb.runner --pooling "$pool" --seed "$seed" --out-dir "$out" --no-progress "$@" \
      > "runs/benchmark/$name-seed$seed.log" 2>&1
  if [ -f "$out/teacher.pt" ]; then cp "$out/teacher.pt" "runs/teachers/$pool/seed$seed.pt"; fi
  plots "$out"
  rm -f "$out"/*.pt
}
plots() {   # the run's history.png and curves.png (the plots 05_train draws), while its checkpoints are still there
  python - "$1" <<'PY'
import json, sys
from pathlib import Path
import matplotlib
matplotlib.use('Agg')
from mart_nb.train import TrainConfig, build_data, plot_curves, plot_history, read_history, recovered_curves
out = Path(sys.argv[1])
cfg = TrainConfig(**json.loads((out / 'config.json').read_text()))
plot_history(read_history(out), f"{cfg.method}, pooling {cfg.pooling}, seed {cfg.seed}").savefig(out / 'history.png', dpi=100)
ax = plot_curves(recovered_curves(out, build_data(cfg).test, 0), cfg.info.classes)
ax.figure.savefig(out / 'curves.png', dpi=100)
PY
}
export -f plots
export -f one

{
  for s in ${seeds[@]}; do for pool in max mean; do
    sfx=$([ "$pool" = max ] && echo "" || echo "-mean")
    echo "supervised$sfx $pool $s --method supervised"
    echo "mart$sfx $pool $s --method mart"
  done; done
  for pool in max mean; do for s in ${seeds[@]}; do
    sfx=$([ "$pool" = max ] && echo "" || echo "-mean")
    echo "supervised-matched$sfx $pool $s --method supervised --epochs-mart 0 --epochs-finetune 95 --patience 0"
  done; done
  for s in ${seeds[@]}; do   # the pretraining's control: the same baseline from random encoders
    echo "supervised-random max $s --method supervised --no-pretrained"
  done
} | xargs -P 2 -L 1 bash -c 'one "$@"' _
