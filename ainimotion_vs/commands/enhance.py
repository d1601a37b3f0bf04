"""``ainimotion enhance IN --out OUT``: source -> (enhancement chain) -> ffmpeg.

The chain is plugged in by :func:`build_clip`; everything around it (opening the source,
``--clip`` ranges, VFR handling, encoders, remuxing audio/subtitles/chapters, atomic
output, progress and the output checks) lives here and in :mod:`ainimotion_vs.render`.
"""
from __future__ import annotations

import argparse
import logging
import sys
import threading
import time
from pathlib import Path

from ..errors import UnsupportedFormatError
from ..ffmpeg import ENCODERS

__all__ = ["register", "run", "build_clip", "preset_names"]

log = logging.getLogger("ainimotion_vs")

PLAIN_PROGRESS_EVERY_S = 5.0
"""Seconds between progress lines when stderr is not a terminal."""


def preset_names() -> tuple[str, ...] | None:
    """Names in ``ainimotion_vs.presets.PRESETS``, or None while that module does not exist."""
    try:
        from .. import presets
    except ModuleNotFoundError as exc:
        if exc.name == "ainimotion_vs.presets":
            return None
        raise
    return tuple(presets.PRESETS)


def _check_preset(name: str | None) -> str | None:
    names = preset_names()
    if name is None or name == "none":
        return None
    if names is None:
        raise UnsupportedFormatError(f"enhance: preset {name!r} is not available yet (no presets module); use --preset none.")
    if name not in names:
        raise UnsupportedFormatError(f"enhance: unknown preset {name!r}; choose one of {', '.join(names)} or none.")
    return name


def build_clip(clip, args: argparse.Namespace):
    """The enhancement hook: takes the source clip and the parsed arguments, returns the clip to render.

    It may change size, rate and format; the renderer takes them as they are (the clip
    must keep the source span's duration so the audio stays in sync). Currently it
    returns ``clip`` unchanged.
    """
    return clip


def register(subparsers, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the ``enhance`` subcommand."""
    p = subparsers.add_parser(
        "enhance",
        parents=[common],
        help="enhance a video (interpolate, upscale) and re-encode it with its audio/subtitles",
        description="Read a video with BestSource, run the enhancement chain, encode with ffmpeg, and carry every "
        "audio/subtitle/attachment stream, the chapters and metadata from the source.",
    )
    p.add_argument("input", help="source video file")
    p.add_argument("-o", "--out", help="output file (.mkv, .mp4, .mov); default: INPUT_enhanced.mkv beside the input")
    p.add_argument("--preset", default=None, help="named enhancement preset (see `ainimotion presets`), or none")
    p.add_argument("--encoder", choices=tuple(ENCODERS), default="x264", help="video encoder (default x264)")
    p.add_argument("--crf", type=float, default=None, help="quality (x264/x265 CRF, NVENC CQ); lower is better")
    p.add_argument(
        "--encoder-preset", "--x-preset", dest="encoder_preset", default=None,
        help="encoder speed preset (x264/x265: ultrafast..placebo, NVENC: p1..p7)",
    )
    p.add_argument(
        "--clip", default=None, metavar="RANGE",
        help="only this part: frames 1200-1680 (end exclusive) or times 00:10:00-00:10:20; audio/subtitles follow",
    )
    p.add_argument("--cfr", default=None, metavar="RATE", help="convert a variable-frame-rate source to this constant rate (e.g. 24000/1001)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing output file")
    p.set_defaults(func=run)
    return p


class _PlainProgress:
    """Periodic ``frames, fps, ETA`` lines on stderr (for logs and pipes)."""

    def __init__(self, every_s: float = PLAIN_PROGRESS_EVERY_S) -> None:
        self.every_s = every_s
        self.start = time.monotonic()
        self.last = self.start
        self.lock = threading.Lock()

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        with self.lock:
            if now - self.last < self.every_s and done < total:
                return
            self.last = now
        elapsed = max(now - self.start, 1e-6)
        fps = done / elapsed
        eta = (total - done) / fps if fps > 0 else float("inf")
        print(f"  {done}/{total} frames  {fps:.1f} fps  ETA {eta:.0f} s", file=sys.stderr, flush=True)

    def close(self) -> None:
        pass


class _RichProgress:
    """A rich progress bar on stderr (when it is a terminal)."""

    def __init__(self, total: int) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.progress = Progress(
            TextColumn("enhance"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[fps]:.1f} fps"),
            TimeRemainingColumn(), console=Console(stderr=True), transient=True,
        )
        self.task = self.progress.add_task("frames", total=total, fps=0.0)
        self.start = time.monotonic()
        self.progress.start()

    def __call__(self, done: int, total: int) -> None:
        fps = done / max(time.monotonic() - self.start, 1e-6)
        self.progress.update(self.task, completed=done, total=total, fps=fps)

    def close(self) -> None:
        self.progress.stop()


def _progress(args: argparse.Namespace, total: int):
    if args.quiet:
        return None
    if sys.stderr.isatty():
        return _RichProgress(total)
    return _PlainProgress()


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"  # pragma: no cover


def run(args: argparse.Namespace) -> int:
    """Run ``enhance``; returns 0 on success (errors raise and the CLI prints them)."""
    from ..media import open_span
    from ..render import render

    _check_preset(args.preset)
    src = Path(args.input)
    out = Path(args.out) if args.out else src.with_name(f"{src.stem}_enhanced.mkv")
    clip, span = open_span(src, clip_range=args.clip, fps=args.cfr)
    n_in = clip.num_frames
    clip = build_clip(clip, args)
    log.info(
        "enhance: %s -> %s (%d frames%s, %dx%d, %s fps, %s)",
        src.name, out.name, n_in, f", {args.clip}" if args.clip else "", clip.width, clip.height,
        f"{clip.fps.numerator}/{clip.fps.denominator}", args.encoder,
    )
    bar = _progress(args, clip.num_frames)
    try:
        result = render(
            clip, out, source=span, encoder=args.encoder, crf=args.crf, encoder_preset=args.encoder_preset,
            overwrite=args.overwrite, progress=bar,
        )
    finally:
        if bar is not None:
            bar.close()
    log.info(
        "enhance: done: frames %d in -> %d out, %.1f s of video in %.1f s (%.1f fps), %s, %s",
        n_in, result.frames, result.duration, result.elapsed_s, result.frames / max(result.elapsed_s, 1e-6),
        _size(result.size_bytes), result.path,
    )
    return 0
