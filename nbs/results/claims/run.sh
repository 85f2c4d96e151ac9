#!/usr/bin/env bash
# The claims sweep (issue: each of the paper's claims measured on the pretrained host): every arm of
# mart_nb.ablations.ARMS that measures a claim, seed by seed, two runs at a time, one torch thread each, with the CLI
# (python -m mart_nb.runner). The reference MART of a seed runs first and trains the seed's teacher; every other MART
# arm of that seed reads the same file (its SHA-256 goes into config.json and final.json, and the report pairs only
# runs with the same teacher). The label-scarcity arms train their own teacher on their own labelled videos.
# A finished run (final.json) is skipped, so the script resumes after a stop; checkpoints are removed after each run.
# Usage, from the project root:  bash nbs/results/claims/run.sh [seeds...]     (default: 0 1 2 3 4)
#   ARMS="mart baseline ..." restricts the arms (default: all below, in this order).
set -euo pipefail
cd "$(dirname "$0")/../../.."
seeds=("${@:-0 1 2 3 4}")
root=nbs/results/claims
teachers=runs/teachers/claims
mkdir -p runs/claims "$teachers"
# arm by arm (every seed of an arm before the next arm), so that a stopped sweep leaves whole arms; the baseline at
# 20 labelled videos per class is nbs/results/benchmark/supervised-seed<k> (the same configuration) and runs here last
ARMS=${ARMS:-"mart published mask-random no-distribution target-time no-tacl-aux baseline-5pc mart-5pc baseline-10pc \
mart-10pc no-verification shuffled-within kl-0.25 kl-0.05 shuffled-text mask-tube mask-frame ratio-fixed \
no-segment-weight attention-student baseline"}

one() {   # one run: <arm> <seed>
  local arm=$1 seed=$2 out=$root/$1-seed$2 teacher=$teachers/seed$2.pt
  [ -f "$out/final.json" ] && return 0
  local args
  if [ "$arm" = mart ]; then
    args=$(python -c "from mart_nb.ablations import arm_args; import shlex, sys; print(shlex.join(arm_args('mart', $seed, '$out')))")
  else
    args=$(python -c "from mart_nb.ablations import arm_args; import shlex; print(shlex.join(arm_args('$arm', $seed, '$out', '$teacher')))")
    if [[ "$args" == *--teacher* ]]; then    # wait for the seed's reference MART to leave its teacher (at most 40 min)
      for _ in $(seq 240); do [ -f "$teacher" ] && break; sleep 10; done
      [ -f "$teacher" ] || { echo "no teacher $teacher for $arm seed $seed" >&2; return 1; }
    fi
  fi
  eval python -m mart_nb.runner --no-progress "$args" > "runs/claims/$arm-seed$seed.log" 2>&1 || {
    echo "$arm seed $seed failed: runs/claims/$arm-seed$seed.log" >&2; return 1; }
  if [ "$arm" = mart ]; then cp "$out/teacher.pt" "$teacher.tmp" && mv "$teacher.tmp" "$teacher"; fi
  rm -f "$out"/*.pt
  echo "$(date +%H:%M:%S) $arm seed $seed done"
}
export -f one
export root teachers

{
  for s in ${seeds[@]}; do echo "mart $s"; done            # the teachers first
  for a in $ARMS; do [ "$a" = mart ] || for s in ${seeds[@]}; do echo "$a $s"; done; done
} | xargs -P 2 -L 1 bash -c 'one "$@"' _

# the teachers' targets along both axes against the planted truth (validation videos): teacher_targets.csv
python - "$root" "$teachers" <<'PY'
import csv, sys
from pathlib import Path
import torch
from mart_nb.runner import file_sha256, load_host
from mart_nb.train import TrainConfig, build_data, evaluate, target_vs_planted
from mart_nb.dataset import make_loader
root, teachers = Path(sys.argv[1]), Path(sys.argv[2])
torch.set_num_threads(1)
rows = []
for f in sorted(teachers.glob('seed*.pt')):
    seed = int(f.stem[4:])
    cfg = TrainConfig(seed=seed)
    data = build_data(cfg)
    host = load_host(f)
    res = evaluate(host, make_loader(data.val, batch_size=cfg.batch_size, shuffle=False, num_workers=0), "cpu")
    for axis in ('class', 'time'):
        for how in ('sum', 'softmax'):
            t = target_vs_planted(res['tcam'], data.val, how, axis)
            rows.append(dict(seed=seed, teacher_sha256=file_sha256(f), val_acc_e=res['metrics']['acc_e'], axis=axis,
                             how=how, kl_target=t['kl_target'], kl_uniform=t['kl_uniform']))
with open(root / 'teacher_targets.csv', 'w', newline='') as out:
    w = csv.DictWriter(out, fieldnames=list(rows[0]))
    w.writeheader()
    w.writerows(rows)
print(f"{root / 'teacher_targets.csv'}: {len(rows)} rows")
PY
