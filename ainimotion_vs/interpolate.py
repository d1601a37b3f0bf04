"""``interpolate()``: anime-safe frame-rate conversion with RIFE, driven by the gate.

Output frame ``j`` sits at the exact source position ``p = j * in_fps / out_fps``
(:mod:`ainimotion_vs._timing`). A *timing plan* (:mod:`ainimotion_vs._retime`) turns the
gate's interval labels around ``p`` into a choice per output frame:

==========  ==========================================================================
source      source frame ``n`` itself (``p`` falls on it)
model       the model's frame between source frames ``a`` and ``b`` at ``t`` (checked; a
            likely broken one falls back to a blend or a duplicate)
duplicate   a repeat of source frame ``n``: a hold (the same drawing), the frame before a
            cut (never a mix of two shots), or past the last source frame
blend       a linear blend of ``a`` and ``b`` at ``t`` (fades, only from upstream props:
            the gate calls fades motion)
==========  ==========================================================================

``timing="keep"`` (default) keeps the animator's cadence: the model only fills motion
intervals ``n -> n+1`` and holds stay holds. ``timing="smooth"`` makes each drawing on twos,
threes or fours a key pose at its onset and fills the whole span to the next drawing, so
motion is even at the output rate; longer holds stay pauses (see :mod:`ainimotion_vs._retime`).
Mixed cadence (a pan on ones under characters on twos) has no global holds: every interval
is motion, and smooth timing gives the same frames as keep there.

Every output frame carries ``AinimotionSource`` ("source", "model", "duplicate", "blend" or
"fallback") and ``AinimotionTime`` (seconds, with ``AinimotionTimeNum``/``AinimotionTimeDen``
exact): the source time the picture depicts.

The graph, in named steps: :func:`_label_windows` (a tiny clip whose frame ``n`` carries the
label letters of its bounded window), :func:`_timing_plan` (the choice per output frame, as
props of a tiny clip), :func:`_frame_nodes` (frames ``a`` and ``b``, the model, blends and
the fallback check), :func:`_chosen` (per output frame, the node the plan names) and
:func:`_finish_props`. Duplicates are the same node and source frame as the frame they
repeat, and the model runs once per output frame that needs it (VapourSynth caches nodes by
frame number), so downstream work is shared.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

import vapoursynth as vs

from ._vs import check_clip, check_constant_rate
from ._vs import text as _text
from ._color import color_info, from_rgbs, to_rgbs
from ._graph import LABEL_PROP, interval_label, remap
from ._retime import MAX_CADENCE_LIMIT, TIMINGS, Choice, choose, code_of, window
from ._timing import output_length, parse_fps, source_position
from .errors import SettingsError, UnsupportedFormatError

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

    from .backends import Backend, InferenceStats
    from .gate import GateSettings
    from .models.spec import ModelSpec

__all__ = [
    "interpolate", "FallbackSettings", "FALLBACK_TARGETS", "SOURCE_PROP", "SOURCES", "TIME_PROP", "TIMINGS",
    "fallback_distances", "fallback_score", "is_broken",
]

log = logging.getLogger("ainimotion_vs")

SOURCE_PROP = "AinimotionSource"
SOURCES = ("source", "model", "duplicate", "blend", "fallback")
"""The values of ``AinimotionSource`` on interpolate()'s output frames."""
TIME_PROP = "AinimotionTime"
"""The source time (seconds) an output frame depicts; exact as ``AinimotionTimeNum/AinimotionTimeDen``."""


FALLBACK_TARGETS = ("blend", "duplicate")


