"""Training data curated by the gate: interpolation triplets and upscaler frames.

The gate labels every interval n -> n+1 as cut, hold or motion. A *drawing* is a run of
frames joined by holds (the animator's one picture, shown 1, 2, 3... frames); a *shot* is a
run of drawings between cuts. From that:

- **interp**: triplets of consecutive distinct drawings (A, B, C) of one shot, each taken at
  the drawing's first frame. No triplet spans a cut (they are built inside a shot) and holds
  are collapsed to their drawing. The spacing ``(B - A, C - B)`` in source frames is recorded
  (``ones``/``twos``/``threes`` when even, ``uneven`` otherwise) with the time of B,
  ``t = (B - A) / (C - A)``, which training feeds the network. Left out, by rule (counts in the
  manifest's ``excluded``):

  * ``spacing``: a gap over ``max_spacing`` frames (default 3, threes): a drawing held longer
    is a pause in the acting, and B is then no longer at the time its frame number says.
  * ``flash``: the gate flagged a flash inside the triplet (``AinimotionFlash``).
  * ``fade``: the median signed luma change A->B or B->C is over ``global_shift`` levels
    (default 3). In character motion most pixels are background and do not change, so the
    median change is 0 within codec noise (1-2 levels); a fade, dissolve or flash moves every
    pixel, and the median with them. Such triplets teach blending, not motion.
  * ``static``: under ``static_fraction`` of the picture (default 0.2 %) changes by more than
    ``static_level`` levels (default 12, several times h264 noise at usual rates) from A to
    C, or under ``crop_static_fraction`` (default 1 %) of the chosen crop: a lip flap in a
    corner of a still, whose crop would be mostly a hold.

- **upscale**: one high-quality frame per drawing (its first frame; flashes and fades left
  out by the same rules), a crop of it where the line work is densest, and degraded inputs
  made by :func:`~ainimotion_vs.train.degradations.degrade` (real x264/x265 through ffmpeg);
  when the drawing is held, its second frame is degraded too (the same recipe, other noise),
  so evaluation can measure flicker on a hold. The recipe is stored per sample.

Crops are cut where the motion (interp: pixels changing A->C) or the line work (upscale:
Sobel energy) is largest, among near-best windows chosen with the seed. Everything random
draws from ``numpy.random.default_rng([seed, ...sample identity])``, so a run is repeatable
and does not depend on the order sources are given. The split is by unit, a shot (default)
or a whole source: units are ordered by a hash of (seed, source sha256, shot) and the first
``val_fraction`` of them are held back, so evaluation never sees a training shot.

Layout of a dataset folder: ``manifest.json`` and ``samples/<id>_<role>.png`` (8-bit RGB).
The folder is built under a temporary name beside ``out`` and renamed when complete.
"""
from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from ..cache import file_sha256
from ..errors import SettingsError, UnsupportedFormatError

if TYPE_CHECKING:  # pragma: no cover
    import vapoursynth as vs

__all__ = [
    "CurateSettings",
    "Scan",
    "Drawing",
    "MANIFEST",
    "scan_clip",
    "shots_of",
    "curate_interp",
    "curate_upscale",
    "load_manifest",
    "load_samples",
    "cadence_name",
]

log = logging.getLogger("ainimotion_vs")

MANIFEST = "manifest.json"
FORMAT = 1
"""Manifest format version (bumped when fields change meaning)."""
_THUMB_WIDTH = 256
"""Width of the luma thumbnails the rules are measured on (the gate's own analysis width)."""


