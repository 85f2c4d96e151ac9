#!/usr/bin/env bash
# The prepared GPU check (about 5 minutes on one GPU): the paper preset's supervised and MART steps in bf16 with random
# weights (videos/s, MFU, peak memory), the loader's share of a step with 8 workers on the planted benchmark, and a
# 2-process NCCL run when there are 2 or more GPUs. One JSON: $OUT/gpu_check.json (or the path given as $1).
# Usage, from the project root, in an environment where mart_nb is installed:  bash tests/benchmarks/gpu_check.sh [out.json]
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:-${OUT:-.}/gpu_check.json}"
python -c "import torch, mart_nb; assert torch.cuda.is_available(), 'no CUDA GPU'" || { echo "gpu_check: needs a CUDA GPU and mart_nb installed"; exit 2; }
timeout 600 python tests/benchmarks/gpu_check.py --out "$out" --device cuda
