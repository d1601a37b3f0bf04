"""Preview spans: pick a few seconds around a cut, a hold-heavy stretch, a high-motion stretch
and (for smooth timing) the most re-timed stretch from the gate timeline, and show source and
result side by side."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import vapoursynth as vs

from ._graph import remap

__all__ = ["Span", "gate_labels", "choose_spans", "retimed_intervals", "side_by_side"]

log = logging.getLogger("ainimotion_vs")


@dataclass(frozen=True)
class Span:
    """Frames ``[start, end)`` of the source, and why they were chosen."""

    start: int
    end: int
    reason: str


def gate_labels(clip: vs.VideoNode, progress: Any = None) -> list[str]:
    """The gate label of every interval of ``clip`` (renders the gate only: cheap)."""
    from .gate import gate
    from .timeline import labels_of

    return labels_of(gate(clip), progress=progress)


def retimed_intervals(labels: list[str], max_cadence: int = 4) -> list[bool]:
    """Per interval: does smooth timing re-time it? True inside a drawing held 2 to
    ``max_cadence`` frames that is followed by motion in the same shot (the spans whose held
    frames become in-betweens; see :mod:`ainimotion_vs._retime`)."""
    out = [False] * len(labels)
    start = 0
    for k, lab in enumerate(labels):
        if lab == "hold":
            continue
        if lab == "motion" and 2 <= k + 1 - start <= max_cadence:
            out[start : k + 1] = [True] * (k + 1 - start)
        start = k + 1
    return out


def _best_window(labels: list[str], length: int, want: str, taken: list[Span], max_cadence: int = 4) -> int | None:
    best, best_score = None, -1
    retimed = retimed_intervals(labels, max_cadence) if want == "retimed" else []
    for start in range(0, max(1, len(labels) - length + 1)):
        end = start + length
        if any(start < s.end and s.start < end for s in taken):
            continue
        window = labels[start:end]
        if "cut" in window[:-1]:
            continue  # keep hold/motion spans inside one shot
        score = window.count(want) if want != "retimed" else sum(retimed[start:end])
        if score > best_score:
            best, best_score = start, score
    return best


def choose_spans(
    labels: list[str], fps: Fraction, seconds: float = 2.0, *, timing: str = "keep", max_cadence: int = 4
) -> list[Span]:
    """Non-overlapping spans of ``seconds``, in source order: around the first cut, the most
    held stretch and the most moving stretch; with ``timing="smooth"`` first of all the most
    re-timed stretch (:func:`retimed_intervals`: held frames that become in-betweens)."""
    n = len(labels)
    length = max(2, min(n, round(float(fps) * seconds)))
    spans: list[Span] = []
    cuts = [i for i, lab in enumerate(labels[:-1]) if lab == "cut"]
    if cuts:
        c = cuts[0]
        start = max(0, min(c + 1 - length // 2, n - length))
        spans.append(Span(start, start + length, f"cut at {c + 1}"))
    wanted = ("retimed", "hold", "motion") if timing == "smooth" else ("hold", "motion")
    for want in wanted:
        s = _best_window(labels, length, want, spans, max_cadence)
        if s is not None:
            window = retimed_intervals(labels, max_cadence)[s : s + length] if want == "retimed" else labels[s : s + length]
            share = (sum(window) if want == "retimed" else window.count(want)) / length
            if want == "retimed" and not share:
                continue  # nothing on twos to fours: smooth timing changes nothing to show
            spans.append(Span(s, s + length, f"most {want} ({share:.0%})"))
    if not spans:
        spans.append(Span(0, length, "start"))
    return sorted(spans, key=lambda s: s.start)


def side_by_side(
    source: vs.VideoNode, result: vs.VideoNode, *, label: str, max_height: int = 720, source_label: str = "source"
) -> vs.VideoNode:
    """Source (repeated to the result's rate, resized) left, result right, each labelled; the
    smooth span view passes the keep-timing result as ``source`` (``source_label="keep"``)."""
    h = min(result.height, max_height)
    h -= h % 2
    w = round(result.width * h / result.height / 2) * 2
    in_fps = Fraction(source.fps.numerator, source.fps.denominator)
    out_fps = Fraction(result.fps.numerator, result.fps.denominator)
    src = remap(source, result.num_frames, lambda j: int(Fraction(j) * in_fps / out_fps))
    src = src.resize.Bicubic(w, h, format=result.format.id)
    res = result.resize.Bicubic(w, h) if (result.width, result.height) != (w, h) else result
    src = src.std.AssumeFPS(result)
    src = src.text.Text(source_label, alignment=7)
    res = res.text.Text(label, alignment=7)
    return vs.core.std.StackHorizontal([src, res])
