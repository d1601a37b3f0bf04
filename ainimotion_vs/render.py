"""Render a clip: y4m out of VapourSynth into ffmpeg, with the source's other streams.

:func:`render` writes ``clip`` (any size, rate and integer YUV/GRAY format) as y4m into
ffmpeg's stdin from a thread, and has ffmpeg take every audio, subtitle and attachment
stream, the chapters and the metadata from the source file. :func:`render_script` does
the same with ``vspipe -c y4m script.vpy -``. Both:

- write to a temporary name in the destination folder and rename it when complete; on any
  failure or Ctrl-C the temporary file is removed and nothing is left under the
  destination name. The source is never overwritten; an existing output needs
  ``overwrite=True``;
- check both exit codes (VapourSynth/vspipe and ffmpeg);
- check the written file with PyAV (frame count, duration, audio within a frame of the
  video) and raise :class:`EncodeError` on a mismatch.

Audio decisions: for the whole source, audio is copied (cut at the video's end, to the
nearest audio packet). For a part of it (``--clip``), audio is re-encoded so that it
starts and ends on the exact sample of the first and last frame: to FLAC in MKV
(lossless), to AAC (96 kb/s per channel) in MP4/MOV. Subtitles are copied and cut at
packet boundaries (an event that began before the span is dropped). MP4 gets text
subtitles as ``mov_text``; bitmap subtitles and attachments (fonts) need MKV.
"""
from __future__ import annotations

import collections
import logging
import os
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from ._checks import check_clip, check_constant_rate
from .errors import EncodeError, MediaError, UnsupportedFormatError
from .ffmpeg import EncoderSpec, FFmpeg, check_encoder, encoder_spec, find_ffmpeg, summarize_errors
from .media import MediaInfo, SourceSpan, probe

if TYPE_CHECKING:  # pragma: no cover
    import vapoursynth as vs

__all__ = ["RenderResult", "VideoFacts", "render", "render_script", "CONTAINERS"]

log = logging.getLogger("ainimotion_vs")

PathLike = str | os.PathLike[str]
ProgressFn = Callable[[int, int], None]

CONTAINERS: dict[str, str] = {".mkv": "matroska", ".mp4": "mp4", ".m4v": "mp4", ".mov": "mov"}
"""Output file suffix -> ffmpeg muxer."""

_MP4_AUDIO = frozenset({"aac", "mp3", "ac3", "eac3", "opus", "flac", "alac", "mp2", "dts", "truehd"})
_TEXT_SUBS = frozenset({"subrip", "srt", "ass", "ssa", "webvtt", "mov_text", "text"})
_STALE_TAGS = (
    "BPS", "DURATION", "NUMBER_OF_FRAMES", "NUMBER_OF_BYTES",
    "_STATISTICS_TAGS", "_STATISTICS_WRITING_APP", "_STATISTICS_WRITING_DATE_UTC",
)
_AAC_KBPS_PER_CHANNEL = 96

# H.273 code points (VapourSynth frame props) -> ffmpeg option names.
_MATRIX = {0: "gbr", 1: "bt709", 4: "fcc", 5: "bt470bg", 6: "smpte170m", 7: "smpte240m", 8: "ycgco",
           9: "bt2020nc", 10: "bt2020c", 11: "smpte2085", 12: "chroma-derived-nc", 13: "chroma-derived-c", 14: "ictcp"}
_PRIMARIES = {1: "bt709", 4: "bt470m", 5: "bt470bg", 6: "smpte170m", 7: "smpte240m", 8: "film", 9: "bt2020",
              10: "smpte428", 11: "smpte431", 12: "smpte432", 22: "jedec-p22"}
_TRANSFER = {1: "bt709", 4: "gamma22", 5: "gamma28", 6: "smpte170m", 7: "smpte240m", 8: "linear", 9: "log100",
             10: "log316", 11: "iec61966-2-4", 12: "bt1361e", 13: "iec61966-2-1", 14: "bt2020-10", 15: "bt2020-12",
             16: "smpte2084", 17: "smpte428", 18: "arib-std-b67"}
_CHROMA_LOC = {0: "left", 1: "center", 2: "topleft", 3: "top", 4: "bottomleft", 5: "bottom"}
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
class RenderResult:
    """What :func:`render` wrote."""

    path: Path
    frames: int
    fps: Fraction
    duration: float
    """Video duration in seconds, as measured in the written file."""
    size_bytes: int
    elapsed_s: float
    encoder: str
    audio_streams: int
    subtitle_streams: int
    attachments: int
    ffmpeg: str
    """Path of the ffmpeg used."""


