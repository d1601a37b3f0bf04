"""Damaged, truncated and variable-rate files: the probe says which, and what was read."""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from _media import run_ffmpeg
from ainimotion_vs.errors import MediaError
from ainimotion_vs.media import open_span, probe, suggest_cfr


@pytest.fixture(scope="module")
def three_s(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("damage")
    out = {}
    for ext in ("mkv", "mp4"):
        out[ext] = folder / f"a.{ext}"
        run_ffmpeg("-f", "lavfi", "-i", "testsrc2=s=320x180:r=24", "-f", "lavfi", "-i", "sine=r=48000", "-t", "3",
                   "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-y", str(out[ext]))
    return out


def _overwrite_spots(data: bytes, *, start: float, end: float, spots: int = 20, size: int = 200) -> bytes:
    """``data`` with ``spots`` runs of ``size`` bytes overwritten (a fixed pattern, not random:
    the same damage every run) between fractions ``start`` and ``end`` of the file."""
    d = bytearray(data)
    for k in range(spots):
        pos = int(len(d) * (start + (end - start) * k / spots))
        d[pos : pos + size] = bytes((37 * i + k) % 256 for i in range(size))
    return bytes(d)


def test_garbage_inside_an_mkv_is_damage_not_truncation(three_s, tmp_path):
    p = tmp_path / "damaged.mkv"
    p.write_bytes(_overwrite_spots(three_s["mkv"].read_bytes(), start=0.25, end=0.75))
    with pytest.raises(MediaError, match=r"damaged.mkv is damaged: its video stream says it lasts until 3\.0\d s but reading "
                                         r"stopped at \d\.\d\d s \(\d+ video frames\), with [\d,]+ bytes after that unreadable"):
        probe(p)


@pytest.mark.parametrize("keep", [0.1, 0.5, 0.9])
def test_a_cut_mkv_is_truncated(three_s, tmp_path, keep):
    data = three_s["mkv"].read_bytes()
    p = tmp_path / "cut.mkv"
    p.write_bytes(data[: int(len(data) * keep)])
    # a 90% cut loses 0.3 s: still called truncated (not "variable frame rate", not accepted)
    with pytest.raises(MediaError, match=r"cut.mkv is truncated: its (video|audio) stream says it lasts until 3\.0\d s but the file ends at"):
        probe(p)


def test_undecodable_frames_in_an_mp4_are_damage(three_s, tmp_path):
    p = tmp_path / "damaged.mp4"
    # overwrite bytes inside the media data only (moov is at the end: the index stays readable)
    p.write_bytes(_overwrite_spots(three_s["mp4"].read_bytes(), start=0.25, end=0.75))
    info = probe(p)
    assert info.num_frames == 72
    with pytest.raises(MediaError, match=r"damaged.mp4 is damaged: \d+ of the 72 video frames its container lists decode"):
        open_span(info)


def _vfr(path: Path, pts: str, frames: int) -> Path:
    run_ffmpeg("-f", "lavfi", "-i", "testsrc2=s=64x36:r=24", "-frames:v", str(frames), "-vf", f"settb=1/1000,setpts='{pts}'",
               "-fps_mode", "passthrough", "-enc_time_base", "1/1000", "-c:v", "libx264", "-preset", "ultrafast", "-y", str(path))
    return path


@pytest.mark.parametrize(
    ("pts", "frames", "average", "cfr"),
    [
        # 24 frames at 24 fps, then 30 at 30 fps: 53 intervals in 1 + 29/30 s = 26.949 fps; Matroska
        # stores whole milliseconds, so the span reads 1.966..1.967 s: 26.945..26.958 fps
        ("if(lt(N,24),N/24,1+(N-24)/30)/TB", 54, r"26\.9[45]\d", "30000/1001"),
        # 12 frames at 24 fps, then 7 at 12 fps: 18 intervals in 0.5 + 6/12 s = 18 fps
        ("if(lt(N,12),N/24,0.5+(N-12)/12)/TB", 19, r"18\.000", "24000/1001"),
    ],
    ids=["27-average", "low-average"],
)
def test_vfr_message_gives_the_true_average_and_a_common_rate(tmp_path, pts, frames, average, cfr):
    info = probe(_vfr(tmp_path / "vfr.mkv", pts, frames))
    assert info.vfr
    with pytest.raises(MediaError, match=rf"variable frame rate \({frames} frames, .* true average {average} fps\).*--cfr {cfr} "):
        open_span(info)
    # the suggestion drops no frame: at or above the fastest run of frames
    assert suggest_cfr(info) == Fraction(cfr)
    clip, span = open_span(info, fps=cfr)
    assert clip.num_frames >= frames
