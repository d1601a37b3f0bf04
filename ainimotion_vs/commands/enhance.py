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

__all__ = ["register", "register_overrides", "run", "build_clip", "preset_for", "preset_names"]

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


_OVERRIDES = {
    # CLI option dest -> Preset field
    "fps": "fps", "factor": "factor", "height": "height", "width": "width", "scale": "scale",
    "backend": "backend", "tile": "tile", "bit_depth": "bit_depth", "interp_model": "interp_model",
    "upscale_model": "upscale_model", "fallback": "fallback", "keep_colors": "keep_colors",
}


def preset_for(args: argparse.Namespace):
    """The preset named by ``--preset`` with the command line's overrides, or None for ``--preset none``."""
    name = _check_preset(args.preset)
    if name is None:
        return None
    from ..presets import get_preset

    overrides = {field: getattr(args, dest) for dest, field in _OVERRIDES.items() if getattr(args, dest, None) is not None}
    if overrides.get("fps") is not None:
        overrides["fps"] = str(overrides["fps"])
    if getattr(args, "no_interpolate", False):
        overrides["interp_model"] = None
    if getattr(args, "no_upscale", False):
        overrides["upscale_model"] = None
    if "height" in overrides or "width" in overrides:
        overrides.setdefault("scale", None)
    return get_preset(name).with_overrides(**overrides)


def build_clip(clip, args: argparse.Namespace, stats=None):
    """The enhancement hook: the source clip through :func:`ainimotion_vs.enhance` with the
    chosen preset and overrides (unchanged for ``--preset none``).

    The result may change size, rate and format; the renderer takes them as they are (the
    clip keeps the source span's duration so the audio stays in sync).
    """
    preset = preset_for(args)
    if preset is None:
        return clip
    from ..enhance import enhance

    return enhance(clip, preset=preset, stats=stats)


def register_overrides(p: argparse.ArgumentParser) -> None:
    """The preset-override options shared by ``enhance`` and ``preview``."""
    g = p.add_argument_group("preset overrides (see `ainimotion presets`)")
    g.add_argument("--fps", default=None, help="output frame rate, exact: 48, 60000/1001, 59.94")
    g.add_argument("--factor", type=int, default=None, help="integer frame-rate multiplier (default 2)")
    g.add_argument("--height", type=int, default=None, help="output height (width keeps the aspect)")
    g.add_argument("--width", type=int, default=None, help="output width")
    g.add_argument("--scale", type=float, default=None, help="output size as a factor of the source")
    g.add_argument("--backend", default=None, help="auto, torch, torch-cuda, ort, ort-cuda, ov, trt")
    g.add_argument("--tile", default=None, help="upscaler tiles: auto, none or WxH")
    g.add_argument("--bit-depth", type=int, choices=(8, 10), default=None, help="output bit depth")
    g.add_argument("--interp-model", default=None, help="interpolation model (ainimotion weights list)")
    g.add_argument("--upscale-model", default=None, help="upscaling model (ainimotion weights list)")
    g.add_argument("--no-interpolate", action="store_true", help="keep the frame rate")
    g.add_argument("--no-upscale", action="store_true", help="keep the size")
    g.add_argument("--fallback", action=argparse.BooleanOptionalAction, default=None,
                   help="replace likely broken in-between frames with the nearest source frame")
    g.add_argument("--keep-colors", action=argparse.BooleanOptionalAction, default=None,
                   help="restore the source's low-frequency colour after upscaling")


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
    p.add_argument("--preset", default="anime-clean",
                   help="named preset (see `ainimotion presets`; default anime-clean), or none for a plain re-encode")
    p.add_argument("--encoder", choices=tuple(ENCODERS), default=None, help="video encoder (default: the preset's; x264 for none)")
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
    register_overrides(p)
    p.set_defaults(func=run)
    return p


