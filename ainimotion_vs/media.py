"""Probing media files (PyAV), opening them in VapourSynth (BestSource), and clip ranges.

Facts and decisions:

- :func:`probe` demuxes the whole file once (packets only, no decoding except the first
  video frame) to learn every video frame's timestamp, each audio stream's start and end,
  and to detect variable frame rate, truncation and undecodable video.
- **Variable frame rate is refused** unless the caller names a constant rate (``fps=`` /
  ``--cfr``): BestSource then converts by timestamp (frames repeated or dropped). Audio
  stays untouched either way, so it stays in sync.
- **Clip ranges**: ``"1200-1680"`` are frame numbers, **end exclusive** (480 frames, like
  ``clip[1200:1680]``). ``"00:10:00-00:10:20"`` (or ``"600.5-620s"``) are times: the span
  holds the frames *shown* during ``[start, end)``: from the frame on screen at ``start``
  up to, not including, the first frame that starts at or after ``end``. An empty end
  (``"1200-"``) runs to the last frame.
- 4:2:0 / 4:2:2 sources need even width (and height for 4:2:0); odd sizes are refused
  with a crop/pad suggestion rather than silently cropped.
"""
from __future__ import annotations

import logging
import math
import os
import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import MediaError, UnsupportedFormatError

if TYPE_CHECKING:  # pragma: no cover
    import vapoursynth as vs

__all__ = [
    "StreamInfo",
    "MediaInfo",
    "SourceSpan",
    "probe",
    "parse_clip_range",
    "parse_rate",
    "open_span",
    "open_source",
]

log = logging.getLogger("ainimotion_vs")

PathLike = str | os.PathLike[str]

TRUNCATION_TOLERANCE_S = Fraction(1, 2)
"""A file whose packets end this much (or two frames, if more) before the container's
stated duration is reported as truncated."""


@dataclass(frozen=True, kw_only=True)
class StreamInfo:
    """One non-video stream of a file (audio, subtitle, attachment or data)."""

    index: int
    """Stream index in the file (ffmpeg's ``0:N``)."""
    kind: str
    """``audio``, ``subtitle``, ``attachment`` or ``data``."""
    codec: str
    """ffmpeg codec name (``aac``, ``subrip``, ``ass``, ``ttf``...; ``none`` when unknown)."""
    language: str | None = None
    """Language tag, when the file has one."""
    start: Fraction | None = None
    """First packet time in seconds from the file start (audio only)."""
    end: Fraction | None = None
    """End of the last packet in seconds from the file start (audio only)."""
    packets: int = 0
    """Number of packets (0 for attachments)."""
    max_packet_duration: Fraction = Fraction(0)
    """Longest packet in seconds: how finely a copied stream can be cut."""


@dataclass(frozen=True, kw_only=True)
class MediaInfo:
    """What :func:`probe` learned about a file. Times are seconds from the file's start."""

    path: Path
    container: str
    """ffmpeg demuxer name, e.g. ``matroska,webm`` or ``mov,mp4,m4a,3gp,3g2,mj2``."""
    duration: Fraction | None
    """Container duration in seconds (None when unknown)."""
    video_index: int
    """Index of the video stream used."""
    codec: str
    width: int
    height: int
    pix_fmt: str
    bit_depth: int
    fps: Fraction
    """Constant frame rate (for a VFR file: its average rate, and ``vfr`` is True)."""
    vfr: bool
    """True when the frame timestamps are not on one constant-rate grid."""
    num_frames: int
    frame_times: tuple[Fraction, ...] = field(repr=False)
    """Presentation time of every video frame, sorted (seconds from the file start)."""
    streams: tuple[StreamInfo, ...]
    """Audio, subtitle, attachment and data streams, in file order."""
    chapters: int
    """Number of chapters."""

    def kind(self, kind: str) -> tuple[StreamInfo, ...]:
        """The streams of one kind (``audio``, ``subtitle``, ``attachment``, ``data``)."""
        return tuple(s for s in self.streams if s.kind == kind)

    @property
    def video_start(self) -> Fraction:
        """Time of the first video frame."""
        return self.frame_times[0]

    @property
    def video_end(self) -> Fraction:
        """End of the last video frame (its start plus one frame period)."""
        return self.frame_times[-1] + 1 / self.fps


