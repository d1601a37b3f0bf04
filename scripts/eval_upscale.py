#!/usr/bin/env python3
"""Evaluate ``upscale()`` on the real footage in ../shared/data and print markdown tables.

1. ``ncnn``: fidelity of our runtime to the ncnn reference runtime, per model (crops of stills).
2. ``holds``: temporal stability on the labelled hold runs of real clips (tests/labels): mean
   frame-to-frame difference inside holds, ours (gate + reuse) vs upscaling every frame alone.
3. ``colour``: mean level shift (output downscaled to the source size minus the source, 8-bit
   levels, per RGB channel and luma) with and without keep_colors, and the high-frequency
   energy kept (keep_colors must not blur).
4. ``psnr``: PSNR/SSIM vs Lanczos and bicubic on x2/x4 downscales of native 720p/1080p crops,
   clean and compressed (JPEG q50, h264 crf 30). A restoration model may lose PSNR here while
   looking better (it removes the softness and noise the reference still has).

The measures live in ainimotion_vs.evaluation (stability, colour, degrade, frames, ncnn_ref);
this script picks the inputs and prints the tables.

Sizes are small (crops, downscaled clips) to keep the run to a few minutes on 2 CPU cores.
PSNR and SSIM are ainimotion_vs.evaluation's, on outputs rounded to 8-bit levels. Needs pillow
from the 'eval' extra (pip install 'ainimotion_vs[eval]').

Usage: python scripts/eval_upscale.py [--part ncnn,holds,colour,psnr] [--stills 6] [--frames 36]
       [--clip-width 160] [--backend torch] [--threads 2]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ainimotion_vs.evaluation import load_label_dir, psnr, ssim  # noqa: E402
from ainimotion_vs.evaluation.colour import colour_shift, hf_energy  # noqa: E402
from ainimotion_vs.evaluation.degrade import h264_roundtrip, jpeg_roundtrip, pil_resize  # noqa: E402
from ainimotion_vs.evaluation.frames import array_rgbs_clip, centre_crop, clip_rgb_levels, read_rgb, to_uint8  # noqa: E402
from ainimotion_vs.evaluation.ncnn_ref import ncnn_files  # noqa: E402
from ainimotion_vs.evaluation.stability import hold_stability  # noqa: E402
from ainimotion_vs.evaluation.footage import spread_stills  # noqa: E402
from ainimotion_vs.evaluation.startup import add_run_options, parse_size, prepare_run  # noqa: E402

MODELS = ("realesr-animevideov3", "realesrgan-x4plus-anime")
HOLD_CLIPS = ("konobi07_shot_24fps", "anohana_shot_24fps", "onepiece_demo")


# ---------------------------------------------------------------- 1. ncnn
def eval_ncnn(data: Path, stills: list[Path], backend: str, crop: tuple[int, int]) -> None:
    from ainimotion_vs import upscale
    from ainimotion_vs.models.ncnn import run_ncnn
    from ainimotion_vs.weights import ensure_weights

    cw, ch = crop
    print(f"\n## Fidelity to the ncnn runtime: upscale(tile=None, backend={backend!r}) vs ncnn fp32, "
          f"{cw}x{ch} centre crops of {len(stills)} stills (8-bit levels)\n")
    print("| model                    | mean abs | max abs | PSNR vs ncnn (dB) | s/crop ours | s/crop ncnn |")
    print("|--------------------------|----------|---------|-------------------|-------------|-------------|")
    for name in MODELS:
        ensure_weights(name)
        files = ncnn_files(name)
        if files is None:
            print(f"| {name:24} | (ncnn files not the installed set: skipped) | | | | |")
            continue
        means, maxes, psnrs, t_ours, t_ncnn = [], [], [], 0.0, 0.0
        for p in stills:
            img = centre_crop(read_rgb(p), cw, ch)
            t0 = time.perf_counter()
            ours = clip_rgb_levels(upscale(array_rgbs_clip(img), model=name, tile=None, backend=backend, reuse=False))
            t1 = time.perf_counter()
            ref = np.clip(run_ncnn(*files, img.astype(np.float32) / 255.0, threads=2), 0, 1) * 255.0
            t2 = time.perf_counter()
            t_ours, t_ncnn = t_ours + t1 - t0, t_ncnn + t2 - t1
            d = np.abs(ours - ref)
            means.append(d.mean())
            maxes.append(d.max())
            psnrs.append(psnr(to_uint8(ours), np.round(ref), data_range=255))
        n = len(stills)
        print(f"| {name:24} | {np.mean(means):8.1e} | {max(maxes):7.1e} | {np.mean(psnrs):17.2f} | {t_ours / n:11.2f} | {t_ncnn / n:11.2f} |")


# ---------------------------------------------------------------- 2. holds
def eval_holds(data: Path, frames: int, width: int, backend: str, *, crop: bool) -> None:
    import vapoursynth as vs

    from ainimotion_vs import gate, upscale
    from ainimotion_vs.backends import InferenceStats

    how = f"a {width}x{width * 3 // 4} centre crop (compression noise kept)" if crop else f"downscaled to {width} wide"
    print(f"\n## Temporal stability inside labelled holds: first {frames} frames, {how}, "
          f"x4 ({backend}); mean |frame n+1 - frame n| over hold intervals (8-bit luma levels)\n")
    print("| clip                  | hold intervals | ours: mean diff | ours: identical | per-frame: mean diff | per-frame: identical | model runs ours / per-frame |")
    print("|-----------------------|----------------|-----------------|-----------------|----------------------|----------------------|-----------------------------|")
    all_labels = load_label_dir()
    for stem in HOLD_CLIPS:
        labels = all_labels[stem]
        src = vs.core.bs.VideoSource(str(data / "clips" / f"{stem}.mp4"))[:frames]
        gated = gate(src)
        if crop:
            ch = width * 3 // 4 // 2 * 2
            left, top = (src.width - width) // 4 * 2, (src.height - ch) // 4 * 2
            small = gated.std.Crop(left=left, top=top, right=src.width - width - left, bottom=src.height - ch - top)
        else:
            small = gated.resize.Bicubic(width, max(2, round(src.height * width / src.width / 2) * 2))
        holds = [n for n in range(frames - 1) if n in labels.holds and n not in labels.ignore]
        if not holds:
            print(f"| {stem:21} | (no labelled hold in the first {frames} frames: skipped) | | | | | |")
            continue
        row = []
        for reuse in (True, False):
            stats = InferenceStats()
            out = upscale(small, backend=backend, reuse=reuse, stats=stats)
            row.append((*hold_stability(out, holds), stats.calls))
        (ours, ours_id, ours_calls), (plain, plain_id, plain_calls) = row
        print(f"| {stem:21} | {len(holds):14d} | {ours:15.3f} | {ours_id:6d} of {len(holds):<5d} | {plain:20.3f} | "
              f"{plain_id:9d} of {len(holds):<7d} | {ours_calls:12d} / {plain_calls:<12d} |")


# ---------------------------------------------------------------- 3. colour
def eval_colour(stills: list[Path], crop: tuple[int, int], backend: str) -> None:
    from ainimotion_vs import upscale
    from ainimotion_vs.upscale import ColorKeep

    cw, ch = crop
    variants = [("off", False), ("ColorKeep(radius_div=16)", ColorKeep(radius_div=16)),
                ("ColorKeep() (32, default)", ColorKeep()), ("ColorKeep(radius_div=64)", ColorKeep(radius_div=64))]
    print(f"\n## Colour fidelity of realesr-animevideov3 ({backend}): {cw}x{ch} centre crops of {len(stills)} stills, x4; "
          "output downscaled (area-like) to the source size minus the source, 8-bit levels; "
          "mean over stills (signed) and worst still (abs); local = mean |luma shift| of 8x8 source blocks; "
          "HF = high-frequency energy vs keep_colors off\n")
    print("| keep_colors               | R      | G      | B      | luma   | worst abs | local 8x8 | HF kept |")
    print("|---------------------------|--------|--------|--------|--------|-----------|-----------|---------|")
    results = {}
    for label, keep in variants:
        shifts, hf = [], []
        for p in stills:
            img = centre_crop(read_rgb(p), cw, ch).astype(np.float64)
            clip = array_rgbs_clip(img.astype(np.uint8))
            out = upscale(clip, backend=backend, keep_colors=keep, tile=None)
            back = clip_rgb_levels(out.resize.Bilinear(clip.width, clip.height))
            shifts.append(colour_shift(back, img))
            blur = out.resize.Bilinear(clip.width, clip.height).resize.Bicubic(out.width, out.height)
            hf.append(hf_energy(clip_rgb_levels(out), clip_rgb_levels(blur)))
        shifts = np.array(shifts)
        results[label] = np.array(hf)
        ratio = float(np.mean(results[label] / results["off"]))
        m = shifts.mean(axis=0)
        print(f"| {label:25} | {m[0]:+6.2f} | {m[1]:+6.2f} | {m[2]:+6.2f} | {m[3]:+6.2f} | {np.abs(shifts[:, :4]).max():9.2f} | {m[4]:9.2f} | {ratio:7.3f} |")


# ---------------------------------------------------------------- 4. PSNR / SSIM
def eval_psnr(data: Path, hr_crop: tuple[int, int], backend: str) -> None:
    from ainimotion_vs import upscale

    native = sorted((data / "stills").glob("anime4k_*.png"))
    hw, hh = hr_crop
    degradations = {"clean": lambda a: a, "jpeg q50": lambda a: jpeg_roundtrip(a, 50), "h264 crf30": lambda a: h264_roundtrip(a, 30)}
    print(f"\n## PSNR (dB, RGB) / SSIM (luma) vs the original on {hw}x{hh} centre crops of {len(native)} native 720p/1080p stills: "
          f"Lanczos downscale by the factor, optional compression, then back up ({backend})\n")
    print("| factor | input      | animev3 keep_colors | animev3 raw   | lanczos       | bicubic       | model-lanczos (dB) |")
    print("|--------|------------|---------------------|---------------|---------------|---------------|--------------------|")
    for factor in (2, 4):
        for dname, degrade in degradations.items():
            acc: dict[str, list[tuple[float, float]]] = {k: [] for k in ("keep", "raw", "lanczos", "bicubic")}
            for p in native:
                hr = centre_crop(read_rgb(p), hw, hh)
                lr = pil_resize(hr, hw // factor, hh // factor)
                lr = degrade(lr)
                clip = array_rgbs_clip(lr)
                ref = hr.astype(np.float64)
                outs = {
                    "keep": clip_rgb_levels(upscale(clip, width=hw, height=hh, backend=backend, keep_colors=True, tile=None)),
                    "raw": clip_rgb_levels(upscale(clip, width=hw, height=hh, backend=backend, keep_colors=False, tile=None)),
                    "lanczos": clip_rgb_levels(clip.resize.Lanczos(hw, hh, filter_param_a=3)),
                    "bicubic": clip_rgb_levels(clip.resize.Bicubic(hw, hh)),
                }
                for k, v in outs.items():
                    acc[k].append((psnr(to_uint8(v), ref, data_range=255), ssim(to_uint8(v), ref, data_range=255)))
            m = {k: np.mean(np.array(v), axis=0) for k, v in acc.items()}
            cells = " | ".join(f"{m[k][0]:5.2f} / {m[k][1]:.3f}" + (" " * 6 if k == "keep" else "") for k in ("keep", "raw", "lanczos", "bicubic"))
            print(f"| x{factor}     | {dname:10} | {cells} | {m['keep'][0] - m['lanczos'][0]:+18.2f} |")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", default="ncnn,holds,colour,psnr", help="comma list of ncnn, holds, colour, psnr")
    ap.add_argument("--stills", type=int, default=6, help="how many stills (spread over the folder) for ncnn/colour (0: all)")
    ap.add_argument("--crop", default="96x72", help="WxH crop for the ncnn and colour parts")
    ap.add_argument("--hr-crop", default="256x192", help="WxH of the native crops for PSNR/SSIM")
    ap.add_argument("--frames", type=int, default=36, help="frames per clip for the hold part")
    ap.add_argument("--clip-width", type=int, default=160, help="width of the centre crop (or downscale) of the clips for the hold part")
    ap.add_argument("--clip-downscale", action="store_true", help="downscale the clips instead of cropping them (averages the noise away)")
    ap.add_argument("--backend", default="torch")
    add_run_options(ap, threads=2)
    args = ap.parse_args()
    try:
        data = prepare_run("eval_upscale", "pillow", data=args.data, torch_threads=args.threads)
    except (ImportError, FileNotFoundError) as exc:  # names the missing part or folder and the fix
        print(exc, file=sys.stderr)
        return 2
    parts = {p.strip() for p in args.part.split(",")}
    unknown = parts - {"ncnn", "holds", "colour", "psnr"}
    if unknown:
        print(f"eval_upscale: unknown part(s) {sorted(unknown)}; choose from ncnn, holds, colour, psnr", file=sys.stderr)
        return 2
    stills = spread_stills(data, args.stills)
    crop, hr_crop = parse_size(args.crop, option="--crop"), parse_size(args.hr_crop, option="--hr-crop")
    t0 = time.perf_counter()
    if "ncnn" in parts:
        eval_ncnn(data, stills, args.backend, crop)
    if "holds" in parts:
        eval_holds(data, args.frames, args.clip_width, args.backend, crop=not args.clip_downscale)
    if "colour" in parts:
        eval_colour(stills, crop, args.backend)
    if "psnr" in parts:
        eval_psnr(data, hr_crop, args.backend)
    print(f"\n(total {time.perf_counter() - t0:.0f} s, {args.threads} torch threads)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
