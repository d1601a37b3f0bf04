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

Modules: :mod:`.settings` (the settings dataclasses), :mod:`.auto` (``backend="auto"`` by
measurement), :mod:`.memory` (the memory budget policy), :mod:`.torch` (PyTorch filter), :mod:`.mlrt` (vs-mlrt ort/ov/trt, TensorRT
engine cache), :mod:`.export` (ONNX export + cache), :mod:`._tiles` (tile planning and
memory estimates), :mod:`._frames` (frame <-> numpy).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .settings import BACKEND_NAMES, Backend, InferenceStats, OrtBackend, OvBackend, TorchBackend, TrtBackend

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


def resolve_backend(
    backend: "str | Backend | None", *, func: str = "backend", model: "ModelSpec | str | None" = None
) -> Backend:
    """Turn a name (``"torch"``, ``"torch-cuda"``, ``"ort"``, ``"ort-cuda"``, ``"ov"``, ``"trt"``, ``"auto"``)
    or a settings object into a settings object. ``None``/``"auto"`` with a ``model``: the
    backend measured fastest for that model on this machine (:mod:`.auto`: timed once, cached);
    without a model: CUDA torch (fp16) when a GPU is present, else CPU torch.
    Unknown names raise :class:`~ainimotion_vs.errors.SettingsError`."""
    from ._resolve import resolve

    return resolve(backend, func=func, model=model)


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

    return run(clips, spec, backend=backend, tile=tile, overlap=overlap, stats=stats)
