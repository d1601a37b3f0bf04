"""The naive chain and the one definition of an output frame that mixes two shots."""
from __future__ import annotations

import numpy as np
import pytest

from ainimotion_vs.errors import UnsupportedFormatError
from ainimotion_vs.evaluation.alternatives import blend_clip
from ainimotion_vs.evaluation.chains import CROSS_CUT_RATIO, cross_cut_frames, mixes_shots, naive_chain
from ainimotion_vs.evaluation.frames import clip_rgb24_frames


def _picture(seed: int, h: int = 96, w: int = 128) -> np.ndarray:
    """A smooth random RGB picture (low frequencies survive the 64-px comparison)."""
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 256, (h // 16, w // 16, 3)).astype(np.float64)
    return np.kron(coarse, np.ones((16, 16, 1))).astype(np.uint8)


def _mix(a: np.ndarray, b: np.ndarray, w: float) -> np.ndarray:
    return np.round((1 - w) * a + w * b).astype(np.uint8)


def test_copies_do_not_mix_and_blends_past_the_ratio_do():
    a, b = _picture(1), _picture(2)
    assert not mixes_shots(a, a, b) and not mixes_shots(b, a, b)
    assert mixes_shots(_mix(a, b, 0.5), a, b)
    # resizing and luma are linear, so a w/(1-w) blend lies w x d(A, B) from A: the ratio 0.25
    # separates 0.2 from 0.3 with a margin far above the 8-bit rounding (0.5 level / ~80 levels)
    assert CROSS_CUT_RATIO == 0.25
    assert not mixes_shots(_mix(a, b, 0.2), a, b)
    assert mixes_shots(_mix(a, b, 0.3), a, b)


def test_a_resized_copy_does_not_mix_and_another_aspect_is_refused():
    from PIL import Image

    a, b = _picture(3, 192, 256), _picture(4, 192, 256)
    half = np.asarray(Image.fromarray(a).resize((128, 96), Image.Resampling.BILINEAR))
    assert not mixes_shots(half, a, b)
    with pytest.raises(UnsupportedFormatError, match=r"mixes_shots: the output frame has another aspect ratio"):
        mixes_shots(a[:, :128], a, b)


@pytest.fixture(scope="module")
def around_cut(shared_data):
    """onepiece_demo frames 98-101 at 160 px: the labelled cut at 100 is interval 1 -> 2 here."""
    import vapoursynth as vs

    from ainimotion_vs.evaluation import load_label_dir

    assert 100 in load_label_dir()["onepiece_demo"].cuts
    return vs.core.bs.VideoSource(str(shared_data / "clips" / "onepiece_demo.mp4"))[98:102].resize.Bicubic(160, 90)


def test_cross_cut_frames_counts_the_blend_at_a_real_cut(around_cut):
    src = clip_rgb24_frames(around_cut)
    blended = clip_rgb24_frames(blend_clip(around_cut, 2))
    duplicated = [f for f in src for _ in range(2)]
    assert cross_cut_frames(blended, src, [1], 2) == 1
    assert cross_cut_frames(duplicated, src, [1], 2) == 0
    # inside a shot the blend is not counted: only cut intervals are looked at
    assert cross_cut_frames(blended, src, [], 2) == 0


def test_naive_chain_runs_the_models_on_every_frame(around_cut):
    import vapoursynth as vs
    from _weights import require

    from ainimotion_vs.backends import InferenceStats

    require("rife-4.25")
    require("realesr-animevideov3")
    clip = around_cut.resize.Bicubic(64, 36)
    it_stats, up_stats = InferenceStats(), InferenceStats()
    out = naive_chain(clip, height=72, factor=2, backend="torch", interp_stats=it_stats, upscale_stats=up_stats)
    assert (out.width, out.height, out.num_frames, out.format.id) == (128, 72, 8, vs.YUV420P10)
    for _ in out.frames(close=True):
        pass
    # 4 source frames: RIFE on all 3 intervals (the cut included: no gate), the upscaler on all 8 outputs
    assert (it_stats.calls, up_stats.calls) == (3, 8)


def test_frames_in_interval_are_the_output_slots_strictly_inside_it():
    from fractions import Fraction

    from ainimotion_vs.evaluation.chains import frames_in_interval

    f24, f48 = Fraction(24000, 1001), Fraction(48000, 1001)
    assert [frames_in_interval(n, length=20, in_fps=f24, out_fps=f48) for n in (0, 3)] == [[1], [7]]
    # 2.5x: output j sits at source position 0.4 j; j = 5 is exactly frame 2 (t = 0), not inside 1 -> 2
    f60 = Fraction(60000, 1001)
    assert [frames_in_interval(n, length=20, in_fps=f24, out_fps=f60) for n in (0, 1, 2)] == [[1, 2], [3, 4], [6, 7]]
    assert frames_in_interval(9, length=20, in_fps=f24, out_fps=f48) == [19]
    assert frames_in_interval(10, length=20, in_fps=f24, out_fps=f48) == []  # past the end
