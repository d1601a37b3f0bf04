#!/usr/bin/env python3
"""Gate throughput at 1080p: decode only (bs.VideoSource + frame fetch) vs decode + gate().

Makes a 1080p H.264 clip from a real clip (default: digimon_trailer_720p from the shared
footage, scaled up with ffmpeg once into a temp dir), then times both pipelines over the same
frames, alternating runs, and prints a table. Target: decode+gate >= 90% of decode only.

    .venv/bin/python scripts/bench_gating.py [--src CLIP] [--frames 480] [--runs 2]
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def _make_1080p(src: Path, frames: int, out: Path) -> None:
    import imageio_ffmpeg

    cmd = [
        imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", str(src),
        "-frames:v", str(frames), "-vf", "scale=1920:1080:flags=bicubic", "-an",
        "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p", str(out),
    ]  # fmt: skip
    subprocess.run(cmd, check=True)


def _time(clip) -> float:
    start = time.perf_counter()
    for _ in clip.frames():
        pass
    return clip.num_frames / (time.perf_counter() - start)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=Path, default=REPO.parent / "shared" / "data" / "clips" / "digimon_trailer_720p.mp4")
    parser.add_argument("--frames", type=int, default=480)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    if not args.src.is_file():
        print(f"bench_gating: source clip {args.src} not found; pass --src", file=sys.stderr)
        return 2

    import vapoursynth as vs

    from ainimotion_vs.gate import gate

    core = vs.core
    with tempfile.TemporaryDirectory() as tmp:
        video = Path(tmp) / "bench1080.mkv"
        _make_1080p(args.src, args.frames, video)
        results: dict[str, list[float]] = {"decode only": [], "decode + gate": []}
        for _ in range(args.runs):  # alternate, a fresh source each time (no frame cache carried over)
            src = core.bs.VideoSource(str(video), cachemode=0)
            results["decode only"].append(_time(src))
            src = core.bs.VideoSource(str(video), cachemode=0)
            results["decode + gate"].append(_time(gate(src)))
        base = max(results["decode only"])
        print(f"gate throughput, {args.frames} frames 1920x1080 from {args.src.name}, {core.num_threads} VS threads")
        print(f"{'pipeline':<16}{'best fps':>10}{'runs (fps)':>28}{'vs decode':>11}")
        for name, fps in results.items():
            runs = ", ".join(f"{v:.1f}" for v in fps)
            print(f"{name:<16}{max(fps):>10.1f}{runs:>28}{100 * max(fps) / base:>10.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
