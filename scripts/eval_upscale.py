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

Sizes are small (crops, downscaled clips) to keep the run to a few minutes on 2 CPU cores.
PSNR and SSIM are ainimotion_vs.evaluation's, on outputs rounded to 8-bit levels. Needs pillow
from the 'eval' extra (pip install 'ainimotion_vs[eval]').

Usage: python scripts/eval_upscale.py [--part ncnn,holds,colour,psnr] [--stills 6] [--frames 36]
       [--clip-width 160] [--backend torch] [--threads 2]
"""
from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ainimotion_vs.evaluation import load_label_dir, luma, psnr, require_eval, require_shared_data, ssim  # noqa: E402
from ainimotion_vs.evaluation.frames import clip_to_array, clips_from_array, read_rgb  # noqa: E402

MODELS = ("realesr-animevideov3", "realesrgan-x4plus-anime")
HOLD_CLIPS = ("konobi07_shot_24fps", "anohana_shot_24fps", "onepiece_demo")


def _centre(a: np.ndarray, w: int, h: int) -> np.ndarray:
    y0, x0 = max(0, (a.shape[0] - h) // 2), max(0, (a.shape[1] - w) // 2)
    return np.ascontiguousarray(a[y0 : y0 + h, x0 : x0 + w])


def _rgbs_clip(img8: np.ndarray):
    return clips_from_array(img8.transpose(2, 0, 1).astype(np.float32) / 255.0)[0]


def _rgb_array(clip, n: int = 0) -> np.ndarray:
    """Frame ``n`` as (H, W, 3) float in [0, 255] (RGBS clips as they are; others via RGBS)."""
    import vapoursynth as vs

    if clip.format.id != vs.RGBS:
        clip = clip.resize.Point(format=vs.RGBS)
    return clip_to_array(clip, n).transpose(1, 2, 0).astype(np.float64) * 255.0


def _to8(x: np.ndarray) -> np.ndarray:
    """Float [0, 255] output rounded to the 8-bit levels a player would show."""
    return np.clip(np.round(x), 0, 255)


# ---------------------------------------------------------------- 1. ncnn
def eval_ncnn(data: Path, stills: list[Path], backend: str, crop: tuple[int, int]) -> None:
    from ainimotion_vs import upscale
    from ainimotion_vs.models.ncnn import run_ncnn
    from ainimotion_vs.models.spec import get_spec
    from ainimotion_vs.weights import ensure_weights, installed_files

    cw, ch = crop
    print(f"\n## Fidelity to the ncnn runtime: upscale(tile=None, backend={backend!r}) vs ncnn fp32, "
          f"{cw}x{ch} centre crops of {len(stills)} stills (8-bit levels)\n")
    print("| model                    | mean abs | max abs | PSNR vs ncnn (dB) | s/crop ours | s/crop ncnn |")
    print("|--------------------------|----------|---------|-------------------|-------------|-------------|")
    for name in MODELS:
        ensure_weights(name)
        found = installed_files(name)
        if found is None or found[0] != "ncnn":
            print(f"| {name:24} | (ncnn files not the installed set: skipped) | | | | |")
            continue
        files = {wf.format: found[1][wf.name] for wf in get_spec(name).files_of("ncnn")}
        means, maxes, psnrs, t_ours, t_ncnn = [], [], [], 0.0, 0.0
        for p in stills:
            img = _centre(read_rgb(p), cw, ch)
            t0 = time.perf_counter()
            ours = _rgb_array(upscale(_rgbs_clip(img), model=name, tile=None, backend=backend, reuse=False))
            t1 = time.perf_counter()
            ref = np.clip(run_ncnn(files["ncnn-param"], files["ncnn-bin"], img.astype(np.float32) / 255.0, threads=2), 0, 1) * 255.0
            t2 = time.perf_counter()
            t_ours, t_ncnn = t_ours + t1 - t0, t_ncnn + t2 - t1
            d = np.abs(ours - ref)
            means.append(d.mean())
            maxes.append(d.max())
            psnrs.append(psnr(_to8(ours), np.round(ref), data_range=255))
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
        row = []
        for reuse in (True, False):
            stats = InferenceStats()
            out = upscale(small, backend=backend, reuse=reuse, stats=stats)
            ys = []
            for n in range(out.num_frames):  # in order, as vspipe renders
                with out.get_frame(n) as f:
                    ys.append(np.asarray(f[0], dtype=np.float64).copy())
            diffs = [np.abs(ys[n + 1] - ys[n]).mean() for n in holds]
            row.append((float(np.mean(diffs)), sum(d == 0 for d in diffs), stats.calls))
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
            img = _centre(read_rgb(p), cw, ch).astype(np.float64)
            clip = _rgbs_clip(img.astype(np.uint8))
            out = upscale(clip, backend=backend, keep_colors=keep, tile=None)
            back = _rgb_array(out.resize.Bilinear(clip.width, clip.height))
            d = (back - img).mean(axis=(0, 1))
            dl = luma(back) - luma(img)
            bh, bw = dl.shape[0] // 8 * 8, dl.shape[1] // 8 * 8
            blocks = dl[:bh, :bw].reshape(bh // 8, 8, bw // 8, 8).mean(axis=(1, 3))
            shifts.append(np.append(d, [dl.mean(), np.abs(blocks).mean()]))
            full = luma(_rgb_array(out))
            blur = luma(_rgb_array(out.resize.Bilinear(clip.width, clip.height).resize.Bicubic(out.width, out.height)))
            hf.append(np.mean((full - blur) ** 2))
        shifts = np.array(shifts)
        results[label] = np.array(hf)
        ratio = float(np.mean(results[label] / results["off"]))
        m = shifts.mean(axis=0)
        print(f"| {label:25} | {m[0]:+6.2f} | {m[1]:+6.2f} | {m[2]:+6.2f} | {m[3]:+6.2f} | {np.abs(shifts[:, :4]).max():9.2f} | {m[4]:9.2f} | {ratio:7.3f} |")


# ---------------------------------------------------------------- 4. PSNR / SSIM
def _jpeg(img: np.ndarray, quality: int) -> np.ndarray:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="JPEG", quality=quality)
    buf.seek(0)
    with Image.open(buf) as im:
        return np.asarray(im.convert("RGB"))


def _h264(img: np.ndarray, crf: int) -> np.ndarray:
    import av

    from ainimotion_vs.ffmpeg import find_ffmpeg

    h, w = img.shape[:2]
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "f.mkv"
        cmd = [str(find_ffmpeg().path), "-nostdin", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}",
               "-i", "-", "-c:v", "libx264", "-crf", str(crf), "-pix_fmt", "yuv420p", str(out)]
        subprocess.run(cmd, input=img.tobytes(), check=True)
        with av.open(str(out)) as c:
            return next(c.decode(video=0)).to_ndarray(format="rgb24")


def eval_psnr(data: Path, hr_crop: tuple[int, int], backend: str) -> None:
    from PIL import Image

    from ainimotion_vs import upscale

    native = sorted((data / "stills").glob("anime4k_*.png"))
    hw, hh = hr_crop
    degradations = {"clean": lambda a: a, "jpeg q50": lambda a: _jpeg(a, 50), "h264 crf30": lambda a: _h264(a, 30)}
    print(f"\n## PSNR (dB, RGB) / SSIM (luma) vs the original on {hw}x{hh} centre crops of {len(native)} native 720p/1080p stills: "
          f"Lanczos downscale by the factor, optional compression, then back up ({backend})\n")
    print("| factor | input      | animev3 keep_colors | animev3 raw   | lanczos       | bicubic       | model-lanczos (dB) |")
    print("|--------|------------|---------------------|---------------|---------------|---------------|--------------------|")
    for factor in (2, 4):
        for dname, degrade in degradations.items():
            acc: dict[str, list[tuple[float, float]]] = {k: [] for k in ("keep", "raw", "lanczos", "bicubic")}
            for p in native:
                hr = _centre(read_rgb(p), hw, hh)
                lr = np.asarray(Image.fromarray(hr).resize((hw // factor, hh // factor), Image.LANCZOS))
                lr = degrade(lr)
                clip = _rgbs_clip(lr)
                ref = hr.astype(np.float64)
                outs = {
                    "keep": _rgb_array(upscale(clip, width=hw, height=hh, backend=backend, keep_colors=True, tile=None)),
                    "raw": _rgb_array(upscale(clip, width=hw, height=hh, backend=backend, keep_colors=False, tile=None)),
                    "lanczos": _rgb_array(clip.resize.Lanczos(hw, hh, filter_param_a=3)),
                    "bicubic": _rgb_array(clip.resize.Bicubic(hw, hh)),
                }
                for k, v in outs.items():
                    acc[k].append((psnr(_to8(v), ref, data_range=255), ssim(_to8(v), ref, data_range=255)))
            m = {k: np.mean(np.array(v), axis=0) for k, v in acc.items()}
            cells = " | ".join(f"{m[k][0]:5.2f} / {m[k][1]:.3f}" + (" " * 6 if k == "keep" else "") for k in ("keep", "raw", "lanczos", "bicubic"))
            print(f"| x{factor}     | {dname:10} | {cells} | {m['keep'][0] - m['lanczos'][0]:+18.2f} |")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", default="ncnn,holds,colour,psnr", help="comma list of ncnn, holds, colour, psnr")
    ap.add_argument("--data", type=Path, default=None, help="the shared footage folder (default ../shared/data)")
    ap.add_argument("--stills", type=int, default=6, help="how many stills (spread over the folder) for ncnn/colour")
    ap.add_argument("--crop", default="96x72", help="WxH crop for the ncnn and colour parts")
    ap.add_argument("--hr-crop", default="256x192", help="WxH of the native crops for PSNR/SSIM")
    ap.add_argument("--frames", type=int, default=36, help="frames per clip for the hold part")
    ap.add_argument("--clip-width", type=int, default=160, help="width of the centre crop (or downscale) of the clips for the hold part")
    ap.add_argument("--clip-downscale", action="store_true", help="downscale the clips instead of cropping them (averages the noise away)")
    ap.add_argument("--backend", default="torch")
    ap.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    args = ap.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    try:
        require_eval("pillow", who="eval_upscale")
    except ImportError as exc:  # MissingPluginError: names the part and the extra
        print(exc, file=sys.stderr)
        return 2
    try:
        data = require_shared_data(args.data)
    except FileNotFoundError as exc:
        print(f"eval_upscale: {exc}", file=sys.stderr)
        return 2
    parts = {p.strip() for p in args.part.split(",")}
    unknown = parts - {"ncnn", "holds", "colour", "psnr"}
    if unknown:
        print(f"eval_upscale: unknown part(s) {sorted(unknown)}; choose from ncnn, holds, colour, psnr", file=sys.stderr)
        return 2
    all_stills = sorted((data / "stills").glob("*.*"))
    step = max(1, len(all_stills) // max(1, args.stills))
    stills = all_stills[::step][: args.stills]
    crop = tuple(int(v) for v in args.crop.lower().split("x"))
    hr_crop = tuple(int(v) for v in args.hr_crop.lower().split("x"))
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
