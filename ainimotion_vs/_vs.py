"""VapourSynth at the boundary: clip checks and plugin lookup with an install hint.

Every public filter calls :func:`check_clip` first (and :func:`check_constant_rate` when it
needs a rate), in that order. Plugins are looked up when a function runs, never at import:
:func:`plugin` returns ``core.<namespace>`` or raises
:class:`~ainimotion_vs.errors.MissingPluginError` with the command that installs it, from
the one table :data:`PLUGINS` (``ainimotion doctor`` lists the same table).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import vapoursynth as vs

from .errors import MissingPluginError, UnsupportedFormatError

__all__ = ["PluginInfo", "PLUGINS", "check_clip", "check_constant_rate", "plugin", "has_plugin", "text"]


@dataclass(frozen=True, kw_only=True)
class PluginInfo:
    """A VapourSynth plugin we use: what it is, whether the base install has it, how to get it."""

    what: str
    install: str
    required: bool = False
    """Part of the base install (``pip install ainimotion_vs``); otherwise an extra or optional."""


PLUGINS: dict[str, PluginInfo] = {
    "bs": PluginInfo(what="vapoursynth-bestsource (sources)", install="pip install vapoursynth-bestsource", required=True),
    "ort": PluginInfo(
        what="vapoursynth-mlrt-ort (ONNX Runtime)", required=True,
        install="pip install --force-reinstall vapoursynth-mlrt-ort  (a dependency of ainimotion_vs)",
    ),
    "ov": PluginInfo(what="vapoursynth-mlrt-ov (OpenVINO), extra [ov]", install="pip install 'ainimotion_vs[ov]'"),
    "trt": PluginInfo(
        what="vapoursynth-mlrt-trt (TensorRT), extra [trt]",
        install="pip install 'ainimotion_vs[trt]'  (NVIDIA GPU and driver needed)",
    ),
    "ncnn": PluginInfo(what="vs-mlrt ncnn (Vulkan)", install="install vs-mlrt's ncnn plugin (vsncnn) from its releases"),
    "akarin": PluginInfo(
        what="vapoursynth-akarin (expressions), extra [eval]: scripts/bench_upscale.py", install="pip install 'ainimotion_vs[eval]'"
    ),
}
"""VapourSynth plugin namespaces used by ainimotion_vs, with what provides them."""


def has_plugin(namespace: str) -> bool:
    """Whether ``core.<namespace>`` is loaded."""
    return hasattr(vs.core, namespace)


def plugin(namespace: str, *, func: str) -> Any:
    """``core.<namespace>``, or :class:`MissingPluginError` saying how to install it
    (message prefixed with ``func``, the public function that needs it)."""
    try:
        return getattr(vs.core, namespace)
    except AttributeError:
        info = PLUGINS.get(namespace)
        how = info.install if info else f"install the VapourSynth plugin that provides core.{namespace}"
        raise MissingPluginError(
            f"{func}: the VapourSynth plugin core.{namespace} is not installed; install it with: {how}"
        ) from None


def check_clip(clip: object, func: str) -> vs.VideoNode:
    """Reject anything that is not a constant-format, constant-size video clip.

    Messages start with the public function name and say how to fix the input.
    """
    if not isinstance(clip, vs.VideoNode):
        raise UnsupportedFormatError(f"{func}: clip must be a vapoursynth.VideoNode; got {type(clip).__name__}.")
    if clip.format is None or clip.format.id == 0:  # R81 reports a variable format as id 0
        raise UnsupportedFormatError(
            f"{func}: clip must have a constant format; got a variable-format clip. "
            "Convert it with core.resize.Bicubic(format=...) first."
        )
    if 0 in (clip.width, clip.height):
        raise UnsupportedFormatError(
            f"{func}: clip must have a constant frame size; got a variable-size clip. Resize or split it first."
        )
    if clip.format.color_family not in (vs.YUV, vs.RGB, vs.GRAY):
        raise UnsupportedFormatError(f"{func}: clip must be YUV, RGB or GRAY; got {clip.format.name}.")
    return clip


def check_constant_rate(clip: vs.VideoNode, func: str) -> vs.VideoNode:
    """Reject clips without a constant frame rate (fps 0/1 means variable in VapourSynth)."""
    if clip.fps.numerator == 0 or clip.fps.denominator == 0:
        raise UnsupportedFormatError(
            f"{func}: clip must have a constant frame rate; got a variable-rate clip (fps 0/1). "
            "Set one with core.std.AssumeFPS(clip, fpsnum=..., fpsden=...) or open the source with a fixed fpsnum/fpsden."
        )
    return clip


def text(value: object) -> str:
    """A string frame prop or plugin value as ``str``: VapourSynth hands data props back as ``bytes``."""
    return value.decode() if isinstance(value, bytes) else str(value)
