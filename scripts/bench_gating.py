#!/usr/bin/env python3
"""Gate throughput at 1080p: decode only (bs.VideoSource) vs decode + gate().

Makes 1080p H.264 clips from a real clip (default: digimon_trailer_720p from the shared
footage, scaled up with ffmpeg once into a temp dir) at two encodes, then times both pipelines
over the same frames, alternating runs, and prints a table per encode. Target: decode+gate >=
90% of decode only.

Encodes (decode cost grows with the bitrate, so the gate's share depends on it):
- ``release``: x264 medium at 10 Mb/s (capped; this soft upscaled content takes ~6.7 Mb/s),
  the bitrate of 1080p web and BD releases; it decodes at ~240 fps here, inside the 170-245
  fps the gating issue measured for real 1080p on this machine;
- ``light``: x264 veryfast CRF 18 (~1.2 Mb/s), far below any release: it decodes ~1.4x faster,
  the worst case for the gate's share.

The vspipe rows also give CPU time (user + system, all threads) per frame; their difference is
the gate's own cost. Two ways of pulling frames are timed:
- ``vspipe`` with null output: how the render path consumes frames (vspipe | ffmpeg, or the
  CLI's in-process y4m writer), no Python work per frame outside the filters;
- a Python ``clip.frames()`` loop: adds a Python future per frame, which competes with the
  gate's Python callbacks for the GIL (a worst case, shown for honesty).

    .venv/bin/python scripts/bench_gating.py [--src CLIP] [--frames 720] [--runs 5] [--encodes release,light]

It times whichever gate() runs here: the ainimotion.Gate filter when built, else the numpy path
(``AINIMOTION_GATE=numpy`` forces the latter, for comparison; vspipe inherits the environment).
"""
from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


ENCODES = {
    "release": ["-preset", "medium", "-b:v", "10M", "-maxrate", "10M", "-bufsize", "20M"],
    "light": ["-preset", "veryfast", "-crf", "18"],
}
"""x264 settings of each bench encode (see the module docstring)."""


def _make_1080p(src: Path, frames: int, out: Path, encode: str) -> None:
    import imageio_ffmpeg

    cmd = [
        imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", str(src),
        "-frames:v", str(frames), "-vf", "scale=1920:1080:flags=bicubic", "-an",
        "-c:v", "libx264", *ENCODES[encode], "-pix_fmt", "yuv420p", str(out),
    ]  # fmt: skip
    subprocess.run(cmd, check=True)


_SCRIPT = """import sys
sys.path.insert(0, {repo!r})
import vapoursynth as vs
from ainimotion_vs.gate import gate
clip = vs.core.bs.VideoSource({video!r})
clip = clip * {loops}  # long enough that start-up (imports, first frames) does not weigh in
if mode == "gate":
    clip = gate(clip)
clip.set_output()
"""


def _vspipe(script: Path, mode: str, cpu: list[float]) -> float:
    """fps of one vspipe run; appends its CPU milliseconds per frame (user + system) to ``cpu``."""
    vspipe = Path(sys.executable).with_name("vspipe")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([str(vspipe), "-a", f"mode={mode}", str(script), "."], capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"bench_gating: vspipe failed: {done.stderr[-500:]}")
    match = re.search(r"Output (\d+) frames in ([\d.]+) seconds", done.stderr)
    if match is None:
        raise SystemExit(f"bench_gating: cannot read vspipe's timing from: {done.stderr[-300:]}")
    frames = int(match.group(1))
    seconds = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    cpu.append(1000 * seconds / frames)
    return frames / float(match.group(2))


