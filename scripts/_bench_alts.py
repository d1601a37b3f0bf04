"""The classical alternatives of scripts/bench.py, run on the same frames as our chain:
FFmpeg ``minterpolate`` (motion-compensated interpolation), MVTools ``FlowFPS`` (the
SVP-style block-flow method) and a linear blend; and the cross-cut measure.

Settings are the ones their users are told to use, not tuned for this benchmark:
minterpolate ``mi_mode=mci:mc_mode=aobmc:me_mode=bidir:vsbmc=1`` (FFmpeg docs' high-quality
example), MVTools defaults (``pel=2``, 8x8 blocks, ``blend=True`` at scene changes).
"""
from __future__ import annotations

import subprocess
from collections.abc import Sequence

import numpy as np

__all__ = [
    "MINTERPOLATE",
    "ffmpeg_exe",
    "minterpolate_frames",
    "mvtools_clip",
    "blend_clip",
    "clip_rgb24_frames",
    "rgb24_clip",
    "cross_cut_frames",
    "CROSS_CUT_RATIO",
]

MINTERPOLATE = "minterpolate=fps={fps}:mi_mode=mci:mc_mode=aobmc:me_mode=bidir:vsbmc=1"
"""The FFmpeg filter as run (``{fps}`` filled in)."""

CROSS_CUT_RATIO = 0.25
"""An output frame inside a cut interval A -> B is a cross-cut frame (it mixes two shots)
when it lies further than this times d(A, B) from both A and B (mean absolute difference
of 64-px-wide luma). A duplicate measures ~0.0-0.05, a 50/50 blend 0.5."""


def ffmpeg_exe() -> str:
    """The ffmpeg the project uses (imageio-ffmpeg's static build, else PATH)."""
    from ainimotion_vs.ffmpeg import find_ffmpeg

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
        raise RuntimeError(f"minterpolate: ffmpeg failed (exit {proc.returncode}): {proc.stderr.decode(errors='replace')[-500:]}")
    size = w * h * 3
    count = len(proc.stdout) // size
    out = np.frombuffer(proc.stdout[: count * size], np.uint8).reshape(count, h, w, 3)
    return list(out[: factor * len(frames)])


def rgb24_clip(frames: Sequence[np.ndarray], fps: tuple[int, int] = (24, 1)):
    """A VapourSynth RGB24 clip of (H, W, 3) uint8 frames."""
    import vapoursynth as vs

    h, w = frames[0].shape[:2]
    blank = vs.core.std.BlankClip(width=w, height=h, format=vs.RGB24, length=len(frames), fpsnum=fps[0], fpsden=fps[1])

    def _fill(n: int, f: vs.VideoFrame) -> vs.VideoFrame:
        out = f.copy()
        for p in range(3):
            np.asarray(out[p])[...] = frames[n][..., p]
        return out

    return vs.core.std.ModifyFrame(blank, blank, _fill)


def clip_rgb24_frames(clip, *, width: int | None = None) -> list[np.ndarray]:
    """Every frame of ``clip`` as (H, W, 3) uint8 RGB, optionally resized to ``width``."""
    import vapoursynth as vs

    from ainimotion_vs._color import color_info, to_rgbs

    rgb = to_rgbs(clip, color_info(clip))
    if width is not None and width != rgb.width:
        h = max(2, round(rgb.height * width / rgb.width / 2) * 2)
        rgb = rgb.resize.Bilinear(width, h)
    rgb = rgb.resize.Point(format=vs.RGB24, dither_type="none")
    return [np.stack([np.asarray(f[p]) for p in range(3)], axis=-1).copy() for f in rgb.frames(close=True)]


def mvtools_clip(clip, factor: int):
    """MVTools FlowFPS at ``factor`` times the rate, defaults (8-bit YUV in, same format out;
    RGB clips go through YUV444P8, BT.709)."""
    import vapoursynth as vs

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


def _small_luma(rgb: np.ndarray) -> np.ndarray:
    from PIL import Image

    h, w = rgb.shape[:2]
    small = Image.fromarray(rgb).resize((64, max(2, round(h * 64 / w))), Image.Resampling.BILINEAR)
    a = np.asarray(small, dtype=np.float64)
    return 0.2126 * a[..., 0] + 0.7152 * a[..., 1] + 0.0722 * a[..., 2]


def cross_cut_frames(out: Sequence[np.ndarray], src: Sequence[np.ndarray], cut_intervals: Sequence[int], factor: int) -> int:
    """Output frames (at ``factor`` times the rate of ``src``) inside a cut interval n -> n+1
    that mix the two shots (see :data:`CROSS_CUT_RATIO`). Frames are (H, W, 3) uint8 RGB; the
    output may have another size than the source."""
    count = 0
    for n in cut_intervals:
        if n + 1 >= len(src):
            continue
        a, b = _small_luma(src[n]), _small_luma(src[n + 1])
        dab = float(np.abs(a - b).mean())
        for k in range(1, factor):
            j = n * factor + k
            if j >= len(out):
                continue
            o = _small_luma(out[j])
            if o.shape != a.shape:
                continue
            nearest = min(float(np.abs(o - a).mean()), float(np.abs(o - b).mean()))
            if nearest > CROSS_CUT_RATIO * dab:
                count += 1
    return count
