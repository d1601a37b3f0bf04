#!/usr/bin/env python3
"""Generate a short synthetic "anime-ish" sample with the available ffmpeg.

    python scripts/make_sample.py sample/sample.mkv [--seconds 5] [--size 640x360]

Flat-coloured shapes with outlines on a plain background, animated on twos (each
drawing held two frames) with a held stretch and one cut, 24000/1001 fps, stereo sine
audio, an SRT subtitle track, chapters and a title. Used by ``make demo``.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ainimotion_vs.ffmpeg import find_ffmpeg  # noqa: E402

FPS = "24000/1001"

def _srt(seconds: float) -> str:
    """Two subtitle events that both end before the sample does: one per shot."""

    def ts(t: float) -> str:
        ms = round(t * 1000)
        return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"

    cut = seconds * 0.6
    return (
        f"1\n{ts(0.5)} --> {ts(min(2.0, cut - 0.2))}\nA synthetic sample for ainimotion.\n\n"
        f"2\n{ts(cut + 0.2)} --> {ts(seconds - 0.3)}\nNew shot after the cut.\n"
    )


def _chapters(seconds: float) -> str:
    cut_ms = int(seconds * 600)
    end_ms = int(seconds * 1000)
    return (
        ";FFMETADATA1\ntitle=ainimotion sample\n\n"
        f"[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND={cut_ms}\ntitle=Shot A\n\n"
        f"[CHAPTER]\nTIMEBASE=1/1000\nSTART={cut_ms}\nEND={end_ms}\ntitle=Shot B\n"
    )


def _video_graph(w: int, h: int, seconds: float) -> str:
    """A filtergraph on input 0 (sky colour): two cel-like shapes, a cut, motion on twos."""
    cut = seconds * 0.6
    cut_n = round(cut * 24000 / 1001)
    cw, ch = w // 6, h // 4
    step = "floor(n/2)"  # a new drawing every second frame (on twos)
    return ";".join([
        f"color=c=0xf2c49b:s={cw}x{ch}:r={FPS},pad={cw + 8}:{ch + 8}:4:4:black[char]",
        f"color=c=0xd9534f:s={w // 4}x{h // 3}:r={FPS},pad={w // 4 + 8}:{h // 3 + 8}:4:4:black[prop]",
        f"color=c=0xf6e7c1:s={w}x{h}:r={FPS}[room]",
        f"[0:v]drawbox=x={w // 2}:y={h // 3}:w={w // 5}:h={h // 3}:color=0x3c5aa0@1:t=fill[sky]",
        f"[sky][char]overlay=x='{w // 8}+mod({step}*{w // 60}\\,{w // 2})':y='{h // 2 - ch // 2}+{h // 40}*sin({step}/3)'"
        ":eval=frame:shortest=1[a]",
        f"[a][room]overlay=enable='gte(n\\,{cut_n})':shortest=1[b]",
        # after the cut the prop holds for 14 frames, then moves on twos
        f"[b][prop]overlay=x='{w // 3}+{w // 80}*max(0\\,floor((n-{cut_n + 14})/2))':y={h // 3}"
        f":eval=frame:enable='gte(n\\,{cut_n})':shortest=1,"
        f"drawbox=x=0:y={h * 3 // 4}:w={w}:h={h // 4}:color=0x6b8e23@1:t=fill,"
        "setparams=colorspace=bt709:color_primaries=bt709:color_trc=bt709:range=tv[v]",
    ])


def make_sample(out: Path, *, seconds: float = 5.0, size: str = "640x360") -> Path:
    """Write the sample to ``out`` (atomically: a temporary name, then renamed)."""
    w, h = (int(v) for v in size.split("x"))
    ff = find_ffmpeg()
    out.parent.mkdir(parents=True, exist_ok=True)
    frames = round(seconds * 24000 / 1001)
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        (tmp / "sample.srt").write_text(_srt(seconds), encoding="utf-8")
        (tmp / "meta.txt").write_text(_chapters(seconds), encoding="utf-8")
        part = out.with_name(f".{out.stem}.part{out.suffix}")
        argv = [
            ff.path, "-hide_banner", "-nostdin", "-loglevel", "error",
            "-f", "lavfi", "-i", f"color=c=0x87ceeb:s={w}x{h}:r={FPS}",
            "-f", "lavfi", "-i", f"aevalsrc=0.2*sin(2*PI*440*t)|0.2*sin(2*PI*554*t):s=48000:d={seconds}",
            "-i", str(tmp / "sample.srt"), "-i", str(tmp / "meta.txt"),
            "-filter_complex", _video_graph(w, h, seconds),
            "-map", "[v]", "-map", "1:a", "-map", "2:s", "-map_metadata", "3", "-map_chapters", "3",
            "-frames:v", str(frames), "-c:v", "libx264", "-preset", "veryfast", "-crf", "16", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-b:a", "160k", "-c:s", "srt", "-metadata:s:s:0", "language=eng",
            "-f", "matroska", "-y", str(part),
        ]
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            part.unlink(missing_ok=True)
            raise SystemExit(f"make_sample: ffmpeg failed (exit {done.returncode}): {done.stderr.strip()[-800:]}")
        part.replace(out)
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out", type=Path, help="output .mkv")
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--size", default="640x360")
    args = p.parse_args(argv)
    path = make_sample(args.out, seconds=args.seconds, size=args.size)
    print(f"make_sample: wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
