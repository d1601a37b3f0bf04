"""Per-chunk overhead and throughput of the chunked renderer (Ray) on this machine.

Prints one table:

- Ray start (a local ``ray.init``) and a cold worker (first task), then a warm task round trip;
- per-chunk overhead and per-frame cost: the same clip rendered with short and long chunks by
  one worker, a straight line fitted to (chunk frames, chunk seconds) of every chunk but the
  first (work dir records): the intercept is what every chunk pays (task, starting the encoder,
  checking the segment), the slope the frame cost; the first chunk's excess is opening the
  source and building the graph with its models, paid once per input per worker;
- cache hits inside a worker: ``ensure_weights`` of the preset's models, and opening the source
  (BestSource index cached in the user cache dir);
- joining the segments and muxing the source's streams (``assemble``);
- throughput with 1 and 2 workers, runs alternated (``--repeats``), and their ratio.

  .venv/bin/python scripts/bench_scale.py                      # preset none (decode+encode only)
  .venv/bin/python scripts/bench_scale.py --preset fast --scale 1 --shots 4 --shot-frames 8
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def _source(path: Path, shots: int, shot_frames: int, size: str) -> Path:
    """Synthetic shots (a cut between each): a moving gradient and a box, drawn on twos."""
    from ainimotion_vs.ffmpeg import find_ffmpeg

    w, h = (int(v) for v in size.split("x"))
    yy, xx = np.mgrid[0:h, 0:w]
    frames = []
    for s in range(shots):
        base = (xx * (1 + s) + yy * (3 - s % 3)) % 256
        for f in range(shot_frames):
            img = base.copy()
            x0 = (f // 2) * 4 + 10
            img[h // 3:h // 3 + 30, x0:x0 + 30] = 255 - 40 * s % 256
            frames.append(img.astype(np.uint8))
    n = len(frames)
    y = np.stack(frames).reshape(n, -1)
    raw = np.concatenate([y, np.full((n, h * w // 2), 128, np.uint8)], axis=1).tobytes()
    secs = n / 24
    cmd = [find_ffmpeg().path, "-hide_banner", "-nostdin", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "yuv420p",
           "-s", f"{w}x{h}", "-r", "24", "-i", "pipe:0", "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={secs}",
           "-map", "0:v", "-map", "1:a", "-c:v", "libx264", "-preset", "ultrafast", "-qp", "0", "-c:a", "aac", "-y", str(path)]
    subprocess.run(cmd, input=raw, check=True)
    return path


def _job(src: Path, args):
    from ainimotion_vs.distributed import Job
    from ainimotion_vs.presets import get_preset

    preset = None
    if args.preset != "none":
        over = {"scale": args.scale, "height": None, "width": None} if args.scale else {}
        preset = get_preset(args.preset).with_overrides(**over)
    return Job(source=str(src), preset=preset, encoder=args.encoder,
               encoder_preset="ultrafast" if args.encoder in ("x264", "x265") else None)


def _run(ray, job, out: Path, *, workers: int, chunk_seconds: float) -> tuple[float, list[dict]]:
    """One chunked run on a fresh local Ray with ``workers`` CPU slots; wall time and chunk records."""
    from ainimotion_vs.distributed import enhance_many

    if out.parent.exists():
        shutil.rmtree(out.parent)
    out.parent.mkdir(parents=True)
    ray.init(address="local", num_cpus=workers, include_dashboard=False, log_to_driver=False)
    try:
        t = time.monotonic()
        enhance_many([(job, out)], workers=workers, chunk_seconds=chunk_seconds, quiet=True, keep_work=True)
        wall = time.monotonic() - t
    finally:
        ray.shutdown()
    seg = out.parent / ".ainimotion-work" / out.name / "seg"
    return wall, [json.loads(p.read_text()) for p in sorted(seg.glob("*.json"))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default="none")
    ap.add_argument("--scale", type=float, default=None, help="override the preset's output scale (e.g. 1)")
    ap.add_argument("--encoder", default="x264")
    ap.add_argument("--shots", type=int, default=8)
    ap.add_argument("--shot-frames", type=int, default=24)
    ap.add_argument("--size", default="320x180")
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    import ray

    from ainimotion_vs.distributed.assembly import assemble
    from ainimotion_vs.distributed.tasks import build_graph
    from ainimotion_vs.render import VideoFacts
    from ainimotion_vs.weights import ensure_weights

    rows: list[tuple[str, str]] = []
    work = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    try:
        src = _source(work / "src.mkv", args.shots, args.shot_frames, args.size)
        job = _job(src, args)

        t = time.monotonic()
        ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
        t_init = time.monotonic() - t

        @ray.remote(num_cpus=1)
        def probe_worker(job):
            t0 = time.monotonic()
            out, span, _ = build_graph(job)
            t_open = time.monotonic() - t0
            t0 = time.monotonic()
            out, span, _ = build_graph(job)
            t_open2 = time.monotonic() - t0
            t0 = time.monotonic()
            out.get_frame(0)
            t_first = time.monotonic() - t0
            t0 = time.monotonic()
            out.get_frame(min(1, out.num_frames - 1))
            t_second = time.monotonic() - t0
            t0 = time.monotonic()
            p = job.preset
            for name in (p.upscale_model, p.interp_model) if p else ():
                if name:
                    ensure_weights(name)
            t_weights = time.monotonic() - t0
            return t_open, t_open2, t_first, t_second, t_weights

        t = time.monotonic()
        ray.get(ray.remote(num_cpus=1)(lambda: 0).remote())
        t_cold = time.monotonic() - t
        f = ray.remote(num_cpus=1)(lambda: 0)
        warm = []
        for _ in range(5):
            t = time.monotonic()
            ray.get(f.remote())
            warm.append(time.monotonic() - t)
        t_open, t_open2, t_first, t_second, t_weights = ray.get(probe_worker.remote(job))
        ray.shutdown()
        rows += [
            ("Ray start (local ray.init)", f"{t_init:.2f} s"),
            ("cold worker: first task", f"{t_cold:.2f} s"),
            ("warm task round trip (median of 5)", f"{1000 * statistics.median(warm):.1f} ms"),
            ("worker: open source + build graph, first time (BestSource index)", f"{t_open:.2f} s"),
            ("worker: open source + build graph, again (cache hit)", f"{t_open2:.2f} s"),
            ("worker: first output frame after the build", f"{t_first:.2f} s"),
            ("worker: next output frame", f"{t_second:.3f} s"),
            ("worker: ensure_weights of the preset's models (cache hit)", f"{t_weights:.3f} s"),
        ]

        short_s, long_s = args.shot_frames / 24 / 2, args.shot_frames * args.shots / 24 / 2
        # one worker renders every chunk of a run in order: its first chunk builds the graph
        # (models included), later chunks reuse it; fit the later ones, then the first's extra
        later, firsts = [], []
        for cs in (short_s, long_s):
            _, recs = _run(ray, job, work / f"fit{cs:.2f}" / "o.mkv", workers=1, chunk_seconds=cs)
            recs.sort(key=lambda r: r["index"])
            firsts.append((recs[0]["frames"], recs[0]["seconds"]))
            later += [(r["frames"], r["seconds"]) for r in recs[1:]]
        xs, ys = np.array([p[0] for p in later], float), np.array([p[1] for p in later], float)
        if len(set(xs)) > 1:
            slope, icpt = np.polyfit(xs, ys, 1)
            extra = statistics.mean(sec - (icpt + slope * fr) for fr, sec in firsts)
            # with models, chunk time follows the content (model runs only on motion intervals)
            # more than the length; a negative intercept says the fit means nothing here
            fit = f"{icpt:.2f} s" if icpt >= 0 else f"n/a (fit {icpt:.2f} s: content, not length, sets chunk time)"
            rows.append(("per-chunk overhead, graph reused (fit intercept, 1 worker)", fit))
            rows.append(("first chunk on a worker: extra (graph + models)", f"{extra:.2f} s"))
            rows.append(("per output frame (fit slope)", f"{1000 * slope:.1f} ms"))

        out = work / "fit_asm" / "o.mkv"
        _run(ray, job, out, workers=1, chunk_seconds=short_s)
        plan = json.loads((out.parent / ".ainimotion-work" / out.name / "plan.json").read_text())
        segs = [(out.parent / ".ainimotion-work" / out.name / "seg" / f"{c['index']:05d}.mkv", c["out_end"] - c["out_start"])
                for c in plan["chunks"]]
        from fractions import Fraction

        from ainimotion_vs.media import open_span

        _, span = open_span(src)
        facts = VideoFacts(width=plan["width"], height=plan["height"], num_frames=plan["out_frames"],
                           fps=Fraction(plan["out_fps"]), bits=plan["bits"], pix_fmt=plan["pix_fmt"])
        t = time.monotonic()
        assemble(segs, out.with_name("again.mkv"), facts=facts, span=span, encoder=job.encoder, work=out.parent)
        rows.append((f"concat + mux of {len(segs)} segments ({plan['out_frames']} frames)", f"{time.monotonic() - t:.2f} s"))

        walls: dict[int, list[float]] = {1: [], 2: []}
        for _ in range(args.repeats):
            for w in (1, 2):
                wall, _ = _run(ray, job, work / f"w{w}" / "o.mkv", workers=w, chunk_seconds=short_s)
                walls[w].append(wall)
        frames_out = plan["out_frames"]
        for w in (1, 2):
            best = min(walls[w])
            rows.append((f"{w} worker(s): wall (best of {args.repeats}), whole run", f"{best:.1f} s = {frames_out / best:.1f} fps"))
        rows.append(("throughput ratio 2 workers / 1 worker", f"{min(walls[1]) / min(walls[2]):.2f}x"))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"\nbench_scale: preset {args.preset}{f' scale {args.scale:g}' if args.scale else ''}, {args.encoder}, "
          f"{args.shots} shots x {args.shot_frames} frames at {args.size}")
    width = max(len(k) for k, _ in rows)
    print(f"| {'measure'.ljust(width)} | value |")
    print(f"|{'-' * (width + 2)}|-------|")
    for k, v in rows:
        print(f"| {k.ljust(width)} | {v} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