@dataclass(frozen=True, kw_only=True)
class SourceSpan:
    """The frames ``[start, end)`` of a source file on a frame grid of rate ``fps``.

    This is what :func:`ainimotion_vs.render.render` needs to cut the source's audio and
    subtitles to the same span as the video, whatever the clip went through in between.
    """

    info: MediaInfo
    start: int
    end: int
    """Exclusive."""
    fps: Fraction
    """Rate of the grid ``start``/``end`` count on (the file's, or the forced CFR rate)."""
    forced_fps: bool = False
    """True when the source was converted to constant rate ``fps`` (``open_span(fps=...)``)."""

    def time_of(self, n: int) -> Fraction:
        """Source time (s, from the file start) where frame ``n`` of the grid begins."""
        times = self.info.frame_times
        if not self.forced_fps and n < len(times):
            return times[n]
        if not self.forced_fps:
            return times[-1] + (n - len(times) + 1) / self.fps
        return times[0] + n / self.fps

    @property
    def start_time(self) -> Fraction:
        """Source time of the span's first frame."""
        return self.time_of(self.start)

    @property
    def duration(self) -> Fraction:
        """Length of the span in seconds."""
        return self.time_of(self.end) - self.time_of(self.start)

    @property
    def is_whole(self) -> bool:
        """True when the span is the whole file on its native grid."""
        return not self.forced_fps and self.start == 0 and self.end == self.info.num_frames


# ---------------------------------------------------------------- probing


def _open_container(path: Path, func: str):
    import av

    if not path.exists():
        raise MediaError(f"{func}: input file not found: {path}")
    if path.is_dir():
        raise MediaError(f"{func}: input is a folder, not a video file: {path}")
    if path.stat().st_size == 0:
        raise MediaError(f"{func}: input file is empty (0 bytes): {path}")
    try:
        return av.open(str(path))
    except av.FFmpegError as exc:
        raise MediaError(
            f"{func}: {path.name} is not a media file FFmpeg can read ({exc.strerror or exc}); "
            "check that it is a complete video file (a truncated download or a text file gives this)."
        ) from exc


def _stream_kind(stream) -> str:
    t = stream.type
    return t if t in ("audio", "subtitle", "attachment") else "data"


def _codec_name(stream) -> str:
    ctx = stream.codec_context  # None for attachments and codecs FFmpeg does not know
    if ctx is None:
        if stream.type == "attachment":
            return stream.metadata.get("mimetype", "attachment")
        return "none"
    return ctx.name or "none"


def _first_frame_format(path: Path, index: int, func: str) -> str:
    """Decode the first video frame (in a fresh demuxer); returns its pixel format name."""
    import av

    try:
        with av.open(str(path)) as c:
            stream = c.streams[index]
            for frame in c.decode(stream):
                return frame.format.name
    except av.FFmpegError as exc:
        raise MediaError(f"{func}: {path.name}: the first video frame does not decode ({exc}); the file is corrupt.") from exc
    raise MediaError(f"{func}: {path.name}: no video frame decodes; the file is corrupt or uses an unsupported codec.")


def _declared_end(stream, file_start: Fraction) -> Fraction | None:
    """Where a stream says it ends (MP4 track duration, Matroska DURATION tag), from the file start."""
    if stream.duration and stream.time_base is not None:
        start = stream.start_time or 0
        return (start + stream.duration) * Fraction(stream.time_base) - file_start
    tag = stream.metadata.get("DURATION") or stream.metadata.get("duration")
    m = re.fullmatch(r"(\d+):(\d\d):(\d\d(?:\.\d+)?)", tag.strip()) if tag else None
    if m:
        return int(m.group(1)) * 3600 + int(m.group(2)) * 60 + Fraction(m.group(3))
    return None


