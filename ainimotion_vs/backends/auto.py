"""``backend="auto"``: the backend that measured fastest for a model on this machine.

Which runtime is fastest depends on the CPU, not on a rule: on an AMD EPYC,
realesr-animevideov3 at 320x240 took torch 0.591 s, ort 0.683 s, ov 1.076 s per frame,
while OpenVINO leads on other CPUs. So :func:`auto_backend` times every installed CPU
backend once on a small input (:func:`measure_backends`: one warm-up frame, then the
median of a few) and keeps the result in ``cache_dir("auto")``, written atomically and
keyed like the ONNX cache: the model's weight files (sha256), the input size, the
versions of torch, the vs-mlrt plugins, VapourSynth and this package, the CPU and the
thread counts. Another machine, another version or other threads measure again.

Which backends are timed: PyTorch always; ort and ov when their plugin is installed and
the model's ONNX export is cached already. Exporting takes from half a minute
(realesr-animevideov3) to a few minutes (RIFE) once per machine, so ``auto`` does not start
one by itself; ``ainimotion doctor --measure`` exports and times them all. A backend that is
not installed is never timed and never chosen. TensorRT is not timed (an engine build takes
minutes per input size): choose ``trt`` by name.

With a CUDA GPU, ``auto`` keeps to PyTorch on CUDA in fp16 without timing (the CPU
runtimes are not candidates there, and TensorRT is chosen by name, as above).
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import platform
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .._version import __version__
from ..cache import atomic_write_bytes, cache_dir, file_sha256
from .settings import OrtBackend, OvBackend, TorchBackend

if TYPE_CHECKING:  # pragma: no cover
    from ..models.spec import ModelSpec
    from .settings import Backend

__all__ = ["AutoChoice", "FORMAT_VERSION", "measure_size", "measure_backends", "measure", "auto_backend", "cached_choice", "choice_path"]

log = logging.getLogger("ainimotion_vs")

FORMAT_VERSION = 1
"""Bumped when what is measured or stored changes (part of the cache key)."""

_CPU_BACKENDS: dict[str, type] = {"torch": TorchBackend, "ort": OrtBackend, "ov": OvBackend}
_RUNS = 3
"""Timed frames per backend after the warm-up frame (the median is kept)."""


@dataclass(frozen=True, kw_only=True)
class AutoChoice:
    """The measurement behind ``auto`` for one model on this machine."""

    model: str
    backend: str
    """The chosen backend's name (the fastest timed)."""
    seconds: dict[str, float]
    """Median seconds per frame of each timed backend."""
    size: tuple[int, int]
    """The input size timed (width, height)."""
    skipped: dict[str, str] = field(default_factory=dict)
    """Backends not timed, with the reason."""
    measured_at: str = ""
    """UTC time of the measurement (ISO 8601)."""

    def describe(self) -> str:
        """One line: the choice and the table, e.g. ``ort (ort 0.483 s, torch 0.591 s per 96x64 frame)``."""
        times = ", ".join(f"{name} {sec:.3f} s" for name, sec in sorted(self.seconds.items(), key=lambda kv: kv[1]))
        text = f"{self.backend} ({times} per {self.size[0]}x{self.size[1]} frame)"
        if self.skipped:
            text += "; not timed: " + "; ".join(f"{k}: {v}" for k, v in sorted(self.skipped.items()))
        return text


