"""`ainimotion enhance` end to end: real files, real ffmpeg, exit codes and one-line errors."""
from __future__ import annotations

import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from _media import make_audio_only, make_video
from ainimotion_vs.cli import main
from ainimotion_vs.commands.enhance import preset_names
from ainimotion_vs.errors import MediaError
from ainimotion_vs.ffmpeg import ENCODERS, find_ffmpeg, probe_encoder
from ainimotion_vs.media import probe

REPO = Path(__file__).resolve().parents[2]
FAST = ["--preset", "none", "--x-preset", "ultrafast"]  # the faithful round trip: no enhancement stages


@pytest.fixture(scope="module")
def src(tmp_path_factory) -> Path:
    return make_video(tmp_path_factory.mktemp("cli") / "my clip ファイル.mkv", frames=36)


def test_enhance_round_trip(src, tmp_path, capsys):
    out = tmp_path / "out folder" / "résultat.mkv"
    out.parent.mkdir()
    assert main(["enhance", str(src), "--out", str(out), *FAST]) == 0
    cap = capsys.readouterr()
    assert cap.out == ""  # stdout is reserved for y4m
    assert "frames 36 in -> 36 out" in cap.err and "36/36 frames" in cap.err
    got = probe(out)
    assert (got.num_frames, got.fps) == (36, Fraction(24000, 1001))
    assert [s.kind for s in got.streams] == ["audio", "subtitle", "attachment"]


def test_enhance_clip_and_encoder_options(src, tmp_path, capsys):
    out = tmp_path / "part.mp4"
    # an mp4 cannot carry the attachment: refused, clearly, exit 1
    assert main(["enhance", str(src), "-o", str(out), "--clip", "6-18", *FAST]) == 1
    assert "MP4 cannot carry" in capsys.readouterr().err
    out = tmp_path / "part.mkv"
    assert main(["enhance", str(src), "-o", str(out), "--clip", "6-18", "--encoder", "x265", "--crf", "28", "--encoder-preset", "ultrafast", "--preset", "none", "-q"]) == 0
    cap = capsys.readouterr()
    assert cap.err == "" and cap.out == ""  # -q: nothing but errors
    got = probe(out)
    assert got.num_frames == 12 and got.codec == "hevc"
    assert abs(float(got.kind("audio")[0].end - got.video_end)) < 1 / 24


def test_default_output_name_and_overwrite(src, tmp_path, capsys):
    local = tmp_path / "in.mkv"
    local.write_bytes(src.read_bytes())
    assert main(["enhance", str(local), *FAST, "-q"]) == 0
    assert (tmp_path / "in_enhanced.mkv").is_file()
    assert main(["enhance", str(local), *FAST, "-q"]) == 1
    assert "already exists; pass --overwrite" in capsys.readouterr().err
    assert main(["enhance", str(local), *FAST, "-q", "--overwrite"]) == 0


def test_errors_are_one_line(tmp_path, capsys):
    assert main(["enhance", str(tmp_path / "missing.mkv")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("ainimotion enhance: error: probe: input file not found") and err.count("\n") == 1
    audio = make_audio_only(tmp_path / "a.m4a")
    assert main(["enhance", str(audio)]) == 1
    assert "has no video stream" in capsys.readouterr().err
    with pytest.raises(MediaError, match="input file not found"):
        main(["enhance", str(tmp_path / "missing.mkv"), "--debug"])


def test_bad_options(src, tmp_path, capsys):
    assert main(["enhance", str(src), "-o", str(tmp_path / "o.mkv"), "--clip", "40-50"]) == 1
    assert "ends at frame 50 but the video has only 36 frames" in capsys.readouterr().err
    assert main(["enhance", str(src), "-o", str(tmp_path / "o.mkv"), "--preset", "no-such-preset"]) == 1
    err = capsys.readouterr().err
    names = preset_names()
    assert ("unknown preset 'no-such-preset'" if names is not None else "no presets module") in err
    with pytest.raises(SystemExit):
        main(["enhance", str(src), "--encoder", "av1"])
    assert list(tmp_path.iterdir()) == []


def test_preset_none_is_accepted(src, tmp_path):
    assert main(["enhance", str(src), "-o", str(tmp_path / "o.mkv"), *FAST, "-q"]) == 0


def test_nvenc_request_without_nvenc(src, tmp_path, capsys):
    if probe_encoder(find_ffmpeg(), ENCODERS["nvenc-hevc"]) is None:
        pytest.skip("NVENC works here")
    assert main(["enhance", str(src), "-o", str(tmp_path / "o.mkv"), "--encoder", "nvenc-hevc"]) == 1
    assert "does not work on this machine" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_vfr_needs_cfr(tmp_path, capsys):
    from _media import run_ffmpeg

    vfr = tmp_path / "vfr.mkv"
    run_ffmpeg("-f", "lavfi", "-i", "testsrc2=s=64x36:r=24", "-frames:v", "12", "-vf", "setpts='(N+floor(N/4))/24/TB'",
               "-fps_mode", "passthrough", "-c:v", "libx264", "-preset", "ultrafast", "-y", str(vfr))
    assert main(["enhance", str(vfr), "-o", str(tmp_path / "o.mkv")]) == 1
    assert "variable frame rate" in capsys.readouterr().err
    assert main(["enhance", str(vfr), "-o", str(tmp_path / "o.mkv"), "--cfr", "24", *FAST, "-q"]) == 0
    assert probe(tmp_path / "o.mkv").fps == 24


def test_console_script_and_make_sample(tmp_path):
    """The `make demo` path: scripts/make_sample.py, then the installed `ainimotion` command."""
    sample = tmp_path / "sample" / "sample.mkv"
    subprocess.run([sys.executable, str(REPO / "scripts" / "make_sample.py"), str(sample), "--seconds", "2", "--size", "320x180"],
                   check=True, capture_output=True)
    info = probe(sample)
    assert info.fps == Fraction(24000, 1001) and info.num_frames == 48 and info.chapters == 2
    assert [s.kind for s in info.streams] == ["audio", "subtitle"]
    exe = Path(sys.executable).with_name("ainimotion")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "ainimotion_vs"]
    done = subprocess.run([*cmd, "enhance", str(sample), "--out", str(tmp_path / "e.mkv"), *FAST], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and "frames 48 in -> 48 out" in done.stderr
    assert "48/48 frames" in done.stderr  # plain progress lines when stderr is not a terminal
