"""The timing plan of :func:`ainimotion_vs.interpolate`: which picture each output frame shows.

Pure arithmetic on the gate's interval labels and exact :class:`~fractions.Fraction` source
positions; no VapourSynth, so the plan of a whole episode can be checked without rendering.

An output frame sits at source position ``p = j * in_fps / out_fps`` (``n = floor(p)``). Its
:class:`Choice` is read from a bounded window of interval labels around ``n``, one letter each
(:data:`CODES`): the same window always gives the same choice, so any frame can be asked
for first (random access) and never depends on labels further away than :func:`window`.

``keep`` (the animator's cadence, the default): between source frames the label of interval
``n -> n+1`` decides: motion -> the model at ``t = p - n``, fade -> a blend, hold / cut /
unknown -> a duplicate of ``n``.

``smooth`` (drawings become key poses): a *drawing* starts at an onset, frame 0 or the frame
after any interval that is not a hold, and lasts until the next onset ``b``. For a drawing
``[a, b)`` of ``d = b - a <= max_cadence`` frames followed by motion (not a cut), every output
frame in it is the model frame between frames ``a`` and ``b`` at ``t = (p - a) / d``: the
in-betweens span the whole hold and motion is even at the output rate. A longer hold is a
pause the animator meant: the drawing holds, and moves to ``b`` only over the last ``c``
source frames (``t = (p - (b - c)) / c``), ``c`` being the shot's local cadence
(:func:`local_cadence`). A drawing followed by a cut or the clip's end holds to it: nothing
is ever interpolated across a cut.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

__all__ = ["TIMINGS", "CODES", "Choice", "code_of", "window", "choose", "local_cadence", "MAX_CADENCE_LIMIT"]

TIMINGS = ("keep", "smooth")
"""The values of ``interpolate(timing=...)``."""

CODES = {"hold": "h", "motion": "m", "fade": "f", "cut": "c"}
"""One letter per interval label in a window. Besides these: ``"."`` no interval (before frame
0, or from the clip's last frame on), ``"?"`` a frame without labels (an error only when the
plan needs it); any other label reads as a cut (the safe choice: never a mix)."""

MAX_CADENCE_LIMIT = 8
"""The largest ``max_cadence`` accepted: limited animation is drawn on ones to fours (sometimes
sixes); a larger value only widens the label window every frame reads."""

_ZERO = Fraction(0)


def code_of(label: str | None) -> str:
    """The window letter of one interval label (``None``: the frame has no labels)."""
    if label is None:
        return "?"
    return CODES.get(label, "c")


@dataclass(frozen=True)
class Choice:
    """What one output frame shows."""

    kind: str
    """``"source"`` (source frame ``a`` itself), ``"duplicate"`` (a repeat of frame ``a``),
    ``"model"`` (the model frame between ``a`` and ``b`` at ``t``) or ``"blend"`` (a linear
    blend of ``a`` and ``b`` at ``t``)."""
    a: int
    b: int
    t: Fraction
    time: Fraction
    """The source position the picture depicts, in source frames: ``a`` for a source frame or
    a duplicate, ``a + t * (b - a)`` for a model frame or blend."""


def window(timing: str, max_cadence: int) -> tuple[int, int]:
    """``(back, ahead)``: the choice for a frame at ``n <= p < n+1`` reads the labels of
    intervals ``n - back .. n + ahead`` and no others."""
    if timing == "keep":
        return 0, 0
    span = _cadence_span(max_cadence)
    # a-scan reaches n - max_cadence; the cadence scan reaches b - span - 1 >= n - span and
    # b + span - 1 <= n + max_cadence + span - 1.
    return max(span, max_cadence), max_cadence + span - 1


def _cadence_span(max_cadence: int) -> int:
    return 3 * max_cadence


def _held(n: int, t: Fraction) -> Choice:
    return Choice("source" if t == 0 else "duplicate", n, n, _ZERO, Fraction(n))


def _move(code: str, a: int, b: int, t: Fraction) -> Choice:
    kind = "model" if code == "m" else "blend"
    return Choice(kind, a, b, t, a + t * (b - a))


class _Window:
    """Labels of intervals ``origin .. origin + len(codes) - 1``; asking outside is a bug."""

    __slots__ = ("codes", "origin")

    def __init__(self, codes: str, origin: int) -> None:
        self.codes, self.origin = codes, origin

    def __call__(self, k: int) -> str:
        i = k - self.origin
        if not 0 <= i < len(self.codes):
            raise IndexError(f"timing plan: interval {k} is outside the label window {self.origin}..{self.origin + len(self.codes) - 1}")
        code = self.codes[i]
        if code == "?":
            raise LookupError(k)
        return code


def choose(p: Fraction, codes: str, origin: int, *, timing: str, max_cadence: int) -> Choice:
    """The :class:`Choice` for the output frame at source position ``p``.

    ``codes[i]`` is the letter (:func:`code_of`) of interval ``origin + i``; it must cover
    :func:`window` around ``floor(p)``. Raises ``LookupError(k)`` when the plan needs the label
    of a frame ``k`` that has none.
    """
    n = p.numerator // p.denominator
    t = p - n
    lab = _Window(codes, origin)
    if timing == "keep":
        if t == 0:
            return _held(n, t)
        code = lab(n)
        if code in "mf":
            return _move(code, n, n + 1, t)
        return _held(n, t)  # hold, cut, unknown, or past the last frame
    return _smooth(p, n, t, lab, max_cadence)


def _smooth(p: Fraction, n: int, t: Fraction, lab: _Window, max_cadence: int) -> Choice:
    # The next onset b (only those within max_cadence matter: a move starts at b - c >= b - max_cadence).
    b = code = None
    for k in range(n, n + max_cadence):
        c = lab(k)
        if c != "h":
            b, code = k + 1, c
            break
    if b is None or code in "c.":
        return _held(n, t)  # a long hold far from its end, or the last drawing before a cut / the end
    # The onset a of n's drawing, if it is at most max_cadence before b.
    for k in range(n, b - max_cadence - 1, -1):
        if lab(k - 1) != "h":  # k == 0 reads "." (no interval before the first frame): an onset
            d = b - k
            return _held(n, t) if p == k else _move(code, k, b, (p - k) / d)
    c = local_cadence(lab, b, max_cadence)
    start = b - c
    if p <= start:
        return _held(n, t)  # the pause: the drawing holds
    return _move(code, start, b, (p - start) / c)


def local_cadence(lab, b: int, max_cadence: int) -> int:
    """The shot's cadence around onset ``b``: the lower median duration of the complete drawings
    of ``b``'s shot that lie within ``3 * max_cadence`` frames of ``b`` and last at most
    ``max_cadence`` frames (longer ones are pauses, not cadence). With none (a still shot with
    a single change) it is 1: the change keeps its drawn timing, as ``keep`` shows it.

    ``lab(k)`` is the letter of interval ``k``; ``b`` is an onset after a motion or fade.
    """
    span = _cadence_span(max_cadence)
    durations: list[int] = []
    start = b
    for k in range(b, b + span):  # drawings from b on, up to the shot's end
        code = lab(k)
        if code in "c.":
            break
        if code != "h":
            durations.append(k + 1 - start)
            start = k + 1
    end = b
    for k in range(b - 2, b - span - 2, -1):  # drawings before b, back to the shot's start
        code = lab(k)
        if code != "h":
            durations.append(end - (k + 1))
            end = k + 1
            if code in "c.":
                break
    short = sorted(d for d in durations if d <= max_cadence)
    return short[(len(short) - 1) // 2] if short else 1

