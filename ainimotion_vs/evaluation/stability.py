"""Temporal stability inside held drawings: how much an output changes from frame n to n+1
over intervals labelled ``hold`` (a still drawing must stay still after enhancement; flicker
there is what a viewer sees first)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..errors import SettingsError

if TYPE_CHECKING:  # pragma: no cover
    import vapoursynth as vs

__all__ = ["hold_stability"]


def hold_stability(clip: "vs.VideoNode", holds: Sequence[int]) -> tuple[float, int]:
    """(mean over ``holds`` of mean |plane0[n+1] - plane0[n]|, how many of them are exactly 0),
    in the clip's sample units. Frames are rendered in order, as vspipe renders them (the
    upscaler's reuse depends on it)."""
    if not holds:
        raise SettingsError("hold_stability: no hold intervals given; pick a clip range with labelled holds")
    if max(holds) + 1 >= clip.num_frames or min(holds) < 0:
        raise SettingsError(f"hold_stability: hold intervals must lie inside the clip's {clip.num_frames} frames "
                         f"(n and n+1); got {min(holds)}..{max(holds)}")
    ys = []
    for n in range(clip.num_frames):
        with clip.get_frame(n) as f:
            ys.append(np.asarray(f[0], dtype=np.float64).copy())
    diffs = [np.abs(ys[n + 1] - ys[n]).mean() for n in holds]
    return float(np.mean(diffs)), sum(d == 0 for d in diffs)