STANDARD_RATES: tuple[Fraction, ...] = tuple(
    Fraction(n * 1000, 1001) for n in (24, 30, 48, 60, 120)
) + tuple(Fraction(n) for n in (12, 15, 24, 25, 30, 48, 50, 60, 72, 90, 100, 120, 144, 240))
"""Rates preferred over a container's approximation when the timestamps fit them exactly
(Matroska stores whole milliseconds, so 48000/1001 can read back as 7001/146)."""


def _is_constant_rate(ticks: list[int], tb: Fraction, rate: Fraction) -> bool:
    """True when every gap between frame timestamps is one frame period (within timestamp
    rounding) and the whole run does not drift from ``rate`` by more than that either."""
    if rate <= 0:
        return False
    period = 1 / rate
    tol = max(tb, Fraction(1, 1000)) + Fraction(1, 100000)
    if abs((ticks[-1] - ticks[0]) * tb - (len(ticks) - 1) * period) > tol:
        return False
    return all(abs((b - a) * tb - period) <= tol for a, b in zip(ticks, ticks[1:]))


def _rate_candidates(rates: list[Fraction]) -> list[Fraction]:
    if not rates:
        return []
    # a standard rate the container only approximates (7001/146 for 48000/1001) wins over the
    # approximation; a genuine odd rate (1199/50) is kept; other standard rates come last
    same = [r for r in STANDARD_RATES if abs(r - rates[0]) / rates[0] < Fraction(1, 100000)]
    near = sorted((r for r in STANDARD_RATES if abs(r - rates[0]) / rates[0] < Fraction(2, 1000)), key=lambda r: abs(r - rates[0]))
    return same + rates + near


