"""``ainimotion preview IN --preset NAME --out PREVIEW.mkv``: a quick look before a long job."""
from __future__ import annotations

import argparse
import logging
from fractions import Fraction
from pathlib import Path

__all__ = ["register"]

log = logging.getLogger("ainimotion_vs")


def register(sub: "argparse._SubParsersAction", common: argparse.ArgumentParser) -> None:
    from .enhance import register_overrides

    p = sub.add_parser(
        "preview", parents=[common],
        help="render a few seconds around a cut, a held stretch and a moving stretch, source and result side by side "
        "(smooth timing: also the most re-timed stretch, keep and smooth side by side)",
    )
    p.add_argument("input", help="source video file")
    p.add_argument("-o", "--out", help="preview file (default: INPUT_preview.mkv)")
    p.add_argument("--preset", default="anime-clean", help="preset to preview (see `ainimotion presets`)")
    p.add_argument("--seconds", type=float, default=2.0, help="length of each span (default 2)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing output file")
    register_overrides(p)
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    import vapoursynth as vs

    from ..enhance import enhance
    from ..errors import SettingsError
    from ..media import open_span
    from ..preview import choose_spans, gate_labels, side_by_side
    from ..render import render
    from .enhance import preset_for

    if args.preset in (None, "none"):
        raise SettingsError("preview: choose a preset to preview (see `ainimotion presets`).")
    if not args.seconds > 0:
        raise SettingsError(f"preview: --seconds must be positive; got {args.seconds}.")
    preset = preset_for(args)
    src = Path(args.input)
    out = Path(args.out) if args.out else src.with_name(f"{src.stem}_preview.mkv")
    clip, span = open_span(src)
    fps = Fraction(clip.fps.numerator, clip.fps.denominator)
    log.info("preview: reading the gate timeline of %d frames", clip.num_frames)
    labels = gate_labels(clip)
    spans = choose_spans(labels, fps, args.seconds, timing=preset.timing, max_cadence=preset.max_cadence)
    parts = []
    for s in spans:
        log.info("preview: frames %d-%d (%s)", s.start, s.end, s.reason)
        result = enhance(clip[s.start : s.end], preset=preset)
        if s.reason.startswith("most retimed"):  # the smooth span view: what smooth timing changes
            keep = enhance(clip[s.start : s.end], preset=preset.with_overrides(timing="keep"))
            parts.append(side_by_side(keep, result, label=f"{preset.name} smooth: {s.reason}", source_label="keep"))
        else:
            parts.append(side_by_side(clip[s.start : s.end], result, label=f"{preset.name}: {s.reason}"))
    video = vs.core.std.Splice(parts) if len(parts) > 1 else parts[0]
    result = render(video, out, source=None, encoder="x264", crf=18, encoder_preset="veryfast", overwrite=args.overwrite)
    log.info("preview: wrote %s (%d frames, %d spans)", result.path, result.frames, len(spans))
    return 0
