"""Inference backends: where a network runs on VapourSynth frames.

Every backend is a frozen, keyword-only settings dataclass. All of them are used the
same way, through :func:`infer`::

    out = infer([rgb0, rgb1, tplane], spec, backend=TorchBackend())

Contract of :func:`infer` (the one way stages run a model):

- ``clips``: one or more clips in ``vs.RGBS`` (or one ``GRAYS`` plane, e.g. RIFE's
  timestep), all the same size and length. Their planes are concatenated in order into
  the network input ``(1, C_in, H, W)``, float32 in [0, 1]. ``C_in`` must equal
  ``spec.in_channels``.
- The frame is padded (edge replicate) to ``spec.size_multiple`` and the result cropped
  back, so callers pass any size.
- The result is one ``vs.RGBS`` clip of ``width * spec.scale`` x ``height * spec.scale``,
  clamped to [0, 1], same length and frame props as ``clips[0]``.
- ``tile=(w, h)`` (input pixels, rounded up to ``spec.size_multiple``) with ``overlap``
  (input pixels of context kept on each inner tile edge) splits a large frame; the
  backend hides the seams (within 1/255 of untiled once ``overlap`` covers the network's
  receptive field: 16 for realesr-animevideov3). ``tile=None``: the torch backend runs
  the whole frame unless it exceeds its memory budget
  (:attr:`TorchBackend.memory_budget_mib`), and on out-of-memory it retries with halved
  tiles (logged); the vs-mlrt backends run the whole frame. vs-mlrt needs tiles larger
  than ``2 * overlap * spec.scale`` (it discards scaled output pixels at tile edges).
- ``stats``: an :class:`InferenceStats` whose ``calls`` counts real model runs (a frame
  VapourSynth serves from cache is not counted): the test hook for "the model only runs
  where needed".

The model input/output convention is the same for every runtime, so one ONNX file and
one PyTorch module give the same frames (within tolerance) on torch, ort, ov and trt.
Measured on crops of real frames (fp32, relative L2 against PyTorch, this CPU):
realesr-animevideov3 ort 1e-7, ov 0; rife-4.25 ort 2e-6, ov 1e-6. Reduced precision:
ort ``fp16`` 2e-4 / 3e-3, ov ``bf16`` 2e-3 / 1.6e-2 (upscaler / RIFE).

Modules: :mod:`.torch` (PyTorch filter), :mod:`.mlrt` (vs-mlrt ort/ov/trt, TensorRT
engine cache), :mod:`.export` (ONNX export + cache), :mod:`._tiles` (tile planning and
memory estimates), :mod:`._frames` (frame <-> numpy).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Sequence

    import vapoursynth as vs

    from ..models.spec import ModelSpec

__all__ = [
    "Backend",
    "TorchBackend",
    "OrtBackend",
    "OvBackend",
    "TrtBackend",
    "InferenceStats",
    "BACKEND_NAMES",
    "resolve_backend",
    "infer",
]


@dataclass(kw_only=True)
class InferenceStats:
    """Counts model runs; thread safe. Pass one to :func:`infer` to see how often it ran."""

    calls: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, n: int = 1) -> None:
        with self._lock:
            self.calls += n


@dataclass(frozen=True, kw_only=True)
class TorchBackend:
    """PyTorch in-process (CPU or CUDA)."""

    device: str = "cpu"
    """``"cpu"``, ``"cuda"`` or ``"cuda:N"``."""
    fp16: bool = False
    """Half precision (CUDA only; on CPU it is refused)."""
    channels_last: bool = True
    """Use the channels_last memory format (faster convolutions on CPU and tensor cores)."""
    memory_budget_mib: int | None = field(default=None, repr=False)
    """Memory one network run may use before the frame is tiled automatically
    (``None``: 70% of free GPU memory, or half the available RAM on CPU). Only used
    when :func:`infer` gets ``tile=None``."""

    name = "torch"


@dataclass(frozen=True, kw_only=True)
class OrtBackend:
    """ONNX Runtime through vs-mlrt's ``ort`` plugin."""

    device: str = "cpu"
    """``"cpu"`` or ``"cuda"``."""
    device_id: int = 0
    """CUDA device index (``device="cuda"`` only)."""
    fp16: bool = False
    """Let the plugin convert the fp32 ONNX model to fp16 (vs-mlrt's ``fp16=True``)."""
    num_streams: int = field(default=1, repr=False)
    """Concurrent inference streams (does not change the model)."""

    name = "ort"