def _time(clip) -> float:
    start = time.perf_counter()
    for _ in clip.frames():
        pass
    return clip.num_frames / (time.perf_counter() - start)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=Path, default=None,
                        help="source clip (default clips/digimon_trailer_720p.mp4 of the footage folder)")
    parser.add_argument("--frames", type=int, default=720)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--loops", type=int, default=3, help="vspipe rows play the clip this many times")
    parser.add_argument("--encodes", default="release,light", help=f"comma-separated, of: {', '.join(ENCODES)}")
    args = parser.parse_args()
    if args.src is None:
        from ainimotion_vs.evaluation import find_shared_data

        data = find_shared_data()
        if data is None:
            print("bench_gating: no footage folder (set AINIMOTION_SHARED_DATA) and no --src", file=sys.stderr)
            return 2
        args.src = data / "clips" / "digimon_trailer_720p.mp4"
    if not args.src.is_file():
        print(f"bench_gating: source clip {args.src} not found; pass --src", file=sys.stderr)
        return 2
    encodes = [e.strip() for e in args.encodes.split(",") if e.strip()]
    unknown = [e for e in encodes if e not in ENCODES]
    if unknown or not encodes:
        print(f"bench_gating: unknown encode(s) {unknown}; choose from {', '.join(ENCODES)}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        for encode in encodes:
            _bench(Path(tmp), encode, args)
    return 0


def _bench(tmp: Path, encode: str, args: argparse.Namespace) -> None:
    import vapoursynth as vs

    from ainimotion_vs.gate import gate

    core = vs.core
    video = tmp / f"bench1080_{encode}.mkv"
    _make_1080p(args.src, args.frames, video, encode)
    mbps = video.stat().st_size * 8 / 1e6 / (args.frames * 1001 / 24000)
    script = tmp / f"gate_bench_{encode}.vpy"
    script.write_text(_SCRIPT.format(repo=str(REPO), video=str(video), loops=args.loops), encoding="utf-8")
    core.bs.VideoSource(str(video)).get_frame(0)  # index once, outside the timings
    rows: dict[str, list[float]] = {
        "vspipe: decode only": [], "vspipe: decode + gate": [],
        "frames(): decode only": [], "frames(): decode + gate": [],
    }  # fmt: skip
    cpu: dict[str, list[float]] = {"vspipe: decode only": [], "vspipe: decode + gate": []}
    for _ in range(args.runs):  # alternate, a fresh source each time (no frame cache carried over)
        for name, mode in (("vspipe: decode only", "decode"), ("vspipe: decode + gate", "gate")):
            rows[name].append(_vspipe(script, mode, cpu[name]))
        rows["frames(): decode only"].append(_time(core.bs.VideoSource(str(video))))
        rows["frames(): decode + gate"].append(_time(gate(core.bs.VideoSource(str(video)))))
    path = "ainimotion.Gate filter" if gate(core.bs.VideoSource(str(video))).node_name == "Gate" else "numpy path"
    print(f"\ngate throughput ({path}), encode '{encode}' ({mbps:.1f} Mb/s), {args.frames} frames 1920x1080 from "
          f"{args.src.name}, {core.num_threads} VS threads, load average {os.getloadavg()[0]:.2f}")  # fmt: skip
    print(f"{'pipeline':<26}{'median fps':>11}{'runs (fps)':>{max(12, 8 * args.runs)}}{'vs decode':>11}{'CPU ms/frame':>14}")
    for name, fps in rows.items():
        base = statistics.median(rows[name.split(":")[0] + ": decode only"])
        runs = ", ".join(f"{v:.0f}" for v in fps)
        ms = f"{statistics.median(cpu[name]):.2f}" if name in cpu else "-"
        print(f"{name:<26}{statistics.median(fps):>11.1f}{runs:>{max(12, 8 * args.runs)}}{100 * statistics.median(fps) / base:>10.1f}%{ms:>14}")
    gate_ms = statistics.median(cpu["vspipe: decode + gate"]) - statistics.median(cpu["vspipe: decode only"])
    print(f"gate's CPU cost (vspipe, median difference): {gate_ms:.2f} ms per frame")


if __name__ == "__main__":
    sys.exit(main())