@dataclass(frozen=True, kw_only=True)
class FallbackSettings:
    """When a model frame is rejected, and what replaces it.

    The check compares the model frame ``M`` with its two source frames ``A`` and ``B``,
    all downscaled to ``analysis_width``: ``d(X, Y)`` is their mean absolute RGB difference
    in [0, 1] units. A good in-between lies *between* its sources, so it is never further
    from the nearer of them than they are from each other; a broken one (garbage, a black
    or shifted frame, a runtime fault) is unlike either.

    Measured with ``scripts/eval_interp.py`` on real anime triplets: on real in-betweens the
    score ``min(d(M, A), d(M, B)) / d(A, B)`` has a median of 0.6 and stays <= 0.83 wherever the
    frames differ by more than the floor, while a black or garbage frame scores far above 1.
    No threshold low enough to fire on real frames improved PSNR, so this is a safety net with
    a margin, not a quality filter (the exploration: docs/DESIGN-NOTES.md, "Interpolation
    fallback").
    """

    ratio: float = 1.5
    """Reject when the model frame is further from *both* sources than ``ratio * d(A, B)``."""
    floor: float = 2.0 / 255.0
    """A model frame within this distance (in [0, 1] units) of a source is never rejected:
    near-identical frames, where the ratio is noise."""
    target: str = "blend"
    """What replaces a rejected frame: ``"blend"`` (a linear blend of A and B at t; it beat a
    duplicate on every subset measured, mean and worst PSNR) or ``"duplicate"`` (the
    nearer of the two source frames in time)."""
    analysis_width: int = 256
    """Width of the downscaled frames the check measures (keeps it cheap at any resolution)."""


def _check_fallback_settings(settings: object) -> FallbackSettings:
    if settings is None:
        return FallbackSettings()
    if not isinstance(settings, FallbackSettings):
        raise SettingsError(
            f"interpolate: fallback_settings must be a FallbackSettings or None; got {type(settings).__name__}."
        )
    for name in ("ratio", "floor"):
        v = getattr(settings, name)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not v >= 0:
            raise SettingsError(f"interpolate: fallback_settings.{name} must be a number >= 0; got {v!r}.")
    if settings.target not in FALLBACK_TARGETS:
        raise SettingsError(
            f"interpolate: fallback_settings.target must be one of {', '.join(map(repr, FALLBACK_TARGETS))}; got {settings.target!r}."
        )
    w = settings.analysis_width
    if isinstance(w, bool) or not isinstance(w, int) or not 16 <= w <= 4096:
        raise SettingsError(f"interpolate: fallback_settings.analysis_width must be an integer 16..4096; got {w!r}.")
    return settings


