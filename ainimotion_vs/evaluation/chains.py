"""The naive chain our chain is compared with, and the one definition of an output frame that
mixes two shots.

naive chain = what a vs-rife + vs-realesrgan script does: RIFE on every interval at the source
size (``interpolate(gate=False)`` on a clip whose props all say motion, no fallback check),
then the upscaler on every output frame (``upscale(reuse=False)``).

A cross-cut frame (one that mixes two shots) is defined once, in :func:`mixes_shots`.
"""
from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import numpy as np

from ..errors import UnsupportedFormatError
from .extras import require_eval

__all__ = [
    "CROSS_CUT_RATIO",
    "mixes_shots",
    "cross_cut_frames",
    "frames_in_interval",
    "motion_everywhere",
    "naive_interpolate",
    "naive_upscale",
    "naive_chain",
]


# ---------------------------------------------------------------- frames that mix two shots

CROSS_CUT_RATIO = 0.25
"""An output frame inside a cut interval A -> B mixes two shots when it lies further than this
times d(A, B) from both A and B (d: mean absolute difference of 64-px-wide BT.709 luma, 8-bit
levels). A copy of A or B measures 0, a re-encoded or resized copy ~0.0-0.05, a 50/50 blend 0.5:
the threshold sits between, and comparing at 64 px makes it hold for outputs of another size."""

_SMALL_WIDTH = 64


def _small_luma(rgb: np.ndarray) -> np.ndarray:
    from PIL import Image

    h, w = rgb.shape[:2]
    small = Image.fromarray(rgb).resize((_SMALL_WIDTH, max(2, round(h * _SMALL_WIDTH / w))), Image.Resampling.BILINEAR)
    a = np.asarray(small, dtype=np.float64)
    return 0.2126 * a[..., 0] + 0.7152 * a[..., 1] + 0.0722 * a[..., 2]


def _mixes(o: np.ndarray, a: np.ndarray, b: np.ndarray) -> bool:
    if o.shape != a.shape:
        raise UnsupportedFormatError(f"mixes_shots: the output frame has another aspect ratio than the source "
                                     f"({o.shape[::-1]} vs {a.shape[::-1]} at {_SMALL_WIDTH} px wide); crop it to the source's.")
    dab = float(np.abs(a - b).mean())
    nearest = min(float(np.abs(o - a).mean()), float(np.abs(o - b).mean()))
    return nearest > CROSS_CUT_RATIO * dab


def mixes_shots(frame: np.ndarray, before: np.ndarray, after: np.ndarray) -> bool:
    """Whether output ``frame``, shown between the last frame of one shot (``before``) and the
    first of the next (``after``), mixes the two shots (see :data:`CROSS_CUT_RATIO`). All three
    are (H, W, 3) uint8 RGB; ``frame`` may have another size than the source (same aspect).
    Needs pillow (``eval`` extra)."""
    require_eval("pillow", who="mixes_shots")
    return _mixes(_small_luma(frame), _small_luma(before), _small_luma(after))


def cross_cut_frames(out: Sequence[np.ndarray], src: Sequence[np.ndarray], cut_intervals: Sequence[int], factor: int) -> int:
    """How many output frames (at ``factor`` times the rate of ``src``) inside a cut interval
    n -> n+1 mix the two shots (:func:`mixes_shots`). Frames are (H, W, 3) uint8 RGB."""
    require_eval("pillow", who="cross_cut_frames")
    count = 0
    for n in cut_intervals:
        if n + 1 >= len(src):
            continue
        a, b = _small_luma(src[n]), _small_luma(src[n + 1])
        for k in range(1, factor):
            j = n * factor + k
            if j < len(out):
                count += _mixes(_small_luma(out[j]), a, b)
    return count


def frames_in_interval(n: int, *, length: int, in_fps: Fraction, out_fps: Fraction) -> list[int]:
    """The output frames (of ``length`` at ``out_fps``) whose time slot lies strictly inside
    source interval n -> n+1 (at ``in_fps``): the frames a cut there must not mix."""
    from .._timing import source_position

    first = (n * out_fps / in_fps).__floor__()  # no output frame before this one can lie in the interval
    out = []
    for j in range(max(0, first), length):
        m, t = source_position(j, in_fps, out_fps)
        if m > n:
            break
        if m == n and t > 0:
            out.append(j)
    return out


# ---------------------------------------------------------------- the naive chain


def motion_everywhere(clip):
    """``clip`` with every interval labelled motion: what a chain without gating sees."""
    return clip.std.SetFrameProps(AinimotionInterval="motion")


def naive_interpolate(clip, *, factor: int = 2, model: str | None = None, backend=None, stats=None):
    """The naive chain's first stage, as a vs-rife script runs it: RIFE on every interval at the
    source size (no gate, no fallback check). Defaults are :func:`~ainimotion_vs.interpolate`'s."""
    from ..interpolate import interpolate

    kw = {} if model is None else {"model": model}
    return interpolate(motion_everywhere(clip), factor=factor, backend=backend, gate=False, fallback=False, stats=stats, **kw)


def naive_upscale(clip, *, height: int, model: str | None = None, tile="auto", backend=None, keep_colors: bool = True,
                  bit_depth: int = 10, stats=None):
    """The naive chain's second stage, as a vs-realesrgan script runs it: the upscaler on every
    output frame (no reuse of duplicates), then the output format (YUV 4:2:0 at ``bit_depth``).
    Defaults are :func:`~ainimotion_vs.upscale`'s, except ``keep_colors`` (the shipped presets keep them)."""
    from ..enhance import output_format
    from ..upscale import upscale

    kw = {} if model is None else {"model": model}
    up = upscale(clip, height=height, tile=tile, backend=backend, keep_colors=keep_colors, reuse=False, stats=stats, **kw)
    return output_format(up, bit_depth)


def naive_chain(clip, *, height: int, factor: int = 2, interp_model: str | None = None, upscale_model: str | None = None,
                tile="auto", backend=None, keep_colors: bool = True, bit_depth: int = 10, interp_stats=None, upscale_stats=None):
    """RIFE on every interval, then the upscaler on every output frame: the chain our gated,
    reuse-aware :func:`~ainimotion_vs.enhance.enhance` is compared with."""
    it = naive_interpolate(clip, factor=factor, model=interp_model, backend=backend, stats=interp_stats)
    return naive_upscale(it, height=height, model=upscale_model, tile=tile, backend=backend, keep_colors=keep_colors,
                         bit_depth=bit_depth, stats=upscale_stats)
