"""The upscaler evaluation's measures: hold stability, colour shift, the image helpers and the
degradations, and a script's start-up checks; on small drawn frames."""
from __future__ import annotations

import _synth
import numpy as np
import pytest

from ainimotion_vs.errors import SettingsError, UnsupportedFormatError
from ainimotion_vs.evaluation.colour import colour_shift, hf_energy
from ainimotion_vs.evaluation.degrade import jpeg_roundtrip, pil_resize
from ainimotion_vs.evaluation.frames import array_rgbs_clip, centre_crop, clip_rgb_levels, to_uint8
from ainimotion_vs.evaluation.stability import hold_stability
from ainimotion_vs.evaluation.startup import parse_size, prepare_run


def _drawing(seed: int = 1) -> np.ndarray:
    """(H, W, 3) uint8: a drawn luma still in three slightly different channels."""
    y = _synth.draw_character(_synth.background(seed), 110, 80)
    return np.clip(np.stack([y, y * 0.9 + 10, y * 0.8 + 20], axis=-1), 0, 255).astype(np.uint8)


def test_hold_stability_counts_identical_holds():
    a = np.clip(_synth.draw_character(_synth.background(1), 110, 80), 0, 255).astype(np.uint8)
    b = a.copy()
    b[:, :] = np.minimum(a.astype(np.int16) + 3, 255).astype(np.uint8)  # a 3-level flicker
    clip = _synth.to_clip(np.stack([a, a, b, b]))
    mean, identical = hold_stability(clip, [0, 1, 2])
    assert identical == 2  # 0 -> 1 and 2 -> 3 are the same frame
    # interval 1 differs by 3 levels except where a was already >= 253 (clipped): mean of 3 intervals
    expected = float(np.abs(b.astype(np.float64) - a).mean()) / 3
    assert mean == pytest.approx(expected, rel=1e-12)  # float64 means of integer differences
    with pytest.raises(SettingsError, match="hold_stability: no hold intervals"):
        hold_stability(clip, [])
    with pytest.raises(SettingsError, match=r"hold_stability: hold intervals must lie inside the clip's 4 frames"):
        hold_stability(clip, [3])


def test_colour_shift_of_a_level_offset():
    src = _drawing().astype(np.float64)
    back = src + np.array([2.0, -1.0, 0.5])
    shift = colour_shift(back, src)
    luma_shift = 0.2126 * 2.0 - 0.7152 * 1.0 + 0.0722 * 0.5  # BT.709 weights
    # float64 sums of ~5e4 values of 8-bit size: error far below 1e-9
    assert shift == pytest.approx([2.0, -1.0, 0.5, luma_shift, abs(luma_shift)], abs=1e-9)
    assert hf_energy(src, src) == 0.0
    with pytest.raises(UnsupportedFormatError, match="colour_shift: needs two"):
        colour_shift(back[..., 0], src[..., 0])


def test_frames_helpers_round_trip_and_crop():
    img = _drawing()
    crop = centre_crop(img, 32, 24)
    assert crop.shape == (24, 32, 3) and crop.flags.c_contiguous
    h, w = img.shape[:2]
    assert np.array_equal(crop, img[(h - 24) // 2 : (h - 24) // 2 + 24, (w - 32) // 2 : (w - 32) // 2 + 32])
    assert centre_crop(img, w + 10, 8).shape == (8, w, 3)  # a side larger than the image: all of it
    # uint8 -> RGBS [0, 1] -> 8-bit units: k / 255 in float32 is within 1e-4 of k after x255
    levels = clip_rgb_levels(array_rgbs_clip(crop))
    assert np.abs(levels - crop).max() < 1e-3
    assert np.array_equal(to_uint8(levels), crop)
    assert to_uint8(np.array([-0.2, 0.5, 1.5, 2.0]), scale=255.0).tolist() == [0, 128, 255, 255]


def test_degradations_keep_size_and_stay_close():
    img = centre_crop(_drawing(), 64, 48)
    small = pil_resize(img, 32, 24)
    assert small.shape == (24, 32, 3) and small.dtype == np.uint8
    j = jpeg_roundtrip(img, 90)
    assert j.shape == img.shape
    assert 0 < np.abs(j.astype(np.int16) - img).mean() < 4  # lossy, but q90 stays within a few levels
    with pytest.raises(SettingsError, match="pil_resize: method must be one of"):
        pil_resize(img, 8, 8, "nearest")


def test_prepare_run_names_the_script(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"^myscript: find_shared_data: .* is not a footage folder"):
        prepare_run("myscript", data=tmp_path)
    (tmp_path / "SOURCES.md").write_text("x")
    assert prepare_run("myscript", data=tmp_path) == tmp_path
    with pytest.raises(ValueError, match="missing_eval: unknown part"):
        prepare_run("myscript", "nope", data=tmp_path)


def test_parse_size_reads_wxh_and_squares():
    assert parse_size("96x72", option="--crop") == (96, 72)
    assert parse_size("64X48", option="--crop") == (64, 48)
    assert parse_size("256", option="--hr-crop") == (256, 256)
    for bad in ("96x", "0x10", "axb", "1x2x3", "-4x4"):
        with pytest.raises(SettingsError, match=r"--crop: expected WxH in pixels"):
            parse_size(bad, option="--crop")


def test_run_options_read_data_and_threads():
    import argparse

    from ainimotion_vs.evaluation.startup import add_run_options

    ap = argparse.ArgumentParser()
    add_run_options(ap, threads=2)
    args = ap.parse_args(["--data", "/x/y"])
    assert (str(args.data), args.threads) == ("/x/y", 2)
    bare = argparse.ArgumentParser()
    add_run_options(bare)  # no --threads without a default
    with pytest.raises(SystemExit):
        bare.parse_args(["--threads", "3"])
