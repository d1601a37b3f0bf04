"""The model zoo: the :class:`ModelSpec` table and the networks.

``MODELS``/``get_spec`` are plain data (no torch import). ``load_network``,
``build_network`` and the architectures import torch when first used.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .spec import MODELS, ModelSpec, Source, WeightFile, get_spec

__all__ = [
    "MODELS",
    "ModelSpec",
    "Source",
    "WeightFile",
    "get_spec",
    "load_network",
    "build_network",
    "IFNet",
    "SRVGGNetCompact",
    "RRDBNet",
]

_LAZY = {
    "load_network": ("ainimotion_vs.models.load", "load_network"),
    "build_network": ("ainimotion_vs.models.load", "build_network"),
    "IFNet": ("ainimotion_vs.models.ifnet", "IFNet"),
    "SRVGGNetCompact": ("ainimotion_vs.models.srvgg", "SRVGGNetCompact"),
    "RRDBNet": ("ainimotion_vs.models.rrdb", "RRDBNet"),
}

if TYPE_CHECKING:  # pragma: no cover
    from .ifnet import IFNet
    from .load import build_network, load_network
    from .rrdb import RRDBNet
    from .srvgg import SRVGGNetCompact


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(module), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'ainimotion_vs.models' has no attribute {name!r}")
