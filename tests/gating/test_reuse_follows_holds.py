"""Downstream of the gate: the upscaler's once-per-drawing reuse follows the corrected labels, so
a slow push-in is upscaled frame by frame (no frozen camera) while a held drawing still reuses
its first upscaled frame. Real model (realesr-animevideov3) on a small picture: the drift is
measured by the gate at 360p, the model runs on a 64x36 copy so the test stays fast."""
from __future__ import annotations

import numpy as np
import pytest
import vapoursynth as vs

import _synth as S
from _weights import require
from ainimotion_vs import upscale
from ainimotion_vs.backends import InferenceStats
from ainimotion_vs.gate import gate
from ainimotion_vs.timeline import read_timeline

MODEL = "realesr-animevideov3"


@pytest.fixture(scope="module", autouse=True)
def _weights():
    require(MODEL)


def _luma(clip: vs.VideoNode) -> list[np.ndarray]:
    return [np.asarray(f[0]).copy() for f in clip.frames()]


def test_slow_push_in_is_upscaled_frame_by_frame_and_a_hold_once() -> None:
    still = S.line_art_still(640, 360)
    zoom = S.scene_slow_camera(still, speed=0.2, zoom=True, n=8)  # edges move 0.2 px a frame
    held = np.stack([zoom.frames[-1]] * 4)  # the camera stops: the last picture 4 more times
    source = S.to_clip(np.concatenate([zoom.frames, held]))
    labels = read_timeline(source).labels
    assert labels[:7] == ("motion",) * 7 and labels[7:11] == ("hold",) * 4

    small = gate(source).resize.Bicubic(64, 36)  # the props ride along
    stats = InferenceStats()
    out = _luma(upscale(small, backend="torch", stats=stats))
    src = _luma(small)
    assert stats.calls == 8  # the 8 pictures of the push-in; the held frames reuse the last
    for n in range(1, len(out)):
        # equal output frames exactly where the source frames are equal (a hold: the same
        # picture, not a small change); every frame of the push-in is new
        assert np.array_equal(out[n], out[n - 1]) == np.array_equal(src[n], src[n - 1]) == (labels[n - 1] == "hold"), n
