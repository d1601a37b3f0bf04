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

from ._version import __version__
from .enhance import enhance
from .gate import gate
from .interpolate import interpolate
from .upscale import upscale

# The functions are bound after their submodules are imported, so ``ainimotion_vs.gate`` is
# the function even though a submodule of the same name exists (the import system sets the
# package attribute only when a submodule is first loaded). No plugin lookup, model or torch
# import happens here: they are looked up when a function is called.

__all__ = ["__version__", "gate", "interpolate", "upscale", "enhance"]
