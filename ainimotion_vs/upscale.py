"""``upscale()``: tiled anime upscaling to any target size, once per distinct drawing.

The model runs at its native scale (x4 for Real-ESRGAN class models) on float RGB, in
overlapping tiles when the frame does not fit the memory budget; then a Spline36 resize
brings the result to the target size, and it goes back to the clip's own colour family and
bit depth. Frames that show the same drawing as the frame before (a hold from
:func:`ainimotion_vs.gate`, or a duplicate written by :func:`ainimotion_vs.interpolate`)
reuse the upscaled drawing, so the model runs once per drawing and held drawings come out
identical (no flickering compression noise).

Reuse relies on VapourSynth's frame cache: every frame of a drawing asks the same node for
the same frame (the drawing's first). It is exact (one model run per drawing) when frames
are rendered in order, as ``vspipe`` and the CLI do; random access far away from a hold's
first frame may run the model for that drawing again (the result is the same frame).
"""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import vapoursynth as vs

from ._vs import check_clip
from ._color import color_info, from_rgbs, to_rgbs
from ._graph import reuse_holds
from .backends._tiles import DEFAULT_OVERLAP
from .backends.memory import MEM_BUDGET_ENV, budget_bytes
from .errors import SettingsError

if TYPE_CHECKING:  # pragma: no cover
    from .backends import Backend, InferenceStats
    from .models.spec import ModelSpec

__all__ = ["upscale", "target_size", "choose_tile", "ColorKeep"]

log = logging.getLogger("ainimotion_vs")


@dataclass(frozen=True, kw_only=True)
class ColorKeep:
    """``keep_colors``: restore the source's low-frequency colour and brightness.

    The low-pass of the result is replaced by the low-pass of the source: the difference of
    the two, taken on small copies (area-like Bilinear downscales), is upsampled and added.
    Only detail coarser than 1/``radius_div`` of the frame width changes, so the model's
    restored lines and textures are kept while its 1-3 level brightness lift is undone.
    """

    radius_div: int = 32
    """The correction carries detail coarser than 1/``radius_div`` of the frame width (>= 2).
    Larger follows local colour more closely; smaller corrects only broad areas."""


def _mod_for(clip: vs.VideoNode) -> tuple[int, int]:
    fmt = clip.format
    return 1 << fmt.subsampling_w, 1 << fmt.subsampling_h


def target_size(
    clip: vs.VideoNode, *, width: int | None, height: int | None, scale: float | None, model_scale: int
) -> tuple[int, int]:
    """The output size: both sides given, one side (aspect ratio kept), ``scale``, or the
    model's own scale. Derived sides are rounded to the clip's chroma subsampling multiple
    (even for 4:2:0); a given side that is not such a multiple is refused."""
    mw, mh = _mod_for(clip)
    if scale is not None and (width is not None or height is not None):
        raise SettingsError("upscale: give scale= or width=/height=, not both.")
    for name, v, mod in (("width", width, mw), ("height", height, mh)):
        if v is None:
            continue
        if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
            raise SettingsError(f"upscale: {name} must be a positive whole number; got {v!r}.")
        if v % mod:
            raise SettingsError(
                f"upscale: {name} {v} is not a multiple of {mod}, which {clip.format.name} needs "
                f"(chroma subsampling); use {v - v % mod} or {v - v % mod + mod}."
            )
    if scale is not None:
        if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not scale > 0:
            raise SettingsError(f"upscale: scale must be a positive number such as 2 or 1.5; got {scale!r}.")
        w, h = clip.width * scale, clip.height * scale
    elif width is not None and height is not None:
        w, h = width, height
    elif width is not None:
        w, h = width, clip.height * width / clip.width
    elif height is not None:
        w, h = clip.width * height / clip.height, height
    else:
        w, h = clip.width * model_scale, clip.height * model_scale
    w = max(mw, math.floor(w / mw + 0.5) * mw)  # half up, not to even
    h = max(mh, math.floor(h / mh + 0.5) * mh)
    return w, h


def _backend_device(backend: "Backend") -> str:
    """``"cuda:N"`` for backends that run on an NVIDIA GPU, ``"cpu"`` otherwise (OpenVINO GPUs
    are not measured: they get the RAM budget)."""
    if backend.name == "trt":
        return f"cuda:{backend.device_id}"
    device = str(getattr(backend, "device", "cpu"))
    if backend.name == "ort" and device == "cuda":
        return f"cuda:{backend.device_id}"
    return device if device.startswith("cuda") else "cpu"


