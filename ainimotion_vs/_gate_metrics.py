"""Gate metrics: the small analysis clip and the numbers measured on it.

VapourSynth core filters make the *analysis* clip (luma only, ``analysis_width`` wide, 16-bit or
float); the numbers the detectors read are computed by :class:`Measurer` in vectorised numpy
inside the gate's single Python callback, memoised by frame number so that a sequential pass
measures each frame and each interval once. Every number depends only on the pixels of the
frames it is about, so any frame can be requested in any order.

Why numpy and not ``PlaneStats``: a VapourSynth node per statistic plus a second Python stage to
gather their props cost more per frame (node requests, frame copies, props round trips) than
the few small matrix products below on a 256x144 picture.

Units: values are 0..1 full range (differences in code values are ``* 255``).
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import vapoursynth as vs

__all__ = [
    "CROSS_SHIFTS",
    "HIST_BINS",
    "FrameStats",
    "IntervalStats",
    "Measurer",
    "analysis_clip",
    "bilinear_matrix",
    "correlation",
    "window_clips",
]

HIST_BINS = 16
"""Number of luma histogram bins (on a 64-pixel-wide thumbnail)."""

CROSS_SHIFTS = (1, 2, 3)
"""Frame distances k for which the correlation of frame n with n+k is measured (k > 1: flash test)."""

_THUMB_WIDTH = 64


def analysis_clip(clip: vs.VideoNode, width: int) -> vs.VideoNode:
    """Luma of ``clip`` at ``width`` pixels wide, at most half the clip width (height keeps the
    aspect, even, >= 8): GRAY16 full range for YUV/GRAY sources, GRAYS for RGB (luma by the
    BT.709 matrix). :class:`Measurer` reads either as 0..1, so the metrics do not depend on bit
    depth or range flags (YUV/GRAY luma is taken as is, no matrix, no range conversion).
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
    # (reads only the pixels it keeps), then average down in 16-bit integer. The 8x8 block means
    # that decide holds still average many source pixels, so grain and compression noise stay
    # averaged out. The float conversion happens in numpy (one multiply), not in a node.
    if clip.width > 4 * width:
        dw = 2 * width
        dh = max(8, 2 * round(clip.height * dw / clip.width / 2))
        clip = core.resize.Point(clip, dw, dh)
    return core.resize.Bilinear(clip, width, height, format=vs.GRAY16, range_in_s="full", range_s="full")


def window_clips(clip: vs.VideoNode, before: int, after: int) -> list[vs.VideoNode]:
    """Clips whose frame n is frame ``n - before + i`` of ``clip`` (i = 0 .. before + after),
    clamped to the first/last frame.

    One splice for the start and plain trims (VapourSynth clamps requests past the end of a
    clip to its last frame): about one node per clip.
    """
    padded = clip[0] * before + clip if before > 0 else clip
    last = padded.num_frames - 1
    return [padded[min(i, last) :] if i else padded for i in range(before + after + 1)]


def bilinear_matrix(src: int, dst: int) -> np.ndarray:
    """The ``dst x src`` matrix of a bilinear resize of ``src`` samples to ``dst`` (float32).

    Same kernel placement as VapourSynth's resize (zimg): sample centres at ``i + 0.5``, the
    triangle kernel widened by the downscale ratio, weights normalised per output sample and
    mirrored at the edges; so ``Wy @ plane @ Wx.T`` equals ``resize.Bilinear`` on float input.
    """
    scale = dst / src
    step = min(scale, 1.0)
    support = 1.0 / step
    size = max(int(np.ceil(support)) * 2, 1)
    m = np.zeros((dst, src), dtype=np.float64)
    for i in range(dst):
        pos = (i + 0.5) / scale
        begin = np.floor(pos - size / 2.0 + 0.5) + 0.5
        xs = begin + np.arange(size)
        w = np.maximum(0.0, 1.0 - np.abs((xs - pos) * step))
        w /= w.sum()
        real = np.where(xs < 0, -xs, np.where(xs >= src, np.minimum(2.0 * src - xs, src - 0.5), xs))
        np.add.at(m[i], np.floor(real).astype(np.int64), w)
    return m.astype(np.float32)


@dataclass(frozen=True, slots=True)
class FrameStats:
    """Numbers of one analysis frame."""

    mean: float
    """Mean luma, 0..1."""
    sigma: float
    """Standard deviation of luma, 0..1."""
    hist: tuple[float, ...]
    """Luma histogram of the 64-pixel thumbnail: fraction of pixels in each of HIST_BINS bins."""


@dataclass(frozen=True, slots=True)
class IntervalStats:
    """Numbers of the interval from analysis frame n to n+1."""

    diff: float
    """Mean absolute luma difference, 0..1."""
    block: float
    """Largest block mean (bilinear downscale by ``block``) of the absolute difference, 0..1."""


# numpy hands matrix products to BLAS. OpenBLAS runs a product above some size over its own
# threads, which then spin-wait between our calls: measured inside VapourSynth's workers, twice
# the gate's CPU time. Products are split into pieces under this many multiply-adds (measured
# with numpy's OpenBLAS 0.3.34: 18x144x256 = 663,552 stays on the calling thread, 1.18M not).
_SINGLE_THREAD_MNK = 700_000


