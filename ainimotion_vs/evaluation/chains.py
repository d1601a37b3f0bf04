"""Our chain vs the naive chain (same models, no gating) vs classical interpolation, on real
clips at a reduced size: stage timings, model calls, peak memory, cross-cut frames. Also the
one definition of the naive chain and of "an output frame that mixes two shots".

Both model chains are timed *staged*: each stage renders all its frames into memory and the
next stage reads them, so every stage is timed alone (decode, gate, upscale, interpolate,
encode) and the sum is comparable between chains. Our chain is also run *end to end* as
users run it (``enhance()`` -> ``render()``, one pipelined graph from the file), which checks
that the staged copy does the same model work.

naive chain = what a vs-rife + vs-realesrgan script does: RIFE on every interval at the source
size (``interpolate(gate=False)`` on a clip whose props all say motion, no fallback check),
then the upscaler on every output frame (``upscale(reuse=False)``).

A cross-cut frame (one that mixes two shots) is defined once, in :func:`mixes_shots`.
"""
from __future__ import annotations

import logging
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import UnsupportedFormatError
from .alternatives import blend_clip, minterpolate_frames, mvtools_clip
from .extras import require_eval
from .frames import clip_rgb24_frames
from .labels import LABELS_DIR, load_labels
from .measure import Measure, materialize, measure

__all__ = [
    "CROSS_CUT_RATIO",
    "mixes_shots",
    "cross_cut_frames",
    "frames_in_interval",
    "motion_everywhere",
    "naive_interpolate",
    "naive_upscale",
    "naive_chain",
    "ClipCase",
    "CASES",
    "ChainOptions",
    "CaseResult",
    "run_case",
]

log = logging.getLogger("ainimotion_vs.bench")


# ---------------------------------------------------------------- frames that mix two shots

CROSS_CUT_RATIO = 0.25
"""An output frame inside a cut interval A -> B mixes two shots when it lies further than this
times d(A, B) from both A and B (d: mean absolute difference of 64-px-wide BT.709 luma, 8-bit
levels). A copy of A or B measures 0, a re-encoded or resized copy ~0.0-0.05, a 50/50 blend 0.5:
the threshold sits between, and comparing at 64 px makes it hold for outputs of another size."""

_SMALL_WIDTH = 64


def _small_luma(rgb: np.ndarray) -> np.ndarray:
    from PIL import Image

    h, w = rgb.shape[:2]
    small = Image.fromarray(rgb).resize((_SMALL_WIDTH, max(2, round(h * _SMALL_WIDTH / w))), Image.Resampling.BILINEAR)
    a = np.asarray(small, dtype=np.float64)
    return 0.2126 * a[..., 0] + 0.7152 * a[..., 1] + 0.0722 * a[..., 2]


def _mixes(o: np.ndarray, a: np.ndarray, b: np.ndarray) -> bool:
    if o.shape != a.shape:
        raise UnsupportedFormatError(f"mixes_shots: the output frame has another aspect ratio than the source "
                                     f"({o.shape[::-1]} vs {a.shape[::-1]} at {_SMALL_WIDTH} px wide); crop it to the source's.")
    dab = float(np.abs(a - b).mean())
    nearest = min(float(np.abs(o - a).mean()), float(np.abs(o - b).mean()))
    return nearest > CROSS_CUT_RATIO * dab


def mixes_shots(frame: np.ndarray, before: np.ndarray, after: np.ndarray) -> bool:
    """Whether output ``frame``, shown between the last frame of one shot (``before``) and the
    first of the next (``after``), mixes the two shots (see :data:`CROSS_CUT_RATIO`). All three
    are (H, W, 3) uint8 RGB; ``frame`` may have another size than the source (same aspect).
    Needs pillow (``eval`` extra)."""
    require_eval("pillow", who="mixes_shots")
    return _mixes(_small_luma(frame), _small_luma(before), _small_luma(after))


def cross_cut_frames(out: Sequence[np.ndarray], src: Sequence[np.ndarray], cut_intervals: Sequence[int], factor: int) -> int:
    """How many output frames (at ``factor`` times the rate of ``src``) inside a cut interval
    n -> n+1 mix the two shots (:func:`mixes_shots`). Frames are (H, W, 3) uint8 RGB."""
    require_eval("pillow", who="cross_cut_frames")
    count = 0
    for n in cut_intervals:
        if n + 1 >= len(src):
            continue
        a, b = _small_luma(src[n]), _small_luma(src[n + 1])
        for k in range(1, factor):
            j = n * factor + k
            if j < len(out):
                count += _mixes(_small_luma(out[j]), a, b)
    return count


