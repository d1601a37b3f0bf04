"""probe / open_source / clip ranges on real files made by ffmpeg, and every bad-input path."""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from _media import make_audio_only, make_video, run_ffmpeg
from ainimotion_vs.errors import MediaError, UnsupportedFormatError
from ainimotion_vs.media import open_source, open_span, parse_clip_range, probe


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="module")
def mkv8(media) -> Path:
    return make_video(media / "src 8bit ソース.mkv")


@pytest.fixture(scope="module")
def long_audio(media) -> Path:
    return make_video(media / "long_audio.mkv", frames=12, fps="24", subtitles=False, chapters=False, attachment=False, audio_seconds=2.0)


def test_probe_reads_streams_rate_and_frames(mkv8):
    info = probe(mkv8)
    assert (info.width, info.height, info.num_frames) == (320, 180, 48)
    assert info.fps == Fraction(24000, 1001) and not info.vfr
    assert (info.pix_fmt, info.bit_depth, info.codec) == ("yuv420p", 8, "h264")
    assert [s.kind for s in info.streams] == ["audio", "subtitle", "attachment"]
    audio = info.kind("audio")[0]
    assert audio.codec == "aac" and abs(float(audio.end) - 48 * 1001 / 24000) < 0.03
    assert info.chapters == 2
    assert abs(float(info.video_end - info.video_start) - 48 * 1001 / 24000) < 1e-3  # Matroska stores ms


def test_probe_ten_bit(media):
    info = probe(make_video(media / "ten.mkv", frames=6, pix_fmt="yuv420p10le", audio=None, subtitles=False, chapters=False, attachment=False))
    assert (info.pix_fmt, info.bit_depth) == ("yuv420p10le", 10)


@pytest.mark.parametrize(
    ("text", "fps", "n", "want"),
    [
        ("1200-1680", Fraction(24000, 1001), None, (1200, 1680)),
        ("0-1", 24, None, (0, 1)),
        ("00:00:01-00:00:02", 24, None, (24, 48)),
        ("00:10:00-00:10:20", Fraction(24000, 1001), None, (14385, 14866)),
        ("0:01-0:02.5", 24, None, (24, 60)),
        ("1.5-2s", 24, None, (36, 48)),
        ("10-", 24, 48, (10, 48)),
    ],
    ids=["frames", "one-frame", "hms", "hms-ntsc", "ms", "seconds", "open-end"],
)
def test_parse_clip_range(text, fps, n, want):
    assert parse_clip_range(text, fps, num_frames=n) == want


@pytest.mark.parametrize(
    ("text", "n", "match"),
    [
        ("1200", None, "must be START-END"),
        ("a-b", None, "is not START-END"),
        ("00:61:00-00:62:00", None, "is not START-END"),
        ("30-10", None, "is empty"),
        ("10-10", None, "is empty"),
        ("10-", None, "has no end"),
        ("0-100", 48, "ends at frame 100 but the video has only 48 frames"),
    ],
    ids=["no-dash", "words", "bad-minutes", "reversed", "empty", "open-no-count", "past-end"],
)
def test_parse_clip_range_errors(text, n, match):
    with pytest.raises(UnsupportedFormatError, match=match):
        parse_clip_range(text, 24, num_frames=n)


def test_open_span_frame_accurate(mkv8, core):
    clip, span = open_span(mkv8, clip_range="10-30")
    assert clip.num_frames == 20 and (span.start, span.end) == (10, 30)
    # the span's times are the stored timestamps (Matroska: whole milliseconds)
    assert abs(span.start_time - Fraction(10 * 1001, 24000)) < Fraction(1, 1000)
    assert abs(span.duration - Fraction(20 * 1001, 24000)) < Fraction(1, 1000)
    full = open_source(mkv8)
    diff = core.std.PlaneStats(clip[0], full[10]).get_frame(0).props["PlaneStatsDiff"]
    assert diff == 0
    assert full.num_frames == 48 and full.fps == Fraction(24000, 1001)


def test_open_span_time_range(mkv8):
    clip, span = open_span(mkv8, clip_range="00:00:00.5-00:00:01")
    assert (span.start, span.end) == (11, 24) and clip.num_frames == 13


