"""VapourSynth frame <-> numpy helpers (whole planes at once, no per-pixel Python)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    import vapoursynth as vs

__all__ = ["frames_to_array", "array_to_frame", "num_planes", "clips_from_array", "clip_to_array"]


def num_planes(frame_or_clip: "vs.VideoFrame | vs.VideoNode") -> int:
    """Number of planes of a frame or a constant-format clip."""
    return frame_or_clip.format.num_planes


def frames_to_array(frames: "Sequence[vs.VideoFrame]", out: np.ndarray | None = None) -> np.ndarray:
    """Stack every plane of ``frames`` (float32 formats) in order into a ``(C, H, W)`` array.

    ``out`` (C-contiguous float32 of the right shape) is filled and returned when given.
    """
    first = frames[0]
    channels = sum(f.format.num_planes for f in frames)
    shape = (channels, first.height, first.width)
    if out is None:
        out = np.empty(shape, dtype=np.float32)
    elif out.shape != shape:
        raise ValueError(f"frames_to_array: out has shape {out.shape}; expected {shape}")
    c = 0
    for f in frames:
        for p in range(f.format.num_planes):
            out[c] = np.asarray(f[p])
            c += 1
    return out


def array_to_frame(array: np.ndarray, frame: "vs.VideoFrame") -> None:
    """Write a ``(C, H, W)`` float array into the planes of a writable float32 ``frame``."""
    planes = frame.format.num_planes
    if array.shape != (planes, frame.height, frame.width):
        raise ValueError(
            f"array_to_frame: array has shape {array.shape}; frame needs {(planes, frame.height, frame.width)}"
        )
    for p in range(planes):
        np.copyto(np.asarray(frame[p]), array[p], casting="same_kind")


def clips_from_array(array: np.ndarray, *, length: int = 1) -> "list[vs.VideoNode]":
    """Clips holding a ``(C, H, W)`` float array, ``length`` frames long: the channels in
    groups of three as RGBS clips, then any remaining channels as GRAYS clips (RIFE's
    7 channels -> RGBS, RGBS, GRAYS). The inverse of what :func:`infer` concatenates."""
    import vapoursynth as vs

    data = np.ascontiguousarray(array, dtype=np.float32)
    if data.ndim != 3:
        raise ValueError(f"clips_from_array: array must be (C, H, W); got shape {data.shape}")
    c, h, w = data.shape
    groups = [(i, 3) for i in range(0, c - c % 3, 3)] + [(i, 1) for i in range(c - c % 3, c)]
    out = []
    for start, n in groups:
        part = data[start : start + n]
        blank = vs.core.std.BlankClip(width=w, height=h, format=vs.RGBS if n == 3 else vs.GRAYS, length=length, keep=True)

        def _fill(n: int, f: "vs.VideoFrame", part: np.ndarray = part) -> "vs.VideoFrame":
            fout = f.copy()
            array_to_frame(part, fout)
            return fout

        out.append(vs.core.std.ModifyFrame(blank, blank, _fill))
    return out


def clip_to_array(clip: "vs.VideoNode", n: int = 0) -> np.ndarray:
    """Frame ``n`` of a float32 clip as a ``(C, H, W)`` array (a copy)."""
    with clip.get_frame(n) as f:
        return frames_to_array([f])