def frames_in_interval(n: int, *, length: int, in_fps: Fraction, out_fps: Fraction) -> list[int]:
    """The output frames (of ``length`` at ``out_fps``) whose time slot lies strictly inside
    source interval n -> n+1 (at ``in_fps``): the frames a cut there must not mix."""
    from .._timing import source_position

    first = (n * out_fps / in_fps).__floor__()  # no output frame before this one can lie in the interval
    out = []
    for j in range(max(0, first), length):
        m, t = source_position(j, in_fps, out_fps)
        if m > n:
            break
        if m == n and t > 0:
            out.append(j)
    return out


# ---------------------------------------------------------------- the naive chain


def motion_everywhere(clip):
    """``clip`` with every interval labelled motion: what a chain without gating sees."""
    return clip.std.SetFrameProps(AinimotionInterval="motion")


def naive_interpolate(clip, *, factor: int = 2, model: str | None = None, backend=None, stats=None):
    """The naive chain's first stage, as a vs-rife script runs it: RIFE on every interval at the
    source size (no gate, no fallback check). Defaults are :func:`~ainimotion_vs.interpolate`'s."""
    from ..interpolate import interpolate

    kw = {} if model is None else {"model": model}
    return interpolate(motion_everywhere(clip), factor=factor, backend=backend, gate=False, fallback=False, stats=stats, **kw)


def naive_upscale(clip, *, height: int, model: str | None = None, tile="auto", backend=None, keep_colors: bool = True,
                  bit_depth: int = 10, stats=None):
    """The naive chain's second stage, as a vs-realesrgan script runs it: the upscaler on every
    output frame (no reuse of duplicates), then the output format (YUV 4:2:0 at ``bit_depth``).
    Defaults are :func:`~ainimotion_vs.upscale`'s, except ``keep_colors`` (the shipped presets keep them)."""
    from ..enhance import output_format
    from ..upscale import upscale

    kw = {} if model is None else {"model": model}
    up = upscale(clip, height=height, tile=tile, backend=backend, keep_colors=keep_colors, reuse=False, stats=stats, **kw)
    return output_format(up, bit_depth)


def naive_chain(clip, *, height: int, factor: int = 2, interp_model: str | None = None, upscale_model: str | None = None,
                tile="auto", backend=None, keep_colors: bool = True, bit_depth: int = 10, interp_stats=None, upscale_stats=None):
    """RIFE on every interval, then the upscaler on every output frame: the chain our gated,
    reuse-aware :func:`~ainimotion_vs.enhance.enhance` is compared with."""
    it = naive_interpolate(clip, factor=factor, model=interp_model, backend=backend, stats=interp_stats)
    return naive_upscale(it, height=height, model=upscale_model, tile=tile, backend=backend, keep_colors=keep_colors,
                         bit_depth=bit_depth, stats=upscale_stats)


@dataclass(frozen=True)
class ClipCase:
    """A window of a shared clip: frames [start, end)."""

    file: str
    start: int
    end: int
    why: str


CASES = {
    "onepiece": ClipCase("onepiece_demo.mp4", 96, 120, "TV anime on threes, cut at 100, pose changes"),
    "digimon": ClipCase("digimon_trailer_720p.mp4", 300, 324, "trailer, twos/threes, cut at 311"),
    "konobi12": ClipCase("konobi12_shot_24fps.mp4", 0, 24, "one shot, burst of large motion on ones"),
    "tomjerry": ClipCase("tom_and_jerry_480p.mp4", 180, 204, "Western cel, pulldown dupes, cut at 189"),
}


@dataclass(frozen=True, kw_only=True)
class ChainOptions:
    """What the chains produce: ``scale`` x size, ``factor`` x rate, at ``width`` source width."""

    width: int = 320
    scale: int = 2
    factor: int = 2
    backend: str = "auto"
    preset: str = "anime-clean"
    encoder: str = "x264"
    encoder_preset: str = "veryfast"
    crf: int = 18
    e2e: bool = True
    alternatives: bool = True


