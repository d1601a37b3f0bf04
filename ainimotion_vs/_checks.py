"""Kept so that existing imports work: the clip checks live in :mod:`ainimotion_vs._vs`."""
from __future__ import annotations

from ._vs import check_clip, check_constant_rate

__all__ = ["check_clip", "check_constant_rate"]
