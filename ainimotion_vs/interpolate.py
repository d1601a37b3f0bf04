"""``interpolate()``: anime-safe frame-rate conversion with RIFE, driven by the gate.

For output frame ``j`` the source frame ``n`` and timestep ``t`` come from exact rational
arithmetic (:mod:`ainimotion_vs._timing`). ``t == 0`` shows source frame ``n``; otherwise the
label of interval ``n -> n+1`` decides:

========  ===============================================================
motion    the model's frame at ``t`` (checked; a likely broken one falls back)
hold      a duplicate of ``n`` (the same drawing: nothing to interpolate)
cut       a duplicate of ``n``, the last frame before the cut (never a mix of two shots)
fade      a linear blend of ``n`` and ``n+1`` at ``t`` (only from upstream props: the gate
          calls fades motion)
========  ===============================================================

Output frames after the last source frame are duplicates of it. Every output frame carries
``AinimotionSource``: "source", "model", "duplicate", "blend" or "fallback". The model only
runs for motion intervals, once per output frame (VapourSynth's cache serves repeats).

The graph: the clip in float RGB is remapped to the output grid twice (frame ``n`` and
``n+1`` of each output frame) and fed with a constant timestep plane to
:func:`ainimotion_vs.backends.infer`; per output frame a ``FrameEval`` reads the interval
label and returns the source, duplicate, blend or (checked) model node. Duplicates are the
same node and source frame as the frame they repeat, so downstream work is shared.
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
    import numpy as np

    from .backends import Backend, InferenceStats
    from .gate import GateSettings
    from .models.spec import ModelSpec

__all__ = ["interpolate", "FallbackSettings", "FALLBACK_TARGETS", "SOURCE_PROP", "SOURCES", "fallback_distances", "fallback_score", "is_broken"]

log = logging.getLogger("ainimotion_vs")

SOURCE_PROP = "AinimotionSource"
SOURCES = ("source", "model", "duplicate", "blend", "fallback")
"""The values of ``AinimotionSource`` on interpolate()'s output frames."""


FALLBACK_TARGETS = ("blend", "duplicate")


@dataclass(frozen=True, kw_only=True)
class FallbackSettings:
    """When a model frame is rejected, and what replaces it.

    The check compares the model frame ``M`` with its two source frames ``A`` and ``B``,
    all downscaled to ``analysis_width``: ``d(X, Y)`` is their mean absolute RGB difference
    in [0, 1] units. A good in-between lies *between* its sources, so it is never further
    from the nearer of them than they are from each other; a broken one (garbage, a black
    or shifted frame, a runtime fault) is unlike either.

    Measured with ``scripts/eval_interp.py`` on real anime triplets (A, B, C with B the true
    middle): the 20 development triplets, 72 equally spaced drawing triplets mined from the
    hand-labelled clips and 68 with the gap doubled (large motion), plus 199 mined triplets in
    an exploratory run. On real in-betweens the score ``min(d(M, A), d(M, B)) / d(A, B)`` has a
    median of 0.6 and stays <= 0.83 wherever the frames differ by more than the floor (1.20
    once, on a near-hold at 0.04 code values, under the floor). Any ratio low enough to fire on
    real frames (0.6, 0.7) lowered the mean *and* the worst PSNR on every set, with either
    target; no model-free statistic of (M, A, B) tried (this ratio, distance to the blend,
    gradient energy, colours outside the local hull, blockwise excess) separates the frames
    where RIFE loses to the blend (3/20 dev, 24/72 mined; mostly small motions or uneven
    timing, where every candidate is close) from those where it wins. RIFE's own warp
    consistency ``|warp(A) - warp(B)| / d(A, B)`` is 0.80-0.98 on all 11 real cuts (and above
    0.8 on real motion only where d(A, B) is tiny), a missed-cut test; but it needs the network's internals and only matters when the gate misses a cut
    (it missed none of them). So the rule is a safety net with a margin (ratio 1.5: a black or
    garbage frame from a runtime fault scores far above 1), not a quality filter.
    """

    ratio: float = 1.5
    """Reject when the model frame is further from *both* sources than ``ratio * d(A, B)``."""
    floor: float = 2.0 / 255.0
    """A model frame within this distance (in [0, 1] units) of a source is never rejected:
    near-identical frames, where the ratio is noise."""
    target: str = "blend"
    """What replaces a rejected frame: ``"blend"`` (a linear blend of A and B at t; it beat a
    duplicate on every subset measured, mean and worst PSNR) or ``"duplicate"`` (the
    nearest source frame)."""
    analysis_width: int = 256
    """Width of the downscaled frames the check measures (keeps it cheap at any resolution)."""


