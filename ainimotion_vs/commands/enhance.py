"""``ainimotion enhance IN --out OUT``: source -> (enhancement chain) -> ffmpeg.

The chain is plugged in by :func:`build_clip`; everything around it (opening the source,
``--clip`` ranges, VFR handling, encoders, remuxing audio/subtitles/chapters, atomic
output, progress and the output checks) lives here and in :mod:`ainimotion_vs.render`.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
import threading
import time
from pathlib import Path

from ..errors import SettingsError
from ..ffmpeg import ENCODERS

__all__ = [
    "register", "register_overrides", "run", "build_clip", "preset_for", "preset_names", "check_option_effects",
    "encoder_settings", "rate_arg", "factor_arg", "plain_output", "check_targets",
]

log = logging.getLogger("ainimotion_vs")

PLAIN_PROGRESS_EVERY_S = 5.0
"""Seconds between progress lines when stderr is not a terminal."""
JSON_PROGRESS_EVERY_S = 0.5
"""Seconds between ``--progress json`` lines (a GUI's bar moves smoothly; the pipe stays quiet)."""


def preset_names() -> tuple[str, ...]:
    """Names of the built-in and the user's presets (``ainimotion_vs.presets.all_presets``)."""
    from .. import presets

    return tuple(presets.all_presets())


def _check_preset(name: str | None) -> str | None:
    names = preset_names()
    if name is None or name == "none":
        return None
    if name not in names:
        raise SettingsError(f"enhance: unknown preset {name!r}; choose one of {', '.join(names)} or none.")
    return name


_OVERRIDES = (
    # CLI option dests that are Preset fields of the same name
    "fps", "factor", "height", "width", "scale", "backend", "tile", "bit_depth", "interp_model",
    "upscale_model", "fallback", "keep_colors", "timing", "max_cadence",
)
_FLAGS = ("no_interpolate", "no_upscale")
_INTERP_OPTIONS = ("fps", "factor", "interp_model", "fallback", "timing", "max_cadence")
_UPSCALE_OPTIONS = ("height", "width", "scale", "upscale_model", "tile", "keep_colors")


def _flag(dest: str) -> str:
    return "--" + dest.replace("_", "-")


def _given(args: argparse.Namespace, dests) -> list[str]:
    return [d for d in dests if getattr(args, d, None) not in (None, False)]


def check_option_effects(args: argparse.Namespace) -> None:
    """Refuse options that would be silently ignored, naming the option and what to do instead."""
    given = _given(args, (*_OVERRIDES, *_FLAGS))
    if _check_preset(getattr(args, "preset", None)) is None and given:
        raise SettingsError(
            f"enhance: {_flag(given[0])} has no effect with --preset none (a plain re-encode); "
            f"choose a preset (e.g. --preset fast) or leave {_flag(given[0])} out."
        )
    if getattr(args, "no_interpolate", False) and _given(args, _INTERP_OPTIONS):
        opt = _flag(_given(args, _INTERP_OPTIONS)[0])
        raise SettingsError(f"enhance: {opt} has no effect with --no-interpolate (the rate is kept); leave one of them out.")
    if getattr(args, "no_upscale", False) and _given(args, _UPSCALE_OPTIONS):
        opt = _flag(_given(args, _UPSCALE_OPTIONS)[0])
        raise SettingsError(f"enhance: {opt} has no effect with --no-upscale (the size is kept); leave one of them out.")
    if _given(args, ("fps",)) and _given(args, ("factor",)):
        raise SettingsError("enhance: give --fps or --factor, not both (--fps sets the exact rate, --factor multiplies it).")
    if _given(args, ("scale",)) and _given(args, ("height", "width")):
        raise SettingsError("enhance: give --scale or --height/--width, not both (--scale is a factor of the source size).")


def preset_for(args: argparse.Namespace):
    """The preset named by ``--preset`` with the command line's overrides, or None for ``--preset none``.

    An explicit option always wins over the preset's related fields: ``--height`` or
    ``--width`` clears the preset's ``scale``, ``--scale`` clears its height and width,
    ``--factor`` clears its ``fps``.
    """
    check_option_effects(args)
    name = _check_preset(args.preset)
    if name is None:
        return None
    from ..presets import get_preset

    overrides = {dest: getattr(args, dest) for dest in _OVERRIDES if getattr(args, dest, None) is not None}
    if overrides.get("fps") is not None:
        overrides["fps"] = str(overrides["fps"])
    if getattr(args, "no_interpolate", False):
        overrides["interp_model"] = None
    if getattr(args, "no_upscale", False):
        overrides["upscale_model"] = None
    if "height" in overrides or "width" in overrides:
        overrides.setdefault("scale", None)
    if "scale" in overrides:
        overrides.setdefault("height", None)
        overrides.setdefault("width", None)
    if "factor" in overrides:
        overrides.setdefault("fps", None)
    return get_preset(name).with_overrides(**overrides)


def encoder_settings(args: argparse.Namespace, preset) -> tuple[str, float | None, str | None]:
    """``(encoder, crf, encoder_preset)``: the user's options, then the preset's values for its
    own encoder only (x265's crf 18 and "slow" mean nothing to FFV1 or NVENC), then the encoder's defaults."""
    encoder = args.encoder or (preset.encoder if preset else "x264")
    same_encoder = preset is not None and encoder == preset.encoder
    crf = args.crf if args.crf is not None else (preset.crf if same_encoder else None)
    encoder_preset = args.encoder_preset or (preset.encoder_preset if same_encoder else None)
    return encoder, crf, encoder_preset


def rate_arg(text: str):
    """argparse type for ``--fps`` and ``--cfr``: the one rate parser, so both read a text the same."""
    from .._timing import parse_fps

    try:
        return parse_fps(text, func="enhance")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("enhance: ")) from None