# ---------------------------------------------------------------- clip facts


def _pix_fmt(clip: vs.VideoNode, func: str) -> tuple[str, int]:
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


def _prop_int(props, *names: str) -> int | None:
    for name in names:
        if name in props:
            return int(props[name])
    return None


def _colour_filters(clip: vs.VideoNode) -> tuple[str, ...]:
    """``setparams``/``setsar`` filters carrying frame 0's colour and aspect props into ffmpeg."""
    props = clip.get_frame(0).props
    params = []
    # VapourSynth R74+ writes _Range (0 limited, 1 full); older filters write _ColorRange (0 full, 1 limited).
    rng = _prop_int(props, "_Range")
    if rng is not None:
        params.append("range=" + ("pc" if rng == 1 else "tv"))
    else:
        old = _prop_int(props, "_ColorRange")
        if old is not None:
            params.append("range=" + ("pc" if old == 0 else "tv"))
    for key, table, opt in (
        ("_Matrix", _MATRIX, "colorspace"),
        ("_Primaries", _PRIMARIES, "color_primaries"),
        ("_Transfer", _TRANSFER, "color_trc"),
        ("_ChromaLocation", _CHROMA_LOC, "chroma_location"),
    ):
        v = _prop_int(props, key)
        if v is not None and v in table and not (key == "_Matrix" and v == 0):
            params.append(f"{opt}={table[v]}")
    out = [f"setparams={':'.join(params)}"] if params else []
    num, den = _prop_int(props, "_SARNum"), _prop_int(props, "_SARDen")
    if num and den and num != den:
        out.append(f"setsar={num}/{den}")
    return tuple(out)


def _video_facts(clip: vs.VideoNode, func: str) -> VideoFacts:
    check_clip(clip, func)
    check_constant_rate(clip, func)
    if clip.num_frames < 1:
        raise UnsupportedFormatError(f"{func}: clip has no frames.")
    pix_fmt, bits = _pix_fmt(clip, func)
    return VideoFacts(
        width=clip.width, height=clip.height, num_frames=clip.num_frames, fps=Fraction(clip.fps.numerator, clip.fps.denominator),
        bits=bits, pix_fmt=pix_fmt, filters=_colour_filters(clip),
    )


# ---------------------------------------------------------------- paths


def _check_paths(out_path: PathLike, span: SourceSpan | None, *, overwrite: bool, func: str) -> tuple[Path, str]:
    out = Path(os.path.abspath(out_path))
    muxer = CONTAINERS.get(out.suffix.lower())
    if muxer is None:
        raise UnsupportedFormatError(f"{func}: output {out.name!r} must end in {', '.join(CONTAINERS)} (the container is chosen by it).")
    parent = out.parent
    if not parent.exists():
        raise EncodeError(f"{func}: output folder {parent} does not exist; create it first.")
    if not parent.is_dir():
        raise EncodeError(f"{func}: output folder {parent} is not a folder.")
    if span is not None:
        src = span.info.path
        same = out.exists() and os.path.samefile(out, src)
        if same or Path(os.path.realpath(out)) == Path(os.path.realpath(src)):
            raise EncodeError(f"{func}: output {out} is the input file (or a link to it); choose another output name.")
    if out.is_dir():
        raise EncodeError(f"{func}: output {out} is a folder; give a file name.")
    if (out.exists() or out.is_symlink()) and not overwrite:
        raise EncodeError(f"{func}: output {out} already exists; pass --overwrite (overwrite=True) to replace it.")
    return out, muxer


def _temp_output(out: Path, func: str) -> Path:
    try:
        fd, name = tempfile.mkstemp(prefix=f".{out.stem}.", suffix=f".ainimotion-part{out.suffix}", dir=out.parent)
    except OSError as exc:
        raise EncodeError(f"{func}: cannot write in the output folder {out.parent}: {exc.strerror or exc}.") from exc
    os.close(fd)
    return Path(name)


# ---------------------------------------------------------------- ffmpeg command


