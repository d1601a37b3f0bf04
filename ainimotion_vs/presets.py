"""Named presets: every setting of the chain, as data. Override any field from Python
(``enhance(clip, preset="fast", height=720)``) or the CLI (``--height 720``)."""
from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from .errors import UnsupportedFormatError

__all__ = ["Preset", "PRESETS", "get_preset"]


@dataclass(frozen=True, kw_only=True)
class Preset:
    """All settings of :func:`ainimotion_vs.enhance` and the CLI's encoder."""

    name: str
    description: str
    interp_model: str | None = "rife-4.25"
    """Interpolation model, or ``None`` to keep the frame rate."""
    factor: int | None = 2
    """Integer rate multiplier (ignored when ``fps`` is set)."""
    fps: str | None = None
    """Exact target rate such as ``"60000/1001"``; overrides ``factor``."""
    fallback: bool = True
    """Replace likely broken in-between frames with the nearest source frame."""
    upscale_model: str | None = "realesr-animevideov3"
    """Upscaling model, or ``None`` to keep the size."""
    height: int | None = 1440
    """Target height (width follows the aspect ratio unless ``width`` is set)."""
    width: int | None = None
    """Target width."""
    scale: float | None = None
    """Target size as a factor of the source (used when height and width are both None)."""
    keep_colors: bool = True
    """Restore the source's low-frequency colour and brightness after upscaling."""
    tile: str | None = "auto"
    """Upscaler tiling: "auto", None, or "WxH"."""
    backend: str = "auto"
    """Inference backend: auto, torch, torch-cuda, ort, ort-cuda, ov, trt."""
    bit_depth: int = 10
    """Output bit depth (8 or 10): YUV 4:2:0."""
    encoder: str = "x265"
    """x264, x265, nvenc-h264, nvenc-hevc or ffv1."""
    crf: int = 18
    """Encoder quality (CRF for x264/x265, CQ for NVENC)."""
    encoder_preset: str = "slow"
    """The encoder's own speed preset."""

    def with_overrides(self, **overrides: Any) -> "Preset":
        """A copy with some fields changed; unknown names are an error listing the valid ones."""
        valid = {f.name for f in fields(self)} - {"name", "description"}
        unknown = sorted(set(overrides) - valid)
        if unknown:
            raise UnsupportedFormatError(
                f"enhance: unknown setting(s) {', '.join(unknown)}; valid settings: {', '.join(sorted(valid))}."
            )
        return replace(self, **overrides)


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset(
            name="anime-clean",
            description="RIFE 4.25 2x rate, animevideov3 upscale to 1440p, 10-bit x265: the default for clean TV/BD sources.",
        ),
        Preset(
            name="anime-strong",
            description="RIFE 4.25 2x rate, Real-ESRGAN x4plus-anime (RRDB, stronger restoration, ~10x slower), 1440p, 10-bit x265.",
            upscale_model="realesrgan-x4plus-anime",
            crf=16,
        ),
        Preset(
            name="fast",
            description="RIFE 4.25 2x rate, animevideov3 at 2x size, 8-bit x264 veryfast: a quick result.",
            height=None,
            scale=2.0,
            keep_colors=False,
            bit_depth=8,
            encoder="x264",
            crf=20,
            encoder_preset="veryfast",
        ),
    )
}


def get_preset(name: "str | Preset") -> Preset:
    """The preset called ``name`` (or the preset itself); unknown names list the known ones."""
    if isinstance(name, Preset):
        return name
    try:
        return PRESETS[name]
    except KeyError:
        raise UnsupportedFormatError(f"unknown preset {name!r}; presets: {', '.join(PRESETS)}.") from None
