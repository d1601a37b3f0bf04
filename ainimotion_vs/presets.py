"""Named presets: every setting of the chain, as data. Override any field from Python
(``enhance(clip, preset="fast", height=720)``) or the CLI (``--height 720``)."""
from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from .errors import SettingsError

__all__ = ["Preset", "PRESETS", "get_preset", "all_presets", "user_presets", "user_presets_path", "save_user_preset"]


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
    timing: str = "keep"
    """In-between timing: ``"keep"`` the animator's cadence (holds stay holds) or ``"smooth"``
    (drawings on twos to fours become key poses, in-betweens span the whole hold)."""
    max_cadence: int = 4
    """With ``timing="smooth"``: the longest hold (source frames) spread out; longer ones are pauses."""
    fallback: bool = True
    """Replace likely broken in-between frames with a blend of the two source frames."""
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
            raise SettingsError(
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
            name="anime-smooth",
            description="anime-clean with smooth timing: drawings on twos to fours become key poses and the "
            "in-betweens span each hold (even motion at 2x); pauses and cuts stay as drawn.",
            timing="smooth",
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
    if name in PRESETS:
        return PRESETS[name]
    known = all_presets()
    try:
        return known[name]
    except KeyError:
        raise SettingsError(f"unknown preset {name!r}; presets: {', '.join(known)}.") from None


# ---------------------------------------------------------------- the user's own presets

USER_PRESETS_FILE = "presets.json"
"""File name of the user's presets in the settings folder (:func:`ainimotion_vs.cache.config_dir`)."""
_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def user_presets_path() -> Path:
    """The user's presets file: ``presets.json`` in the settings folder (``$AINIMOTION_CONFIG_HOME``
    or the platform's user config dir). The desktop app's "save as my preset" writes it; the CLI's
    ``--preset NAME`` and :func:`get_preset` read it. Format: ``{"presets": {NAME: {field: value}}}``."""
    from .cache import config_dir

    return config_dir(create=False) / USER_PRESETS_FILE


def _check_name(name: object, where: str) -> str:
    if not isinstance(name, str) or not _NAME_RE.fullmatch(name) or name == "none":
        raise SettingsError(f"{where}: preset name {name!r} must be letters, digits, '.', '_' or '-' (and not 'none').")
    if name in PRESETS:
        raise SettingsError(f"{where}: {name!r} is a built-in preset; choose another name for your own.")
    return name


def user_presets() -> dict[str, Preset]:
    """The presets in :func:`user_presets_path` (empty when there is no file); a bad file is an
    error naming the file and the problem, never silently skipped."""
    path = user_presets_path()
    if not path.is_file():
        return {}
    where = f"user presets {path}"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SettingsError(f"{where}: cannot read it ({exc}); fix or delete the file.") from None
    table = doc.get("presets") if isinstance(doc, dict) else None
    if not isinstance(table, dict):
        raise SettingsError(f'{where}: expected {{"presets": {{NAME: {{setting: value}}}}}}; fix or delete the file.')
    valid = {f.name for f in fields(Preset)} - {"name"}
    out: dict[str, Preset] = {}
    for name, values in table.items():
        _check_name(name, where)
        if not isinstance(values, dict):
            raise SettingsError(f"{where}: preset {name!r} must be an object of settings; got {values!r}.")
        unknown = sorted(set(values) - valid)
        if unknown:
            raise SettingsError(
                f"{where}: preset {name!r} has unknown setting(s) {', '.join(unknown)}; valid settings: {', '.join(sorted(valid))}."
            )
        out[name] = Preset(name=name, **{"description": "", **values})
    return out


def all_presets() -> dict[str, Preset]:
    """The built-in presets followed by the user's own (:func:`user_presets`)."""
    return {**PRESETS, **user_presets()}


def save_user_preset(preset: Preset) -> Path:
    """Add or replace ``preset`` in the user's presets file (written atomically); returns the file.
    Built-in names are refused, so ``--preset anime-clean`` always means the same thing."""
    from .cache import atomic_write_bytes

    _check_name(preset.name, "save_user_preset")
    table = {name: {k: v for k, v in asdict(p).items() if k != "name"} for name, p in user_presets().items()}
    table[preset.name] = {k: v for k, v in asdict(preset).items() if k != "name"}
    text = json.dumps({"presets": table}, indent=2, sort_keys=False) + "\n"
    return atomic_write_bytes(user_presets_path(), text.encode("utf-8"))
