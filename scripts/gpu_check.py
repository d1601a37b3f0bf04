#!/usr/bin/env python3
"""The GPU check, run by scripts/gpu_check.sh on a lent GPU machine (no internet, no ffmpeg,
no VapourSynth until the carried wheels are installed).

Steps, each reported in the table even when it fails (the script carries on and exits 1 at
the end if any check failed):

1. environment: torch/CUDA, VapourSynth, TensorRT (Python module, ``trtexec``, vs-mlrt's
   ``core.trt``), onnxruntime providers;
2. parity: both models (rife-4.25, realesr-animevideov3) through :func:`ainimotion_vs.backends.infer`
   on real frames at small sizes, CUDA fp32 and fp16 against the CPU fp32 reference;
3. model-only throughput at full size (upscaler on 1920x1080 input, RIFE at 2560x1440), through
   ``infer`` and as bare PyTorch on GPU tensors (the framework overhead is the difference);
4. the chain, 1080p24 -> 1440p48 (``enhance(preset="anime-clean")``) on the carried 10 s real
   clip, end to end with a fast CPU encoder (PyAV's libx264; the H100 has no NVENC), the time
   in the encoder measured separately; then the naive chain (no gating) on a few seconds for
   the ratio. A time budget (``--budget``) stops long steps and says so.

``--cpu-dry-run`` runs the same steps on the CPU at tiny sizes (fp16 skipped), to test the
script where there is no GPU. Writes ``gpu_check.json`` and ``gpu_check.md`` to ``--out``.
"""
from __future__ import annotations

import argparse
import functools
import json
import logging
import lzma
import os
import shutil
import sys
import time
import traceback
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ainimotion_vs.evaluation import psnr  # noqa: E402
from ainimotion_vs.evaluation.measure import machine_info, peak_rss_mib, reset_peak_rss  # noqa: E402

log = logging.getLogger("ainimotion_vs.gpu_check")

MODELS = ("rife-4.25", "realesr-animevideov3")
FP32_MEAN_TOL = 2e-3
"""CUDA fp32 vs CPU fp32, mean absolute difference in [0, 1] units (cuDNN may use TF32)."""
FP16_MEAN_TOL = 4e-3
"""CUDA fp16 vs CPU fp32: about one 8-bit code value on average."""
MIN_PSNR = 40.0
"""...and at least this PSNR (dB) against the CPU result."""
RESERVE_S = 60.0
"""Seconds of the budget the full chain leaves for the short ours/naive comparison."""


