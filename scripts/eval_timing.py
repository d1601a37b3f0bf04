#!/usr/bin/env python3
"""Keep vs smooth timing (``interpolate(timing=...)``): ground truth, evenness, pauses, cuts.

1. Ground truth. Real stretches animated on ones (every source frame a new picture, per the
   hand labels in tests/labels/): the Digimon trailer's shot 311-350 (camera move), the
   Kono Bijutsubu ep12 pan 34-42, and Pop Team Epic's 24p drawings recovered from its 60 fps
   2/3 padding (every drawing's first frame: a slow camera move with confetti). Each is made
   "on twos" / "on threes" by holding every 2nd / 3rd frame (frames 0, 0, 2, 2, ...), run
   through interpolate() (with the gate, as in use) with both timings at the source rate and
   at 2x, and the frames at the dropped positions are scored against the true frames: PSNR
   (8-bit RGB) and SSIM (BT.709 luma), both from ainimotion_vs.evaluation.metrics. Keep shows
   the held drawing there; smooth the model frame at t = 1/2 (twos) or 1/3, 2/3 (threes).
   The same positions at 2x use the same t, so both rates score alike unless the plan differs.
2. Evenness on real footage drawn on twos/threes (hand-labelled windows, with cuts), at 2x:
   the share of output steps with no change and the spread (coefficient of variation) of the
   per-step motion (mean absolute luma difference), keep vs smooth vs the source itself,
   outside pauses (drawings held longer than max_cadence=4, and the last drawing before a cut
   or the window's end, per the hand labels). "No change": the largest 16x16-block mean
   absolute luma difference is under the noise floor, the 99th percentile of that figure over
   the hand-labelled hold intervals of the same window (compression noise between frames of
   one drawing). Also: the share of pause steps that stay still (before the move into the next
   drawing) and the output frames that mix two shots at labelled cuts
   (ainimotion_vs.evaluation.chains.cross_cut_frames), there and around every labelled cut of
   the anime and cartoon clips (8 frames each side, 2x, both timings).
3. Mixed cadence: the share of labelled intervals in runs of >= 3 consecutive motion intervals
   (drawings on ones, or a pan on ones under characters on twos): there smooth timing has no
   holds to spread and gives the same frames as keep.

RIFE runs on the CPU here: small widths and windows keep it to minutes.

Usage: .venv/bin/python scripts/eval_timing.py [--width 256] [--even-width 192] [--frames 48]
       [--backend torch] [--data PATH]
One Markdown table to stdout, progress to stderr.
"""
from __future__ import annotations

import argparse
import logging
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ainimotion_vs.evaluation import (  # noqa: E402
    fmt,
    load_label_dir,
    luma,
    markdown_table,
    psnr,
    require_eval,
    require_shared_data,
    ssim,
)
from ainimotion_vs.evaluation.chains import cross_cut_frames  # noqa: E402
from ainimotion_vs.evaluation.frames import frame_rgb24, rgbs_clip  # noqa: E402

log = logging.getLogger("eval_timing")

MAX_CADENCE = 4
"""interpolate()'s default: holds up to 4 frames are cadence, longer ones pauses."""

# (clip stem, first frame, last frame inclusive): stretches on ones per the hand labels.
ONES = (("digimon_trailer_720p", 311, 350), ("konobi12_shot_24fps", 34, 42))
ONES_DECIMATED = ("popteamepic_60fps_cadence", 40)
"""A clip whose drawings are padded to ~60 fps: the first ``40`` drawings' first frames."""

# (clip stem, start, end exclusive): real footage on twos/threes, two of them across a cut.
EVEN = (("anohana_shot_24fps", 0, 48), ("konobi07_shot_24fps", 0, 48), ("onepiece_demo", 76, 124),
        ("digimon_trailer_720p", 270, 318))


def _open(data: Path, stem: str):
    import vapoursynth as vs

    return vs.core.bs.VideoSource(str(data / "clips" / f"{stem}.mp4"))


def _resize(clip, width: int):
    h = max(2, round(clip.height * width / clip.width / 2) * 2)
    return clip.resize.Bicubic(width, h)


def _rgb_frames(clip, indices) -> dict[int, np.ndarray]:
    import vapoursynth as vs

    rgb = rgbs_clip(clip).resize.Point(format=vs.RGB24, dither_type="none")
    return {j: frame_rgb24(rgb.get_frame(j)) for j in indices}


# ---------------------------------------------------------------- 1. ground truth


@dataclass
class Scores:
    keep_psnr: list[float] = field(default_factory=list)
    smooth_psnr: list[float] = field(default_factory=list)
    keep_ssim: list[float] = field(default_factory=list)
    smooth_ssim: list[float] = field(default_factory=list)
    stretch: list[str] = field(default_factory=list)
    """the stretch each frame comes from"""


