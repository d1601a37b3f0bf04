"""The few exceptions ainimotion_vs raises. Each also subclasses a builtin, so callers
can catch either ours or the usual Python one."""
from __future__ import annotations

__all__ = [
    "AinimotionError",
    "SettingsError",
    "UnsupportedFormatError",
    "MissingPluginError",
    "WeightsNotFoundError",
    "MediaError",
    "EncodeError",
    "BackendError",
]


class AinimotionError(Exception):
    """Base class of every error raised on purpose by ainimotion_vs."""


class SettingsError(AinimotionError, ValueError):
    """A setting (keyword argument, preset field, CLI option, label or config file) has a bad value,
    an unknown name, or conflicts with another setting; the message names it and the accepted values."""


class UnsupportedFormatError(AinimotionError, ValueError):
    """A clip or file has a format, size or rate this function cannot take."""


class MissingPluginError(AinimotionError, ImportError):
    """A VapourSynth plugin, Python package or program is not installed; the message says how to get it."""


class WeightsNotFoundError(AinimotionError, FileNotFoundError):
    """Model weights are not installed and could not be fetched; the message says which file goes where."""


class MediaError(AinimotionError, ValueError):
    """An input media file is missing, unreadable, corrupt or has no usable video."""


class EncodeError(AinimotionError, RuntimeError):
    """ffmpeg or vspipe failed, or the written output did not pass its checks."""


class BackendError(AinimotionError, RuntimeError):
    """An inference runtime failed (engine build, out of memory after retries, bad model file)."""
