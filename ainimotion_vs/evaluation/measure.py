"""Timing with peak memory, in-memory clips and the machine description, for the benchmark
scripts (``scripts/bench.py``, ``scripts/gpu_check.py``, ...)."""
from __future__ import annotations

import os
import platform
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Measure",
    "measure",
    "reset_peak_rss",
    "peak_rss_mib",
    "materialize",
    "render_all",
    "machine_info",
]


# ---------------------------------------------------------------- memory and time


def reset_peak_rss() -> bool:
    """Reset this process's peak RSS (VmHWM) by writing 5 to /proc/self/clear_refs (Linux >= 4.0).
    Returns False where that is not possible: peaks are then the process's since start."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def peak_rss_mib() -> float:
    """Peak resident memory of this process in MiB: VmHWM from /proc/self/status, else getrusage."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass  # not Linux: getrusage below (kilobytes on Linux, bytes on macOS)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def _cuda_in_use() -> bool:
    torch = sys.modules.get("torch")
    return bool(torch is not None and torch.cuda.is_available() and torch.cuda.is_initialized())


@dataclass
class Measure:
    """One timed step: wall seconds, frames it produced, peak memory while it ran."""

    name: str
    seconds: float = 0.0
    frames: int = 0
    peak_rss_mib: float = 0.0
    peak_gpu_mib: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else float("inf")

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "seconds": round(self.seconds, 4),
            "frames": self.frames,
            "fps": round(self.fps, 4) if self.seconds > 0 else None,
            "peak_rss_mib": round(self.peak_rss_mib, 1),
            "peak_gpu_mib": None if self.peak_gpu_mib is None else round(self.peak_gpu_mib, 1),
            **self.extra,
        }


def measure(name: str, fn: Callable[[], Any], *, frames: int = 0) -> tuple[Measure, Any]:
    """Run ``fn()`` once; returns (Measure, its result). Peak RSS is reset before (where Linux allows),
    and CUDA peak memory is measured when torch has initialised CUDA."""
    reset_peak_rss()
    cuda = _cuda_in_use()
    if cuda:
        import torch

        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    t0 = time.perf_counter()
    result = fn()
    if _cuda_in_use():
        import torch

        torch.cuda.synchronize()
    m = Measure(name, time.perf_counter() - t0, frames, peak_rss_mib())
    if _cuda_in_use():
        import torch

        m.peak_gpu_mib = torch.cuda.max_memory_allocated() / 2**20
    return m, result


# ---------------------------------------------------------------- clips


def materialize(clip):
    """Render every frame of ``clip`` (in order) and return a clip that serves those frames from
    memory: the next stage is then timed alone. Props are kept."""
    import vapoursynth as vs

    frames = [clip.get_frame(n).copy() for n in range(clip.num_frames)]
    blank = vs.core.std.BlankClip(clip, keep=True)
    return vs.core.std.ModifyFrame(blank, blank, lambda n, f: frames[n])


def render_all(clip) -> int:
    """Request every frame (in order, with VapourSynth's own prefetching); returns the count."""
    n = 0
    for _ in clip.frames(close=True):
        n += 1
    return n


# ---------------------------------------------------------------- machine


def machine_info() -> dict[str, Any]:
    """CPU model, core count, load averages, library versions; the GPU when torch sees one."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), cpu)
    except OSError:
        pass  # not Linux: platform's answer
    info: dict[str, Any] = {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "load_average": [round(v, 2) for v in os.getloadavg()],
        "python": platform.python_version(),
    }
    try:
        import vapoursynth as vs

        info["vapoursynth"] = vs.core.core_version.release_major
        info["vs_threads"] = vs.core.num_threads
    except ImportError:
        info["vapoursynth"] = None
    try:
        import torch

        info["torch"] = torch.__version__
        info["torch_threads"] = torch.get_num_threads()
        if torch.cuda.is_available():
            info["gpu"] = torch.cuda.get_device_name(0)
    except ImportError:
        info["torch"] = None
    try:
        with open("/proc/meminfo") as f:
            info["ram_gib"] = round(int(f.readline().split()[1]) / 2**20, 1)
    except (OSError, ValueError, IndexError):
        pass  # not Linux
    return info
