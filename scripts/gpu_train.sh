#!/usr/bin/env bash
# One-call fine-tuning recipe for a machine with a CUDA GPU and the full install (VapourSynth,
# ffmpeg, torch with CUDA, this package): curate from the footage folder, train each model for a
# fixed time, install the result and evaluate it against its base on the held-back shots.
#
#     bash scripts/gpu_train.sh                     # footage from ../shared/data/clips, 20 min per model
#     MINUTES=60 TASKS=interp FOOTAGE=/my/episodes OUT=out/tune bash scripts/gpu_train.sh
#
# Fixed time with a finished schedule: a 30-step calibration run measures the step rate, and the
# real run gets the number of steps that fits MINUTES (the cosine schedule then ends on time);
# --time-limit stops it with a checkpoint if the rate was optimistic (continue with --resume).
# Datasets already in OUT are reused. Results: OUT/<task>_eval.md (the table), OUT/run_<task>/
# (log.csv, loss.png, best.pth), models installed as <task>-tuned.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
[ -x "$PY" ] || PY=python3
FOOTAGE=${FOOTAGE:-../shared/data/clips}
OUT=${OUT:-out/gpu_train}
MINUTES=${MINUTES:-20}
TASKS=${TASKS:-"interp upscale"}
CROP_INTERP=${CROP_INTERP:-256}
CROP_UPSCALE=${CROP_UPSCALE:-256}
BATCH=${BATCH:-16}
AIN=("$PY" -m ainimotion_vs)
mkdir -p "$OUT"

# Anime sources with a constant frame rate (the VFR cadence test clip and the non-anime control are left out).
mapfile -t SOURCES < <(ls "$FOOTAGE"/*.mp4 "$FOOTAGE"/*.mkv 2>/dev/null | grep -v -e popteamepic -e slides_fades || true)
[ "${#SOURCES[@]}" -gt 0 ] || { echo "gpu_train: no videos in $FOOTAGE (set FOOTAGE=folder)" >&2; exit 2; }
"$PY" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 'gpu_train: torch sees no CUDA GPU')"
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true

for task in $TASKS; do
    data="$OUT/${task}_data"; run="$OUT/run_${task}"; calib="$OUT/calib_${task}"
    if [ "$task" = interp ]; then crop=$CROP_INTERP; else crop=$CROP_UPSCALE; fi
    [ -f "$data/manifest.json" ] || "${AIN[@]}" dataset "$task" "${SOURCES[@]}" --out "$data" --crop 256
    rm -rf "$calib"
    "${AIN[@]}" train "$task" --data "$data" --out "$calib" --steps 30 --crop "$crop" --batch "$BATCH" --val-every 1000 >/dev/null
    steps=$("$PY" - "$calib/log.csv" "$MINUTES" <<'PYEOF'
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["seconds"]]
rate = (float(rows[-1]["seconds"]) - float(rows[9]["seconds"])) / (len(rows) - 10)  # skip warm-up steps
# validation (20 passes over up to 64 samples) and checkpoints take ~10 % of a run
print(max(50, int(float(sys.argv[2]) * 60 * 0.9 / rate)))
PYEOF
)
    echo "gpu_train: $task: $steps steps for $MINUTES min"
    resume=(); [ -f "$run/last.pth" ] && resume=(--resume)
    "${AIN[@]}" train "$task" --data "$data" --out "$run" --steps "$steps" --crop "$crop" --batch "$BATCH" \
        --time-limit $((MINUTES * 60)) "${resume[@]}"
    "${AIN[@]}" weights install "${task}-tuned" "$run/best.pth" --force
    "${AIN[@]}" evaluate "$task" --model "${task}-tuned" --data "$data" --device cuda | tee "$OUT/${task}_eval.md"
done
