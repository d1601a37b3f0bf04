"""Gate metrics: VapourSynth graph that measures each frame and each interval n -> n+1.

Everything per pixel runs inside VapourSynth core filters on a small luma copy of the clip
(the *analysis* clip, float, values 0..1 full range); Python only gathers the resulting
``PlaneStats`` props into one compact set per frame (:func:`measure`). All metrics of frame
``n`` depend only on frames ``n .. n+3``, so any frame can be requested in any order.

Units: differences are in 8-bit code values (0..255 scale whatever the source bit depth).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import vapoursynth as vs

__all__ = ["HIST_BINS", "CROSS_SHIFTS", "MetricGraph", "analysis_clip", "build", "correlation", "measure", "shift"]

HIST_BINS = 16
"""Number of luma histogram bins (on a 64-pixel-wide thumbnail)."""

CROSS_SHIFTS = (1, 2, 3)
"""Frame distances k for which the correlation of frame n with n+k is measured (k > 1: flash test)."""

_THUMB_WIDTH = 64

# Compact per-frame props written by measure(); read by the detectors.
P_MEAN = "_AmMean"  # mean luma of frame n (0..1)
P_SQ = "_AmSq"  # mean squared luma of frame n
P_DIFF = "_AmDiff"  # mean |a[n] - a[n+1]| (0..1)
P_BLOCK = "_AmBlock"  # max over blocks of the block mean of |a[n] - a[n+1]| (0..1)
P_HIST = "_AmHist"  # luma histogram of frame n (fractions, HIST_BINS values)
P_PROD = "_AmProd{}"  # mean a[n] * a[n+k] for k in CROSS_SHIFTS


def analysis_clip(clip: vs.VideoNode, width: int) -> vs.VideoNode:
    """Luma of ``clip`` as GRAYS at ``width`` pixels wide, at most half the clip width (height keeps
    the aspect, even, >= 8).

    YUV/GRAY: the luma plane is taken as is (no matrix); RGB: luma by the BT.709 matrix.
    Values are full range 0..1 so the metrics do not depend on bit depth or range flags.
    """
    core = vs.core
    width = max(8, min(width, clip.width // 2))  # at least a 2x downscale: it averages noise
    height = max(8, 2 * round(clip.height * width / clip.width / 2))
    if clip.format.color_family == vs.RGB:
        rgb = core.resize.Bilinear(clip, width, height, format=vs.RGBS)
        planes = [core.std.ShufflePlanes(rgb, i, vs.GRAY) for i in range(3)]
        return core.std.Expr(planes, "x 0.2126 * y 0.7152 * + z 0.0722 * +")
    if clip.format.color_family == vs.YUV:
        clip = core.std.ShufflePlanes(clip, 0, vs.GRAY)
    # Cheap first: decimate big frames with a point resize to at most ~2x the analysis size
    # (reads only the pixels it keeps), then average down in 16-bit integer, and only the small
    # result becomes float. The 8x8 block means that decide holds still average many source
    # pixels, so grain and compression noise stay averaged out.
    if clip.width > 4 * width:
        dw = 2 * width
        dh = max(8, 2 * round(clip.height * dw / clip.width / 2))
        clip = core.resize.Point(clip, dw, dh)
    small = core.resize.Bilinear(clip, width, height, format=vs.GRAY16, range_in_s="full", range_s="full")
    return core.resize.Point(small, format=vs.GRAYS, range_in_s="full", range_s="full")


def shift(clip: vs.VideoNode, k: int) -> vs.VideoNode:
    """Frame n of the result is frame n+k of ``clip``, clamped to the first/last frame."""
    if k == 0:
        return clip
    n = clip.num_frames
    if k > 0:
        if k >= n:
            return clip[n - 1] * n
        return clip[k:] + clip[n - 1] * k
    k = -k
    if k >= n:
        return clip[0] * n
    return clip[0] * k + clip[: n - k]


@dataclass(frozen=True)
class MetricGraph:
    """The stats clips for one analysis clip; ``clips`` order matches :func:`measure`'s reading."""

    clips: tuple[vs.VideoNode, ...]
    base: vs.VideoNode


def build(clip: vs.VideoNode, *, width: int, block: int) -> MetricGraph:
    """Stats clips for ``clip``: per-frame luma stats, differences, cross products and a thumbnail."""
    core = vs.core
    a = analysis_clip(clip, width)
    nxt = shift(a, 1)
    stats = core.std.PlaneStats(a, nxt, prop="S")  # SAverage (mean), SDiff (mean abs diff)
    sq = core.std.PlaneStats(core.std.Expr(a, "x x *"), prop="S")
    absdiff = core.std.Expr([a, nxt], "x y - abs")
    bw, bh = max(1, a.width // block), max(1, a.height // block)
    blocks = core.std.PlaneStats(core.resize.Bilinear(absdiff, bw, bh), prop="S")
    shifted = {k: nxt if k == 1 else shift(a, k) for k in CROSS_SHIFTS}
    prods = [core.std.PlaneStats(core.std.Expr([a, shifted[k]], "x y *"), prop="S") for k in CROSS_SHIFTS]
    tw = min(_THUMB_WIDTH, a.width)
    th = max(4, 2 * round(a.height * tw / a.width / 2))
    thumb = core.resize.Bilinear(a, tw, th)
    return MetricGraph(clips=(stats, sq, blocks, *prods, thumb), base=a)


def measure(graph: MetricGraph) -> vs.VideoNode:
    """The analysis clip with the compact ``_Am*`` props on every frame (one Python call per frame)."""
    n_prod = len(CROSS_SHIFTS)

    def _collect(n: int, f: list[vs.VideoFrame]) -> vs.VideoFrame:
        stats, sq, blocks = f[0].props, f[1].props, f[2].props
        out = f[0].copy()
        p = out.props
        p[P_MEAN] = float(stats["SAverage"])
        p[P_SQ] = float(sq["SAverage"])
        p[P_DIFF] = float(stats["SDiff"])
        p[P_BLOCK] = float(blocks["SMax"])
        for i, k in enumerate(CROSS_SHIFTS):
            p[P_PROD.format(k)] = float(f[3 + i].props["SAverage"])
        # The luma histogram of the 64-pixel thumbnail: one vectorised numpy call on ~2,300
        # values (a VapourSynth node per bin cost more than all the other metrics together).
        thumb = np.asarray(f[3 + n_prod][0])
        bins = np.minimum((thumb * HIST_BINS).astype(np.int32), HIST_BINS - 1).clip(0)
        p[P_HIST] = (np.bincount(bins.ravel(), minlength=HIST_BINS) / bins.size).tolist()
        return out

    return vs.core.std.ModifyFrame(graph.clips[0], clips=list(graph.clips), selector=_collect)


def correlation(mean_a: float, sq_a: float, mean_b: float, sq_b: float, prod: float, floor: float) -> float | None:
    """Normalised cross-correlation of two frames from their moments; None when either is flat.

    ``floor`` is the standard deviation (0..1 scale) under which a frame counts as flat
    (no structure to correlate).
    """
    var_a = max(0.0, sq_a - mean_a * mean_a)
    var_b = max(0.0, sq_b - mean_b * mean_b)
    if var_a < floor * floor or var_b < floor * floor:
        return None
    return max(-1.0, min(1.0, (prod - mean_a * mean_b) / math.sqrt(var_a * var_b)))
