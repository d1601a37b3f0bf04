"""The shot-change and hold detectors ``scripts/eval_gating.py`` scores ``gate()`` against:
each reads one clip file and says which frames start a new shot and/or which intervals hold.

  gate      ainimotion_vs.gate() -> AinimotionInterval            (cuts, holds)
  content   PySceneDetect ContentDetector, defaults               (cuts)
  adaptive  PySceneDetect AdaptiveDetector, defaults              (cuts)
  luma      mean |dY| of consecutive frames > 0.15 (misc.SCDetect method, std.PlaneStats) (cuts)
  scxvid    core.scxvid.Scxvid -> _SceneChangePrev                (cuts)
  mvtools   core.mv.Super/Analyse/SCDetection, defaults           (cuts)
  dedup     mean |dY| (PlaneStatsDiff) < 1/255: a global "dedup" hold test (holds)
  ssim      luma SSIM (:func:`.metrics.ssim`) > 0.999             (holds)

content, adaptive (scenedetect), scxvid and mvtools come with the ``eval`` extra
(:data:`NEEDS` names the part each needs); the packages and plugins are imported lazily.
Frames: cut N = the first frame of the new shot; hold n = the interval n -> n+1.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .metrics import ssim

if TYPE_CHECKING:  # pragma: no cover
    import vapoursynth as vs

__all__ = [
    "LUMA_CUT_THRESHOLD",
    "DEDUP_HOLD_THRESHOLD",
    "SSIM_HOLD_THRESHOLD",
    "Prediction",
    "interval_luma_stats",
    "interval_labels",
    "luma_cuts",
    "dedup_holds",
    "ssim_holds",
    "detect_gate",
    "detect_content",
    "detect_adaptive",
    "detect_luma",
    "detect_scxvid",
    "detect_mvtools",
    "detect_dedup",
    "detect_ssim",
    "NEEDS",
    "DETECTORS",
]

LUMA_CUT_THRESHOLD = 0.15
"""misc.SCDetect's method: mean absolute luma difference (0..1) above this is a cut."""
DEDUP_HOLD_THRESHOLD = 1.0 / 255
"""Global mean absolute luma difference (0..1) under this is a hold (a plain dedup tool)."""
SSIM_HOLD_THRESHOLD = 0.999
"""Luma SSIM above this is a hold."""


@dataclass
class Prediction:
    """What one detector said about one clip."""

    cuts: set[int] | None = None
    """Frames it calls the first frame of a new shot (None: it does not detect cuts)."""
    holds: set[int] | None = None
    """Intervals n -> n+1 it calls holds (None: it does not detect holds)."""
    seconds: float = 0.0


# ---------------------------------------------------------------- on a decoded clip


def interval_luma_stats(clip: "vs.VideoNode", *, want_ssim: bool) -> tuple[list[float], list[float]]:
    """Per interval n -> n+1 of ``clip`` (integer samples): std.PlaneStats' mean absolute
    difference of plane 0 (0..1) and, when asked, the SSIM of plane 0 (0..1). One pass."""
    import vapoursynth as vs

    nxt = clip[1:] + clip[-1]
    stats = vs.core.std.PlaneStats(clip, nxt, plane=0)
    diffs: list[float] = []
    ssims: list[float] = []
    prev = None
    peak = (1 << clip.format.bits_per_sample) - 1
    for f in stats.frames():
        diffs.append(float(f.props["PlaneStatsDiff"]))
        if want_ssim:
            y = np.asarray(f[0]).copy()
            if prev is not None:
                ssims.append(ssim(prev, y, data_range=peak))
            prev = y
    return diffs[:-1], ssims


def luma_cuts(diffs: Sequence[float]) -> set[int]:
    """Cut frames (n + 1) where the interval's mean |dY| is above :data:`LUMA_CUT_THRESHOLD`."""
    return {n + 1 for n, d in enumerate(diffs) if d > LUMA_CUT_THRESHOLD}


def dedup_holds(diffs: Sequence[float]) -> set[int]:
    """Hold intervals whose mean |dY| is under :data:`DEDUP_HOLD_THRESHOLD`."""
    return {n for n, d in enumerate(diffs) if d < DEDUP_HOLD_THRESHOLD}


