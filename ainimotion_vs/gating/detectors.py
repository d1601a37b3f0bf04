"""Gate detectors: pure-Python decisions for one interval from the metrics of a fixed window.

:class:`Window` gives the metrics of frames ``n - r .. n + r + 1`` (``None`` outside the clip),
measured by :class:`~ainimotion_vs.gating.metrics.Measurer`; :func:`decide` labels the
interval n -> n+1 as cut, hold or motion with three small detectors (PySceneDetect's "one method
per detector" shape):

- hold, three tests that all must pass:
  - neighbour: the largest block-mean difference of frames n and n+1 is under a threshold that
    follows the noise floor of the neighbourhood (:func:`hold_threshold`; local: a blink is motion);
  - anchor (:func:`anchor_distance`): noise does not accumulate over frames, motion does. Each
    block is followed back and forth through the intervals where it stays under the threshold
    (its still run, at most ``anchor_window`` intervals each way), and the run's first and last
    frames must still match within the threshold. A slow pan or zoom (0.05-0.5 px a frame)
    changes a block by less than the noise per interval but by K times that over K frames;
    per block, so a character on twos does not break the background's run;
  - streaks: not (the share of cells with thin lines of change, :class:`~.metrics.FineSampler`,
    reaches ``streak_share`` here and in ``streak_persistence`` other intervals nearby whose
    block maximum is at most ``streak_block_max``): rain or
    snow over a held drawing, which an encoder's one-off refresh of a held picture is not;
- :func:`is_cut`: structure (mean-removed correlation) breaks, and the break is an isolated peak
  among its neighbours, or it is very strong with a luma-histogram change that does not return
  one or two frames later (a flash returns; a fade keeps structure; a blank frame has none).

The gate's VapourSynth filter (``_gatevs.c``) makes the same decisions in C; this module is the
reference the tests compare it with: change both together.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import vapoursynth as vs

from .metrics import CROSS_SHIFTS, FrameStats, Measurer, correlation, shared_bands
from .settings import GateSettings

__all__ = ["Decision", "Window", "anchor_distance", "decide", "hold_threshold", "is_cut", "noise_floor"]

_CODE = 255.0  # metrics are 0..1; settings speak 8-bit code values


class Window:
    """Metrics around interval ``n`` of a clip of ``num_frames`` frames: frames
    n - radius .. n + radius + 1 (``None`` where outside the clip or the window).

    ``get`` returns the analysis frame of an absolute frame number inside that range; the
    numbers come from ``measurer`` (memoised there). The frame stats, the intervals and their
    correlations are gathered once here; the flash test's longer correlations on demand.
    """

    def __init__(
        self,
        measurer: Measurer,
        get: Callable[[int], vs.VideoFrame],
        *,
        n: int,
        radius: int,
        num_frames: int,
        flat_sigma: float,
    ) -> None:
        self._m = measurer
        self._get = get
        self.n = n
        self.radius = radius
        self._floor = flat_sigma / _CODE
        lo, hi = max(0, n - radius), min(num_frames - 1, n + radius + 1)
        self._lo, self._hi = lo - n, hi - n  # relative range of frames inside clip and window
        r = radius
        self._frames = [measurer.frame(n + i, get) if lo <= n + i <= hi else None for i in range(-r, r + 2)]
        self._intervals = [measurer.interval(n + i, get) if lo <= n + i < hi else None for i in range(-r, r + 1)]
        # Letterbox and pillarbox bars that frames n and n+1 share are left out of every
        # correlation of this decision, so the cut test compares like with like: leaving a shared
        # flat band out of the neighbours only (a shot's flat sky) cut a real cut's isolation
        # from 4.1 to 2.5 (tests/distributed shots).
        a, b = self.frame(0), self.frame(1)
        self._bands = (0, 0, 0, 0) if a is None or b is None else shared_bands(a, b, measurer.band_level)
        self._corr1 = [self._corr(i, 1) for i in range(-r, r + 1)]

    def frame(self, i: int) -> FrameStats | None:
        """Stats of frame n + i, or None outside the clip or the window."""
        return self._frames[i + self.radius] if self._lo <= i <= self._hi else None

    def has_interval(self, i: int) -> bool:
        """Whether the interval n+i -> n+i+1 exists (both frames inside the clip)."""
        return self._lo <= i and i + 1 <= self._hi

    def diff(self, i: int) -> float:
        """Mean absolute luma difference of interval n+i, code values."""
        return self._intervals[i + self.radius].diff * _CODE  # type: ignore[union-attr]

    def block(self, i: int) -> float:
        """Largest block-mean absolute difference of interval n+i, code values."""
        return self._intervals[i + self.radius].block * _CODE  # type: ignore[union-attr]

    def blocks(self, i: int) -> np.ndarray:
        """Block means of the absolute difference of interval n+i (0..1)."""
        return self._intervals[i + self.radius].blocks  # type: ignore[union-attr]

    def streaks(self, i: int) -> float:
        """Streak share of interval n+i."""
        return self._intervals[i + self.radius].streaks  # type: ignore[union-attr]

    def distance(self, i: int, k: int) -> np.ndarray:
        """Block means of the absolute difference of frames n+i and n+i+k (0..1)."""
        if k == 1:
            return self.blocks(i)
        return self._m.distance(self.n + i, self.n + i + k, self._get)

    def sigma(self, i: int) -> float | None:
        """Luma standard deviation of frame n+i in code values, None outside the clip."""
        f = self.frame(i)
        return None if f is None else f.sigma * _CODE

    def _corr(self, i: int, k: int) -> float | None:
        a, b = self.frame(i), self.frame(i + k)
        if a is None or b is None or a.sigma < self._floor or b.sigma < self._floor:
            return None  # outside, or flat: no covariance needed
        cov, sa, sb = self._m.covariance(self.n + i, k, self._get, self._bands)
        return correlation(sa, sb, cov, self._floor)

    def corr(self, i: int, k: int = 1) -> float | None:
        """Correlation of frames n+i and n+i+k; None outside the clip or when either is flat."""
        if k == 1 and -self.radius <= i <= self.radius:
            return self._corr1[i + self.radius]
        return self._corr(i, k) if k in CROSS_SHIFTS else None

    def dissimilarity(self, i: int) -> float | None:
        """1 - correlation of interval n+i (0 same structure, ~1 unrelated); None if undefined."""
        c = self.corr(i, 1)
        return None if c is None else 1.0 - c

    def hist_change(self, i: int) -> float:
        """Half the L1 distance of the luma histograms of frames n+i and n+i+1 (0..1)."""
        a, b = self.frame(i), self.frame(i + 1)
        return 0.5 * float(np.abs(a.hist - b.hist).sum())  # type: ignore[union-attr]


@dataclass(frozen=True)
class Decision:
    """The label of one interval and the numbers that decided it."""

    label: str
    diff: float
    block_max: float
    anchor_max: float
    streaks: float
    hold_threshold: float
    corr: float
    hist_change: float
    isolation: float
    flash: bool


def noise_floor(w: Window, s: GateSettings) -> float:
    """The smallest block maximum among the intervals within ``noise_window`` (n included), code
    values: anime holds a drawing every few frames, and a held interval's block maximum is pure
    noise (grain, or compression noise that gathers near lines and in x264 blocks)."""
    return min(w.block(i) for i in range(-s.noise_window, s.noise_window + 1) if w.has_interval(i))


def hold_threshold(floor: float, s: GateSettings) -> float:
    """Block threshold for a hold: ``hold_threshold`` raised to ``hold_noise_factor`` x the
    noise floor (:func:`noise_floor`), never above ``hold_threshold_max``."""
    return min(s.hold_threshold_max, max(s.hold_threshold, s.hold_noise_factor * floor))


def anchor_distance(w: Window, threshold: float, floor: float, s: GateSettings) -> float:
    """Largest block difference (code values) between the first and the last frame of each
    block's still run through interval n: the run extends from the interval over neighbouring
    intervals, at most ``anchor_window`` each way, while the block changes by at most
    ``threshold`` and by at most its change in interval n plus ``anchor_tolerance`` x the noise
    ``floor``. So a drift,
    which changes a block a little in every interval, accumulates; a block beside a character on
    twos, which changes only when the drawing does, stops its run there (the change belongs to
    those intervals, not to a held one).

    Equals the interval's own block maximum where no block has a still run beyond it (animation
    on ones, or on twos with every block changing). Pure noise stays at the noise level however
    long the run; a drift of v px a frame shows as K v px over K frames."""
    here = w.blocks(0)
    limit = np.minimum(threshold / _CODE, here + s.anchor_tolerance * floor / _CODE)  # float32, as in the filter
    first = np.zeros(here.shape, dtype=np.intp)  # run start, relative to n
    last = np.ones(here.shape, dtype=np.intp)  # run end (a frame), relative to n
    going = np.ones(here.shape, dtype=bool)
    for i in range(-1, -s.anchor_window - 1, -1):
        if not w.has_interval(i):
            break
        going &= w.blocks(i) <= limit
        first[going] = i
    going[:] = True
    for i in range(1, s.anchor_window + 1):
        if not w.has_interval(i):
            break
        going &= w.blocks(i) <= limit
        last[going] = i + 1
    best = 0.0
    for a, b in sorted({(int(a), int(b)) for a, b in zip(first.ravel(), last.ravel(), strict=True)}):
        mask = (first == a) & (last == b)
        best = max(best, float(w.distance(a, b - a)[mask].max()))
    return best * _CODE


def _returns(w: Window, dis: float, s: GateSettings) -> bool:
    """Flash test: the picture before the event comes back within two frames after it."""
    pairs = [(0, 2), (-1, 2), (0, 3), (-1, 3), (-2, 3)]  # (first frame i, distance k): frames n+i and n+i+k
    limit = s.flash_return * dis
    for i, k in pairs:
        c = w.corr(i, k)
        if c is not None and 1.0 - c <= limit:
            return True
    return False


def is_cut(w: Window, s: GateSettings) -> tuple[bool, float, bool]:
    """Cut test for interval n; returns (cut, isolation ratio, flash)."""
    dis = w.dissimilarity(0)
    if dis is None:  # a blank frame on either side: appearing from / fading to flat is not a cut
        return False, 0.0, False
    neighbours = [
        d
        for i in range(-s.cut_window, s.cut_window + 1)
        if i != 0 and w.has_interval(i) and (d := w.dissimilarity(i)) is not None
    ]
    peak = max(neighbours, default=0.0)
    isolation = min(1000.0, dis / max(peak, 1e-3))
    if dis < s.cut_min_dissimilarity:
        return False, isolation, False
    flash = _returns(w, dis, s)  # only asked of would-be cuts: it costs two more correlations
    if flash:
        return False, isolation, True
    if isolation >= s.cut_isolation:
        return True, isolation, flash
    strong = dis >= s.strong_cut_dissimilarity and w.hist_change(0) >= s.strong_cut_hist
    return strong, isolation, flash


def decide(w: Window, s: GateSettings) -> Decision:
    """Label interval n (window centre). The caller handles the last frame (no interval)."""
    diff, block = w.diff(0), w.block(0)
    floor = noise_floor(w, s)
    threshold = hold_threshold(floor, s)
    anchor = anchor_distance(w, threshold, floor, s)
    streaks = w.streaks(0)
    # other intervals nearby with streaks and no drawing change (a drawing's moving outline is a
    # thin line of change too, but moves blocks by far more than streak_block_max)
    others = [i for i in range(-s.noise_window, s.noise_window + 1) if i and w.has_interval(i)]
    streaky = streaks >= s.streak_share and sum(
        1 for i in others if w.streaks(i) >= s.streak_share and w.block(i) <= s.streak_block_max
    ) >= s.streak_persistence
    cut, isolation, flash = is_cut(w, s)
    c = w.corr(0, 1)
    still = block <= threshold and anchor <= threshold and not streaky
    if cut:
        label = "cut"
    elif still:
        label = "hold"
    else:
        label = "motion"
    return Decision(
        label=label,
        diff=diff,
        block_max=block,
        anchor_max=anchor,
        streaks=streaks,
        hold_threshold=threshold,
        corr=1.0 if c is None and still else (0.0 if c is None else c),
        hist_change=w.hist_change(0),
        isolation=isolation,
        flash=flash,
    )