def test_open_span_bad_range(mkv8):
    with pytest.raises(UnsupportedFormatError, match="ends at frame 99"):
        open_span(mkv8, clip_range="0-99")
    with pytest.raises(UnsupportedFormatError, match="must satisfy 0 <= start < end <= 48"):
        open_span(mkv8, clip_range=(40, 60))


def test_open_ten_bit_stays_ten_bit(media):
    clip = open_source(media / "ten.mkv") if (media / "ten.mkv").exists() else None
    if clip is None:
        pytest.skip("ten.mkv is made by test_probe_ten_bit")
    assert clip.format.bits_per_sample == 10


# ---------------------------------------------------------------- bad inputs


def test_missing_file(tmp_path):
    with pytest.raises(MediaError, match="input file not found"):
        probe(tmp_path / "nope.mkv")


def test_folder(tmp_path):
    with pytest.raises(MediaError, match="is a folder"):
        probe(tmp_path)


def test_empty_file(tmp_path):
    (tmp_path / "empty.mkv").write_bytes(b"")
    with pytest.raises(MediaError, match="empty"):
        probe(tmp_path / "empty.mkv")


def test_text_file(tmp_path):
    p = tmp_path / "notes.mkv"
    p.write_text("this is not a video\n" * 40)
    with pytest.raises(MediaError, match="not a media file FFmpeg can read"):
        probe(p)


def test_truncated_mkv(mkv8, tmp_path):
    data = mkv8.read_bytes()
    p = tmp_path / "cut.mkv"
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises(MediaError, match=r"is truncated: its video stream says it lasts until 2\.00 s but the file ends at"):
        probe(p)


def test_truncated_mp4(media, tmp_path):
    src = make_video(media / "t.mp4", frames=24, subtitles=False, chapters=False)
    data = src.read_bytes()
    p = tmp_path / "cut.mp4"
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises(MediaError, match="not a media file FFmpeg can read|is truncated"):
        probe(p)


def test_audio_only(tmp_path):
    with pytest.raises(MediaError, match=r"has no video stream \(it has: audio \(aac\)\)"):
        probe(make_audio_only(tmp_path / "a.m4a"))


def test_unknown_video_codec(long_audio, tmp_path):
    # same-length rename of the Matroska CodecID: a stream FFmpeg cannot identify or decode
    data = long_audio.read_bytes()
    assert data.count(b"V_MPEG4/ISO/AVC") == 1
    p = tmp_path / "unknown.mkv"
    p.write_bytes(data.replace(b"V_MPEG4/ISO/AVC", b"V_MPEG4/ISO/XYZ"))
    with pytest.raises(MediaError, match="codec is unknown to FFmpeg"):
        probe(p)


def test_zero_frames(long_audio, tmp_path):
    p = tmp_path / "zero.mkv"
    run_ffmpeg("-i", str(long_audio), "-c", "copy", "-bsf:v", "noise=drop=1", "-y", str(p))
    with pytest.raises(MediaError, match="no video frames"):
        probe(p)


def test_variable_frame_rate_refused_then_converted(tmp_path):
    p = tmp_path / "vfr.mkv"
    run_ffmpeg("-f", "lavfi", "-i", "testsrc2=s=64x36:r=24", "-frames:v", "24", "-vf", "setpts='(N+floor(N/4))/24/TB'",
               "-fps_mode", "passthrough", "-c:v", "libx264", "-preset", "ultrafast", "-y", str(p))
    info = probe(p)
    assert info.vfr
    with pytest.raises(MediaError, match="variable frame rate.*--cfr"):
        open_source(info)
    clip, span = open_span(info, fps="24")
    assert clip.fps == 24 and span.forced_fps
    assert clip.num_frames == 29  # 24 frames spread over 29 frame periods: repeats fill the gaps


def test_odd_dimensions_refused(tmp_path):
    p = tmp_path / "odd.mkv"
    run_ffmpeg("-f", "lavfi", "-i", "color=s=65x37:r=24", "-frames:v", "3", "-c:v", "ffv1", "-pix_fmt", "yuv420p", "-y", str(p))
    with pytest.raises(UnsupportedFormatError, match="65x37 yuv420p; subsampled chroma needs even dimensions.*crop=64:36"):
        open_source(p)