def probe(path: PathLike) -> MediaInfo:
    """Read a file's streams and every video frame's timestamp.

    Raises :class:`MediaError` for a missing, unreadable, truncated or video-less file,
    an undecodable video codec, or a video without frames. Variable frame rate is
    reported (``vfr=True``), not refused: :func:`open_span` decides.
    """
    import av

    func = "probe"
    p = Path(path)
    container = _open_container(p, func)
    with container:
        fmt = container.format.name
        file_start = Fraction(container.start_time, av.time_base) if container.start_time is not None else Fraction(0)
        duration = Fraction(container.duration, av.time_base) if container.duration is not None else None
        videos = [s for s in container.streams.video if not (s.disposition & av.stream.Disposition.attached_pic)]
        if not videos:
            kinds = ", ".join(f"{_stream_kind(s)} ({_codec_name(s)})" for s in container.streams) or "no streams"
            raise MediaError(f"{func}: {p.name} has no video stream (it has: {kinds}); ainimotion needs a video file.")
        vstream = videos[0]
        vcodec = _codec_name(vstream)
        if vcodec == "none":
            raise MediaError(
                f"{func}: {p.name}: the video stream's codec is unknown to FFmpeg, so it cannot be decoded; "
                "convert it with a tool that reads it, or re-download the file."
            )
        try:
            av.Codec(vcodec, "r")
        except (av.FFmpegError, ValueError) as exc:
            raise MediaError(f"{func}: {p.name}: this FFmpeg has no decoder for {vcodec} video; convert the file first.") from exc

        vtb = Fraction(vstream.time_base)
        ticks: list[int] = []
        audio: dict[int, list] = {}
        counts: dict[int, int] = {}
        try:
            for pkt in container.demux():
                if pkt.pts is None and pkt.dts is None:
                    continue
                idx = pkt.stream.index
                counts[idx] = counts.get(idx, 0) + 1
                pts = pkt.pts if pkt.pts is not None else pkt.dts
                if idx == vstream.index:
                    if not pkt.is_discard:
                        ticks.append(pts)
                elif pkt.stream.type == "audio" and pkt.time_base is not None:
                    tb = Fraction(pkt.time_base)
                    t0 = pts * tb - file_start
                    dur = (pkt.duration or 0) * tb
                    a = audio.setdefault(idx, [t0, t0 + dur, dur])
                    a[0] = min(a[0], t0)
                    a[1] = max(a[1], t0 + dur)
                    a[2] = max(a[2], dur)
        except av.FFmpegError as exc:
            raise MediaError(f"{func}: {p.name} is corrupt: reading it failed after {len(ticks)} video frames ({exc}).") from exc

        if not ticks:
            raise MediaError(f"{func}: {p.name} has a video stream but no video frames; nothing to process.")
        ticks.sort()
        frame_times = tuple(t * vtb - file_start for t in ticks)

        rates = [Fraction(r) for r in (vstream.guessed_rate, vstream.average_rate) if r]
        if len(ticks) > 1 and not rates:
            span = frame_times[-1] - frame_times[0]
            rates = [Fraction(len(ticks) - 1) / span] if span > 0 else []
        fps = next((r for r in _rate_candidates(rates) if _is_constant_rate(ticks, vtb, r)), None)
        vfr = fps is None and len(ticks) > 1
        if fps is None:
            fps = rates[-1] if rates else Fraction(24000, 1001)
        fps = fps.limit_denominator(1_000_001)

        seen = {vstream.index: frame_times[-1] + 1 / fps, **{i: a[1] for i, a in audio.items()}}
        tol = max(TRUNCATION_TOLERANCE_S, 2 / fps)
        for idx, end in seen.items():
            declared = _declared_end(container.streams[idx], file_start)
            if declared is not None and end < declared - tol:
                raise MediaError(
                    f"{func}: {p.name} looks truncated: its {container.streams[idx].type} stream says it lasts until "
                    f"{float(declared):.2f} s but its data stops at {float(end):.2f} s. Re-download or re-mux the complete file."
                )

        pix_fmt = _first_frame_format(p, vstream.index, func)
        if pix_fmt == "none":
            raise MediaError(f"{func}: {p.name}: cannot tell the video's pixel format; the stream may be corrupt.")
        bit_depth = av.VideoFormat(pix_fmt).components[0].bits

        streams = []
        for s in container.streams:
            if s.index == vstream.index or s.type == "video":
                continue
            a = audio.get(s.index)
            streams.append(
                StreamInfo(
                    index=s.index,
                    kind=_stream_kind(s),
                    codec=_codec_name(s),
                    language=s.metadata.get("language"),
                    start=a[0] if a else None,
                    end=a[1] if a else None,
                    packets=counts.get(s.index, 0),
                    max_packet_duration=a[2] if a else Fraction(0),
                )
            )
        chapters = len(container.chapters())
        return MediaInfo(
            path=p,
            container=fmt,
            duration=duration,
            video_index=vstream.index,
            codec=vcodec,
            width=vstream.codec_context.width,
            height=vstream.codec_context.height,
            pix_fmt=pix_fmt,
            bit_depth=bit_depth,
            fps=fps,
            vfr=vfr,
            num_frames=len(ticks),
            frame_times=frame_times,
            streams=tuple(streams),
            chapters=chapters,
        )


# ---------------------------------------------------------------- ranges

_TIME_RE = re.compile(r"^(?:(\d+):)?(?:(\d+):)?(\d+(?:\.\d+)?)s?$")


def parse_rate(text: str | Fraction | int | float, *, func: str = "parse_rate") -> Fraction:
    """A frame rate from ``"24000/1001"``, ``"23.976"`` (read as 24000/1001), ``"24"`` or a number."""
    if isinstance(text, Fraction):
        rate = text
    else:
        s = str(text).strip()
        try:
            rate = Fraction(s)
        except (ValueError, ZeroDivisionError):
            raise UnsupportedFormatError(f"{func}: frame rate {text!r} is not a number like 24000/1001 or 24.") from None
        for ntsc in (24, 30, 48, 60, 120):
            if "." in s and abs(float(rate) - ntsc * 1000 / 1001) < 0.0015:
                rate = Fraction(ntsc * 1000, 1001)
    if rate <= 0 or rate > 1000:
        raise UnsupportedFormatError(f"{func}: frame rate {text!r} must be above 0 and at most 1000.")
    return rate


