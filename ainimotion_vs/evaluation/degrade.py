"""Degradations and resizes of uint8 RGB images for the upscaler evaluation: a pillow resize
(the Lanczos that made the low-resolution inputs), a JPEG round trip and an H.264 round trip
through ffmpeg (the compression a real source carries). Pillow and PyAV come with the ``eval``
extra and the base install."""
from __future__ import annotations

import io
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from ..errors import SettingsError

__all__ = ["RESAMPLERS", "pil_resize", "jpeg_roundtrip", "h264_roundtrip"]

RESAMPLERS = ("lanczos", "bicubic")
"""The pillow filters :func:`pil_resize` offers."""


def pil_resize(img: np.ndarray, w: int, h: int, method: str = "lanczos") -> np.ndarray:
    """(H, W, 3) uint8 resized by pillow to ``w`` x ``h`` with ``method`` (:data:`RESAMPLERS`)."""
    if method not in RESAMPLERS:
        raise SettingsError(f"pil_resize: method must be one of {RESAMPLERS}; got {method!r}")
    from PIL import Image

    flt = {"lanczos": Image.Resampling.LANCZOS, "bicubic": Image.Resampling.BICUBIC}[method]
    return np.asarray(Image.fromarray(img).resize((w, h), flt))


def jpeg_roundtrip(img: np.ndarray, quality: int) -> np.ndarray:
    """(H, W, 3) uint8 encoded as JPEG at ``quality`` (pillow) and decoded again."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="JPEG", quality=quality)
    buf.seek(0)
    with Image.open(buf) as im:
        return np.asarray(im.convert("RGB"))


def h264_roundtrip(img: np.ndarray, crf: int) -> np.ndarray:
    """(H, W, 3) uint8 (even sides) encoded by ffmpeg's libx264 at ``crf`` (4:2:0) and decoded
    again to RGB by PyAV."""
    import av

    from ..ffmpeg import find_ffmpeg

    h, w = img.shape[:2]
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "f.mkv"
        cmd = [str(find_ffmpeg().path), "-nostdin", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}",
               "-i", "-", "-c:v", "libx264", "-crf", str(crf), "-pix_fmt", "yuv420p", str(out)]
        subprocess.run(cmd, input=img.tobytes(), check=True)
        with av.open(str(out)) as c:
            return next(c.decode(video=0)).to_ndarray(format="rgb24")
