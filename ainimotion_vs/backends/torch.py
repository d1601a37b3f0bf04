"""The PyTorch backend: a ``std.ModifyFrame`` filter that runs a network in-process.

Per frame: read the input planes to one ``(1, C, H, W)`` tensor, pad (replicate) to the
model's size multiple, run under ``torch.inference_mode`` (whole or in overlapping
tiles), crop, clamp to [0, 1] and write the planes of an RGBS frame. The network is
built once per :func:`torch_infer` call, lazily on the first frame, and held by the
filter's closure. Runs of one filter are serialised (one network, one device).

Out of memory (CUDA ``OutOfMemoryError``; on CPU ``MemoryError`` or an allocation
``RuntimeError``) is not fatal: the tile is halved, logged, and the frame retried, and
the smaller tile is kept for the following frames.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..errors import BackendError, SettingsError
from ._frames import array_to_frame, frames_to_array
from ._tiles import DEFAULT_OVERLAP, auto_tile, pad_amount, plan_tiles, round_up, shrink_tile
from .memory import budget_bytes

if TYPE_CHECKING:  # pragma: no cover
    import torch
    import vapoursynth as vs

    from ..models.spec import ModelSpec
    from .settings import InferenceStats, TorchBackend

__all__ = ["torch_infer", "is_out_of_memory"]

log = logging.getLogger("ainimotion_vs")

_CPU_ALLOC_MESSAGES = ("DefaultCPUAllocator", "can't allocate memory", "out of memory", "Cannot allocate memory")


def is_out_of_memory(exc: BaseException) -> bool:
    """Whether ``exc`` is an allocation failure worth retrying with smaller tiles."""
    if isinstance(exc, MemoryError):
        return True
    import torch

    if isinstance(exc, torch.OutOfMemoryError):
        return True
    return isinstance(exc, RuntimeError) and any(m in str(exc) for m in _CPU_ALLOC_MESSAGES)


class _TorchRunner:
    """Holds the network (built on first use) and the current tiling of one filter."""

    def __init__(
        self,
        spec: "ModelSpec",
        backend: "TorchBackend",
        *,
        width: int,
        height: int,
        tile: tuple[int, int] | None,
        overlap: int,
        stats: "InferenceStats | None",
        network_factory: Callable[[], "torch.nn.Module"] | None,
        budget: int | None = None,
    ) -> None:
        self.spec = spec
        self.backend = backend
        self.width, self.height = width, height
        m = spec.size_multiple
        self.pad_w, self.pad_h = pad_amount(width, m), pad_amount(height, m)
        self.padded = (width + self.pad_w, height + self.pad_h)
        self.user_tile = tile is not None
        self.tile = None if tile is None else (round_up(tile[0], m), round_up(tile[1], m))
        self.overlap = overlap
        if self.tile is not None:
            try:
                plan_tiles(*self.padded, self.tile, overlap, align=m)
            except ValueError as exc:
                raise SettingsError(f"infer: {exc}") from None
        self.budget = budget
        self.stats = stats
        self.factory = network_factory
        self.lock = threading.Lock()
        self.net: "torch.nn.Module | None" = None
        self.planned = False

    # -- setup ------------------------------------------------------------------------
    def _build(self) -> "torch.nn.Module":
        import torch

        b = self.backend
        dtype = torch.float16 if b.fp16 else torch.float32
        if self.factory is None:
            from ..models import load_network

            net = load_network(self.spec, device=b.device, dtype=dtype)
        else:
            net = self.factory()
        net = net.eval().to(device=b.device, dtype=dtype)
        net.requires_grad_(False)
        if b.channels_last:
            net = net.to(memory_format=torch.channels_last)
        return net

    def _plan(self) -> None:
        """Pick the tile once: the caller's, or one that fits the memory budget."""
        if self.user_tile or self.budget is None:
            return
        b, budget = self.backend, self.budget
        overlap = max(self.overlap, DEFAULT_OVERLAP)
        tile = auto_tile(*self.padded, self.spec, budget, overlap=overlap, dtype_bytes=2 if b.fp16 else 4)
        if tile is not None:
            log.info(
                "%s: %dx%d input exceeds the memory budget (%d MiB); running in %dx%d tiles (overlap %d)",
                self.spec.name, *self.padded, budget >> 20, *tile, overlap,
            )
            self.tile, self.overlap = tile, overlap

    # -- per frame --------------------------------------------------------------------
    def __call__(self, x: np.ndarray) -> np.ndarray:
        """``(C, H, W)`` float32 input -> ``(3, H*scale, W*scale)`` float32 in [0, 1]."""
        import torch

        with self.lock:
            if self.net is None:
                self.net = self._build()
            if not self.planned:
                self._plan()
                self.planned = True
            b = self.backend
            t = torch.from_numpy(x)[None].to(b.device, dtype=torch.float16 if b.fp16 else torch.float32)
            if self.pad_w or self.pad_h:
                t = torch.nn.functional.pad(t, (0, self.pad_w, 0, self.pad_h), mode="replicate")
            if b.channels_last:
                t = t.contiguous(memory_format=torch.channels_last)
            with torch.inference_mode():
                y = self._run_with_retry(t)
                s = self.spec.scale
                y = y[0, :, : self.height * s, : self.width * s].float().clamp_(0.0, 1.0)
                out = y.cpu().numpy() if y.device.type != "cpu" else y.numpy()
            if self.stats is not None:
                self.stats.add()
            return np.ascontiguousarray(out)

    def _run_with_retry(self, t: "torch.Tensor") -> "torch.Tensor":
        while True:
            try:
                return self._run(t)
            except (MemoryError, RuntimeError) as exc:
                if not is_out_of_memory(exc):
                    raise
                self._after_oom(exc)

    def _after_oom(self, exc: BaseException) -> None:
        import torch

        if self.backend.device.startswith("cuda"):
            torch.cuda.empty_cache()
        overlap = max(self.overlap, DEFAULT_OVERLAP) if not self.user_tile else self.overlap
        current = self.tile if self.tile is not None else self.padded
        smaller = shrink_tile(current, multiple=self.spec.size_multiple, overlap=overlap)
        if smaller is None:
            raise BackendError(
                f"infer: {self.spec.name} ran out of memory on {self.backend.device} even with "
                f"{current[0]}x{current[1]} tiles; free memory, use a smaller input or another backend"
            ) from exc
        log.warning(
            "%s: out of memory on %s with %s; retrying with %dx%d tiles (overlap %d)",
            self.spec.name, self.backend.device,
            "the whole frame" if self.tile is None else f"{current[0]}x{current[1]} tiles",
            *smaller, overlap,
        )
        self.tile, self.overlap = smaller, overlap

    def _run(self, t: "torch.Tensor") -> "torch.Tensor":
        net = self.net
        if net is None:  # pragma: no cover - __call__ builds it under the lock first
            raise BackendError(f"infer: {self.spec.name} network used before it was built")
        _, _, h, w = t.shape
        if self.tile is None or (self.tile[0] >= w and self.tile[1] >= h):
            return net(t)
        s = self.spec.scale
        boxes = plan_tiles(w, h, self.tile, self.overlap, align=self.spec.size_multiple)
        out: "torch.Tensor | None" = None
        for bx in boxes:
            y = net(t[:, :, bx.y0 : bx.y1, bx.x0 : bx.x1])
            if out is None:
                out = y.new_empty((1, y.shape[1], h * s, w * s))
            out[:, :, bx.ky0 * s : bx.ky1 * s, bx.kx0 * s : bx.kx1 * s] = y[
                :, :, (bx.ky0 - bx.y0) * s : (bx.ky1 - bx.y0) * s, (bx.kx0 - bx.x0) * s : (bx.kx1 - bx.x0) * s
            ]
        if out is None:  # pragma: no cover - plan_tiles returns at least one tile
            raise BackendError(f"infer: no tiles planned for a {w}x{h} frame")
        return out


