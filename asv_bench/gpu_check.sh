#!/usr/bin/env bash
# The GPU check, for a machine with an NVIDIA GPU (about 4 minutes on an H100):
#   1. environment: the GPU, Python, numba, numba-cuda;
#   2. benchmark: inner iterations per second of the CUDA kernel against the CPU kernel on every core,
#      faithful and fast, heavy workload at 1024x1024 and one term per pixel at 4096x4096 (gpu_bench.py);
#   3. golden parity of --device cuda through the referee (float images within 1e-6 relative of the C;
#      where CUDA's sin/cos/exp/atan2 differ from glibc's, the json shows by how much);
#   4. the GPU tests (tests/test_cuda.py on the device).
# It runs the working tree as it is (PYTHONPATH), nothing is installed.
#
#   asv_bench/gpu_check.sh [OUT_DIR]        (default $OUT, else /tmp/nanobragg-gpu-check)
#
# Golden data: $NANOBRAGG_GOLDEN, else ../shared/golden beside the repository.
set -uo pipefail
cd "$(dirname "$0")/.."
out="${1:-${OUT:-/tmp/nanobragg-gpu-check}}"
mkdir -p "$out"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1 LC_ALL=C
unset NUMBA_ENABLE_CUDASIM
golden="${NANOBRAGG_GOLDEN:-$PWD/../shared/golden}"
status=0

step() {
    local name=$1 start rc
    shift
    echo "== $name"
    start=$(date +%s)
    "$@"
    rc=$?
    echo "== $name: exit $rc after $(($(date +%s) - start)) s"
    [ "$rc" -eq 0 ] || status=1
}

step environment bash -c 'nvidia-smi -L; nproc; python3 -c "
import sys, numpy, numba, numba_cuda
print(\"python\", sys.version.split()[0], \"numpy\", numpy.__version__, \"numba\", numba.__version__,
      \"numba-cuda\", numba_cuda.__version__)"'
step benchmark timeout 200 python3 asv_bench/gpu_bench.py --json "$out/bench.json"
if [ -f "$golden/check_parity.py" ]; then
    step parity timeout 200 python3 "$golden/check_parity.py" --golden "$golden" \
        --cmd "python3 -m nanobragg_nb --device cuda" --json "$out/parity_cuda.json"
else
    echo "== parity: skipped, no golden data at $golden (set NANOBRAGG_GOLDEN)"
fi
step tests timeout 120 python3 -m pytest -q -rs -p no:cacheprovider tests/test_cuda.py -k "gpu_matches_cpu or cli"
exit $status
