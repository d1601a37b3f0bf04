"""Interpolation triplets: frames A, B, C where B is the true in-between of A and C, mined from
the hand labels or read from the footage's ``triplets/`` folders, and scored: ``interpolate()``
between A and C at t=0.5 (the fallback measured, never applied), the linear blend and a duplicate
of A, each against B (PSNR on 8-bit RGB, SSIM on BT.709 luma: :mod:`.metrics`)."""
from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import SettingsError
from .frames import frame_rgb24, read_rgb, rgb24_clip
from .labels import ClipLabels, load_label_dir
from .metrics import psnr, ssim

__all__ = [
    "MINE_CLIPS",
    "MAX_DRAWING_STEP",
    "Triplet",
    "mine_triplets",
    "blend_middle",
    "model_middle",
    "network_middle",
    "NETWORK_PAD",
    "score_triplet",
    "folder_triplets",
    "mined_triplets",
    "tail_stats",
]

log = logging.getLogger("ainimotion_vs.eval")

# Clips with hand labels whose drawings are evenly timed (anime on ones/twos/threes, Western cel).
# Left out: popteamepic (24p drawings in a 2/3 cadence at ~60 fps: uneven spacing), slides (not animation).
MINE_CLIPS = ("anohana_shot_24fps", "digimon_trailer_720p", "konobi07_shot_24fps",
              "konobi12_shot_24fps", "onepiece_demo", "tom_and_jerry_480p")
MAX_DRAWING_STEP = 3
"""Longest spacing (frames) between drawing starts that still counts as animation on ones,
twos or threes (anime's usual timings); longer gaps are held drawings, not an even motion."""


@dataclass
class Triplet:
    """One scored triplet: PSNR/SSIM of model, blend, duplicate, and the fallback distances."""

    name: str
    set: str
    psnr_model: float
    psnr_blend: float
    psnr_dup: float
    ssim_model: float
    ssim_blend: float
    ssim_dup: float
    dist_a: float
    dist_b: float
    dist_ab: float


def mine_triplets(labels: ClipLabels, *, gap: int = 1) -> list[tuple[int, int, int]]:
    """(A, B, C) frame numbers: drawing starts (frame 0 and every frame after a ``motion``
    interval) ``2 * gap`` drawings apart with B the middle one, all evenly spaced by at most
    :data:`MAX_DRAWING_STEP` frames, with no cut or ignored interval between A and C."""
    if gap < 1:
        raise SettingsError(f"mine_triplets: gap must be 1 or more (drawings between A and B); got {gap}")
    starts = [0] + [n + 1 for n in labels.intervals if labels.label(n) == "motion"]
    bad = set(labels.cut_intervals) | set(labels.ignore)
    out = []
    k = 2 * gap
    for i in range(len(starts) - k):
        s = starts[i : i + k + 1]
        steps = {b - a for a, b in zip(s, s[1:])}
        if len(steps) != 1 or steps.pop() > MAX_DRAWING_STEP or any(j in bad for j in range(s[0], s[-1])):
            continue
        out.append((s[0], s[gap], s[-1]))
    return out


def blend_middle(a: np.ndarray, c: np.ndarray) -> np.ndarray:
    """The linear blend of two uint8 frames, rounded to 8-bit levels (halves to even)."""
    return np.clip(np.rint((a.astype(np.float32) + c) / 2), 0, 255).astype(np.uint8)


def model_middle(a: np.ndarray, c: np.ndarray, backend: str) -> tuple[np.ndarray, tuple[float, float, float]]:
    """interpolate() between A and C at t=0.5: the model frame and its fallback distances."""
    from ..interpolate import FallbackSettings, interpolate

    clip = rgb24_clip([a, c]).std.SetFrameProps(AinimotionInterval="motion")
    never = FallbackSettings(ratio=math.inf)  # measure, never replace
    f = interpolate(clip, factor=2, gate=False, fallback_settings=never, backend=backend).get_frame(1)
    p = f.props
    return frame_rgb24(f), (p["AinimotionDistA"], p["AinimotionDistB"], p["AinimotionDistAB"])