def _check_fallback_settings(settings: object) -> FallbackSettings:
    if settings is None:
        return FallbackSettings()
    if not isinstance(settings, FallbackSettings):
        raise UnsupportedFormatError(
            f"interpolate: fallback_settings must be a FallbackSettings or None; got {type(settings).__name__}."
        )
    for name in ("ratio", "floor"):
        v = getattr(settings, name)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not v >= 0:
            raise UnsupportedFormatError(f"interpolate: fallback_settings.{name} must be a number >= 0; got {v!r}.")
    if settings.target not in FALLBACK_TARGETS:
        raise UnsupportedFormatError(
            f"interpolate: fallback_settings.target must be one of {', '.join(map(repr, FALLBACK_TARGETS))}; got {settings.target!r}."
        )
    w = settings.analysis_width
    if isinstance(w, bool) or not isinstance(w, int) or not 16 <= w <= 4096:
        raise UnsupportedFormatError(f"interpolate: fallback_settings.analysis_width must be an integer 16..4096; got {w!r}.")
    return settings


def _resolve_out_fps(clip: vs.VideoNode, factor: object, fps: object) -> Fraction:
    in_fps = Fraction(clip.fps.numerator, clip.fps.denominator)
    if factor is not None and fps is not None:
        raise UnsupportedFormatError(
            f"interpolate: give one of factor= or fps=, not both; got factor={factor!r}, fps={fps!r}."
        )
    if fps is None:
        factor = 2 if factor is None else factor
        if isinstance(factor, bool) or not isinstance(factor, int) or factor < 1:
            raise UnsupportedFormatError(
                f"interpolate: factor must be a whole number >= 1; got {factor!r}. Use fps= for other rates."
            )
        return in_fps * factor
    out = parse_fps(fps, func="interpolate")  # type: ignore[arg-type]
    if out < in_fps:
        raise UnsupportedFormatError(
            f"interpolate: fps {out} is lower than the clip's {in_fps}; interpolate only raises the rate. "
            "Use core.std.AssumeFPS/SelectEvery to lower it."
        )
    return out


def fallback_distances(model: "np.ndarray", a: "np.ndarray", b: "np.ndarray") -> tuple[float, float, float]:
    """``(d(M, A), d(M, B), d(A, B))``: mean absolute differences of three same-shape float arrays."""
    import numpy as np

    return float(np.abs(model - a).mean()), float(np.abs(model - b).mean()), float(np.abs(a - b).mean())


def _distance_props(model_small: vs.VideoNode, a_small: vs.VideoNode, b_small: vs.VideoNode) -> vs.VideoNode:
    import numpy as np

    def _measure(n: int, f: list[vs.VideoFrame]) -> vs.VideoFrame:
        m, a, b = (np.stack([np.asarray(fr[p]) for p in range(3)]) for fr in f)
        out = f[0].copy()
        d_a, d_b, d_ab = fallback_distances(m, a, b)
        out.props["AinimotionDistA"] = d_a
        out.props["AinimotionDistB"] = d_b
        out.props["AinimotionDistAB"] = d_ab
        return out

    return vs.core.std.ModifyFrame(model_small, [model_small, a_small, b_small], _measure)


