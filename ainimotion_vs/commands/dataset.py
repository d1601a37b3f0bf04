"""``ainimotion dataset interp|upscale SOURCES... --out DIR``: curate training data with the gate.

interp: triplets of consecutive distinct drawings inside one shot; upscale: one high-quality
frame per drawing and its codec-degraded input. See :mod:`ainimotion_vs.train.datasets`.
"""
from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["register"]

_VIDEO_EXT = (".mp4", ".mkv", ".mov", ".avi", ".webm", ".m2ts", ".ts", ".y4m")


def register(sub: "argparse._SubParsersAction", common: argparse.ArgumentParser) -> None:
    """Add the ``dataset`` subcommand."""
    p = sub.add_parser("dataset", parents=[common], help="curate fine-tuning data from your videos (gate-labelled)")
    dsub = p.add_subparsers(dest="dataset_kind", metavar="KIND")
    dsub.required = True
    for kind, text in (("interp", "triplets of consecutive drawings for the interpolator"),
                       ("upscale", "high-quality frames and codec-degraded inputs for the upscaler")):
        q = dsub.add_parser(kind, parents=[common], help=text)
        q.add_argument("sources", nargs="+", type=Path, metavar="SOURCE", help="video files, or folders of them")
        q.add_argument("--out", type=Path, required=True, metavar="DIR", help="new dataset folder (must not exist or be empty)")
        q.add_argument("--crop", type=int, default=256, help="crop side stored, source pixels (default 256)")
        q.add_argument("--seed", type=int, default=0, help="seed of every random choice (default 0)")
        q.add_argument("--val-fraction", type=float, default=0.2, help="share of shots/sources held back (default 0.2)")
        q.add_argument("--split-by", choices=("shot", "source"), default="shot", help="unit of the train/val split")
        q.add_argument("--max-per-shot", type=int, default=0, help="at most N samples per shot (0: all)")
        q.add_argument("--crops-per-sample", type=int, default=1, help="crops cut from each triplet/frame")
        if kind == "interp":
            q.add_argument("--max-spacing", type=int, default=3, help="largest gap between drawings, frames (default 3)")
        else:
            q.add_argument("--scale", type=int, choices=(2, 4), default=4, help="upscale factor of the model (default 4)")
        q.set_defaults(func=_run)


def _expand(paths: list[Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out += sorted(q for q in p.iterdir() if q.suffix.lower() in _VIDEO_EXT)
        else:
            out.append(p)
    return out


def _run(args: argparse.Namespace) -> int:
    from ..train.datasets import CurateSettings, curate_interp, curate_upscale

    extra = {"max_spacing": args.max_spacing} if args.dataset_kind == "interp" else {}
    s = CurateSettings(crop=args.crop, seed=args.seed, val_fraction=args.val_fraction, split_by=args.split_by,
                       max_per_shot=args.max_per_shot, crops_per_sample=args.crops_per_sample, **extra)
    sources = _expand(args.sources)
    if args.dataset_kind == "interp":
        m = curate_interp(sources, args.out, settings=s)
    else:
        m = curate_upscale(sources, args.out, settings=s, scale=args.scale)
    print(f"{args.out}: {len(m['samples'])} samples (train {m['counts']['train']}, val {m['counts']['val']}); "
          f"left out: {', '.join(f'{k} {v}' for k, v in m['excluded'].items())}")
    if args.dataset_kind == "interp":
        from collections import Counter

        cad = Counter(x["cadence"] for x in m["samples"])
        print("spacing: " + ", ".join(f"{k} {v}" for k, v in sorted(cad.items())))
    return 0