@dataclass(frozen=True, kw_only=True)
class OvBackend:
    """OpenVINO through vs-mlrt's ``ov`` plugin (``pip install 'ainimotion_vs[ov]'``)."""

    device: str = "CPU"
    """OpenVINO device name (``"CPU"``, ``"GPU"``, ``"GPU.1"``)."""
    fp16: bool = False
    """Let the plugin convert the fp32 ONNX model to fp16 (vs-mlrt's ``fp16=True``)."""
    bf16: bool = False
    """Compute in bfloat16 (CPUs with AVX512_BF16 or AMX; faster, about 1e-2 error). Without
    it (and without ``fp16``) OpenVINO is held to fp32, which it otherwise drops on such CPUs."""
    num_streams: int = field(default=1, repr=False)
    """OpenVINO throughput streams (does not change the model)."""
    performance_hint: str = field(default="LATENCY", repr=False)
    """OpenVINO ``PERFORMANCE_HINT``: ``"LATENCY"`` (one frame at a time, all cores on it)
    or ``"THROUGHPUT"``."""

    name = "ov"


@dataclass(frozen=True, kw_only=True)
class TrtBackend:
    """TensorRT through vs-mlrt's ``trt`` plugin (``pip install 'ainimotion_vs[trt]'``, NVIDIA GPU).

    Engines are built once and cached by content (model hash, shape, precision,
    TensorRT version, GPU name) in the user cache dir.
    """

    device_id: int = 0
    """CUDA device index."""
    fp16: bool = True
    """Build the engine with fp16 kernels allowed (``trtexec --fp16``); I/O stays fp32."""
    workspace_mib: int | None = field(default=None, repr=False)
    """Builder workspace limit (``None``: TensorRT's default)."""
    num_streams: int = field(default=1, repr=False)
    """Concurrent CUDA streams (does not change the engine)."""
    use_cuda_graph: bool = field(default=False, repr=False)
    """Capture inference in a CUDA graph (lower launch overhead)."""

    name = "trt"


Backend = TorchBackend | OrtBackend | OvBackend | TrtBackend

BACKEND_NAMES = ("torch", "ort", "ov", "trt")


def resolve_backend(backend: "str | Backend | None", *, func: str = "backend", task: str | None = None) -> Backend:
    """Turn a name (``"torch"``, ``"torch-cuda"``, ``"ort"``, ``"ort-cuda"``, ``"ov"``, ``"trt"``, ``"auto"``)
    or a settings object into a settings object. ``None``/``"auto"``: CUDA torch (fp16) when
    a GPU is present; on the CPU, OpenVINO for ``task="upscale"`` when the ``ov`` plugin is
    installed (the fastest CPU upscaler measured), else CPU torch (the fastest for RIFE).
    Unknown names raise :class:`~ainimotion_vs.errors.UnsupportedFormatError`."""
    from ._resolve import resolve

    return resolve(backend, func=func, task=task)


def infer(
    clips: "Sequence[vs.VideoNode]",
    spec: "ModelSpec | str",
    *,
    backend: "str | Backend | None" = None,
    tile: tuple[int, int] | None = None,
    overlap: int = 0,
    stats: InferenceStats | None = None,
) -> "vs.VideoNode":
    """Run ``spec``'s network on ``clips`` with ``backend``; see the module docstring for the contract."""
    from ._resolve import run

    return run(clips, spec, backend=resolve_backend(backend, func="infer"), tile=tile, overlap=overlap, stats=stats)