def _ones_segments(data: Path, width: int, labels) -> list[tuple[str, object]]:
    import vapoursynth as vs

    out = []
    for stem, first, last in ONES:
        lab = labels[stem]
        assert all(lab.label(k) == "motion" for k in range(first, last)), f"{stem} {first}-{last} is not on ones"
        out.append((f"{stem} {first}-{last}", _resize(_open(data, stem), width)[first : last + 1]))
    stem, count = ONES_DECIMATED
    lab = labels[stem]
    onsets = [0] + [k + 1 for k in lab.intervals if lab.label(k) != "hold"]
    clip = _resize(_open(data, stem), width)
    seg = vs.core.std.Splice([clip[o] for o in onsets[:count]]).std.AssumeFPS(fpsnum=24, fpsden=1)
    out.append((f"{stem} first {count} drawings", seg))
    return out


def ground_truth(data: Path, width: int, backend: str, labels, limit: int | None) -> dict[tuple[int, int], Scores]:
    """(cadence, rate factor) -> scores at the dropped positions."""
    import vapoursynth as vs

    from ainimotion_vs import interpolate

    results = {(c, r): Scores() for c in (2, 3) for r in (1, 2)}
    for name, seg in _ones_segments(data, width, labels):
        seg = seg[:limit] if limit else seg
        truth = _rgb_frames(seg, range(seg.num_frames))
        for c in (2, 3):
            length = c * ((seg.num_frames - 1) // c) + 1  # ends on a kept drawing: every dropped frame lies between two
            held = vs.core.std.Splice([seg[c * (k // c)] for k in range(length)])
            dropped = [k for k in range(length) if k % c]
            for rate in (1, 2):
                t0 = time.monotonic()
                outs = {}
                for timing in ("keep", "smooth"):
                    out = interpolate(held, factor=rate, timing=timing, backend=backend)
                    outs[timing] = _rgb_frames(out, [k * rate for k in dropped])
                s = results[(c, rate)]
                for k in dropped:
                    s.stretch.append(name.split("_")[0])
                    for timing, ps, ss in (("keep", s.keep_psnr, s.keep_ssim), ("smooth", s.smooth_psnr, s.smooth_ssim)):
                        frame = outs[timing][k * rate]
                        ps.append(psnr(frame, truth[k], data_range=255))
                        ss.append(ssim(frame, truth[k], data_range=255))
                log.info("ground truth: %s on %ss at %dx: %d frames in %.0f s", name, c, rate, len(dropped), time.monotonic() - t0)
    return results


# ---------------------------------------------------------------- 2. evenness, pauses, cuts


def _block_max(a: np.ndarray, b: np.ndarray, block: int = 16) -> float:
    d = np.abs(a - b)
    h, w = (d.shape[0] // block) * block, (d.shape[1] // block) * block
    blocks = d[:h, :w].reshape(h // block, block, w // block, block).mean(axis=(1, 3))
    return float(blocks.max())


def _drawings(lab, start: int, end: int) -> list[tuple[int, int, bool]]:
    """(onset, next onset, pause) of the drawings in frames [start, end): a pause is held longer
    than MAX_CADENCE or is the last drawing before a cut or the window's end."""
    out = []
    a = start
    for k in range(start, end - 1):
        kind = lab.label(k)
        if kind in ("motion", "cut", "ignore"):
            out.append((a, k + 1, k + 1 - a > MAX_CADENCE or kind == "cut"))
            a = k + 1
    out.append((a, end, True))
    return out


@dataclass
class Steps:
    change: list[float] = field(default_factory=list)
    """per step: mean absolute luma difference (8-bit levels)"""
    still: list[bool] = field(default_factory=list)
    pause_still: list[bool] = field(default_factory=list)


def evenness(data: Path, width: int, backend: str, labels, frames: int) -> tuple[dict[str, Steps], dict[str, int]]:
    from ainimotion_vs import interpolate

    steps = {k: Steps() for k in ("source", "keep", "smooth")}
    cross = {"keep": 0, "smooth": 0}
    for stem, start, end in EVEN:
        end = min(end, start + frames)
        lab = labels[stem]
        src = _resize(_open(data, stem), width)[start:end]
        n = src.num_frames
        src_rgb = _rgb_frames(src, range(n))
        src_y = [luma(src_rgb[k].astype(np.float64)) for k in range(n)]
        hold_noise = [_block_max(src_y[k - start], src_y[k - start + 1]) for k in range(start, end - 1) if lab.label(k) == "hold"]
        floor = float(np.percentile(hold_noise, 99)) if hold_noise else 0.0
        drawings = _drawings(lab, start, end)
        pause_of = {}
        for a, b, pause in drawings:
            for k in range(a, b):
                pause_of[k - start] = (pause, a - start, b - start)
        cuts = [k - start for k in range(start, end - 1) if lab.label(k) == "cut"]

        def record(store: Steps, ys: list[np.ndarray], factor: int) -> None:
            for j in range(len(ys) - 1):
                n0, n1 = j // factor, (j + 1) // factor
                if any(n0 <= c < n1 for c in cuts):
                    continue  # a step from one shot to the next is no motion step
                bm = _block_max(ys[j], ys[j + 1])
                pause, a, b = pause_of[n0]
                same_drawing = pause_of[n1][1] == a
                if pause and same_drawing:
                    if (j + 1) / factor <= b - MAX_CADENCE:  # before any move into the next drawing
                        store.pause_still.append(bm <= floor)
                    continue
                store.change.append(float(np.abs(ys[j] - ys[j + 1]).mean()))
                store.still.append(bm <= floor)

        record(steps["source"], src_y, 1)
        for timing in ("keep", "smooth"):
            t0 = time.monotonic()
            out = interpolate(src, factor=2, timing=timing, backend=backend)
            out_rgb = _rgb_frames(out, range(out.num_frames))
            record(steps[timing], [luma(out_rgb[j].astype(np.float64)) for j in range(out.num_frames)], 2)
            cross[timing] += cross_cut_frames([out_rgb[j] for j in range(out.num_frames)], [src_rgb[k] for k in range(n)], cuts, 2)
            log.info("evenness: %s %d-%d %s at 2x in %.0f s (noise floor %.2f)", stem, start, end, timing, time.monotonic() - t0, floor)
    return steps, cross


CUT_RADIUS = 8
"""Source frames each side of a labelled cut that the cut check renders."""


def cuts(data: Path, width: int, backend: str, labels) -> tuple[dict[str, int], int]:
    """Output frames (2x, both timings) that mix two shots around every labelled cut of the
    anime and cartoon clips, and the number of cuts."""
    from ainimotion_vs import interpolate

    mixing = {"keep": 0, "smooth": 0}
    count = 0
    for stem, lab in labels.items():
        if stem.startswith("slides") or not lab.cuts:
            continue
        clip = _resize(_open(data, stem), width)
        for cut in sorted(lab.cuts):
            start, end = max(0, cut - CUT_RADIUS), min(lab.frames, cut + CUT_RADIUS)
            src = clip[start:end]
            src_rgb = _rgb_frames(src, range(src.num_frames))
            for timing in mixing:
                out = interpolate(src, factor=2, timing=timing, backend=backend)
                out_rgb = _rgb_frames(out, range(out.num_frames))
                mixing[timing] += cross_cut_frames([out_rgb[j] for j in range(out.num_frames)],
                                                   [src_rgb[k] for k in range(src.num_frames)], [cut - 1 - start], 2)
            count += 1
        log.info("cuts: %s: %d cuts", stem, len(lab.cuts))
    return mixing, count


# ---------------------------------------------------------------- 3. mixed cadence


def ones_share(labels) -> dict[str, float]:
    """Per clip: the share of scored intervals in runs of >= 3 consecutive motion intervals."""
    out = {}
    for stem, lab in labels.items():
        n = lab.frames - 1
        motion = [lab.label(k) == "motion" for k in range(n)]
        in_run = [False] * n
        for s in range(n - 2):
            if all(motion[s : s + 3]):
                in_run[s : s + 3] = [True] * 3
        scored = [k for k in range(n) if lab.label(k) != "ignore"]
        out[stem] = sum(in_run[k] for k in scored) / max(1, len(scored))
    return out


# ---------------------------------------------------------------- the table


def _med(x: list[float]) -> float:
    return float(np.median(x))


def _p10(x: list[float]) -> float:
    return float(np.percentile(x, 10))


def table(gt: dict[tuple[int, int], Scores], steps: dict[str, Steps], cross: dict[str, int],
          cut_check: tuple[dict[str, int], int], ones: dict[str, float]) -> str:
    rows = []
    for c in (2, 3):
        at = [gt[(c, 1)], gt[(c, 2)]]  # cells read "source rate / 2x"

        def both(f, key: str, digits: int = 2) -> str:
            return " / ".join(fmt(f(getattr(s, key)), digits) for s in at)

        gains = [[b - a for a, b in zip(s.keep_psnr, s.smooth_psnr)] for s in at]
        wins = [sum(g > 0 for g in gain) / len(gain) for gain in gains]
        target_db, target_share = (2.5, 0.85) if c == 2 else (1.5, 0.65)
        what = f"held {'twos' if c == 2 else 'threes'}, {len(at[0].keep_psnr)} dropped frames, 1x / 2x"
        rows += [
            [f"PSNR median (dB), {what}", both(_med, "keep_psnr"), both(_med, "smooth_psnr"), "-", "-"],
            [f"PSNR gain of smooth, median (dB), {what}", "-", " / ".join(fmt(_med(g)) for g in gains), "-",
             f">= {target_db}: {'yes' if min(_med(g) for g in gains) >= target_db else 'NO'}"],
            [f"PSNR worst decile (dB), {what}", both(_p10, "keep_psnr"), both(_p10, "smooth_psnr"), "-", "-"],
            [f"SSIM median, {what}", both(_med, "keep_ssim", 4), both(_med, "smooth_ssim", 4), "-", "-"],
            [f"frames where smooth beats keep, {what}", "-", " / ".join(f"{w:.0%}" for w in wins), "-",
             f">= {target_share:.0%}: {'yes' if min(wins) >= target_share else 'NO'}"],
        ]
    n_steps = {k: len(v.still) for k, v in steps.items()}
    for k in ("source", "keep", "smooth"):
        assert n_steps[k] > 0
    still = {k: sum(v.still) / len(v.still) for k, v in steps.items()}
    spread = {k: float(np.std(v.change) / np.mean(v.change)) for k, v in steps.items()}
    rows += [
        [f"steps with no change outside pauses, 2x (source: 1x), {n_steps['smooth']} steps", f"{still['keep']:.0%}",
         f"{still['smooth']:.0%}", f"{still['source']:.0%}", f"smooth < 10%: {'yes' if still['smooth'] < 0.10 else 'NO'}"],
        ["spread of per-step motion (std / mean) outside pauses", fmt(spread["keep"]), fmt(spread["smooth"]), fmt(spread["source"]), "lower is more even"],
    ]
    pause = {k: (sum(v.pause_still), len(v.pause_still)) for k, v in steps.items()}
    rows.append(["pause steps that stay still (before the move)", f"{pause['keep'][0]}/{pause['keep'][1]}",
                 f"{pause['smooth'][0]}/{pause['smooth'][1]}", f"{pause['source'][0]}/{pause['source'][1]}", "all"])
    mixing, n_cuts = cut_check
    rows.append([f"output frames mixing two shots at labelled cuts ({n_cuts} cuts, 2x; evenness windows: "
                 f"{cross['keep']} / {cross['smooth']})", str(mixing["keep"]), str(mixing["smooth"]), "-",
                 f"0: {'yes' if mixing['smooth'] == 0 and cross['smooth'] == 0 else 'NO'}"])
    anime = {k: v for k, v in ones.items() if not k.startswith(("slides", "tom"))}
    rows.append([f"labelled anime intervals on ones or mixed cadence (smooth = keep there), {len(anime)} clips",
                 "-", "-", f"{np.mean(list(anime.values())):.0%}", "-"])
    note = "on ones or mixed cadence per clip: " + ", ".join(f"{k} {v:.0%}" for k, v in ones.items())
    for c in (2, 3):
        s = gt[(c, 1)]
        names = sorted(set(s.stretch))
        gain = {n: _med([b - a for a, b, m in zip(s.keep_psnr, s.smooth_psnr, s.stretch) if m == n]) for n in names}
        note += f"\nPSNR gain median by stretch, held {'twos' if c == 2 else 'threes'}: " + ", ".join(
            f"{n} {fmt(g)} dB ({s.stretch.count(n)} frames)" for n, g in gain.items())
    return markdown_table(["figure", "keep", "smooth", "source", "target"], rows) + "\n\n" + note


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--width", type=int, default=256, help="width for the ground-truth stretches (default 256)")
    ap.add_argument("--even-width", type=int, default=192, help="width for the evenness windows (default 192)")
    ap.add_argument("--frames", type=int, default=48, help="source frames per evenness window (default 48)")
    ap.add_argument("--limit", type=int, default=None, help="at most this many frames per ground-truth stretch (default all)")
    ap.add_argument("--backend", default="torch", help="inference backend (default torch)")
    ap.add_argument("--data", default=None, help="the footage folder (default: ../shared/data)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
    require_eval("pillow", who="eval_timing")
    data = require_shared_data(args.data)
    labels = load_label_dir()
    t0 = time.monotonic()
    gt = ground_truth(data, args.width, args.backend, labels, args.limit)
    steps, cross = evenness(data, args.even_width, args.backend, labels, args.frames)
    cut_check = cuts(data, args.even_width, args.backend, labels)
    print(table(gt, steps, cross, cut_check, ones_share(labels)))
    log.info("eval_timing: %.0f s", time.monotonic() - t0)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
