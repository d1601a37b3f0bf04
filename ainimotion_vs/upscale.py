"""``upscale()``: tiled anime upscaling to any target size, once per distinct drawing.

The model runs at its native scale (x4 for Real-ESRGAN class models) on float RGB, then a
Spline36 resize brings the result to the target size and the clip's own format. Frames that
show the same drawing as the frame before (a hold from :func:`ainimotion_vs.gate`, or a
duplicate written by :func:`ainimotion_vs.interpolate`) reuse the upscaled drawing, so the
model runs once per drawing and held drawings come out identical (no flickering noise).
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

import vapoursynth as vs

from ._checks import check_clip
from ._color import color_info, from_rgbs, to_rgbs
from ._graph import reuse_holds
from .errors import UnsupportedFormatError

if TYPE_CHECKING:  # pragma: no cover
    from .backends import Backend, InferenceStats

__all__ = ["upscale", "target_size", "ColorKeep", "DEFAULT_OVERLAP"]

log = logging.getLogger("ainimotion_vs")

DEFAULT_OVERLAP = 16
"""Tile overlap in input pixels: covers the receptive field of the compact models."""


@dataclass(frozen=True, kw_only=True)
class ColorKeep:
    """``keep_colors``: restore the source's low-frequency colour and brightness.

    The result's low-pass is replaced by the source's (upsampled) low-pass, which undoes the
    1-3 level brightness lift some models add while keeping their restored detail.
    """

    radius_div: int = 32
    """The low-pass keeps detail coarser than 1/``radius_div`` of the frame width."""


def _mod_for(clip: vs.VideoNode) -> tuple[int, int]:
    fmt = clip.format
    return 1 << fmt.subsampling_w, 1 << fmt.subsampling_h


def target_size(
    clip: vs.VideoNode, *, width: int | None, height: int | None, scale: float | None, model_scale: int
) -> tuple[int, int]:
    """The output size: both sides given, one side (aspect kept), ``scale``, or the model's scale.
    Sides are rounded to the clip's chroma subsampling multiple (even for 4:2:0)."""
    mw, mh = _mod_for(clip)
    if scale is not None and (width is not None or height is not None):
        raise UnsupportedFormatError("upscale: give scale= or width=/height=, not both.")
    for name, v in (("width", width), ("height", height)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v <= 0):
            raise UnsupportedFormatError(f"upscale: {name} must be a positive whole number; got {v!r}.")
    if scale is not None:
        if not scale > 0:
            raise UnsupportedFormatError(f"upscale: scale must be positive; got {scale!r}.")
        w, h = clip.width * scale, clip.height * scale
    elif width is not None and height is not None:
        w, h = width, height
    elif width is not None:
        w, h = width, clip.height * width / clip.width
    elif height is not None:
        w, h = clip.width * height / clip.height, height
    else:
        w, h = clip.width * model_scale, clip.height * model_scale
    w = max(mw, int(round(w / mw)) * mw)
    h = max(mh, int(round(h / mh)) * mh)
    if (width is not None and w != width) or (height is not None and h != height):
        log.info("upscale: target %dx%d rounded to %dx%d for %s", width or w, height or h, w, h, clip.format.name)
    return w, h


