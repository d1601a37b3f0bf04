"""What the preset ``.vpy`` templates share: read vspipe's ``-a`` arguments, open the source,
run :func:`ainimotion_vs.enhance` and set the output.

    vspipe -c y4m templates/anime-clean.vpy -a src=IN.mkv [-a height=1080] [-a clip=0-240] - | ffmpeg -i - ...

Every ``-a name=value`` other than ``src`` and ``clip`` overrides the preset field of that
name (``ainimotion presets`` lists them); values are read as int, float, None/true/false or text.
"""
from __future__ import annotations

from typing import Any

import vapoursynth as vs

__all__ = ["run_template"]


def _value(text: str) -> Any:
    low = text.strip().lower()
    if low in ("none", "null", ""):
        return None
    if low in ("true", "yes", "on"):
        return True
    if low in ("false", "no", "off"):
        return False
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


def run_template(preset: str, args: dict[str, Any]) -> vs.VideoNode:
    """Build and ``set_output()`` the enhanced clip for a template; ``args`` are the script's globals."""
    from .enhance import enhance
    from .errors import MediaError
    from .media import open_source

    src = args.get("src")
    if isinstance(src, bytes):
        src = src.decode()
    if not src:
        raise MediaError(f"template {preset}: no source given; run it as vspipe -c y4m {preset}.vpy -a src=IN.mkv -")
    clip_arg = args.get("clip")
    if isinstance(clip_arg, bytes):
        clip_arg = clip_arg.decode()
    clip = open_source(src, clip_range=clip_arg or None)
    skip = {"src", "clip"}
    overrides = {k: _value(v.decode() if isinstance(v, bytes) else v) for k, v in args.items()
                 if k not in skip and isinstance(v, (str, bytes)) and not k.startswith("_")}
    out = enhance(clip, preset=preset, **overrides)
    out.set_output()
    return out
