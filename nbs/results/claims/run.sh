#!/usr/bin/env bash
# The claims sweep (issue: each of the paper's claims measured on the pretrained host): every arm of
# mart_nb.ablations.ARMS that measures a claim, seed by seed, two runs at a time, one torch thread each, with the CLI
# (python -m mart_nb.runner).
#
# The teacher of a MART run is the better, on validation, of two supervised hosts trained on the same videos: the
# MART run's own stage 0 and the baseline student of the same seed and training size (the host fine-tuned on the
# dataset, as the paper's teacher is); a tie keeps stage 0. So every teacher is at least as good on validation as the
# baseline student. Phase 1 runs, for every seed, the reference MART and the baseline at 20 labelled videos per class
# and the MART and baseline arms at 5 and 10 (each MART run trains its stage 0); phase 2 picks each teacher (where the
# baseline wins, its model becomes the teacher and the MART run is moved to runs/claims/replaced/ and run again with
# it, `--teacher`); phase 3 runs every other arm. Every MART arm at 20 per class of a seed reads that seed's teacher
# file (its SHA-256 goes into config.json and final.json, and the report pairs only runs with the same teacher).
# A finished run (final.json) is skipped, so the script resumes after a stop; checkpoints are removed after each run
# (a baseline's best.pt is kept as runs/teachers/claims/baseline[-<size>]-seed<k>.pt, a teacher candidate).
# Usage, from the project root:  bash nbs/results/claims/run.sh [seeds...]     (default: 0 1 2 3 4)
#   ARMS="published mask-random ..." restricts the arms of phase 3 (default: all below, in this order).
set -euo pipefail
cd "$(dirname "$0")/../../.."
seeds=("${@:-0 1 2 3 4}")
root=nbs/results/claims
teachers=runs/teachers/claims
mkdir -p runs/claims "$teachers"
# the training sizes whose MART run has its own teacher, as arm-name suffixes ('' is 20 labelled videos per class)
SIZES=("" "-5pc" "-10pc")
# arm by arm (every seed of an arm before the next arm), so that a stopped sweep leaves whole arms; the baseline at
# 20 labelled videos per class repeats nbs/results/benchmark/supervised-seed<k> (the same configuration)
ARMS=${ARMS:-"published mask-random no-distribution target-time no-tacl-aux no-verification shuffled-within kl-0.25 \
kl-0.05 shuffled-text mask-tube mask-frame ratio-fixed no-segment-weight attention-student"}

one() {   # one run: <arm> <seed>
  local arm=$1 seed=$2 out=$root/$1-seed$2 teacher=$teachers/seed$2.pt
  [ -f "$out/final.json" ] && return 0
  local args size=${arm#mart}
  if [[ "$arm" == mart || "$arm" == mart-*pc ]]; then             # a MART run with its own teacher
    args=$(python -c "from mart_nb.ablations import arm_args; import shlex; print(shlex.join(arm_args('$arm', $seed, '$out')))")
    teacher=$teachers/seed$seed.pt; [ -n "$size" ] && teacher=$teachers/${size#-}-seed$seed.pt
    [ -f "$teacher.from-baseline" ] && args="$args --teacher $teacher"   # phase 2 picked the baseline student
  else
    args=$(python -c "from mart_nb.ablations import arm_args; import shlex; print(shlex.join(arm_args('$arm', $seed, '$out', '$teacher')))")
    if [[ "$args" == *--teacher* ]] && [ ! -f "$teacher" ]; then
      echo "no teacher $teacher for $arm seed $seed: phases 1 and 2 did not make one" >&2; return 1
    fi
  fi
  eval python -m mart_nb.runner --no-progress "$args" > "runs/claims/$arm-seed$seed.log" 2>&1 || {
    echo "$arm seed $seed failed: runs/claims/$arm-seed$seed.log" >&2; return 1; }
  if [ "$arm" = mart ] && [ -f "$out/teacher.pt" ]; then cp "$out/teacher.pt" "$teacher.tmp" && mv "$teacher.tmp" "$teacher"; fi
  if [[ "$arm" == baseline || "$arm" == baseline-*pc ]]; then
    cp "$out/best.pt" "$teachers/$arm-seed$seed.pt.tmp" && mv "$teachers/$arm-seed$seed.pt.tmp" "$teachers/$arm-seed$seed.pt"
  fi
  rm -f "$out"/*.pt
  echo "$(date +%H:%M:%S) $arm seed $seed done"
}
export -f one
export root teachers

# phase 1: every MART run with its own teacher (its stage 0 is a teacher candidate) and the baseline beside it
for size in "${SIZES[@]}"; do for s in ${seeds[@]}; do echo "mart$size $s"; echo "baseline$size $s"; done; done \
  | xargs -P 2 -L 1 bash -c 'one "$@"' _

# phase 2: each teacher, the better on validation of the two (a tie keeps stage 0); where the baseline wins, its model
# becomes the teacher and the MART run is moved to runs/claims/replaced/ to be run again with it
python - "$root" "$teachers" "${SIZES[*]}" ${seeds[@]} <<'PY'
import json, shutil, sys
from pathlib import Path
from mart_nb.checkpoint import load_checkpoint
root, teachers, sizes, seeds = Path(sys.argv[1]), Path(sys.argv[2]), [''] + sys.argv[3].split(), sys.argv[4:]
for size in sizes:
    for k in seeds:
        mart, base = root / f'mart{size}-seed{k}', root / f'baseline{size}-seed{k}'
        teacher = teachers / (f'{size[1:]}-seed{k}.pt' if size else f'seed{k}.pt')
        mark, cand = Path(f'{teacher}.from-baseline'), teachers / f'baseline{size}-seed{k}.pt'
        if mark.exists(): continue                                      # picked in an earlier pass
        stage0 = json.loads((mart / 'teacher_check.json').read_text())['val_acc_e']
        student = max(r['val_acc_e'] for r in map(json.loads, open(base / 'metrics.jsonl')) if 'val_acc_e' in r)
        print(f"{mart.name}: stage-0 teacher {stage0:.4f}, baseline student {student:.4f} on validation -> "
              + ('the baseline student' if student > stage0 else 'stage 0'))
        if student <= stage0: continue
        if not cand.exists():
            sys.exit(f"{mart.name}: the baseline student wins but {cand} is gone (a run from before phase 2 kept no "
                     f"checkpoint): remove {base} and run this script again (the run repeats).")
        assert abs(load_checkpoint(cand)['metrics']['acc_e'] - student) < 1e-9, f"{cand} is not that baseline's model"
        shutil.copyfile(cand, f'{teacher}.tmp')
        Path(f'{teacher}.tmp').replace(teacher)
        mark.write_text(f'stage 0 {stage0}, baseline {student}\n')
        dst = Path('runs/claims/replaced') / mart.name
        shutil.rmtree(dst, ignore_errors=True); dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(mart), dst)
PY

# phase 3: the MART runs again where phase 2 replaced their teacher, then every other arm
{
  for size in "${SIZES[@]}"; do for s in ${seeds[@]}; do echo "mart$size $s"; done; done
  for a in $ARMS; do for s in ${seeds[@]}; do echo "$a $s"; done; done
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