def _ram_budget() -> int:
    env = os.environ.get("AINIMOTION_MEM_BUDGET_MB")
    if env:
        return int(float(env) * 2**20)
    try:
        with open("/proc/meminfo") as fh:
            avail = next(int(line.split()[1]) * 1024 for line in fh if line.startswith("MemAvailable:"))
    except (OSError, StopIteration, ValueError):
        avail = 8 * 2**30
    return max(256 * 2**20, avail // 4)


def _gpu_budget(device: str) -> int:
    import torch

    free, _total = torch.cuda.mem_get_info(torch.device(device))
    return int(free * 0.6)


def _choose_tile(clip: vs.VideoNode, spec, backend, tile, overlap: int) -> tuple[int, int] | None:
    if tile is None:
        return None
    if tile != "auto":
        if not (isinstance(tile, tuple) and len(tile) == 2 and all(isinstance(v, int) and v > 0 for v in tile)):
            raise UnsupportedFormatError(f"upscale: tile must be 'auto', None or (width, height); got {tile!r}.")
        return tile
    from .backends._tiles import auto_tile

    device = getattr(backend, "device", "cpu")
    on_gpu = backend.name == "trt" or str(device).startswith("cuda")
    budget = _gpu_budget(device if str(device).startswith("cuda") else "cuda") if on_gpu else _ram_budget()
    fp16 = bool(getattr(backend, "fp16", False))
    return auto_tile(clip.width, clip.height, spec, budget, overlap=overlap, dtype_bytes=2 if fp16 else 4)


def _keep_colors(up: vs.VideoNode, src_rgb: vs.VideoNode, settings: ColorKeep) -> vs.VideoNode:
    w, h = up.width, up.height
    lw = max(4, w // settings.radius_div)
    lh = max(4, round(h * lw / w))

    def low(c: vs.VideoNode) -> vs.VideoNode:
        return c.resize.Bilinear(lw, lh).resize.Bicubic(w, h)

    src_at = src_rgb.resize.Bicubic(w, h)
    return vs.core.std.Expr([up, low(up), low(src_at)], "x y - z + 0 max 1 min")


def upscale(
    clip: vs.VideoNode,
    /,
    *,
    width: int | None = None,
    height: int | None = None,
    scale: float | None = None,
    model: str = "realesr-animevideov3",
    tile: "tuple[int, int] | str | None" = "auto",
    overlap: int = DEFAULT_OVERLAP,
    backend: "str | Backend | None" = None,
    keep_colors: bool | ColorKeep = False,
    reuse: bool = True,
    stats: "InferenceStats | None" = None,
) -> vs.VideoNode:
    """Upscale ``clip`` with a Real-ESRGAN class model to any size.

    Args:
        clip: any constant-format, constant-size clip (YUV/RGB/GRAY, 8-32 bit).
        width, height: target size; with one side only, the aspect ratio is kept.
        scale: target size as a factor of the input (e.g. 1.3333 for 1080p -> 1440p).
            Without any of these, the model's native scale.
        model: upscaling model name (``ainimotion weights list``).
        tile: ``"auto"`` (from free GPU memory, or a RAM budget on CPU: set
            ``AINIMOTION_MEM_BUDGET_MB`` to change it), ``(w, h)`` in input pixels, or ``None``.
        overlap: tile overlap in input pixels; tiles are blended so there are no seams.
        backend: ``"torch"``, ``"ort"``, ``"ov"``, ``"trt"`` (``-cuda`` variants) or a backend settings object.
        keep_colors: restore the source's low-frequency colour and brightness
            (``True`` or a :class:`ColorKeep`).
        reuse: frames showing the same drawing as the frame before (gate holds, interpolation
            duplicates) reuse its upscaled frame: one model run per drawing.
        stats: counts real model runs.

    Returns:
        The upscaled clip in the input's colour family and bit depth.
    """
    check_clip(clip, "upscale")
    from .backends import infer, resolve_backend
    from .models.spec import get_spec

    spec = get_spec(model)
    if spec.task != "upscale":
        raise UnsupportedFormatError(f"upscale: model {spec.name!r} is an {spec.task} model; use an upscaling model such as 'realesr-animevideov3'.")
    if isinstance(overlap, bool) or not isinstance(overlap, int) or overlap < 0:
        raise UnsupportedFormatError(f"upscale: overlap must be a whole number >= 0; got {overlap!r}.")
    w, h = target_size(clip, width=width, height=height, scale=scale, model_scale=spec.scale)
    settings = resolve_backend(backend, func="upscale")
    tile_size = _choose_tile(clip, spec, settings, tile, overlap)
    if tile_size is not None:
        log.debug("upscale: tiles of %dx%d input pixels, overlap %d", *tile_size, overlap)

    info = color_info(clip)
    rgb = to_rgbs(clip, info)
    native = infer([rgb], spec, backend=settings, tile=tile_size, overlap=overlap if tile_size else 0, stats=stats)
    sized = native if (native.width, native.height) == (w, h) else native.resize.Spline36(w, h)
    if keep_colors:
        sized = _keep_colors(sized, rgb, keep_colors if isinstance(keep_colors, ColorKeep) else ColorKeep())
    out = from_rgbs(sized, clip, info)
    if reuse:
        out = reuse_holds(out, clip)
    return out
