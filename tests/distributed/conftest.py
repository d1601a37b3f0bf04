"""Fixtures for the chunked renderer: a Ray started per module, synthetic sources with cuts."""
from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

import _synth
from _media import CHAPTERS, SRT, ffmpeg_exe

ray = pytest.importorskip("ray", reason="the [ray] extra is not installed: pip install 'ainimotion_vs[ray]'")


@pytest.fixture(scope="module")
def ray_local():
    """A local Ray with two CPU slots for the module (the machine has two cores)."""
    ray.init(address="local", num_cpus=2, include_dashboard=False, object_store_memory=100 * 1024 * 1024, log_to_driver=True)
    try:
        yield ray
    finally:
        ray.shutdown()


def shots(*lengths: int, seed: int = 30, on: int = 2) -> np.ndarray:
    """Luma frames of consecutive shots (a cut between each), ``lengths`` frames each, drawings on ``on``s."""
    out = []
    for k, n in enumerate(lengths):
        drawings = -(-n // on)
        out.append(_synth.shot(seed + k, drawings, on=on).frames[:n])
    return np.concatenate(out)


def write_source(path: Path, frames: np.ndarray, *, fps: str = "24", streams: bool = True) -> Path:
    """``frames`` (N x H x W luma, neutral chroma) losslessly as x264 in MKV, with stereo AAC audio
    of the same length and, when ``streams``, an SRT track, chapters and a font attachment."""
    n, h, w = frames.shape
    raw = np.concatenate([frames.reshape(n, -1), np.full((n, h * w // 2), 128, np.uint8)], axis=1).tobytes()
    from fractions import Fraction

    seconds = float(n / Fraction(fps))
    args = ["-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", f"{w}x{h}", "-r", fps, "-i", "pipe:0",
            "-f", "lavfi", "-i", f"aevalsrc=0.3*sin(440*2*PI*t)|0.3*sin(660*2*PI*t):s=48000:d={seconds:.4f}"]
    maps = ["-map", "0:v", "-map", "1:a"]
    extra = []
    if streams:
        srt = path.with_suffix(".srt")
        srt.write_text(SRT, encoding="utf-8")
        meta = path.with_suffix(".ffmeta")
        meta.write_text(CHAPTERS, encoding="utf-8")
        font = path.with_name(path.stem + "_font.ttf")
        font.write_bytes(b"\x00\x01\x00\x00" + b"fake font for tests" * 10)
        args += ["-i", str(srt), "-i", str(meta)]
        maps += ["-map", "2:s"]
        extra = ["-c:s", "srt", "-map_metadata", "3", "-map_chapters", "3", "-attach", str(font),
                 "-metadata:s:t:0", "mimetype=application/x-truetype-font", "-metadata:s:t:0", "filename=test.ttf"]
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", *args, *maps, "-c:v", "libx264",
           "-preset", "ultrafast", "-qp", "0", "-bsf:v", "h264_metadata=video_full_range_flag=0",
           "-c:a", "aac", *extra, "-y", str(path)]
    subprocess.run(cmd, input=raw, check=True, capture_output=True)
    return path


def framemd5(path: Path) -> list[str]:
    """Per-frame md5 of the decoded video (ffmpeg's framemd5), in order."""
    done = subprocess.run([ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-i", str(path), "-map", "0:v",
                           "-f", "framemd5", "-"], capture_output=True, text=True, check=True)
    return [ln.split(",")[-1].strip() for ln in done.stdout.splitlines() if ln and not ln.startswith("#")]


@pytest.fixture(scope="module")
def cut_source(tmp_path_factory) -> Path:
    """2.5 s at 24 fps, four shots (cuts after frames 13, 27 and 43), audio, subtitles, chapters, a font."""
    d = tmp_path_factory.mktemp("src")
    return write_source(d / "cuts.mkv", shots(14, 14, 16, 16))
