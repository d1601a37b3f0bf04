"""Opening a video in VapourSynth (BestSource) as a span of its file, and clip ranges.

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

import math
import os
import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from .._timing import parse_fps
from ..errors import MediaError, UnsupportedFormatError
from .probe import STANDARD_RATES, MediaInfo, probe

if TYPE_CHECKING:  # pragma: no cover
    import vapoursynth as vs

__all__ = ["SourceSpan", "parse_clip_range", "open_span", "open_source", "suggest_cfr"]

PathLike = str | os.PathLike[str]


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


# ---------------------------------------------------------------- ranges

_TIME_RE = re.compile(r"^(?:(\d+):)?(?:(\d+):)?(\d+(?:\.\d+)?)s?$")


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

    from ..cache import cache_dir

    core = vs.core
    if not hasattr(core, "bs"):
        from ..errors import MissingPluginError

        raise MissingPluginError("open_source: the BestSource plugin (core.bs) is missing; `pip install vapoursynth-bestsource`.")
    kwargs: dict[str, object] = {"cachemode": 1, "cachepath": str(cache_dir("bsindex"))}
    if fps is not None:
        kwargs.update(fpsnum=fps.numerator, fpsden=fps.denominator)
    try:
        return core.bs.VideoSource(os.path.abspath(path), **kwargs)
    except vs.Error as exc:
        raise MediaError(f"open_source: BestSource cannot open {path.name}: {str(exc).strip()}") from exc


def suggest_cfr(info: MediaInfo) -> Fraction:
    """A common constant rate to convert a VFR file to without dropping frames: the smallest
    standard rate at or above the fastest run of frames (1 ms slack for container rounding);
    when that exceeds 120 fps (a stray timestamp), the smallest standard rate at or above the average."""
    times = info.frame_times
    gaps = [b - a for a, b in zip(times, times[1:]) if b > a]
    peak = 1 / (min(gaps) + Fraction(1, 1000)) if gaps else info.fps
    ordered = sorted(STANDARD_RATES)
    for target in (peak, info.fps):
        pick = next((r for r in ordered if r >= target), None)
        if pick is not None and pick <= 120:
            return pick
    return ordered[-1]


def _check_rate(info: MediaInfo, rate: Fraction | None, func: str) -> None:
    if not info.vfr or rate is not None:
        return
    cfr = suggest_cfr(info)
    raise MediaError(
        f"{func}: {info.path.name} has a variable frame rate ({info.num_frames} frames, "
        f"{float(info.frame_times[-1] - info.frame_times[0]):.3f} s from the first to the last: "
        f"true average {float(info.fps):.3f} fps). "
        f"Give a constant rate to convert it to, e.g. --cfr {cfr} ({float(cfr):.3f} fps, no frame dropped; "
        "fps=... in Python), or re-encode it to constant rate first."
    )


def _check_subsampling(info: MediaInfo, func: str) -> None:
    if info.pix_fmt.startswith(("yuv420", "yuvj420", "nv12", "p010", "yuv422", "yuvj422")):
        sub_h = 2 if ("420" in info.pix_fmt or info.pix_fmt in ("nv12", "p010le")) else 1
        if info.width % 2 or info.height % sub_h:
            raise UnsupportedFormatError(
                f"{func}: {info.path.name} is {info.width}x{info.height} {info.pix_fmt}; subsampled chroma needs even "
                f"dimensions. Crop or pad it first, e.g. ffmpeg -i IN -vf crop={info.width - info.width % 2}:"
                f"{info.height - info.height % 2}:0:0 ... ."
            )


def _frame_range(clip_range: str | tuple[int, int] | None, grid: Fraction, num_frames: int, func: str) -> tuple[int, int]:
    if clip_range is None:
        return 0, num_frames
    if isinstance(clip_range, str):
        return parse_clip_range(clip_range, grid, num_frames=num_frames)
    start, end = (int(v) for v in clip_range)
    if not 0 <= start < end <= num_frames:
        raise UnsupportedFormatError(
            f"{func}: clip_range {clip_range!r} must satisfy 0 <= start < end <= {num_frames} (end exclusive)."
        )
    return start, end


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
    rate = parse_fps(fps, func=func) if fps is not None else None
    _check_rate(info, rate, func)
    _check_subsampling(info, func)
    clip = _bs_source(info.path, rate)
    if clip.format is None or clip.width == 0:
        raise UnsupportedFormatError(f"{func}: {info.path.name} changes format or size mid-stream; split or convert it first.")
    grid = rate if rate is not None else info.fps
    # BestSource measures the rate from the frames it indexed (two frames 42 ms apart in
    # Matroska's whole milliseconds read 500/21); the probe's rate fits every timestamp
    if Fraction(clip.fps.numerator, clip.fps.denominator) != grid:
        clip = clip.std.AssumeFPS(fpsnum=grid.numerator, fpsden=grid.denominator)
    if rate is None and clip.num_frames != info.num_frames:
        # frames listed but not decodable (or the reverse): the audio could not stay in sync
        raise MediaError(
            f"{func}: {info.path.name} is damaged: {clip.num_frames} of the {info.num_frames} video frames its container "
            f"lists decode. Re-download it, or re-encode what decodes (ffmpeg -i IN -c:v libx264 -crf 16 -c:a copy OUT.mkv)."
        )
    forced = rate is not None
    start, end = _frame_range(clip_range, grid, clip.num_frames, func)
    span = SourceSpan(info=info, start=start, end=end, fps=grid, forced_fps=forced)
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
