"""Does ``interpolate()`` mix two shots at a real cut? Around every hand-labelled cut of the
footage, the gated interpolation at a given rate, and per cut the output frames inside the cut
interval that mix the two shots (:func:`.chains.mixes_shots`) and what each of them is
(``AinimotionSource``). The answer must be 0."""
from __future__ import annotations

import logging
from fractions import Fraction
from pathlib import Path

from .chains import frames_in_interval, mixes_shots
from .frames import clip_rgb24_frames
from .labels import load_label_dir

__all__ = ["CUT_RADIUS", "RATES", "cut_mixing"]

log = logging.getLogger("ainimotion_vs.eval")

CUT_RADIUS = 8
"""Frames each side of a cut that the cut check renders (the gate sees its full window inside)."""
RATES: tuple[tuple[str, dict], ...] = (("x2", {"factor": 2}), ("60000/1001", {"fps": Fraction(60000, 1001)}))
"""The output rates checked: a whole factor and the broadcast rate (uneven phases)."""


def cut_mixing(data: Path, *, width: int, backend: str) -> list[dict]:
    """One row per labelled cut and rate: clip, cut, rate, frames_in_cut, mixed, kinds."""
    import vapoursynth as vs

    from ..interpolate import interpolate

    out = []
    for labels in load_label_dir().values():
        if not labels.cuts:
            continue
        fname, cuts = labels.clip, sorted(labels.cuts)
        path = data / "clips" / fname
        if not path.exists():
            log.warning("skip %s: not found", path)
            continue
        src = vs.core.bs.VideoSource(str(path))
        h = round(src.height * width / src.width / 2) * 2
        small = src.resize.Bicubic(width, h)
        for cut in cuts:
            lo, hi = max(0, cut - CUT_RADIUS), min(src.num_frames, cut + CUT_RADIUS)
            part = small[lo:hi]
            before, after = clip_rgb24_frames(part[cut - 1 - lo : cut + 1 - lo])
            in_fps = Fraction(part.fps.numerator, part.fps.denominator)
            for label, kw in RATES:
                res = interpolate(part, **kw, backend=backend)
                out_fps = Fraction(res.fps.numerator, res.fps.denominator)
                mixed = in_cut = 0
                kinds: dict[str, int] = {}
                for j in frames_in_interval(cut - 1 - lo, length=res.num_frames, in_fps=in_fps, out_fps=out_fps):
                    in_cut += 1
                    f = res.get_frame(j)
                    kind = f.props["AinimotionSource"]
                    kind = kind.decode() if isinstance(kind, bytes) else kind
                    kinds[kind] = kinds.get(kind, 0) + 1
                    mixed += mixes_shots(clip_rgb24_frames(res[j])[0], before, after)
                out.append({"clip": fname, "cut": cut, "rate": label, "frames_in_cut": in_cut, "mixed": mixed, "kinds": kinds})
            log.info("cuts %s %d done", fname, cut)
    return out
