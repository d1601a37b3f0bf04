"""gate(): label every interval n -> n+1 of a clip as cut, hold or motion, as frame props.

Props written on frame ``n`` (about the interval from frame n to frame n+1):

``AinimotionInterval``     ``"cut"`` | ``"hold"`` | ``"motion"``; the last frame (no next
                           interval) is ``"cut"``. Fades, dissolves and flashes are ``"motion"``.
``AinimotionDiff``         mean absolute luma difference, 8-bit code values (0..255).
``AinimotionBlockMax``     largest block-mean absolute luma difference, code values.
``AinimotionAnchorMax``    largest block-mean difference between the first and last frames of
                           each block's still run through the interval (the anchor distance;
                           grows with a slow pan or zoom, stays at the noise level on a hold).
``AinimotionStreaks``      share of fine luma samples changing far beyond the noise (thin
                           moving lines: rain, snow, sparkles), 0..1.
``AinimotionHoldThreshold`` the noise-adapted block threshold a hold had to stay under (both the
                           block maximum and the anchor distance).
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
``ainimotion.Gate`` VapourSynth filter (C, ``gating/_gatevs.c``, compiled at install) and, where it is
not built (no C compiler) or cannot read the format (half float), one Python callback per frame
doing the same in numpy (:mod:`.gating.metrics`, :mod:`.gating.detectors`: the reference the tests
compare the filter with). ``AINIMOTION_GATE=numpy`` forces the numpy path.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import numpy as np
import vapoursynth as vs

from ._vs import check_clip
from .errors import UnsupportedFormatError
from .gating import metrics as _m
from .gating import native as _native
from .gating.detectors import Decision, Window, decide
from .gating.settings import GATE_PROPS, LABELS, GateSettings, validate

__all__ = ["GateSettings", "gate", "analysis_clip", "LABELS", "GATE_PROPS"]

log = logging.getLogger("ainimotion_vs")

def analysis_clip(clip: vs.VideoNode, width: int) -> vs.VideoNode:
    """The analysis pictures of ``clip`` as a GRAYS clip (target ``width``): what the gate
    measures, for tests and for looking at; made by the gate's filter when gate() uses it,
    else by :class:`Decimator`."""
    core = vs.core
    geo = _m.AnalysisGeometry.of(clip.width, clip.height, width)
    if _native.available(clip.format):
        return _native.analysis_node(clip, geo)
    decimate = _m.Decimator(geo, clip.format)
    blank = core.std.BlankClip(clip, format=vs.GRAYS, width=geo.width, height=geo.height, keep=True)

    def _fill(n: int, f: list[vs.VideoFrame]) -> vs.VideoFrame:
        out = f[0].copy()
        np.asarray(out[0])[:] = decimate(f[1])
        return out

    return core.std.ModifyFrame(blank, clips=[blank, clip], selector=_fill)


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
    validate(s)
    if clip.width < 16 or clip.height < 8:
        raise UnsupportedFormatError(
            f"gate: clip must be at least 16x8 pixels to measure; got {clip.width}x{clip.height}."
        )
    num = clip.num_frames
    geometry = _m.AnalysisGeometry.of(clip.width, clip.height, s.analysis_width)
    # block_size is in pixels of a picture min(analysis_width, width / 2) wide: the same share
    # of the frame whatever cell size the analysis took
    block = s.block_size * geometry.width / min(s.analysis_width, clip.width // 2)
    radius = max(s.noise_window, s.cut_window, s.anchor_window, 2)
    if _native.available(clip.format):
        return _native.gate_node(clip, geometry, block=block, radius=radius, settings=s)
    if _native.plugin_path() is None:
        _warn_numpy_once()
    measurer = _m.Measurer(
        _m.Decimator(geometry, clip.format),
        block=block,
        fine=_m.FineSampler(clip.width, clip.format),
        streak_level=s.streak_level,
        streak_noise_factor=s.streak_noise_factor,
        capacity=4 * radius + 8,
        flat=s.flat_sigma / 255,
        band_level=s.band_level / 255,
    )
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
            for key in ("AinimotionDiff", "AinimotionBlockMax", "AinimotionAnchorMax", "AinimotionStreaks"):
                p[key] = 0.0
            for key in ("AinimotionHoldThreshold", "AinimotionCorr"):
                p[key] = 0.0
            p["AinimotionHistDiff"] = 0.0
            p["AinimotionIsolation"] = 0.0
            p["AinimotionFlash"] = 0
        else:
            p["AinimotionInterval"] = d.label
            p["_SceneChangeNext"] = int(d.label == "cut")
            p["AinimotionDiff"] = d.diff
            p["AinimotionBlockMax"] = d.block_max
            p["AinimotionAnchorMax"] = d.anchor_max
            p["AinimotionStreaks"] = d.streaks
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
            "gate: the gate's VapourSynth filter (ainimotion_vs/gating/_gatevs.c) is not built, so gate() runs "
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
