"""Conversions between a clip's own format and the float RGB the models take, using the
clip's matrix and range (frame props first, sensible defaults when unspecified)."""
from __future__ import annotations

from dataclasses import dataclass

import vapoursynth as vs

__all__ = ["ColorInfo", "color_info", "to_rgbs", "from_rgbs"]

_UNSPECIFIED = 2


@dataclass(frozen=True, kw_only=True)
class ColorInfo:
    """Colour facts of a clip, read once from its first frame."""

    matrix: int
    """ITU-T H.273 matrix coefficients (1 = BT.709, 6 = BT.601 / 170m, 9 = BT.2020 NCL)."""
    full_range: bool
    """True for full-range (pc) values, False for limited (tv)."""


def _range_name(info: "ColorInfo") -> str:
    return "full" if info.full_range else "limited"


def _default_matrix(clip: vs.VideoNode) -> int:
    # The usual rule for untagged video: HD and larger is BT.709, SD is BT.601.
    return 1 if (clip.width >= 1280 or clip.height >= 720) else 6


def color_info(clip: vs.VideoNode) -> ColorInfo:
    """Matrix and range of ``clip`` from frame 0's ``_Matrix``/``_ColorRange`` (defaults when absent)."""
    if clip.format.color_family == vs.RGB:  # GRAY has a range like YUV's (untagged: limited, as zimg reads it)
        return ColorInfo(matrix=0, full_range=True)
    props = clip.get_frame(0).props
    matrix = int(props.get("_Matrix", _UNSPECIFIED))
    if matrix in (_UNSPECIFIED, 0, 3):
        matrix = _default_matrix(clip)
    # R81 writes _Range (1 = full, 0 = limited); older sources _ColorRange (0 = full, 1 = limited).
    # Untagged YUV is limited.
    if "_Range" in props:
        full = int(props["_Range"]) == 1
    else:
        full = int(props.get("_ColorRange", 1)) == 0
    return ColorInfo(matrix=matrix, full_range=full)


def to_rgbs(clip: vs.VideoNode, info: ColorInfo) -> vs.VideoNode:
    """``clip`` as 32-bit float RGB in [0, 1] (Bicubic chroma upsampling)."""
    fam = clip.format.color_family
    if fam == vs.RGB:
        return clip if clip.format.id == vs.RGBS else clip.resize.Point(format=vs.RGBS)
    if fam == vs.GRAY:
        gray = clip.resize.Point(format=vs.GRAYS)
        # RGB carries no YUV matrix: drop a _Matrix the GRAY clip may have (zimg refuses RGB with one).
        return vs.core.std.ShufflePlanes([gray, gray, gray], [0, 0, 0], vs.RGB).std.SetFrameProps(_Matrix=0)
    return clip.resize.Bicubic(
        format=vs.RGBS, matrix_in=info.matrix, range_in_s=_range_name(info)
    )


def from_rgbs(rgb: vs.VideoNode, like: vs.VideoNode, info: ColorInfo) -> vs.VideoNode:
    """Float RGB back to ``like``'s format, matrix and range (dithered when reducing depth)."""
    fmt = like.format
    if fmt.color_family == vs.RGB:
        return rgb if fmt.id == vs.RGBS else rgb.resize.Point(format=fmt.id, dither_type="error_diffusion")
    if fmt.color_family == vs.GRAY:
        y = rgb.resize.Point(format=vs.YUV444PS, matrix=info.matrix or 1)
        y = vs.core.std.ShufflePlanes(y, 0, vs.GRAY)
        return y.resize.Point(format=fmt.id, range_s=_range_name(info), dither_type="error_diffusion")
    return rgb.resize.Bicubic(
        format=fmt.id, matrix=info.matrix, range_s=_range_name(info), dither_type="error_diffusion"
    )