@dataclass(frozen=True, kw_only=True)
class CurateSettings:
    """How samples are picked and cut. Levels are 8-bit luma code values."""

    crop: int = 256
    """Side of the square crops stored, in source pixels (upscale: the high-quality side;
    a multiple of 8 so the x4 input is even for 4:2:0)."""
    seed: int = 0
    """Seed of every random choice (crop jitter, degradation recipes, the split)."""
    val_fraction: float = 0.2
    """Share of units (shots or sources) held back for evaluation."""
    split_by: str = "shot"
    """``"shot"`` or ``"source"``: the unit of the train/val split."""
    max_spacing: int = 3
    """Largest gap between drawings of a triplet, frames (3: animation on threes)."""
    static_level: float = 12.0
    """A pixel "changes" when its luma moves more than this (h264 noise is 1-4 levels)."""
    static_fraction: float = 0.002
    """Whole-picture share of changing pixels A->C under which a triplet is near-static."""
    crop_static_fraction: float = 0.01
    """The same, inside the chosen crop."""
    global_shift: float = 3.0
    """Median signed luma change (levels) over which a pair is a fade or flash."""
    crops_per_sample: int = 1
    """Crops cut from each triplet or drawing (at different near-best places)."""
    max_per_shot: int = 0
    """At most this many samples per shot (0: all), evenly spread over the shot."""
    min_edge_fraction: float = 0.01
    """Upscale: crops with fewer line pixels (Sobel over 32 levels) than this are flat and skipped."""

    def validate(self, func: str) -> None:
        """Raise SettingsError naming the bad field and how to fix it."""
        if self.crop < 16 or self.crop % 8:
            raise SettingsError(f"{func}: crop must be a multiple of 8, at least 16; got {self.crop}.")
        if not 0.0 <= self.val_fraction < 1.0:
            raise SettingsError(f"{func}: val_fraction must be in [0, 1); got {self.val_fraction}.")
        if self.split_by not in ("shot", "source"):
            raise SettingsError(f"{func}: split_by must be 'shot' or 'source'; got {self.split_by!r}.")
        if self.max_spacing < 1:
            raise SettingsError(f"{func}: max_spacing must be at least 1; got {self.max_spacing}.")
        if self.crops_per_sample < 1 or self.max_per_shot < 0:
            raise SettingsError(f"{func}: crops_per_sample must be >= 1 and max_per_shot >= 0.")


class Drawing(NamedTuple):
    """One drawing: its first frame and how many frames it is shown."""

    start: int
    length: int


@dataclass
class Scan:
    """What the gate says about one source, and small luma pictures to measure rules on."""

    name: str
    labels: list[str]
    """``AinimotionInterval`` of every frame (interval n -> n+1)."""
    flash: list[int]
    """``AinimotionFlash`` of every frame."""
    thumbs: np.ndarray
    """(N, h, 256) uint8 luma."""
    source_sha256: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def cadence_name(s1: int, s2: int) -> str:
    """``ones``/``twos``/``threes``/``fours``... for an even spacing, ``uneven`` otherwise."""
    if s1 != s2:
        return "uneven"
    return {1: "ones", 2: "twos", 3: "threes"}.get(s1, f"{s1}s")


def _luma_thumbs(clip: "vs.VideoNode") -> "vs.VideoNode":
    import vapoursynth as vs

    w = _THUMB_WIDTH
    h = max(2, int(round(clip.height * w / clip.width / 2)) * 2)
    if clip.format.color_family == vs.RGB:
        y = clip.resize.Bilinear(format=vs.GRAY8, matrix_s="709")
    else:
        y = vs.core.std.ShufflePlanes(clip, 0, vs.GRAY)
    return y.resize.Bilinear(w, h, format=vs.GRAY8)


def scan_clip(clip: "vs.VideoNode", *, name: str, source_sha256: str = "", gate_settings: Any = None) -> Scan:
    """Run the gate over ``clip`` and keep its labels, flash flags and luma thumbnails."""
    from .._vs import check_clip, text
    from ..gate import gate

    check_clip(clip, "scan_clip")
    gated = _luma_thumbs(gate(clip, settings=gate_settings))
    labels: list[str] = []
    flash: list[int] = []
    thumbs = np.empty((clip.num_frames, gated.height, gated.width), np.uint8)
    for n, f in enumerate(gated.frames(close=True)):
        labels.append(text(f.props["AinimotionInterval"]))
        flash.append(int(f.props.get("AinimotionFlash", 0)))
        thumbs[n] = np.asarray(f[0])
    return Scan(name=name, labels=labels, flash=flash, thumbs=thumbs, source_sha256=source_sha256)


def shots_of(labels: Sequence[str]) -> list[list[Drawing]]:
    """Shots (lists of drawings) from interval labels: a hold joins n and n+1 into one
    drawing, motion starts a new drawing, a cut starts a new shot. The last frame's label
    closes the last shot whatever it is."""
    shots: list[list[Drawing]] = []
    cur: list[Drawing] = []
    start = 0
    last = len(labels) - 1
    for n, lab in enumerate(labels):
        if lab == "hold" and n < last:
            continue
        cur.append(Drawing(start, n - start + 1))
        start = n + 1
        if lab == "cut" or n == last:
            shots.append(cur)
            cur = []
    return shots


def _median_shift(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.median(b.astype(np.int16) - a.astype(np.int16)))


