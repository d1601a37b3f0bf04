#!/usr/bin/env python3
"""Benchmark ``upscale()``: frames per second and peak memory per backend and tile size.

Every configuration runs in its own child process (so peak memory is its own: the child's
max RSS, plus the peak CUDA allocation for torch on a GPU). A child renders one warm-up
frame (network build, ONNX load), then ``--frames`` distinct frames with ``reuse=False``
(every frame runs the model), and reports fps over those. The input is a crop of a real
clip when ../shared/data is present, else a synthetic frame.

CPU (default): input 160x90 and 320x180, x4 native output, backends torch/ort/ov, and the
torch backend with tile sizes 64, 96, 128 (the cost of tiling).
GPU (``--gpu``): 1920x1080 -> 2560x1440, torch-cuda fp16 and trt, whole frames and tiles.

Usage: python scripts/bench_upscale.py [--gpu] [--frames 3] [--sizes 160x90,320x180]
       [--backends torch,ort,ov] [--tiles 64,96,128] [--threads 2]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

_CHILD = r'''
import json, resource, sys, time
sys.path.insert(0, sys.argv[2])
cfg = json.loads(sys.argv[1])
import torch
torch.set_num_threads(cfg["threads"])
import vapoursynth as vs
vs.core.num_threads = cfg["threads"]
from ainimotion_vs import upscale
from ainimotion_vs.backends import InferenceStats, TorchBackend
w, h = cfg["size"]
n = cfg["frames"] + 1
src = None
if cfg["clip"]:
    c = vs.core.bs.VideoSource(cfg["clip"])
    c = c.resize.Bicubic(max(w, c.width * h // c.height // 2 * 2), h) if c.height < h or c.width < w else c
    left, top = (c.width - w) // 4 * 2, (c.height - h) // 4 * 2
    src = c.std.Crop(left=left, top=top, right=c.width - w - left, bottom=c.height - h - top)[:n]
if src is None or src.num_frames < n:
    src = vs.core.std.BlankClip(format=vs.YUV420P8, width=w, height=h, length=n, color=[90, 120, 140])
    src = vs.core.akarin.Expr([src], ["N 7 * X + Y + 255 %", "", ""])  # distinct frames with edges
backend = cfg["backend"]
if backend == "torch-cuda":
    backend = TorchBackend(device="cuda", fp16=True)
tile = tuple(cfg["tile"]) if cfg["tile"] else None
stats = InferenceStats()
out = upscale(src, backend=backend, tile=tile, reuse=False, stats=stats, **cfg["target"])
t0 = time.perf_counter()
out.get_frame(0)
t1 = time.perf_counter()
for i in range(1, n):
    out.get_frame(i)
t2 = time.perf_counter()
cuda_peak = torch.cuda.max_memory_allocated() if torch.cuda.is_available() else 0
print(json.dumps({"first_s": t1 - t0, "fps": (n - 1) / (t2 - t1), "calls": stats.calls,
                  "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "cuda_mib": cuda_peak / 2**20,
                  "out": f"{out.width}x{out.height}"}))
'''


def _run(cfg: dict) -> dict:
    proc = subprocess.run([sys.executable, "-c", _CHILD, json.dumps(cfg), str(REPO)], capture_output=True, text=True, timeout=1800)
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gpu", action="store_true", help="1920x1080 -> 2560x1440 on CUDA (torch-cuda fp16, trt)")
    ap.add_argument("--frames", type=int, default=3, help="timed frames per configuration (after one warm-up frame)")
    ap.add_argument("--sizes", default=None, help="input sizes WxH, comma separated (default 160x90,320x180; GPU 1920x1080)")
    ap.add_argument("--backends", default=None, help="default torch,ort,ov (GPU: torch-cuda,trt)")
    ap.add_argument("--tiles", default=None, help="tile sides to compare on the first backend (default 64,96,128; GPU 512,960)")
    ap.add_argument("--threads", type=int, default=2, help="CPU threads for torch and VapourSynth")
    args = ap.parse_args()
    sys.path.insert(0, str(REPO))
    from ainimotion_vs.evaluation import find_shared_data

    data = find_shared_data()
    clip = str(data / "clips" / "digimon_trailer_720p.mp4") if data else None
    if clip is None:  # the synthetic input is drawn with akarin.Expr
        from ainimotion_vs.evaluation import require_eval

        require_eval("akarin", who="bench_upscale (synthetic input: no footage folder)")
    if args.gpu:
        sizes = args.sizes or "1920x1080"
        backends = (args.backends or "torch-cuda,trt").split(",")
        tiles = [int(t) for t in (args.tiles or "512,960").split(",")]
        target = {"height": 1440}
    else:
        sizes = args.sizes or "160x90,320x180"
        backends = (args.backends or "torch,ort,ov").split(",")
        tiles = [int(t) for t in (args.tiles or "64,96,128").split(",")]
        target = {}
    size_list = [tuple(int(v) for v in s.split("x")) for s in sizes.split(",")]
    rows = []
    for size in size_list:
        for backend in backends:
            for tile in [None] + ([(t, t) for t in tiles] if backend == backends[0] else []):
                if tile is not None and tile[0] >= size[0] and tile[1] >= size[1]:
                    continue
                cfg = {"size": size, "backend": backend, "tile": tile, "frames": args.frames, "threads": args.threads,
                       "clip": clip, "target": target}
                res = _run(cfg)
                rows.append((size, backend, tile, res))
                print(f"# {size} {backend} {tile}: {res}", file=sys.stderr, flush=True)
    print(f"\n## upscale() realesr-animevideov3, {args.frames} frames after a warm-up, {args.threads} threads, "
          f"{'GPU' if args.gpu else 'CPU'} ({os.cpu_count()} cores on this machine)\n")
    print("| input     | output    | backend    | tile      | fps    | warm-up s | peak RSS MiB | peak CUDA MiB |")
    print("|-----------|-----------|------------|-----------|--------|-----------|--------------|---------------|")
    for size, backend, tile, r in rows:
        t = "whole" if tile is None else f"{tile[0]}x{tile[1]}"
        if "error" in r:
            print(f"| {size[0]}x{size[1]:<5} | -         | {backend:10} | {t:9} | error: {r['error'][:80]} |")
            continue
        print(f"| {size[0]}x{size[1]:<5} | {r['out']:9} | {backend:10} | {t:9} | {r['fps']:6.2f} | {r['first_s']:9.2f} | "
              f"{r['rss_mib']:12.0f} | {r['cuda_mib']:13.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
