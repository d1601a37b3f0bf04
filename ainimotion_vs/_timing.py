"""Exact rational frame timing: the one frame-rate parser, and rate conversion maths
(no floats, no drift).

Output frame ``j`` sits at time ``j / out_fps``; its source position is
``p = j * in_fps / out_fps``; the source pair is ``(floor(p), floor(p) + 1)`` and the
timestep ``t = p - floor(p)`` is an exact :class:`~fractions.Fraction`.
"""
from __future__ import annotations

import math
import re
from fractions import Fraction

__all__ = ["MAX_FPS", "parse_fps", "output_length", "source_position"]

MAX_FPS = Fraction(10000)
"""Highest frame rate accepted anywhere (``--fps``, ``--cfr``, ``fps=``). Beyond every display
(the fastest sold refresh at 540 Hz) and every camera mode people edit; above it a typo
(``1e9``) would plan hundreds of millions of frames. One frame then lasts 0.1 ms, which MP4's
timescale still represents exactly (Matroska's whole milliseconds do not: see render)."""

_DECIMAL = re.compile(r"[+-]?\d*\.(\d+)")


def _ntsc(rate: Fraction, decimals: int) -> Fraction | None:
    """``N*1000/1001`` when ``rate`` is that NTSC rate written to ``decimals`` places (``59.94``,
    ``59.940``, ``23.976``, ``119.88``); None otherwise. Two places at least: ``12.5`` is 25/2."""
    if decimals < 2 or rate.denominator == 1:
        return None
    n = round(rate * Fraction(1001, 1000))
    if n < 1:
        return None
    ntsc = Fraction(n * 1000, 1001)
    scale = 10**decimals
    return ntsc if Fraction(round(ntsc * scale), scale) == rate else None


def parse_fps(value: "Fraction | int | float | str", *, func: str = "interpolate") -> Fraction:
    """A frame rate as an exact Fraction; the one parser behind ``--fps``, ``--cfr`` and ``fps=``.

    Accepts ``Fraction(60000, 1001)``, ``"60000/1001"``, ``48``, ``"24"``, ``48.0``. A decimal
    that is an NTSC rate ``N*1000/1001`` rounded to its written places reads as that rate
    (``"23.976"``, ``"29.97"``, ``59.94``, ``"59.940"``, ``"119.88"``); other decimals are exact
    (``"12.5"`` = 25/2). The rate must be above 0 and at most :data:`MAX_FPS`.
    """
    from .errors import UnsupportedFormatError

    bad = f"{func}: cannot read frame rate {value!r}; use e.g. 48, 60000/1001 or 59.94."
    if isinstance(value, bool) or value is None:
        raise UnsupportedFormatError(bad)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise UnsupportedFormatError(bad)
        # a float reads as its shortest text (59.94 -> "59.94"); one that needs all 17 digits is
        # a computed ratio (24000 / 1001): the nearest fraction with a denominator up to 1001
        text = repr(value)
        value = text if len(text) < 17 else Fraction(value).limit_denominator(1001)
    try:
        if isinstance(value, str):
            text = value.strip()
            fps = Fraction(text)
            m = _DECIMAL.fullmatch(text)
            if m:
                fps = _ntsc(fps, len(m.group(1))) or fps
        else:
            fps = Fraction(value)
    except (ValueError, ZeroDivisionError, TypeError, OverflowError):
        raise UnsupportedFormatError(bad) from None
    if fps <= 0:
        raise UnsupportedFormatError(f"{func}: frame rate must be positive; got {value!r}.")
    if fps > MAX_FPS:
        raise UnsupportedFormatError(
            f"{func}: frame rate {value!r} is above the limit of {MAX_FPS} fps; "
            "give a rate like 48, 60000/1001 or 120 (a whole number or NUM/DEN)."
        )
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