def _resolve_out_fps(clip: vs.VideoNode, factor: object, fps: object) -> Fraction:
    in_fps = Fraction(clip.fps.numerator, clip.fps.denominator)
    if factor is not None and fps is not None:
        raise SettingsError(
            f"interpolate: give one of factor= or fps=, not both; got factor={factor!r}, fps={fps!r}."
        )
    if fps is None:
        factor = 2 if factor is None else factor
        if isinstance(factor, bool) or not isinstance(factor, int) or factor < 1:
            raise SettingsError(
                f"interpolate: factor must be a whole number >= 1; got {factor!r}. Use fps= for other rates."
            )
        return in_fps * factor
    out = parse_fps(fps, func="interpolate")  # type: ignore[arg-type]
    if out < in_fps:
        raise SettingsError(
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


def _check_timing(timing: object, max_cadence: object) -> None:
    if timing not in TIMINGS:
        raise SettingsError(f"interpolate: timing must be one of {', '.join(map(repr, TIMINGS))}; got {timing!r}.")
    if isinstance(max_cadence, bool) or not isinstance(max_cadence, int) or not 1 <= max_cadence <= MAX_CADENCE_LIMIT:
        raise SettingsError(
            f"interpolate: max_cadence must be a whole number 1..{MAX_CADENCE_LIMIT} (drawings on ones to fours: 4); "
            f"got {max_cadence!r}."
        )


def _labelled(
    clip: vs.VideoNode, gate: bool, gate_settings: "GateSettings | None", labels: vs.VideoNode | None
) -> tuple[vs.VideoNode, vs.VideoNode]:
    """``(clip, timeline)``: the clip with the gate's props, and the clip the plan reads labels
    from (``labels`` when given: cheap to read ahead, unlike an upscaled clip)."""
    if labels is not None:
        if gate:
            raise SettingsError("interpolate: labels= is only read with gate=False; drop labels= or pass gate=False.")
        if not isinstance(labels, vs.VideoNode) or labels.num_frames != clip.num_frames:
            got = f"{labels.num_frames} frames" if isinstance(labels, vs.VideoNode) else type(labels).__name__
            raise SettingsError(
                f"interpolate: labels must be a clip with the same {clip.num_frames} frames as clip (the gated source); got {got}."
            )
    if gate:
        from .gate import gate as run_gate

        clip = run_gate(clip, settings=gate_settings)
    timeline = labels if labels is not None else clip
    if not gate and not _has_labels(timeline):
        raise UnsupportedFormatError(
            "interpolate: gate=False but the clip has no AinimotionInterval or _SceneChangeNext props; "
            "use gate=True or label the clip with ainimotion_vs.gate() first."
        )
    return clip, timeline


_CODE_PROP = "AinimotionCode"
_WINDOW_PROP = "AinimotionWindow"
_PLAN_PROPS = ("AinimotionPlanKind", "AinimotionPlanA", "AinimotionPlanB", "AinimotionPlanT", "AinimotionPlanTime")


def _label_windows(timeline: vs.VideoNode, back: int, ahead: int) -> vs.VideoNode:
    """A 1x1 clip at the source rate whose frame ``n`` carries the label letters of intervals
    ``n - back .. n + ahead`` (:func:`ainimotion_vs._retime.code_of`) as ``AinimotionWindow``."""
    count = timeline.num_frames
    tiny = vs.core.std.BlankClip(timeline, format=vs.GRAY8, width=1, height=1, keep=True)
    props = vs.core.std.CopyFrameProps(tiny, timeline, props=[LABEL_PROP, "_SceneChangeNext"])

    def _code(n: int, f: vs.VideoFrame) -> vs.VideoFrame:
        out = f.copy()
        out.props[_CODE_PROP] = "." if n >= count - 1 else code_of(interval_label(f.props))
        return out

    codes = vs.core.std.ModifyFrame(props, props, _code)
    parts = [codes]
    if back:
        parts.insert(0, tiny[0].std.SetFrameProps(**{_CODE_PROP: "."}) * back)
    if ahead:
        parts.append(tiny[0].std.SetFrameProps(**{_CODE_PROP: "."}) * ahead)
    padded = vs.core.std.Splice(parts) if len(parts) > 1 else codes
    shifted = [padded[k : k + count] for k in range(back + ahead + 1)]

    def _join(n: int, f: "list[vs.VideoFrame] | vs.VideoFrame") -> vs.VideoFrame:
        frames = f if isinstance(f, list) else [f]  # one clip (keep timing): ModifyFrame passes the frame alone
        out = frames[0].copy()
        out.props[_WINDOW_PROP] = "".join(_text(x.props[_CODE_PROP]) for x in frames)
        return out

    return vs.core.std.ModifyFrame(tiny, shifted, _join)



def _timing_plan(
    timeline: vs.VideoNode, length: int, in_fps: Fraction, out_fps: Fraction, *, timing: str, max_cadence: int
) -> vs.VideoNode:
    """A 1x1 clip of ``length`` frames at the output rate whose frame ``j`` carries the
    :class:`~ainimotion_vs._retime.Choice` of output frame ``j`` as ``AinimotionPlan*`` props."""
    back, ahead = window(timing, max_cadence)
    windows = _label_windows(timeline, back, ahead)
    at_n = remap(windows, length, lambda j: source_position(j, in_fps, out_fps)[0])

    def _plan(n: int, f: vs.VideoFrame) -> vs.VideoFrame:  # n: the output frame
        p = Fraction(n) * in_fps / out_fps
        n = p.numerator // p.denominator
        try:
            c = choose(p, _text(f.props[_WINDOW_PROP]), n - back, timing=timing, max_cadence=max_cadence)
        except LookupError as exc:
            raise vs.Error(
                f"interpolate: source frame {exc.args[0]} has no AinimotionInterval or _SceneChangeNext prop; "
                "use gate=True or label the clip with ainimotion_vs.gate() first."
            ) from None
        out = f.copy()
        kind, a, b, t, time = _PLAN_PROPS
        out.props[kind] = c.kind
        out.props[a] = c.a
        out.props[b] = c.b
        out.props[t] = [c.t.numerator, c.t.denominator]
        out.props[time] = [c.time.numerator, c.time.denominator]
        return out

    return vs.core.std.ModifyFrame(at_n, at_n, _plan)


def _plan_choice(props: "vs.FrameProps") -> Choice:
    kind, a, b, t, time = (props[k] for k in _PLAN_PROPS)
    return Choice(_text(kind), int(a), int(b), Fraction(int(t[0]), int(t[1])), Fraction(int(time[0]), int(time[1])))


def _pick(clip: vs.VideoNode, plan: vs.VideoNode, prop: str) -> vs.VideoNode:
    """Frame ``j`` is ``clip[plan[j].prop]``: the source frame the plan names, same node and frame
    number for every output frame that repeats it (so its work is shared)."""
    base = vs.core.std.BlankClip(clip, length=plan.num_frames, keep=True)

    def _eval(n: int, f: vs.VideoFrame) -> vs.VideoNode:
        return clip[int(f.props[prop])]

    return vs.core.std.FrameEval(base, _eval, prop_src=plan, clip_src=clip)


@dataclass(frozen=True)
class _Nodes:
    """The candidate nodes of every output frame (all at the output rate and length)."""

    source: vs.VideoNode
    duplicate: vs.VideoNode
    motion: vs.VideoNode
    blend: "Callable[[Fraction, str], vs.VideoNode]"


def _frame_nodes(
    clip: vs.VideoNode,
    plan: vs.VideoNode,
    out_fps: Fraction,
    *,
    spec: "ModelSpec",
    backend: "Backend",
    stats: "InferenceStats | None",
    fallback: bool,
    settings: FallbackSettings,
) -> _Nodes:
    """Frames ``a`` and ``b`` of each output frame, the model between them at ``t``, blends, and
    (with ``fallback``) the check that swaps a broken model frame for a blend or a duplicate."""
    from .backends import infer

    info = color_info(clip)
    rgb = to_rgbs(clip, info)
    a_rgb, b_rgb = _pick(rgb, plan, "AinimotionPlanA"), _pick(rgb, plan, "AinimotionPlanB")
    plane = vs.core.std.BlankClip(a_rgb, format=vs.GRAYS, keep=True)
    t_planes: dict[Fraction, vs.VideoNode] = {}

    def _t_plane(n: int, f: vs.VideoFrame) -> vs.VideoNode:
        t = _plan_choice(f.props).t
        if t not in t_planes:
            t_planes[t] = plane.std.BlankClip(color=float(t), keep=True)
        return t_planes[t]

    t_clip = vs.core.std.FrameEval(plane, _t_plane, prop_src=plan)
    model_rgb = infer([a_rgb, b_rgb, t_clip], spec, backend=backend, stats=stats)
    model_out = from_rgbs(model_rgb, clip, info)
    at_a, at_b = _pick(clip, plan, "AinimotionPlanA"), _pick(clip, plan, "AinimotionPlanB")

    def tagged(node: vs.VideoNode, source: str) -> vs.VideoNode:
        node = node.std.AssumeFPS(fpsnum=out_fps.numerator, fpsden=out_fps.denominator)
        return node.std.SetFrameProps(**{SOURCE_PROP: source})

    blends: dict[tuple[Fraction, str], vs.VideoNode] = {}

    def blend(t: Fraction, source: str) -> vs.VideoNode:
        if (t, source) not in blends:
            blends[(t, source)] = tagged(vs.core.std.Merge(at_a, at_b, weight=float(t)), source)
        return blends[(t, source)]

    source, duplicate = tagged(at_a, "source"), tagged(at_a, "duplicate")
    if not fallback:
        return _Nodes(source, duplicate, tagged(model_out, "model"), blend)
    w = min(settings.analysis_width, clip.width)
    h = max(2, round(clip.height * w / clip.width / 2) * 2)
    dists = _distance_props(*(c.resize.Bilinear(w, h) for c in (model_rgb, a_rgb, b_rgb)))
    model_ok = vs.core.std.CopyFrameProps(
        tagged(model_out, "model"), dists, props=["AinimotionDistA", "AinimotionDistB", "AinimotionDistAB"]
    )
    fb_a, fb_b = tagged(at_a, "fallback"), tagged(at_b, "fallback")

    def _checked(n: int, f: list[vs.VideoFrame]) -> vs.VideoNode:
        p = f[0].props
        d_a, d_b, d_ab = p["AinimotionDistA"], p["AinimotionDistB"], p["AinimotionDistAB"]
        if not is_broken(d_a, d_b, d_ab, settings):
            return model_ok
        c = _plan_choice(f[1].props)
        log.info(
            "interpolate: model frame %d (source %d -> %d, t=%s) rejected: d(M,A)=%.4f d(M,B)=%.4f d(A,B)=%.4f; using a %s",
            n, c.a, c.b, c.t, d_a, d_b, d_ab, settings.target,
        )
        if settings.target == "blend":
            return blend(c.t, "fallback")
        return fb_a if c.t <= Fraction(1, 2) else fb_b

    motion = vs.core.std.FrameEval(source, _checked, prop_src=[dists, plan], clip_src=[model_ok, fb_a, fb_b])
    return _Nodes(source, duplicate, motion, blend)


def _chosen(plan: vs.VideoNode, nodes: _Nodes) -> vs.VideoNode:
    """Per output frame, the node its plan names."""

    def _eval(n: int, f: vs.VideoFrame) -> vs.VideoNode:
        c = _plan_choice(f.props)
        if c.kind == "model":
            return nodes.motion
        if c.kind == "blend":
            return nodes.blend(c.t, "blend")
        return nodes.source if c.kind == "source" else nodes.duplicate

    return vs.core.std.FrameEval(
        nodes.source, _eval, prop_src=plan, clip_src=[nodes.source, nodes.duplicate, nodes.motion]
    )


def interpolate(
    clip: vs.VideoNode,
    /,
    *,
    factor: int | None = None,
    fps: "Fraction | int | str | None" = None,
    timing: str = "keep",
    max_cadence: int = 4,
    model: "str | ModelSpec" = "rife-4.25",
    backend: "str | Backend | None" = None,
    gate: bool = True,
    gate_settings: "GateSettings | None" = None,
    labels: vs.VideoNode | None = None,
    fallback: bool = True,
    fallback_settings: FallbackSettings | None = None,
    stats: "InferenceStats | None" = None,
) -> vs.VideoNode:
    """Raise ``clip``'s frame rate by ``factor`` (integer) or to ``fps`` (exact rational).

    Output frame ``j`` shows source time ``j / fps_out`` as the timing plan decides (see the
    module docstring). Cuts and holds never run the model and never mix two shots.

    Args:
        clip: any constant-format, constant-size, constant-rate clip (YUV/RGB/GRAY, 8-32 bit).
            YUV is converted to the model's RGB with the clip's own ``_Matrix``/``_ColorRange``
            and back; the model's size multiple is handled by padding and cropping.
        factor: integer rate multiplier, e.g. 2 (24 -> 48 fps). The default when ``fps`` is not given.
        fps: target rate, e.g. ``Fraction(60000, 1001)`` or ``"60000/1001"``; exact, no drift.
        timing: ``"keep"`` the animator's cadence (in-betweens only where the drawing changes,
            holds stay holds) or ``"smooth"`` (drawings held up to ``max_cadence`` frames become
            key poses and the in-betweens span the whole hold: even motion at the output rate).
        max_cadence: with ``"smooth"``, the longest hold (source frames) that is cadence, not a
            pause: 4 covers ones to fours. Longer holds stay still and move only over the
            shot's local cadence before the next drawing.
        model: interpolation model name from the model table (``ainimotion weights list``).
        backend: ``"torch"``, ``"ort"``, ``"ov"``, ``"trt"`` (``-cuda`` variants) or a backend
            settings object; ``None``: CUDA torch when a GPU is present, else CPU torch.
        gate: run :func:`ainimotion_vs.gate` first; ``False`` trusts ``AinimotionInterval`` /
            ``_SceneChangeNext`` props already on the clip.
        gate_settings: thresholds for the gate (``None``: defaults).
        labels: with ``gate=False``, a clip with the same frames' gate props to read the labels
            from (e.g. the gated source before an upscaler): smooth timing reads labels up to
            ``4 * max_cadence`` frames ahead, and reading them from ``clip`` would render those
            frames early. ``None``: ``clip``'s own props.
        fallback: replace model frames that fail the :class:`FallbackSettings` check.
        fallback_settings: the rejection rule and its replacement (``None``: defaults).
        stats: counts real model runs (see :class:`ainimotion_vs.backends.InferenceStats`).

    Returns:
        The clip at the new rate, same format, size and props, with ``AinimotionSource``
        (one of :data:`SOURCES`) and ``AinimotionTime`` on every frame, exact
        ``_DurationNum``/``_DurationDen``, and ``_SceneChangeNext``/``_SceneChangePrev`` on the
        new frame grid. Model frames also carry ``AinimotionDistA``/``AinimotionDistB``/
        ``AinimotionDistAB`` when ``fallback`` is on.

    Raises:
        UnsupportedFormatError: bad clip, or ``gate=False`` on a clip without interval labels.
        SettingsError: bad rate, timing, model, backend name or settings.
    """
    check_clip(clip, "interpolate")
    check_constant_rate(clip, "interpolate")
    out_fps = _resolve_out_fps(clip, factor, fps)
    _check_timing(timing, max_cadence)
    from .backends import InferenceStats, resolve_backend
    from .models.spec import spec_for_task

    spec = spec_for_task(model, task="interpolate", func="interpolate")
    backend_obj = resolve_backend(backend, func="interpolate", model=spec)
    for name, value in (("gate", gate), ("fallback", fallback)):
        if not isinstance(value, bool):
            raise SettingsError(f"interpolate: {name} must be True or False; got {value!r}.")
    settings = _check_fallback_settings(fallback_settings)
    if stats is not None and not isinstance(stats, InferenceStats):
        raise SettingsError(f"interpolate: stats must be an InferenceStats or None; got {type(stats).__name__}.")

    in_fps = Fraction(clip.fps.numerator, clip.fps.denominator)
    clip, timeline = _labelled(clip, gate, gate_settings, labels)
    length = output_length(clip.num_frames, in_fps, out_fps)
    plan = _timing_plan(timeline, length, in_fps, out_fps, timing=timing, max_cadence=max_cadence)
    nodes = _frame_nodes(
        clip, plan, out_fps, spec=spec, backend=backend_obj, stats=stats, fallback=fallback, settings=settings
    )
    at_n = remap(timeline, length, lambda j: source_position(j, in_fps, out_fps)[0])
    return _finish_props(_chosen(plan, nodes), at_n, plan, in_fps, out_fps)


def _finish_props(
    chosen: vs.VideoNode, at_n: vs.VideoNode, plan: vs.VideoNode, in_fps: Fraction, out_fps: Fraction
) -> vs.VideoNode:
    """Exact durations, the depicted time, and scene-change flags re-expressed on the output
    frame grid (``at_n``: the labelled source frame ``floor(p)`` of each output frame)."""
    length = chosen.num_frames

    def _n(j: int) -> int:
        return source_position(j, in_fps, out_fps)[0]

    def _props(n: int, f: list[vs.VideoFrame]) -> vs.VideoFrame:
        j = n  # the output frame
        out = f[0].copy()
        src = f[1].props
        n = _n(j)
        out.props["_DurationNum"] = out_fps.denominator
        out.props["_DurationDen"] = out_fps.numerator
        cut_next = interval_label(src) == "cut" and j + 1 < length and _n(j + 1) > n
        out.props["_SceneChangeNext"] = int(cut_next)
        first_of_n = j == 0 or _n(j - 1) < n
        out.props["_SceneChangePrev"] = int(first_of_n and bool(src.get("_SceneChangePrev", 0)))
        time = _plan_choice(f[2].props).time / in_fps
        out.props[TIME_PROP] = float(time)
        out.props[TIME_PROP + "Num"] = time.numerator
        out.props[TIME_PROP + "Den"] = time.denominator
        return out

    return vs.core.std.ModifyFrame(chosen, [chosen, at_n, plan], _props)