def _parse_time(word: str) -> Fraction | None:
    """Seconds for a timecode word (``HH:MM:SS.fff``, ``MM:SS``, ``12.5`` or ``12s``), or None for a plain integer."""
    if re.fullmatch(r"\d+", word):
        return None
    m = _TIME_RE.match(word)
    if not m:
        raise ValueError(word)
    a, b, sec = m.groups()
    if b is not None:  # H:M:S
        h, mnt = int(a), int(b)
    elif a is not None:  # M:S
        h, mnt = 0, int(a)
    else:
        h, mnt = 0, 0
    if (a is not None or b is not None) and float(sec) >= 60 or (b is not None and mnt >= 60):
        raise ValueError(word)
    return Fraction(h * 3600 + mnt * 60) + Fraction(sec)


def parse_clip_range(text: str, fps: Fraction | int, *, num_frames: int | None = None) -> tuple[int, int]:
    """``"START-END"`` as frame numbers ``(start, end)``, end exclusive.

    Plain integers are frame numbers (``"1200-1680"`` = 480 frames). Words with ``:``, a
    decimal point or an ``s`` suffix are times (``"00:10:00-00:10:20"``, ``"5.5-7s"``): the
    frames shown during ``[start, end)``. An empty end (``"1200-"``) means "to the last
    frame" and needs ``num_frames``, which is also used to check the range.
    """
    func = "parse_clip_range"
    fps = Fraction(fps)
    s = text.strip()
    if s.count("-") != 1:
        raise UnsupportedFormatError(
            f"{func}: clip range {text!r} must be START-END, e.g. 1200-1680 (frames, end exclusive) "
            "or 00:10:00-00:10:20 (times)."
        )
    left, right = (w.strip() for w in s.split("-"))
    try:
        t0 = _parse_time(left)
        t1 = _parse_time(right) if right else None
    except ValueError:
        raise UnsupportedFormatError(
            f"{func}: clip range {text!r} is not START-END of frame numbers (1200-1680) or times (00:10:00-00:10:20)."
        ) from None
    if not left:
        raise UnsupportedFormatError(f"{func}: clip range {text!r} needs a start, e.g. 0-{right}.")
    start = int(left) if t0 is None else math.floor(t0 * fps)
    if not right:
        if num_frames is None:
            raise UnsupportedFormatError(f"{func}: clip range {text!r} has no end; give one, e.g. {left}-{left}0.")
        end = num_frames
    else:
        end = int(right) if t1 is None else math.ceil(t1 * fps)
    if end <= start:
        raise UnsupportedFormatError(f"{func}: clip range {text!r} is empty (frames {start}-{end}); the end must come after the start.")
    if num_frames is not None and end > num_frames:
        raise UnsupportedFormatError(
            f"{func}: clip range {text!r} ends at frame {end} but the video has only {num_frames} frames "
            f"(0-{num_frames - 1}, {float(num_frames / fps):.3f} s); shorten the range."
        )
    return start, end


# ---------------------------------------------------------------- opening


def _bs_source(path: Path, fps: Fraction | None) -> vs.VideoNode:
    import vapoursynth as vs

    from .cache import cache_dir

    core = vs.core
    if not hasattr(core, "bs"):
        from .errors import MissingPluginError

        raise MissingPluginError("open_source: the BestSource plugin (core.bs) is missing; `pip install vapoursynth-bestsource`.")
    kwargs: dict[str, object] = {"cachemode": 1, "cachepath": str(cache_dir("bsindex"))}
    if fps is not None:
        kwargs.update(fpsnum=fps.numerator, fpsden=fps.denominator)
    try:
        return core.bs.VideoSource(str(path), **kwargs)
    except vs.Error as exc:
        raise MediaError(f"open_source: BestSource cannot open {path.name}: {str(exc).strip()}") from exc


