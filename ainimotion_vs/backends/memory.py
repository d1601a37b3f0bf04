"""The one memory budget policy: how many bytes one network run may use before tiling.

Used by :func:`ainimotion_vs.upscale` (``tile="auto"``) and by the torch backend
(``infer(..., tile=None)``; also its starting point after an out-of-memory retry):

1. ``$AINIMOTION_MEM_BUDGET_MB`` (MiB) when set: the user knows best;
2. on a CUDA device, :data:`GPU_FRACTION` of the free GPU memory (``None`` when PyTorch
   cannot read it: no CUDA build);
3. otherwise :data:`RAM_FRACTION` of the available RAM (``MemAvailable``, else free pages
   from ``sysconf``; :data:`ASSUMED_RAM` when neither can be read), at least
   :data:`MIN_RAM_BUDGET`.

The estimate a budget is compared with is :func:`~ainimotion_vs.backends._tiles.estimate_bytes`.
"""
from __future__ import annotations

import logging
import os

from ..errors import SettingsError

__all__ = ["MEM_BUDGET_ENV", "GPU_FRACTION", "RAM_FRACTION", "MIN_RAM_BUDGET", "ASSUMED_RAM", "budget_bytes", "available_ram"]

log = logging.getLogger("ainimotion_vs")

MEM_BUDGET_ENV = "AINIMOTION_MEM_BUDGET_MB"
"""Environment variable: memory (MiB) one model run may use; overrides the estimate below."""

GPU_FRACTION = 0.6
"""Share of free GPU memory one model run may use: the rest is for the other stage's model
(RIFE and the upscaler share a GPU in ``enhance``) and PyTorch's caching allocator."""
RAM_FRACTION = 0.25
"""Share of available RAM one model run may use on the CPU: VapourSynth's frame cache, the
other stage's model and the encoder live in the same RAM."""
MIN_RAM_BUDGET = 256 << 20
"""The CPU budget never goes below this, so a machine short of RAM still runs tiles of a useful
size; if even that fails, the torch backend's out-of-memory retry halves them."""
ASSUMED_RAM = 8 << 30
"""Available RAM assumed when the system does not say (a small desktop)."""


def available_ram() -> int | None:
    """Available RAM in bytes: ``MemAvailable`` (Linux), else free pages from ``sysconf``, else None."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        log.debug("no /proc/meminfo; asking sysconf for free memory")
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _env_budget(func: str) -> int | None:
    env = os.environ.get(MEM_BUDGET_ENV, "").strip()
    if not env:
        return None
    try:
        mib = float(env)
    except ValueError:
        mib = -1.0
    if not mib > 0:
        raise SettingsError(
            f"{func}: {MEM_BUDGET_ENV} must be a positive number of MiB such as 2048; got {env!r}. "
            "Unset it for the automatic budget."
        )
    return int(mib * 2**20)


def budget_bytes(device: str, *, func: str = "upscale") -> int | None:
    """Bytes one network run on ``device`` (``"cpu"``, ``"cuda"``, ``"cuda:N"``) may use (see
    the module docstring); ``None`` when a CUDA device's free memory cannot be read."""
    env = _env_budget(func)
    if env is not None:
        return env
    if device.startswith("cuda"):
        import torch

        if not torch.cuda.is_available():
            return None
        free, _total = torch.cuda.mem_get_info(torch.device(device))
        return int(free * GPU_FRACTION)
    avail = available_ram()
    return max(MIN_RAM_BUDGET, int((avail if avail is not None else ASSUMED_RAM) * RAM_FRACTION))
