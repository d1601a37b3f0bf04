"""``interpolate()``: anime-safe frame-rate conversion with RIFE, driven by the gate.

For output frame ``j`` the source frame ``n`` and timestep ``t`` come from exact rational
arithmetic (:mod:`ainimotion_vs._timing`). ``t == 0`` shows source frame ``n``; otherwise the
label of interval ``n -> n+1`` decides:

========  ===============================================================
motion    the model's frame at ``t`` (checked; a likely broken one falls back)
hold      a duplicate of ``n`` (the same drawing: nothing to interpolate)
cut       a duplicate of ``n``, the last frame before the cut (never a mix of two shots)
fade      a linear blend of ``n`` and ``n+1`` at ``t``
========  ===============================================================

Every output frame carries ``AinimotionSource``: "source", "model", "duplicate", "blend" or
"fallback". The model only runs for motion intervals.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

import vapoursynth as vs

from ._checks import check_clip, check_constant_rate
from ._color import color_info, from_rgbs, to_rgbs
from ._graph import interval_label, remap
from ._timing import output_length, parse_fps, source_position
from .errors import UnsupportedFormatError

if TYPE_CHECKING:  # pragma: no cover
    from .backends import Backend, InferenceStats
    from .gate import GateSettings

__all__ = ["interpolate", "FallbackSettings", "SOURCE_PROP"]

log = logging.getLogger("ainimotion_vs")

SOURCE_PROP = "AinimotionSource"


@dataclass(frozen=True, kw_only=True)
class FallbackSettings:
    """When a model frame is rejected. Distances are mean absolute RGB differences of the
    frames downscaled to ``analysis_width``: ``d(M, A)``, ``d(M, B)`` between the model frame
    and its two source frames, and ``d(A, B)`` between the sources."""

    ratio: float = 1.0
    """Reject when the model frame lies further from *both* neighbours than ``ratio * d(A, B)``
    (a good in-between lies between them; a broken one is unlike either). Chosen on the real
    development triplets (``scripts/eval_interp.py``)."""
    floor: float = 1.0 / 255.0
    """Distances under this (in [0, 1] units) never trigger a fallback: near-identical frames."""
    analysis_width: int = 256
    """Width of the downscaled frames the check measures (keeps it cheap at any resolution)."""


def _resolve_out_fps(clip: vs.VideoNode, factor: int | None, fps: object) -> Fraction:
    in_fps = Fraction(clip.fps.numerator, clip.fps.denominator)
    if (factor is None) == (fps is None):
        raise UnsupportedFormatError("interpolate: give exactly one of factor=2 (an integer) or fps=Fraction(60000, 1001).")
    if factor is not None:
        if isinstance(factor, bool) or not isinstance(factor, int) or factor < 1:
            raise UnsupportedFormatError(f"interpolate: factor must be a whole number >= 1; got {factor!r}. Use fps= for other rates.")
        return in_fps * factor
    out = parse_fps(fps, func="interpolate")  # type: ignore[arg-type]
    if out < in_fps:
        raise UnsupportedFormatError(
            f"interpolate: fps {out} is lower than the clip's {in_fps}; interpolate only raises the rate. "
            "Use core.std.AssumeFPS/SelectEvery to lower it."
        )
    return out


def _mean_abs(a, b) -> float:  # numpy arrays
    import numpy as np

    return float(np.abs(a - b).mean())


def _distance_props(model_small: vs.VideoNode, a_small: vs.VideoNode, b_small: vs.VideoNode) -> vs.VideoNode:
    import numpy as np

    def _measure(n: int, f: list[vs.VideoFrame]) -> vs.VideoFrame:
        m, a, b = (np.stack([np.asarray(fr[p]) for p in range(3)]) for fr in f)
        out = f[0].copy()
        out.props["AinimotionDistA"] = _mean_abs(m, a)
        out.props["AinimotionDistB"] = _mean_abs(m, b)
        out.props["AinimotionDistAB"] = _mean_abs(a, b)
        return out

    return vs.core.std.ModifyFrame(model_small, [model_small, a_small, b_small], _measure)


def is_broken(dist_a: float, dist_b: float, dist_ab: float, settings: FallbackSettings) -> bool:
    """The fallback rule: the model frame is further from both sources than they are from each other."""
    nearest = min(dist_a, dist_b)
    return nearest > settings.floor and nearest > settings.ratio * dist_ab


def interpolate(
    clip: vs.VideoNode,
    /,
    *,
    factor: int | None = None,
    fps: "Fraction | int | str | None" = None,
    model: str = "rife-4.25",
    backend: "str | Backend | None" = None,
    gate: bool = True,
    gate_settings: "GateSettings | None" = None,
    fallback: bool = True,
    fallback_settings: FallbackSettings = FallbackSettings(),
    stats: "InferenceStats | None" = None,
) -> vs.VideoNode:
    """Raise ``clip``'s frame rate by ``factor`` (integer) or to ``fps`` (exact rational).

    Args:
        clip: any constant-format, constant-size, constant-rate clip (YUV/RGB/GRAY, 8-32 bit).
        factor: integer rate multiplier, e.g. 2 (24 -> 48 fps).
        fps: target rate, e.g. ``Fraction(60000, 1001)`` or ``"60000/1001"``; exact, no drift.
        model: interpolation model name from the model table (``ainimotion weights list``).
        backend: ``"torch"``, ``"ort"``, ``"ov"``, ``"trt"`` (``-cuda`` variants) or a backend settings object.
        gate: run :func:`ainimotion_vs.gate` first; ``False`` trusts ``AinimotionInterval`` /
            ``_SceneChangeNext`` props already on the clip.
        gate_settings: thresholds for the gate (``None``: defaults).
        fallback: replace likely broken model frames with the nearest source frame.
        fallback_settings: the rejection rule's settings.
        stats: counts real model runs (see :class:`ainimotion_vs.backends.InferenceStats`).

    Returns:
        The clip at the new rate, same format, with ``AinimotionSource`` on every frame and
        exact ``_DurationNum``/``_DurationDen``.
    """
    check_clip(clip, "interpolate")
    check_constant_rate(clip, "interpolate")
    out_fps = _resolve_out_fps(clip, factor, fps)
    from .backends import infer
    from .models.spec import get_spec

    spec = get_spec(model)
    if spec.task != "interpolate":
        raise UnsupportedFormatError(f"interpolate: model {spec.name!r} is an {spec.task} model; use an interpolation model such as 'rife-4.25'.")

    in_fps = Fraction(clip.fps.numerator, clip.fps.denominator)
    if gate:
        from .gate import gate as run_gate

        clip = run_gate(clip) if gate_settings is None else run_gate(clip, settings=gate_settings)
    length = output_length(clip.num_frames, in_fps, out_fps)
    last = clip.num_frames - 1

    def pos(j: int) -> tuple[int, Fraction]:
        n, t = source_position(j, in_fps, out_fps)
        return (n, t) if n < last else (last, t if n == last else Fraction(1, 2))

    info = color_info(clip)
    rgb = to_rgbs(clip, info)
    a_rgb = remap(rgb, length, lambda j: pos(j)[0])
    b_rgb = remap(rgb, length, lambda j: pos(j)[0] + 1)
    plane = vs.core.std.BlankClip(a_rgb, format=vs.GRAYS, keep=True)
    t_planes: dict[Fraction, vs.VideoNode] = {}

    def _t_plane(n: int) -> vs.VideoNode:
        t = pos(n)[1]
        if t not in t_planes:
            t_planes[t] = plane.std.BlankClip(color=float(t), keep=True)
        return t_planes[t]

    t_clip = vs.core.std.FrameEval(plane, _t_plane)
    model_rgb = infer([a_rgb, b_rgb, t_clip], spec, backend=backend, stats=stats)
    model_out = from_rgbs(model_rgb, clip, info)

    at_n = remap(clip, length, lambda j: pos(j)[0]).std.AssumeFPS(fpsnum=out_fps.numerator, fpsden=out_fps.denominator)
    at_next = remap(clip, length, lambda j: pos(j)[0] + 1)
    template = at_n

    def tagged(node: vs.VideoNode, source: str) -> vs.VideoNode:
        node = node.std.AssumeFPS(fpsnum=out_fps.numerator, fpsden=out_fps.denominator)
        return node.std.SetFrameProps(**{SOURCE_PROP: source})

    n_source = tagged(at_n, "source")
    n_dup = tagged(at_n, "duplicate")
    model_ok = tagged(model_out, "model")
    fb_n, fb_next = tagged(at_n, "fallback"), tagged(at_next, "fallback")
    blends: dict[Fraction, vs.VideoNode] = {}

    if fallback:
        w = min(fallback_settings.analysis_width, clip.width)
        h = max(2, round(clip.height * w / clip.width / 2) * 2)
        small = [c.resize.Bilinear(w, h) for c in (model_rgb, a_rgb, b_rgb)]
        dists = _distance_props(*small)

        def _checked(n: int, f: vs.VideoFrame) -> vs.VideoNode:
            j = n
            p = f.props
            if is_broken(p["AinimotionDistA"], p["AinimotionDistB"], p["AinimotionDistAB"], fallback_settings):
                log.debug("interpolate: model frame %d rejected (d=%.4f/%.4f vs %.4f)", j,
                          p["AinimotionDistA"], p["AinimotionDistB"], p["AinimotionDistAB"])
                return fb_n if pos(j)[1] <= Fraction(1, 2) else fb_next
            return model_ok

        motion_node = vs.core.std.FrameEval(template, _checked, prop_src=dists, clip_src=[model_ok, fb_n, fb_next])
    else:
        motion_node = model_ok

    def _blend(t: Fraction) -> vs.VideoNode:
        if t not in blends:
            blends[t] = tagged(vs.core.std.Merge(at_n, at_next, weight=float(t)), "blend")
        return blends[t]

    def _choose(n: int, f: vs.VideoFrame) -> vs.VideoNode:
        n, t = pos(n)
        if t == 0:
            return n_source
        if n >= last:
            return n_dup  # past the last source frame: nothing to interpolate towards
        label = interval_label(f.props)
        if label is None:
            raise vs.Error(
                f"interpolate: source frame {n} has no AinimotionInterval or _SceneChangeNext prop; "
                "use gate=True or label the clip with ainimotion_vs.gate() first."
            )
        if label == "motion":
            return motion_node
        if label == "fade":
            return _blend(t)
        return n_dup  # hold, cut (and anything unknown: the safe choice)

    chosen = vs.core.std.FrameEval(template, _choose, prop_src=at_n, clip_src=[n_source, n_dup, motion_node])
    return _finish_props(chosen, at_n, pos, length, out_fps)


def _finish_props(chosen: vs.VideoNode, at_n: vs.VideoNode, pos, length: int, out_fps: Fraction) -> vs.VideoNode:
    """Exact durations and scene-change flags re-expressed on the output frame grid."""

    def _props(n: int, f: list[vs.VideoFrame]) -> vs.VideoFrame:
        j = n
        out = f[0].copy()
        src = f[1].props
        n, _ = pos(j)
        out.props["_DurationNum"] = out_fps.denominator
        out.props["_DurationDen"] = out_fps.numerator
        cut_next = interval_label(src) == "cut" and j + 1 < length and pos(j + 1)[0] > n
        out.props["_SceneChangeNext"] = int(cut_next)
        first_of_n = j == 0 or pos(j - 1)[0] < n
        out.props["_SceneChangePrev"] = int(first_of_n and bool(src.get("_SceneChangePrev", 0)))
        return out

    return vs.core.std.ModifyFrame(chosen, [chosen, at_n], _props)