class _PlainProgress:
    """Periodic ``frames, fps, ETA`` lines on stderr (for logs and pipes)."""

    def __init__(self, every_s: float = PLAIN_PROGRESS_EVERY_S) -> None:
        self.every_s = every_s
        self.start = time.monotonic()
        self.last = self.start
        self.lock = threading.Lock()
        self.info = None

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        with self.lock:
            if now - self.last < self.every_s and done < total:
                return
            self.last = now
        elapsed = max(now - self.start, 1e-6)
        fps = done / elapsed
        eta = (total - done) / fps if fps > 0 else float("inf")
        extra = f"  {self.info()}" if self.info else ""
        print(f"  {done}/{total} frames  {fps:.1f} fps  ETA {eta:.0f} s{extra}", file=sys.stderr, flush=True)

    def close(self) -> None:
        pass


class _RichProgress:
    """A rich progress bar on stderr (when it is a terminal)."""

    def __init__(self, total: int) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.progress = Progress(
            TextColumn("enhance"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[fps]:.1f} fps"),
            TimeRemainingColumn(), TextColumn("{task.fields[info]}"), console=Console(stderr=True), transient=True,
        )
        self.info = None
        self.task = self.progress.add_task("frames", total=total, fps=0.0, info="")
        self.start = time.monotonic()
        self.progress.start()

    def __call__(self, done: int, total: int) -> None:
        fps = done / max(time.monotonic() - self.start, 1e-6)
        self.progress.update(self.task, completed=done, total=total, fps=fps, info=self.info() if self.info else "")

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


def _share(counts: dict[str, int]) -> str:
    total = sum(counts.values()) or 1
    return ", ".join(f"{k} {v} ({100 * v / total:.0f}%)" for k, v in sorted(counts.items()))


def run(args: argparse.Namespace) -> int:
    """Run ``enhance``; returns 0 on success (errors raise and the CLI prints them)."""
    from ..enhance import EnhanceStats
    from ..media import open_span
    from ..render import render

    preset = preset_for(args)
    if args.tile is not None and args.tile.lower() == "none":
        args.tile = None
    encoder = args.encoder or (preset.encoder if preset else "x264")
    crf = args.crf if args.crf is not None else (preset.crf if preset else None)
    # The preset's speed preset belongs to its own encoder (x265 "slow" means nothing to NVENC).
    same_encoder = preset is not None and encoder == preset.encoder
    encoder_preset = args.encoder_preset or (preset.encoder_preset if same_encoder else None)
    src = Path(args.input)
    out = Path(args.out) if args.out else src.with_name(f"{src.stem}_enhanced.mkv")
    clip, span = open_span(src, clip_range=args.clip, fps=args.cfr)
    n_in = clip.num_frames
    stats = EnhanceStats()
    clip = build_clip(clip, args, stats)
    log.info(
        "enhance: %s -> %s (%d frames%s, preset %s, %dx%d, %s fps, %s)",
        src.name, out.name, n_in, f", {args.clip}" if args.clip else "", preset.name if preset else "none",
        clip.width, clip.height, f"{clip.fps.numerator}/{clip.fps.denominator}", encoder,
    )
    bar = _progress(args, clip.num_frames)
    if bar is not None and preset is not None:
        bar.info = lambda: f"model runs: interp {stats.interpolate.calls}, upscale {stats.upscale.calls}"
    try:
        result = render(
            clip, out, source=span, encoder=encoder, crf=crf, encoder_preset=encoder_preset,
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
    if preset is not None:
        labels = stats.label_counts()
        sources = stats.source_counts()
        log.info("enhance: intervals: %s", _share(labels) if labels else "-")
        if sources:
            log.info("enhance: output frames: %s", _share(sources))
        naive_interp = sum(labels.values()) if preset.interp_model else 0
        log.info(
            "enhance: model runs: interpolation %d (every interval: %d), upscaling %d (every output frame: %d)",
            stats.interpolate.calls, naive_interp, stats.upscale.calls, result.frames if preset.upscale_model else 0,
        )
    return 0