def _product(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` in row blocks of ``a`` small enough that BLAS keeps each on the calling thread."""
    m, k = a.shape
    rows = max(1, _SINGLE_THREAD_MNK // (k * b.shape[1]))
    if rows >= m:
        return a @ b
    return np.concatenate([a[i : i + rows] @ b for i in range(0, m, rows)])


class _Pixels:
    __slots__ = ("c", "mean", "x")

    def __init__(self, x: np.ndarray, mean: float) -> None:
        self.x = x  # 1 x N float32, 0..1
        self.mean = mean
        self.c = x - np.float32(mean)  # mean removed


class Measurer:
    """Computes and memoises :class:`FrameStats`, :class:`IntervalStats` and cross covariances of
    an analysis clip of ``height x width`` pixels.

    The callback passes the analysis frames it holds through ``get`` (absolute frame number ->
    ``VideoFrame``); numbers already known are not recomputed, so a sequential pass measures each
    frame and each interval once. Results are pure functions of the frame numbers (the same
    operations on the same pixels), so the memo cannot change a result, only skip work; it keeps
    the most recent ``capacity`` entries of each kind. Safe to call from VapourSynth's worker
    threads (two threads may compute the same entry; both get the same value).
    """

    def __init__(self, *, width: int, height: int, block: int, capacity: int = 64) -> None:
        self._n = width * height
        self._shape = (height, width)
        bw, bh = max(1, width // block), max(1, height // block)
        self._block_y, self._block_x = bilinear_matrix(height, bh), bilinear_matrix(width, bw).T.copy()
        tw = min(_THUMB_WIDTH, width)
        th = max(4, 2 * round(height * tw / width / 2))
        self._thumb_y, self._thumb_x = bilinear_matrix(height, th), bilinear_matrix(width, tw).T.copy()
        self._ones = np.ones((self._n, 1), dtype=np.float32)
        self._capacity = capacity
        self._lock = threading.Lock()
        self._pixels: dict[int, _Pixels] = {}
        self._frames: dict[int, FrameStats] = {}
        self._intervals: dict[int, IntervalStats] = {}
        self._covs: dict[tuple[int, int], float] = {}

    def _store(self, memo: dict, key: object, value: object, capacity: int) -> None:
        with self._lock:
            memo[key] = value
            while len(memo) > capacity:
                del memo[next(iter(memo))]  # insertion order: the oldest entry

    def _mean(self, row: np.ndarray) -> float:
        return float((row @ self._ones)[0, 0]) / self._n  # one BLAS call: cheaper than ndarray.mean

    def _pixels_of(self, j: int, get: Callable[[int], vs.VideoFrame]) -> _Pixels:
        px = self._pixels.get(j)
        if px is None:
            plane = np.asarray(get(j)[0])
            if plane.dtype == np.uint16:
                x = np.multiply(plane, np.float32(1.0 / 65535.0), dtype=np.float32)
            else:
                x = np.array(plane, dtype=np.float32)
            x = x.reshape(1, self._n)
            px = _Pixels(x, self._mean(x))
            self._store(self._pixels, j, px, 24)
        return px

    def frame(self, j: int, get: Callable[[int], vs.VideoFrame]) -> FrameStats:
        """Mean, standard deviation and thumbnail histogram of analysis frame ``j``."""
        st = self._frames.get(j)
        if st is None:
            px = self._pixels_of(j, get)
            var = float((px.c @ px.c.T)[0, 0]) / self._n
            thumb = _product(_product(self._thumb_y, px.x.reshape(self._shape)), self._thumb_x)
            thumb *= HIST_BINS
            bins = np.clip(thumb, 0, HIST_BINS - 1, out=thumb).astype(np.intp).ravel()
            size = bins.size
            hist = tuple(c / size for c in np.bincount(bins, minlength=HIST_BINS).tolist())
            st = FrameStats(mean=px.mean, sigma=max(0.0, var) ** 0.5, hist=hist)
            self._store(self._frames, j, st, self._capacity)
        return st

    def interval(self, j: int, get: Callable[[int], vs.VideoFrame]) -> IntervalStats:
        """Mean and largest block-mean absolute difference of analysis frames ``j`` and ``j+1``."""
        st = self._intervals.get(j)
        if st is None:
            d = np.abs(self._pixels_of(j, get).x - self._pixels_of(j + 1, get).x)
            blocks = _product(_product(self._block_y, d.reshape(self._shape)), self._block_x)
            st = IntervalStats(diff=self._mean(d), block=float(blocks.max()))
            self._store(self._intervals, j, st, self._capacity)
        return st

    def covariance(self, j: int, k: int, get: Callable[[int], vs.VideoFrame]) -> float:
        """Covariance of the luma of analysis frames ``j`` and ``j+k``."""
        cov = self._covs.get((j, k))
        if cov is None:
            a, b = self._pixels_of(j, get), self._pixels_of(j + k, get)
            cov = float((a.c @ b.c.T)[0, 0]) / self._n
            self._store(self._covs, (j, k), cov, 4 * self._capacity)
        return cov


def correlation(sigma_a: float, sigma_b: float, cov: float, floor: float) -> float | None:
    """Normalised cross-correlation of two frames; None when either is flat (standard deviation
    under ``floor``, 0..1 scale: no structure to correlate)."""
    if sigma_a < floor or sigma_b < floor:
        return None
    return max(-1.0, min(1.0, cov / (sigma_a * sigma_b)))
