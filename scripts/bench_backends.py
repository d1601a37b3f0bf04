#!/usr/bin/env python3
"""Seconds per frame of each inference backend on this machine, plus parity with PyTorch.

    python scripts/bench_backends.py              # animevideov3 at 480x270, RIFE at 640x448
    python scripts/bench_backends.py --big        # also animevideov3 at 960x540
    python scripts/bench_backends.py --frames 5 --only upscale

Each backend builds its graph, runs one warm-up frame (model load, ONNX session,
OpenVINO compile), then times ``--frames`` distinct frames requested one at a time
(latency with all cores on one frame); the table shows the median. ``rel L2`` is the
relative L2 difference from the fp32 PyTorch output on the same real frame. The ncnn
row runs the same model's ncnn files with the ``ncnn`` Python package (not a
VapourSynth path; the reference for "how fast can this CPU go").

Frames: a real 1080p anime still downscaled to the test size (upscaler) and a real
ATD-12K pair cropped to 640x448 (RIFE), from ../shared/data.
"""
from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ainimotion_vs.backends import InferenceStats, OrtBackend, OvBackend, TorchBackend, infer  # noqa: E402
from ainimotion_vs.backends._frames import clip_to_array, clips_from_array  # noqa: E402


def _data_dir() -> Path:
    env = os.environ.get("AINIMOTION_SHARED_DATA")
    for cand in ([Path(env)] if env else []) + [REPO.parent / "shared" / "data", REPO.parent.parent / "shared" / "data"]:
        if (cand / "SOURCES.md").is_file():
            return cand
    sys.exit("bench_backends: real footage folder ../shared/data not found (set AINIMOTION_SHARED_DATA)")


def _image(path: Path, size: tuple[int, int] | None = None, box: tuple[int, int, int, int] | None = None) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as im:
        im = im.convert("RGB")
        if box is not None:
            im = im.crop((box[0], box[1], box[0] + box[2], box[1] + box[3]))
        if size is not None and im.size != size:
            im = im.resize(size, Image.Resampling.BICUBIC)
        return np.ascontiguousarray(np.asarray(im, dtype=np.float32).transpose(2, 0, 1) / 255.0)


def _time_node(node, frames: int) -> tuple[float, np.ndarray]:
    node.get_frame(0)  # warm-up: load, compile, first-run allocations
    times = []
    for n in range(1, frames + 1):
        t0 = time.perf_counter()
        node.get_frame(n)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), clip_to_array(node, 1)


def _ncnn_time(spec_name: str, x: np.ndarray, frames: int, threads: int, fp16: bool) -> tuple[float, np.ndarray]:
    import ncnn

    from ainimotion_vs.models.ncnn import read_param
    from ainimotion_vs.weights import installed_files

    found = installed_files(spec_name)
    param = bin_ = None
    if found is not None:
        files = found[1]
        param = next((p for n, p in files.items() if n.endswith(".param")), None)
        bin_ = next((p for n, p in files.items() if n.endswith(".bin")), None)
    if param is None or bin_ is None:
        raise FileNotFoundError(f"no ncnn files installed for {spec_name}")
    net = ncnn.Net()
    net.opt.use_vulkan_compute = False
    net.opt.num_threads = threads
    for opt in ("use_fp16_packed", "use_fp16_storage", "use_fp16_arithmetic", "use_bf16_storage"):
        setattr(net.opt, opt, fp16)
    net.load_param(str(param))
    net.load_model(str(bin_))
    layers = read_param(param)
    in_name, out_name = layers[0].tops[0], layers[-1].tops[0]

    def run() -> np.ndarray:
        ex = net.create_extractor()
        ex.input(in_name, ncnn.Mat(np.ascontiguousarray(x)))
        ret, out = ex.extract(out_name)
        if ret != 0:
            raise RuntimeError(f"ncnn extract failed ({ret})")
        return np.array(out, dtype=np.float32, copy=True)

    run()
    times = []
    for _ in range(frames):
        t0 = time.perf_counter()
        y = run()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), np.clip(y, 0, 1)