def _changed_fraction(a: np.ndarray, b: np.ndarray, level: float) -> float:
    return float(np.mean(np.abs(b.astype(np.int16) - a.astype(np.int16)) > level))


def _spread(items: list, k: int) -> list:
    """At most ``k`` items evenly spread (all when k is 0 or there are fewer)."""
    if k <= 0 or len(items) <= k:
        return items
    idx = np.linspace(0, len(items) - 1, k).round().astype(int)
    return [items[i] for i in sorted(set(idx.tolist()))]


def _rng(seed: int, *key: Any) -> np.random.Generator:
    digest = hashlib.sha256(repr((seed, *key)).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def _pick_window(score: np.ndarray, crop: int, rng: np.random.Generator, *, stride: int = 8) -> tuple[int, int, float]:
    """(x, y, mean score) of a crop x crop window among the near-best (>= 80 % of the best sum)."""
    h, w = score.shape
    ii = np.zeros((h + 1, w + 1), np.float64)
    ii[1:, 1:] = np.cumsum(np.cumsum(score, 0), 1)
    ys = np.arange(0, h - crop + 1, stride)
    xs = np.arange(0, w - crop + 1, stride)
    if ys[-1] != h - crop:
        ys = np.append(ys, h - crop)
    if xs[-1] != w - crop:
        xs = np.append(xs, w - crop)
    y0, x0 = np.meshgrid(ys, xs, indexing="ij")
    sums = ii[y0 + crop, x0 + crop] - ii[y0, x0 + crop] - ii[y0 + crop, x0] + ii[y0, x0]
    best = sums.max()
    cand = np.argwhere(sums >= 0.8 * best) if best > 0 else np.argwhere(np.ones_like(sums, dtype=bool))
    iy, ix = cand[int(rng.integers(len(cand)))]
    return int(x0[iy, ix]), int(y0[iy, ix]), float(sums[iy, ix] / (crop * crop))


class _Source:
    """One source: a name, an RGB24 clip for crops, and its scan."""

    def __init__(self, item: "Path | str | tuple[str, vs.VideoNode]", gate_settings: Any) -> None:
        import vapoursynth as vs

        from .._color import color_info, to_rgbs

        if isinstance(item, tuple):
            self.name, clip = item
            sha = hashlib.sha256(repr((clip.width, clip.height, clip.num_frames, self.name)).encode()).hexdigest()
        else:
            path = Path(item)
            if not path.is_file():
                raise UnsupportedFormatError(f"curate: source {path} is not a file; give video files (or a folder's videos).")
            from ..media import open_source

            self.name = path.name
            clip = open_source(path)
            sha = file_sha256(path)
        rgb = to_rgbs(clip, color_info(clip)).resize.Point(format=vs.RGB24)
        self.rgb = rgb
        self.scan = scan_clip(clip, name=self.name, source_sha256=sha, gate_settings=gate_settings)

    def frame(self, n: int) -> np.ndarray:
        f = self.rgb.get_frame(n)
        return np.stack([np.asarray(f[p]) for p in range(3)], axis=-1)


def _split(units: list[tuple[str, int]], shas: dict[str, str], s: CurateSettings) -> dict[tuple[str, int], str]:
    keys = sorted(set(units), key=lambda u: hashlib.sha256(repr((s.seed, shas[u[0]], u[1])).encode()).hexdigest())
    n_val = math.ceil(s.val_fraction * len(keys)) if s.val_fraction > 0 else 0
    if len(keys) >= 2:
        n_val = min(max(n_val, 1 if s.val_fraction > 0 else 0), len(keys) - 1)
    else:
        n_val = 0
    return {u: ("val" if i < n_val else "train") for i, u in enumerate(keys)}


def _write_png(path: Path, rgb: np.ndarray) -> str:
    from ._deps import cv2 as _cv2

    cv2 = _cv2("train")

    ok, buf = cv2.imencode(".png", np.ascontiguousarray(rgb[..., ::-1]))
    if not ok:
        raise UnsupportedFormatError(f"curate: could not encode {path.name} as PNG.")
    data = buf.tobytes()
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


class _Writer:
    """Builds the dataset under a temporary folder beside ``out``; ``commit`` renames it."""

    def __init__(self, out: Path, func: str) -> None:
        out = Path(out)
        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            raise UnsupportedFormatError(f"{func}: {out} already exists and is not empty; choose another --out or remove it.")
        out.parent.mkdir(parents=True, exist_ok=True)
        self.out = out
        self.tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent))
        (self.tmp / "samples").mkdir()

    def image(self, sid: str, role: str, rgb: np.ndarray) -> tuple[str, str]:
        rel = f"samples/{sid}_{role}.png"
        return rel, _write_png(self.tmp / rel, rgb)

    def commit(self, manifest: dict) -> Path:
        (self.tmp / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")
        if self.out.is_dir():
            self.out.rmdir()  # empty (checked in __init__)
        os.replace(self.tmp, self.out)
        return self.out

    def discard(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


def _open_sources(sources: Sequence[Any], gate_settings: Any, func: str) -> list[_Source]:
    if not sources:
        raise SettingsError(f"{func}: give at least one source video.")
    opened = [_Source(s, gate_settings) for s in sources]
    names = [o.name for o in opened]
    if len(set(names)) != len(names):
        raise SettingsError(f"{func}: two sources share the name {sorted(n for n in names if names.count(n) > 1)[0]!r}; rename one.")
    return opened


def _check_size(src: _Source, crop: int, func: str) -> None:
    if src.rgb.width < crop or src.rgb.height < crop:
        raise SettingsError(
            f"{func}: {src.name} is {src.rgb.width}x{src.rgb.height}, smaller than the crop {crop}; use a smaller --crop."
        )


def curate_interp(sources: Sequence[Any], out: "Path | str", *, settings: CurateSettings | None = None, gate_settings: Any = None) -> dict:
    """Write an interpolation dataset of gate-curated triplets to ``out``; returns the manifest.

    ``sources``: video paths, or ``(name, clip)`` pairs for clips made in Python.
    """
    func = "curate_interp"
    s = settings or CurateSettings()
    s.validate(func)
    opened = _open_sources(sources, gate_settings, func)
    writer = _Writer(Path(out), func)
    try:
        samples: list[dict] = []
        excluded = {"spacing": 0, "flash": 0, "fade": 0, "static": 0}
        shas = {o.name: o.scan.source_sha256 for o in opened}
        units: list[tuple[str, int]] = []
        for src in opened:
            _check_size(src, s.crop, func)
            sc = src.scan
            shots = shots_of(sc.labels)
            for k, shot in enumerate(shots):
                units.append((src.name, k if s.split_by == "shot" else 0))
                picked = []
                for i in range(len(shot) - 2):
                    a, b, c = shot[i].start, shot[i + 1].start, shot[i + 2].start
                    s1, s2 = b - a, c - b
                    if s1 > s.max_spacing or s2 > s.max_spacing:
                        excluded["spacing"] += 1
                        continue
                    if any(sc.flash[n] for n in range(a, c)):
                        excluded["flash"] += 1
                        continue
                    ta, tb, tc = sc.thumbs[a], sc.thumbs[b], sc.thumbs[c]
                    if abs(_median_shift(ta, tb)) > s.global_shift or abs(_median_shift(tb, tc)) > s.global_shift:
                        excluded["fade"] += 1
                        continue
                    if _changed_fraction(ta, tc, s.static_level) < s.static_fraction:
                        excluded["static"] += 1
                        continue
                    picked.append((a, b, c, s1, s2))
                for a, b, c, s1, s2 in _spread(picked, s.max_per_shot):
                    fa, fb, fc = src.frame(a), src.frame(b), src.frame(c)
                    moving = (np.abs(fc.astype(np.int16) - fa.astype(np.int16)).max(-1) > s.static_level).astype(np.float64)
                    for j in range(s.crops_per_sample):
                        rng = _rng(s.seed, sc.source_sha256, a, j)
                        x, y, frac = _pick_window(moving, s.crop, rng)
                        if frac < s.crop_static_fraction:
                            excluded["static"] += 1
                            break
                        box = (slice(y, y + s.crop), slice(x, x + s.crop))
                        ca, cb, cc = fa[box], fb[box], fc[box]
                        sid = f"{len(samples):06d}"
                        files, sums = {}, {}
                        for role, img in (("a", ca), ("b", cb), ("c", cc)):
                            files[role], sums[role] = writer.image(sid, role, img)
                        samples.append({
                            "id": sid,
                            "source": src.name,
                            "shot": k,
                            "frames": [a, b, c],
                            "spacing": [s1, s2],
                            "cadence": cadence_name(s1, s2),
                            "t": s1 / (s1 + s2),
                            "motion": round(float(np.abs(cc.astype(np.int16) - ca.astype(np.int16)).mean()), 3),
                            "moving_fraction": round(frac, 4),
                            "crop": [x, y, s.crop],
                            "files": files,
                            "sha256": sums,
                        })
        if not samples:
            raise UnsupportedFormatError(
                f"{func}: no triplet passed the rules (excluded: {excluded}); give longer sources with motion, "
                "or relax max_spacing / static_fraction."
            )
        split = _split(units, shas, s)
        for smp in samples:
            smp["split"] = split[(smp["source"], smp["shot"] if s.split_by == "shot" else 0)]
        manifest = {
            "format": FORMAT,
            "kind": "interp",
            "settings": asdict(s),
            "sources": [{"name": o.name, "sha256": o.scan.source_sha256, "frames": len(o.scan.labels),
                         "width": o.rgb.width, "height": o.rgb.height, "shots": len(shots_of(o.scan.labels))} for o in opened],
            "excluded": excluded,
            "counts": {sp: sum(x["split"] == sp for x in samples) for sp in ("train", "val")},
            "samples": samples,
        }
        result = writer.commit(manifest)
    except BaseException:
        writer.discard()
        raise
    log.info("curate_interp: %d triplets (%s) in %s; excluded %s", len(samples), manifest["counts"], result, excluded)
    return manifest


def _edge_map(rgb: np.ndarray) -> np.ndarray:
    from ._deps import cv2 as _cv2

    cv2 = _cv2("train")

    y = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    gx = cv2.Sobel(y, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(y, cv2.CV_32F, 0, 1, ksize=3)
    # Sobel's gain is 4 for a unit step: 32 levels of gradient = an 8-level edge, above codec noise.
    return (np.hypot(gx, gy) > 32.0).astype(np.float64)


def curate_upscale(
    sources: Sequence[Any],
    out: "Path | str",
    *,
    settings: CurateSettings | None = None,
    scale: int = 4,
    gate_settings: Any = None,
) -> dict:
    """Write an upscaler dataset: one high-quality crop per drawing and its degraded x``scale``-smaller
    input(s) made with real codecs (:func:`~ainimotion_vs.train.degradations.degrade`); returns the manifest."""
    from .degradations import degrade, sample_recipe

    func = "curate_upscale"
    s = settings or CurateSettings()
    s.validate(func)
    if scale not in (2, 4) or s.crop % (2 * scale):
        raise SettingsError(f"{func}: scale must be 2 or 4 and crop a multiple of {2 * scale}; got scale {scale}, crop {s.crop}.")
    opened = _open_sources(sources, gate_settings, func)
    writer = _Writer(Path(out), func)
    try:
        samples: list[dict] = []
        excluded = {"flash": 0, "fade": 0, "flat": 0}
        shas = {o.name: o.scan.source_sha256 for o in opened}
        units: list[tuple[str, int]] = []
        for src in opened:
            _check_size(src, s.crop, func)
            sc = src.scan
            for k, shot in enumerate(shots_of(sc.labels)):
                units.append((src.name, k if s.split_by == "shot" else 0))
                picked = []
                for i, d in enumerate(shot):
                    prev_n = d.start - 1
                    if sc.flash[d.start] or (prev_n >= 0 and sc.flash[prev_n]):
                        excluded["flash"] += 1
                        continue
                    if i > 0 and abs(_median_shift(sc.thumbs[shot[i - 1].start], sc.thumbs[d.start])) > s.global_shift:
                        excluded["fade"] += 1
                        continue
                    picked.append(d)
                for d in _spread(picked, s.max_per_shot):
                    hq = src.frame(d.start)
                    hold = src.frame(d.start + 1) if d.length >= 2 else None
                    edges = _edge_map(hq)
                    for j in range(s.crops_per_sample):
                        rng = _rng(s.seed, sc.source_sha256, d.start, j)
                        x, y, frac = _pick_window(edges, s.crop, rng)
                        if frac < s.min_edge_fraction:
                            excluded["flat"] += 1
                            break
                        x, y = x - x % scale, y - y % scale
                        box = (slice(y, y + s.crop), slice(x, x + s.crop))
                        frames = [hq[box]] + ([hold[box]] if hold is not None else [])
                        recipe = sample_recipe(rng, scale=scale)
                        lrs = degrade(frames, recipe)
                        sid = f"{len(samples):06d}"
                        files, sums = {}, {}
                        files["hq"], sums["hq"] = writer.image(sid, "hq", frames[0])
                        files["lr"], sums["lr"] = writer.image(sid, "lr", lrs[0])
                        if hold is not None:
                            files["hq_hold"], sums["hq_hold"] = writer.image(sid, "hq_hold", frames[1])
                            files["lr_hold"], sums["lr_hold"] = writer.image(sid, "lr_hold", lrs[1])
                        samples.append({
                            "id": sid,
                            "source": src.name,
                            "shot": k,
                            "frames": [d.start] + ([d.start + 1] if hold is not None else []),
                            "drawing_length": d.length,
                            "edge_fraction": round(frac, 4),
                            "crop": [x, y, s.crop],
                            "scale": scale,
                            "recipe": recipe,
                            "files": files,
                            "sha256": sums,
                        })
        if not samples:
            raise UnsupportedFormatError(f"{func}: no frame passed the rules (excluded: {excluded}); give other sources.")
        split = _split(units, shas, s)
        for smp in samples:
            smp["split"] = split[(smp["source"], smp["shot"] if s.split_by == "shot" else 0)]
        manifest = {
            "format": FORMAT,
            "kind": "upscale",
            "scale": scale,
            "settings": asdict(s),
            "sources": [{"name": o.name, "sha256": o.scan.source_sha256, "frames": len(o.scan.labels),
                         "width": o.rgb.width, "height": o.rgb.height} for o in opened],
            "excluded": excluded,
            "counts": {sp: sum(x["split"] == sp for x in samples) for sp in ("train", "val")},
            "samples": samples,
        }
        result = writer.commit(manifest)
    except BaseException:
        writer.discard()
        raise
    log.info("curate_upscale: %d frames (%s) in %s; excluded %s", len(samples), manifest["counts"], result, excluded)
    return manifest


def load_manifest(data: "Path | str", *, kind: str, func: str) -> dict:
    """The manifest of a dataset folder, checked to be of ``kind`` (``"interp"``/``"upscale"``)."""
    path = Path(data) / MANIFEST
    if not path.is_file():
        raise UnsupportedFormatError(f"{func}: {data} has no {MANIFEST}; make one with `ainimotion dataset {kind} SOURCES... --out {data}`.")
    try:
        manifest = json.loads(path.read_text())
    except ValueError as exc:
        raise UnsupportedFormatError(f"{func}: {path} is not valid JSON ({exc}); curate the dataset again.") from None
    if manifest.get("format") != FORMAT or manifest.get("kind") != kind:
        raise UnsupportedFormatError(
            f"{func}: {data} is a {manifest.get('kind')!r} dataset (format {manifest.get('format')}); "
            f"this needs a {kind!r} dataset of format {FORMAT} (`ainimotion dataset {kind} ...`)."
        )
    return manifest


def load_samples(
    data: "Path | str", manifest: dict, *, split: str, roles: Sequence[str], spacing: str = "all", verify: bool = True, func: str
) -> tuple[list[dict], dict[str, np.ndarray]]:
    """The samples of one split (``"train"``, ``"val"`` or ``"all"``) and their images stacked per
    role: ``{role: (N, H, W, 3) uint8}``. Only samples that have every role are kept;
    ``spacing="even"`` keeps only triplets with equal gaps (B halfway between A and C). With
    ``verify`` each file's sha256 is checked against the manifest."""
    from ._deps import cv2 as _cv2

    cv2 = _cv2("train")

    if spacing not in ("even", "all"):
        raise SettingsError(f"{func}: spacing must be 'even' or 'all'; got {spacing!r}.")
    chosen = [
        x for x in manifest["samples"]
        if (split == "all" or x["split"] == split) and all(r in x["files"] for r in roles)
        and (spacing == "all" or "spacing" not in x or x["spacing"][0] == x["spacing"][1])
    ]
    out: dict[str, list[np.ndarray]] = {r: [] for r in roles}
    for smp in chosen:
        for r in roles:
            path = Path(data) / smp["files"][r]
            raw = path.read_bytes() if path.is_file() else b""
            if not raw:
                raise UnsupportedFormatError(f"{func}: {path} is missing; curate the dataset again.")
            if verify and hashlib.sha256(raw).hexdigest() != smp["sha256"][r]:
                raise UnsupportedFormatError(f"{func}: {path} does not match its sha256 in the manifest; curate the dataset again.")
            img = cv2.imdecode(np.frombuffer(raw, np.uint8), cv2.IMREAD_COLOR)
            out[r].append(img[..., ::-1])
    return chosen, {r: (np.stack(v) if v else np.empty((0, 0, 0, 3), np.uint8)) for r, v in out.items()}
