"""Release-like degradation of high-quality frames, with the recipe as data.

Real anime releases are damaged in this order, so :func:`degrade` applies it in this order:
(1) softness of the master (Gaussian blur, in high-quality pixels); (2) downscaling with
some resize kernel (area, bilinear, bicubic, Lanczos: the last two overshoot at lines, the
ringing seen on releases); (3) sharpening of the small picture (unsharp mask: halos around
lines); (4) sensor or dither noise (Gaussian, 8-bit levels); (5) a real lossy encode with
4:2:0 chroma: x264 or x265 through ffmpeg at a random CRF and preset, decoded back. Frames
given together (a drawing and its held copy) are encoded as one clip, so the second is a
P-frame with the encoder's own temporal noise, as on a real hold.

A recipe is a plain dict (:func:`sample_recipe`), stored per sample in the manifest, so a
sample can be made again and a result can be read against what was done to its input.
"""
from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..errors import EncodeError, SettingsError

__all__ = ["RESIZE_KERNELS", "CODECS", "PRESETS", "sample_recipe", "degrade"]

RESIZE_KERNELS = ("area", "bilinear", "bicubic", "lanczos")
CODECS = {"libx264": (18, 36), "libx265": (20, 38)}
"""Encoders and their CRF range: from near-transparent to a starved web stream (x265's scale
sits about 2 higher than x264's for the same quality)."""
PRESETS = ("ultrafast", "veryfast", "fast", "medium", "slow")


def sample_recipe(rng: np.random.Generator, *, scale: int = 4, codecs: Sequence[str] = tuple(CODECS)) -> dict:
    """A random degradation recipe (every value a plain int/float/str)."""
    codec = str(codecs[int(rng.integers(len(codecs)))])
    lo, hi = CODECS[codec]
    return {
        "scale": scale,
        "blur_sigma": 0.0 if rng.random() < 0.3 else round(float(rng.uniform(0.2, 1.5)), 3),
        "resize": RESIZE_KERNELS[int(rng.integers(len(RESIZE_KERNELS)))],
        "sharpen": 0.0 if rng.random() < 0.6 else round(float(rng.uniform(0.3, 1.0)), 3),
        "noise_sigma": 0.0 if rng.random() < 0.4 else round(float(rng.uniform(1.0, 6.0)), 3),
        "codec": codec,
        "crf": int(rng.integers(lo, hi + 1)),
        "preset": PRESETS[int(rng.integers(len(PRESETS)))],
        "noise_seed": int(rng.integers(2**31)),
    }


def _resize(img: np.ndarray, w: int, h: int, kernel: str) -> np.ndarray:
    from ._deps import cv2 as _cv2

    cv2 = _cv2("train")

    flag = {"area": cv2.INTER_AREA, "bilinear": cv2.INTER_LINEAR, "bicubic": cv2.INTER_CUBIC, "lanczos": cv2.INTER_LANCZOS4}[kernel]
    return cv2.resize(img, (w, h), interpolation=flag)


def _encode_decode(frames: list[np.ndarray], codec: str, crf: int, preset: str) -> list[np.ndarray]:
    from ..ffmpeg import find_ffmpeg

    ff = find_ffmpeg()
    if codec not in ff.encoders:
        raise EncodeError(f"degrade: {ff.path} has no {codec} encoder; install an ffmpeg built with it (or `pip install imageio-ffmpeg`).")
    h, w = frames[0].shape[:2]
    params = ["-x265-params", "log-level=error"] if codec == "libx265" else []
    with tempfile.TemporaryDirectory(prefix="ainimotion-degrade-") as tmp:
        path = Path(tmp) / "clip.mkv"
        enc = [
            ff.path, "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
            "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}", "-r", "24", "-i", "pipe:0",
            "-c:v", codec, "-preset", preset, "-crf", str(crf), *params, "-pix_fmt", "yuv420p", str(path),
        ]
        raw = b"".join(np.ascontiguousarray(f).tobytes() for f in frames)
        done = subprocess.run(enc, input=raw, capture_output=True, check=False)
        if done.returncode != 0:
            raise EncodeError(f"degrade: {codec} encode failed (exit {done.returncode}): {done.stderr.decode(errors='replace').strip()[-300:]}")
        dec = [ff.path, "-hide_banner", "-loglevel", "error", "-nostdin", "-i", str(path), "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"]
        done = subprocess.run(dec, capture_output=True, check=False)
        if done.returncode != 0:
            raise EncodeError(f"degrade: decode failed (exit {done.returncode}): {done.stderr.decode(errors='replace').strip()[-300:]}")
    n = len(done.stdout) // (w * h * 3)
    if n != len(frames):
        raise EncodeError(f"degrade: {codec} gave {n} frames back for {len(frames)}; the encode was cut short.")
    return list(np.frombuffer(done.stdout, np.uint8).reshape(n, h, w, 3).copy())


def degrade(frames: Sequence[np.ndarray], recipe: dict) -> list[np.ndarray]:
    """Degrade same-size HQ frames (H, W, 3 uint8 RGB) by ``recipe``; returns the
    (H/scale, W/scale, 3) uint8 inputs, one per frame (encoded together as one clip)."""
    from ._deps import cv2 as _cv2

    cv2 = _cv2("train")

    scale = int(recipe["scale"])
    h, w = frames[0].shape[:2]
    if h % (2 * scale) or w % (2 * scale):
        raise SettingsError(f"degrade: frame size {w}x{h} must be a multiple of {2 * scale} (the x{scale} input must be even for 4:2:0).")
    lw, lh = w // scale, h // scale
    rng = np.random.default_rng(int(recipe["noise_seed"]))
    small: list[np.ndarray] = []
    for f in frames:
        img = f.astype(np.float32)
        if recipe["blur_sigma"] > 0:
            img = cv2.GaussianBlur(img, (0, 0), float(recipe["blur_sigma"]))
        img = _resize(img, lw, lh, recipe["resize"])
        if recipe["sharpen"] > 0:
            soft = cv2.GaussianBlur(img, (0, 0), 1.0)
            img = img + float(recipe["sharpen"]) * (img - soft)
        if recipe["noise_sigma"] > 0:
            img = img + rng.normal(0.0, float(recipe["noise_sigma"]), img.shape).astype(np.float32)
        small.append(np.clip(np.rint(img), 0, 255).astype(np.uint8))
    return _encode_decode(small, recipe["codec"], int(recipe["crf"]), recipe["preset"])
