"""Tile planning and memory estimates: small pure functions, no torch, no VapourSynth.

A frame of ``width`` x ``height`` input pixels (already padded to the model's size
multiple) is covered by tiles of ``tile`` pixels that overlap. Each tile is run whole;
of its result only the part it *owns* is kept. Ownership boundaries sit in the middle of
each overlap, so every kept pixel had at least ``overlap`` pixels of real context on
every side that is not a frame edge: for a convolutional network whose receptive field
radius is below ``overlap`` the tiled result equals the untiled one.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from ..models.spec import ModelSpec

__all__ = [
    "TileBox",
    "round_up",
    "pad_amount",
    "axis_tiles",
    "plan_tiles",
    "estimate_bytes",
    "auto_tile",
    "shrink_tile",
    "smallest_tile",
    "DEFAULT_OVERLAP",
]

DEFAULT_OVERLAP = 16
"""Overlap (input pixels) used when tiling is chosen automatically (memory budget or
out-of-memory retry). Real-ESRGAN compact (18 3x3 convolutions) needs about this much."""

# Peak memory of one PyTorch CPU run per input pixel, in elements: the measured growth
# of the process's peak RSS over a 64x64 run (rife-4.25 at 640x448: 217,
# realesr-animevideov3 at 480x272: 259, realesrgan-x4plus-anime at 160x128: 2756),
# plus 25%. Unknown architectures get a generous default plus their I/O.
_ELEMENTS_PER_PIXEL = {"ifnet": 275, "srvgg": 330, "rrdb": 3450}
_ELEMENTS_PER_PIXEL_UNKNOWN = 1500


def round_up(value: int, multiple: int) -> int:
    """``value`` rounded up to a multiple of ``multiple``."""
    return -(-value // multiple) * multiple


def pad_amount(size: int, multiple: int) -> int:
    """Pixels to add so that ``size`` becomes a multiple of ``multiple``."""
    return round_up(size, multiple) - size


@dataclass(frozen=True, slots=True)
class TileBox:
    """One tile, in input pixels of the padded frame (end exclusive).

    ``x0:x1, y0:y1`` is what the network sees; ``kx0:kx1, ky0:ky1`` is the part of
    the frame whose result this tile provides.
    """

    x0: int
    y0: int
    x1: int
    y1: int
    kx0: int
    ky0: int
    kx1: int
    ky1: int


def axis_tiles(length: int, tile: int, overlap: int, align: int = 1) -> list[tuple[int, int, int, int]]:
    """Tiles along one axis as ``(start, end, keep_start, keep_end)``.

    Starts are multiples of ``align`` (the last tile ends at ``length``, so ``length``
    and ``tile`` should be multiples of ``align`` too). A ``tile >= length`` gives one
    tile. Raises ``ValueError`` when the tile cannot advance past its overlap.
    """
    if tile >= length:
        return [(0, length, 0, length)]
    stride = (tile - 2 * overlap) // align * align
    if stride <= 0:
        raise ValueError(
            f"tile {tile} is too small for overlap {overlap} (alignment {align}): "
            f"use a tile of at least {2 * overlap + align} or a smaller overlap"
        )
    starts = list(range(0, length - tile, stride)) + [length - tile]
    if len(starts) > 1 and starts[-1] == starts[-2]:
        starts.pop()
    out = []
    for i, s in enumerate(starts):
        keep_start = 0 if i == 0 else (starts[i - 1] + tile + s) // 2
        keep_end = length if i == len(starts) - 1 else (s + tile + starts[i + 1]) // 2
        out.append((s, s + tile, keep_start, keep_end))
    return out


def plan_tiles(width: int, height: int, tile: tuple[int, int], overlap: int, align: int = 1) -> list[TileBox]:
    """All tiles covering a ``width`` x ``height`` frame, row by row."""
    xs = axis_tiles(width, tile[0], overlap, align)
    ys = axis_tiles(height, tile[1], overlap, align)
    return [TileBox(x0, y0, x1, y1, kx0, ky0, kx1, ky1) for (y0, y1, ky0, ky1) in ys for (x0, x1, kx0, kx1) in xs]


def smallest_tile(multiple: int, overlap: int) -> int:
    """The smallest tile side worth running: ``4 * overlap`` (half of each tile is then
    new pixels), at least ``2 * overlap + multiple``, rounded to ``multiple``."""
    return round_up(max(4 * overlap, 2 * overlap + multiple, multiple), multiple)


def estimate_bytes(width: int, height: int, spec: "ModelSpec", *, dtype_bytes: int = 4) -> int:
    """Rough peak memory of one network run on a ``width`` x ``height`` input (activations only)."""
    per_pixel = _ELEMENTS_PER_PIXEL.get(spec.arch)
    if per_pixel is None:
        per_pixel = _ELEMENTS_PER_PIXEL_UNKNOWN + spec.in_channels + 3 * spec.scale * spec.scale * 2
    return width * height * per_pixel * dtype_bytes


def auto_tile(
    width: int,
    height: int,
    spec: "ModelSpec",
    budget_bytes: int,
    *,
    overlap: int = DEFAULT_OVERLAP,
    dtype_bytes: int = 4,
) -> tuple[int, int] | None:
    """The tile size (input pixels) to run ``spec`` on a ``width`` x ``height`` frame within
    ``budget_bytes``, or ``None`` when the whole frame fits.

    Tiles are as square as the frame allows, multiples of ``spec.size_multiple`` and never
    smaller than :func:`smallest_tile`, even if that exceeds the budget.
    """
    m = spec.size_multiple
    w, h = round_up(width, m), round_up(height, m)
    if estimate_bytes(w, h, spec, dtype_bytes=dtype_bytes) <= budget_bytes:
        return None
    smallest = smallest_tile(m, overlap)
    per_pixel = estimate_bytes(1, 1, spec, dtype_bytes=dtype_bytes)
    area = max(budget_bytes // per_pixel, 1)
    side = max(int(math.isqrt(area)) // m * m, smallest)
    tw = min(side, w)
    th = min(max(area // tw // m * m, smallest), h)
    if th == h and tw < w:  # a short frame: spend the leftover area on width
        tw = min(max(area // th // m * m, smallest), w)
    return tw, th


def shrink_tile(tile: tuple[int, int], *, multiple: int, overlap: int) -> tuple[int, int] | None:
    """Half of ``tile`` in each dimension (rounded to ``multiple``), or ``None`` when it is
    already the smallest useful tile. Used after an out-of-memory error."""
    smallest = smallest_tile(multiple, overlap)
    new = tuple(max(round_up(t // 2, multiple), smallest) for t in tile)
    if new == tuple(tile) or new[0] > tile[0] or new[1] > tile[1]:
        return None
    return new  # type: ignore[return-value]