def torch_infer(
    clips: "Sequence[vs.VideoNode]",
    spec: "ModelSpec",
    backend: "TorchBackend",
    *,
    tile: tuple[int, int] | None,
    overlap: int,
    stats: "InferenceStats | None",
    network_factory: Callable[[], "torch.nn.Module"] | None = None,
) -> "vs.VideoNode":
    """Build the ModifyFrame filter for validated ``clips`` (see :func:`ainimotion_vs.backends.infer`).

    ``network_factory`` replaces ``load_network(spec)`` (tests use small self-made networks).
    """
    import torch
    import vapoursynth as vs

    if backend.device.startswith("cuda"):
        if not torch.cuda.is_available():
            raise BackendError(
                f"infer: backend torch on {backend.device!r} but PyTorch sees no CUDA GPU; "
                "use backend='torch' (CPU) or install a CUDA build of torch"
            )
    elif backend.device != "cpu":
        raise SettingsError(f"infer: TorchBackend device must be 'cpu', 'cuda' or 'cuda:N'; got {backend.device!r}")
    elif backend.fp16:
        raise SettingsError(
            "infer: fp16 needs a CUDA device; PyTorch on CPU runs fp32 only. Use TorchBackend(fp16=False) on CPU."
        )

    budget = None
    if tile is None:
        # the one budget policy (backends/memory.py), read when the graph is built
        mib = backend.memory_budget_mib
        budget = mib << 20 if mib is not None else budget_bytes(backend.device, func="infer")
    core = vs.core
    first = clips[0]
    runner = _TorchRunner(
        spec, backend, width=first.width, height=first.height, tile=tile, overlap=overlap,
        stats=stats, network_factory=network_factory, budget=budget,
    )
    s = spec.scale
    blank = core.std.BlankClip(first, width=first.width * s, height=first.height * s, format=vs.RGBS, keep=True)

    def _selector(n: int, f: "list[vs.VideoFrame]") -> "vs.VideoFrame":
        y = runner(frames_to_array(f[1:]))
        fout = f[0].copy()
        array_to_frame(y, fout)
        return fout

    out = core.std.ModifyFrame(clip=blank, clips=[blank, *clips], selector=_selector)
    return core.std.CopyFrameProps(out, first)