def _rel_l2(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--big", action="store_true", help="also animevideov3 at 960x540")
    ap.add_argument("--frames", type=int, default=3, help="timed frames per backend (after one warm-up)")
    ap.add_argument("--only", choices=("upscale", "rife"), help="run one model only")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="torch / ncnn threads")
    ap.add_argument("--no-ncnn", action="store_true", help="skip the ncnn reference row")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)

    import torch
    import vapoursynth as vs

    torch.set_num_threads(args.threads)
    data = _data_dir()
    print(
        f"# {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; torch {torch.__version__} "
        f"({args.threads} threads); VapourSynth threads {vs.core.num_threads}; {args.frames} timed frames, median"
    )
    rows: list[tuple[str, str, str, float, str]] = []

    backends = [
        ("torch channels_last", TorchBackend(channels_last=True)),
        ("torch contiguous", TorchBackend(channels_last=False)),
        ("ort", OrtBackend()),
        ("ort fp16", OrtBackend(fp16=True)),
        ("ov f32", OvBackend()),
        ("ov bf16", OvBackend(bf16=True)),
    ]

    if args.only in (None, "upscale"):
        sizes = [(480, 270)] + ([(960, 540)] if args.big else [])
        for w, h in sizes:
            x = _image(data / "stills" / "anime4k_1080p_0.png", size=(w, h))
            src = clips_from_array(x, length=args.frames + 1)
            ref = None
            for label, backend in backends:
                stats = InferenceStats()
                spf, y = _time_node(infer(src, "realesr-animevideov3", backend=backend, stats=stats), args.frames)
                ref = y if ref is None else ref
                rows.append(("realesr-animevideov3", f"{w}x{h}", label, spf, f"{_rel_l2(y, ref):.1e}"))
                print(f"  {rows[-1]}", file=sys.stderr)
            if not args.no_ncnn:
                for fp16 in (False, True):
                    try:
                        spf, y = _ncnn_time("realesr-animevideov3", x, args.frames, args.threads, fp16)
                    except (ImportError, FileNotFoundError) as exc:
                        print(f"  ncnn skipped: {exc}", file=sys.stderr)
                        break
                    label = "ncnn (python) " + ("fp16" if fp16 else "fp32")
                    rows.append(("realesr-animevideov3", f"{w}x{h}", label, spf, f"{_rel_l2(y, ref):.1e}"))
                    print(f"  {rows[-1]}", file=sys.stderr)

    if args.only in (None, "rife"):
        pair = data / "pairs"
        a = _image(pair / "eisai_colab_atd12k_Japan_v2_2_013471_s3_frame1.png", box=(160, 46, 640, 448))
        b = _image(pair / "eisai_colab_atd12k_Japan_v2_2_013471_s3_frame3.png", box=(160, 46, 640, 448))
        x = np.concatenate([a, b, np.full((1, 448, 640), 0.5, np.float32)])
        src = clips_from_array(x, length=args.frames + 1)
        ref = None
        for label, backend in backends:
            spf, y = _time_node(infer(src, "rife-4.25", backend=backend), args.frames)
            ref = y if ref is None else ref
            rows.append(("rife-4.25", "640x448", label, spf, f"{_rel_l2(y, ref):.1e}"))
            print(f"  {rows[-1]}", file=sys.stderr)

    print()
    print(f"| {'model':<22} | {'size':<8} | {'backend':<20} | {'s/frame':>8} | {'rel L2 vs torch':>15} |")
    print(f"|{'-' * 24}|{'-' * 10}|{'-' * 22}|{'-' * 10}|{'-' * 17}|")
    for model, size, label, spf, err in rows:
        print(f"| {model:<22} | {size:<8} | {label:<20} | {spf:>8.3f} | {err:>15} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
