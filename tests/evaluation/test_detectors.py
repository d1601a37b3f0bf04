"""The baseline cut/hold detectors eval_gating scores gate() against, on small drawn frames."""
from __future__ import annotations

import _synth
import numpy as np
import vapoursynth as vs

from ainimotion_vs.evaluation.detectors import (
    DETECTORS,
    NEEDS,
    dedup_holds,
    interval_labels,
    interval_luma_stats,
    luma_cuts,
    ssim_holds,
)


def _frames() -> np.ndarray:
    """A drawing held for 2 frames, a cut to another scene, then its character moved by 40 px."""
    def u8(x: np.ndarray) -> np.ndarray:
        return np.clip(x, 0, 255).astype(np.uint8)

    a = u8(_synth.draw_character(_synth.background(1), 110, 80))
    bg = _synth.background(2, dark=True)
    return np.stack([a, a, u8(_synth.draw_character(bg, 100, 90)), u8(_synth.draw_character(bg, 140, 90))])


def test_luma_stats_find_the_hold_and_the_cut():
    diffs, ssims = interval_luma_stats(_synth.to_clip(_frames()), want_ssim=True)
    assert len(diffs) == len(ssims) == 3  # one value per interval n -> n+1
    assert diffs[0] == 0.0 and ssims[0] == 1.0  # identical frames: exactly
    assert diffs[1] > 0.15  # another background
    assert 0 < diffs[2] < diffs[1]
    assert luma_cuts(diffs) == {2}  # frame 2 starts the new shot
    assert dedup_holds(diffs) == {0}
    assert ssim_holds(ssims) == {0}
    # without SSIM the same pass gives the same differences (PlaneStats is exact integer sums)
    assert interval_luma_stats(_synth.to_clip(_frames()), want_ssim=False) == (diffs, [])


def test_thresholds_are_strict_bounds():
    assert luma_cuts([0.15, 0.1500001]) == {2}
    assert dedup_holds([1 / 255, 0.0]) == {1}
    assert ssim_holds([0.999, 1.0]) == {1}


def test_interval_labels_read_str_and_bytes():
    blank = vs.core.std.BlankClip(width=16, height=16, format=vs.GRAY8, length=3)
    clip = vs.core.std.ModifyFrame(blank, blank, lambda n, f: _labelled(f, ("motion", "hold", "cut")[n]))
    assert interval_labels(clip) == ["motion", "hold", "cut"]


def _labelled(f: vs.VideoFrame, label: str) -> vs.VideoFrame:
    out = f.copy()
    out.props["AinimotionInterval"] = label  # VapourSynth stores str props as bytes
    return out


def test_every_detector_needing_an_extra_is_listed():
    assert set(NEEDS) <= set(DETECTORS)
    assert {"gate", "luma", "dedup", "ssim"}.isdisjoint(NEEDS)