class Report:
    """Collects rows; each check is PASS, FAIL, SKIP or INFO."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.data: dict[str, Any] = {}
        self.failed = False

    def add(self, section: str, item: str, status: str, detail: str) -> None:
        self.rows.append({"section": section, "item": item, "status": status, "detail": detail})
        self.failed |= status == "FAIL"
        print(f"[{status:4}] {section}: {item}: {detail}", flush=True)

    def markdown(self) -> str:
        head = "| section | item | status | detail |\n|---|---|---|---|\n"
        return head + "\n".join(f"| {r['section']} | {r['item']} | {r['status']} | {r['detail']} |" for r in self.rows)


# ---------------------------------------------------------------- setup


def install_weights(src: Path) -> None:
    """Copy the carried weights (``src/<model>/<file>``, ``.xz`` ones decompressed) into
    ``$AINIMOTION_HOME/weights``, where the package looks for them."""
    from ainimotion_vs.cache import cache_dir

    dest_root = cache_dir("weights")
    for model_dir in sorted(p for p in src.iterdir() if p.is_dir()):
        dest = dest_root / model_dir.name
        dest.mkdir(parents=True, exist_ok=True)
        for f in model_dir.iterdir():
            if f.suffix == ".xz":
                target = dest / f.stem
                if not target.exists():
                    with lzma.open(f) as fin, open(target, "wb") as fout:
                        shutil.copyfileobj(fin, fout, 1 << 20)
            elif not (dest / f.name).exists():
                shutil.copy2(f, dest / f.name)


def environment(rep: Report, dry: bool) -> None:
    import importlib.util

    import torch

    info = machine_info()
    rep.data["machine"] = info
    rep.add("env", "python / torch", "INFO", f"{info['python']} / {torch.__version__}, CUDA build {torch.version.cuda}")
    if torch.cuda.is_available():
        p = torch.cuda.get_device_properties(0)
        rep.add("env", "GPU", "INFO", f"{p.name}, {p.total_memory / 2**30:.0f} GiB, {p.multi_processor_count} SMs")
    else:
        rep.add("env", "GPU", "INFO" if dry else "FAIL", "torch sees no CUDA device" + (" (CPU dry run)" if dry else ""))
    import vapoursynth as vs

    plugins = sorted(p.namespace for p in vs.core.plugins())
    rep.add("env", "VapourSynth", "INFO", f"R{vs.core.core_version.release_major}, {vs.core.num_threads} threads, plugins: {', '.join(plugins)}")
    trt_py = importlib.util.find_spec("tensorrt") is not None
    trtexec = shutil.which("trtexec")
    core_trt = hasattr(vs.core, "trt")
    status = "INFO" if (trt_py or trtexec or core_trt) else "SKIP"
    rep.add("env", "TensorRT", status,
            f"python module: {'yes' if trt_py else 'no'}, trtexec: {trtexec or 'no'}, vs-mlrt core.trt: {'yes' if core_trt else 'no'}"
            + ("" if status == "INFO" else " -> the trt backend cannot be checked here (vapoursynth-mlrt-trt is too big to carry)"))
    if trt_py:
        import tensorrt

        rep.add("env", "TensorRT version", "INFO", tensorrt.__version__)
    if importlib.util.find_spec("onnxruntime") is not None:
        import onnxruntime

        rep.add("env", "onnxruntime (python)", "INFO", f"{onnxruntime.__version__}, providers {onnxruntime.get_available_providers()}")
    rep.add("env", "vs-mlrt ort/ov plugins", "INFO",
            f"core.ort: {'yes' if hasattr(vs.core, 'ort') else 'no'}, core.ov: {'yes' if hasattr(vs.core, 'ov') else 'no'}"
            " (not carried: our ort/ov backends are CPU-tested in CI)")


def load_clip(path: Path, seconds: float, size: tuple[int, int] | None):
    """Decode the first ``seconds`` of ``path`` with PyAV into memory and serve it as a
    VapourSynth YUV420P8 clip (BT.709, limited range); ``size`` resizes it (dry run)."""
    import av
    import vapoursynth as vs

    with av.open(str(path)) as c:
        st = c.streams.video[0]
        rate = Fraction(st.average_rate.numerator, st.average_rate.denominator)
        want = int(seconds * rate)
        planes: list[list[np.ndarray]] = []
        for fr in c.decode(st):
            fr = fr.reformat(format="yuv420p") if fr.format.name != "yuv420p" else fr
            yuv = fr.to_ndarray()  # (H * 3/2, W): the Y rows, then U and V packed two rows per line
            h, w = fr.height, fr.width
            u = yuv[h : h + h // 4].reshape(h // 2, w // 2)
            v = yuv[h + h // 4 :].reshape(h // 2, w // 2)
            planes.append([yuv[:h].copy(), u.copy(), v.copy()])
            if len(planes) >= want:
                break
    h, w = planes[0][0].shape
    blank = vs.core.std.BlankClip(width=w, height=h, format=vs.YUV420P8, length=len(planes), fpsnum=rate.numerator, fpsden=rate.denominator)

    def _fill(n: int, f: vs.VideoFrame) -> vs.VideoFrame:
        out = f.copy()
        for p in range(3):
            np.asarray(out[p])[...] = planes[n][p]
        return out

    clip = vs.core.std.ModifyFrame(blank, blank, _fill)
    clip = clip.std.SetFrameProps(_Matrix=1, _Primaries=1, _Transfer=1, _ColorRange=1, _ChromaLocation=0, _FieldBased=0)
    if size is not None:
        clip = clip.resize.Spline36(*size)
    return clip, rate


# ---------------------------------------------------------------- checks


def _backends(dry: bool):
    from ainimotion_vs.backends import TorchBackend

    if dry:
        return {"fp32": TorchBackend(device="cpu"), "fp16": None}
    return {"fp32": TorchBackend(device="cuda", fp16=False), "fp16": TorchBackend(device="cuda", fp16=True)}


def parity(rep: Report, clip, dry: bool) -> None:
    import vapoursynth as vs

    from ainimotion_vs.backends import TorchBackend, infer
    from ainimotion_vs.evaluation.frames import clip_to_array, rgbs_clip

    small = {"rife-4.25": (448, 256), "realesr-animevideov3": (256, 144)}
    rgb = rgbs_clip(clip)
    n = min(clip.num_frames - 1, 40)
    for model in MODELS:
        w, h = small[model]
        a = rgb.resize.Bicubic(w, h)
        if model == "rife-4.25":
            planes = [a[n - 1 : n], a[n : n + 1], vs.core.std.BlankClip(a[:1], format=vs.GRAYS, color=0.5)]
        else:
            planes = [a[n : n + 1]]
        ref = clip_to_array(infer(planes, model, backend=TorchBackend(device="cpu")), 0)
        for label, be in _backends(dry).items():
            if be is None:
                rep.add("parity", f"{model} {label}", "SKIP", "fp16 needs CUDA (CPU dry run)")
                continue
            try:
                out = clip_to_array(infer(planes, model, backend=be), 0)
            except Exception as exc:  # any runtime failure is a failed check, reported with its message
                rep.add("parity", f"{model} {label}", "FAIL", f"{type(exc).__name__}: {str(exc).strip()[:200]}")
                continue
            diff = np.abs(out - ref)
            p = psnr(out, ref, data_range=1.0)
            tol = FP32_MEAN_TOL if label == "fp32" else FP16_MEAN_TOL
            ok = diff.mean() <= tol and p >= MIN_PSNR
            rep.add("parity", f"{model} {label}", "PASS" if ok else "FAIL",
                    f"{w}x{h}: mean abs {diff.mean():.2e} (tol {tol:.0e}), max abs {diff.max():.2e}, PSNR {p:.1f} dB vs CPU fp32")
            rep.data.setdefault("parity", {})[f"{model} {label}"] = {"mean_abs": float(diff.mean()), "max_abs": float(diff.max()), "psnr": p}


def _timed_frames(node, frames: int, deadline: float) -> tuple[float, int]:
    node.get_frame(0)  # warm-up: network build, cuDNN autotune
    t0 = time.perf_counter()
    done = 0
    for n in range(1, frames + 1):
        node.get_frame(n)
        done += 1
        if time.monotonic() > deadline:
            break
    return (time.perf_counter() - t0) / max(done, 1), done


def model_throughput(rep: Report, dry: bool, frames: int, deadline: float) -> None:
    import torch

    from ainimotion_vs.backends import infer
    from ainimotion_vs.evaluation.frames import clips_from_array
    from ainimotion_vs.models import load_network

    sizes = {"realesr-animevideov3": (1920, 1080), "rife-4.25": (2560, 1440)} if not dry else {"realesr-animevideov3": (128, 72), "rife-4.25": (160, 96)}
    device = "cpu" if dry else "cuda"
    rng = np.random.default_rng(0)
    for model, (w, h) in sizes.items():
        for label, be in _backends(dry).items():
            if be is None:
                continue
            if time.monotonic() > deadline:
                rep.add("model", f"{model} {label}", "SKIP", "time budget spent")
                continue
            chans = 7 if model == "rife-4.25" else 3
            x = rng.random((chans, h, w), dtype=np.float32)
            if chans == 7:
                x[6] = 0.5
            reset_peak_rss()
            if not dry:
                torch.cuda.reset_peak_memory_stats()
            try:
                spf, done = _timed_frames(infer(clips_from_array(x, length=frames + 1), model, backend=be), frames, deadline)
            except Exception as exc:  # reported as a failed check with its message
                rep.add("model", f"{model} {label} via infer", "FAIL", f"{type(exc).__name__}: {str(exc).strip()[:200]}")
                continue
            gpu = "" if dry else f", peak GPU {torch.cuda.max_memory_allocated() / 2**20:.0f} MiB"
            rep.add("model", f"{model} {label} via infer", "INFO", f"{w}x{h} input: {1 / spf:.2f} frames/s ({done} frames){gpu}")
            rep.data.setdefault("model", {})[f"{model} {label} infer"] = {"size": f"{w}x{h}", "fps": 1 / spf, "frames": done}
            # bare network on device tensors: what the framework adds is the difference
            dtype = torch.float16 if getattr(be, "fp16", False) else torch.float32
            net = load_network(model, device=device, dtype=dtype).to(memory_format=torch.channels_last)
            pad_h, pad_w = ((-h) % 64, (-w) % 64) if chans == 7 else (0, 0)
            t = torch.from_numpy(x)[None].to(device=device, dtype=dtype)
            t = torch.nn.functional.pad(t, (0, pad_w, 0, pad_h), mode="replicate").contiguous(memory_format=torch.channels_last)
            with torch.inference_mode():
                run = functools.partial(net, t)  # bound now: net and t are deleted below
                run()
                if not dry:
                    torch.cuda.synchronize()
                t0 = time.perf_counter()
                reps = 0
                while reps < frames and time.monotonic() < deadline:
                    run()
                    reps += 1
                if not dry:
                    torch.cuda.synchronize()
            bare = (time.perf_counter() - t0) / max(reps, 1)
            rep.add("model", f"{model} {label} bare torch", "INFO", f"{w}x{h}: {1 / bare:.2f} frames/s ({reps} runs, no VapourSynth, no copies)")
            rep.data["model"][f"{model} {label} bare"] = {"size": f"{w}x{h}", "fps": 1 / bare, "frames": reps}
            del net, t
            if not dry:
                torch.cuda.empty_cache()


def _encoder(path: Path, clip, rate: Fraction, preset: str):
    import av

    c = av.open(str(path), "w")
    s = c.add_stream("libx264", rate=rate)
    s.width, s.height = clip.width, clip.height
    s.pix_fmt = "yuv420p10le" if clip.format.bits_per_sample > 8 else "yuv420p"
    s.options = {"preset": preset, "crf": "18"}
    return c, s


def _to_av(frame, fmt: str):
    import av

    out = av.VideoFrame(frame.width, frame.height, fmt)
    dtype = np.uint16 if fmt.endswith("10le") else np.uint8
    for p in range(3):
        src = np.asarray(frame[p])
        dst = np.frombuffer(out.planes[p], dtype=dtype).reshape(out.planes[p].height, -1)
        dst[:, : src.shape[1]] = src
    return out


def run_chain(rep: Report, name: str, clip, rate: Fraction, height: int, *, naive: bool, encode: bool, out_dir: Path,
              backend, preset: str, deadline: float) -> None:
    import torch

    from ainimotion_vs.backends import InferenceStats
    from ainimotion_vs.enhance import EnhanceStats, enhance
    from ainimotion_vs.evaluation.chains import naive_chain

    if naive:
        st_it, st_up = InferenceStats(), InferenceStats()
        out = naive_chain(clip, height=height, factor=2, backend=backend, keep_colors=True, bit_depth=10,
                          interp_stats=st_it, upscale_stats=st_up)
        calls = lambda: (st_up.calls, st_it.calls)  # noqa: E731
    else:
        stats = EnhanceStats()
        out = enhance(clip, preset="anime-clean", height=height, backend=backend, stats=stats)
        calls = lambda: (stats.upscale.calls, stats.interpolate.calls)  # noqa: E731
    reset_peak_rss()
    cuda = torch.cuda.is_available() and not isinstance(backend, str) and str(getattr(backend, "device", "")).startswith("cuda")
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    container = stream = None
    fmt = "yuv420p10le" if out.format.bits_per_sample > 8 else "yuv420p"
    if encode:
        container, stream = _encoder(out_dir / f"{name}.mkv", out, rate * 2, preset)
    t0 = time.perf_counter()
    t_enc = 0.0
    done = 0
    partial = False
    try:
        for f in out.frames(close=True):
            if encode:
                e0 = time.perf_counter()
                container.mux(stream.encode(_to_av(f, fmt)))
                t_enc += time.perf_counter() - e0
            done += 1
            if time.monotonic() > deadline:
                partial = True
                break
        if encode:
            e0 = time.perf_counter()
            container.mux(stream.encode())
            t_enc += time.perf_counter() - e0
    finally:
        if container is not None:
            container.close()
    total = time.perf_counter() - t0
    up, it = calls()
    gpu = f", peak GPU {torch.cuda.max_memory_allocated() / 2**20:.0f} MiB" if cuda else ""
    enc = f", of which x264 {preset} {t_enc:.1f} s ({done / t_enc:.1f} fps alone)" if encode and t_enc > 0 else ""
    status = "FAIL" if partial and not naive else "INFO"
    rep.add("chain", name, status,
            f"{clip.width}x{clip.height} -> {out.width}x{out.height}, {done}/{out.num_frames} frames{' (STOPPED: time budget)' if partial else ''} "
            f"in {total:.1f} s = {done / total:.2f} fps{enc}; model runs: upscaler {up}, RIFE {it}; peak RSS {peak_rss_mib():.0f} MiB{gpu}")
    rep.data.setdefault("chain", {})[name] = {
        "in": f"{clip.width}x{clip.height}", "out": f"{out.width}x{out.height}", "frames": done, "of": out.num_frames,
        "seconds": total, "fps": done / total, "encode_seconds": t_enc if encode else None, "upscale_calls": up,
        "interp_calls": it, "partial": partial,
    }


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=Path(os.environ.get("OUT", REPO / "out" / "gpu_check")))
    ap.add_argument("--weights", type=Path, default=REPO / ".gpu" / "weights", help="carried weights folder (<model>/<file>[.xz])")
    ap.add_argument("--clip", type=Path, default=REPO / ".gpu" / "clip_1080p24.mkv", help="the 10 s 1080p source")
    ap.add_argument("--seconds", type=float, default=10.0, help="seconds of the clip to run the chain on")
    ap.add_argument("--naive-seconds", type=float, default=2.0, help="seconds for the naive chain (0: skip)")
    ap.add_argument("--model-frames", type=int, default=20, help="timed frames per model-only measurement")
    ap.add_argument("--encoder-preset", default="veryfast", help="x264 preset of the end-to-end run")
    ap.add_argument("--budget", type=float, default=380.0, help="seconds the whole check may take; long steps stop when it is spent")
    ap.add_argument("--cpu-dry-run", action="store_true", help="same steps on the CPU at tiny sizes (no GPU needed)")
    a = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    start = time.monotonic()
    deadline = start + a.budget
    rep = Report()
    dry = a.cpu_dry_run
    a.out.mkdir(parents=True, exist_ok=True)
    rep.data["command"] = " ".join(sys.argv)
    steps = []
    try:
        if a.weights.is_dir():
            install_weights(a.weights)
        import torch

        if dry:
            torch.set_num_threads(os.cpu_count() or 1)
        environment(rep, dry)
        from ainimotion_vs.backends import TorchBackend

        backend = TorchBackend(device="cpu") if dry else TorchBackend(device="cuda", fp16=True)
        size = (128, 72) if dry else None
        seconds = min(a.seconds, 0.5) if dry else a.seconds
        clip, rate = load_clip(a.clip, seconds, size)
        height = clip.height * 4 // 3
        rep.add("source", a.clip.name, "INFO", f"{clip.width}x{clip.height} {float(rate):.3f} fps, {clip.num_frames} frames -> {height}p, 2x rate")
        steps = [
            ("parity", lambda: parity(rep, clip, dry)),
            ("model", lambda: model_throughput(rep, dry, 2 if dry else a.model_frames, deadline)),
            ("chain ours", lambda: run_chain(rep, "ours end to end + x264", clip, rate, height, naive=False, encode=True,
                                             out_dir=a.out, backend=backend, preset=a.encoder_preset,
                                             deadline=deadline - (RESERVE_S if a.naive_seconds > 0 else 0))),
        ]
        if a.naive_seconds > 0:
            n = max(2, int((min(a.naive_seconds, 0.25) if dry else a.naive_seconds) * rate))
            steps += [
                ("chain ours short", lambda: run_chain(rep, f"ours, first {n} frames, no encode", clip[:n], rate, height, naive=False,
                                                       encode=False, out_dir=a.out, backend=backend, preset=a.encoder_preset, deadline=deadline)),
                ("chain naive short", lambda: run_chain(rep, f"naive, first {n} frames, no encode", clip[:n], rate, height, naive=True,
                                                        encode=False, out_dir=a.out, backend=backend, preset=a.encoder_preset, deadline=deadline)),
            ]
    except Exception as exc:  # setup failed: say exactly where, then write what we have
        rep.add("setup", type(exc).__name__, "FAIL", str(exc).strip()[:300])
        traceback.print_exc()
    for name, fn in steps:
        if time.monotonic() > deadline:
            rep.add(name, "skipped", "FAIL", "time budget spent before this step")
            continue
        try:
            fn()
        except Exception as exc:  # one failed step must not hide the others: reported as FAIL with the trace
            rep.add(name, type(exc).__name__, "FAIL", str(exc).strip().splitlines()[-1][:300] if str(exc).strip() else "")
            traceback.print_exc()
    for f in a.out.glob("*.mkv"):
        f.unlink()  # encoded only to time the encoder; not worth bringing back
    chain = rep.data.get("chain", {})
    o, nv = next((v for k, v in chain.items() if k.startswith("ours, first")), None), next((v for k, v in chain.items() if k.startswith("naive")), None)
    if o and nv and not nv["partial"]:
        rep.add("chain", "naive / ours (same frames, no encode)", "INFO", f"naive takes {nv['seconds'] / o['seconds']:.2f}x as long "
                f"(upscaler runs {nv['upscale_calls']} vs {o['upscale_calls']}, RIFE runs {nv['interp_calls']} vs {o['interp_calls']})")
    rep.data["rows"] = rep.rows
    rep.data["seconds"] = time.monotonic() - start
    (a.out / "gpu_check.json").write_text(json.dumps(rep.data, indent=1, default=str))
    md = (f"# GPU check{' (CPU DRY RUN)' if dry else ''}\n\nCommand: `{rep.data['command']}`; {rep.data['seconds']:.0f} s.\n\n" + rep.markdown() + "\n")
    (a.out / "gpu_check.md").write_text(md)
    print("\n" + md)
    return 1 if rep.failed else 0


if __name__ == "__main__":
    sys.exit(main())
