"""Our chain vs the naive chain (same models, no gating) vs classical interpolation, on real
clips at a reduced size: stage timings, model calls, peak memory, cross-cut frames (the
``chain`` part of ``scripts/bench.py``; pillow and mvtools from the ``eval`` extra).

Both model chains are timed *staged*: each stage renders all its frames into memory and the
next stage reads them, so every stage is timed alone (decode, gate, upscale, interpolate,
encode) and the sum is comparable between chains. Our chain is also run *end to end* as
users run it (``enhance()`` -> ``render()``, one pipelined graph from the file), which checks
that the staged copy does the same model work. The chains and the cross-cut count are
:mod:`.chains`'.
"""
from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .alternatives import blend_clip, minterpolate_frames, mvtools_clip
from .chains import cross_cut_frames, naive_interpolate, naive_upscale
from .detectors import interval_labels
from .frames import clip_rgb24_frames
from .labels import LABELS_DIR, load_labels
from .measure import Measure, materialize, measure

__all__ = ["ClipCase", "CASES", "ChainOptions", "CaseResult", "run_case"]

log = logging.getLogger("ainimotion_vs.bench")


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
    labels: dict[str, int] = {}
    for lab in interval_labels(gated):
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