@dataclass
class CaseResult:
    name: str
    case: ClipCase
    size: str
    frames: int
    cut_intervals: list[int]
    labels: dict[str, int] = field(default_factory=dict)
    stages: dict[str, dict[str, Measure]] = field(default_factory=dict)
    calls: dict[str, dict[str, int]] = field(default_factory=dict)
    cross_cut: dict[str, int | None] = field(default_factory=dict)
    alt_speed: dict[str, Measure] = field(default_factory=dict)
    e2e: Measure | None = None
    e2e_calls: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "file": self.case.file,
            "range": [self.case.start, self.case.end],
            "size": self.size,
            "frames": self.frames,
            "cut_intervals": self.cut_intervals,
            "gate_labels": self.labels,
            "stages": {k: {s: m.as_dict() for s, m in v.items()} for k, v in self.stages.items()},
            "model_calls": self.calls,
            "cross_cut_frames": self.cross_cut,
            "alternatives": {k: m.as_dict() for k, m in self.alt_speed.items()},
            "end_to_end": None if self.e2e is None else self.e2e.as_dict(),
            "end_to_end_model_calls": self.e2e_calls,
        }


def _open(data: Path, case: ClipCase, width: int):
    from ..media import open_source

    src = open_source(data / "clips" / case.file, clip_range=(case.start, case.end))
    if width and width < src.width:
        h = max(2, round(src.height * width / src.width / 2) * 2)
        src = src.resize.Spline36(width, h)
    return src


def _labels_in_window(case: ClipCase) -> list[int]:
    path = LABELS_DIR / (Path(case.file).stem + ".txt")
    if not path.is_file():
        return []
    labels = load_labels(path)
    return sorted(c - 1 - case.start for c in labels.cuts if case.start <= c - 1 and c < case.end)


def _encode(clip, opts: ChainOptions, workdir: Path, name: str) -> Measure:
    from ..render import render

    out = workdir / f"{name}.mkv"
    m, _ = measure(
        "encode",
        lambda: render(clip, out, encoder=opts.encoder, encoder_preset=opts.encoder_preset, crf=opts.crf, overwrite=True),
        frames=clip.num_frames,
    )
    m.extra["encoder"] = f"{opts.encoder} {opts.encoder_preset} crf {opts.crf}"
    return m


def _preset(opts: ChainOptions, height: int):
    from ..presets import get_preset

    return get_preset(opts.preset).with_overrides(height=height, width=None, scale=None, factor=opts.factor, fps=None, backend=opts.backend)


def _ours_staged(src_mem, opts: ChainOptions, workdir: Path, name: str):
    from ..backends import InferenceStats
    from ..enhance import _parse_tile, output_format
    from ..gate import gate
    from ..interpolate import interpolate
    from ..upscale import upscale

    p = _preset(opts, src_mem.height * opts.scale)
    n_src, n_out = src_mem.num_frames, src_mem.num_frames * opts.factor
    st_up, st_it = InferenceStats(), InferenceStats()
    stages: dict[str, Measure] = {}
    stages["gate"], gated = measure("gate", lambda: materialize(gate(src_mem)), frames=n_src)
    up = upscale(gated, height=p.height, model=p.upscale_model, tile=_parse_tile(p.tile), backend=p.backend, keep_colors=p.keep_colors, stats=st_up)
    stages["upscale"], up_mem = measure("upscale", lambda: materialize(up), frames=n_src)
    it = interpolate(up_mem, factor=opts.factor, model=p.interp_model, backend=p.backend, gate=False, fallback=p.fallback, stats=st_it)
    out = output_format(it, p.bit_depth)
    stages["interpolate"], out_mem = measure("interpolate", lambda: materialize(out), frames=n_out)
    stages["encode"] = _encode(out_mem, opts, workdir, f"{name}_ours")
    labels = {}
    for f in gated.frames():
        lab = f.props["AinimotionInterval"]
        lab = lab.decode() if isinstance(lab, bytes) else str(lab)
        labels[lab] = labels.get(lab, 0) + 1
    return stages, {"upscale": st_up.calls, "interpolate": st_it.calls}, out_mem, labels


