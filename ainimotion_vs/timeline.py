"""The gate timeline, read once: the label of every interval n -> n+1 of a clip and the numbers
that decided it (neighbour distance, anchor distance, threshold, structure change, streaks), as
one structure for ``ainimotion analyze``, the preview and the desktop app."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import vapoursynth as vs

from ._vs import text
from .gating.settings import GATE_PROPS, GateSettings

__all__ = ["METRICS", "Timeline", "read_timeline", "labels_of"]

METRICS = tuple(p for p in GATE_PROPS if p != "AinimotionInterval" and not p.startswith("_"))
"""The metric props of the gate, in GATE_PROPS order (numbers, not the label or scene flags)."""


@dataclass(frozen=True)
class Timeline:
    """Per frame n (about the interval n -> n+1; the last frame, with none, is ``"cut"``)."""

    labels: tuple[str, ...]
    """``"cut"`` / ``"hold"`` / ``"motion"``."""
    metrics: dict[str, tuple[float, ...]]
    """Metric prop name (:data:`METRICS`) -> its value on every frame."""

    def __len__(self) -> int:
        return len(self.labels)

    def rows(self) -> list[dict[str, float | int | str]]:
        """One dict per frame: ``n``, ``label`` and every metric by prop name."""
        return [
            {"n": n, "label": lab, **{k: v[n] for k, v in self.metrics.items()}} for n, lab in enumerate(self.labels)
        ]


def read_timeline(
    clip: vs.VideoNode,
    *,
    settings: GateSettings | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Timeline:
    """Run :func:`ainimotion_vs.gate.gate` over ``clip`` in order and collect its props.

    ``progress(done, total)`` is called after every frame when given."""
    from .gate import gate  # gate imports the filter loader: only when a timeline is read

    labels: list[str] = []
    metrics: dict[str, list[float]] = {k: [] for k in METRICS}
    gated = gate(clip, settings=settings)
    total = gated.num_frames
    for n, f in enumerate(gated.frames(close=True)):
        p = f.props
        labels.append(text(p["AinimotionInterval"]))
        for k in METRICS:
            metrics[k].append(p[k])
        if progress is not None:
            progress(n + 1, total)
    return Timeline(tuple(labels), {k: tuple(v) for k, v in metrics.items()})


def labels_of(gated: vs.VideoNode, *, progress: Callable[[int, int], None] | None = None) -> list[str]:
    """The ``AinimotionInterval`` label of every frame of a clip already gated (frame n's label
    is about the interval n -> n+1), read in order."""
    labels = []
    for n, f in enumerate(gated.frames(close=True)):
        labels.append(text(f.props["AinimotionInterval"]))
        if progress is not None:
            progress(n + 1, gated.num_frames)
    return labels
