"""Preset checks for the settings form (no Qt), done by the library itself so the app shows
the library's own message: the enhancement graph is built (lazily, no frame is rendered) on a
tiny blank clip, and the encoder options go through the renderer's own check.
"""
from __future__ import annotations

import dataclasses

import vapoursynth as vs

from ..errors import AinimotionError
from ..presets import Preset

__all__ = ["check_preset", "field_errors"]

_PROBE = dict(width=64, height=36, format=vs.YUV420P8, length=4, fpsnum=24000, fpsden=1001)
"""A small clip of the usual anime rate: enough to build every stage's graph."""


def check_preset(preset: Preset) -> None:
    """Raise the library's error for a preset it would refuse (enhance graph, encoder options)."""
    from ..enhance import enhance
    from ..errors import SettingsError
    from ..ffmpeg import ENCODERS
    from ..render.plan import check_options

    spec = ENCODERS.get(preset.encoder)
    if spec is None:
        raise SettingsError(f"enhance: unknown encoder {preset.encoder!r}; choose one of {', '.join(ENCODERS)}.")
    check_options(spec, preset.crf, preset.encoder_preset, "matroska", None, "enhance")
    enhance(vs.core.std.BlankClip(**_PROBE), preset=preset)


def _message(preset: Preset) -> str | None:
    try:
        check_preset(preset)
    except (AinimotionError, ValueError, TypeError, vs.Error) as exc:  # vs.Error: a plugin refused its arguments
        return str(exc)
    return None


def field_errors(base: Preset, preset: Preset) -> tuple[dict[str, str], str | None]:
    """Which changed fields the library refuses: ``({field: message}, message of the whole)``.

    Each field that differs from ``base`` (a preset taken as good) is checked alone on top of
    it, so the message lands beside the field that causes it; a combination that fails with
    every field fine alone gets the whole preset's message.
    """
    errors: dict[str, str] = {}
    for f in dataclasses.fields(Preset):
        if f.name in ("name", "description") or getattr(base, f.name) == getattr(preset, f.name):
            continue
        msg = _message(dataclasses.replace(base, **{f.name: getattr(preset, f.name)}))
        if msg is not None:
            errors[f.name] = msg
    whole = None if errors else _message(preset)
    return errors, whole
