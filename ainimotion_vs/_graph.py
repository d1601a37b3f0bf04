"""Graph helpers that keep model work from being done twice.

VapourSynth caches frames per node, so work is shared when every consumer of a drawing
asks the *same node* for the *same frame*. :func:`remap` builds a clip whose frame ``j``
is ``clip[index(j)]`` through ``FrameEval`` with ``clip_src`` declared (which keeps the
source node's cache in play), and :func:`reuse_holds` maps every frame of a held drawing
to the first frame of its hold run.
"""
from __future__ import annotations

from collections.abc import Callable

import vapoursynth as vs

from ._vs import text as _text

__all__ = ["remap", "interval_label", "same_as_previous", "drawing_index", "reuse_holds", "carry_timeline_props", "LABEL_PROP", "DRAWING_PROP"]

LABEL_PROP = "AinimotionInterval"
DRAWING_PROP = "AinimotionDrawing"



def interval_label(props: "vs.FrameProps") -> str | None:
    """The interval label on a frame: ``AinimotionInterval`` when present, else derived from
    ``_SceneChangeNext`` (1 -> "cut", 0 -> "motion"); ``None`` when neither is set."""
    if LABEL_PROP in props:
        return _text(props[LABEL_PROP])
    if "_SceneChangeNext" in props:
        return "cut" if int(props["_SceneChangeNext"]) else "motion"
    return None


def remap(clip: vs.VideoNode, length: int, index: Callable[[int], int], *, template: vs.VideoNode | None = None) -> vs.VideoNode:
    """A clip of ``length`` frames whose frame ``j`` is ``clip[index(j)]`` (lazy, random access)."""
    base = template if template is not None else clip
    base = base.std.BlankClip(length=length, keep=True) if base.num_frames != length else base
    last = clip.num_frames - 1

    def _pick(n: int) -> vs.VideoNode:
        return clip[min(max(index(n), 0), last)]

    return vs.core.std.FrameEval(base, _pick, clip_src=clip)


def same_as_previous(prev_props: "vs.FrameProps", props: "vs.FrameProps") -> bool:
    """Frame n shows the same drawing as frame n-1: interval n-1 -> n is a hold, or frame n is
    a duplicate written by :func:`ainimotion_vs.interpolate` (``AinimotionSource`` "duplicate")."""
    source = props.get("AinimotionSource")
    if source is not None and _text(source) == "duplicate":
        return True
    prev_source = prev_props.get("AinimotionSource")
    if prev_source is not None and _text(prev_source) not in ("source", "duplicate"):
        return False
    return interval_label(prev_props) == "hold"


def drawing_index(gated: vs.VideoNode) -> vs.VideoNode:
    """``gated`` with ``AinimotionDrawing`` on frame n: the first frame of the run of frames
    showing n's drawing (see :func:`same_as_previous`); n itself when n starts a drawing."""
    prev = vs.core.std.Splice([gated[0], gated[:-1]]) if gated.num_frames > 1 else gated

    def _eval(n: int, f: list[vs.VideoFrame]) -> vs.VideoNode:
        if n > 0 and same_as_previous(f[0].props, f[1].props):
            return node[n - 1]
        return own[n]

    own = vs.core.std.FrameEval(gated, lambda n: gated.std.SetFrameProps(**{DRAWING_PROP: n}), clip_src=gated)
    node = vs.core.std.FrameEval(gated, _eval, prop_src=[prev, gated], clip_src=own)
    # Only the prop is wanted from the chain: take pixels and the other props from frame n itself.
    return vs.core.std.CopyFrameProps(gated, node, props=[DRAWING_PROP])


def reuse_holds(processed: vs.VideoNode, gated: vs.VideoNode) -> vs.VideoNode:
    """Frame n of the result is ``processed`` at the first frame of n's hold run, carrying frame
    n's own props: ``processed`` is computed once per distinct drawing (when rendered in order)."""
    drawings = drawing_index(gated)

    def _eval(n: int, f: vs.VideoFrame) -> vs.VideoNode:
        return processed[int(f.props[DRAWING_PROP])]

    picked = vs.core.std.FrameEval(processed, _eval, prop_src=drawings, clip_src=processed)
    return carry_timeline_props(picked, drawings)


TIMELINE_PROPS = ("_SceneChangeNext", "_SceneChangePrev", "_DurationNum", "_DurationDen", "_AbsoluteTime")


def carry_timeline_props(clip: vs.VideoNode, timeline: vs.VideoNode) -> vs.VideoNode:
    """``clip``'s frames with the per-frame timeline props of ``timeline`` (our ``Ainimotion*``
    props, scene-change flags, durations) written over theirs; other props stay ``clip``'s."""

    def _copy(n: int, f: list[vs.VideoFrame]) -> vs.VideoFrame:
        out = f[0].copy()
        for key, value in f[1].props.items():
            if key.startswith("Ainimotion") or key in TIMELINE_PROPS:
                out.props[key] = value
        return out

    return vs.core.std.ModifyFrame(clip, [clip, timeline], _copy)
