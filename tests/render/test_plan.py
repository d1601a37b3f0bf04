"""The ffmpeg argument plan and the subtitle/chapter cutting: pure functions, no processes."""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from ainimotion_vs.errors import UnsupportedFormatError
from ainimotion_vs.ffmpeg import ENCODERS
from ainimotion_vs.media import MediaInfo, SourceSpan, StreamInfo
from ainimotion_vs.render.plan import MAX_MKV_FPS, VideoFacts, build_copy_plan, build_plan, check_options
from ainimotion_vs.render.sidecar import Sidecars, cut_ass, cut_chapters

FPS = Fraction(24)


def _info(streams=(), *, frames=48, chapters=()) -> MediaInfo:
    return MediaInfo(
        path=Path("/media/file:x.mkv"), container="matroska,webm", duration=frames / FPS, video_index=0, codec="h264",
        width=320, height=180, pix_fmt="yuv420p", bit_depth=8, fps=FPS, vfr=False, num_frames=frames,
        frame_times=tuple(Fraction(n) / FPS for n in range(frames)), streams=tuple(streams), chapters=len(chapters),
        chapter_marks=tuple(chapters),
    )


def _facts(frames=48, fps=FPS) -> VideoFacts:
    return VideoFacts(width=320, height=180, num_frames=frames, fps=fps, bits=8, pix_fmt="yuv420p")


def _plan(info, muxer="matroska", *, start=0, end=None, sidecars=None):
    end = info.num_frames if end is None else end
    span = SourceSpan(info=info, start=start, end=end, fps=FPS)
    return build_plan("ffmpeg", ENCODERS["x264"], _facts(end - start), span, "/out/.o.part.mkv", muxer,
                      crf=None, encoder_preset=None, func="render", sidecars=sidecars)


AAC = dict(kind="audio", codec="aac", packets=10, max_packet_duration=Fraction(1024, 48000))


def test_paths_go_to_ffmpeg_as_files_not_protocols():
    argv = _plan(_info()).argv
    # "file:x.mkv" would otherwise be read as the file protocol on "x.mkv"
    assert "file:/media/file:x.mkv" in argv and argv[-1] == "file:/out/.o.part.mkv"


def test_audio_with_priming_is_copied_but_audio_before_the_video_is_reencoded():
    # AAC priming: one 1024-sample packet before zero, decoded away: a copy stays in sync
    primed = StreamInfo(index=1, start=-Fraction(1024, 48000), end=Fraction(2), **AAC)
    early = StreamInfo(index=2, start=-Fraction(3, 10), end=Fraction(2), **AAC)  # a stream-copy cut / -itsoffset
    plan = _plan(_info([primed, early]))
    argv = " ".join(plan.argv)
    assert "-c:a:0 copy" in argv and "-c:a:1 flac" in argv
    assert plan.audio == ((1, True), (2, False))
    assert plan.notes == ("audio stream #2 starts 0.300 s before the first video frame; it is re-encoded from the first frame to stay in sync",)


def test_conversions_and_drops_are_said_once_in_words():
    streams = [
        StreamInfo(index=1, kind="subtitle", codec="ass"),
        StreamInfo(index=2, kind="cover", codec="mjpeg"),
        StreamInfo(index=3, kind="data", codec="none"),
    ]
    plan = _plan(_info(streams), "mp4")
    assert plan.notes == (
        "subtitle stream #1 (ass) becomes MP4 text (mov_text): styles and positions are lost; write .mkv to keep it as it is",
        "cover art (stream #2, mjpeg) is not carried",
        "data stream #3 (none, a timecode track) is not carried",
    )
    assert _plan(_info(streams[:1])).notes == ()  # MKV keeps ASS as it is: nothing to say


def test_a_part_takes_cut_subtitles_and_chapters_from_sidecars():
    info = _info([StreamInfo(index=1, kind="subtitle", codec="ass", language="jpn")], chapters=[(Fraction(0), Fraction(2), "A")])
    side = Sidecars(subtitles={1: Path("/tmp/s.ass")}, chapters=Path("/tmp/c.ffmeta"))
    argv = _plan(info, start=24, end=36, sidecars=side).argv
    text = " ".join(argv)
    assert "-ss 1.000000 -t 0.500000 -i file:/media/file:x.mkv -i file:/tmp/s.ass -i file:/tmp/c.ffmeta" in text
    assert "-map 2:0 -c:s:0 ass -metadata:s:s:0 language=jpn" in text and "-map_chapters 3" in text


