"""Frames between VapourSynth and numpy for evaluation: uint8 RGB arrays in and out of clips,
float planes of a clip, image files. Whole planes at once, no per-pixel Python."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..backends._frames import clip_to_array, clips_from_array
from .extras import require_eval

if TYPE_CHECKING:  # pragma: no cover
    import vapoursynth as vs

__all__ = [
    "read_rgb",
    "rgb24_clip",
    "rgbs_clip",
    "clip_rgb24_frames",
    "frame_rgb24",
    "clip_to_array",
    "clips_from_array",
    "centre_crop",
    "array_rgbs_clip",
    "clip_rgb_levels",
    "to_uint8",
]


def read_rgb(path: str | Path) -> np.ndarray:
    """(H, W, 3) uint8 RGB of an image file (PNG, JPEG, ...; alpha dropped), decoded with pillow
    (``eval`` extra): the reader every published still and triplet figure was made with (JPEG
    decoders differ in the last level, so one reader keeps figures comparable)."""
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"read_rgb: no image at {p}")
    require_eval("pillow", who="read_rgb")
    from PIL import Image

    with Image.open(p) as im:
        return np.asarray(im.convert("RGB"), dtype=np.uint8).copy()


def rgb24_clip(frames: Sequence[np.ndarray], fps: tuple[int, int] = (24, 1)) -> "vs.VideoNode":
    """A VapourSynth RGB24 clip of (H, W, 3) uint8 frames (all of one size)."""
    import vapoursynth as vs

    h, w = frames[0].shape[:2]
    blank = vs.core.std.BlankClip(width=w, height=h, format=vs.RGB24, length=len(frames), fpsnum=fps[0], fpsden=fps[1], keep=True)

    def _fill(n: int, f: vs.VideoFrame) -> vs.VideoFrame:
        out = f.copy()
        for p in range(3):
            np.copyto(np.asarray(out[p]), frames[n][..., p])
        return out

    return vs.core.std.ModifyFrame(blank, blank, _fill)


def frame_rgb24(frame: "vs.VideoFrame") -> np.ndarray:
    """(H, W, 3) copy of the three planes of an RGB frame (its own sample type)."""
    return np.stack([np.asarray(frame[p]) for p in range(3)], axis=-1).copy()


def rgbs_clip(clip: "vs.VideoNode") -> "vs.VideoNode":
    """``clip`` as 32-bit float RGB in [0, 1]; YUV is read with its own ``_Matrix`` and range
    props (as the upscaler reads it)."""
    from .._color import color_info, to_rgbs

    return to_rgbs(clip, color_info(clip))


def clip_rgb24_frames(clip: "vs.VideoNode", *, width: int | None = None) -> list[np.ndarray]:
    """Every frame of ``clip`` (any format; YUV read with its own matrix and range) as (H, W, 3)
    uint8 RGB, optionally resized (bilinear) to ``width`` with an even height."""
    import vapoursynth as vs

    rgb = rgbs_clip(clip)
    if width is not None and width != rgb.width:
        h = max(2, round(rgb.height * width / rgb.width / 2) * 2)
        rgb = rgb.resize.Bilinear(width, h)
    rgb = rgb.resize.Point(format=vs.RGB24, dither_type="none")
    return [frame_rgb24(f) for f in rgb.frames(close=True)]


def centre_crop(a: np.ndarray, w: int, h: int) -> np.ndarray:
    """The centred ``w`` x ``h`` window of an (H, W, ...) array (the whole side where it is
    smaller), as a contiguous copy."""
    y0, x0 = max(0, (a.shape[0] - h) // 2), max(0, (a.shape[1] - w) // 2)
    return np.ascontiguousarray(a[y0 : y0 + h, x0 : x0 + w])


def array_rgbs_clip(img8: np.ndarray) -> "vs.VideoNode":
    """A one-frame 32-bit float RGB clip in [0, 1] of an (H, W, 3) uint8 image."""
    return clips_from_array(img8.transpose(2, 0, 1).astype(np.float32) / 255.0)[0]


def clip_rgb_levels(clip: "vs.VideoNode", n: int = 0) -> np.ndarray:
    """Frame ``n`` as (H, W, 3) float64 in 8-bit units [0, 255], unrounded (RGBS clips as they
    are; others converted to RGBS by point resize)."""
    import vapoursynth as vs

    if clip.format.id != vs.RGBS:
        clip = clip.resize.Point(format=vs.RGBS)
    return clip_to_array(clip, n).transpose(1, 2, 0).astype(np.float64) * 255.0


def to_uint8(x: np.ndarray, *, scale: float = 1.0) -> np.ndarray:
    """``x * scale`` rounded (halves to even) and clipped to the 8-bit levels a player would
    show: ``scale=255`` for frames in [0, 1], 1 for frames already in [0, 255]."""
    return np.clip(np.round(x * scale), 0, 255).astype(np.uint8)
