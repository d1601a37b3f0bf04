"""Probing media files with PyAV: streams, every video frame's timestamp, rate, damage.

:func:`probe` demuxes the whole file once (packets only, no decoding except the first
video frame) to learn every video frame's timestamp, each audio stream's start and end,
and to detect variable frame rate, truncation, damage and undecodable video. It runs as
named steps: open, pick the video stream, read packets, find the rate, check the file is
complete, read the pixel format, describe the other streams.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from ..errors import MediaError

__all__ = ["StreamInfo", "MediaInfo", "STANDARD_RATES", "probe"]

PathLike = str | os.PathLike[str]

_DAMAGE_SLACK_BYTES = 64 * 1024
"""Unread bytes after the last packet read (beyond 1% of the file) that mean the reading
stopped in the middle of the data (damage), not at the file's index: Matroska Cues hold
about 12 bytes per video keyframe, well under 1% of any file."""


@dataclass(frozen=True, kw_only=True)
class StreamInfo:
    """One non-video stream of a file (audio, subtitle, attachment or data)."""

    index: int
    """Stream index in the file (ffmpeg's ``0:N``)."""
    kind: str
    """``audio``, ``subtitle``, ``attachment``, ``data``, ``cover`` (cover art) or ``video`` (a second video track)."""
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
    """Constant frame rate (for a VFR file: its true average, frames over time shown, and ``vfr`` is True)."""
    vfr: bool
    """True when the frame timestamps are not on one constant-rate grid."""
    num_frames: int
    frame_times: tuple[Fraction, ...] = field(repr=False)
    """Presentation time of every video frame, sorted (seconds from the file start)."""
    streams: tuple[StreamInfo, ...]
    """Every stream but the video one used, in file order."""
    chapters: int
    """Number of chapters."""
    chapter_marks: tuple[tuple[Fraction, Fraction, str], ...] = ()
    """``(start, end, title)`` of each chapter, seconds from the file start."""
    corrupt_packets: int = 0
    """Packets the demuxer flagged as damaged (the decoder conceals them as best it can)."""

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
        # an absolute path: a relative name like "file:x.mkv" or "http:x" would read as a protocol
        return av.open(os.path.abspath(path))
    except av.FFmpegError as exc:
        raise MediaError(
            f"{func}: {path.name} is not a media file FFmpeg can read ({exc.strerror or exc}); "
            "check that it is a complete video file (a truncated download or a text file gives this)."
        ) from exc


def _stream_kind(stream) -> str:
    import av

    t = stream.type
    if t == "video":
        return "cover" if stream.disposition & av.stream.Disposition.attached_pic else "video"
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
        with av.open(os.path.abspath(path)) as c:
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


def _video_stream(container, name: str, func: str):
    """The first real video stream (cover art is not one), with a decoder in this FFmpeg."""
    import av

    videos = [s for s in container.streams.video if not (s.disposition & av.stream.Disposition.attached_pic)]
    if not videos:
        kinds = ", ".join(f"{_stream_kind(s)} ({_codec_name(s)})" for s in container.streams) or "no streams"
        raise MediaError(f"{func}: {name} has no video stream (it has: {kinds}); ainimotion needs a video file.")
    vstream = videos[0]
    vcodec = _codec_name(vstream)
    if vcodec == "none":
        raise MediaError(
            f"{func}: {name}: the video stream's codec is unknown to FFmpeg, so it cannot be decoded; "
            "convert it with a tool that reads it, or re-download the file."
        )
    try:
        av.Codec(vcodec, "r")
    except (av.FFmpegError, ValueError) as exc:
        raise MediaError(f"{func}: {name}: this FFmpeg has no decoder for {vcodec} video; convert the file first.") from exc
    return vstream


@dataclass
class _Packets:
    """What one pass over the packets found."""

    ticks: list[int] = field(default_factory=list)
    """Video presentation times in the video stream's time base."""
    audio: dict[int, list[Fraction]] = field(default_factory=dict)
    """Audio stream index -> [first start, last end, longest packet] in seconds from the file start."""
    counts: dict[int, int] = field(default_factory=dict)
    """Stream index -> packets read."""
    corrupt: int = 0
    """Packets the demuxer flagged as corrupt."""
    bytes_end: int = 0
    """File offset just past the last packet's data (0 when the demuxer gives no positions)."""


def _read_packets(container, vstream, file_start: Fraction, name: str, func: str) -> _Packets:
    import av

    got = _Packets()
    try:
        for pkt in container.demux():
            if pkt.pts is None and pkt.dts is None:
                continue
            idx = pkt.stream.index
            got.counts[idx] = got.counts.get(idx, 0) + 1
            got.corrupt += bool(pkt.is_corrupt)
            if pkt.pos is not None and pkt.pos >= 0:
                got.bytes_end = max(got.bytes_end, pkt.pos + pkt.size)
            pts = pkt.pts if pkt.pts is not None else pkt.dts
            if idx == vstream.index:
                if not pkt.is_discard:
                    got.ticks.append(pts)
            elif pkt.stream.type == "audio" and pkt.time_base is not None:
                tb = Fraction(pkt.time_base)
                t0 = pts * tb - file_start
                dur = (pkt.duration or 0) * tb
                a = got.audio.setdefault(idx, [t0, t0 + dur, dur])
                a[0] = min(a[0], t0)
                a[1] = max(a[1], t0 + dur)
                a[2] = max(a[2], dur)
    except av.FFmpegError as exc:
        raise MediaError(
            f"{func}: {name} is damaged: reading it failed after {len(got.ticks)} video frames ({exc}). "
            "Re-download it, or re-mux what is readable with ffmpeg -i IN -c copy OUT.mkv."
        ) from exc
    if not got.ticks:
        raise MediaError(f"{func}: {name} has a video stream but no video frames; nothing to process.")
    got.ticks.sort()
    return got


def _frame_rate(vstream, ticks: list[int], frame_times: tuple[Fraction, ...]) -> tuple[Fraction, bool]:
    """``(fps, vfr)``: the constant rate the timestamps fit, or (true average, True)."""
    vtb = Fraction(vstream.time_base)
    rates = [Fraction(r) for r in (vstream.guessed_rate, vstream.average_rate) if r]
    span = frame_times[-1] - frame_times[0]
    measured = Fraction(len(ticks) - 1) / span if len(ticks) > 1 and span > 0 else None
    if measured is not None and not rates:
        rates = [measured]
    fps = next((r for r in _rate_candidates(rates) if _is_constant_rate(ticks, vtb, r)), None)
    if fps is not None:
        return fps.limit_denominator(1_000_001), False
    if len(ticks) < 2:
        return (rates[0] if rates else Fraction(24000, 1001)).limit_denominator(1_000_001), False
    # variable rate: the true average over the frames shown (the container's average_rate is
    # often the rate of its first frames only)
    return (measured if measured is not None else rates[-1]).limit_denominator(1_000_001), True


def _check_complete(
    container, ends: dict[int, Fraction], file_start: Fraction, fps: Fraction, packets: _Packets, size: int, name: str, func: str
) -> None:
    """Refuse a file whose streams stop before where they say they end: **damaged** when the
    reading stopped with much of the file unread, **truncated** when it ran to the end."""
    unread = size - packets.bytes_end if packets.bytes_end else 0
    for idx, end in ends.items():
        declared = _declared_end(container.streams[idx], file_start)
        # declared ends (MP4 track duration, Matroska DURATION tag) are the end of the last
        # packet as the muxer wrote it: two frames, plus one audio packet for audio, cover the
        # rounding of the comparison (the video end is estimated as last frame + one period)
        audio = packets.audio.get(idx)
        tol = 2 / fps + (audio[2] if audio else 0)
        if declared is None or end >= declared - tol:
            continue
        kind = container.streams[idx].type
        if unread > max(_DAMAGE_SLACK_BYTES, size // 100):
            raise MediaError(
                f"{func}: {name} is damaged: its {kind} stream says it lasts until {float(declared):.2f} s but reading "
                f"stopped at {float(end):.2f} s ({len(packets.ticks)} video frames), with {unread:,} bytes after that "
                "unreadable. Re-download it, or keep the readable part with ffmpeg -i IN -c copy OUT.mkv."
            )
        raise MediaError(
            f"{func}: {name} is truncated: its {kind} stream says it lasts until {float(declared):.2f} s but the file "
            f"ends at {float(end):.2f} s ({len(packets.ticks)} video frames). Re-download or re-mux the complete file."
        )


def _chapter_marks(container, file_start: Fraction) -> tuple[tuple[Fraction, Fraction, str], ...]:
    marks = []
    for ch in container.chapters():
        tb = Fraction(ch["time_base"].numerator, ch["time_base"].denominator)
        marks.append((ch["start"] * tb - file_start, ch["end"] * tb - file_start, ch["metadata"].get("title", "")))
    return tuple(marks)


def _other_streams(container, vstream, packets: _Packets) -> tuple[StreamInfo, ...]:
    streams = []
    for s in container.streams:
        if s.index == vstream.index:
            continue
        a = packets.audio.get(s.index)
        streams.append(
            StreamInfo(
                index=s.index,
                kind=_stream_kind(s),
                codec=_codec_name(s),
                language=s.metadata.get("language"),
                start=a[0] if a else None,
                end=a[1] if a else None,
                packets=packets.counts.get(s.index, 0),
                max_packet_duration=a[2] if a else Fraction(0),
            )
        )
    return tuple(streams)


def probe(path: PathLike) -> MediaInfo:
    """Read a file's streams and every video frame's timestamp.

    Raises :class:`MediaError` for a missing, unreadable, damaged, truncated or video-less
    file, an undecodable video codec, or a video without frames. Variable frame rate is
    reported (``vfr=True``), not refused: :func:`~ainimotion_vs.media.open_span` decides.
    """
    import av

    func = "probe"
    p = Path(path)
    with _open_container(p, func) as container:
        file_start = Fraction(container.start_time, av.time_base) if container.start_time is not None else Fraction(0)
        duration = Fraction(container.duration, av.time_base) if container.duration is not None else None
        vstream = _video_stream(container, p.name, func)
        packets = _read_packets(container, vstream, file_start, p.name, func)
        vtb = Fraction(vstream.time_base)
        frame_times = tuple(t * vtb - file_start for t in packets.ticks)
        fps, vfr = _frame_rate(vstream, packets.ticks, frame_times)
        ends = {vstream.index: frame_times[-1] + 1 / fps, **{i: a[1] for i, a in packets.audio.items()}}
        _check_complete(container, ends, file_start, fps, packets, p.stat().st_size, p.name, func)
        pix_fmt = _first_frame_format(p, vstream.index, func)
        if pix_fmt == "none":
            raise MediaError(f"{func}: {p.name}: cannot tell the video's pixel format; the stream may be corrupt.")
        return MediaInfo(
            path=p,
            container=container.format.name,
            duration=duration,
            video_index=vstream.index,
            codec=_codec_name(vstream),
            width=vstream.codec_context.width,
            height=vstream.codec_context.height,
            pix_fmt=pix_fmt,
            bit_depth=av.VideoFormat(pix_fmt).components[0].bits,
            fps=fps,
            vfr=vfr,
            num_frames=len(packets.ticks),
            frame_times=frame_times,
            streams=_other_streams(container, vstream, packets),
            chapters=len(marks := _chapter_marks(container, file_start)),
            chapter_marks=marks,
            corrupt_packets=packets.corrupt,
        )