@pytest.mark.parametrize(
    ("encoder", "crf", "preset", "muxer", "fps", "match"),
    [
        ("ffv1", 18, None, "matroska", FPS, "encoder ffv1 is lossless and takes no crf; leave --crf out"),
        ("x264", 60, None, "matroska", FPS, r"crf 60 is outside 0\.\.51"),
        ("ffv1", None, "slow", "matroska", FPS, "ffv1 has no presets"),
        ("ffv1", None, None, "mp4", FPS, "ffv1 video cannot go in mp4; write .mkv"),
        ("x264", None, None, "matroska", MAX_MKV_FPS + 1, r"1001 fps does not fit Matroska.*write \.mp4 or \.mov"),
    ],
    ids=["crf-lossless", "crf-range", "no-presets", "container", "mkv-rate"],
)
def test_check_options(encoder, crf, preset, muxer, fps, match):
    with pytest.raises(UnsupportedFormatError, match=match):
        check_options(ENCODERS[encoder], crf, preset, muxer, _facts(fps=fps), "render")


def test_2000_fps_fits_mp4():
    check_options(ENCODERS["x264"], None, None, "mp4", _facts(fps=Fraction(2000)), "render")


ASS = """[Events]
Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
Dialogue: 0,0:00:00.50,0:00:02.00,Default,,0,0,0,,Already on screen
Dialogue: 0,0:00:01.80,0:00:02.20,Default,,0,0,0,,Inside, with a comma
Comment: 0,0:00:00.10,0:00:00.20,Default,,0,0,0,,Before
Dialogue: 0,0:00:02.40,0:00:02.90,Default,,0,0,0,,Crosses the end
"""


def test_cut_ass_keeps_what_is_on_screen_during_the_span():
    got = cut_ass(ASS, Fraction(1), Fraction(5, 2)).splitlines()
    assert got[:2] == ASS.splitlines()[:2]  # headers untouched
    assert got[2:] == [
        "Dialogue: 0,0:00:00.00,0:00:01.00,Default,,0,0,0,,Already on screen",  # the remaining second, not dropped
        "Dialogue: 0,0:00:00.80,0:00:01.20,Default,,0,0,0,,Inside, with a comma",
        "Dialogue: 0,0:00:01.40,0:00:01.50,Default,,0,0,0,,Crosses the end",  # ends with the span
    ]


def test_cut_chapters_trims_to_the_span():
    marks = [(Fraction(0), Fraction(3, 2), "One"), (Fraction(3, 2), Fraction(3), "Two; = part"), (Fraction(3), Fraction(4), "Three")]
    assert cut_chapters(marks, Fraction(1), Fraction(5, 2)).splitlines() == [
        ";FFMETADATA1",
        "[CHAPTER]", "TIMEBASE=1/1000", "START=0", "END=500", "title=One",
        "[CHAPTER]", "TIMEBASE=1/1000", "START=500", "END=1500", r"title=Two\; \= part",
    ]


def test_copy_plan_carries_the_same_streams_as_an_encode():
    info = _info([StreamInfo(index=1, start=Fraction(0), end=Fraction(2), **AAC), StreamInfo(index=2, kind="subtitle", codec="subrip")])
    span = SourceSpan(info=info, start=0, end=48, fps=FPS)
    enc = build_plan("ffmpeg", ENCODERS["x265"], _facts(), span, "/o.mp4", "mp4", crf=None, encoder_preset=None, func="render")
    copy = build_copy_plan("ffmpeg", ["-f", "concat", "-safe", "0", "-i", "l.txt"], ENCODERS["x265"], span, "/o.mp4", "mp4", func="render")
    assert (copy.audio, copy.subtitles, copy.notes) == (enc.audio, enc.subtitles, enc.notes)
    after = copy.argv.index("copy")  # everything after the video codec choice is the same stream handling
    assert copy.argv[after + 1:] == enc.argv[enc.argv.index("-tag:v"):]
    assert copy.argv[:12] == ["ffmpeg", "-hide_banner", "-nostdin", "-nostats", "-loglevel", "error",
                              "-f", "concat", "-safe", "0", "-i", "l.txt"]
