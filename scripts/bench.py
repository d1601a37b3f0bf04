#!/usr/bin/env python3
"""The benchmark: our chain against the naive chain and the classical tools, same clips, same run.

    python scripts/bench.py                 # default run (~10-15 min on a 2-core CPU)
    python scripts/bench.py --quick         # ~3 min: one clip, fewer triplets/stills
    python scripts/bench.py --clips onepiece,digimon --frames 24 --width 320 --out out/bench

Parts (``--parts``, default all):
  chain    real clips at ``--width``: our chain (gate -> upscale at source rate with hold
           reuse -> RIFE at output size on motion only -> encode) vs the naive chain (same
           RIFE and upscaler, every interval through RIFE, every output frame upscaled: a
           vs-rife + vs-realesrgan script) vs FFmpeg minterpolate, MVTools FlowFPS, linear
           blend. Stage frames/s, model calls, peak RSS (and GPU memory on CUDA), cross-cut
           frames at the hand-labelled cuts (tests/labels).
  interp   PSNR/SSIM of the middle frame on the real motion triplets.
  upscale  PSNR/SSIM on x2/x4 downscaled native anime stills (ours, the raw model, the ncnn
           runtime, Lanczos, bicubic).
  speed    upscaler s/frame: our CPU/GPU backends vs the ncnn runtime (PyPI ncnn, CPU).

Prints the tables (stdout) and writes ``bench.json`` + ``bench.md`` to ``--out``. The load
average is printed before and after: other processes slow every number down alike.

Needs the 'eval' extra (pillow, mvtools: ``pip install 'ainimotion_vs[eval]'``); the script
says what is missing before it starts.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import shlex
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ainimotion_vs.evaluation import fmt, markdown_table  # noqa: E402
from ainimotion_vs.evaluation.startup import add_run_options, prepare_run  # noqa: E402
from ainimotion_vs.evaluation.measure import machine_info  # noqa: E402

log = logging.getLogger("ainimotion_vs.bench")

PARTS = ("chain", "interp", "upscale", "speed")
NEEDS = {"chain": ("pillow", "mvtools"), "interp": ("pillow", "mvtools"), "upscale": ("pillow",), "speed": ("pillow",)}
"""The parts of the 'eval' extra each part of the benchmark uses."""


def _args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n\n", 2)[2])
    ap.add_argument("--quick", action="store_true", help="small run (~3 min): 1 clip of 12 frames at 256 px, 4 triplets, 2 speed frames")
    ap.add_argument("--out", type=Path, default=REPO / "out" / "bench", help="folder for bench.json and bench.md (default out/bench)")
    add_run_options(ap)
    ap.add_argument("--parts", default=",".join(PARTS), help=f"comma list of {', '.join(PARTS)}")
    ap.add_argument("--clips", default=None, help="comma list of clip windows (onepiece, digimon, konobi12, tomjerry); default all four")
    ap.add_argument("--frames", type=int, default=None, help="frames per clip window (default 24; quick 12)")
    ap.add_argument("--width", type=int, default=None, help="source width the chains run at (default 320; quick 256)")
    ap.add_argument("--scale", type=int, default=2, help="output size factor of the chains (default 2)")
    ap.add_argument("--factor", type=int, default=2, help="frame-rate factor (default 2)")
    ap.add_argument("--backend", default="auto", help="inference backend of the chains and quality runs (default auto: CUDA torch if present, else CPU torch)")
    ap.add_argument("--encoder", default="x264", help="encoder of the encode stage (default x264)")
    ap.add_argument("--encoder-preset", default="veryfast", help="its speed preset (default veryfast)")
    ap.add_argument("--no-e2e", action="store_true", help="skip the end-to-end enhance() -> render() run of our chain")
    ap.add_argument("--triplets", type=int, default=None, help="motion triplets to score (0: all 20; default all; quick 4)")
    ap.add_argument("--triplet-width", type=int, default=None, help="triplets are downscaled to at most this width (default 480; quick 320)")
    ap.add_argument("--crop", type=int, default=None, help="side of the native still crops for upscaling quality (default 256; quick 128)")
    ap.add_argument("--speed-frames", type=int, default=None, help="timed frames per upscaler backend (default 3; quick 2)")
    ap.add_argument("--speed-backends", default="torch,ort,ov", help="our backends in the upscaler speed table (default torch,ort,ov)")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="torch / ncnn CPU threads (default all cores)")
    ap.add_argument("-v", "--verbose", action="store_true", help="progress on stderr")
    a = ap.parse_args(argv)
    q = a.quick
    a.clips = a.clips or ("onepiece" if q else "onepiece,digimon,konobi12,tomjerry")
    a.frames = a.frames or (12 if q else 24)
    a.width = a.width or (256 if q else 320)
    a.triplets = (4 if q else 0) if a.triplets is None else a.triplets
    a.triplet_width = a.triplet_width or (320 if q else 480)
    a.crop = a.crop or (128 if q else 256)
    a.speed_frames = a.speed_frames or (2 if q else 3)
    parts = [p.strip() for p in a.parts.split(",") if p.strip()]
    bad = [p for p in parts if p not in PARTS]
    if bad:
        ap.error(f"unknown part(s) {', '.join(bad)}; choose from {', '.join(PARTS)}")
    a.parts = parts
    return a


# ---------------------------------------------------------------- tables


def _chain_tables(res: dict[str, Any]) -> list[str]:
    out = []
    cases = res["cases"]
    opts = res["options"]
    rows = []
    for c in cases:
        for chain in ("ours", "naive"):
            st = c["stages"][chain]
            total = sum(m["seconds"] for m in st.values())
            calls = c["model_calls"][chain]
            rows.append([
                c["name"], c["size"], chain, str(calls["upscale"]), str(calls["interpolate"]),
                *(fmt(st[s]["fps"], 1) if s in st else "-" for s in ("decode", "gate", "upscale", "interpolate", "encode")),
                fmt(total, 1), fmt(c["frames"] * opts["factor"] / total, 2),
                fmt(max(m["peak_rss_mib"] for m in st.values()), 0),
            ])
        e2e = c.get("end_to_end")
        if e2e:
            rows.append([c["name"], c["size"], "ours end to end", str(c["end_to_end_model_calls"]["upscale"]),
                         str(c["end_to_end_model_calls"]["interpolate"]), "", "", "", "", "",
                         fmt(e2e["seconds"], 1), fmt(e2e["fps"], 2), fmt(e2e["peak_rss_mib"], 0)])
    out.append("### Chains: model calls and stage speed (frames/s of each stage's own output; total = sum of stages)\n")
    out.append(markdown_table(["clip", "size", "chain", "upscaler calls", "RIFE calls", "decode", "gate", "upscale",
                       "interpolate", "encode", "total s", "out fps", "peak RSS MiB"], rows))
    gpu = [m.get("peak_gpu_mib") for c in cases for st in c["stages"].values() for m in st.values() if m.get("peak_gpu_mib")]
    if gpu:
        out.append(f"\nPeak GPU memory (torch allocator, any stage): {max(gpu):.0f} MiB")

    s = res["summary"]
    out.append("\n### Our chain vs the naive chain (same models, same clips)\n")
    out.append(markdown_table(["", "ours", "naive", "avoided"], [
        ["upscaler runs", str(s["ours_upscale_calls"]), str(s["naive_upscale_calls"]), f"{s['upscale_avoided_pct']:.0f}% (hold/duplicate reuse)"],
        ["RIFE runs", str(s["ours_interp_calls"]), str(s["naive_interp_calls"]), f"{s['interp_avoided_pct']:.0f}% (gating: holds, cuts)"],
        ["seconds (staged sum)", fmt(s["ours_seconds"], 1), fmt(s["naive_seconds"], 1), f"naive takes {s['speedup']:.2f}x as long"],
        ["cross-cut frames", str(s["ours_cross_cut"]), str(s["naive_cross_cut"]), f"at {s['cuts']} labelled cut(s)"],
    ]))
    rows = []
    for c in cases:
        ours_total = sum(m["seconds"] for m in c["stages"]["ours"].values())
        naive_total = sum(m["seconds"] for m in c["stages"]["naive"].values())
        ours_fps = c["frames"] * opts["factor"] / ours_total
        rows.append([c["name"], "ours: gate, upscale, RIFE, encode", fmt(ours_fps, 2), "1.00", str(c["cross_cut_frames"]["ours"])])
        rows.append([c["name"], "naive chain: RIFE all, upscale all, encode", fmt(c["frames"] * opts["factor"] / naive_total, 2),
                     fmt(ours_total / naive_total, 2), str(c["cross_cut_frames"]["naive"])])
        for alt, what in (("minterpolate", "FFmpeg minterpolate (rate only)"), ("mvtools", "MVTools FlowFPS (rate only)"), ("blend", "linear blend (rate only)")):
            m = c["alternatives"].get(alt)
            if m:
                rows.append([c["name"], what, fmt(m["fps"], 1), fmt(m["fps"] / ours_fps, 1), str(c["cross_cut_frames"][alt])])
    out.append(f"\n### Every method on the same frames ({opts['factor']}x rate; the model chains also {opts['scale']}x size; "
               f"cross-cut = output frames mixing two shots at a labelled cut)\n")
    out.append(markdown_table(["clip", "method", "out fps", "speed vs ours", "cross-cut frames"], rows))
    return out


def _interp_table(res: dict[str, Any]) -> list[str]:
    s = res["summary"]
    rows = [[m, fmt(s[m]["psnr"], 3), fmt(s[m]["ssim"], 5), f"{s[m]['best_psnr']} of {res['count']}"] for m in res["methods"]]
    fb = res.get("ours_fallbacks") or []
    note = (f"\nOur fallback check replaced the model frame by a source frame on {len(fb)} of {res['count']}: {', '.join(fb)}."
            if fb else "\nOur fallback check kept the model frame on every triplet.")
    return [f"### Interpolation quality: {res['count']} real motion triplets (downscaled to <= {res['max_width']} px wide), middle frame vs the real one\n",
            markdown_table(["method", "PSNR dB", "SSIM (luma)", "best PSNR"], rows), note]


def _upscale_table(res: dict[str, Any]) -> list[str]:
    rows = []
    for fac, ms in res["factors"].items():
        for m, v in ms.items():
            rows.append([fac, m, fmt(v["psnr"]), fmt(v["ssim"], 4)])
    txt = [f"### Upscaling quality: {len(res['stills'])} native anime stills, {res['crop']}x{res['crop']} centre crops, Lanczos-downscaled and brought back "
           f"({res['model']}; ours = upscale() with keep_colors={res['keep_colors']}; model only = no colour keep)\n",
           markdown_table(["factor", "method", "PSNR dB", "SSIM (luma)"], rows)]
    if res.get("note"):
        txt.append(f"\n{res['note']}")
    return txt


def _speed_table(res: dict[str, Any]) -> list[str]:
    rows = []
    best = res["fastest_ours"]
    best_spf = res["rows"][best]["s_per_frame"] if best else None
    for k, v in res["rows"].items():
        if "s_per_frame" in v:
            rows.append([k, fmt(v["s_per_frame"], 3), fmt(best_spf / v["s_per_frame"], 2) if best_spf else "-"])
        else:
            rows.append([k, "error", v["error"]])
    txt = [f"### Upscaler speed: {res['model']} at {res['size']} input, median of {res['frames']} frames, {res['threads']} threads\n",
           markdown_table(["runtime", "s/frame", "speed vs our fastest"], rows)]
    if res.get("verdict"):
        txt.append(f"\n{res['verdict'][0].upper()}{res['verdict'][1:]}.")
    return txt


def _summary(cases: list[dict[str, Any]]) -> dict[str, Any]:
    tot = lambda chain, key: sum(c["model_calls"][chain][key] for c in cases)  # noqa: E731
    secs = lambda chain: sum(m["seconds"] for c in cases for m in c["stages"][chain].values())  # noqa: E731
    ou, nu, oi, ni = tot("ours", "upscale"), tot("naive", "upscale"), tot("ours", "interpolate"), tot("naive", "interpolate")
    return {
        "ours_upscale_calls": ou, "naive_upscale_calls": nu, "upscale_avoided_pct": 100 * (1 - ou / nu) if nu else 0.0,
        "ours_interp_calls": oi, "naive_interp_calls": ni, "interp_avoided_pct": 100 * (1 - oi / ni) if ni else 0.0,
        "ours_seconds": secs("ours"), "naive_seconds": secs("naive"), "speedup": secs("naive") / secs("ours"),
        "ours_cross_cut": sum(c["cross_cut_frames"]["ours"] for c in cases),
        "naive_cross_cut": sum(c["cross_cut_frames"]["naive"] for c in cases),
        "cuts": sum(len(c["cut_intervals"]) for c in cases),
    }


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    a = _args(argv)
    logging.basicConfig(level=logging.INFO if a.verbose else logging.WARNING, stream=sys.stderr, format="%(message)s")
    try:
        data = prepare_run("bench", *sorted({n for p in a.parts for n in NEEDS[p]}), data=a.data)
    except (ImportError, FileNotFoundError) as exc:  # names the missing part or folder and the fix
        print(exc, file=sys.stderr)
        return 2
    import torch
    import vapoursynth as vs

    torch.set_num_threads(a.threads)
    from ainimotion_vs.backends import resolve_backend
    from ainimotion_vs.evaluation.chain_bench import CASES, ChainOptions, ClipCase, run_case
    from ainimotion_vs.evaluation.quality import triplet_quality, upscale_quality, upscaler_speed
    from ainimotion_vs.presets import get_preset

    names = [n.strip() for n in a.clips.split(",") if n.strip()]
    unknown = [n for n in names if n not in CASES]
    if unknown:
        print(f"bench: unknown clip(s) {', '.join(unknown)}; known: {', '.join(CASES)}", file=sys.stderr)
        return 2
    command = "python scripts/bench.py " + " ".join(shlex.quote(x) for x in (sys.argv[1:] if argv is None else argv))
    started = time.time()
    info = machine_info()
    chosen = get_preset("anime-clean")  # "auto" is measured per model (backends/auto.py) and logged with its timings
    up_be = resolve_backend(a.backend, func="bench", model=chosen.upscale_model)
    it_be = resolve_backend(a.backend, func="bench", model=chosen.interp_model)
    backend = f"upscaler {up_be!r}, RIFE {it_be!r}"
    results: dict[str, Any] = {"command": command.strip(), "machine": info, "backend": backend,
                               "started": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(started))}
    print(f"# bench: {info['cpu']}, {info['cores']} cores, load average {info['load_average']} at start; "
          f"torch {info['torch']} ({a.threads} threads), VapourSynth R{info['vapoursynth']} ({vs.core.num_threads} threads); {backend}",
          flush=True)

    if "chain" in a.parts:
        opts = ChainOptions(width=a.width, scale=a.scale, factor=a.factor, backend=a.backend,
                            encoder=a.encoder, encoder_preset=a.encoder_preset, e2e=not a.no_e2e)
        cases = []
        for n in names:
            base = CASES[n]
            case = ClipCase(base.file, base.start, base.start + a.frames, base.why)
            t0 = time.perf_counter()
            cases.append(run_case(data, n, case, opts).as_dict())
            print(f"  chain {n}: {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
        results["chain"] = {"options": opts.__dict__, "cases": cases, "summary": _summary(cases)}
    p = get_preset("anime-clean")
    if "interp" in a.parts:
        t0 = time.perf_counter()
        results["interp"] = triplet_quality(data, max_width=a.triplet_width, limit=a.triplets, backend=a.backend)
        print(f"  interp quality: {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    if "upscale" in a.parts:
        t0 = time.perf_counter()
        results["upscale"] = upscale_quality(data, crop=a.crop, backend=a.backend, model=p.upscale_model, keep_colors=p.keep_colors)
        print(f"  upscale quality: {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    if "speed" in a.parts:
        t0 = time.perf_counter()
        h = max(2, round(a.width * 9 / 16 / 2) * 2) if "chain" not in a.parts else results["chain"]["cases"][0]["size"].split("x")
        w, h = (a.width, h) if "chain" not in a.parts else (int(h[0]), int(h[1]))
        speed_backends = [b.strip() for b in a.speed_backends.split(",") if b.strip()]
        results["speed"] = upscaler_speed(data, width=w, height=h, frames=a.speed_frames, model=p.upscale_model,
                                          threads=a.threads, backends=speed_backends)
        print(f"  upscaler speed: {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)

    results["seconds"] = round(time.time() - started, 1)
    results["load_average_end"] = [round(v, 2) for v in os.getloadavg()]
    md = [
        f"Machine: {info['cpu']}, {info['cores']} cores, {info.get('ram_gib', '?')} GiB RAM"
        + (f", GPU {info['gpu']}" if info.get("gpu") else ", no GPU")
        + f"; torch {info['torch']} ({a.threads} threads), VapourSynth R{info['vapoursynth']}; backend {a.backend!r}: {backend}.",
        f"Command: `{results['command']}` ({results['started']}, {results['seconds']:.0f} s).",
        f"Load average (1/5/15 min) {info['load_average']} at start, {results['load_average_end']} at the end "
        f"(other processes were running: absolute speeds are pessimistic, ratios measured in the same run).",
        "",
    ]
    if "chain" in results:
        md += _chain_tables(results["chain"]) + [""]
    if "interp" in results:
        md += _interp_table(results["interp"]) + [""]
    if "upscale" in results:
        md += _upscale_table(results["upscale"]) + [""]
    if "speed" in results:
        md += _speed_table(results["speed"]) + [""]
    text = "\n".join(md)
    print()
    print(text)
    a.out.mkdir(parents=True, exist_ok=True)
    (a.out / "bench.json").write_text(json.dumps(results, indent=1, default=str))
    (a.out / "bench.md").write_text(text + "\n")
    print(f"\n(wrote {a.out / 'bench.json'} and {a.out / 'bench.md'})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
