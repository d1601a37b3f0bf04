"""Colour facts of a clip: conversions between its own format and the float RGB the models
take, using its matrix and range (frame props first, sensible defaults when unspecified),
and the ffmpeg colour tags its frame props become on output."""
from __future__ import annotations

from dataclasses import dataclass

import vapoursynth as vs

__all__ = ["ColorInfo", "color_info", "to_rgbs", "from_rgbs", "ffmpeg_color_filters"]

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
    """Float RGB back to ``like``'s format, matrix and range (dithered when reducing depth).
    From an RGB source (``info.matrix == 0``) to YUV: BT.709 for HD sizes, BT.601 below, limited range."""
    fmt = like.format
    if fmt.color_family == vs.RGB:
        return rgb if fmt.id == vs.RGBS else rgb.resize.Point(format=fmt.id, dither_type="error_diffusion")
    if fmt.color_family == vs.GRAY:
        y = rgb.resize.Point(format=vs.YUV444PS, matrix=info.matrix or 1)
        y = vs.core.std.ShufflePlanes(y, 0, vs.GRAY)
        return y.resize.Point(format=fmt.id, range_s=_range_name(info), dither_type="error_diffusion")
    matrix, range_s = info.matrix, _range_name(info)
    if matrix == 0:
        # an RGB source going to YUV: the usual matrix for its output size and limited range,
        # as players assume for untagged video (matrix 0 would mean "RGB" in a YUV file)
        matrix, range_s = _default_matrix(like), "limited"
    return rgb.resize.Bicubic(format=fmt.id, matrix=matrix, range_s=range_s, dither_type="error_diffusion")


# H.273 code points (VapourSynth frame props) -> ffmpeg option names.
_MATRIX = {0: "gbr", 1: "bt709", 4: "fcc", 5: "bt470bg", 6: "smpte170m", 7: "smpte240m", 8: "ycgco",
           9: "bt2020nc", 10: "bt2020c", 11: "smpte2085", 12: "chroma-derived-nc", 13: "chroma-derived-c", 14: "ictcp"}
_PRIMARIES = {1: "bt709", 4: "bt470m", 5: "bt470bg", 6: "smpte170m", 7: "smpte240m", 8: "film", 9: "bt2020",
              10: "smpte428", 11: "smpte431", 12: "smpte432", 22: "jedec-p22"}
_TRANSFER = {1: "bt709", 4: "gamma22", 5: "gamma28", 6: "smpte170m", 7: "smpte240m", 8: "linear", 9: "log100",
             10: "log316", 11: "iec61966-2-4", 12: "bt1361e", 13: "iec61966-2-1", 14: "bt2020-10", 15: "bt2020-12",
             16: "smpte2084", 17: "smpte428", 18: "arib-std-b67"}
_CHROMA_LOC = {0: "left", 1: "center", 2: "topleft", 3: "top", 4: "bottomleft", 5: "bottom"}


def _prop_int(props, *names: str) -> int | None:
    for name in names:
        if name in props:
            return int(props[name])
    return None


def ffmpeg_color_filters(props) -> tuple[str, ...]:
    """``setparams``/``setsar`` ffmpeg filters carrying a frame's colour and aspect props."""
    params = []
    # VapourSynth R74+ writes _Range (0 limited, 1 full); older filters write _ColorRange (0 full, 1 limited).
    rng = _prop_int(props, "_Range")
    if rng is not None:
        params.append("range=" + ("pc" if rng == 1 else "tv"))
    else:
        old = _prop_int(props, "_ColorRange")
        if old is not None:
            params.append("range=" + ("pc" if old == 0 else "tv"))
    for key, table, opt in (
        ("_Matrix", _MATRIX, "colorspace"),
        ("_Primaries", _PRIMARIES, "color_primaries"),
        ("_Transfer", _TRANSFER, "color_trc"),
        ("_ChromaLocation", _CHROMA_LOC, "chroma_location"),
    ):
        v = _prop_int(props, key)
        if v is not None and v in table and not (key == "_Matrix" and v == 0):
            params.append(f"{opt}={table[v]}")
    out = [f"setparams={':'.join(params)}"] if params else []
    num, den = _prop_int(props, "_SARNum"), _prop_int(props, "_SARDen")
    if num and den and num != den:
        out.append(f"setsar={num}/{den}")
    return tuple(out)
