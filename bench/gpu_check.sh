#!/usr/bin/env bash
# The GPU checks of issue 17, as one prepared run on a machine with an NVIDIA GPU (the device tool):
#   bench/gpu_wheels.sh here first, then on the GPU machine, carrying .whl:
#   bash bench/gpu_check.sh            # results in $OUT (or /tmp/gpu-check), one file per step
# Each step has its own time limit, so one that hangs cannot eat the others' time.
set -u
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/gpu-check}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
if ls .whl/*.whl >/dev/null 2>&1; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
fi
export PYTHONPATH="/tmp/site:$PWD"
step() {  # step NAME SECONDS COMMAND...
  local name=$1 limit=$2; shift 2
  local started=$SECONDS
  { echo "\$ $*"; timeout "$limit" "$@"; echo "exit $? after $((SECONDS - started)) s"; } > "$OUT/$name.txt" 2>&1
  tail -n 3 "$OUT/$name.txt"
}
{ nvidia-smi; python3 -c "import torch, sys; print(sys.version); print('torch', torch.__version__, 'cuda', torch.version.cuda, torch.cuda.get_device_name())"; } > "$OUT/machine.txt" 2>&1
step doctor 120 python3 -m grader.cli doctor --device cuda --quizzes quizzes
step cuda-tests 300 python3 -m pytest -q -p no:cacheprovider -m cuda tests/test_cuda.py -x --timeout 240
step validate-cuda 180 python3 -m grader.cli validate --device cuda
step bench-latency 120 python3 bench/grade_latency.py --device cuda --n 40 --cold 3
step bench-batch 240 python3 bench/batch_throughput.py --device cuda --n 400 --naive-sample 3
step cage-on-cpu 240 python3 -m pytest -q -p no:cacheprovider tests/test_untrusted.py tests/test_hostile.py --timeout 200
echo "results in $OUT"
