#!/usr/bin/env bash
# Set up .venv with Python 3.12+ and the package (editable) with the given extras.
# Usage: scripts/bootstrap.sh [EXTRAS]   e.g. scripts/bootstrap.sh dev
# Quick when already done: a stamp keyed by pyproject.toml, setup.py, the C source and the extras
# skips pip. A C compiler builds the gate filter (_gatevs.c; without one, gate() runs numpy and warns).
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
venv=".venv"

py_ok() {  # prints the interpreter path when it runs and is 3.12+
  local py="$1"
  [ -x "$py" ] || py=$(command -v "$py" 2>/dev/null) || return 1
  "$py" -c 'import sys, venv; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1 || return 1
  echo "$py"
}

# Prefer the oldest working 3.12+: the one the binary wheels (VapourSynth R81 cp312-abi3, torch) cover best.
find_python() {
  local c
  if [ -n "${AINIMOTION_PYTHON:-}" ]; then py_ok "$AINIMOTION_PYTHON" && return 0
    echo "bootstrap: AINIMOTION_PYTHON=$AINIMOTION_PYTHON is not a working Python 3.12+" >&2; return 1; fi
  for c in python3.12 python3.13 python3.14 python3 python; do py_ok "$c" && return 0; done
  local roots=()
  command -v pyenv >/dev/null 2>&1 && roots+=("$(pyenv root 2>/dev/null)")
  roots+=("${PYENV_ROOT:-$HOME/.pyenv}" /usr/local /opt/python /opt)
  for r in "${roots[@]}"; do
    for c in $(ls -d "$r"/versions/3.* "$r"/python3.* 2>/dev/null | sort -V); do
      py_ok "$c/bin/python3" && return 0
    done
  done
  return 1
}

if [ -x "$venv/bin/python" ] && ! py_ok "$venv/bin/python" >/dev/null; then
  echo "bootstrap: $venv uses an old Python; recreating it" >&2; rm -rf "$venv"
fi
if [ ! -x "$venv/bin/python" ]; then
  if ! py=$(find_python); then
    echo "bootstrap: Python 3.12 or newer is required (VapourSynth R81 ships only for 3.12+)." >&2
    echo "  Install one (e.g. 'pyenv install 3.12', or your distribution's python3.12)" >&2
    echo "  or point AINIMOTION_PYTHON at it, then run this again." >&2
    exit 1
  fi
  echo "bootstrap: creating $venv with $py ($("$py" -V 2>&1))" >&2
  "$py" -m venv "$venv"
fi

stamp="$venv/.ainimotion-stamp"
# Keyed by what pip builds from: the metadata and the gate's C extension (rebuilt when it changes).
# The stamp's second line lists the extras installed; a request for a subset of them is done.
key="$(cat pyproject.toml setup.py ainimotion_vs/gating/_gatevs.c | sha256sum | cut -c1-16)"
want_extras=$(echo "$extras" | tr ',' '\n' | sed '/^$/d' | sort -u)
if [ -f "$stamp" ] && [ "$(head -n1 "$stamp")" = "$key" ]; then
  have_extras=$(tail -n +2 "$stamp")
  missing=$(comm -23 <(echo "$want_extras") <(echo "$have_extras") | sed '/^$/d')
  [ -z "$missing" ] && exit 0
  # install the union, so 'make demo' after 'make test' keeps the test extras
  want_extras=$(printf '%s\n%s\n' "$want_extras" "$have_extras" | sed '/^$/d' | sort -u)
fi
extras=$(echo "$want_extras" | paste -sd, -)
spec="."
[ -n "$extras" ] && spec=".[$extras]"
echo "bootstrap: installing ainimotion_vs$([ -n "$extras" ] && echo "[$extras]") into $venv (first time: a few minutes, torch is large)" >&2
"$venv/bin/python" -m pip install -q --upgrade pip >&2
"$venv/bin/python" -m pip install -q -e "$spec" >&2
# The gate's filter is an optional build (pip stays quiet when it fails): say so here.
# (one glob per platform: 'ls a*.so b*.pyd' fails whenever one of them matches nothing)
case "$(uname -s)" in MINGW*|MSYS*|CYGWIN*) lib_glob='ainimotion_vs/gating/_gatevs*.pyd' ;; *) lib_glob='ainimotion_vs/gating/_gatevs*.so' ;; esac
if ! compgen -G "$lib_glob" >/dev/null; then
  echo "bootstrap: warning: the gate's VapourSynth filter was not built (no C compiler, or a build error:" >&2
  echo "  see '$venv/bin/python -m pip install -e . -v'); gate() will run its slower numpy path" >&2
fi
# vspipe needs VapourSynth's runtime configuration once per user (R81 wheels).
"$venv/bin/vapoursynth" config >/dev/null 2>&1 || echo "bootstrap: warning: 'vapoursynth config' failed; vspipe may not start" >&2
printf '%s\n%s\n' "$key" "$want_extras" | sed '/^$/d' > "$stamp"