def _naive_staged(src_mem, opts: ChainOptions, workdir: Path, name: str):
    from ..backends import InferenceStats
    from ..enhance import _parse_tile

    p = _preset(opts, src_mem.height * opts.scale)
    n_out = src_mem.num_frames * opts.factor
    st_up, st_it = InferenceStats(), InferenceStats()
    stages: dict[str, Measure] = {}
    it = naive_interpolate(src_mem, factor=opts.factor, model=p.interp_model, backend=p.backend, stats=st_it)
    stages["interpolate"], it_mem = measure("interpolate", lambda: materialize(it), frames=n_out)
    out = naive_upscale(it_mem, height=p.height, model=p.upscale_model, tile=_parse_tile(p.tile), backend=p.backend,
                        keep_colors=p.keep_colors, bit_depth=p.bit_depth, stats=st_up)
    stages["upscale"], out_mem = measure("upscale", lambda: materialize(out), frames=n_out)
    stages["encode"] = _encode(out_mem, opts, workdir, f"{name}_naive")
    return stages, {"upscale": st_up.calls, "interpolate": st_it.calls}, out_mem


def _ours_e2e(data: Path, case: ClipCase, opts: ChainOptions, height: int, workdir: Path, name: str):
    from ..enhance import EnhanceStats, enhance
    from ..render import render

    stats = EnhanceStats()
    p = _preset(opts, height)

    def run():
        src = _open(data, case, opts.width)
        out = enhance(src, preset=p, stats=stats)
        return render(out, workdir / f"{name}_e2e.mkv", encoder=opts.encoder, encoder_preset=opts.encoder_preset, crf=opts.crf, overwrite=True)

    m, res = measure("end to end", run, frames=(case.end - case.start) * opts.factor)
    m.frames = res.frames
    return m, {"upscale": stats.upscale.calls, "interpolate": stats.interpolate.calls}


def run_case(data: Path, name: str, case: ClipCase, opts: ChainOptions) -> CaseResult:
    """Every chain and alternative on one clip window."""
    _open(data, case, opts.width).get_frame(0)  # index the file once (BestSource), outside the timings
    with tempfile.TemporaryDirectory(prefix="ainimotion-bench-") as tmp:
        workdir = Path(tmp)
        dec, src_mem = measure("decode", lambda: materialize(_open(data, case, opts.width)), frames=case.end - case.start)
        res = CaseResult(name, case, f"{src_mem.width}x{src_mem.height}", src_mem.num_frames, _labels_in_window(case))
        log.info("bench: %s %s, %d frames: our chain (staged)", name, res.size, res.frames)
        ours, res.calls["ours"], ours_out, res.labels = _ours_staged(src_mem, opts, workdir, name)
        res.stages["ours"] = {"decode": dec, **ours}
        log.info("bench: %s: naive chain (staged)", name)
        naive, res.calls["naive"], naive_out = _naive_staged(src_mem, opts, workdir, name)
        res.stages["naive"] = {"decode": dec, **naive}
        if opts.e2e:
            log.info("bench: %s: our chain end to end (enhance -> render)", name)
            res.e2e, res.e2e_calls = _ours_e2e(data, case, opts, src_mem.height * opts.scale, workdir, name)

    src_rgb = clip_rgb24_frames(src_mem)
    cuts = res.cut_intervals
    res.cross_cut["ours"] = cross_cut_frames(clip_rgb24_frames(ours_out, width=src_mem.width), src_rgb, cuts, opts.factor)
    res.cross_cut["naive"] = cross_cut_frames(clip_rgb24_frames(naive_out, width=src_mem.width), src_rgb, cuts, opts.factor)
    if opts.alternatives:
        log.info("bench: %s: minterpolate, mvtools, blend", name)
        fps = f"{src_mem.fps.numerator}/{src_mem.fps.denominator}"
        m, mi = measure("minterpolate", lambda: minterpolate_frames(src_rgb, fps, opts.factor), frames=res.frames * opts.factor)
        res.alt_speed["minterpolate"] = m
        res.cross_cut["minterpolate"] = cross_cut_frames(mi, src_rgb, cuts, opts.factor)
        for alt, fn in (("mvtools", mvtools_clip), ("blend", blend_clip)):
            m, frames = measure(alt, lambda fn=fn: clip_rgb24_frames(fn(src_mem, opts.factor)), frames=res.frames * opts.factor)
            res.alt_speed[alt] = m
            res.cross_cut[alt] = cross_cut_frames(frames, src_rgb, cuts, opts.factor)
    return res