def _as_span(source: SourceSpan | MediaInfo | PathLike | None) -> SourceSpan | None:
    if source is None or isinstance(source, SourceSpan):
        return source
    info = source if isinstance(source, MediaInfo) else probe(source)
    return SourceSpan(info=info, start=0, end=info.num_frames, fps=info.fps)


def _secs(t: Fraction) -> str:
    return f"{float(t):.6f}"


@dataclass(frozen=True, kw_only=True)
class _Plan:
    argv: list[str]
    audio: tuple[tuple[int, bool], ...]
    """(source stream index, copied?) per output audio stream."""
    subtitles: int
    attachments: int


def _stream_args(span: SourceSpan, muxer: str, func: str) -> tuple[list[str], list[str], _Plan]:
    """Input options for the source and the output map/codec options for its streams."""
    info = span.info
    cut = not span.is_whole
    t0 = span.start_time
    inp: list[str] = []
    if t0 > 0:
        inp += ["-ss", _secs(t0)]
    inp += ["-t", _secs(span.duration)]
    out: list[str] = []
    audio: list[tuple[int, bool]] = []
    n_sub = n_att = 0
    mp4 = muxer in ("mp4", "mov")
    for s in info.streams:
        if s.kind == "audio":
            i = len(audio)
            out += ["-map", f"1:{s.index}"]
            if cut:
                if mp4:
                    out += [f"-c:a:{i}", "aac", f"-b:a:{i}", f"{_AAC_KBPS_PER_CHANNEL * 2}k"]
                else:
                    out += [f"-c:a:{i}", "flac"]
            else:
                if mp4 and s.codec not in _MP4_AUDIO:
                    raise EncodeError(
                        f"{func}: audio stream #{s.index} is {s.codec}, which MP4 cannot carry; write .mkv instead."
                    )
                out += [f"-c:a:{i}", "copy"]
            audio.append((s.index, not cut))
        elif s.kind == "subtitle":
            if mp4:
                if s.codec not in _TEXT_SUBS:
                    raise EncodeError(
                        f"{func}: subtitle stream #{s.index} is {s.codec} (bitmap), which MP4 cannot carry; write .mkv instead."
                    )
                codec = "mov_text"
            else:
                codec = "srt" if s.codec in ("mov_text", "text") else "copy"
            out += ["-map", f"1:{s.index}", f"-c:s:{n_sub}", codec]
            if cut and codec == "copy":
                # drop events that began before the span instead of shifting the whole file
                out += [f"-copypriorss:s:{n_sub}", "0"]
            n_sub += 1
        elif s.kind == "attachment":
            if mp4:
                raise EncodeError(
                    f"{func}: the source has attachments (fonts for its subtitles) that MP4 cannot carry; write .mkv instead."
                )
            out += ["-map", f"1:{s.index}"]
            n_att += 1
        else:
            log.info("%s: not carrying data stream #%d (%s)", info.path.name, s.index, s.codec)
    if n_att:
        out += ["-c:t", "copy"]
    out += ["-map_chapters", "1" if info.chapters else "-1", "-map_metadata", "1"]
    for tag in _STALE_TAGS:
        for lang in ("", "-eng"):
            out += ["-metadata:s", f"{tag}{lang}="]
    return inp, out, _Plan(argv=[], audio=tuple(audio), subtitles=n_sub, attachments=n_att)


def _build_command(
    ff: FFmpeg, spec: EncoderSpec, facts: VideoFacts, span: SourceSpan | None, tmp: Path, muxer: str, *,
    crf: float | None, encoder_preset: str | None, func: str,
) -> _Plan:
    argv = [ff.path, "-hide_banner", "-nostdin", "-nostats", "-loglevel", "error",
            "-f", "yuv4mpegpipe", "-i", "pipe:0"]
    plan = _Plan(argv=[], audio=(), subtitles=0, attachments=0)
    stream_out: list[str] = ["-map_metadata", "-1", "-map_chapters", "-1"]
    if span is not None:
        inp, stream_out, plan = _stream_args(span, muxer, func)
        argv += [*inp, "-i", str(span.info.path)]
    argv += ["-map", "0:v:0"]
    if facts.filters:
        argv += ["-vf", ",".join(facts.filters)]
    q = spec.default_quality if crf is None else crf
    argv += ["-c:v", spec.codec]
    argv += [a.format(q=f"{q:g}") for a in spec.quality_args]
    preset = encoder_preset or spec.default_preset
    if preset:
        argv += ["-preset", preset]
    argv += [*spec.extra_args, "-pix_fmt", facts.pix_fmt, "-r", f"{facts.fps.numerator}/{facts.fps.denominator}"]
    if muxer in ("mp4", "mov") and spec.codec in ("libx265", "hevc_nvenc"):
        argv += ["-tag:v", "hvc1"]
    argv += ["-disposition:v:0", "default", *stream_out, "-max_muxing_queue_size", "4096"]
    if muxer in ("mp4", "mov"):
        argv += ["-movflags", "+faststart"]
    argv += ["-f", muxer, "-y", str(tmp)]
    return _Plan(argv=argv, audio=plan.audio, subtitles=plan.subtitles, attachments=plan.attachments)