def measure_size(spec: "ModelSpec") -> tuple[int, int]:
    """The input size timed for ``spec``: about 96x64, rounded up to its size multiple (RIFE:
    128x64). Small enough that all backends take a few seconds together on a CPU (measured
    here: realesr-animevideov3 0.3-0.8 s per 128x96 frame on 2 busy cores), large enough that
    the network, not the per-frame overhead, sets the time (milliseconds)."""
    m = spec.size_multiple
    return -(-96 // m) * m, -(-64 // m) * m


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        log.debug("no /proc/cpuinfo; naming the CPU by platform")
    return platform.processor() or platform.machine()


def _plugin_version(namespace: str) -> str | None:
    """The vs-mlrt plugin's version and its runtime's, or None when it is not installed."""
    from .._vs import has_plugin, plugin

    if not has_plugin(namespace):
        return None
    info = plugin(namespace, func="auto").Version()
    keys = ("version", "onnxruntime_version", "openvino_version")
    return " ".join(str(info[k].decode() if isinstance(info[k], bytes) else info[k]) for k in keys if k in info)


def _key(spec: "ModelSpec", size: tuple[int, int]) -> dict:
    """Everything a measurement depends on (see the module docstring)."""
    import torch
    import vapoursynth as vs

    from ..weights import installed_files

    found = installed_files(spec)
    weights = {} if found is None else {name: file_sha256(path) for name, path in sorted(found[1].items())}
    return {
        "format": FORMAT_VERSION,
        "model": spec.name,
        "weights": weights,
        "size": list(size),
        "torch": torch.__version__,
        "ort": _plugin_version("ort"),
        "ov": _plugin_version("ov"),
        "vapoursynth": str(vs.__version__),
        "ainimotion_vs": __version__,
        "cpu": _cpu_name(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "vs_threads": vs.core.num_threads,
    }


def choice_path(spec: "ModelSpec | str", *, size: tuple[int, int] | None = None) -> Path:
    """Where the measurement of ``spec`` on this machine is (or would be) cached."""
    from ..models.spec import get_spec

    spec = get_spec(spec)
    size = size or measure_size(spec)
    digest = hashlib.sha256(json.dumps(_key(spec, size), sort_keys=True).encode()).hexdigest()
    return cache_dir("auto", create=False) / f"{spec.name}-{size[0]}x{size[1]}-{digest[:16]}.json"


def _read(path: Path) -> AutoChoice | None:
    try:
        data = json.loads(path.read_text())
        if data["backend"] not in _CPU_BACKENDS or data["backend"] not in data["seconds"]:
            raise ValueError(f"backend {data['backend']!r} was not timed")
        return AutoChoice(
            model=data["model"], backend=data["backend"], seconds={k: float(v) for k, v in data["seconds"].items()},
            size=(int(data["size"][0]), int(data["size"][1])), skipped=dict(data.get("skipped", {})),
            measured_at=str(data.get("measured_at", "")),
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
        log.warning("auto: ignoring the unreadable measurement %s (%s); measuring again", path, exc)
        return None


def cached_choice(spec: "ModelSpec | str", *, size: tuple[int, int] | None = None) -> AutoChoice | None:
    """The cached measurement for ``spec`` on this machine, or None (never measures)."""
    return _read(choice_path(spec, size=size))


def _ready(spec: "ModelSpec", *, export: bool) -> tuple[dict[str, "Backend"], dict[str, str]]:
    """The CPU backends that can be timed now, and why the others cannot."""
    from .._vs import has_plugin

    ready: dict[str, Backend] = {"torch": TorchBackend()}
    skipped: dict[str, str] = {}
    mlrt = [n for n in ("ort", "ov") if has_plugin(n)]
    for n in ("ort", "ov"):
        if n not in mlrt:
            skipped[n] = "plugin not installed"
    if mlrt:
        from .export import cached_onnx, export_onnx

        if export:
            export_onnx(spec)
        if export or cached_onnx(spec) is not None:
            ready.update({n: _CPU_BACKENDS[n]() for n in mlrt})
        else:
            skipped.update({n: "no ONNX export yet (`ainimotion doctor --measure` makes it, once)" for n in mlrt})
    return ready, skipped


def measure_backends(
    spec: "ModelSpec | str",
    backends: "dict[str, Backend]",
    *,
    size: tuple[int, int] | None = None,
    runs: int = _RUNS,
) -> dict[str, float]:
    """Median seconds per frame of each of ``backends`` (``{name: settings}``) running ``spec``
    on a ``size`` input (default :func:`measure_size`): one warm-up frame each (loading,
    compiling), then ``runs`` rounds of one frame per backend, alternating so that a change
    in machine load hits all of them alike; each frame is a new frame number, so
    VapourSynth's cache serves none."""
    import numpy as np

    from ..models.spec import get_spec
    from ._frames import clips_from_array
    from .mlrt import mlrt_infer
    from .torch import torch_infer

    spec = get_spec(spec)
    w, h = size or measure_size(spec)
    rng = np.random.default_rng(0)
    x = rng.random((spec.in_channels, h, w), dtype=np.float32)
    outs = {}
    for name, backend in backends.items():
        build = torch_infer if isinstance(backend, TorchBackend) else mlrt_infer
        outs[name] = build(clips_from_array(x, length=1 + runs), spec, backend, tile=None, overlap=0, stats=None)
        outs[name].get_frame(0)
    times: dict[str, list[float]] = {name: [] for name in outs}
    for n in range(1, 1 + runs):
        for name, out in outs.items():
            t0 = time.perf_counter()
            out.get_frame(n)
            times[name].append(time.perf_counter() - t0)
    return {name: statistics.median(t) for name, t in times.items()}


def measure(spec: "ModelSpec | str", *, export: bool = False, size: tuple[int, int] | None = None, runs: int = _RUNS) -> AutoChoice:
    """Time the ready CPU backends for ``spec`` (``export=True`` first makes the ONNX export
    ort and ov need), cache the result and return it."""
    from datetime import datetime, timezone

    from ..models.spec import get_spec

    spec = get_spec(spec)
    size = size or measure_size(spec)
    ready, skipped = _ready(spec, export=export)
    seconds = measure_backends(spec, ready, size=size, runs=runs)
    best = min(seconds, key=seconds.__getitem__)
    choice = AutoChoice(
        model=spec.name, backend=best, seconds=seconds, size=size, skipped=skipped,
        measured_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
    )
    path = choice_path(spec, size=size)
    data = {"model": choice.model, "backend": choice.backend, "seconds": choice.seconds, "size": list(choice.size),
            "skipped": choice.skipped, "measured_at": choice.measured_at, "key": _key(spec, size)}
    atomic_write_bytes(path, (json.dumps(data, indent=1, sort_keys=True) + "\n").encode())
    return choice


def auto_backend(spec: "ModelSpec | str", *, func: str = "backend") -> "Backend":
    """The backend ``auto`` runs ``spec`` on here (see the module docstring); logs which and why."""
    import torch

    from ..models.spec import get_spec

    spec = get_spec(spec)
    if torch.cuda.is_available():
        log.info("%s: backend auto -> torch on CUDA, fp16 (a CUDA GPU is present; choose trt by name for TensorRT)", func)
        return TorchBackend(device="cuda", fp16=True)
    choice = cached_choice(spec)
    how = "cached"
    if choice is None:
        log.info("%s: backend auto: timing the installed backends for %s once on this machine", func, spec.name)
        choice = measure(spec)
        how = "measured now"
    log.info("%s: backend auto -> %s for %s, the fastest here (%s)", func, choice.describe(), spec.name, how)
    return _CPU_BACKENDS[choice.backend]()
