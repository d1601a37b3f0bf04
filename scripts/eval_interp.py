#!/usr/bin/env python3
"""Evaluate interpolate() on real anime: model vs blend vs duplicate, the fallback rule, cuts.

The steps live in ainimotion_vs.evaluation (triplets, cut_check); this script picks the parts
and prints the tables.

1. ``triplets``: frames A, B, C where B is the true in-between of A and C; interpolate A and C
   at t=0.5 with interpolate() itself (RGB24 clip, gate=False, intervals labelled motion, the
   fallback measured but never applied) and score against B: PSNR (8-bit RGB) and SSIM (BT.709
   luma; both from ainimotion_vs.evaluation.metrics) of the model frame, the linear blend and a
   duplicate of A.
   Sets: ``dev`` = the 20 folders of ../shared/data/triplets (native size); ``mined`` = equally
   spaced consecutive drawings (A, B, C drawing starts with B-A == C-B <= 3 frames, no cut or
   ignored interval between) taken from the hand labels in tests/labels/, at --width;
   ``wide`` = the same with the gap doubled (A, C four drawings apart, B the middle one): large
   motion, where the model fails most.
2. ``fallback``: for the default FallbackSettings and a sweep of ratios and both targets, how
   often the rule fires and its effect: mean / bottom-10% / worst PSNR with and without it.
3. ``cuts``: the real clips with hand-labelled cuts (tests/labels), around every cut at
   --cut-width, through interpolate() with the gate at factor 2 and at 60000/1001: the number of
   output frames that mix two shots (ainimotion_vs.evaluation.chains.mixes_shots; needs pillow
   from the 'eval' extra), and what each cut-interval frame is (AinimotionSource). Must be 0.

Usage: .venv/bin/python scripts/eval_interp.py [--parts triplets,fallback,cuts] [--width 384]
       [--per-clip 12] [--cut-width 320] [--backend torch] [--json OUT]
Tables go to stdout, progress to stderr.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ainimotion_vs.evaluation.cut_check import cut_mixing  # noqa: E402
from ainimotion_vs.evaluation.startup import add_run_options, prepare_run  # noqa: E402
from ainimotion_vs.evaluation.triplets import Triplet, folder_triplets, mined_triplets, tail_stats  # noqa: E402

def eval_triplets(data: Path, *, width: int, per_clip: int, backend: str, sets: tuple[str, ...]) -> list[Triplet]:
    rows: list[Triplet] = folder_triplets(data, backend=backend) if "dev" in sets else []
    for set_name, gap in (("mined", 1), ("wide", 2)):
        if set_name in sets:
            rows += mined_triplets(data, set_name=set_name, gap=gap, width=width, per_clip=per_clip, backend=backend)
    return rows


# ---------------------------------------------------------------- tables


def print_triplets(rows: list[Triplet]) -> None:
    print("\n## Triplets: PSNR dB (SSIM) of the t=0.5 frame against the true middle frame")
    print(f"{'set':6s} {'n':>4s} | {'model':>14s} {'blend':>14s} {'duplicate':>14s} | model<blend  worst model (vs blend)")
    for s in sorted({r.set for r in rows}, key=("dev", "mined", "wide").index):
        rs = [r for r in rows if r.set == s]
        mean = lambda k: float(np.mean([getattr(r, k) for r in rs]))  # noqa: E731
        worst = min(rs, key=lambda r: r.psnr_model)
        lose = [r for r in rs if r.psnr_model < r.psnr_blend]
        print(
            f"{s:6s} {len(rs):4d} | {mean('psnr_model'):6.2f} ({mean('ssim_model'):.3f}) {mean('psnr_blend'):6.2f} ({mean('ssim_blend'):.3f}) "
            f"{mean('psnr_dup'):6.2f} ({mean('ssim_dup'):.3f}) | {len(lose):3d}/{len(rs):<4d}  {worst.psnr_model:.2f} {worst.name} ({worst.psnr_blend:.2f})"
        )
        if lose:
            w = min(lose, key=lambda r: r.psnr_model - r.psnr_blend)
            print(f"{'':6s} {'':4s}   largest loss to the blend: {w.psnr_model - w.psnr_blend:+.2f} dB on {w.name}")


def print_fallback(rows: list[Triplet], ratios: list[float]) -> None:
    from ainimotion_vs.interpolate import FallbackSettings, fallback_score, is_broken

    default = FallbackSettings()
    print("\n## Fallback: min(d(M,A), d(M,B)) / d(A,B) on real in-betweens (about 0.5 = between its sources)")
    for s in sorted({r.set for r in rows}, key=("dev", "mined", "wide").index):
        scores = np.array([fallback_score(r.dist_a, r.dist_b, r.dist_ab) for r in rows if r.set == s])
        print(f"{s:6s} score median {np.median(scores):.2f}  p95 {np.percentile(scores, 95):.2f}  max {scores.max():.2f}")
    print(f"\nrule: reject when the score > ratio (default ratio {default.ratio}, floor {default.floor:.4f}, target {default.target})")
    print(f"{'ratio':>6s} {'target':9s} | " + " | ".join(f"{s}: fires  mean  bottom10%  worst" for s in ("dev", "mined", "wide")))
    base = "  none (model)    | " + " | ".join(
        "{:>5s} {:>6.2f} {:>9.2f} {:>6.2f}".format("-", *tail_stats([r.psnr_model for r in rows if r.set == s]))
        for s in ("dev", "mined", "wide") if any(r.set == s for r in rows)
    )
    print(base)
    for ratio in ratios:
        for target in ("blend", "duplicate"):
            settings = FallbackSettings(ratio=ratio, target=target)
            cells = []
            for s in ("dev", "mined", "wide"):
                rs = [r for r in rows if r.set == s]
                if not rs:
                    continue
                fired = [is_broken(r.dist_a, r.dist_b, r.dist_ab, settings) for r in rs]
                vals = [(r.psnr_blend if target == "blend" else r.psnr_dup) if f else r.psnr_model for r, f in zip(rs, fired)]
                cells.append("{:5d} {:6.2f} {:9.2f} {:6.2f}".format(sum(fired), *tail_stats(vals)))
            mark = "*" if (ratio, target) == (default.ratio, default.target) else " "
            print(f"{ratio:6.2f}{mark}{target:9s} | " + " | ".join(cells))
    oracle = " | ".join(
        "{:>5s} {:6.2f} {:9.2f} {:6.2f}".format("best", *tail_stats([max(r.psnr_model, r.psnr_blend, r.psnr_dup) for r in rows if r.set == s]))
        for s in ("dev", "mined", "wide") if any(r.set == s for r in rows)
    )
    print(f"{'oracle':>6s} {'best-of':9s} | {oracle}")


def print_cuts(rows: list[dict]) -> None:
    print("\n## Cuts: output frames inside the cut interval that mix two shots (must be 0), gated, at reduced size")
    print("(mixed: further than CROSS_CUT_RATIO x d(A, B) from both sides, ainimotion_vs.evaluation.chains)")
    print(f"{'clip':28s} {'cut':>5s} {'rate':>11s} {'frames':>6s} {'mixed':>5s}  sources")
    for r in rows:
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(r["kinds"].items()))
        print(f"{r['clip']:28s} {r['cut']:5d} {r['rate']:>11s} {r['frames_in_cut']:6d} {r['mixed']:5d}  {kinds}")
    print(f"total mixed frames: {sum(r['mixed'] for r in rows)} of {sum(r['frames_in_cut'] for r in rows)} cut-interval frames")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--parts", default="triplets,fallback,cuts", help="comma list of triplets, fallback, cuts")
    ap.add_argument("--sets", default="dev,mined,wide", help="triplet sets: dev, mined, wide")
    ap.add_argument("--width", type=int, default=384, help="width the mined/wide triplets are scored at")
    ap.add_argument("--per-clip", type=int, default=12, help="mined/wide triplets per clip (evenly spread)")
    ap.add_argument("--cut-width", type=int, default=320, help="width of the cut check")
    ap.add_argument("--ratios", default="0.6,0.7,0.8,1.0,1.5", help="fallback ratios to sweep")
    ap.add_argument("--backend", default="torch")
    ap.add_argument("--json", type=Path, help="write the raw rows here")
    add_run_options(ap)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
    logging.getLogger("ainimotion_vs").setLevel(logging.WARNING)
    logging.getLogger("ainimotion_vs.eval").setLevel(logging.INFO)  # the evaluation's progress
    parts = set(args.parts.split(","))
    try:
        data = prepare_run("eval_interp", *(("pillow",) if "cuts" in parts else ()), data=args.data)
    except (ImportError, FileNotFoundError) as exc:  # names the missing part or folder and the fix
        print(exc, file=sys.stderr)
        return 2
    raw: dict[str, object] = {}
    t0 = time.perf_counter()
    if parts & {"triplets", "fallback"}:
        rows = eval_triplets(data, width=args.width, per_clip=args.per_clip, backend=args.backend, sets=tuple(args.sets.split(",")))
        raw["triplets"] = [asdict(r) for r in rows]
        if "triplets" in parts:
            print_triplets(rows)
        if "fallback" in parts:
            print_fallback(rows, [float(x) for x in args.ratios.split(",")])
    if "cuts" in parts:
        cut_rows = cut_mixing(data, width=args.cut_width, backend=args.backend)
        raw["cuts"] = cut_rows
        print_cuts(cut_rows)
    print(f"\n(backend {args.backend}, {time.perf_counter() - t0:.0f} s)")
    if args.json:
        args.json.write_text(json.dumps(raw, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
