#!/usr/bin/env bash
# Run HERE (the development machine, with network and the .venv) before a GPU check: fills the
# git-ignored folders that the run call carries to the GPU machine, checks they fit the 64 MiB
# carry limit, and prints the exact run call.
#
#   .whl/   vapoursynth and av wheels for CPython 3.12 manylinux x86_64 (the device README's
#           pip download command), re-packed with LZMA (pip reads LZMA zip members) to fit
#   .gpu/weights/<model>/   the installed weights of rife-4.25 and realesr-animevideov3 (big files .xz)
#   .gpu/clip_1080p24.mkv   10 s of real anime (digimon trailer frames 290-529, cuts at 311 and
#                           388), upscaled 720p -> 1920x1080 (Spline36), x264 crf 20, BT.709
#
# Usage: bash scripts/gpu_prepare.sh          (PYTHON=... to use another interpreter)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
LIMIT=$((64 * 1024 * 1024))

for p in /.whl/ /.gpu/; do
    grep -qxF "$p" .git/info/exclude 2>/dev/null || echo "$p" >>.git/info/exclude
done

VS_VER=$("$PY" -c "import importlib.metadata as m; print(m.version('vapoursynth'))")
AV_VER=$("$PY" -c "import importlib.metadata as m; print(m.version('av'))")
rm -rf .whl && mkdir -p .whl
"$PY" -m pip download --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
    --platform manylinux2014_x86_64 --platform manylinux1_x86_64 -d .whl "vapoursynth==$VS_VER" "av==$AV_VER"

"$PY" - <<'PYEOF'
"""Re-pack the wheels with LZMA members (same files, same RECORD hashes) and copy the weights."""
import lzma, shutil, sys, zipfile
from pathlib import Path

for whl in sorted(Path(".whl").glob("*.whl")):
    tmp = whl.with_suffix(".tmp")
    with zipfile.ZipFile(whl) as zi, zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_LZMA) as zo:
        for info in zi.infolist():
            new = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            new.external_attr = info.external_attr
            new.compress_type = zipfile.ZIP_LZMA
            zo.writestr(new, zi.read(info))
    before = whl.stat().st_size
    tmp.replace(whl)
    print(f"gpu_prepare: {whl.name}: {before / 2**20:.1f} -> {whl.stat().st_size / 2**20:.1f} MiB (LZMA)")

sys.path.insert(0, ".")
from ainimotion_vs.weights import ensure_weights, installed_files

dest = Path(".gpu/weights")
shutil.rmtree(dest, ignore_errors=True)
for model in ("rife-4.25", "realesr-animevideov3"):
    ensure_weights(model)
    group, files = installed_files(model)
    (dest / model).mkdir(parents=True)
    for name, path in files.items():
        if path.stat().st_size > 4 * 2**20:
            with open(path, "rb") as fin, lzma.open(dest / model / (name + ".xz"), "wb", preset=6) as fout:
                shutil.copyfileobj(fin, fout, 1 << 20)
        else:
            shutil.copy2(path, dest / model / name)
    print(f"gpu_prepare: weights {model} ({group}) -> {dest / model}")
PYEOF

CLIP=.gpu/clip_1080p24.mkv
if [ ! -s "$CLIP" ]; then
    SRC=$("$PY" -c "import sys; sys.path.insert(0, '.'); from tests.conftest import shared_data_dir as d; p = d(); print(p / 'clips' / 'digimon_trailer_720p.mp4' if p else '')")
    [ -n "$SRC" ] || { echo "gpu_prepare: the shared footage folder was not found (set AINIMOTION_SHARED_DATA)" >&2; exit 2; }
    FF=$("$PY" -c "import imageio_ffmpeg; print(imageio_ffmpeg.get_ffmpeg_exe())")
    "$FF" -nostdin -hide_banner -loglevel error -y -i "$SRC" \
        -vf "select='between(n,290,529)',setpts=N/FRAME_RATE/TB,scale=1920:1080:flags=spline,format=yuv420p" \
        -an -r 24000/1001 -c:v libx264 -preset slow -crf 20 \
        -colorspace bt709 -color_primaries bt709 -color_trc bt709 -color_range tv "$CLIP"
fi
"$PY" -c "import av; c = av.open('$CLIP'); s = c.streams.video[0]; n = sum(1 for p in c.demux(s) if p.size); print(f'gpu_prepare: clip {s.codec_context.width}x{s.codec_context.height}, {n} frames, {float(s.average_rate):.3f} fps')"

TREE=$(git ls-files -z --cached --others --exclude-standard | xargs -0 -r stat -c %s 2>/dev/null | awk '{s+=$1} END {print s+0}')
CARRY=$(du -sb .whl .gpu | awk '{s+=$1} END {print s}')
TOTAL=$((TREE + CARRY))
printf 'gpu_prepare: working tree %.1f MiB + carried %.1f MiB = %.1f MiB (limit 64 MiB)\n' \
    "$(echo "$TREE / 1048576" | bc -l)" "$(echo "$CARRY / 1048576" | bc -l)" "$(echo "$TOTAL / 1048576" | bc -l)"
if [ "$TOTAL" -ge "$LIMIT" ]; then
    echo "gpu_prepare: OVER the 64 MiB carry limit: remove something from .gpu or the working tree" >&2
    exit 1
fi
cat <<'CALL'

The device run call (one call: start + at most 8 min of the 15 min budget, leaving room for one short rerun; give_back afterwards):
  run(command="bash scripts/gpu_check.sh", carry=[".whl", ".gpu"], timeout_s=480)
Results come back under files_at: gpu_check.md (the table), gpu_check.json, gpu_check.log.
CALL