NETWORK_PAD = 64
"""Side multiple the raw network's input is zero-padded to (bottom/right), as the reference
inference code of RIFE pads (the figures it published were made so)."""


def network_middle(net, a: np.ndarray, c: np.ndarray, *, t: float = 0.5) -> np.ndarray:
    """The raw interpolation network (``models.load_network``) between uint8 RGB frames A and C
    at ``t``: (H, W, 3) float32 in [0, 1], unrounded; inputs zero-padded to :data:`NETWORK_PAD`."""
    import torch
    import torch.nn.functional as F

    h, w = a.shape[:2]
    ph, pw = -(-h // NETWORK_PAD) * NETWORK_PAD, -(-w // NETWORK_PAD) * NETWORK_PAD

    def prep(x: np.ndarray) -> torch.Tensor:
        return F.pad(torch.from_numpy(x).permute(2, 0, 1)[None].float() / 255.0, (0, pw - w, 0, ph - h))

    with torch.inference_mode():
        return net.interpolate(prep(a), prep(c), t)[0, :, :h, :w].permute(1, 2, 0).numpy()


def score_triplet(name: str, set_name: str, a: np.ndarray, b: np.ndarray, c: np.ndarray, backend: str) -> Triplet:
    """Model, blend and duplicate of A against the true middle ``b`` (uint8 RGB frames)."""
    m, d = model_middle(a, c, backend)
    blend = blend_middle(a, c)
    return Triplet(name, set_name, *(psnr(x, b, data_range=255) for x in (m, blend, a)),
                   *(ssim(x, b, data_range=255) for x in (m, blend, a)), *d)


def folder_triplets(data: Path, *, backend: str) -> list[Triplet]:
    """The ``dev`` set: every ``triplets/*/frame1,2,3.png`` of the footage, at native size."""
    rows = []
    for d in sorted(p for p in (data / "triplets").iterdir() if p.is_dir()):
        a, b, c = (read_rgb(d / f"frame{i}.png") for i in (1, 2, 3))
        t0 = time.perf_counter()
        rows.append(score_triplet(d.name, "dev", a, b, c, backend))
        log.info("dev %s %.1fs", d.name, time.perf_counter() - t0)
    return rows


def mined_triplets(data: Path, *, set_name: str, gap: int, width: int, per_clip: int, backend: str,
                   clips: Sequence[str] = MINE_CLIPS) -> list[Triplet]:
    """Triplets mined from the labels of ``clips`` (:func:`mine_triplets` with ``gap``),
    ``per_clip`` of them evenly spread over each clip, read at ``width`` (bicubic, even height)."""
    import vapoursynth as vs

    rows: list[Triplet] = []
    all_labels = load_label_dir()
    for name in clips:
        labels = all_labels[name]
        path = data / "clips" / labels.clip
        if not path.exists():
            log.warning("skip %s: %s not found", name, path)
            continue
        found = mine_triplets(labels, gap=gap)
        if not found:
            continue
        pick = sorted(set(np.linspace(0, len(found) - 1, min(per_clip, len(found))).round().astype(int)))
        src = vs.core.bs.VideoSource(str(path))
        h = round(src.height * width / src.width / 2) * 2
        matrix = "709" if src.width >= 1280 or src.height >= 720 else "170m"
        rgb = src.resize.Bicubic(width, h, format=vs.RGB24, matrix_in_s=matrix)
        for i in pick:
            a_n, b_n, c_n = found[i]
            a, b, c = (frame_rgb24(rgb.get_frame(n)) for n in (a_n, b_n, c_n))
            rows.append(score_triplet(f"{name}_{a_n}_{b_n}_{c_n}", set_name, a, b, c, backend))
        log.info("%s %s: %d triplets", set_name, name, len(pick))
    return rows


def tail_stats(values: Sequence[float]) -> tuple[float, float, float]:
    """Mean, mean of the bottom 10% (at least one value) and minimum of ``values``."""
    if len(values) == 0:
        raise ValueError("tail_stats: no values")
    v = np.sort(np.asarray(values))
    k = max(1, len(v) // 10)
    return float(v.mean()), float(v[:k].mean()), float(v.min())
