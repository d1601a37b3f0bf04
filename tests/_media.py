"""Generate small test media with the real ffmpeg (lavfi sources): no files are checked in."""
from __future__ import annotations

import subprocess
from fractions import Fraction
from pathlib import Path

from ainimotion_vs.ffmpeg import find_ffmpeg

__all__ = ["ffmpeg_exe", "make_video", "make_audio_only", "run_ffmpeg"]

SRT = """1
00:00:00,200 --> 00:00:00,900
Hello there

2
00:00:01,000 --> 00:00:01,800
Second line
"""

CHAPTERS = """;FFMETADATA1
title=Test Title
artist=ainimotion tests

[CHAPTER]
TIMEBASE=1/1000
START=0
END=1000
title=Opening

[CHAPTER]
TIMEBASE=1/1000
START=1000
END=2000
title=Part B
"""


def ffmpeg_exe() -> str:
    """The ffmpeg the package itself would use."""
    return find_ffmpeg().path


def run_ffmpeg(*args: str) -> None:
    """Run ffmpeg quietly; fail the test with its message on a non-zero exit."""
    done = subprocess.run([ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"ffmpeg {' '.join(args)} failed: {done.stderr}")


def make_video(
    path: Path,
    *,
    size: str = "320x180",
    frames: int = 48,
    fps: str = "24000/1001",
    pix_fmt: str = "yuv420p",
    codec: str = "libx264",
    audio: str | None = "aac",
    audio_seconds: float | None = None,
    subtitles: bool = True,
    chapters: bool = True,
    attachment: bool = True,
    colour: tuple[str, str, str, str] | None = ("bt709", "bt709", "bt709", "tv"),
) -> Path:
    """A short moving test pattern (x264 by default) with stereo audio, an SRT track,
    chapters, global metadata and a font-like attachment (MKV only).

    ``colour`` = (matrix, primaries, transfer, range) tags, or None for untagged.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    work = path.parent
    seconds = float(frames / Fraction(fps))
    args = ["-f", "lavfi", "-i", f"testsrc2=s={size}:r={fps}"]
    n_in = 1
    maps = ["-map", "0:v"]
    if audio:
        asec = audio_seconds if audio_seconds is not None else seconds
        args += ["-f", "lavfi", "-i", f"aevalsrc=0.3*sin(440*2*PI*t)|0.3*sin(660*2*PI*t):s=48000:d={asec:.4f}"]
        maps += ["-map", f"{n_in}:a"]
        n_in += 1
    mkv = path.suffix == ".mkv"
    if subtitles:
        srt = work / f"{path.stem}.srt"
        srt.write_text(SRT, encoding="utf-8")
        args += ["-i", str(srt)]
        maps += ["-map", f"{n_in}:s"]
        n_in += 1
    meta_idx = None
    if chapters:
        meta = work / f"{path.stem}.ffmeta"
        meta.write_text(CHAPTERS, encoding="utf-8")
        args += ["-i", str(meta)]
        meta_idx = n_in
        n_in += 1
    out = [*maps, "-frames:v", str(frames), "-c:v", codec, "-pix_fmt", pix_fmt]
    if codec == "libx264":
        out += ["-preset", "ultrafast", "-crf", "20"]
    if colour:
        m, p, t, r = colour
        out += ["-vf", f"setparams=colorspace={m}:color_primaries={p}:color_trc={t}:range={r}"]
    if audio:
        out += ["-c:a", audio]
    if subtitles:
        out += ["-c:s", "srt" if mkv else "mov_text", "-metadata:s:s:0", "language=eng"]
    if meta_idx is not None:
        out += ["-map_metadata", str(meta_idx), "-map_chapters", str(meta_idx)]
    if attachment and mkv:
        font = work / f"{path.stem}_font.ttf"
        font.write_bytes(b"\x00\x01\x00\x00" + b"fake font for tests" * 10)
        out += ["-attach", str(font), "-metadata:s:t:0", "mimetype=application/x-truetype-font", "-metadata:s:t:0", "filename=test.ttf"]
    run_ffmpeg(*args, *out, "-y", str(path))
    return path


def make_audio_only(path: Path, seconds: float = 1.0) -> Path:
    """An audio-only file (no video stream)."""
    run_ffmpeg("-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}", "-c:a", "aac", "-y", str(path))
    return path
