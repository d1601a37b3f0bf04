"""One place for clip validation. Every public filter calls these first, in this order."""
from __future__ import annotations

import vapoursynth as vs

from .errors import UnsupportedFormatError

__all__ = ["check_clip", "check_constant_rate"]


def check_clip(clip: object, func: str) -> vs.VideoNode:
    """Reject anything that is not a constant-format, constant-size video clip.

    Messages start with the public function name and say how to fix the input.
    """
    if not isinstance(clip, vs.VideoNode):
        raise UnsupportedFormatError(f"{func}: clip must be a vapoursynth.VideoNode; got {type(clip).__name__}.")
    if clip.format is None or clip.format.id == 0:  # R81 reports a variable format as id 0
        raise UnsupportedFormatError(
            f"{func}: clip must have a constant format; got a variable-format clip. "
            "Convert it with core.resize.Bicubic(format=...) first."
        )
    if 0 in (clip.width, clip.height):
        raise UnsupportedFormatError(
            f"{func}: clip must have a constant frame size; got a variable-size clip. Resize or split it first."
        )
    if clip.format.color_family not in (vs.YUV, vs.RGB, vs.GRAY):
        raise UnsupportedFormatError(f"{func}: clip must be YUV, RGB or GRAY; got {clip.format.name}.")
    return clip


def check_constant_rate(clip: vs.VideoNode, func: str) -> vs.VideoNode:
    """Reject clips without a constant frame rate (fps 0/1 means variable in VapourSynth)."""
    if clip.fps.numerator == 0 or clip.fps.denominator == 0:
        raise UnsupportedFormatError(
            f"{func}: clip must have a constant frame rate; got a variable-rate clip (fps 0/1). "
            "Set one with core.std.AssumeFPS(clip, fpsnum=..., fpsden=...) or open the source with a fixed fpsnum/fpsden."
        )
    return clip
