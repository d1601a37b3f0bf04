"""gate(): label every interval n -> n+1 of a clip as cut, hold or motion, as frame props.

Props written on frame ``n`` (about the interval from frame n to frame n+1):

``AinimotionInterval``     ``"cut"`` | ``"hold"`` | ``"motion"``; the last frame (no next
                           interval) is ``"cut"``. Fades, dissolves and flashes are ``"motion"``.
``AinimotionDiff``         mean absolute luma difference, 8-bit code values (0..255).
``AinimotionBlockMax``     largest block-mean absolute luma difference, code values.
``AinimotionHoldThreshold`` the noise-adapted block threshold a hold had to stay under.
``AinimotionCorr``         correlation of the mean-removed luma of n and n+1 (-1..1).
``AinimotionHistDiff``     half the L1 distance of the two luma histograms (0..1).
``AinimotionIsolation``    the interval's dissimilarity over the largest of its neighbours'.
``AinimotionFlash``        1 when a would-be cut (dissimilarity at least ``cut_min_dissimilarity``)
                           is not one because the picture before it returns within two frames.
``_SceneChangeNext``       1 on the last frame of a shot (n of a cut, and the clip's last frame).
``_SceneChangePrev``       1 on the first frame of a shot (n+1 of a cut, and frame 0).

The gate samples a small luma picture of each source frame (``analysis_width`` wide), measures
it (memoised per frame number) and decides from the metrics of a fixed window of neighbour
frames, so frames can be requested in any order and give the same props. Two builds: the
``ainimotion.Gate`` VapourSynth filter (C, ``_gatevs.c``, compiled at install) and, where it is
not built (no C compiler) or cannot read the format (half float), one Python callback per frame
doing the same in numpy (:mod:`._gate_metrics`, :mod:`._gate_detectors`: the reference the tests
compare the filter with). ``AINIMOTION_GATE=numpy`` forces the numpy path.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, fields

import vapoursynth as vs

from . import _gate_metrics as _m
from . import _gate_native as _native
from ._checks import check_clip
from ._gate_detectors import Decision, Window, decide
from .errors import UnsupportedFormatError

__all__ = ["GateSettings", "gate", "LABELS", "GATE_PROPS"]

log = logging.getLogger("ainimotion_vs")

LABELS = ("cut", "hold", "motion")
"""The values of ``AinimotionInterval``."""

GATE_PROPS = (
    "AinimotionInterval",
    "AinimotionDiff",
    "AinimotionBlockMax",
    "AinimotionHoldThreshold",
    "AinimotionCorr",
    "AinimotionHistDiff",
    "AinimotionIsolation",
    "AinimotionFlash",
    "_SceneChangeNext",
    "_SceneChangePrev",
)
"""Every prop gate() writes."""


@dataclass(frozen=True, kw_only=True)
class GateSettings:
    """Named thresholds of the gate. Differences are in 8-bit code values of luma after the
    downscale to ``analysis_width`` (which averages grain and compression noise away).

    Defaults were chosen on synthetic clips (grain, x264 at low bitrate, dark shots, flashes,
    fades, pans, credits, lip flap) and on the real development clips, with margins on both
    sides of every observed value rather than fitted to them (see the gate's test and
    ``scripts/eval_gating.py``).
    """

    analysis_width: int = 256
    """Target width of the analysis picture the metrics are computed on: a source is cut into
    square cells ``2 * step`` pixels wide, the step nearest to ``width / (2 * analysis_width)``
    (240 cells across at 1080p and 2160p, 320 at 720p); each cell is the mean of 8 luma samples
    (every pixel of 2x2 cells for sources under ~768 pixels wide)."""

    block_size: int = 8
    """Side of the blocks whose mean difference makes the local hold test, in pixels of a
    picture ``min(analysis_width, width / 2)`` wide: 8 at 256 wide is 60 px at 1080p (1/32 of
    the width): a mouth or an eye still moves its block."""

    hold_threshold: float = 3.0
    """An interval is a hold when its largest block-mean difference is at most this (code values)
    on a clean source. Labelled holds on the real clips stay under ~2.5 (x264 noise near lines);
    most motion is far above, but tiny distant lip flaps on a 720p source measure 1.4-2.9 and
    are called holds (the trade-off kept hold recall 1.0, precision 0.99 on the labels)."""

    hold_noise_factor: float = 2.5
    """On noisy sources the hold threshold rises to this times the noise floor: the smallest
    block maximum among the intervals within ``noise_window`` (anime holds a drawing at least
    every few frames, so that minimum is a hold's pure noise)."""

    hold_threshold_max: float = 8.0
    """Upper bound of the noise-raised hold threshold, so heavy noise cannot hide real motion."""

    noise_window: int = 3
    """Intervals each side searched for the noise floor."""

    flat_sigma: float = 1.5
    """A frame whose luma standard deviation is under this (code values) is blank (black, white,
    a flat colour): it has no structure, so an interval touching it is never a cut."""

    cut_min_dissimilarity: float = 0.4
    """A cut needs 1 - correlation of the mean-removed luma of at least this; real cuts, even
    between two dark night shots, measure >= 0.55, in-shot motion mostly < 0.2."""

    cut_isolation: float = 3.0
    """...and that dissimilarity must be at least this times the largest of the neighbouring
    intervals' (within ``cut_window``): a cut is an isolated peak; big camera moves, smears and
    pose changes come in runs (measured: cuts >= 5.5, traps <= 1.3)."""

    cut_window: int = 3
    """Intervals each side compared by the isolation test (3 covers animation on threes)."""

    strong_cut_dissimilarity: float = 0.7
    """A cut that is not isolated (a shot change next to very fast motion) still counts when its
    dissimilarity is at least this..."""

    strong_cut_hist: float = 0.2
    """...and the luma histogram changes by at least this (half L1 distance, 0..1); in-shot
    motion keeps the histogram (measured < 0.11 for zooms and smears)."""

    flash_return: float = 0.5
    """Flash test: when frame n (or n-1, n-2) and a frame one or two frames after the change
    differ by at most this fraction of the interval's dissimilarity, the picture came back and
    the interval is not a cut."""


def _validate(s: GateSettings) -> None:
    if not isinstance(s, GateSettings):
        raise TypeError(f"gate: settings must be a GateSettings; got {type(s).__name__}.")
    for f in fields(s):
        v = getattr(s, f.name)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0:
            raise ValueError(f"gate: settings.{f.name} must be a non-negative number; got {v!r}.")
    if not 16 <= s.analysis_width <= 4096 or not isinstance(s.analysis_width, int):
        raise ValueError(f"gate: settings.analysis_width must be an integer 16..4096; got {s.analysis_width!r}.")
    for name in ("noise_window", "cut_window", "block_size"):
        v = getattr(s, name)
        if not isinstance(v, int) or not 1 <= v <= 32:
            raise ValueError(f"gate: settings.{name} must be an integer 1..32; got {v!r}.")
    if s.hold_threshold_max < s.hold_threshold:
        raise ValueError(
            f"gate: settings.hold_threshold_max ({s.hold_threshold_max}) must be >= hold_threshold ({s.hold_threshold})."
        )


def _label(frame: vs.VideoFrame) -> str:
    value = frame.props["AinimotionInterval"]
    return value.decode() if isinstance(value, bytes) else str(value)


def gate(clip: vs.VideoNode, *, settings: GateSettings | None = None) -> vs.VideoNode:
    """Label every interval n -> n+1 of ``clip`` as cut, hold or motion.

    Returns the same frames with the props listed in this module's docstring on each frame
    (``AinimotionInterval``, the metrics that decided it, ``_SceneChangeNext/Prev``).
    Lazy: nothing is computed until frames are requested; any order gives the same props.

    Raises UnsupportedFormatError for a variable-format/size clip, a colour family other than
    YUV/RGB/GRAY, or a clip smaller than 16x8 pixels.
    """
    check_clip(clip, "gate")
    s = GateSettings() if settings is None else settings
    _validate(s)
    if clip.width < 16 or clip.height < 8:
        raise UnsupportedFormatError(
            f"gate: clip must be at least 16x8 pixels to measure; got {clip.width}x{clip.height}."
        )
    num = clip.num_frames
    geometry = _m.AnalysisGeometry.of(clip.width, clip.height, s.analysis_width)
    # block_size is in pixels of a picture min(analysis_width, width / 2) wide: the same share
    # of the frame whatever cell size the analysis took
    block = s.block_size * geometry.width / min(s.analysis_width, clip.width // 2)
    radius = max(s.noise_window, s.cut_window, 2)
    if _native.available(clip.format):
        return _native.gate_node(clip, geometry, block=block, radius=radius, settings=s)
    if _native.plugin_path() is None:
        _warn_numpy_once()
    measurer = _m.Measurer(_m.Decimator(geometry, clip.format), block=block)
    # The decision for n reads frames n - radius .. n + radius + 1; _SceneChangePrev needs the
    # decision for n - 1 too: one callback gets source frames n - radius - 1 .. n + radius + 1
    # (VapourSynth's cache and the source's own serve the repeats; each is measured once).
    before = radius + 1
    window = _m.window_clips(clip, before, radius + 1)
    decisions = _Memo(capacity=4 * radius + 8)

    def _decision(n: int, get: Callable[[int], vs.VideoFrame]) -> Decision | None:
        if n >= num - 1:
            return None  # the last frame has no interval: "cut"
        d = decisions.get(n)
        if d is None:
            w = Window(measurer, get, n=n, radius=radius, num_frames=num, flat_sigma=s.flat_sigma)
            d = decisions.put(n, decide(w, s))
        return d

    def _write(n: int, f: list[vs.VideoFrame]) -> vs.VideoFrame:
        def get(j: int) -> vs.VideoFrame:
            return f[j - n + before]

        out = f[before].copy()  # frame n; shares the pixels, only the props are new
        p = out.props
        d = _decision(n, get)
        if d is None:
            p["AinimotionInterval"] = "cut"
            p["_SceneChangeNext"] = 1
            for key in ("AinimotionDiff", "AinimotionBlockMax", "AinimotionHoldThreshold", "AinimotionCorr"):
                p[key] = 0.0
            p["AinimotionHistDiff"] = 0.0
            p["AinimotionIsolation"] = 0.0
            p["AinimotionFlash"] = 0
        else:
            p["AinimotionInterval"] = d.label
            p["_SceneChangeNext"] = int(d.label == "cut")
            p["AinimotionDiff"] = d.diff
            p["AinimotionBlockMax"] = d.block_max
            p["AinimotionHoldThreshold"] = d.hold_threshold
            p["AinimotionCorr"] = d.corr
            p["AinimotionHistDiff"] = d.hist_change
            p["AinimotionIsolation"] = d.isolation
            p["AinimotionFlash"] = int(d.flash)
        # _SceneChangePrev: 1 on frame 0 and after a cut (the previous frame's _SceneChangeNext).
        prev = _decision(n - 1, get) if n > 0 else None
        p["_SceneChangePrev"] = int(n == 0 or (prev is not None and prev.label == "cut"))
        return out

    # One Python call per frame gets the window of source frames, measures what is new
    # (memoised), decides and writes the props. (Hold-run lengths are not written: a 16-frame
    # window cost more than the decision; ainimotion_vs._graph.drawing_index finds a drawing's
    # first frame.)
    return vs.core.std.ModifyFrame(clip, clips=window, selector=_write)


_warned: list[bool] = []


def _warn_numpy_once() -> None:
    if not _warned:
        _warned.append(True)
        log.warning(
            "gate: the gate's VapourSynth filter (ainimotion_vs/_gatevs.c) is not built, so gate() runs "
            "its numpy path: same labels, about three times the CPU. Reinstall with a C compiler present "
            "(pip install --force-reinstall --no-deps ainimotion_vs, or `pip install -e .` in a checkout)."
        )


class _Memo:
    """Bounded, thread-safe memo of decisions by frame number (they are pure functions of n)."""

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._items: dict[int, Decision] = {}
        self._lock = threading.Lock()

    def get(self, n: int) -> Decision | None:
        return self._items.get(n)

    def put(self, n: int, d: Decision) -> Decision:
        with self._lock:
            self._items[n] = d
            while len(self._items) > self._capacity:
                del self._items[next(iter(self._items))]
        return d
