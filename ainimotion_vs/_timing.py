"""Exact rational frame timing for rate conversion (no floats, no drift).

Output frame ``j`` sits at time ``j / out_fps``; its source position is
``p = j * in_fps / out_fps``; the source pair is ``(floor(p), floor(p) + 1)`` and the
timestep ``t = p - floor(p)`` is an exact :class:`~fractions.Fraction`.
"""
from __future__ import annotations

from fractions import Fraction

__all__ = ["parse_fps", "output_length", "source_position"]


def parse_fps(value: "Fraction | int | float | str", *, func: str = "interpolate") -> Fraction:
    """A frame rate as an exact Fraction: ``Fraction(60000, 1001)``, ``"60000/1001"``, ``"59.94"``
    (read as 60000/1001), ``48`` ... Common NTSC decimals map to their exact /1001 rates."""
    from .errors import UnsupportedFormatError

    ntsc = {"23.976": Fraction(24000, 1001), "29.97": Fraction(30000, 1001), "47.952": Fraction(48000, 1001),
            "59.94": Fraction(60000, 1001), "119.88": Fraction(120000, 1001)}
    if isinstance(value, bool) or value is None:
        raise UnsupportedFormatError(f"{func}: cannot read frame rate {value!r}; use e.g. 48, 60000/1001 or 59.94.")
    try:
        if isinstance(value, str):
            text = value.strip()
            fps = ntsc.get(text) or Fraction(text)
        elif isinstance(value, float):
            fps = ntsc.get(f"{value:.3f}".rstrip("0").rstrip(".")) or Fraction(value).limit_denominator(1001)
        else:
            fps = Fraction(value)
    except (ValueError, ZeroDivisionError, TypeError, OverflowError):
        raise UnsupportedFormatError(f"{func}: cannot read frame rate {value!r}; use e.g. 48, 60000/1001 or 59.94.") from None
    if fps <= 0:
        raise UnsupportedFormatError(f"{func}: frame rate must be positive; got {value!r}.")
    return fps


def output_length(num_frames: int, in_fps: Fraction, out_fps: Fraction) -> int:
    """Frames in the converted clip: the same duration, rounded up to whole output frames."""
    total = Fraction(num_frames) * out_fps / in_fps
    return int(-(-total.numerator // total.denominator))


def source_position(j: int, in_fps: Fraction, out_fps: Fraction) -> tuple[int, Fraction]:
    """``(n, t)`` for output frame ``j``: source frame ``n`` and exact timestep ``t`` in [0, 1)."""
    p = Fraction(j) * in_fps / out_fps
    n = p.numerator // p.denominator
    return n, p - n
