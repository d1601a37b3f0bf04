#!/usr/bin/env bash
# The GPU check for a lent GPU machine (H100/H200: python3 with torch CUDA, no VapourSynth, no
# ffmpeg, no internet). Run from the repository root after scripts/gpu_prepare.sh filled .whl
# (wheels) and .gpu (weights, the 10 s 1080p clip) and the run call carried both:
#
#     bash scripts/gpu_check.sh                  # on the GPU machine; results in $OUT
#     PYTHON=.venv/bin/python SITE=/tmp/gpucheck_site bash scripts/gpu_check.sh --cpu-dry-run   # here, no GPU
#
# Installs the carried wheels into $SITE (default /tmp/site), points AINIMOTION_HOME at a fresh
# folder that scripts/gpu_check.py fills with the carried weights, then runs gpu_check.py
# (extra arguments are passed on). Exit status: gpu_check.py's (1 when a check failed).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 3
PY=${PYTHON:-python3}
SITE=${SITE:-/tmp/site}
OUT=${OUT:-$PWD/out/gpu_check}
mkdir -p "$OUT"
if ls .whl/*.whl >/dev/null 2>&1; then
    "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$SITE" .whl/*.whl \
        || { echo "gpu_check: installing the carried wheels (.whl) failed" >&2; exit 3; }
    export PYTHONPATH="$SITE:$PWD${PYTHONPATH:+:$PYTHONPATH}"
else
    echo "gpu_check: no .whl folder: using the VapourSynth and PyAV already installed (run scripts/gpu_prepare.sh here first)" >&2
    export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
fi
export AINIMOTION_HOME=${AINIMOTION_HOME:-/tmp/ainimotion_home}
export PYTHONUNBUFFERED=1
echo "gpu_check: $("$PY" --version 2>&1), site $SITE, AINIMOTION_HOME $AINIMOTION_HOME, out $OUT"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || echo "gpu_check: no nvidia-smi here"
"$PY" scripts/gpu_check.py --out "$OUT" "$@" 2>&1 | tee "$OUT/gpu_check.log"
exit "${PIPESTATUS[0]}"
