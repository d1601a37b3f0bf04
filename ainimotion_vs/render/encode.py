""":func:`render`: a VapourSynth clip as y4m into ffmpeg, with the source's other streams."""
from __future__ import annotations

import logging
import os
import subprocess
import tempfile
import time
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from .._vs import check_clip, check_constant_rate
from .._color import ffmpeg_color_filters
from ..errors import EncodeError, UnsupportedFormatError
from ..ffmpeg import FFmpeg, check_encoder, encoder_spec, find_ffmpeg
from ..media import MediaInfo, SourceSpan, probe
from . import output, pipes
from .plan import VideoFacts, build_plan, check_options, pix_fmt
from .sidecar import prepare_sidecars

if TYPE_CHECKING:  # pragma: no cover
    import vapoursynth as vs

    from .output import RenderResult

__all__ = ["render", "prepare"]

log = logging.getLogger("ainimotion_vs")

PathLike = str | os.PathLike[str]


def _video_facts(clip: vs.VideoNode, func: str) -> VideoFacts:
    check_clip(clip, func)
    check_constant_rate(clip, func)
    if clip.num_frames < 1:
        raise UnsupportedFormatError(f"{func}: clip has no frames.")
    fmt, bits = pix_fmt(clip, func)
    return VideoFacts(
        width=clip.width, height=clip.height, num_frames=clip.num_frames, fps=Fraction(clip.fps.numerator, clip.fps.denominator),
        bits=bits, pix_fmt=fmt, filters=ffmpeg_color_filters(clip.get_frame(0).props),
    )


def _as_span(source: SourceSpan | MediaInfo | PathLike | None) -> SourceSpan | None:
    if source is None or isinstance(source, SourceSpan):
        return source
    info = source if isinstance(source, MediaInfo) else probe(source)
    return SourceSpan(info=info, start=0, end=info.num_frames, fps=info.fps)


def prepare(
    facts: VideoFacts, out_path: PathLike, source, *, encoder: str, crf: float | None, encoder_preset: str | None,
    overwrite: bool, ffmpeg: FFmpeg | None, func: str,
):
    """Everything checked before a frame is made: options, paths, durations, the encoder; then
    the temporary output and the plan. Returns ``(spec, span, out, ffmpeg, tmp, plan, side_dir)``;
    ``side_dir`` (a TemporaryDirectory or None) holds subtitles and chapters cut to a part, for
    the caller to clean up with the temporary output."""
    spec = encoder_spec(encoder, func=func)
    span = _as_span(source)
    out, muxer = output.check_paths(out_path, span, overwrite=overwrite, func=func)
    check_options(spec, crf, encoder_preset, muxer, facts, func)
    if span is not None:
        slack = max(1 / facts.fps, 1 / span.fps)
        if abs(span.duration - facts.duration) > slack:
            raise EncodeError(
                f"{func}: the clip lasts {float(facts.duration):.3f} s but the source span lasts {float(span.duration):.3f} s; "
                "audio would drift. Keep the clip's duration when changing its rate, or pass the matching source span."
            )
    ff = ffmpeg or find_ffmpeg()
    check_encoder(ff, spec, bits=facts.bits, pix_fmt=facts.pix_fmt, func=func)
    output.remove_stale_parts(out)
    tmp = output.temp_output(out, func)
    side_dir = None
    try:
        sidecars = None
        if span is not None and not span.is_whole and (span.info.chapters or span.info.kind("subtitle")):
            side_dir = tempfile.TemporaryDirectory(prefix="ainimotion-cut-")
            sidecars = prepare_sidecars(ff.path, span, Path(side_dir.name), func=func)
        plan = build_plan(
            ff.path, spec, facts, span, tmp, muxer, crf=crf, encoder_preset=encoder_preset, func=func, sidecars=sidecars
        )
    except BaseException:
        pipes.clean_up(lambda: output.remove(tmp), lambda: side_dir is not None and side_dir.cleanup())
        raise
    for note in plan.notes:
        log.warning("%s: %s", func, note)
    log.debug("ffmpeg command: %s", subprocess.list2cmdline(plan.argv))
    return spec, span, out, ff, tmp, plan, side_dir


def render(
    clip: vs.VideoNode,
    out_path: PathLike,
    *,
    source: SourceSpan | MediaInfo | PathLike | None = None,
    encoder: str = "x264",
    crf: float | None = None,
    encoder_preset: str | None = None,
    overwrite: bool = False,
    progress: pipes.ProgressFn | None = None,
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
    spec, span, out, ff, tmp, plan, side_dir = prepare(
        facts, out_path, source, encoder=encoder, crf=crf, encoder_preset=encoder_preset, overwrite=overwrite, ffmpeg=ffmpeg, func=func,
    )
    started = time.monotonic()
    proc: subprocess.Popen | None = None
    writer: pipes.ClipWriter | None = None
    try:
        proc = pipes.start(plan.argv, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
        tail = pipes.StderrTail(proc.stderr)
        tail.start()
        writer = pipes.ClipWriter(clip, proc.stdin, progress)
        writer.start()
        while writer.is_alive():
            writer.join(0.2)
        rc = proc.wait()
        tail.join(5)
        err = writer.error
        if rc != 0:
            raise EncodeError(f"{func}: ffmpeg failed (exit {rc}) after {writer.done} of {facts.num_frames} frames: {tail.text()}")
        if err is not None:
            last = [ln.strip() for ln in str(err).splitlines() if ln.strip()] or [type(err).__name__]
            raise EncodeError(f"{func}: VapourSynth failed after {writer.done} of {facts.num_frames} frames: {last[-1]}") from err
        return output.finish(tmp, out, facts, span, plan, overwrite=overwrite, started=started, ff=ff, spec=spec, func=func)
    finally:
        # the writer ends once ffmpeg's pipe is gone: wait for it, so that nothing of this
        # render (its progress callback included) runs after render() has returned or raised
        pipes.clean_up(
            lambda: pipes.stop(proc), lambda: writer is not None and writer.join(5), lambda: output.remove(tmp),
            lambda: side_dir is not None and side_dir.cleanup(),
        )
