"""``ainimotion analyze``: summary, JSON and plot on a generated clip encoded with real ffmpeg."""
from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest

import _synth as S
from ainimotion_vs.cli import main
from ainimotion_vs.commands.analyze import summarize, timecode


@pytest.fixture(scope="module")
def cut_video(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, S.Scene]:
    scene = S.scene_cut()
    path = tmp_path_factory.mktemp("analyze") / "cut.mkv"
    S.x264_roundtrip(scene.frames, path, bitrate="300k")
    return path, scene


def test_analyze_prints_timeline_and_writes_json_and_plot(cut_video, tmp_path: Path, capsys) -> None:
    path, scene = cut_video
    cut_frame = scene.labels.index("cut") + 1
    out_json, out_png = tmp_path / "a.json", tmp_path / "a.png"
    assert main(["analyze", str(path), "--json", str(out_json), "--plot", str(out_png)]) == 0
    text = capsys.readouterr().out
    assert f"frame {cut_frame:>7}  {timecode(Fraction(cut_frame, 24))}" in text
    data = json.loads(out_json.read_text())
    assert data["frames"] == len(scene.labels)
    assert data["counts"] == {k: scene.labels[:-1].count(k) for k in ("cut", "hold", "motion")}
    assert [c["frame"] for c in data["cuts"]] == [cut_frame]
    assert data["frames_detail"][-1]["label"] == "cut"
    detail = data["frames_detail"][0]  # the plot's two distances are in every row
    assert detail["AinimotionAnchorMax"] >= 0 and detail["AinimotionBlockMax"] >= 0
    assert out_png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out_png.stat().st_size > 10_000


def test_analyze_clip_range_uses_source_frame_numbers(cut_video, tmp_path: Path, capsys) -> None:
    path, scene = cut_video
    cut_frame = scene.labels.index("cut") + 1
    out_json = tmp_path / "r.json"
    assert main(["analyze", str(path), "--clip", f"{cut_frame - 4}-{cut_frame + 4}", "--json", str(out_json)]) == 0
    data = json.loads(out_json.read_text())
    assert data["start"] == cut_frame - 4 and data["frames"] == 8
    assert [c["frame"] for c in data["cuts"]] == [cut_frame]


def test_analyze_missing_file_is_a_one_line_error(tmp_path: Path, capsys) -> None:
    assert main(["analyze", str(tmp_path / "nope.mkv")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("ainimotion analyze: error:") and "nope.mkv" in err


def test_analyze_bad_clip_range_is_an_error(cut_video, capsys) -> None:
    path, _ = cut_video
    assert main(["analyze", str(path), "--clip", "10-5"]) == 1
    assert "the end must come after the start" in capsys.readouterr().err


def test_summarize_and_timecode() -> None:
    rows = [{"n": i, "label": lab} for i, lab in enumerate(["hold", "motion", "cut", "hold", "cut"])]
    s = summarize(rows, fps=Fraction(24000, 1001), start=100)
    assert s["counts"] == {"cut": 1, "hold": 2, "motion": 1}
    assert s["shares"]["hold"] == pytest.approx(0.5)
    assert s["cuts"] == [{"frame": 103, "time": timecode(Fraction(103 * 1001, 24000))}]
    assert timecode(3661.5) == "01:01:01.500"
