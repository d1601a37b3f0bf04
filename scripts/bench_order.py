#!/usr/bin/env python3
"""Stage order: upscale then interpolate (ours) vs interpolate then upscale, same models.

Two real 24-frame windows at 320 px wide, 2x size and 2x rate; prints model runs and seconds.
    .venv/bin/python scripts/bench_order.py
"""
import sys, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import vapoursynth as vs
from ainimotion_vs import gate, interpolate, upscale
from ainimotion_vs.backends import InferenceStats
from ainimotion_vs.evaluation import require_shared_data
core = vs.core
data = require_shared_data()
rows = []
for name, path, start in [("onepiece", "onepiece_demo.mp4", 60), ("digimon", "digimon_trailer_720p.mp4", 120)]:
    src = core.bs.VideoSource(str(data / "clips" / path))[start:start + 24]
    src = src.resize.Bicubic(320, round(src.height * 320 / src.width / 2) * 2)
    for order in ("upscale first", "interpolate first"):
        su, si = InferenceStats(), InferenceStats()
        g = gate(src)
        if order == "upscale first":
            out = interpolate(upscale(g, scale=2, stats=su), factor=2, gate=False, stats=si)
        else:
            out = upscale(interpolate(g, factor=2, gate=False, stats=si), scale=2, stats=su)
        t = time.perf_counter()
        for _ in out.frames():
            pass
        rows.append((name, order, su.calls, si.calls, time.perf_counter() - t))
        print(rows[-1], flush=True)
print(f"{'clip':10s}{'order':20s}{'upscaler runs':>14s}{'RIFE runs':>10s}{'seconds':>9s}")
for r in rows:
    print(f"{r[0]:10s}{r[1]:20s}{r[2]:>14d}{r[3]:>10d}{r[4]:>9.1f}")
