"""The ffmpeg argument plan: pure functions of the clip's facts, the source span and the
encoder choice (no processes, no files written), so every decision is testable alone.

Audio decisions: for the whole source, audio is copied (cut at the video's end, to the
nearest audio packet). For a part of it (``--clip``), audio is re-encoded so that it
starts and ends on the exact sample of the first and last frame: to FLAC in MKV
(lossless), to AAC (96 kb/s per channel) in MP4/MOV. Audio that starts before the first
video frame (an edit list, a negative offset) is re-encoded from the video's start, so
the two stay in sync; audio that starts after it keeps its delay. Subtitles are copied;
for a part they are re-timed by ffmpeg (an event already on screen at the start keeps
its remaining time; chapters are cut the same way: see :mod:`.sidecar`). MP4 gets text subtitles as ``mov_text``; bitmap subtitles and
attachments (fonts) need MKV. Whatever is converted or left out is said once, in words
(:attr:`Plan.notes`).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from ..errors import EncodeError, UnsupportedFormatError
from ..ffmpeg import EncoderSpec, ffmpeg_input
from .sidecar import TEXT_SUBTITLES, Sidecars

if TYPE_CHECKING:  # pragma: no cover
    import vapoursynth as vs

    from ..media import SourceSpan

__all__ = ["CONTAINERS", "MAX_MKV_FPS", "VideoFacts", "Plan", "pix_fmt", "pix_fmt_from_name", "check_options", "build_plan", "build_copy_plan"]

CONTAINERS: dict[str, str] = {".mkv": "matroska", ".mp4": "mp4", ".m4v": "mp4", ".mov": "mov"}
"""Output file suffix -> ffmpeg muxer."""

MAX_MKV_FPS = Fraction(1000)
"""Matroska stores whole milliseconds (ffmpeg's muxer: time base 1/1000): above 1000 fps two
frames share a timestamp. Higher rates need MP4/MOV (time base chosen from the rate)."""

_MP4_AUDIO = frozenset({"aac", "mp3", "ac3", "eac3", "opus", "flac", "alac", "mp2", "dts", "truehd"})
_STALE_TAGS = (
    "BPS", "DURATION", "NUMBER_OF_FRAMES", "NUMBER_OF_BYTES",
    "_STATISTICS_TAGS", "_STATISTICS_WRITING_APP", "_STATISTICS_WRITING_DATE_UTC",
)
_AAC_KBPS_PER_CHANNEL = 96
_SUBSAMPLING = {(1, 1): "420", (1, 0): "422", (0, 0): "444", (2, 0): "411", (0, 1): "440", (2, 2): "410"}


@dataclass(frozen=True, kw_only=True)
class VideoFacts:
    """What the renderer needs to know about the y4m it sends: taken from the clip."""

    width: int
    height: int
    num_frames: int
    fps: Fraction
    bits: int
    pix_fmt: str
    """ffmpeg pixel format of the y4m (and of the output)."""
    filters: tuple[str, ...] = ()
    """ffmpeg video filters that set colour tags and aspect ratio from the frame props."""

    @property
    def duration(self) -> Fraction:
        """Length in seconds."""
        return self.num_frames / self.fps


@dataclass(frozen=True, kw_only=True)
class Plan:
    """One ffmpeg run: its argv and what the output will hold."""

    argv: list[str]
    audio: tuple[tuple[int, bool], ...] = ()
    """(source stream index, copied?) per output audio stream."""
    subtitles: int = 0
    attachments: int = 0
    notes: tuple[str, ...] = ()
    """What is converted or left out, in words, to say once."""


def pix_fmt(clip: vs.VideoNode, func: str) -> tuple[str, int]:
    """``(ffmpeg pixel format, bits)`` of an integer YUV/GRAY clip as y4m."""
    import vapoursynth as vs

    fmt = clip.format
    if fmt.sample_type != vs.INTEGER or fmt.color_family not in (vs.YUV, vs.GRAY):
        raise UnsupportedFormatError(
            f"{func}: clip must be integer YUV or GRAY to leave as y4m; got {fmt.name}. Convert it first, e.g. "
            "core.resize.Bicubic(clip, format=vs.YUV420P10, matrix_s='709')."
        )
    bits = fmt.bits_per_sample
    suffix = "" if bits == 8 else f"{bits}le"
    if fmt.color_family == vs.GRAY:
        return ("gray" if bits == 8 else f"gray{suffix}"), bits
    sub = _SUBSAMPLING.get((fmt.subsampling_w, fmt.subsampling_h))
    if sub is None:
        raise UnsupportedFormatError(f"{func}: chroma subsampling of {fmt.name} has no y4m/ffmpeg equivalent; use 4:2:0, 4:2:2 or 4:4:4.")
    if clip.width % (1 << fmt.subsampling_w) or clip.height % (1 << fmt.subsampling_h):
        raise UnsupportedFormatError(
            f"{func}: {fmt.name} needs width a multiple of {1 << fmt.subsampling_w} and height of {1 << fmt.subsampling_h}; "
            f"got {clip.width}x{clip.height}. Crop or pad the clip (core.std.Crop / core.std.AddBorders)."
        )
    return f"yuv{sub}p{suffix}", bits


def pix_fmt_from_name(name: str, bits: int, func: str) -> str:
    """ffmpeg pixel format for a VapourSynth format name (``vspipe --info``)."""
    suffix = "" if bits == 8 else f"{bits}le"
    if name.startswith("Gray"):
        return "gray" + suffix
    for sub in ("420", "422", "444", "411", "440", "410"):
        if name.startswith(f"YUV{sub}P"):
            return f"yuv{sub}p{suffix}"
    raise UnsupportedFormatError(f"{func}: script output format {name} cannot leave as y4m; convert it to integer YUV or GRAY.")


def check_options(
    spec: EncoderSpec, crf: float | None, encoder_preset: str | None, muxer: str, facts: VideoFacts | None, func: str
) -> None:
    """Refuse encoder options the encoder or container cannot take, saying what to change."""
    if crf is not None:
        if spec.quality_range is None:
            raise UnsupportedFormatError(f"{func}: encoder {spec.name} is lossless and takes no crf; leave --crf out.")
        lo, hi = spec.quality_range
        if not lo <= crf <= hi:
            raise UnsupportedFormatError(f"{func}: crf {crf:g} is outside {lo:g}..{hi:g} for {spec.name}; lower is better quality.")
    if encoder_preset is not None:
        if not spec.presets:
            raise UnsupportedFormatError(f"{func}: encoder {spec.name} has no presets; leave --encoder-preset out.")
        if encoder_preset not in spec.presets:
            raise UnsupportedFormatError(
                f"{func}: encoder preset {encoder_preset!r} is not one of {spec.name}'s: {', '.join(spec.presets)}."
            )
    if muxer not in spec.containers:
        raise UnsupportedFormatError(f"{func}: {spec.name} video cannot go in {muxer}; write .mkv instead.")
    if facts is not None and muxer == "matroska" and facts.fps > MAX_MKV_FPS:
        raise UnsupportedFormatError(
            f"{func}: {float(facts.fps):g} fps does not fit Matroska, which stores whole milliseconds "
            f"(at most {MAX_MKV_FPS} fps); write .mp4 or .mov, or choose a lower rate."
        )


def _secs(t: Fraction) -> str:
    return f"{float(t):.6f}"


def _stream_args(span: SourceSpan, muxer: str, func: str, sidecars: Sidecars | None) -> tuple[list[str], list[str], Plan]:
    """Input options for the source (input 1) and its sidecar files (inputs 2...), and the
    output map/codec options for the streams."""
    info = span.info
    extra: list[str] = []  # "-i FILE" of the sidecar inputs, numbered from 2

    def side_input(path) -> int:
        extra.extend(["-i", ffmpeg_input(path)])
        return 1 + len(extra) // 2
    cut = not span.is_whole
    t0 = span.start_time
    inp: list[str] = []
    if t0 > 0:
        inp += ["-ss", _secs(t0)]
    inp += ["-t", _secs(span.duration)]
    out: list[str] = []
    audio: list[tuple[int, bool]] = []
    notes: list[str] = []
    n_sub = n_att = 0
    mp4 = muxer in ("mp4", "mov")
    for s in info.streams:
        if s.kind == "audio":
            i = len(audio)
            out += ["-map", f"1:{s.index}"]
            # audio that begins before the first frame cannot be copied in sync: a copy keeps
            # its whole first packet, and MP4 players honour or ignore the edit list that would
            # hide it. Encoder priming (AAC: one 1024-sample packet before zero, decoded away) is
            # within one packet and one frame, the slack the output check gives a copy.
            early = s.start is not None and s.start < t0 - s.max_packet_duration - 1 / span.fps
            copy = not cut and not early
            if copy:
                if mp4 and s.codec not in _MP4_AUDIO:
                    raise EncodeError(
                        f"{func}: audio stream #{s.index} is {s.codec}, which MP4 cannot carry; write .mkv instead."
                    )
                out += [f"-c:a:{i}", "copy"]
            elif mp4:
                out += [f"-c:a:{i}", "aac", f"-b:a:{i}", f"{_AAC_KBPS_PER_CHANNEL * 2}k"]
            else:
                out += [f"-c:a:{i}", "flac"]
            if early and not cut:
                notes.append(
                    f"audio stream #{s.index} starts {float(t0 - s.start):.3f} s before the first video frame; "
                    "it is re-encoded from the first frame to stay in sync"
                )
            audio.append((s.index, copy))
        elif s.kind == "subtitle":
            if mp4:
                if s.codec not in TEXT_SUBTITLES:
                    raise EncodeError(
                        f"{func}: subtitle stream #{s.index} is {s.codec} (bitmap), which MP4 cannot carry; write .mkv instead."
                    )
                codec = "mov_text"
                if s.codec != "mov_text":
                    what = "styles and positions are lost" if s.codec in ("ass", "ssa") else "formatting is simplified"
                    notes.append(f"subtitle stream #{s.index} ({s.codec}) becomes MP4 text (mov_text): {what}; write .mkv to keep it as it is")
            else:
                codec = "srt" if s.codec in ("mov_text", "text") else "copy"
            if sidecars is not None and s.index in sidecars.subtitles:
                # the cut ASS file (see sidecar): back to the stream's own format
                if codec == "copy":
                    codec = "ass" if s.codec in ("ass", "ssa") else ("webvtt" if s.codec == "webvtt" else "srt")
                k = side_input(sidecars.subtitles[s.index])
                # (a per-stream -map_metadata would turn off ffmpeg's copying of every other
                # stream's tags, attachments' file names included: set the language instead)
                out += ["-map", f"{k}:0", f"-c:s:{n_sub}", codec]
                if s.language:
                    out += [f"-metadata:s:s:{n_sub}", f"language={s.language}"]
            else:
                out += ["-map", f"1:{s.index}", f"-c:s:{n_sub}", codec]
                if cut:
                    # a bitmap stream is copied by packets: an image already on screen at the
                    # start cannot be cut, and is dropped rather than shifting the whole stream
                    out += [f"-copypriorss:s:{n_sub}", "0"]
                    notes.append(
                        f"subtitle stream #{s.index} ({s.codec}, pictures) is cut at its packets: "
                        "a subtitle already on screen at the clip's start is left out"
                    )
            n_sub += 1
        elif s.kind == "attachment":
            if mp4:
                raise EncodeError(
                    f"{func}: the source has attachments (fonts for its subtitles) that MP4 cannot carry; write .mkv instead."
                )
            out += ["-map", f"1:{s.index}"]
            n_att += 1
        elif s.kind == "cover":
            notes.append(f"cover art (stream #{s.index}, {s.codec}) is not carried")
        elif s.kind == "video":
            notes.append(f"video stream #{s.index} ({s.codec}) is not carried: only the first video stream is enhanced")
        else:
            notes.append(f"data stream #{s.index} ({s.codec}{', a timecode track' if s.codec in ('none', 'tmcd') else ''}) is not carried")
    if n_att:
        out += ["-c:t", "copy"]
    if not info.chapters:
        chapters = "-1"
    elif sidecars is not None and sidecars.chapters is not None:
        chapters = str(side_input(sidecars.chapters))
    else:
        chapters = "1"
    out += ["-map_chapters", chapters, "-map_metadata", "1"]
    for tag in _STALE_TAGS:
        for lang in ("", "-eng"):
            out += ["-metadata:s", f"{tag}{lang}="]
    return [*inp, "-i", ffmpeg_input(info.path), *extra], out, Plan(
        argv=[], audio=tuple(audio), subtitles=n_sub, attachments=n_att, notes=tuple(notes)
    )


def _head(ffmpeg_path: str) -> list[str]:
    return [ffmpeg_path, "-hide_banner", "-nostdin", "-nostats", "-loglevel", "error"]


def _tail(argv: list[str], spec: EncoderSpec, muxer: str, stream_out: list[str], tmp) -> list[str]:
    if muxer in ("mp4", "mov") and spec.codec in ("libx265", "hevc_nvenc"):
        argv += ["-tag:v", "hvc1"]
    argv += ["-disposition:v:0", "default", *stream_out, "-max_muxing_queue_size", "4096"]
    if muxer in ("mp4", "mov"):
        argv += ["-movflags", "+faststart"]
    return argv + ["-f", muxer, "-y", ffmpeg_input(tmp)]


def _source_streams(span: SourceSpan | None, muxer: str, func: str, sidecars: Sidecars | None) -> tuple[list[str], list[str], Plan]:
    if span is None:
        return [], ["-map_metadata", "-1", "-map_chapters", "-1"], Plan(argv=[])
    return _stream_args(span, muxer, func, sidecars)


def build_plan(
    ffmpeg_path: str, spec: EncoderSpec, facts: VideoFacts, span: SourceSpan | None, tmp: os.PathLike[str] | str, muxer: str, *,
    crf: float | None, encoder_preset: str | None, func: str, sidecars: Sidecars | None = None,
) -> Plan:
    """The whole ffmpeg command: y4m on stdin (input 0), the source file (input 1) for its
    other streams, subtitles and chapters cut to a part (``sidecars``, inputs 2...), the
    encoder options, and the temporary output ``tmp``."""
    inp, stream_out, streams = _source_streams(span, muxer, func, sidecars)
    argv = [*_head(ffmpeg_path), "-f", "yuv4mpegpipe", "-i", "pipe:0", *inp, "-map", "0:v:0"]
    if facts.filters:
        argv += ["-vf", ",".join(facts.filters)]
    q = spec.default_quality if crf is None else crf
    argv += ["-c:v", spec.codec]
    argv += [a.format(q=f"{q:g}") for a in spec.quality_args]
    preset = encoder_preset or spec.default_preset
    if preset:
        argv += ["-preset", preset]
    argv += [*spec.extra_args, "-pix_fmt", facts.pix_fmt, "-r", f"{facts.fps.numerator}/{facts.fps.denominator}"]
    argv = _tail(argv, spec, muxer, stream_out, tmp)
    return Plan(argv=argv, audio=streams.audio, subtitles=streams.subtitles, attachments=streams.attachments, notes=streams.notes)


def build_copy_plan(
    ffmpeg_path: str, video_input: list[str], spec: EncoderSpec, span: SourceSpan | None, tmp: os.PathLike[str] | str, muxer: str, *,
    func: str, sidecars: Sidecars | None = None,
) -> Plan:
    """Like :func:`build_plan` for video already encoded with ``spec``: input 0 is given by
    ``video_input`` (e.g. ``["-f", "concat", "-safe", "0", "-i", LIST]``) and its video is
    copied; the source's streams are carried exactly as :func:`build_plan` carries them."""
    inp, stream_out, streams = _source_streams(span, muxer, func, sidecars)
    argv = [*_head(ffmpeg_path), *video_input, *inp, "-map", "0:v:0", "-c:v", "copy"]
    argv = _tail(argv, spec, muxer, stream_out, tmp)
    return Plan(argv=argv, audio=streams.audio, subtitles=streams.subtitles, attachments=streams.attachments, notes=streams.notes)
