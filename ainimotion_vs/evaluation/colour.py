"""Colour fidelity of an upscaler: the level shift between a source image and the output
brought back to the source size, and the high-frequency energy an output keeps (a colour
correction must not blur). Images are (H, W, 3) float arrays in 8-bit units."""
from __future__ import annotations

import numpy as np

from ..errors import UnsupportedFormatError
from .metrics import luma

__all__ = ["BLOCK", "colour_shift", "hf_energy"]

BLOCK = 8
"""Side of the source blocks of the local shift: the scale of a flat anime colour area that a
global mean would average away."""


def colour_shift(back: np.ndarray, src: np.ndarray) -> np.ndarray:
    """``[R, G, B, luma, local]``: the signed mean shift ``back - src`` per RGB channel and of
    BT.709 luma, and the mean |luma shift| of :data:`BLOCK` x :data:`BLOCK` blocks (edge
    remainders left out)."""
    if back.shape != src.shape or back.ndim != 3 or back.shape[2] != 3:
        raise UnsupportedFormatError(f"colour_shift: needs two (H, W, 3) arrays of one shape; got {back.shape} and {src.shape}")
    d = (back - src).mean(axis=(0, 1))
    dl = luma(back) - luma(src)
    bh, bw = dl.shape[0] // BLOCK * BLOCK, dl.shape[1] // BLOCK * BLOCK
    blocks = dl[:bh, :bw].reshape(bh // BLOCK, BLOCK, bw // BLOCK, BLOCK).mean(axis=(1, 3))
    return np.append(d, [dl.mean(), np.abs(blocks).mean()])


def hf_energy(full: np.ndarray, blurred: np.ndarray) -> float:
    """Mean squared luma difference between an image and its low-passed version (same size)."""
    return float(np.mean((luma(full) - luma(blurred)) ** 2))
