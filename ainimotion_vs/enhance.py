"""``enhance()``: gate -> upscale -> interpolate -> output format, as one lazy clip.

Stage order: the upscaler runs first, at the source rate, once per distinct drawing (holds
reuse it); interpolation then runs at the output size on motion intervals only, and its
duplicates point at the same upscaled frames, so no model work is done twice. The other
order would also upscale every in-between frame (``scripts/bench_order.py``: 9 and 12
upscaler runs against 17 and 23 on two real windows, for the same RIFE runs).
"""
from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import vapoursynth as vs

from ._vs import check_clip, check_constant_rate, text
from .backends import InferenceStats
from .presets import Preset, get_preset

__all__ = ["enhance", "EnhanceStats", "output_format"]


@dataclass(kw_only=True)
class EnhanceStats:
    """Model runs of one :func:`enhance` graph, filled in as frames are rendered."""

    interpolate: InferenceStats = field(default_factory=InferenceStats)
    upscale: InferenceStats = field(default_factory=InferenceStats)
    labels: dict[int, str] = field(default_factory=dict)
    """Source frame -> label of its interval, for the frames rendered so far."""
    sources: dict[int, str] = field(default_factory=dict)
    """Output frame -> ``AinimotionSource`` (source / model / duplicate / blend / fallback)."""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def label_counts(self) -> dict[str, int]:
        """How many rendered source intervals were cut / hold / motion."""
        with self._lock:
            return dict(Counter(self.labels.values()))

    def source_counts(self) -> dict[str, int]:
        """How many output frames came from each source kind."""
        with self._lock:
            return dict(Counter(self.sources.values()))

    def tap(self, clip: vs.VideoNode, prop: str, store: dict[int, str]) -> vs.VideoNode:
        """``clip`` unchanged, recording frame n's ``prop`` into ``store`` as frames pass."""

        def _record(n: int, f: vs.VideoFrame) -> vs.VideoFrame:
            value = f.props.get(prop)
            if value is not None:
                with self._lock:
                    store[n] = text(value)
            return f

        return vs.core.std.ModifyFrame(clip, clip, _record)


def _parse_tile(tile: str | None) -> "tuple[int, int] | str | None":
    if tile is None or tile == "auto":
        return tile
    from .errors import UnsupportedFormatError

    try:
        w, h = (int(v) for v in str(tile).lower().split("x"))
    except ValueError:
        raise UnsupportedFormatError(f"enhance: tile must be 'auto', None or 'WxH' like '512x512'; got {tile!r}.") from None
    return (w, h)


def output_format(clip: vs.VideoNode, bit_depth: int) -> vs.VideoNode:
    """``clip`` as YUV 4:2:0 at ``bit_depth`` (8 or 10), colour props kept."""
    from ._color import color_info, from_rgbs, to_rgbs
    from .errors import UnsupportedFormatError

    if bit_depth not in (8, 10):
        raise UnsupportedFormatError(f"enhance: bit_depth must be 8 or 10; got {bit_depth!r}.")
    fmt = vs.core.query_video_format(vs.YUV, vs.INTEGER, bit_depth, 1, 1)
    if clip.format.id == fmt.id:
        return clip
    if clip.format.color_family == vs.YUV:
        return clip.resize.Bicubic(format=fmt.id, dither_type="error_diffusion")
    info = color_info(clip)
    like = vs.core.std.BlankClip(clip, format=fmt.id, length=1)
    return from_rgbs(to_rgbs(clip, info), like, info)


def enhance(
    clip: vs.VideoNode,
    /,
    *,
    preset: "str | Preset" = "anime-clean",
    stats: EnhanceStats | None = None,
    **overrides: Any,
) -> vs.VideoNode:
    """The whole chain with a named preset; any preset field can be overridden by keyword
    (``ainimotion presets`` lists them), e.g. ``enhance(clip, preset="fast", height=720)``.

    Returns YUV 4:2:0 at the preset's bit depth, at the new rate and size, with the gate's
    props and ``AinimotionSource`` on every frame.
    """
    check_clip(clip, "enhance")
    check_constant_rate(clip, "enhance")
    p = get_preset(preset).with_overrides(**overrides)
    stats = stats if stats is not None else EnhanceStats()
    from .gate import gate

    gated = gate(clip)
    node = stats.tap(gated, "AinimotionInterval", stats.labels)
    if p.upscale_model:
        from .upscale import upscale

        has_size = p.width is not None or p.height is not None
        node = upscale(
            node,
            width=p.width,
            height=p.height,
            scale=None if has_size else p.scale,
            model=p.upscale_model,
            tile=_parse_tile(p.tile),
            backend=p.backend,
            keep_colors=p.keep_colors,
            stats=stats.upscale,
        )
    if p.interp_model:
        from .interpolate import interpolate

        rate = {"fps": p.fps} if p.fps else {"factor": p.factor or 1}
        # labels=gated: smooth timing reads labels ahead of the frame it renders; reading them
        # from the upscaled clip would upscale those frames early (and maybe twice).
        node = interpolate(
            node, **rate, timing=p.timing, max_cadence=p.max_cadence, model=p.interp_model, backend=p.backend,
            gate=False, labels=gated, fallback=p.fallback, stats=stats.interpolate,
        )
    if p.interp_model:
        node = stats.tap(node, "AinimotionSource", stats.sources)
    return output_format(node, p.bit_depth)
