#!/usr/bin/env bash
# Every GPU check in one go, for a CUDA machine that already has torch/transformers
# (the project's other dependencies may come as wheels in .whl/). Writes to $OUT:
#   log.txt                  environment, the GPU tests, the training log
#   bench_suggest_cuda.json  batch-path overhead on the GPU (tiny and medium BLIP)
#   bench_suggest_cuda_{png,jpg}256.json  tiny BLIP, 256 images on cuda: the per-batch overhead
#   bench_suggest_cpu_{png,jpg}32.json    tiny BLIP, 32 images on the CPU cores (the aim's CPU case)
#   bench_suggest_cpu_medium32.json       medium BLIP, 32 PNG on the CPU cores
#   bench_readers.json       the reading stage alone: reader thread vs 2/4/8 reader processes
#   bench_repair_cuda.json   repair latency on the GPU (1024^2 5% mask, 8000^2)
#   starter.*                the starter checkpoint after TRAIN_MINUTES more on the GPU
# Usage: OUT=/tmp/out TRAIN_MINUTES=3.5 [TRAIN_BATCH=32] [REPAIR_BENCH=0] [READER_BENCH=0] [CUDA256=0] [SUGGEST_REPS=3] bash tests/gpu/run_device_checks.sh
set -uo pipefail
OUT=${OUT:-/tmp/llmvis_gpu_out}
TRAIN_MINUTES=${TRAIN_MINUTES:-0}
mkdir -p "$OUT"
LOG="$OUT/log.txt"
if ls .whl/*.whl >/dev/null 2>&1; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
    >>"$LOG" 2>&1 || { echo "wheel install failed" | tee -a "$LOG"; exit 1; }
  export PYTHONPATH=/tmp/site
fi
export PYTHONPATH="$PWD:${PYTHONPATH:-}" PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1
say() { echo "=== $* ($(date +%T))" | tee -a "$LOG"; }

say environment
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv >>"$LOG" 2>&1
python3 -c "import torch, transformers, skimage, sqlalchemy; print('torch', torch.__version__, 'cuda', torch.version.cuda, \
'transformers', transformers.__version__, 'skimage', skimage.__version__, 'sqlalchemy', sqlalchemy.__version__, \
'cpus', __import__('os').cpu_count())" 2>&1 | tee -a "$LOG"

say GPU tests
timeout 240 python3 -m pytest -q -p no:cacheprovider -o addopts="" tests/gpu 2>&1 | tail -40 | tee -a "$LOG"

if [ "$TRAIN_MINUTES" != "0" ]; then
  say "starter training: $TRAIN_MINUTES more minutes on the GPU"
  mkdir -p /tmp/work && cp .gpu_carry/llmvis_starter_full.* /tmp/work/
  timeout $(python3 -c "print(int($TRAIN_MINUTES*60+120))") python3 scripts/train_starter.py --resume --device cuda \
    --batch ${TRAIN_BATCH:-32} --minutes "$TRAIN_MINUTES" --work /tmp/work/llmvis_starter_full.safetensors \
    --out "$OUT/starter.safetensors" 2>&1 | awk 'NR%50==0 || /out|rror|Trace/' | tee -a "$LOG"
  cp /tmp/work/llmvis_starter_full.safetensors "$OUT/full.safetensors" 2>/dev/null
  cp /tmp/work/llmvis_starter_full.json "$OUT/full.json" 2>/dev/null
  cp /tmp/work/llmvis_starter_full.preview.png "$OUT/full.preview.png" 2>/dev/null
fi

if [ "${REPAIR_BENCH:-1}" = 1 ]; then
  say bench_repair on cuda
  timeout 180 python3 tests/benchmarks/bench_repair.py --device cuda --no-quality --big 8000 --threads 16 \
    >"$OUT/bench_repair_cuda.json" 2>>"$LOG"
fi
say bench_suggest on cuda
timeout 240 python3 tests/benchmarks/bench_suggest.py --device cuda --n 64 --reps ${SUGGEST_REPS:-3} \
  >"$OUT/bench_suggest_cuda.json" 2>>"$LOG"
if [ "${CUDA256:-1}" = 1 ]; then
  say "bench_suggest: tiny model, 256 PNG then JPEG files on cuda"
  for fmt in png jpg; do
    timeout 120 python3 tests/benchmarks/bench_suggest.py --device cuda --sizes tiny --n 256 --format $fmt --reps 5 \
      >"$OUT/bench_suggest_cuda_${fmt}256.json" 2>>"$LOG"
  done
fi
say "bench_suggest on the CPU cores: tiny model, 32 PNG then JPEG files (the aim's case); medium, 32 PNG"
for fmt in png jpg; do
  timeout 120 python3 tests/benchmarks/bench_suggest.py --device cpu --sizes tiny --n 32 --format $fmt --reps 15 \
    >"$OUT/bench_suggest_cpu_${fmt}32.json" 2>>"$LOG"
done
timeout 150 python3 tests/benchmarks/bench_suggest.py --device cpu --sizes medium --n 32 --reps 5 \
  >"$OUT/bench_suggest_cpu_medium32.json" 2>>"$LOG"
if [ "${READER_BENCH:-1}" = 1 ]; then
  say "reading stage: thread vs 2/4/8 reader processes"
  timeout 180 python3 tests/benchmarks/bench_suggest.py --readers 2,4,8 --format jpg --image-size 4000x3000 --n 64 \
    --reps 3 >"$OUT/bench_readers.json" 2>>"$LOG"
fi
say done
