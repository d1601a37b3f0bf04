"""Backend settings: one frozen, keyword-only dataclass per runtime, and the run counter.

Plain data (no torch, no VapourSynth): :mod:`._resolve` turns names into these, and the
backends read them. Fields that do not change a compiled engine are ``repr=False`` and stay
out of its cache key.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field

__all__ = ["Backend", "TorchBackend", "OrtBackend", "OvBackend", "TrtBackend", "InferenceStats", "BACKEND_NAMES"]


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
    (``None``: the policy of :mod:`.memory`: ``$AINIMOTION_MEM_BUDGET_MB``, else 60% of free
    GPU memory, or a quarter of the available RAM on CPU). Only used when :func:`infer`
    gets ``tile=None``."""

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
