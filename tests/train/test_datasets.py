"""Gate-curated datasets: triplets never span a cut, fades/flashes are left out, spacing is
recorded, the split is by shot, the manifest's checksums hold, and a seed repeats a run.
Codec degradations run real x264/x265."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

import _synth
from ainimotion_vs.errors import SettingsError, UnsupportedFormatError
from ainimotion_vs.train.datasets import CurateSettings, curate_interp, curate_upscale, load_manifest, shots_of
from ainimotion_vs.train.degradations import degrade, sample_recipe

REPO = Path(__file__).resolve().parents[2]


def _synthetic() -> tuple[_synth.Scene, list[int]]:
    """A shot on twos, a cut, a shot on threes, a cut, a shot on twos with a white flash in it."""
    parts = [_synth.shot(1, 8, on=2), _synth.shot(11, 7, on=3), _synth.scene_flash(4)]
    scene = parts[0] + parts[1] + parts[2]
    starts = np.cumsum([0] + [len(p.frames) for p in parts]).tolist()
    return scene, starts  # shot k is frames starts[k] .. starts[k+1]-1


def _spans_cut(frames: list[int], cuts: list[int]) -> bool:
    a, c = frames[0], frames[-1]
    return any(a < cut <= c for cut in cuts)


def test_shots_of_collapses_holds_and_splits_at_cuts():
    labels = ["hold", "motion", "hold", "hold", "cut", "motion", "cut"]
    assert shots_of(labels) == [
        [(0, 2), (2, 3)],
        [(5, 1), (6, 1)],
    ]


def test_synthetic_triplets_never_span_a_cut(tmp_path):
    scene, starts = _synthetic()
    clip = _synth.to_clip(scene.frames)
    s = CurateSettings(crop=64, val_fraction=0.34, seed=3)
    m = curate_interp([("synth", clip)], tmp_path / "ds", settings=s)
    cuts = starts[1:-1]
    assert m["samples"], "the synthetic animation has triplets"
    for x in m["samples"]:
        assert not _spans_cut(x["frames"], cuts), x
        a, b, c = x["frames"]
        assert x["spacing"] == [b - a, c - b] and 0 < x["t"] < 1
    cad = {x["cadence"] for x in m["samples"] if x["shot"] in (0, 1)}
    assert cad == {"twos", "threes"}  # shot 0 is on twos, shot 1 on threes, by construction
    # the white flash (frame 6 of shot 2) is excluded by the median-shift rule, and no kept
    # triplet of shot 2 contains it
    flash = starts[2] + 6
    assert m["excluded"]["fade"] + m["excluded"]["flash"] >= 1
    assert all(flash not in x["frames"] for x in m["samples"])
    # split by shot: each shot is wholly train or wholly val, and both splits exist
    by_shot: dict[int, set[str]] = {}
    for x in m["samples"]:
        by_shot.setdefault(x["shot"], set()).add(x["split"])
    assert all(len(v) == 1 for v in by_shot.values())
    assert m["counts"]["train"] > 0 and m["counts"]["val"] > 0
    # checksums
    for x in m["samples"]:
        for role, rel in x["files"].items():
            assert hashlib.sha256((tmp_path / "ds" / rel).read_bytes()).hexdigest() == x["sha256"][role]
    # the same seed gives the same dataset, byte for byte
    m2 = curate_interp([("synth", clip)], tmp_path / "ds2", settings=s)
    assert json.dumps(m2["samples"]) == json.dumps(m["samples"])


def test_real_clip_triplets_never_span_a_cut(shared_data, tmp_path):
    from ainimotion_vs.evaluation.labels import load_labels
    from ainimotion_vs.media import open_source

    truth = load_labels(REPO / "tests" / "labels" / "tom_and_jerry_480p.txt")
    end = 200  # frames 0-199 hold the cuts at 65 and 189 (SOURCES.md, checked by eye)
    cuts = sorted(c for c in truth.cuts if c < end)
    assert cuts == [65, 189]
    clip = open_source(shared_data / "clips" / "tom_and_jerry_480p.mp4", clip_range=(0, end))
    m = curate_interp([("tom_and_jerry_480p.mp4", clip)], tmp_path / "ds", settings=CurateSettings(crop=64))
    assert len(m["samples"]) >= 10
    for x in m["samples"]:
        assert not _spans_cut(x["frames"], cuts), x
        assert x["spacing"][0] <= 3 and x["spacing"][1] <= 3


def test_upscale_dataset_records_recipe_and_hold(tmp_path):
    scene, _ = _synthetic()
    clip = _synth.to_clip(scene.frames[:16])
    m = curate_upscale([("synth", clip)], tmp_path / "up", settings=CurateSettings(crop=64, max_per_shot=4), scale=4)
    assert m["samples"]
    for x in m["samples"]:
        assert {"codec", "crf", "preset", "resize", "blur_sigma", "noise_sigma", "sharpen"} <= set(x["recipe"])
        assert "lr_hold" in x["files"]  # every drawing of this shot is held two frames
    man = load_manifest(tmp_path / "up", kind="upscale", func="test")
    assert man["scale"] == 4


@pytest.mark.parametrize("codec", ["libx264", "libx265"])
def test_degrade_uses_the_real_codec(codec):
    rng = np.random.default_rng(0)
    hq = (rng.random((64, 96, 3)) * 255).astype(np.uint8)
    recipe = {**sample_recipe(rng, scale=4, codecs=(codec,)), "crf": 40, "noise_sigma": 0.0}
    lr = degrade([hq, hq], recipe)
    assert len(lr) == 2 and lr[0].shape == (16, 24, 3) and lr[0].dtype == np.uint8
    # CRF 40 on white noise throws most of it away: far from the input (a resize alone would
    # keep the mean difference under ~1 level), but the same picture on average (mean within
    # 8 levels: the codec keeps DC)
    import cv2

    plain = cv2.resize(hq.astype(np.float32), (24, 16), interpolation=cv2.INTER_AREA)
    assert np.abs(lr[0].astype(np.float32) - plain).mean() > 2.0
    assert abs(float(lr[0].mean()) - float(plain.mean())) < 8.0


def test_errors_say_how_to_fix(tmp_path):
    scene, _ = _synthetic()
    clip = _synth.to_clip(scene.frames[:20])
    with pytest.raises(SettingsError, match=r"curate_interp: synth is 320x180, smaller than the crop 256; use a smaller --crop"):
        curate_interp([("synth", clip)], tmp_path / "a", settings=CurateSettings(crop=256))
    with pytest.raises(SettingsError, match=r"crop must be a multiple of 8"):
        curate_interp([("synth", clip)], tmp_path / "a", settings=CurateSettings(crop=60))
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    with pytest.raises(UnsupportedFormatError, match=r"already exists and is not empty; choose another --out"):
        curate_interp([("synth", clip)], tmp_path / "full", settings=CurateSettings(crop=64))
    with pytest.raises(UnsupportedFormatError, match=r"has no manifest.json; make one with `ainimotion dataset interp"):
        load_manifest(tmp_path / "full", kind="interp", func="train")
    with pytest.raises(SettingsError, match=r"degrade: frame size 60x64 must be a multiple of 8"):
        degrade([np.zeros((64, 60, 3), np.uint8)], sample_recipe(np.random.default_rng(0)))
    # nothing half-written is left beside the failed outputs
    assert sorted(p.name for p in tmp_path.iterdir()) == ["full"]


def test_cli_curates_a_video_file_with_real_compression(tmp_path, capsys):
    from ainimotion_vs.cli import main

    scene, starts = _synthetic()
    _synth.x264_roundtrip(scene.frames, tmp_path / "synth.mkv", bitrate="400k")
    assert main(["dataset", "interp", str(tmp_path / "synth.mkv"), "--out", str(tmp_path / "ds"), "--crop", "64", "--seed", "2"]) == 0
    out = capsys.readouterr().out
    assert "samples (train" in out and "spacing:" in out
    m = load_manifest(tmp_path / "ds", kind="interp", func="test")
    assert m["sources"][0]["sha256"] == hashlib.sha256((tmp_path / "synth.mkv").read_bytes()).hexdigest()
    assert m["samples"] and not any(_spans_cut(x["frames"], starts[1:-1]) for x in m["samples"])
    assert main(["dataset", "interp", str(tmp_path / "nope.mkv"), "--out", str(tmp_path / "x")]) == 1
    assert "nope.mkv is not a file" in capsys.readouterr().err
