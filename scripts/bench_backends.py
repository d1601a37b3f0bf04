#!/usr/bin/env python3
"""Seconds per frame of each inference backend on this machine, plus parity with PyTorch.

    python scripts/bench_backends.py              # animevideov3 at 480x270, RIFE at 640x448
    python scripts/bench_backends.py --big        # also animevideov3 at 960x540
    python scripts/bench_backends.py --frames 5 --only upscale

Each backend builds its graph and runs one warm-up frame (model load, ONNX session,
OpenVINO compile); then ``--frames`` rounds request one new frame from every backend in
turn (latency with all cores on one frame; round-robin so that load from other
processes hits all backends alike); the table shows the median. ``rel L2`` is the
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

from ainimotion_vs.backends import OrtBackend, OvBackend, TorchBackend, infer  # noqa: E402
from ainimotion_vs.evaluation import require_shared_data  # noqa: E402
from ainimotion_vs.evaluation.frames import clip_to_array, clips_from_array  # noqa: E402


def _data_dir() -> Path:
    try:
        return require_shared_data()
    except FileNotFoundError as exc:
        sys.exit(f"bench_backends: {exc}")


def _image(path: Path, size: tuple[int, int] | None = None, box: tuple[int, int, int, int] | None = None) -> np.ndarray:
    """An image file as (3, H, W) float32 in [0, 1]: cropped to ``box`` (left, top, w, h)
    and/or resized (antialiased bicubic) to ``size`` (w, h)."""
    import av
    import torch

    with av.open(str(path)) as c:
        rgb = next(c.decode(video=0)).to_ndarray(format="rgb24")
    if box is not None:
        rgb = rgb[box[1] : box[1] + box[3], box[0] : box[0] + box[2]]
    x = torch.from_numpy(np.ascontiguousarray(rgb.transpose(2, 0, 1))).float()[None] / 255.0
    if size is not None and (x.shape[3], x.shape[2]) != size:
        x = torch.nn.functional.interpolate(x, size=(size[1], size[0]), mode="bicubic", antialias=True).clamp(0, 1)
    return np.ascontiguousarray(x[0].numpy())


class _NodeRunner:
    """Times one VapourSynth node: frame ``i`` of a clip of distinct frame numbers."""

    def __init__(self, node) -> None:
        self.node = node
        node.get_frame(0)  # warm-up: load, compile, first-run allocations
        self.times: list[float] = []

    def step(self, n: int) -> None:
        t0 = time.perf_counter()
        self.node.get_frame(n)
        self.times.append(time.perf_counter() - t0)

    def output(self) -> np.ndarray:
        return clip_to_array(self.node, 1)


class _NcnnRunner:
    """The model's ncnn files through the ncnn Python package (net loaded once)."""

    def __init__(self, spec_name: str, x: np.ndarray, threads: int, fp16: bool) -> None:
        import ncnn

        from ainimotion_vs.models.ncnn import read_param
        from ainimotion_vs.weights import installed_files

        found = installed_files(spec_name)
        files = found[1] if found is not None else {}
        param = next((p for n, p in files.items() if n.endswith(".param")), None)
        bin_ = next((p for n, p in files.items() if n.endswith(".bin")), None)
        if param is None or bin_ is None:
            raise FileNotFoundError(f"no ncnn files installed for {spec_name}")
        self.ncnn, self.x = ncnn, np.ascontiguousarray(x)
        self.net = ncnn.Net()
        self.net.opt.use_vulkan_compute = False
        self.net.opt.num_threads = threads
        for opt in ("use_fp16_packed", "use_fp16_storage", "use_fp16_arithmetic", "use_bf16_storage"):
            setattr(self.net.opt, opt, fp16)
        self.net.load_param(str(param))
        self.net.load_model(str(bin_))
        layers = read_param(param)
        self.names = (layers[0].tops[0], layers[-1].tops[0])
        self.times: list[float] = []
        self.last = self._run()

    def _run(self) -> np.ndarray:
        ex = self.net.create_extractor()
        ex.input(self.names[0], self.ncnn.Mat(self.x))
        ret, out = ex.extract(self.names[1])
        if ret != 0:
            raise RuntimeError(f"ncnn extract failed ({ret})")
        return np.array(out, dtype=np.float32, copy=True)

    def step(self, n: int) -> None:
        t0 = time.perf_counter()
        self.last = self._run()
        self.times.append(time.perf_counter() - t0)

    def output(self) -> np.ndarray:
        return np.clip(self.last, 0, 1)


def _bench(runners: dict[str, object], frames: int) -> dict[str, float]:
    """Round-robin over the runners (one frame each per round), so that load from other
    processes hits every backend alike; returns the median seconds per frame."""
    for n in range(1, frames + 1):
        for r in runners.values():
            r.step(n)  # type: ignore[attr-defined]
    return {k: statistics.median(r.times) for k, r in runners.items()}  # type: ignore[attr-defined]


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

    def run_model(model: str, size: str, x: np.ndarray, ncnn_ok: bool) -> None:
        src = clips_from_array(x, length=args.frames + 1)
        runners: dict[str, object] = {}
        for label, backend in backends:
            runners[label] = _NodeRunner(infer(src, model, backend=backend))
        if ncnn_ok and not args.no_ncnn:
            for fp16 in (False, True):
                try:
                    runners["ncnn (python) " + ("fp16" if fp16 else "fp32")] = _NcnnRunner(model, x, args.threads, fp16)
                except (ImportError, FileNotFoundError) as exc:
                    print(f"  ncnn skipped: {exc}", file=sys.stderr)
                    break
        spf = _bench(runners, args.frames)
        ref = runners[backends[0][0]].output()  # type: ignore[attr-defined]
        for label, r in runners.items():
            rows.append((model, size, label, spf[label], f"{_rel_l2(r.output(), ref):.1e}"))  # type: ignore[attr-defined]
            print(f"  {rows[-1]}", file=sys.stderr)

    if args.only in (None, "upscale"):
        for w, h in [(480, 270)] + ([(960, 540)] if args.big else []):
            x = _image(data / "stills" / "anime4k_1080p_0.png", size=(w, h))
            run_model("realesr-animevideov3", f"{w}x{h}", x, True)

    if args.only in (None, "rife"):
        pair = data / "pairs"
        a = _image(pair / "eisai_colab_atd12k_Japan_v2_2_013471_s3_frame1.png", box=(160, 46, 640, 448))
        b = _image(pair / "eisai_colab_atd12k_Japan_v2_2_013471_s3_frame3.png", box=(160, 46, 640, 448))
        run_model("rife-4.25", "640x448", np.concatenate([a, b, np.full((1, 448, 640), 0.5, np.float32)]), False)

    print()
    print(f"| {'model':<22} | {'size':<8} | {'backend':<20} | {'s/frame':>8} | {'rel L2 vs torch':>15} |")
    print(f"|{'-' * 24}|{'-' * 10}|{'-' * 22}|{'-' * 10}|{'-' * 17}|")
    for model, size, label, spf, err in rows:
        print(f"| {model:<22} | {size:<8} | {label:<20} | {spf:>8.3f} | {err:>15} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
