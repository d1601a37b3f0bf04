#!/usr/bin/env python3
"""Throughput of gated vs ungated interpolation on real anime clips with holds.

``gated``: ``interpolate(clip, factor=2)`` as shipped: the gate labels every interval and the
model runs only on motion. ``ungated``: the same function, model, backend and fallback check,
with every interval labelled motion (``gate=False`` on a clip whose props say motion
everywhere): the model runs on every interval, as vs-rife or vs-mlrt do. Both render the same
frames in order, in one process, one after the other; the table gives the hold share the gate
found, the model runs of each, the speed-up, and the gate's own speed (source frames per
second, labels only: on a CPU at small sizes it is a visible share of the gated time). A second table gives the ungated fps of each
backend at a small size.

Usage: .venv/bin/python scripts/bench_interp.py [--clips onepiece_demo.mp4:0,digimon_trailer_720p.mp4:120]
       [--frames 48] [--width 320] [--backend torch] [--backends torch,ort,ov] [--backend-width 256]
Numbers depend on the machine and its load: compare rows of one run only.
"""
from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ainimotion_vs.evaluation import find_shared_data  # noqa: E402
from ainimotion_vs.evaluation.chains import motion_everywhere as _motion_everywhere  # noqa: E402
from ainimotion_vs.evaluation.detectors import interval_labels  # noqa: E402


def _render(node) -> float:
    t0 = time.perf_counter()
    for _ in node.frames(close=True):
        pass
    return time.perf_counter() - t0


def bench_clip(path: Path, start: int, frames: int, width: int, backend: str) -> dict:
    import vapoursynth as vs

    from ainimotion_vs.backends import InferenceStats
    from ainimotion_vs.gate import gate
    from ainimotion_vs.interpolate import interpolate

    src = vs.core.bs.VideoSource(str(path))
    h = round(src.height * width / src.width / 2) * 2
    clip = src[start : start + frames].resize.Bicubic(width, h)
    t0 = time.perf_counter()
    labels = interval_labels(gate(clip))[:-1]  # the last frame has no next interval
    t_gate = time.perf_counter() - t0
    holds = labels.count("hold") / len(labels)
    # Warm up once (model load, first-call allocations) so neither row pays for it.
    _render(interpolate(_motion_everywhere(clip[:2]), gate=False, backend=backend))
    gated_stats, ungated_stats = InferenceStats(), InferenceStats()
    gated = interpolate(clip, factor=2, backend=backend, stats=gated_stats)
    ungated = interpolate(_motion_everywhere(clip), factor=2, gate=False, backend=backend, stats=ungated_stats)
    t_gated = _render(gated)
    t_ungated = _render(ungated)
    return {
        "clip": f"{path.name}[{start}:{start + frames}]",
        "size": f"{width}x{h}",
        "holds": holds,
        "cuts": labels.count("cut"),
        "runs_gated": gated_stats.calls,
        "runs_ungated": ungated_stats.calls,
        "fps_gated": gated.num_frames / t_gated,
        "fps_ungated": ungated.num_frames / t_ungated,
        "speedup": t_ungated / t_gated,
        "fps_gate": clip.num_frames / t_gate,
    }


def bench_backend(path: Path, frames: int, width: int, backend: str) -> tuple[float, int]:
    import vapoursynth as vs

    from ainimotion_vs.backends import InferenceStats
    from ainimotion_vs.interpolate import interpolate

    src = vs.core.bs.VideoSource(str(path))
    h = round(src.height * width / src.width / 2) * 2
    clip = _motion_everywhere(src[:frames].resize.Bicubic(width, h))
    _render(interpolate(clip[:2], gate=False, backend=backend))  # warm-up: session/compile
    stats = InferenceStats()
    t = _render(interpolate(clip, gate=False, backend=backend, stats=stats))
    return stats.calls / t, stats.calls


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clips", default="onepiece_demo.mp4:60,digimon_trailer_720p.mp4:120",
                    help="comma list of FILE:START from ../shared/data/clips")
    ap.add_argument("--frames", type=int, default=48, help="source frames per clip")
    ap.add_argument("--width", type=int, default=320, help="width the clips are scaled to")
    ap.add_argument("--backend", default="torch", help="backend of the gated/ungated comparison")
    ap.add_argument("--backends", default="torch,ort,ov", help="backends timed in the second table ('' skips it)")
    ap.add_argument("--backend-width", type=int, default=256)
    ap.add_argument("--backend-frames", type=int, default=12)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    data = find_shared_data()
    if data is None:
        print("bench_interp: ../shared/data not found (set AINIMOTION_SHARED_DATA)", file=sys.stderr)
        return 2
    import vapoursynth as vs

    print(f"# gated vs ungated interpolate(factor=2), backend {args.backend}, {vs.core.num_threads} VapourSynth threads")
    print(f"{'clip':40s} {'size':>8s} {'holds':>6s} {'cuts':>4s} {'runs g/u':>9s} {'fps gated':>10s} {'fps ungated':>12s} {'speed-up':>9s} {'gate alone':>11s}")
    for item in args.clips.split(","):
        name, _, start = item.partition(":")
        r = bench_clip(data / "clips" / name, int(start or 0), args.frames, args.width, args.backend)
        print(f"{r['clip']:40s} {r['size']:>8s} {r['holds']:6.0%} {r['cuts']:4d} {r['runs_gated']:4d}/{r['runs_ungated']:<4d} "
              f"{r['fps_gated']:10.2f} {r['fps_ungated']:12.2f} {r['speedup']:8.2f}x {r['fps_gate']:7.1f} fps", flush=True)
    if args.backends:
        clip = data / "clips" / args.clips.split(",")[0].partition(":")[0]
        print(f"\n# model frames per second, every interval through the model ({clip.name}, width {args.backend_width})")
        print(f"{'backend':8s} {'model fps':>10s} {'runs':>5s}")
        for b in args.backends.split(","):
            fps, runs = bench_backend(clip, args.backend_frames, args.backend_width, b)
            print(f"{b:8s} {fps:10.2f} {runs:5d}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
