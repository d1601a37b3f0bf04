"""ainimotion_vs: anime-safe frame interpolation and upscaling for VapourSynth.

Public filters (``VideoNode`` in, ``VideoNode`` out, lazy):

- :func:`gate` labels every interval n -> n+1 as cut / hold / motion (frame props);
- :func:`interpolate` changes the frame rate with RIFE where the gate says motion;
- :func:`upscale` runs a Real-ESRGAN class model once per distinct drawing, tiled;
- :func:`enhance` chains them with a named preset.

Importing this package has no side effects: VapourSynth plugins, torch and the models
are looked up when a function is called.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._version import __version__

__all__ = ["__version__", "gate", "interpolate", "upscale", "enhance"]

_LAZY = {
    "gate": ("ainimotion_vs.gate", "gate"),
    "interpolate": ("ainimotion_vs.interpolate", "interpolate"),
    "upscale": ("ainimotion_vs.upscale", "upscale"),
    "enhance": ("ainimotion_vs.enhance", "enhance"),
}

if TYPE_CHECKING:  # pragma: no cover
    from .enhance import enhance
    from .gate import gate
    from .interpolate import interpolate
    from .upscale import upscale


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(module), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'ainimotion_vs' has no attribute {name!r}")
