"""The classical interpolators our chain is compared with, run on the same frames: FFmpeg
``minterpolate`` (motion-compensated interpolation), MVTools ``FlowFPS`` (the SVP-style
block-flow method, ``eval`` extra) and a linear blend.

Settings are the ones their users are told to use, not tuned for this benchmark:
minterpolate ``mi_mode=mci:mc_mode=aobmc:me_mode=bidir:vsbmc=1`` (FFmpeg docs' high-quality
example), MVTools defaults (``pel=2``, 8x8 blocks, ``blend=True`` at scene changes).
"""
from __future__ import annotations

import subprocess
from collections.abc import Sequence

import numpy as np

from ..errors import EncodeError
from .extras import require_eval

__all__ = ["MINTERPOLATE", "ffmpeg_exe", "minterpolate_frames", "mvtools_clip", "blend_clip"]

MINTERPOLATE = "minterpolate=fps={fps}:mi_mode=mci:mc_mode=aobmc:me_mode=bidir:vsbmc=1"
"""The FFmpeg filter as run (``{fps}`` filled in)."""


def ffmpeg_exe() -> str:
    """The ffmpeg the project uses (imageio-ffmpeg's static build, else PATH)."""
    from ..ffmpeg import find_ffmpeg

    return find_ffmpeg().path


def minterpolate_frames(frames: Sequence[np.ndarray], fps: str, factor: int) -> list[np.ndarray]:
    """Run FFmpeg minterpolate on (H, W, 3) uint8 RGB frames at ``fps`` (e.g. "24000/1001");
    returns the output frames at ``factor`` times the rate (``factor * len(frames)`` at most)."""
    from fractions import Fraction

    h, w = frames[0].shape[:2]
    out_fps = Fraction(fps) * factor
    argv = [
        ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error",
        "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}", "-r", fps, "-i", "-",
        "-vf", MINTERPOLATE.format(fps=f"{out_fps.numerator}/{out_fps.denominator}"),
        "-f", "rawvideo", "-pix_fmt", "rgb24", "-",
    ]
    data = b"".join(np.ascontiguousarray(f).tobytes() for f in frames)
    proc = subprocess.run(argv, input=data, capture_output=True, check=False)
    if proc.returncode != 0:
        raise EncodeError(f"minterpolate_frames: ffmpeg failed (exit {proc.returncode}): {proc.stderr.decode(errors='replace')[-500:]}")
    size = w * h * 3
    count = len(proc.stdout) // size
    out = np.frombuffer(proc.stdout[: count * size], np.uint8).reshape(count, h, w, 3)
    return list(out[: factor * len(frames)])


def mvtools_clip(clip, factor: int):
    """MVTools FlowFPS at ``factor`` times the rate, defaults (8-bit YUV in, same format out;
    RGB clips go through YUV444P8, BT.709)."""
    import vapoursynth as vs

    require_eval("mvtools", who="mvtools_clip")
    core = vs.core
    rgb_in = clip.format.color_family == vs.RGB
    yuv = clip.resize.Bicubic(format=vs.YUV444P8, matrix_s="709") if rgb_in else clip
    sup = core.mv.Super(yuv, pel=2)
    bw = core.mv.Analyse(sup, isb=True)
    fw = core.mv.Analyse(sup, isb=False)
    out = core.mv.FlowFPS(yuv, sup, bw, fw, num=clip.fps.numerator * factor, den=clip.fps.denominator)
    return out.resize.Bicubic(format=clip.format.id, matrix_in_s="709") if rgb_in else out


def blend_clip(clip, factor: int):
    """Linear blend: output frame at t between n and n+1 is (1-t) n + t n+1 (the last frame repeats)."""
    import vapoursynth as vs

    core = vs.core
    nxt = core.std.Splice([clip[1:], clip[-1]]) if clip.num_frames > 1 else clip
    phases = [clip] + [core.std.Merge(clip, nxt, weight=k / factor) for k in range(1, factor)]
    out = core.std.Interleave(phases)
    return out.std.AssumeFPS(fpsnum=clip.fps.numerator * factor, fpsden=clip.fps.denominator)