def ssim_holds(ssims: Sequence[float]) -> set[int]:
    """Hold intervals whose luma SSIM is above :data:`SSIM_HOLD_THRESHOLD`."""
    return {n for n, s in enumerate(ssims) if s > SSIM_HOLD_THRESHOLD}


def interval_labels(clip: "vs.VideoNode") -> list[str]:
    """The ``AinimotionInterval`` label of every frame of a gated clip, in order (frame n's label
    is the interval n -> n+1's; the last frame's has no next interval)."""
    from ..timeline import labels_of

    return labels_of(clip)


def _prev_flags(clip: "vs.VideoNode") -> set[int]:
    return {n for n, f in enumerate(clip.frames()) if n > 0 and f.props.get("_SceneChangePrev", 0)}


# ---------------------------------------------------------------- on a clip file


def _source(path: Path) -> "vs.VideoNode":
    import vapoursynth as vs

    return vs.core.bs.VideoSource(str(path))


def detect_gate(path: Path) -> Prediction:
    import ainimotion_vs

    labels = interval_labels(ainimotion_vs.gate(_source(path)))
    n_int = len(labels) - 1
    return Prediction(
        cuts={n + 1 for n in range(n_int) if labels[n] == "cut"},
        holds={n for n in range(n_int) if labels[n] == "hold"},
    )


def _scenedetect(path: Path, detector) -> set[int]:
    from scenedetect import detect

    scenes = detect(str(path), detector, show_progress=False)
    return {start.get_frames() for start, _ in scenes[1:]}


def detect_content(path: Path) -> Prediction:
    from scenedetect import ContentDetector

    return Prediction(cuts=_scenedetect(path, ContentDetector()))


def detect_adaptive(path: Path) -> Prediction:
    from scenedetect import AdaptiveDetector

    return Prediction(cuts=_scenedetect(path, AdaptiveDetector()))


def detect_scxvid(path: Path) -> Prediction:
    import vapoursynth as vs

    return Prediction(cuts=_prev_flags(vs.core.scxvid.Scxvid(_source(path))))


def detect_mvtools(path: Path) -> Prediction:
    import vapoursynth as vs

    core = vs.core
    clip = _source(path)
    vectors = core.mv.Analyse(core.mv.Super(clip), isb=False)  # forward vectors -> _SceneChangePrev
    return Prediction(cuts=_prev_flags(core.mv.SCDetection(clip, vectors)))


# luma, dedup and ssim read the same pass: one decode per file, the SSIM pass serving both.
_STATS_CACHE: dict[tuple[Path, bool], tuple[list[float], list[float]]] = {}


def _file_stats(path: Path, *, want_ssim: bool) -> tuple[list[float], list[float]]:
    for key in ((path, want_ssim), (path, True)):
        if key in _STATS_CACHE:
            return _STATS_CACHE[key]
    _STATS_CACHE[(path, want_ssim)] = result = interval_luma_stats(_source(path), want_ssim=want_ssim)
    return result


def detect_luma(path: Path) -> Prediction:
    return Prediction(cuts=luma_cuts(_file_stats(path, want_ssim=False)[0]))


def detect_dedup(path: Path) -> Prediction:
    return Prediction(holds=dedup_holds(_file_stats(path, want_ssim=False)[0]))


def detect_ssim(path: Path) -> Prediction:
    return Prediction(holds=ssim_holds(_file_stats(path, want_ssim=True)[1]))


NEEDS: dict[str, tuple[str, ...]] = {"content": ("scenedetect",), "adaptive": ("scenedetect",),
                                    "scxvid": ("scxvid",), "mvtools": ("mvtools",)}
"""The parts of the 'eval' extra each detector needs (the others need only the package)."""

DETECTORS: dict[str, tuple[Callable[[Path], Prediction], str]] = {
    "gate": (detect_gate, "ainimotion_vs.gate()"),
    "content": (detect_content, "PySceneDetect Content"),
    "adaptive": (detect_adaptive, "PySceneDetect Adaptive"),
    "luma": (detect_luma, f"luma diff > {LUMA_CUT_THRESHOLD}"),
    "scxvid": (detect_scxvid, "scxvid"),
    "mvtools": (detect_mvtools, "mvtools SCDetection"),
    "dedup": (detect_dedup, "dedup |dY| < 1/255"),
    "ssim": (detect_ssim, f"SSIM > {SSIM_HOLD_THRESHOLD}"),
}
"""Detector name -> (function of a clip file, the name its table rows print)."""