def factor_arg(text: str) -> int:
    """argparse type for ``--factor``: a whole number >= 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1 (2 doubles the rate); got {text!r}. Use --fps for other rates.")
    return value


def build_clip(clip, args: argparse.Namespace, stats=None):
    """The enhancement hook: the source clip through :func:`ainimotion_vs.enhance` with the
    chosen preset and overrides (for ``--preset none`` unchanged, except that an RGB source
    becomes YUV 4:2:0, which every player and encoder takes: see :func:`plain_output`).

    The result may change size, rate and format; the renderer takes them as they are (the
    clip keeps the source span's duration so the audio stays in sync).
    """
    preset = preset_for(args)
    if preset is None:
        return plain_output(clip)
    from ..enhance import enhance

    return enhance(clip, preset=preset, stats=stats)


MAX_OUTPUT_WIDTH = 8192
MAX_OUTPUT_HEIGHT = 8192
MAX_OUTPUT_PIXELS = 35_651_584
"""The largest picture H.264 and HEVC define (level 6.2: 35,651,584 luma samples, e.g. 8192x4320;
8192 on a side): a bigger frame no decoder plays, and VapourSynth aborts the process (exit 134)
when it cannot allocate a plane, so the size is refused before the graph is built."""


def check_targets(preset, clip) -> None:
    """Refuse, before any work, a target rate below the source's and a size beyond the limits."""
    from fractions import Fraction

    from .._timing import parse_fps

    if preset is None:
        return
    src_fps = Fraction(clip.fps.numerator, clip.fps.denominator)
    if preset.interp_model and preset.fps is not None:
        fps = parse_fps(preset.fps, func="enhance")
        if fps < src_fps:
            raise SettingsError(
                f"enhance: --fps {fps} is below the source's {src_fps} fps; interpolation only adds frames. "
                f"To drop frames to {fps} fps, use --cfr {fps} --no-interpolate."
            )
    if not preset.upscale_model:
        return
    w, h = clip.width, clip.height
    if preset.width is not None or preset.height is not None:
        tw = preset.width if preset.width is not None else round(w * preset.height / h)
        th = preset.height if preset.height is not None else round(h * preset.width / w)
    elif preset.scale is not None:
        tw, th = round(w * preset.scale), round(h * preset.scale)
    else:
        return
    if tw < 1 or th < 1 or tw > MAX_OUTPUT_WIDTH or th > MAX_OUTPUT_HEIGHT or tw * th > MAX_OUTPUT_PIXELS:
        raise SettingsError(
            f"enhance: the output would be {tw}x{th}; the limit is {MAX_OUTPUT_WIDTH} on a side and "
            f"{MAX_OUTPUT_PIXELS:,} pixels (the largest H.264/HEVC picture, e.g. 8192x4320). Choose a smaller --height/--width/--scale."
        )


def _check_output(out: Path, src: Path, encoder: str, crf, encoder_preset, *, overwrite: bool) -> None:
    """The output name and the encoder options, checked before the source is even opened
    (render checks them again with the clip's facts)."""
    from ..ffmpeg import encoder_spec
    from ..render.output import check_paths
    from ..render.plan import check_options

    out_abs, muxer = check_paths(out, None, overwrite=overwrite, func="enhance")
    if src.exists() and out_abs.exists() and out_abs.samefile(src):
        raise SettingsError(f"enhance: output {out_abs} is the input file; choose another output name.")
    check_options(encoder_spec(encoder, func="enhance"), crf, encoder_preset, muxer, None, "enhance")


def plain_output(clip):
    """``clip`` as it is when integer YUV or GRAY; an RGB (or float) source as YUV 4:2:0 at 8 bits,
    10 above (BT.709 for HD sizes, BT.601 below, limited range), said once."""
    import vapoursynth as vs

    fmt = clip.format
    if fmt.sample_type == vs.INTEGER and fmt.color_family in (vs.YUV, vs.GRAY):
        return clip
    from ..enhance import output_format

    bits = 8 if fmt.bits_per_sample <= 8 else 10
    out = output_format(clip, bits)
    log.warning("enhance: the source is %s; it is written as YUV 4:2:0 %d-bit (players expect YUV)", fmt.name, bits)
    return out


def register_overrides(p: argparse.ArgumentParser) -> None:
    """The preset-override options shared by ``enhance`` and ``preview``."""
    g = p.add_argument_group("preset overrides (see `ainimotion presets`)")
    g.add_argument("--fps", type=rate_arg, default=None, help="output frame rate, exact: 48, 60000/1001, 59.94")
    g.add_argument("--factor", type=factor_arg, default=None, help="integer frame-rate multiplier (default 2)")
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
    g.add_argument("--timing", choices=("keep", "smooth"), default=None,
                   help="keep: the animator's cadence (holds stay holds); smooth: drawings on twos to fours become "
                   "key poses and in-betweens span each hold (even motion; pauses and cuts stay)")
    g.add_argument("--max-cadence", type=int, default=None,
                   help="with --timing smooth: the longest hold in source frames that is spread out (default 4)")
    g.add_argument("--fallback", action=argparse.BooleanOptionalAction, default=None,
                   help="replace likely broken in-between frames with a blend of the two source frames")
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
    from .enhance_many import register_options  # more inputs, --out-dir, --workers, --ray-address: chunked on Ray

    register_options(p)
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
    p.add_argument("--cfr", type=rate_arg, default=None, metavar="RATE", help="convert a variable-frame-rate source to this constant rate (e.g. 24000/1001)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing output file")
    p.add_argument(
        "--progress", choices=("auto", "json", "none"), default="auto",
        help="progress on stderr: auto (a bar on a terminal, else a line every few seconds), "
        "json (one JSON object per line, for programs such as `ainimotion gui`), none",
    )
    register_overrides(p)
    p.set_defaults(func=run)
    return p


class _Throttled:
    """A progress callback that reports at most every ``every_s`` seconds, and always at the end
    (the renderer calls it from its writer thread)."""

    def __init__(self, every_s: float, *, first: bool) -> None:
        self.every_s = every_s
        self.start = time.monotonic()
        self.last = -float("inf") if first else self.start
        self.lock = threading.Lock()
        self.info = None

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        with self.lock:
            if now - self.last < self.every_s and done < total:
                return
            self.last = now
        self.report(done, total, done / max(now - self.start, 1e-6))

    def report(self, done: int, total: int, fps: float) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass


class _PlainProgress(_Throttled):
    """Periodic ``frames, fps, ETA`` lines on stderr (for logs and pipes)."""

    def __init__(self, every_s: float = PLAIN_PROGRESS_EVERY_S) -> None:
        super().__init__(every_s, first=False)

    def report(self, done: int, total: int, fps: float) -> None:
        eta = (total - done) / fps if fps > 0 else float("inf")
        extra = f"  {self.info()}" if self.info else ""
        print(f"  {done}/{total} frames  {fps:.1f} fps  ETA {eta:.0f} s{extra}", file=sys.stderr, flush=True)


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


class _JsonProgress(_Throttled):
    """One JSON object per line on stderr: ``{"state", "frames", "total", "fps", "eta_s"}``.

    ``state`` is ``"rendering"``, then ``"finishing"`` once the last frame is out (ffmpeg
    completes and the output is checked); success or failure is the exit code.
    """

    def __init__(self) -> None:
        super().__init__(JSON_PROGRESS_EVERY_S, first=True)

    def report(self, done: int, total: int, fps: float) -> None:
        eta = (total - done) / fps if fps > 0 else None
        state = "finishing" if done >= total else "rendering"
        line = {"state": state, "frames": done, "total": total, "fps": round(fps, 3), "eta_s": None if eta is None else round(eta, 1)}
        print(json.dumps(line), file=sys.stderr, flush=True)


def _progress(args: argparse.Namespace, total: int):
    mode = getattr(args, "progress", "auto")
    if mode == "json":
        return _JsonProgress()
    if args.quiet or mode == "none":
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
    from . import enhance_many

    chunked = enhance_many.wanted(args)
    from ..enhance import EnhanceStats
    from ..media import open_span
    from ..render import render

    preset = preset_for(args)
    if args.tile is not None and args.tile.lower() == "none":
        args.tile = None
    encoder, crf, encoder_preset = encoder_settings(args, preset)
    if chunked:  # several inputs, --out-dir, --workers, --ray-address: chunks on Ray
        return enhance_many.run(args, preset=preset, encoder=(encoder, crf, encoder_preset), json_every_s=JSON_PROGRESS_EVERY_S)
    src = Path(args.input)
    out = Path(args.out) if args.out else src.with_name(f"{src.stem}_enhanced.mkv")
    _check_output(out, src, encoder, crf, encoder_preset, overwrite=args.overwrite)
    clip, span = open_span(src, clip_range=args.clip, fps=args.cfr)
    check_targets(preset, clip)
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
