"""Gate metrics: the small analysis picture of each frame and the numbers measured on it.

The *analysis* picture is the luma of a source frame, each pixel the mean of a few samples of
one cell of a sparse grid (:class:`AnalysisGeometry`, about 256 cells across). :class:`Measurer`
makes it from the source frame in numpy (:class:`Decimator`) inside the numpy gate's Python
callback and computes the numbers the detectors read: the interval differences on the picture,
the structure numbers (standard deviation, correlations, histogram) on every other pixel of it
each way; memoised by frame number, so a sequential pass measures each frame and each interval
once. Every number depends only on the pixels of the frames it is about, so any frame can be
requested in any order.

This is the reference build and the fallback: gate() normally runs the same operations in C,
in its VapourSynth filter (``_gatevs.c``, loaded by :mod:`.native`); the tests check that
the filter's analysis picture equals :class:`Decimator`'s bit for bit and that its props match.
Change both together. A Python callback costs ~0.25-0.3 ms a frame at 1080p whatever it does
(measured inside vspipe): that is why the C filter exists.

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
    "edge_bands",
    "shared_bands",
    "HIST_BINS",
    "AnalysisGeometry",
    "FINE_SAMPLES",
    "STREAK_CELL",
    "FineSampler",
    "FrameStats",
    "IntervalStats",
    "Measurer",
    "bilinear_matrix",
    "block_matrices",
    "correlation",
    "window_clips",
]

HIST_BINS = 16
"""Number of luma histogram bins (of every other analysis pixel each way)."""

CROSS_SHIFTS = (1, 2, 3)
"""Frame distances k for which the correlation of frame n with n+k is measured (k > 1: flash test)."""

_LUMA_709 = (0.2126, 0.7152, 0.0722)


@dataclass(frozen=True, slots=True)
class AnalysisGeometry:
    """Where the analysis picture samples the source. The source is cut into square cells of
    ``cell = 2 * step`` pixels, centred; analysis pixel ``(i, j)`` is the mean of the luma
    samples of cell ``(i, j)`` listed by :meth:`samples`: all four pixels when ``step`` is 1
    (small sources), else eight points, four along each of two rows (a quarter and three
    quarters down the cell). Reading two rows in every ``cell`` keeps the cost (memory traffic)
    low (see the module docstring); eight samples average grain well enough: a 1080p lip-flap
    scene with sigma-4 grain raises the hold threshold to 4.9 code values (6.7 with four samples
    on one row)."""

    step: int
    """Half the cell side in source pixels (1: 2x2 cells, every pixel of a small source)."""
    width: int
    """Analysis width, ``source width // (2 * step)``."""
    height: int
    """Analysis height, ``source height // (2 * step)``."""
    x0: int
    """First column of the first cell."""
    y0: int
    """First row of the first cell."""

    @classmethod
    def of(cls, width: int, height: int, target: int) -> AnalysisGeometry:
        """Geometry for a ``width x height`` source and a target analysis width: the step
        nearest to ``width / (2 * target)``, at least 1 (the analysis is at most half size)."""
        step = max(1, round(width / (2 * target)))
        aw, ah = width // (2 * step), height // (2 * step)
        return cls(step=step, width=aw, height=ah, x0=(width - 2 * step * aw) // 2, y0=(height - 2 * step * ah) // 2)

    def offsets(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """Row and column offsets of the samples inside a cell (every row x every column)."""
        if self.step == 1:
            return (0, 1), (0, 1)
        cell = 2 * self.step
        return (cell // 4, 3 * cell // 4), tuple((2 * k + 1) * cell // 8 for k in range(4))

    def samples(self) -> list[tuple[slice, slice]]:
        """(rows, columns) slices of the source plane, one per sample of every cell."""
        cell = 2 * self.step
        rows, cols = self.offsets()
        return [
            (
                slice(self.y0 + dy, self.y0 + dy + cell * self.height, cell),
                slice(self.x0 + dx, self.x0 + dx + cell * self.width, cell),
            )
            for dy in rows
            for dx in cols
        ]


class Decimator:
    """Makes the analysis picture (float32, ``shape`` = analysis height x width, C-contiguous,
    0..1) of a frame of ``fmt``: the cell means of :class:`AnalysisGeometry`.

    YUV/GRAY luma is taken as is (no matrix, no range conversion: integer code values over the
    format's maximum, float values as they are); RGB becomes BT.709 luma. The metrics therefore
    do not depend on bit depth or range flags. Reads strided numpy views of the frame (no copy
    of the source)."""

    def __init__(self, geometry: AnalysisGeometry, fmt: vs.VideoFormat) -> None:
        g = geometry
        self.shape = (g.height, g.width)
        cell = 2 * g.step
        rows, cols = g.offsets()
        self._rows = [slice(g.y0 + dy, g.y0 + dy + cell * g.height, cell) for dy in rows]
        self._span = slice(g.x0, g.x0 + cell * g.width)
        self._cols = [slice(dx, dx + cell * g.width, cell) for dx in cols]
        count = len(rows) * len(cols)
        if fmt.sample_type == vs.FLOAT:
            scale, self._acc = 1.0 / count, np.float32
        else:  # sums of up to eight integer samples: exact in 16 bits up to 13-bit sources
            scale = 1.0 / count / ((1 << fmt.bits_per_sample) - 1)
            self._acc = np.uint16 if fmt.bits_per_sample <= 13 else np.uint32
        self.weights = tuple(np.float32(w * scale) for w in (_LUMA_709 if fmt.color_family == vs.RGB else (1.0,)))

    def __call__(self, frame: vs.VideoFrame) -> np.ndarray:
        x = np.empty(self.shape, dtype=np.float32)
        ra, rb = self._rows
        c0, c1, *rest = self._cols
        for plane, w in enumerate(self.weights):
            p = np.asarray(frame[plane])[:, self._span]
            # the two sampled rows of every cell, added whole (contiguous: faster than gathering
            # each sample), then the sampled columns
            pair = np.add(p[ra], p[rb], dtype=self._acc)
            acc = np.add(pair[:, c0], pair[:, c1])
            for cols in rest:
                np.add(acc, pair[:, cols], out=acc)
            if plane == 0:
                np.multiply(acc, w, out=x, dtype=np.float32)
            else:
                x += np.multiply(acc, w, dtype=np.float32)
        if self._acc is np.float32:
            np.clip(x, 0.0, 1.0, out=x)  # float sources may stray outside 0..1
        return x


def window_clips(clip: vs.VideoNode, before: int, after: int) -> list[vs.VideoNode]:
    """Clips whose frame n is frame ``n - before + i`` of ``clip`` (i = 0 .. before + after),
    clamped to the first/last frame.

    One splice for the start and plain trims (VapourSynth clamps requests past the end of a
    clip to its last frame): about one node per clip. The splice's cache is fixed at two
    windows plus a frame per VapourSynth thread: left to adapt, it held too few and the source
    made each frame ~7 times in a linear read (120 frames, a window of 27); one window (+ threads)
    still let two threads re-read up to 1.3x.
    """
    padded = clip
    if before > 0:  # our own node: its cache is ours to size
        padded = clip[0] * before + clip
        vs.core.std.SetVideoCache(padded, mode=1, fixedsize=1, maxsize=2 * (before + after + 1) + vs.core.num_threads)
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


FINE_SAMPLES = 640
"""Target columns of the fine samples: a step of ``round(width / FINE_SAMPLES)`` pixels each way
(every pixel up to ~950 wide, every other one at 720p, every third at 1080p: about 230,000
samples at any size, for a fixed cost). A line 1-3 px wide crossing a cell is still sampled on
most of its rows (the streak measure counts cells, not samples)."""


STREAK_CELL = 16
"""Side in source pixels of the cells the streak measure counts (an x264 macroblock)."""


class FineSampler:
    """The streak measure: a thin line (rain, snow, sparkles, speed lines) that moves changes a
    few hundred of a 1080p frame's two million pixels by tens of levels; a cell mean of the
    analysis picture dilutes it 8-fold and a block mean hides it. So it is counted on luma samples
    taken every ``step`` pixels each way from the source itself: the share of samples whose
    change exceeds ``max(level, noise_factor x the interval's mean absolute change)``. The
    mean tracks grain (a Gaussian's change exceeds 6 times its mean absolute value with a
    probability of ~1e-6) and is not moved by a few hundred streak pixels. Only samples on thin
    lines count (see :meth:`streaks`): x264 refreshes whole 4x4-16x16 blocks of a held picture
    by tens of levels (measured: 16 pixels over 32 levels in one block of a 320x180 hold).

    Integer YUV/GRAY luma is compared in integers (exact); RGB becomes BT.709 luma in float32 in
    native units, float formats are compared as they are (0..1)."""

    def __init__(self, width: int, fmt: vs.VideoFormat) -> None:
        self.step = max(1, round(width / FINE_SAMPLES))
        self.cell = max(1, STREAK_CELL // self.step)
        """Cell side in samples."""
        self.integer = fmt.sample_type == vs.INTEGER
        self.peak = float((1 << fmt.bits_per_sample) - 1) if self.integer else 1.0
        self.weights = tuple(np.float32(w) for w in _LUMA_709) if fmt.color_family == vs.RGB else None
        self.exact = self.integer and self.weights is None

    def luma(self, frame: vs.VideoFrame) -> np.ndarray:
        """The fine samples of a frame: int32 for integer YUV/GRAY, else float32."""
        s = self.step
        if self.weights is None:
            p = np.asarray(frame[0])[::s, ::s]
            return p.astype(np.int32) if self.exact else p.astype(np.float32)
        x = np.multiply(np.asarray(frame[0])[::s, ::s], self.weights[0], dtype=np.float32)
        for plane in (1, 2):
            x += np.multiply(np.asarray(frame[plane])[::s, ::s], self.weights[plane], dtype=np.float32)
        return x

    def streaks(self, a: np.ndarray, b: np.ndarray, *, level: float, noise_factor: float) -> float:
        """Share of the ``STREAK_CELL``-pixel cells of the frame that hold a sample on a thin
        line of change. A sample is on one when its absolute change from ``a`` to ``b`` exceeds
        ``level`` code values and ``noise_factor`` times the mean absolute change, and neither
        sample two steps to its left and right, or neither two above and below, does (lines 1-3
        samples wide pass; a moving shape, changed on both sides, does not); sampled at every
        pixel, a neighbour along the line must be over too (a line, not a speck). Counting cells, not
        samples, tells rain (lines all over the frame) from x264 refreshing a line or two of a
        held picture (one or two macroblocks: measured 12 px of one outline in a 320x180 hold)."""
        d = np.abs(b - a)
        total = int(d.sum(dtype=np.int64)) if self.exact else float(d.sum(dtype=np.float64))
        mean_code = total / d.size * 255.0 / self.peak
        limit = max(level, noise_factor * mean_code) * self.peak / 255.0
        # integers compare with the float64 limit; float32 samples with it rounded to float32
        over = d > (limit if self.exact else np.float32(limit))
        fh, fw = over.shape
        if fh < 5 or fw < 5:
            return 0.0
        c = over[2:-2, 2:-2]
        across = ~over[2:-2, :-4] & ~over[2:-2, 4:]  # a vertical-ish line: clear left and right
        along = ~over[:-4, 2:-2] & ~over[4:, 2:-2]  # a horizontal-ish line: clear above and below
        if self.step == 1:
            # sampled at every pixel a line shows its length: a neighbour along it (above or below
            # a vertical-ish one, within a sample sideways) is over too. Grain that x264 leaves
            # as specks and film dust are not (without this test a streak level of 12-16 read
            # them as rain on 320x180 and 360p x264 holds). Every 2-3 pixels a 1 px line slanting across the sampled columns
            # is caught on one row in two or three: no length test there.
            o = over
            vert = o[1:-3, 1:-3] | o[1:-3, 2:-2] | o[1:-3, 3:-1] | o[3:-1, 1:-3] | o[3:-1, 2:-2] | o[3:-1, 3:-1]
            horz = o[1:-3, 1:-3] | o[2:-2, 1:-3] | o[3:-1, 1:-3] | o[1:-3, 3:-1] | o[2:-2, 3:-1] | o[3:-1, 3:-1]
            across &= vert
            along &= horz
        ys, xs = np.nonzero(c & (across | along))
        cs = self.cell
        rows, cols = -(-fh // cs), -(-fw // cs)
        cells = np.unique((ys + 2) // cs * cols + (xs + 2) // cs)
        return cells.size / (rows * cols)


class FrameStats:
    """Numbers of one analysis picture (and the picture itself, for the interval numbers)."""

    __slots__ = ("bands", "c", "hist", "levels", "mean", "sigma", "x")

    mean: float
    """Mean luma of the analysis picture, 0..1."""
    sigma: float
    """Standard deviation of luma of every other analysis pixel each way, 0..1."""
    hist: np.ndarray
    """Luma histogram of every other analysis pixel each way: fraction in each of HIST_BINS bins."""
    x: np.ndarray
    """The analysis picture, float32 height x width."""
    c: np.ndarray
    """Every other analysis pixel each way minus their mean, flat (for the covariances)."""
    bands: tuple[int, int, int, int]
    """Flat bands (letterbox, pillarbox) at the top, bottom, left and right of the structure
    picture, in its rows and columns (:func:`edge_bands`)."""
    levels: tuple[float, float, float, float]
    """Mean of the top row, bottom row, left column and right column of the structure picture."""


def _band(means: np.ndarray, sds: np.ndarray, flat: float, level: float) -> int:
    """How many leading lines are flat (standard deviation <= ``flat``) with a mean within
    ``level`` of the first line's."""
    n = 0
    while n < means.size and sds[n] <= flat and abs(means[n] - means[0]) <= level:
        n += 1
    return n


def edge_bands(r: np.ndarray, flat: float, level: float) -> tuple[tuple[int, int, int, int], tuple[float, float, float, float]]:
    """Flat bands at the edges of a structure picture ``r`` (0..1) and the edge lines' means: rows
    and columns whose standard deviation is at most ``flat`` and whose mean stays within
    ``level`` of the edge line's (0..1 scale). No bands when they would cover the picture (a
    blank frame: the flat-frame rule covers it). Statistics in float64, two passes."""
    r64 = r.astype(np.float64)
    rm, cm = r64.mean(axis=1), r64.mean(axis=0)
    rs = np.sqrt(((r64 - rm[:, None]) ** 2).mean(axis=1))
    cs = np.sqrt(((r64 - cm[None, :]) ** 2).mean(axis=0))
    top, bottom = _band(rm, rs, flat, level), _band(rm[::-1], rs[::-1], flat, level)
    left, right = _band(cm, cs, flat, level), _band(cm[::-1], cs[::-1], flat, level)
    levels = (float(rm[0]), float(rm[-1]), float(cm[0]), float(cm[-1]))
    if top + bottom >= rm.size or left + right >= cm.size:
        return (0, 0, 0, 0), levels
    return (top, bottom, left, right), levels


def shared_bands(a: FrameStats, b: FrameStats, level: float) -> tuple[int, int, int, int]:
    """The bands two frames share: on each edge the smaller band, when both edge lines' means are
    within ``level`` of each other (bars of one colour); else none on that edge."""
    return tuple(  # type: ignore[return-value]
        min(x, y) if abs(u - v) <= level else 0
        for x, y, u, v in zip(a.bands, b.bands, a.levels, b.levels, strict=True)
    )


@dataclass(frozen=True, slots=True)
class IntervalStats:
    """Numbers of the interval from analysis frame n to n+1."""

    diff: float
    """Mean absolute luma difference, 0..1."""
    block: float
    """Largest block mean (bilinear downscale by ``block``) of the absolute difference, 0..1."""
    blocks: np.ndarray
    """Every block mean of the absolute difference (block rows x block columns), 0..1."""
    streaks: float
    """Share of the fine samples (:class:`FineSampler`) whose change stands out of the noise."""


# numpy hands matrix products to BLAS. OpenBLAS runs a product above some size over its own
# threads, which then spin-wait between our calls: measured inside VapourSynth's workers, twice
# the gate's CPU time. Products are split into pieces under this many multiply-adds (measured
# with numpy's OpenBLAS 0.3.34: 18x144x256 = 663,552 stays on the calling thread, 1.18M not);
# dot products are cut into pieces of at most _SINGLE_THREAD_DOT elements (a 32,400-long one
# took a second thread; 8,040 did not), sums use ndarray.sum.
_SINGLE_THREAD_MNK = 700_000


_SINGLE_THREAD_DOT = 8192


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    """``a @ b`` of two flat float32 vectors, in pieces short enough that BLAS keeps each on the
    calling thread."""
    if a.size <= _SINGLE_THREAD_DOT:
        return float(a @ b)
    step = _SINGLE_THREAD_DOT
    return sum(float(a[i : i + step] @ b[i : i + step]) for i in range(0, a.size, step))


def _product(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` in row blocks of ``a`` small enough that BLAS keeps each on the calling thread."""
    m, k = a.shape
    rows = max(1, _SINGLE_THREAD_MNK // (k * b.shape[1]))
    if rows >= m:
        return a @ b
    return np.concatenate([a[i : i + rows] @ b for i in range(0, m, rows)])


def block_matrices(height: int, width: int, block: float) -> tuple[np.ndarray, np.ndarray]:
    """The bilinear matrices of the block means of a ``height x width`` picture, blocks
    ``block`` pixels wide (may be fractional): ``By`` (rows x height) and ``Bx`` (columns x
    width), so the block means of ``d`` are ``By @ d @ Bx.T``."""
    bw, bh = max(1, int(width / block + 1e-6)), max(1, int(height / block + 1e-6))
    return bilinear_matrix(height, bh), bilinear_matrix(width, bw)


class Measurer:
    """Computes and memoises :class:`FrameStats`, :class:`IntervalStats` and cross covariances
    of the analysis pictures of a clip.

    ``get`` (absolute frame number -> source ``VideoFrame``) hands over the frames the callback
    holds; numbers already known are not recomputed, so a sequential pass measures each frame
    and each interval once. Results are pure functions of the frame numbers (the same operations
    on the same pixels), so the memo cannot change a result, only skip work; it keeps the most
    recent ``capacity`` entries of each kind. Safe to call from VapourSynth's worker threads
    (two threads may compute the same entry; both get the same value).

    ``block`` is the block side in analysis pixels (may be fractional): the block means are a
    bilinear downscale to ``width / block`` x ``height / block``.
    """

    def __init__(
        self,
        decimate: Decimator,
        *,
        block: float,
        fine: FineSampler,
        streak_level: float,
        streak_noise_factor: float,
        flat: float,
        band_level: float,
        capacity: int = 32,
    ) -> None:
        height, width = decimate.shape
        self._flat = flat
        self.band_level = band_level  # level tolerance of the flat bands (0..1), for shared_bands()
        self._decimate = decimate
        self._fine = fine
        self._streak = {"level": streak_level, "noise_factor": streak_noise_factor}
        self._n = width * height
        self._block_y, block_x = block_matrices(height, width, block)
        self._block_x = block_x.T.copy()
        self._capacity = capacity
        self._lock = threading.Lock()
        self._frames: dict[int, FrameStats] = {}
        self._intervals: dict[int, IntervalStats] = {}
        self._covs: dict[tuple[int, int], tuple[float, float, float]] = {}

    def _store(self, memo: dict, key: object, value: object, capacity: int) -> None:
        with self._lock:
            memo[key] = value
            while len(memo) > capacity:
                del memo[next(iter(memo))]  # insertion order: the oldest entry

    def frame(self, j: int, get: Callable[[int], vs.VideoFrame]) -> FrameStats:
        """Analysis picture, mean, standard deviation and luma histogram of frame ``j``."""
        st = self._frames.get(j)
        if st is None:
            x = self._decimate(get(j))
            # the structure picture: every other analysis pixel each way (a 2x2 box instead
            # smooths away what tells two similar shots apart: the synthetic cut scene's
            # dissimilarity fell from 0.77 to 0.68, under strong_cut_dissimilarity)
            r = np.ascontiguousarray(x[::2, ::2])
            flat = r.reshape(-1)
            mean = float(flat.sum()) / flat.size
            c = flat - np.float32(mean)
            # 0..1: r * (HIST_BINS - 0.001) truncates to a bin 0 .. HIST_BINS - 1
            bins = np.multiply(flat, HIST_BINS - 0.001).astype(np.intp)
            st = FrameStats()
            st.x, st.c, st.mean = x, c, float(x.sum()) / self._n
            st.sigma = max(0.0, _dot(c, c) / flat.size) ** 0.5
            st.hist = np.bincount(bins, minlength=HIST_BINS) / flat.size
            st.bands, st.levels = edge_bands(r, self._flat, self.band_level)
            self._store(self._frames, j, st, self._capacity)
        return st

    def interval(self, j: int, get: Callable[[int], vs.VideoFrame]) -> IntervalStats:
        """Mean and block-mean absolute differences of analysis frames ``j`` and ``j+1``, and the
        streak share of their fine samples."""
        st = self._intervals.get(j)
        if st is None:
            d = np.subtract(self.frame(j, get).x, self.frame(j + 1, get).x)
            np.abs(d, out=d)
            blocks = self.blocks(d)
            f = self._fine
            streaks = f.streaks(f.luma(get(j)), f.luma(get(j + 1)), **self._streak)
            st = IntervalStats(diff=float(d.sum()) / self._n, block=float(blocks.max()), blocks=blocks, streaks=streaks)
            self._store(self._intervals, j, st, self._capacity)
        return st

    def blocks(self, d: np.ndarray) -> np.ndarray:
        """Block means of an absolute-difference picture (block rows x block columns)."""
        return _product(_product(self._block_y, d), self._block_x)

    def distance(self, a: int, b: int, get: Callable[[int], vs.VideoFrame]) -> np.ndarray:
        """Block means of the absolute difference of analysis frames ``a`` and ``b`` (not memoised)."""
        d = np.subtract(self.frame(a, get).x, self.frame(b, get).x)
        np.abs(d, out=d)
        return self.blocks(d)

    def covariance(
        self, j: int, k: int, get: Callable[[int], vs.VideoFrame], bands: tuple[int, int, int, int] = (0, 0, 0, 0)
    ) -> tuple[float, float, float]:
        """Covariance and the two standard deviations of the structure pictures of analysis frames
        ``j`` and ``j+k``, leaving out ``bands`` rows/columns at the top, bottom, left and right
        (a decision's letterbox or pillarbox: :func:`shared_bands`). Memoised without bands."""
        t, b, lft, rgt = bands
        if not (t or b or lft or rgt):
            out = self._covs.get((j, k))
            if out is None:
                fa, fb = self.frame(j, get), self.frame(j + k, get)
                out = (_dot(fa.c, fb.c) / fa.c.size, fa.sigma, fb.sigma)
                self._store(self._covs, (j, k), out, 4 * self._capacity)
            return out
        # float64 sums over the inner rectangle, two passes (as the filter)
        xa, xb = self.frame(j, get).x[::2, ::2], self.frame(j + k, get).x[::2, ::2]
        h, w = xa.shape
        ra = xa[t : h - b, lft : w - rgt].astype(np.float64)
        rb = xb[t : h - b, lft : w - rgt].astype(np.float64)
        ca, cb = ra - ra.mean(), rb - rb.mean()
        n = ca.size
        return float((ca * cb).sum()) / n, float(np.sqrt((ca * ca).sum() / n)), float(np.sqrt((cb * cb).sum() / n))


def correlation(sigma_a: float, sigma_b: float, cov: float, floor: float) -> float | None:
    """Normalised cross-correlation of two frames; None when either is flat (standard deviation
    under ``floor``, 0..1 scale: no structure to correlate)."""
    if sigma_a < floor or sigma_b < floor:
        return None
    return max(-1.0, min(1.0, cov / (sigma_a * sigma_b)))
