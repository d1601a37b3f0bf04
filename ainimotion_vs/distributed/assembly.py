"""Join finished segments into the final file without re-encoding, with the source's streams.

One ffmpeg run: the segments through the concat demuxer (``-c:v copy``: every segment is its
own encode and starts with a keyframe, so packets join as they are) and the source file for
its audio, subtitles, attachments, chapters and metadata, carried exactly as a single-process
render carries them (:func:`ainimotion_vs.render.plan.build_copy_plan`). Each segment's
duration is written into the list (``frames / fps`` to the microsecond), so the timestamps
of segment ``k`` continue those of segment ``k-1`` without the container's millisecond
rounding adding up. The result gets the checks of a single-process render (frame count,
duration, rate, bit depth, streams, audio within a frame of the video) under a temporary
name, and is renamed to the output only when they pass.
"""
from __future__ import annotations

import logging
import os
import subprocess
import time
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

from ..errors import EncodeError
from ..ffmpeg import FFmpeg, encoder_spec, find_ffmpeg

__all__ = ["concat_list", "assemble"]

log = logging.getLogger("ainimotion_vs")


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "'\\''") + "'"


def concat_list(segments: Sequence[tuple[Path, int]], fps: Fraction) -> str:
    """An ``ffconcat`` list of ``(segment, frames)`` with each segment's exact duration."""
    lines = ["ffconcat version 1.0"]
    for path, frames in segments:
        lines.append(f"file {_quote(Path(os.path.abspath(path)))}")
        lines.append(f"duration {float(Fraction(frames) / fps):.6f}")
    return "\n".join(lines) + "\n"


def assemble(
    segments: Sequence[tuple[Path, int]],
    out_path: Path,
    *,
    facts,
    span,
    encoder: str,
    work: Path,
    overwrite: bool = False,
    ffmpeg: FFmpeg | None = None,
):
    """Write ``out_path`` from ``segments`` (``(path, frames)`` in order) and ``span``'s other
    streams; ``facts``: the :class:`~ainimotion_vs.render.VideoFacts` the whole output must
    have. Returns the :class:`~ainimotion_vs.render.RenderResult`."""
    from ..render import output, pipes
    from ..render.plan import build_copy_plan, check_options

    func = "enhance"
    started = time.monotonic()
    spec = encoder_spec(encoder, func=func)
    got = sum(f for _, f in segments)
    if got != facts.num_frames:
        raise EncodeError(f"{func}: the segments hold {got} frames but the output needs {facts.num_frames}; rerun to render the rest.")
    out, muxer = output.check_paths(out_path, span, overwrite=overwrite, func=func)
    check_options(spec, None, None, muxer, facts, func)
    ff = ffmpeg or find_ffmpeg()
    listing = work / "concat.ffconcat"
    listing.write_text(concat_list(segments, facts.fps), encoding="utf-8")
    output.remove_stale_parts(out)
    tmp = output.temp_output(out, func)
    proc = None
    try:
        plan = build_copy_plan(
            ff.path, ["-f", "concat", "-safe", "0", "-i", str(listing)], spec, span, tmp, muxer, func=func,
        )
        for note in plan.notes:
            log.warning("%s: %s", func, note)
        log.debug("ffmpeg command: %s", subprocess.list2cmdline(plan.argv))
        proc = pipes.start(plan.argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        tail = pipes.StderrTail(proc.stderr)
        tail.start()
        rc = proc.wait()
        tail.join(5)
        if rc != 0:
            raise EncodeError(f"{func}: joining the segments failed (ffmpeg exit {rc}): {tail.text()}")
        return output.finish(tmp, out, facts, span, plan, overwrite=overwrite, started=started, ff=ff, spec=spec, func=func)
    finally:
        pipes.clean_up(lambda: pipes.stop(proc), lambda: output.remove(tmp))