def choose_tile(
    clip: vs.VideoNode,
    spec: "ModelSpec",
    backend: "Backend",
    tile: "tuple[int, int] | str | None",
    overlap: int,
) -> tuple[int, int] | None:
    """The tile size (input pixels) for ``upscale``: ``None`` (whole frames), the caller's
    ``(w, h)``, or for ``"auto"`` the largest tiles whose estimated memory fits the budget of
    :func:`ainimotion_vs.backends.memory.budget_bytes` (``None`` when the whole frame fits)."""
    if tile is None:
        return None
    if isinstance(tile, str):
        if tile != "auto":
            raise SettingsError(f"upscale: tile must be 'auto', None or (width, height); got {tile!r}.")
        from .backends._tiles import auto_tile

        device = _backend_device(backend)
        budget = budget_bytes(device, func="upscale")
        if budget is None:
            log.warning(
                "upscale: cannot read free memory of %s (PyTorch has no CUDA); running whole frames. "
                "Set tile=(w, h) or %s if the GPU runs out of memory.", device, MEM_BUDGET_ENV,
            )
            return None
        fp16 = bool(getattr(backend, "fp16", False)) and device.startswith("cuda")
        chosen = auto_tile(clip.width, clip.height, spec, budget, overlap=max(overlap, 1), dtype_bytes=2 if fp16 else 4)
        if chosen is not None and backend.name != "torch":
            # vs-mlrt discards overlap * scale pixels per inner edge: it needs larger tiles.
            least = 2 * overlap * spec.scale + 2 * max(overlap, 1)
            chosen = (min(max(chosen[0], least), clip.width), min(max(chosen[1], least), clip.height))
            if chosen == (clip.width, clip.height):
                chosen = None
        if chosen is not None:
            log.info(
                "upscale: %dx%d frames exceed the %d MiB budget of %s; running %dx%d tiles (overlap %d)",
                clip.width, clip.height, budget >> 20, device, *chosen, overlap,
            )
        return chosen
    if (
        not isinstance(tile, (tuple, list))
        or len(tile) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in tile)
    ):
        raise SettingsError(f"upscale: tile must be 'auto', None or (width, height) in input pixels; got {tile!r}.")
    tw, th = int(tile[0]), int(tile[1])
    # torch keeps `overlap` input pixels of context per inner edge; vs-mlrt needs overlap * scale.
    edge = overlap if backend.name == "torch" else overlap * spec.scale
    if (tw < clip.width and tw <= 2 * edge) or (th < clip.height and th <= 2 * edge):
        raise SettingsError(
            f"upscale: tile {tw}x{th} is too small for overlap {overlap} on the {backend.name} backend; use tiles "
            f"larger than {2 * edge} pixels (e.g. ({max(tw, 2 * edge + 2 * overlap)}, {max(th, 2 * edge + 2 * overlap)})) "
            "or a smaller overlap."
        )
    if tw >= clip.width and th >= clip.height:
        return None
    return tw, th


