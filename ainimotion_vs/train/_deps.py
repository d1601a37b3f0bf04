"""The optional packages of the training tools, imported where used with an install hint."""
from __future__ import annotations

from types import ModuleType

from ..errors import MissingPluginError

__all__ = ["TRAIN_INSTALL", "cv2"]

TRAIN_INSTALL = "pip install 'ainimotion_vs[train]'"


def cv2(func: str) -> ModuleType:
    """OpenCV (PNG files, resize kernels, Gaussian and Sobel filters)."""
    try:
        import cv2 as mod
    except ImportError as exc:
        raise MissingPluginError(f"{func}: OpenCV is not installed; `{TRAIN_INSTALL}` (opencv-python-headless).") from exc
    return mod