def _check_options(spec: EncoderSpec, crf: float | None, encoder_preset: str | None, muxer: str, func: str) -> None:
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


# ---------------------------------------------------------------- running


class _StderrTail(threading.Thread):
    def __init__(self, stream, keep: int = 40) -> None:
        super().__init__(daemon=True, name="ainimotion-ffmpeg-stderr")
        self.stream = stream
        self.lines: collections.deque[str] = collections.deque(maxlen=keep)

    def run(self) -> None:
        for raw in iter(self.stream.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip()
            if line:
                self.lines.append(line)
                log.debug("ffmpeg: %s", line)

    def text(self) -> str:
        return summarize_errors(list(self.lines)) or "(no message)"


class _ClipWriter(threading.Thread):
    """Writes the clip as y4m into ffmpeg's stdin; records the first error."""

    def __init__(self, clip: vs.VideoNode, pipe, progress: ProgressFn | None) -> None:
        super().__init__(daemon=True, name="ainimotion-y4m-writer")
        self.clip = clip
        self.pipe = pipe
        self.progress = progress
        self.error: BaseException | None = None
        self.done = 0

    def _update(self, done: int, total: int) -> None:
        self.done = done
        if self.progress is not None:
            self.progress(done, total)

    def run(self) -> None:
        try:
            self.clip.output(self.pipe, y4m=True, progress_update=self._update)
        except BaseException as exc:  # reported by render() after ffmpeg has been stopped
            self.error = exc
        finally:
            try:
                self.pipe.close()
            except OSError as exc:  # the reader is gone: ffmpeg's own exit code says why
                log.debug("closing ffmpeg stdin: %s", exc)


def _stop(proc: subprocess.Popen | None) -> None:
    if proc is not None and proc.poll() is None:
        proc.kill()
        proc.wait()


def _clean_up(*steps: Callable[[], object]) -> None:
    """Run every clean-up step, each in the ``finally`` of the one before: a second Ctrl-C that
    lands while one runs (stopping ffmpeg takes a moment) still lets the rest run; the first
    exception propagates."""
    if steps:
        try:
            steps[0]()
        finally:
            _clean_up(*steps[1:])


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def _verify(tmp: Path, facts: VideoFacts, span: SourceSpan | None, plan: _Plan, func: str) -> MediaInfo:
    """Check the written file: frame count, duration, rate, and audio against the video."""
    try:
        got = probe(tmp)
    except MediaError as exc:
        raise EncodeError(f"{func}: the written file does not read back: {exc}") from exc
    frame = 1 / facts.fps
    problems = []
    if got.num_frames != facts.num_frames:
        problems.append(f"{got.num_frames} video frames instead of {facts.num_frames}")
    vdur = got.video_end - got.video_start
    if abs(vdur - facts.duration) > frame / 2:
        problems.append(f"video lasts {float(vdur):.3f} s instead of {float(facts.duration):.3f} s")
    if got.num_frames > 1 and abs(got.fps - facts.fps) > facts.fps / 1000:
        problems.append(f"frame rate {got.fps} instead of {facts.fps}")
    if got.bit_depth != facts.bits:
        problems.append(f"{got.bit_depth}-bit video instead of {facts.bits}-bit")
    out_audio = got.kind("audio")
    if len(out_audio) != len(plan.audio):
        problems.append(f"{len(out_audio)} audio streams instead of {len(plan.audio)}")
    if len(got.kind("subtitle")) != plan.subtitles:
        problems.append(f"{len(got.kind('subtitle'))} subtitle streams instead of {plan.subtitles}")
    if len(got.kind("attachment")) != plan.attachments:
        problems.append(f"{len(got.kind('attachment'))} attachments instead of {plan.attachments}")
    if span is not None and len(out_audio) == len(plan.audio):
        src = {s.index: s for s in span.info.streams}
        t0 = span.start_time
        for k, (out_s, (src_index, copied)) in enumerate(zip(out_audio, plan.audio)):
            s = src[src_index]
            if s.start is None or s.end is None or out_s.start is None or out_s.end is None:
                continue
            want_start = max(s.start - t0, Fraction(0))
            want_end = min(s.end - t0, facts.duration)
            if want_end < facts.duration - frame:
                log.warning(
                    "source audio stream #%d ends %.3f s before the video; the output keeps it as it is",
                    s.index, float(facts.duration - want_end),
                )
            tol = frame + (s.max_packet_duration if copied else 0) + Fraction(1, 1000)
            a_start = out_s.start - got.video_start
            a_end = out_s.end - got.video_start
            if abs(a_start - want_start) > tol:
                problems.append(f"audio {k} starts at {float(a_start):+.3f} s instead of {float(want_start):+.3f} s")
            if abs(a_end - want_end) > tol:
                problems.append(
                    f"audio {k} lasts until {float(a_end):.3f} s but should until {float(want_end):.3f} s (video {float(vdur):.3f} s)"
                )
    if problems:
        raise EncodeError(f"{func}: the written file failed its checks: {'; '.join(problems)}.")
    return got


def _finish(
    tmp: Path, out: Path, facts: VideoFacts, span: SourceSpan | None, plan: _Plan, *, overwrite: bool, started: float,
    ff: FFmpeg, spec: EncoderSpec, func: str,
) -> RenderResult:
    got = _verify(tmp, facts, span, plan, func)
    if not overwrite and (out.exists() or out.is_symlink()):
        raise EncodeError(f"{func}: output {out} appeared while rendering; pass --overwrite to replace it.")
    os.replace(tmp, out)
    return RenderResult(
        path=out, frames=got.num_frames, fps=facts.fps, duration=float(got.video_end - got.video_start),
        size_bytes=out.stat().st_size, elapsed_s=time.monotonic() - started, encoder=spec.name,
        audio_streams=len(plan.audio), subtitle_streams=plan.subtitles, attachments=plan.attachments, ffmpeg=ff.path,
    )


def _prepare(
    facts: VideoFacts, out_path: PathLike, source, *, encoder: str, crf: float | None, encoder_preset: str | None,
    overwrite: bool, ffmpeg: FFmpeg | None, func: str,
):
    spec = encoder_spec(encoder, func=func)
    span = _as_span(source)
    out, muxer = _check_paths(out_path, span, overwrite=overwrite, func=func)
    _check_options(spec, crf, encoder_preset, muxer, func)
    if span is not None:
        slack = max(1 / facts.fps, 1 / span.fps)
        if abs(span.duration - facts.duration) > slack:
            raise EncodeError(
                f"{func}: the clip lasts {float(facts.duration):.3f} s but the source span lasts {float(span.duration):.3f} s; "
                "audio would drift. Keep the clip's duration when changing its rate, or pass the matching source span."
            )
    ff = ffmpeg or find_ffmpeg()
    check_encoder(ff, spec, bits=facts.bits, pix_fmt=facts.pix_fmt, func=func)
    tmp = _temp_output(out, func)
    try:
        plan = _build_command(ff, spec, facts, span, tmp, muxer, crf=crf, encoder_preset=encoder_preset, func=func)
    except BaseException:
        _remove(tmp)
        raise
    log.debug("ffmpeg command: %s", subprocess.list2cmdline(plan.argv))
    return spec, span, out, ff, tmp, plan


def render(
    clip: vs.VideoNode,
    out_path: PathLike,
    *,
    source: SourceSpan | MediaInfo | PathLike | None = None,
    encoder: str = "x264",
    crf: float | None = None,
    encoder_preset: str | None = None,
    overwrite: bool = False,
    progress: ProgressFn | None = None,
    ffmpeg: FFmpeg | None = None,
) -> RenderResult:
    """Encode ``clip`` to ``out_path`` through ffmpeg, with the source's audio/subtitles/chapters.

    ``clip``: integer YUV or GRAY, constant size and rate; its size, rate and bit depth are
    kept (10-bit stays 10-bit) and its frame-0 colour props (``_Matrix``, ``_Primaries``,
    ``_Transfer``, ``_Range``, ``_ChromaLocation``, ``_SARNum/_SARDen``) become the output tags.
    ``source``: the file (or :class:`~ainimotion_vs.media.SourceSpan` from
    :func:`~ainimotion_vs.media.open_span`) whose other streams are carried; None for video only.
    The clip must last as long as the span (within a frame).
    ``encoder``: ``x264``, ``x265``, ``nvenc-h264``, ``nvenc-hevc`` or ``ffv1``; ``crf``
    and ``encoder_preset`` default per encoder. ``progress(done, total)`` is called from
    a worker thread as frames are written. The container follows the suffix (.mkv, .mp4, .mov).
    """
    func = "render"
    facts = _video_facts(clip, func)
    spec, span, out, ff, tmp, plan = _prepare(
        facts, out_path, source, encoder=encoder, crf=crf, encoder_preset=encoder_preset, overwrite=overwrite, ffmpeg=ffmpeg, func=func,
    )
    started = time.monotonic()
    proc: subprocess.Popen | None = None
    writer: _ClipWriter | None = None
    try:
        proc = subprocess.Popen(plan.argv, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                start_new_session=True)
        tail = _StderrTail(proc.stderr)
        tail.start()
        writer = _ClipWriter(clip, proc.stdin, progress)
        writer.start()
        while writer.is_alive():
            writer.join(0.2)
        rc = proc.wait()
        tail.join(5)
        err = writer.error
        if rc != 0:
            where = f" after {writer.done} of {facts.num_frames} frames"
            raise EncodeError(f"{func}: ffmpeg failed (exit {rc}){where}: {tail.text()}")
        if err is not None:
            last = [ln.strip() for ln in str(err).splitlines() if ln.strip()] or [type(err).__name__]
            raise EncodeError(f"{func}: VapourSynth failed after {writer.done} of {facts.num_frames} frames: {last[-1]}") from err
        return _finish(tmp, out, facts, span, plan, overwrite=overwrite, started=started, ff=ff, spec=spec, func=func)
    finally:
        # the writer ends once ffmpeg's pipe is gone: wait for it, so that nothing of this
        # render (its progress callback included) runs after render() has returned or raised
        _clean_up(lambda: _stop(proc), lambda: writer is not None and writer.join(5), lambda: _remove(tmp))


# ---------------------------------------------------------------- vspipe


def _vspipe_path() -> str:
    import shutil
    import sys

    here = Path(sys.executable).with_name("vspipe")
    found = str(here) if here.exists() else shutil.which("vspipe")
    if not found:
        from .errors import MissingPluginError

        raise MissingPluginError("render_script: vspipe not found beside Python or on PATH; `pip install vapoursynth`.")
    return found


def _script_facts(vspipe: str, script: Path, args: Sequence[str], func: str) -> VideoFacts:
    """Clip facts from ``vspipe --info`` (colour tags come from the y4m-free props: none)."""
    done = subprocess.run([vspipe, "--info", str(script), *args, "-"], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise EncodeError(f"{func}: vspipe --info {script.name} failed (exit {done.returncode}): {_vspipe_error(done.stderr)}")
    fields = {}
    for line in done.stdout.splitlines():
        key, _, value = line.partition(":")
        fields[key.strip().lower()] = value.strip()
    try:
        num, den = (int(v) for v in fields["fps"].split()[0].split("/"))
        fmt = fields["format name"]
        bits = int(fields["bits"])
        facts = VideoFacts(width=int(fields["width"]), height=int(fields["height"]), num_frames=int(fields["frames"]),
                           fps=Fraction(num, den), bits=bits, pix_fmt=_pix_fmt_from_name(fmt, bits, func))
    except (KeyError, ValueError) as exc:
        raise EncodeError(f"{func}: cannot read vspipe --info output ({exc}): {done.stdout.strip()[:300]}") from exc
    return facts


def _vspipe_error(text: str) -> str:
    """One line from vspipe's stderr: the Python exception when there is one."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("Information:")]
    if any("couldn't be determined" in ln or "Failed to initialize VSScript" in ln for ln in lines):
        from .errors import MissingPluginError

        raise MissingPluginError(
            "render_script: vspipe cannot find Python (VSScript is not configured); run `vapoursynth config` once "
            "with this environment's Python (e.g. .venv/bin/vapoursynth config)."
        )
    for ln in reversed(lines):
        if ln.startswith("Python exception:"):
            return ln
    return lines[-1] if lines else "(no message)"


def _pix_fmt_from_name(name: str, bits: int, func: str) -> str:
    suffix = "" if bits == 8 else f"{bits}le"
    if name.startswith("Gray"):
        return "gray" + suffix
    for sub in ("420", "422", "444", "411", "440", "410"):
        if name.startswith(f"YUV{sub}P"):
            return f"yuv{sub}p{suffix}"
    raise UnsupportedFormatError(f"{func}: script output format {name} cannot leave as y4m; convert it to integer YUV or GRAY.")


def render_script(
    script: PathLike,
    out_path: PathLike,
    *,
    script_args: dict[str, str] | None = None,
    source: SourceSpan | MediaInfo | PathLike | None = None,
    encoder: str = "x264",
    crf: float | None = None,
    encoder_preset: str | None = None,
    overwrite: bool = False,
    progress: ProgressFn | None = None,
    ffmpeg: FFmpeg | None = None,
) -> RenderResult:
    """Like :func:`render`, for a ``.vpy`` script run by ``vspipe -c y4m SCRIPT -``.

    ``script_args`` become ``-a key=value``. Both vspipe's and ffmpeg's exit codes are
    checked. Colour tags come from the y4m header only (set them in the script's output).
    """
    func = "render_script"
    path = Path(script)
    if not path.is_file():
        raise MediaError(f"{func}: script not found: {path}")
    vspipe = _vspipe_path()
    args: list[str] = []
    for k, v in (script_args or {}).items():
        args += ["-a", f"{k}={v}"]
    facts = _script_facts(vspipe, path, args, func)
    spec, span, out, ff, tmp, plan = _prepare(
        facts, out_path, source, encoder=encoder, crf=crf, encoder_preset=encoder_preset, overwrite=overwrite, ffmpeg=ffmpeg, func=func,
    )
    started = time.monotonic()
    producer = consumer = None
    try:
        producer = subprocess.Popen([vspipe, "-c", "y4m", "-p", str(path), *args, "-"], stdin=subprocess.DEVNULL,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        consumer = subprocess.Popen(plan.argv, stdin=producer.stdout, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                    start_new_session=True)
        producer.stdout.close()  # ffmpeg holds the read end now
        vs_tail = _ProgressTail(producer.stderr, facts.num_frames, progress)
        ff_tail = _StderrTail(consumer.stderr)
        vs_tail.start()
        ff_tail.start()
        while producer.poll() is None:
            time.sleep(0.2)
        vs_rc = producer.returncode
        if vs_rc != 0:
            _stop(consumer)
        ff_rc = consumer.wait()
        vs_tail.join(5)
        ff_tail.join(5)
        if vs_rc != 0:
            raise EncodeError(f"{func}: vspipe failed (exit {vs_rc}): {_vspipe_error(chr(10).join(vs_tail.lines))}")
        if ff_rc != 0:
            raise EncodeError(f"{func}: ffmpeg failed (exit {ff_rc}): {ff_tail.text()}")
        return _finish(tmp, out, facts, span, plan, overwrite=overwrite, started=started, ff=ff, spec=spec, func=func)
    finally:
        _clean_up(lambda: _stop(producer), lambda: _stop(consumer), lambda: _remove(tmp))


class _ProgressTail(_StderrTail):
    """Reads vspipe's stderr: ``Frame: N/M`` progress (CR-separated) and error lines."""

    def __init__(self, stream, total: int, progress: ProgressFn | None) -> None:
        super().__init__(stream)
        self.total = total
        self.progress = progress

    def run(self) -> None:
        buf = b""
        while chunk := self.stream.read1(4096) if hasattr(self.stream, "read1") else self.stream.read(4096):
            buf += chunk
            *parts, buf = buf.replace(b"\r", b"\n").split(b"\n")
            for raw in parts:
                line = raw.decode("utf-8", "replace").strip()
                if line.startswith("Frame:"):
                    if self.progress is not None:
                        try:
                            self.progress(int(line.split()[1].split("/")[0]), self.total)
                        except (IndexError, ValueError):
                            log.debug("vspipe: %s", line)
                elif line:
                    self.lines.append(line)
                    log.debug("vspipe: %s", line)
        if buf.strip():
            self.lines.append(buf.decode("utf-8", "replace").strip())
