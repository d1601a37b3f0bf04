"""``ainimotion doctor``: what this machine has (VapourSynth, plugins, ffmpeg, encoders, torch, GPUs, the backend ``auto`` picks per model, caches).

It reports; it does not fail: the exit code is 0 whatever is missing. The table goes to
stdout (there is no video on stdout here).
"""
from __future__ import annotations

import argparse
import logging
import os
import platform
import sys
from collections.abc import Iterator

from .._version import __version__

__all__ = ["register", "run", "collect"]

log = logging.getLogger("ainimotion_vs")

Row = tuple[str, str, str]


def register(subparsers, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the ``doctor`` subcommand."""
    p = subparsers.add_parser("doctor", parents=[common], help="show VapourSynth, plugins, ffmpeg, encoders, torch, GPUs and caches")
    p.add_argument("--no-nvenc-test", action="store_true", help="skip the 1-frame NVENC test encode")
    p.add_argument(
        "--measure", action="store_true",
        help="time every installed backend for each installed model now (ONNX exports first: minutes, once), "
        "for --backend auto",
    )
    p.set_defaults(func=run)
    return p


def _vapoursynth() -> Iterator[Row]:
    try:
        import vapoursynth as vs
    except ImportError as exc:
        yield ("VapourSynth", "missing", f"{exc}; pip install vapoursynth")
        return
    from .._vs import PLUGINS

    core = vs.core
    yield ("VapourSynth", "ok", f"{vs.__version__} (core {core.core_version.release_major}, {core.num_threads} threads)")
    for ns, info in PLUGINS.items():
        if hasattr(core, ns):
            yield (f"plugin {ns}", "ok", f"{getattr(core, ns).name} ({info.what})")
        elif info.required:
            yield (f"plugin {ns}", "missing", f"{info.what}; required: {info.install}")
        else:
            yield (f"plugin {ns}", "optional", f"not installed: {info.what}; {info.install}")


def _gate_filter() -> Iterator[Row]:
    from ..gating.native import ENV, available, plugin_path

    path = plugin_path()
    if path is None:
        yield ("gate filter", "missing", "not built (no C compiler at install): gate() runs its numpy path, "
               "about three times the CPU; reinstall with gcc/clang/MSVC present")  # fmt: skip
        return
    try:
        loaded = available()
    except (RuntimeError, ValueError) as exc:
        yield ("gate filter", "no", str(exc))
        return
    yield ("gate filter", "ok" if loaded else "off", str(path) + ("" if loaded else f" (disabled by {ENV}=numpy)"))


def _vspipe() -> Iterator[Row]:
    import shutil
    import subprocess
    from pathlib import Path

    beside = Path(sys.executable).with_name("vspipe")
    exe = str(beside) if beside.exists() else shutil.which("vspipe")
    if exe is None:
        yield ("vspipe", "missing", "not beside Python nor on PATH (pip install vapoursynth)")
        return
    done = subprocess.run([exe, "--version"], capture_output=True, text=True, check=False)
    if done.returncode == 0:
        yield ("vspipe", "ok", exe)
    elif "vapoursynth config" in (done.stdout + done.stderr):
        yield ("vspipe", "no", f"{exe}: not configured; run `{Path(exe).with_name('vapoursynth')} config` once")
    else:
        yield ("vspipe", "no", f"{exe}: exit {done.returncode}: {(done.stderr or done.stdout).strip()[:120]}")


def _ffmpeg(nvenc_test: bool) -> Iterator[Row]:
    from ..errors import MissingPluginError
    from ..ffmpeg import ENCODERS, find_ffmpeg, probe_encoder

    try:
        ff = find_ffmpeg()
    except MissingPluginError as exc:
        yield ("ffmpeg", "missing", str(exc))
        return
    yield ("ffmpeg", "ok", f"{ff.version} ({ff.origin}) {ff.path}")
    for spec in ENCODERS.values():
        name = f"encoder {spec.name}"
        if not ff.has(spec.codec):
            yield (name, "missing", f"{spec.codec} not in this ffmpeg")
        elif spec.hardware and nvenc_test:
            err = probe_encoder(ff, spec)
            yield (name, "ok" if err is None else "no", spec.codec + (" (test encode works)" if err is None else f": test encode failed: {err[:120]}"))
        else:
            yield (name, "ok" if not spec.hardware else "untested", spec.codec)


def _torch() -> Iterator[Row]:
    try:
        import torch
    except ImportError as exc:
        yield ("torch", "missing", str(exc))
        return
    cuda = torch.cuda.is_available()
    yield ("torch", "ok", f"{torch.__version__} (CUDA {'available, ' + str(torch.version.cuda) if cuda else 'not available'})")
    if cuda:
        for i in range(torch.cuda.device_count()):
            props = torch.cuda.get_device_properties(i)
            yield (f"GPU {i}", "ok", f"{props.name}, {props.total_memory / 2**30:.1f} GiB")
    else:
        yield ("GPU", "none", "no CUDA GPU visible to torch")


def _auto_backends(measure: bool) -> Iterator[Row]:
    """Per installed model: which backend ``--backend auto`` picks here and the timings behind it."""
    import torch

    from ..backends import auto
    from ..models.spec import MODELS
    from ..weights import installed_files

    if torch.cuda.is_available():
        yield ("auto backend", "ok", "torch on CUDA, fp16 (a CUDA GPU is present; trt by name)")
        return
    for name in sorted(MODELS):
        item = f"auto backend {name}"
        if installed_files(name) is None:
            yield (item, "absent", "weights not installed (ainimotion weights fetch)")
            continue
        choice = auto.measure(name, export=True) if measure else auto.cached_choice(name)
        if choice is None:
            yield (item, "not measured", "not measured yet: timed on first --backend auto use, or run `ainimotion doctor --measure`")
        else:
            yield (item, "ok", f"{choice.describe()}; measured {choice.measured_at}")


def _caches() -> Iterator[Row]:
    from ..cache import ENV_HOME, cache_dir

    root = cache_dir(create=False)
    how = f"${ENV_HOME}" if os.environ.get(ENV_HOME, "").strip() else "platformdirs default"
    state = "ok" if root.is_dir() else "absent"
    yield ("cache dir", state, f"{root} ({how})")
    bs = cache_dir("bsindex", create=False)
    yield ("source index cache", "ok" if bs.is_dir() else "absent", str(bs))


def collect(*, nvenc_test: bool = True, measure: bool = False) -> list[Row]:
    """Every doctor row as ``(item, status, detail)``; ``measure=True`` times the backends
    for ``auto`` now instead of showing the cached timings."""
    rows: list[Row] = [
        ("ainimotion", "ok", __version__),
        ("Python", "ok", f"{platform.python_version()} {sys.executable}"),
    ]
    rows += _vapoursynth()
    rows += _gate_filter()
    rows += _vspipe()
    rows += _ffmpeg(nvenc_test)
    rows += _torch()
    rows += _auto_backends(measure)
    rows += _caches()
    return rows


def run(args: argparse.Namespace) -> int:
    """Print the doctor table; always 0."""
    rows = collect(nvenc_test=not getattr(args, "no_nvenc_test", False), measure=getattr(args, "measure", False))
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    print(f"{'item'.ljust(w0)}  {'status'.ljust(w1)}  detail")
    print(f"{'-' * w0}  {'-' * w1}  {'-' * 40}")
    for item, status, detail in rows:
        print(f"{item.ljust(w0)}  {status.ljust(w1)}  {detail}")
    sys.stdout.flush()
    return 0