def fallback_score(dist_a: float, dist_b: float, dist_ab: float) -> float:
    """``min(d(M, A), d(M, B)) / d(A, B)``: about 0.5 for a good in-between, above 1 for a frame
    unlike both sources (``inf`` when the sources are identical and the model frame is not)."""
    nearest = min(dist_a, dist_b)
    if dist_ab > 0:
        return nearest / dist_ab
    return 0.0 if nearest == 0 else float("inf")


def is_broken(dist_a: float, dist_b: float, dist_ab: float, settings: FallbackSettings) -> bool:
    """The fallback rule: the model frame is further from both sources than ``settings.ratio``
    times their own distance, and not within ``settings.floor`` of either."""
    nearest = min(dist_a, dist_b)
    return nearest > settings.floor and nearest > settings.ratio * dist_ab


def _has_labels(clip: vs.VideoNode) -> bool:
    return interval_label(clip.get_frame(0).props) is not None


def interpolate(
    clip: vs.VideoNode,
    /,
    *,
    factor: int | None = None,
    fps: "Fraction | int | str | None" = None,
    model: "str | ModelSpec" = "rife-4.25",
    backend: "str | Backend | None" = None,
    gate: bool = True,
    gate_settings: "GateSettings | None" = None,
    fallback: bool = True,
    fallback_settings: FallbackSettings | None = None,
    stats: "InferenceStats | None" = None,
) -> vs.VideoNode:
    """Raise ``clip``'s frame rate by ``factor`` (integer) or to ``fps`` (exact rational).

    Output frame ``j`` shows source time ``j / fps_out``: source frame ``n`` when that time
    falls on it, else the interval ``n -> n+1`` at timestep ``t`` decides (see the module
    docstring). Cuts and holds never run the model and never mix two shots.

    Args:
        clip: any constant-format, constant-size, constant-rate clip (YUV/RGB/GRAY, 8-32 bit).
            YUV is converted to the model's RGB with the clip's own ``_Matrix``/``_ColorRange``
            and back; the model's size multiple is handled by padding and cropping.
        factor: integer rate multiplier, e.g. 2 (24 -> 48 fps). The default when ``fps`` is not given.
        fps: target rate, e.g. ``Fraction(60000, 1001)`` or ``"60000/1001"``; exact, no drift.
        model: interpolation model name from the model table (``ainimotion weights list``).
        backend: ``"torch"``, ``"ort"``, ``"ov"``, ``"trt"`` (``-cuda`` variants) or a backend
            settings object; ``None``: CUDA torch when a GPU is present, else CPU torch.
        gate: run :func:`ainimotion_vs.gate` first; ``False`` trusts ``AinimotionInterval`` /
            ``_SceneChangeNext`` props already on the clip.
        gate_settings: thresholds for the gate (``None``: defaults).
        fallback: replace model frames that fail the :class:`FallbackSettings` check.
        fallback_settings: the rejection rule and its replacement (``None``: defaults).
        stats: counts real model runs (see :class:`ainimotion_vs.backends.InferenceStats`).

    Returns:
        The clip at the new rate, same format, size and props, with ``AinimotionSource``
        (one of :data:`SOURCES`) on every frame, exact ``_DurationNum``/``_DurationDen``, and
        ``_SceneChangeNext``/``_SceneChangePrev`` on the new frame grid. Model frames also
        carry ``AinimotionDistA``/``AinimotionDistB``/``AinimotionDistAB`` when ``fallback`` is on.

    Raises:
        UnsupportedFormatError: bad clip, rate, model, backend name or settings, or
            ``gate=False`` on a clip without interval labels.
    """
    check_clip(clip, "interpolate")
    check_constant_rate(clip, "interpolate")
    out_fps = _resolve_out_fps(clip, factor, fps)
    from .backends import InferenceStats, infer, resolve_backend
    from .models.spec import spec_for_task

    spec = spec_for_task(model, task="interpolate", func="interpolate")
    backend_obj = resolve_backend(backend, func="interpolate")
    for name, value in (("gate", gate), ("fallback", fallback)):
        if not isinstance(value, bool):
            raise UnsupportedFormatError(f"interpolate: {name} must be True or False; got {value!r}.")
    settings = _check_fallback_settings(fallback_settings)
    if stats is not None and not isinstance(stats, InferenceStats):
        raise UnsupportedFormatError(f"interpolate: stats must be an InferenceStats or None; got {type(stats).__name__}.")

    in_fps = Fraction(clip.fps.numerator, clip.fps.denominator)
    if gate:
        from .gate import gate as run_gate

        clip = run_gate(clip, settings=gate_settings)
    elif not _has_labels(clip):
        raise UnsupportedFormatError(
            "interpolate: gate=False but the clip has no AinimotionInterval or _SceneChangeNext props; "
            "use gate=True or label the clip with ainimotion_vs.gate() first."
        )
    length = output_length(clip.num_frames, in_fps, out_fps)
    last = clip.num_frames - 1

    def pos(j: int) -> tuple[int, Fraction]:
        return source_position(j, in_fps, out_fps)

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
    model_rgb = infer([a_rgb, b_rgb, t_clip], spec, backend=backend_obj, stats=stats)
    model_out = from_rgbs(model_rgb, clip, info)

    at_n = remap(clip, length, lambda j: pos(j)[0])
    at_next = remap(clip, length, lambda j: pos(j)[0] + 1)

    def tagged(node: vs.VideoNode, source: str) -> vs.VideoNode:
        node = node.std.AssumeFPS(fpsnum=out_fps.numerator, fpsden=out_fps.denominator)
        return node.std.SetFrameProps(**{SOURCE_PROP: source})

    template = tagged(at_n, "source")
    n_source = template
    n_dup = tagged(at_n, "duplicate")
    blends: dict[tuple[Fraction, str], vs.VideoNode] = {}

    def _blend(t: Fraction, source: str) -> vs.VideoNode:
        if (t, source) not in blends:
            blends[(t, source)] = tagged(vs.core.std.Merge(at_n, at_next, weight=float(t)), source)
        return blends[(t, source)]

    if fallback:
        w = min(settings.analysis_width, clip.width)
        h = max(2, round(clip.height * w / clip.width / 2) * 2)
        small = [c.resize.Bilinear(w, h) for c in (model_rgb, a_rgb, b_rgb)]
        dists = _distance_props(*small)
        model_ok = vs.core.std.CopyFrameProps(
            tagged(model_out, "model"), dists, props=["AinimotionDistA", "AinimotionDistB", "AinimotionDistAB"]
        )
        fb_n, fb_next = tagged(at_n, "fallback"), tagged(at_next, "fallback")

        def _checked(n: int, f: vs.VideoFrame) -> vs.VideoNode:
            p = f.props
            d_a, d_b, d_ab = p["AinimotionDistA"], p["AinimotionDistB"], p["AinimotionDistAB"]
            if not is_broken(d_a, d_b, d_ab, settings):
                return model_ok
            t = pos(n)[1]
            log.info(
                "interpolate: model frame %d (source %d, t=%s) rejected: d(M,A)=%.4f d(M,B)=%.4f d(A,B)=%.4f; using a %s",
                n, pos(n)[0], t, d_a, d_b, d_ab, settings.target,
            )
            if settings.target == "blend":
                return _blend(t, "fallback")
            return fb_n if t <= Fraction(1, 2) else fb_next

        motion_node = vs.core.std.FrameEval(template, _checked, prop_src=dists, clip_src=[model_ok, fb_n, fb_next])
    else:
        motion_node = tagged(model_out, "model")

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
            return _blend(t, "blend")
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