def _keep_colors(up: vs.VideoNode, src_rgb: vs.VideoNode, settings: ColorKeep) -> vs.VideoNode:
    """``up`` with its low-pass replaced by ``src_rgb``'s (both RGBS; ``up`` at the target size)."""
    w, h = up.width, up.height
    lw = max(2, min(src_rgb.width, w // settings.radius_div))
    lh = max(2, min(src_rgb.height, round(h * lw / w)))
    core = vs.core
    # Bilinear downscales in zimg widen the triangle filter by the ratio: an area-like average.
    diff_small = core.std.Expr([src_rgb.resize.Bilinear(lw, lh), up.resize.Bilinear(lw, lh)], "x y -")
    diff = diff_small.resize.Bicubic(w, h, filter_param_a=0, filter_param_b=0.5)
    return core.std.Expr([up, diff], "x y + 0 max 1 min")


def _check_keep_colors(keep_colors: object) -> ColorKeep | None:
    if isinstance(keep_colors, ColorKeep):
        r = keep_colors.radius_div
        if isinstance(r, bool) or not isinstance(r, int) or r < 2:
            raise SettingsError(f"upscale: ColorKeep.radius_div must be a whole number >= 2; got {r!r}.")
        return keep_colors
    if isinstance(keep_colors, bool):
        return ColorKeep() if keep_colors else None
    raise SettingsError(
        f"upscale: keep_colors must be True, False or a ColorKeep(...); got {type(keep_colors).__name__}."
    )


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
    keep_colors: "bool | ColorKeep" = False,
    reuse: bool = True,
    stats: "InferenceStats | None" = None,
) -> vs.VideoNode:
    """Upscale ``clip`` with a Real-ESRGAN class model to any size.

    The model runs at its native scale (x4), then Spline36 resizes to the target, e.g.
    ``upscale(clip_1080p, height=1440)`` gives 2560x1440.

    Args:
        clip: any constant-format, constant-size clip (YUV/RGB/GRAY, 8-32 bit). Run
            :func:`ainimotion_vs.gate` first so that held drawings are upscaled once.
        width, height: target size; with one side only, the aspect ratio is kept (the other
            side rounded to the chroma subsampling multiple, even for 4:2:0).
        scale: target size as a factor of the input (e.g. ``4 / 3`` for 1080p -> 1440p).
            Without any of these, the model's native scale.
        model: upscaling model name (``ainimotion weights list``).
        tile: ``"auto"`` (tiles only when a frame does not fit the memory budget: 60% of free
            GPU memory on CUDA, a quarter of the available RAM on CPU, or
            ``$AINIMOTION_MEM_BUDGET_MB``), ``(w, h)`` in input pixels, or ``None`` (whole
            frames). On the torch backend an out-of-memory error halves the tiles and retries
            (logged); the tiled result equals the untiled one within 1/255.
        overlap: tile overlap in input pixels (context discarded at inner tile edges).
        backend: ``None``/``"auto"`` (the backend measured fastest for the model on this
            machine, :mod:`ainimotion_vs.backends.auto`), ``"torch"``, ``"ort"``, ``"ov"``,
            ``"trt"`` (``-cuda`` variants) or a backend settings object; fp16 is a field of the settings (``TorchBackend(device="cuda",
            fp16=True)``; CUDA only).
        keep_colors: restore the source's low-frequency colour and brightness (``True`` or a
            :class:`ColorKeep`): undoes the model's brightness lift, keeps its detail.
        reuse: frames showing the same drawing as the frame before (gate holds,
            interpolation duplicates) reuse its upscaled frame: one model run per drawing
            when rendered in order (see the module docs), and identical output frames.
        stats: counts real model runs (:class:`ainimotion_vs.backends.InferenceStats`).

    Returns:
        The upscaled clip in the input's colour family, subsampling and bit depth, with the
        input's frame props (matrix and range kept).
    """
    check_clip(clip, "upscale")
    from .backends import infer, resolve_backend
    from .models.spec import spec_for_task

    spec = spec_for_task(model, task="upscale", func="upscale")
    if isinstance(overlap, bool) or not isinstance(overlap, int) or overlap < 0:
        raise SettingsError(f"upscale: overlap must be a whole number >= 0; got {overlap!r}.")
    w, h = target_size(clip, width=width, height=height, scale=scale, model_scale=spec.scale)
    color_keep = _check_keep_colors(keep_colors)
    if not isinstance(reuse, bool):
        raise SettingsError(f"upscale: reuse must be True or False; got {reuse!r}.")
    settings = resolve_backend(backend, func="upscale", model=spec)
    tile_size = choose_tile(clip, spec, settings, tile, overlap)
    log.debug("upscale: %s on %s, %dx%d -> %dx%d, tiles %s", spec.name, settings.name, clip.width, clip.height, w, h, tile_size)

    info = color_info(clip)
    # RGB frames must say so: a GRAY (or mis-tagged RGB) clip may carry a YUV _Matrix, which
    # the resizers refuse on RGB.
    rgb = to_rgbs(clip, info).std.SetFrameProps(_Matrix=0)
    native = infer([rgb], spec, backend=settings, tile=tile_size, overlap=overlap if tile_size else 0, stats=stats)
    sized = native if (native.width, native.height) == (w, h) else native.resize.Spline36(w, h)
    if color_keep is not None:
        sized = _keep_colors(sized, rgb, color_keep)
    out = from_rgbs(sized, clip, info)
    if reuse:
        out = reuse_holds(out, clip)
    return out
