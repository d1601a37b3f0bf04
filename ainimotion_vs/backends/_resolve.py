"""Backend names -> settings objects, and :func:`run`: validation + dispatch for ``infer``."""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .._vs import check_clip
from ..errors import SettingsError, UnsupportedFormatError
from .settings import BACKEND_NAMES, InferenceStats, OrtBackend, OvBackend, TorchBackend, TrtBackend

if TYPE_CHECKING:  # pragma: no cover
    import vapoursynth as vs

    from ..models.spec import ModelSpec
    from .settings import Backend

__all__ = ["resolve", "run", "validate", "NAMED_BACKENDS"]

NAMED_BACKENDS = ("auto", "torch", "torch-cuda", "ort", "ort-cuda", "ov", "trt")


def resolve(backend: "str | Backend | None", *, func: str = "backend", model: "ModelSpec | str | None" = None) -> "Backend":
    """See :func:`ainimotion_vs.backends.resolve_backend`."""
    if isinstance(backend, (TorchBackend, OrtBackend, OvBackend, TrtBackend)):
        return backend
    if backend is None or (isinstance(backend, str) and backend.strip().lower() == "auto"):
        if model is not None:
            from .auto import auto_backend

            return auto_backend(model, func=func)
        import torch

        # no model to time: the runtime every install has, on the GPU when there is one
        return TorchBackend(device="cuda", fp16=True) if torch.cuda.is_available() else TorchBackend()
    if not isinstance(backend, str):
        raise SettingsError(
            f"{func}: backend must be a name ({', '.join(NAMED_BACKENDS)}) or a backend settings object "
            f"(TorchBackend, OrtBackend, OvBackend, TrtBackend); got {type(backend).__name__}"
        )
    name = backend.strip().lower()
    table = {
        "torch": TorchBackend,
        "torch-cpu": TorchBackend,
        "torch-cuda": lambda: TorchBackend(device="cuda", fp16=True),
        "ort": OrtBackend,
        "ort-cpu": OrtBackend,
        "ort-cuda": lambda: OrtBackend(device="cuda"),
        "ov": OvBackend,
        "trt": TrtBackend,
    }
    if name not in table:
        raise SettingsError(
            f"{func}: unknown backend {backend!r}; choose one of {', '.join(NAMED_BACKENDS)} "
            f"(runtimes: {', '.join(BACKEND_NAMES)})"
        )
    return table[name]()


def validate(
    clips: "Sequence[vs.VideoNode]",
    spec: "ModelSpec",
    *,
    tile: tuple[int, int] | None,
    overlap: int,
    stats: InferenceStats | None,
    func: str = "infer",
) -> "list[vs.VideoNode]":
    """Check the :func:`infer` arguments in a fixed order; returns the clips as a list."""
    import vapoursynth as vs

    if isinstance(clips, vs.VideoNode):
        clips = [clips]
    if not isinstance(clips, Sequence) or len(clips) == 0:
        raise SettingsError(f"{func}: clips must be a non-empty list of clips; got {clips!r}")
    clips = [check_clip(c, func) for c in clips]
    for i, c in enumerate(clips):
        if c.format.id not in (vs.RGBS, vs.GRAYS):
            raise UnsupportedFormatError(
                f"{func}: clips[{i}] is {c.format.name}; the model takes RGBS (or GRAYS planes). "
                "Convert it with core.resize.Bicubic(clip, format=vs.RGBS, matrix_in_s=...) first."
            )
    w, h, n = clips[0].width, clips[0].height, clips[0].num_frames
    for i, c in enumerate(clips[1:], 1):
        if (c.width, c.height, c.num_frames) != (w, h, n):
            raise UnsupportedFormatError(
                f"{func}: every clip must match clips[0] ({w}x{h}, {n} frames); "
                f"clips[{i}] is {c.width}x{c.height}, {c.num_frames} frames"
            )
    channels = sum(c.format.num_planes for c in clips)
    if channels != spec.in_channels:
        raise UnsupportedFormatError(
            f"{func}: {spec.name} takes {spec.in_channels} input planes; the clips have {channels}"
        )
    if tile is not None:
        if (
            not isinstance(tile, (tuple, list))
            or len(tile) != 2
            or not all(isinstance(t, int) and not isinstance(t, bool) and t > 0 for t in tile)
        ):
            raise SettingsError(f"{func}: tile must be None or (width, height) positive ints; got {tile!r}")
    if not isinstance(overlap, int) or isinstance(overlap, bool) or overlap < 0:
        raise SettingsError(f"{func}: overlap must be an int >= 0; got {overlap!r}")
    if tile is not None and overlap and min(tile) <= 2 * overlap:
        raise SettingsError(
            f"{func}: tile {tile[0]}x{tile[1]} is too small for overlap {overlap}; "
            f"use tiles larger than {2 * overlap} pixels or a smaller overlap"
        )
    if stats is not None and not isinstance(stats, InferenceStats):
        raise SettingsError(f"{func}: stats must be an InferenceStats or None; got {type(stats).__name__}")
    return list(clips)


def run(
    clips: "Sequence[vs.VideoNode]",
    spec: "ModelSpec | str",
    *,
    backend: "str | Backend | None",
    tile: tuple[int, int] | None,
    overlap: int,
    stats: InferenceStats | None,
) -> "vs.VideoNode":
    """Validate, resolve the backend (``auto`` may time the model: only for valid input),
    then build the backend's filter graph."""
    from ..models.spec import get_spec

    spec = get_spec(spec)
    clips = validate(clips, spec, tile=tile, overlap=overlap, stats=stats)
    backend = resolve(backend, func="infer", model=spec)
    tile = None if tile is None else (int(tile[0]), int(tile[1]))
    if isinstance(backend, TorchBackend):
        from .torch import torch_infer

        return torch_infer(clips, spec, backend, tile=tile, overlap=overlap, stats=stats)
    from .mlrt import mlrt_infer

    return mlrt_infer(clips, spec, backend, tile=tile, overlap=overlap, stats=stats)
