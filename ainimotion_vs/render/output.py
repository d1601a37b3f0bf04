"""The output file: path safety, a temporary name beside it, the checks on what was
written, and the atomic rename.

The temporary name is ``.STEM.PID.RANDOM.ainimotion-part.SUFFIX`` in the destination
folder: a run killed with SIGKILL (nothing can clean up then) leaves one behind, and the
next run on the same output removes it when process PID no longer runs. It is created
with mode 0666 less the umask, like any file a program writes, so the finished output
is readable by whoever the user's umask allows (a media server, say).
"""
from __future__ import annotations

import logging
import os
import re
import secrets
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from ..cache import process_running
from ..errors import EncodeError, MediaError, UnsupportedFormatError
from ..media import MediaInfo, SourceSpan, probe
from .plan import CONTAINERS, Plan, VideoFacts

if TYPE_CHECKING:  # pragma: no cover
    from ..ffmpeg import EncoderSpec, FFmpeg

__all__ = ["RenderResult", "PART_SUFFIX", "check_paths", "temp_output", "remove", "remove_stale_parts", "verify", "finish"]

log = logging.getLogger("ainimotion_vs")

PathLike = str | os.PathLike[str]

PART_SUFFIX = ".ainimotion-part"
"""Marks a temporary output: ``.STEM.PID.RANDOM.ainimotion-part.SUFFIX``."""


@dataclass(frozen=True, kw_only=True)
class RenderResult:
    """What :func:`~ainimotion_vs.render.render` wrote."""

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


def check_paths(out_path: PathLike, span: SourceSpan | None, *, overwrite: bool, func: str) -> tuple[Path, str]:
    """``(absolute output path, muxer)``; refuses an unknown suffix, a missing folder, the input itself,
    a folder, or an existing file without ``overwrite``."""
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


def _part_pattern(out: Path) -> re.Pattern[str]:
    return re.compile(rf"\.{re.escape(out.stem)}\.(\d+)\.[0-9a-f]+{re.escape(PART_SUFFIX + out.suffix)}")


def remove_stale_parts(out: Path) -> list[Path]:
    """Remove temporary outputs for ``out`` left by runs that no longer exist (a SIGKILL, a
    power cut); returns what was removed. A part file of a run still going is kept."""
    pattern = _part_pattern(out)
    removed = []
    try:
        names = os.listdir(out.parent)
    except OSError:
        return removed
    for name in names:
        m = pattern.fullmatch(name)
        if m and int(m.group(1)) != os.getpid() and not process_running(int(m.group(1))):
            path = out.parent / name
            remove(path)
            removed.append(path)
            log.info("removed %s, left by an interrupted run", name)
    return removed


def temp_output(out: Path, func: str) -> Path:
    """Create the empty temporary file for ``out`` (mode 0666 less the umask)."""
    for _ in range(100):
        path = out.parent / f".{out.stem}.{os.getpid()}.{secrets.token_hex(4)}{PART_SUFFIX}{out.suffix}"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        except OSError as exc:
            raise EncodeError(f"{func}: cannot write in the output folder {out.parent}: {exc.strerror or exc}.") from exc
        os.close(fd)
        return path
    raise EncodeError(f"{func}: cannot find a free temporary name in {out.parent}.")  # pragma: no cover


def remove(path: Path) -> None:
    """Delete ``path`` if it exists."""
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def verify(tmp: Path, facts: VideoFacts, span: SourceSpan | None, plan: Plan, func: str) -> MediaInfo:
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
        problems += _audio_sync_problems(got, out_audio, facts, span, plan)
    if problems:
        raise EncodeError(f"{func}: the written file failed its checks: {'; '.join(problems)}.")
    return got


def _audio_sync_problems(got: MediaInfo, out_audio, facts: VideoFacts, span: SourceSpan, plan: Plan) -> list[str]:
    """Each output audio stream starts and ends where the source's does relative to the video,
    within one frame (plus one packet when copied: a copy is cut at packet boundaries)."""
    problems = []
    frame = 1 / facts.fps
    vdur = got.video_end - got.video_start
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
    return problems


def finish(
    tmp: Path, out: Path, facts: VideoFacts, span: SourceSpan | None, plan: Plan, *, overwrite: bool, started: float,
    ff: FFmpeg, spec: EncoderSpec, func: str,
) -> RenderResult:
    """Verify the temporary file and rename it to ``out`` (atomic within the folder)."""
    got = verify(tmp, facts, span, plan, func)
    if not overwrite and (out.exists() or out.is_symlink()):
        raise EncodeError(f"{func}: output {out} appeared while rendering; pass --overwrite to replace it.")
    os.replace(tmp, out)
    return RenderResult(
        path=out, frames=got.num_frames, fps=facts.fps, duration=float(got.video_end - got.video_start),
        size_bytes=out.stat().st_size, elapsed_s=time.monotonic() - started, encoder=spec.name,
        audio_streams=len(plan.audio), subtitle_streams=plan.subtitles, attachments=plan.attachments, ffmpeg=ff.path,
    )
