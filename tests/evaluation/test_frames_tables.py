"""Frames as arrays for evaluation, and the table printing of the scripts."""
from __future__ import annotations

import math

import numpy as np
import pytest

from ainimotion_vs.evaluation import fmt, markdown_table
from ainimotion_vs.evaluation.frames import clip_rgb24_frames, read_rgb, rgb24_clip, rgbs_clip


def test_rgb24_clip_round_trips_exactly():
    rng = np.random.default_rng(5)
    frames = [rng.integers(0, 256, (18, 26, 3), dtype=np.uint8) for _ in range(3)]
    clip = rgb24_clip(frames, fps=(30000, 1001))
    assert (clip.num_frames, clip.fps.numerator, clip.fps.denominator) == (3, 30000, 1001)
    back = clip_rgb24_frames(clip)
    assert all(np.array_equal(a, b) for a, b in zip(frames, back))
    # RGBS is [0, 1]: k / 255 in float32 comes back to k exactly after rounding
    s = rgbs_clip(clip).get_frame(1)
    assert np.allclose(np.asarray(s[0]) * 255, frames[1][..., 0], atol=1e-3)


def test_read_rgb_reads_png_and_says_when_missing(tmp_path):
    from PIL import Image

    img = np.random.default_rng(6).integers(0, 256, (10, 12, 4), dtype=np.uint8)
    Image.fromarray(img, "RGBA").save(tmp_path / "a.png")
    got = read_rgb(tmp_path / "a.png")
    assert got.dtype == np.uint8 and np.array_equal(got, img[..., :3])  # alpha dropped, PNG lossless
    with pytest.raises(FileNotFoundError, match=r"read_rgb: no image at .*b\.png"):
        read_rgb(tmp_path / "b.png")


def test_markdown_table_and_number_format():
    text = markdown_table(["a", "bb"], [["x", fmt(1.234)], ["yyyy", fmt(None)]])
    assert text.splitlines() == ["| a    | bb   |", "|------|------|", "| x    | 1.23 |", "| yyyy | -    |"]
    assert (fmt(math.inf), fmt(-math.inf), fmt(2.0, 0)) == ("inf", "-inf", "2")
    with pytest.raises(ValueError, match=r"markdown_table: every row needs 2 cells; got lengths \[1\]"):
        markdown_table(["a", "b"], [["x"]])