def open_span(
    source: PathLike | MediaInfo,
    *,
    clip_range: str | tuple[int, int] | None = None,
    fps: Fraction | str | int | None = None,
) -> tuple[vs.VideoNode, SourceSpan]:
    """Open a video with BestSource; returns ``(clip, span)``.

    ``clip_range``: a string for :func:`parse_clip_range` or ``(start, end)`` frames (end
    exclusive). ``fps``: convert to this constant rate (needed for VFR sources, which are
    refused otherwise). ``span`` says which part of the file the clip is, for
    :func:`ainimotion_vs.render.render` to cut audio and subtitles to match.
    """
    func = "open_source"
    info = source if isinstance(source, MediaInfo) else probe(source)
    rate = parse_rate(fps, func=func) if fps is not None else None
    if info.vfr and rate is None:
        raise MediaError(
            f"{func}: {info.path.name} has a variable frame rate (average {float(info.fps):.3f} fps); "
            f"give a constant rate to convert it to, e.g. --cfr {info.fps.numerator}/{info.fps.denominator} "
            "(fps=... in Python), or re-encode it to constant rate first."
        )
    if info.pix_fmt.startswith(("yuv420", "yuvj420", "nv12", "p010", "yuv422", "yuvj422")):
        sub_w = 2
        sub_h = 2 if ("420" in info.pix_fmt or info.pix_fmt in ("nv12", "p010le")) else 1
        if info.width % sub_w or info.height % sub_h:
            raise UnsupportedFormatError(
                f"{func}: {info.path.name} is {info.width}x{info.height} {info.pix_fmt}; subsampled chroma needs even "
                f"dimensions. Crop or pad it first, e.g. ffmpeg -i IN -vf crop={info.width - info.width % 2}:"
                f"{info.height - info.height % 2}:0:0 ... ."
            )
    clip = _bs_source(info.path, rate)
    if clip.format is None or clip.width == 0:
        raise UnsupportedFormatError(f"{func}: {info.path.name} changes format or size mid-stream; split or convert it first.")
    if rate is None and clip.num_frames != info.num_frames:
        log.warning(
            "%s: BestSource sees %d frames, the container %d; using BestSource's count", info.path.name, clip.num_frames, info.num_frames
        )
    grid = rate if rate is not None else info.fps
    if clip_range is None:
        start, end = 0, clip.num_frames
    elif isinstance(clip_range, str):
        start, end = parse_clip_range(clip_range, grid, num_frames=clip.num_frames)
    else:
        start, end = (int(v) for v in clip_range)
        if not 0 <= start < end <= clip.num_frames:
            raise UnsupportedFormatError(
                f"{func}: clip_range {clip_range!r} must satisfy 0 <= start < end <= {clip.num_frames} (end exclusive)."
            )
    if rate is None and clip.num_frames != info.num_frames:
        # keep the span on BestSource's frames: the timestamps list does not line up
        grid_forced = True
    else:
        grid_forced = rate is not None
    span = SourceSpan(info=info, start=start, end=end, fps=grid, forced_fps=grid_forced)
    if (start, end) != (0, clip.num_frames):
        clip = clip[start:end]
    return clip, span


def open_source(
    source: PathLike | MediaInfo,
    *,
    clip_range: str | tuple[int, int] | None = None,
    fps: Fraction | str | int | None = None,
) -> vs.VideoNode:
    """Open a video with BestSource (frame accurate, any bit depth) as a VapourSynth clip.

    The same as :func:`open_span` without the span; for ``.vpy`` scripts.
    """
    return open_span(source, clip_range=clip_range, fps=fps)[0]
