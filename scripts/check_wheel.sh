#!/usr/bin/env bash
# Build the wheel and prove it works on a machine without a C compiler:
#   scripts/check_wheel.sh [--full]
# 1. `python -m build --wheel` (isolated build env from the registry: setuptools, wheel, vapoursynth
#    for VapourSynth4.h); the wheel must contain the compiled gate filter and the app's icon.
# 2. A fresh venv (no system site-packages). The wheel goes in with --no-deps; its dependencies
#    come from .venv's site-packages through a .pth line (default: seconds) or, with --full, from
#    the registry as `pip install WHEEL[gui]` would fetch them (torch: minutes and GBs).
# 3. With PATH holding only the fresh venv's bin (no cc/gcc/clang), `ainimotion doctor` must say
#    "gate filter  ok" from the wheel's own library, and `ainimotion gui --help` must work.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
FULL=${1:-}
WORK=$(mktemp -d /tmp/ainimotion-wheel.XXXXXX)
RM=$(command -v rm)
trap '"$RM" -rf "$WORK"' EXIT
t0=$(date +%s)
[ -e build ] && KEEP_BUILD=1 || KEEP_BUILD=0
"$PY" -m build --wheel --outdir "$WORK/dist" . >"$WORK/build.log" 2>&1 || { tail -40 "$WORK/build.log"; exit 1; }
[ "$KEEP_BUILD" = 1 ] || rm -rf build  # setuptools' scratch folder, if this run made it
WHL=$(ls "$WORK"/dist/*.whl)
t1=$(date +%s)
echo "built $(basename "$WHL") ($(du -k "$WHL" | cut -f1) KiB) in $((t1 - t0)) s"
"$PY" - "$WHL" <<'PY'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
so = [n for n in names if "_gatevs" in n and n.endswith((".so", ".pyd", ".dylib"))]
res = [n for n in names if n.startswith("ainimotion_vs/gui/resources/")]
print("wheel holds:", *so, *res)
assert so, "the wheel has no compiled gate filter (was a C compiler present at build time?)"
assert any(n.endswith(".svg") for n in res) and any(n.endswith(".desktop") for n in res), res
PY
BASE=$("$PY" -c "import sys; print(sys.base_prefix)")
"$BASE/bin/python3" -m venv "$WORK/venv"
V="$WORK/venv/bin"
if [ "$FULL" = "--full" ]; then
  "$V/python" -m pip install -q "$WHL[gui]"
else
  "$V/python" -m pip install -q --no-deps "$WHL"
  SITE=$("$PY" -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
  VSITE=$("$V/python" -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
  echo "$SITE" > "$VSITE/_ainimotion_deps.pth"   # dependencies only: .venv's own .pth files are not run
fi
t2=$(date +%s)
echo "installed into a fresh venv in $((t2 - t1)) s"
cd "$WORK"  # not the checkout: `python -c` would import the source tree from the current folder
BARE=(env "PATH=$V")  # the commands below see only the fresh venv's bin: no cc, gcc or clang
if "${BARE[@]}" /bin/sh -c 'command -v cc || command -v gcc || command -v clang'; then
  echo "FAIL: a C compiler is reachable"; exit 1
fi
echo "no cc/gcc/clang on PATH=$V"
"${BARE[@]}" "$V/python" -c "import ainimotion_vs; print('ainimotion_vs from', ainimotion_vs.__file__)" | tee where.txt
grep -q "from $WORK/venv/" where.txt || { echo "FAIL: ainimotion_vs did not come from the wheel"; exit 1; }
"${BARE[@]}" "$V/ainimotion" doctor --no-nvenc-test > doctor.txt
grep -E "^(ainimotion|VapourSynth|gate filter|plugin bs|ffmpeg|vspipe) " doctor.txt
grep -Eq "^gate filter +ok +$WORK/venv/" doctor.txt || { echo "FAIL: gate filter not ok from the wheel"; exit 1; }
"${BARE[@]}" "$V/ainimotion" gui --help >/dev/null
echo "OK: the wheel's gate filter loads with no compiler on PATH; ainimotion gui is installed"
